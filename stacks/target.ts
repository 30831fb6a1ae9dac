import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { CrossAccountRole } from "../components/crossAccountRole";
import { ConfigError, PROJECT, TargetStackConfig } from "../config";
import {
    cloudFormationDeployPolicy,
    crossAccountTrust,
    serviceTrust,
    terraformStatePolicy,
    workloadPolicy,
} from "../policies";
import type { TargetContract } from "./cicd";

export interface TargetOutputs {
    readonly targetName: string;
    readonly accountId: string;
    readonly terraformDeployRoleArn?: pulumi.Output<string>;
    readonly cloudFormationDeployRoleArn?: pulumi.Output<string>;
    readonly cloudFormationExecutionRoleArn?: pulumi.Output<string>;
}

async function required<T>(ref: pulumi.StackReference, cicdStack: string, name: string): Promise<T> {
    const value: unknown = await ref.getOutputValue(name);
    if (value === undefined || value === null) {
        throw new ConfigError(
            `The cicd stack ${cicdStack} has no output "${name}". Deploy it first (pulumi up --stack cicd), ` +
                `or point ${PROJECT}:cicdStack at the right stack`,
        );
    }
    return value as T;
}

/**
 * A target account: the roles the CI/CD account's pipelines assume there. Everything it needs comes
 * from the cicd stack's outputs, read and checked before any resource is declared; the stack then
 * refuses to run in any account other than the one its entry names.
 */
export async function targetStack(config: TargetStackConfig): Promise<TargetOutputs> {
    const ref = new pulumi.StackReference("cicd", { name: config.cicdStack });
    const targets = await required<Record<string, TargetContract>>(ref, config.cicdStack, "targets");
    const entry = targets[config.targetName];
    if (entry === undefined) {
        const known = Object.values(targets)
            .map((t) => `${t.stackName} (${t.name})`)
            .join(", ");
        throw new ConfigError(
            `The cicd stack ${config.cicdStack} has no target "${config.targetName}" for this stack; its target stacks are: ${known}`,
        );
    }
    const [methods, partition, region, cicdAccountId] = await Promise.all([
        required<string[]>(ref, config.cicdStack, "methods"),
        required<string>(ref, config.cicdStack, "partition"),
        required<string>(ref, config.cicdStack, "region"),
        required<string>(ref, config.cicdStack, "cicdAccountId"),
    ]);

    // The provider itself refuses any other account (allowed_account_ids), and we say why first.
    const provider = new aws.Provider("target", { region: region as aws.Region, allowedAccountIds: [entry.accountId] });
    const identity = await aws.getCallerIdentity({}, { provider });
    if (identity.accountId !== entry.accountId) {
        throw new ConfigError(
            `This stack deploys target "${entry.name}" into account ${entry.accountId}, but the credentials are for ` +
                `account ${identity.accountId}. Use the target account's profile (AWS_PROFILE) for this stack`,
        );
    }
    const opts: pulumi.ComponentResourceOptions = { providers: [provider] };
    let outputs: Partial<TargetOutputs> = {};
    const workloadScope = {
        partition,
        region,
        accountId: entry.accountId,
        subnetId: entry.subnetId,
        securityGroupId: entry.securityGroupId,
        instanceType: await required<string>(ref, config.cicdStack, "instanceType"),
        amiParameter: await required<string>(ref, config.cicdStack, "amiParameter"),
    };

    if (methods.includes("terraform")) {
        const [codeBuildRoleArn, stateBucketName, terraformWorkload] = await Promise.all([
            required<string>(ref, config.cicdStack, "codeBuildRoleArn"),
            required<string>(ref, config.cicdStack, "stateBucketName"),
            required<string>(ref, config.cicdStack, "terraformWorkload"),
        ]);
        const role = new CrossAccountRole(
            "terraform-deploy",
            {
                roleName: entry.terraformDeployRoleName,
                description: "CodeBuild in the CI/CD account runs Terraform with this role",
                trust: crossAccountTrust({
                    sid: "OnlyTheTerraformCodeBuildRole",
                    partition,
                    trustedAccountId: cicdAccountId,
                    trustedRoleArn: codeBuildRoleArn,
                }),
                policies: {
                    "build-workload": workloadPolicy({
                        ...workloadScope,
                        namePrefix: terraformWorkload,
                        workloadTag: terraformWorkload,
                    }),
                    "terraform-state": terraformStatePolicy({
                        partition,
                        bucket: stateBucketName,
                        stateKey: entry.stateKey,
                    }),
                },
            },
            opts,
        );
        outputs = { ...outputs, terraformDeployRoleArn: role.roleArn };
    }

    if (methods.includes("cloudformation")) {
        const [pipelineRoleArn, cloudFormationWorkload] = await Promise.all([
            required<string>(ref, config.cicdStack, "cloudformationPipelineRoleArn"),
            required<string>(ref, config.cicdStack, "cloudFormationWorkload"),
        ]);
        const execution = new CrossAccountRole(
            "cloudformation-execution",
            {
                roleName: entry.cloudFormationExecutionRoleName,
                description: "CloudFormation builds the workload stack with this role, and nobody else may use it",
                trust: serviceTrust({ service: "cloudformation.amazonaws.com" }),
                policies: {
                    "build-workload": workloadPolicy({
                        ...workloadScope,
                        namePrefix: cloudFormationWorkload,
                        workloadTag: cloudFormationWorkload,
                    }),
                },
            },
            opts,
        );
        const deploy = new CrossAccountRole(
            "cloudformation-deploy",
            {
                roleName: entry.cloudFormationDeployRoleName,
                description:
                    "The CI/CD account's pipeline drives the workload stack with this role; it cannot build anything itself",
                trust: crossAccountTrust({
                    sid: "OnlyTheCloudFormationPipelineRole",
                    partition,
                    trustedAccountId: cicdAccountId,
                    trustedRoleArn: pipelineRoleArn,
                }),
                policies: {
                    "drive-workload-stack": cloudFormationDeployPolicy({
                        partition,
                        region,
                        accountId: entry.accountId,
                        stackName: entry.cfnStackName,
                        executionRoleArn: entry.cloudFormationExecutionRoleArn,
                        amiParameter: workloadScope.amiParameter,
                    }),
                },
            },
            opts,
        );
        outputs = {
            ...outputs,
            cloudFormationDeployRoleArn: deploy.roleArn,
            cloudFormationExecutionRoleArn: execution.roleArn,
        };
    }

    return { ...outputs, targetName: entry.name, accountId: entry.accountId };
}
