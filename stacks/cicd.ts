import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { cloudFormationCommands } from "../artifacts/cloudFormationCommands";
import { parametersFile, sourceArchiveAssets, sourceArchiveContents, TEMPLATE_FILE } from "../artifacts/sourceArchive";
import { ArtifactBucket } from "../components/artifactBucket";
import { DeploymentPipeline, PipelineVariable, TargetStage } from "../components/deploymentPipeline";
import { PipelineNotifications } from "../components/pipelineNotifications";
import { PipelineTrigger } from "../components/pipelineTrigger";
import { StateBucket } from "../components/stateBucket";
import { TerraformDeployer } from "../components/terraformDeployer";
import { CicdConfig, ConfigError, PROJECT, TargetConfig } from "../config";
import { deriveNames, Names, stageName, variableSuffix } from "../names";
import { arn, pipelineRolePolicy } from "../policies";

/** What the cicd stack tells each target stack: everything it needs, nothing it must guess. */
export interface TargetContract {
    readonly name: string;
    readonly stackName: string;
    readonly accountId: string;
    readonly stateKey: string;
    readonly cfnStackName: string;
    readonly terraformDeployRoleName: string;
    readonly terraformDeployRoleArn: string;
    readonly cloudFormationDeployRoleName: string;
    readonly cloudFormationDeployRoleArn: string;
    readonly cloudFormationExecutionRoleName: string;
    readonly cloudFormationExecutionRoleArn: string;
    readonly subnetId: string;
    readonly securityGroupId: string;
}

export interface CicdOutputs {
    readonly cicdAccountId: string;
    readonly partition: string;
    readonly region: string;
    readonly methods: string[];
    readonly namePrefix: string;
    readonly instanceType: string;
    readonly amiParameter: string;
    readonly terraformWorkload: string;
    readonly cloudFormationWorkload: string;
    readonly artifactBucketName: pulumi.Output<string>;
    readonly sourceKey: string;
    readonly notificationTopicArn: pulumi.Output<string>;
    readonly stateBucketName?: pulumi.Output<string>;
    readonly stateBucketArn?: pulumi.Output<string>;
    readonly codeBuildRoleArn?: pulumi.Output<string>;
    readonly codeBuildProjectName?: pulumi.Output<string>;
    readonly terraformPipelineName?: pulumi.Output<string>;
    readonly terraformPipelineRoleArn?: pulumi.Output<string>;
    readonly cloudformationPipelineName?: pulumi.Output<string>;
    readonly cloudformationPipelineRoleArn?: pulumi.Output<string>;
    /** Per target, keyed by target name. */
    readonly targets: Record<string, TargetContract>;
}

function contract(partition: string, names: Names, t: TargetConfig): TargetContract {
    const role = (name: string): string => arn.role(partition, t.accountId, name);
    return {
        name: t.name,
        stackName: t.stackName,
        accountId: t.accountId,
        stateKey: t.stateKey,
        cfnStackName: t.cfnStackName,
        terraformDeployRoleName: names.terraformDeployRole,
        terraformDeployRoleArn: role(names.terraformDeployRole),
        cloudFormationDeployRoleName: names.cloudFormationDeployRole,
        cloudFormationDeployRoleArn: role(names.cloudFormationDeployRole),
        cloudFormationExecutionRoleName: names.cloudFormationExecutionRole,
        cloudFormationExecutionRoleArn: role(names.cloudFormationExecutionRole),
        subnetId: t.subnetId,
        securityGroupId: t.securityGroupId,
    };
}

/**
 * The CI/CD account: source/artifact bucket, and per chosen method the pipeline and what it needs
 * (method 1: state bucket, CodeBuild project; method 2: a pipeline whose Commands action drives
 * CloudFormation). Identity and partition are looked up first, so every ARN below is a plain
 * string and every policy is computed before any resource is declared.
 */
