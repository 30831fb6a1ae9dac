import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { CrossAccountRole } from "../components/crossAccountRole";
import { ConfigError, TargetStackConfig } from "../config";
import { CicdContract, checkContract, TargetContract } from "../contract";
import { checkedTargetRoles } from "../methods";
import type { TargetContext, TargetRoleSpec } from "../methods/types";
import { deriveNames } from "../names";

export interface TargetOutputs {
    readonly targetName: string;
    readonly accountId: string;
    /** Each role of this target, by its key (terraform-plan, terraform-deploy, cloudformation-execution, ...). */
    readonly roleArns: pulumi.Output<Record<string, string>>;
    readonly terraformDeployRoleArn?: pulumi.Output<string>;
    readonly cloudFormationDeployRoleArn?: pulumi.Output<string>;
    readonly cloudFormationExecutionRoleArn?: pulumi.Output<string>;
}

/** Reads and checks the cicd stack's contract through a StackReference. */
export async function readContract(ref: pulumi.StackReference, cicdStack: string): Promise<CicdContract> {
    const [payload, legacyTargets] = (await Promise.all([
        ref.getOutputValue("contract"),
        ref.getOutputValue("targets"),
    ])) as [unknown, unknown];
    return checkContract(payload, cicdStack, payload === undefined && legacyTargets !== undefined);
}

/** The context a target's roles are computed from, for one target of the contract. */
export function targetContext(contract: CicdContract, entry: TargetContract): TargetContext {
    return {
        partition: contract.partition,
        region: contract.region,
        accountId: entry.accountId,
        cicdAccountId: contract.cicdAccountId,
        namePrefix: contract.namePrefix,
        names: deriveNames({ namePrefix: contract.namePrefix, region: contract.region }, contract.cicdAccountId),
        network: { subnetId: entry.subnetId, securityGroupId: entry.securityGroupId },
        instanceType: contract.instanceType,
        amiParameter: contract.amiParameter,
        ...(contract.amiId !== undefined ? { amiId: contract.amiId } : {}),
        cfnStackName: entry.cfnStackName,
    };
}

/** Every role a target account needs for the contract's methods, checked against IAM's size limits. */
export function targetRoles(contract: CicdContract, ctx: TargetContext): TargetRoleSpec[] {
    return checkedTargetRoles(contract.methods, ctx);
}

/**
 * A target account: the roles the CI/CD account's per-target principals assume there, the execution
 * role, and the workload's instance role and profile. Everything comes from the cicd stack's contract,
 * read and checked before any resource is declared; the stack then refuses to run in any account other
 * than the one its entry names.
 */
export async function targetStack(config: TargetStackConfig): Promise<TargetOutputs> {
    const ref = new pulumi.StackReference("cicd", { name: config.cicdStack });
    const contract = await readContract(ref, config.cicdStack);
    const entry = contract.targets[config.targetName];
    if (entry === undefined) {
        const known = Object.values(contract.targets)
            .map((t) => `${t.stackName} (${t.name})`)
            .join(", ");
        throw new ConfigError(
            `The cicd stack ${config.cicdStack} has no target "${config.targetName}" for this stack; its target stacks are: ${known}`,
        );
    }

    // The provider itself refuses any other account (allowed_account_ids), and we say why first.
    const provider = new aws.Provider("target", {
        region: contract.region as aws.Region,
        allowedAccountIds: [entry.accountId],
    });
    const identity = await aws.getCallerIdentity({}, { provider });
    if (identity.accountId !== entry.accountId) {
        throw new ConfigError(
            `This stack deploys target "${entry.name}" into account ${entry.accountId}, but the credentials are for ` +
                `account ${identity.accountId}. Use the target account's profile (AWS_PROFILE) for this stack`,
        );
    }
    const specs = targetRoles(contract, targetContext(contract, entry));
    // Every role the cicd stack will assume here must be one this stack creates: if not, the two
    // stacks run different versions of the program.
    const expected = Object.entries(entry.roles)
        .filter(([k]) => k.endsWith("RoleName"))
        .map(([, v]) => v);
    const missing = expected.filter((n) => !specs.some((s) => s.name === n));
    if (missing.length > 0) {
        throw new ConfigError(
            `The cicd stack ${config.cicdStack} expects the role(s) ${missing.join(", ")} in ${entry.name}, which this ` +
                `program does not create: deploy the cicd stack and this stack from the same version`,
        );
    }
    const roles = specs.map(
        (spec) => [spec.key, new CrossAccountRole(spec.key, { spec }, { providers: [provider] })] as const,
    );
    const byKey = Object.fromEntries(roles.map(([k, r]) => [k, r.roleArn]));
    const optional = (key: string, roleKey: string): Record<string, pulumi.Output<string>> =>
        byKey[roleKey] === undefined ? {} : { [key]: byKey[roleKey] };
    return {
        targetName: entry.name,
        accountId: entry.accountId,
        roleArns: pulumi.all(byKey),
        ...optional("terraformDeployRoleArn", "terraform-deploy"),
        ...optional("cloudFormationDeployRoleArn", "cloudformation-deploy"),
        ...optional("cloudFormationExecutionRoleArn", "cloudformation-execution"),
    };
}