export async function cicdStack(config: CicdConfig): Promise<CicdOutputs> {
    const [identity, partitionResult] = await Promise.all([aws.getCallerIdentity({}), aws.getPartition({})]);
    const accountId = identity.accountId;
    const partition = partitionResult.partition;
    const clash = config.targets.find((t) => t.accountId === accountId);
    if (clash) {
        throw new ConfigError(
            `The target ${clash.name} (${PROJECT}:${clash.name === "default" ? "targetAccountId" : "targets"}) is ${accountId}, ` +
                `the account this cicd stack is being deployed into: a target must be a separate account`,
        );
    }
    const names = deriveNames(config, accountId);
    const targets = Object.fromEntries(config.targets.map((t) => [t.name, contract(partition, names, t)]));
    const useTerraform = config.methods.includes("terraform");
    const useCloudFormation = config.methods.includes("cloudformation");

    const artifacts = new ArtifactBucket("artifacts", {
        partition,
        bucketName: names.artifactBucket,
        sourceKey: names.sourceKey,
        sourceFiles: sourceArchiveAssets(sourceArchiveContents(config, names)),
    });

    const pipelineArns: string[] = [];
    const pipelineComponents: pulumi.Resource[] = [];
    let outputs: Partial<CicdOutputs> = {};

    if (useTerraform) {
        const state = new StateBucket("terraform-state", {
            partition,
            bucketName: names.stateBucket,
            grants: config.targets.map((t) => ({
                accountId: t.accountId,
                roleArn: targets[t.name].terraformDeployRoleArn,
                stateKey: t.stateKey,
            })),
            adminPrincipalArns: config.stateAdminArns,
        });
        const deployer = new TerraformDeployer("terraform", {
            partition,
            region: config.region,
            accountId,
            projectName: names.codeBuildProject,
            roleName: names.codeBuildRole,
            logGroupName: names.codeBuildLogGroup,
            logRetentionDays: config.logRetentionDays,
            artifactBucket: names.artifactBucket,
            deployRoleArns: config.targets.map((t) => targets[t.name].terraformDeployRoleArn),
            image: config.codeBuildImage,
            timeoutMinutes: config.codeBuildTimeoutMinutes,
            terraformVersion: config.terraformVersion,
            terraformSha256: config.terraformSha256,
        });
        const variables: PipelineVariable[] = [
            {
                name: "TF_ACTION",
                defaultValue: "apply",
                description: "apply, or destroy to remove the workload (after an approval)",
            },
            {
                name: "TFSTATE_BUCKET_NAME",
                defaultValue: names.stateBucket,
                description: "Central Terraform state bucket",
            },
            {
                name: "TARGET_ROLE_SESSION",
                defaultValue: `${names.codeBuildProject}-pipeline`,
                description: "Session name seen in the target's CloudTrail",
            },
            ...config.targets.flatMap((t): PipelineVariable[] => [
                {
                    name: `TFSTATE_FILE_NAME${variableSuffix(t)}`,
                    defaultValue: t.stateKey,
                    description: `State key of target ${t.name}`,
                },
                {
                    name: `TARGET_ROLE_ARN${variableSuffix(t)}`,
                    defaultValue: targets[t.name].terraformDeployRoleArn,
                    description: `Terraform deploy role of target ${t.name}`,
                },
            ]),
        ];
        const stages: TargetStage[] = config.targets.map((t) => {
            const env = (name: string, value: string) => ({ name, value, type: "PLAINTEXT" });
            return {
                stageName: stageName(t),
                requireApproval: t.requireApproval,
                action: {
                    name: "Terraform",
                    category: "Build",
                    owner: "AWS",
                    provider: "CodeBuild",
                    version: "1",
                    inputArtifacts: ["source_output"],
                    configuration: {
                        ProjectName: names.codeBuildProject,
                        EnvironmentVariables: JSON.stringify([
                            env("TF_ACTION", "#{variables.TF_ACTION}"),
                            env("TFSTATE_BUCKET_NAME", "#{variables.TFSTATE_BUCKET_NAME}"),
                            env("TFSTATE_FILE_NAME", `#{variables.TFSTATE_FILE_NAME${variableSuffix(t)}}`),
                            env("TARGET_ROLE_ARN", `#{variables.TARGET_ROLE_ARN${variableSuffix(t)}}`),
                            env("TARGET_ROLE_SESSION", "#{variables.TARGET_ROLE_SESSION}"),
                            env("TARGET_ACCOUNT_ID", t.accountId),
                            env("TARGET_NAME", t.name),
                        ]),
                    },
                },
            };
        });
        const pipeline = new DeploymentPipeline(
            "terraform",
            {
                accountId,
                pipelineName: names.terraformPipeline,
                roleName: names.terraformPipelineRole,
                rolePolicy: pipelineRolePolicy({
                    partition,
                    region: config.region,
                    accountId,
                    artifactBucket: names.artifactBucket,
                    codeBuildProjectName: names.codeBuildProject,
                }),
                artifactBucket: artifacts.bucketName,
                sourceKey: names.sourceKey,
                variables,
                stages,
                destroyGuard: { variable: "TF_ACTION", value: "destroy" },
                dependsOn: [deployer],
            },
            { dependsOn: [artifacts] },
        );
        pipelineArns.push(arn.pipeline(partition, config.region, accountId, names.terraformPipeline));
        pipelineComponents.push(pipeline);
        outputs = {
            ...outputs,
            stateBucketName: state.bucketName,
            stateBucketArn: state.bucketArn,
            codeBuildRoleArn: deployer.roleArn,
            codeBuildProjectName: deployer.projectName,
            terraformPipelineName: pipeline.pipelineName,
            terraformPipelineRoleArn: pipeline.roleArn,
        };
    }

    if (useCloudFormation) {
        // CodePipeline writes the Commands action's logs to this group; creating it here gives it a
        // retention period instead of "never expire".
        const logGroup = new aws.cloudwatch.LogGroup("cloudformation-commands-logs", {
            name: names.cloudFormationLogGroup,
            retentionInDays: config.logRetentionDays,
        });
        const variables: PipelineVariable[] = [
            {
                name: "BUILD_ACTION",
                defaultValue: "deploy",
                description: "deploy (create or update), or delete-stack (after an approval)",
            },
            ...config.targets.flatMap((t): PipelineVariable[] => [
                {
                    name: `TARGET_ROLE_ARN${variableSuffix(t)}`,
                    defaultValue: targets[t.name].cloudFormationDeployRoleArn,
                    description: `CloudFormation deploy role of target ${t.name}`,
                },
                {
                    name: `BUILD_STACK_NAME${variableSuffix(t)}`,
                    defaultValue: t.cfnStackName,
                    description: `Workload stack of target ${t.name}`,
                },
                {
                    name: `CFN_ROLE_ARN${variableSuffix(t)}`,
                    defaultValue: targets[t.name].cloudFormationExecutionRoleArn,
                    description: `CloudFormation execution role of target ${t.name}`,
                },
            ]),
        ];
        const stages: TargetStage[] = config.targets.map((t) => ({
            stageName: stageName(t),
            requireApproval: t.requireApproval,
            action: {
                name: "CloudFormation",
                category: "Compute",
                owner: "AWS",
                provider: "Commands",
                version: "1",
                inputArtifacts: ["source_output"],
                timeoutInMinutes: 90,
                commands: cloudFormationCommands({
                    suffix: variableSuffix(t),
                    targetAccountId: t.accountId,
                    parametersFile: parametersFile(t),
                    templateFile: TEMPLATE_FILE,
                }),
            },
        }));
        const pipeline = new DeploymentPipeline(
            "cloudformation",
            {
                accountId,
                pipelineName: names.cloudFormationPipeline,
                roleName: names.cloudFormationPipelineRole,
                rolePolicy: pipelineRolePolicy({
                    partition,
                    region: config.region,
                    accountId,
                    artifactBucket: names.artifactBucket,
                    commandsLogGroupName: names.cloudFormationLogGroup,
                    assumableRoleArns: config.targets.map((t) => targets[t.name].cloudFormationDeployRoleArn),
                }),
                artifactBucket: artifacts.bucketName,
                sourceKey: names.sourceKey,
                variables,
                stages,
                destroyGuard: { variable: "BUILD_ACTION", value: "delete-stack" },
                dependsOn: [logGroup],
            },
            { dependsOn: [artifacts] },
        );
        pipelineArns.push(arn.pipeline(partition, config.region, accountId, names.cloudFormationPipeline));
        pipelineComponents.push(pipeline);
        outputs = {
            ...outputs,
            cloudformationPipelineName: pipeline.pipelineName,
            cloudformationPipelineRoleArn: pipeline.roleArn,
        };
    }

    const pipelines: Record<string, string> = {};
    if (useTerraform) pipelines.terraform = arn.pipeline(partition, config.region, accountId, names.terraformPipeline);
    if (useCloudFormation)
        pipelines.cloudformation = arn.pipeline(partition, config.region, accountId, names.cloudFormationPipeline);
    const notifications = new PipelineNotifications(
        "notifications",
        {
            accountId,
            topicName: names.notificationTopic,
            topicArn: `arn:${partition}:sns:${config.region}:${accountId}:${names.notificationTopic}`,
            pipelines,
            email: config.notificationEmail,
        },
        { dependsOn: pipelineComponents },
    );

    new PipelineTrigger("source-trigger", {
        accountId,
        roleName: names.triggerRole,
        bucketName: artifacts.bucketName,
        sourceKey: names.sourceKey,
        pipelineArns,
    });

    return {
        ...outputs,
        cicdAccountId: accountId,
        partition,
        region: config.region,
        methods: [...config.methods],
        namePrefix: config.namePrefix,
        instanceType: config.instanceType,
        amiParameter: config.amiParameter,
        terraformWorkload: names.terraformWorkload,
        cloudFormationWorkload: names.cloudFormationWorkload,
        artifactBucketName: artifacts.bucketName,
        sourceKey: names.sourceKey,
        notificationTopicArn: notifications.topicArn,
        targets,
    };
}
