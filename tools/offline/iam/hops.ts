/**
 * The hop list: every step both methods take, and every denial around them. Shared by
 * test/iamProof.test.ts (one `it` per hop) and scripts/hop-matrix.ts (the README's table).
 *
 * A hop names its principal and resource symbolically; both are resolved against the captured
 * model (ARNs from the stacks' outputs, names from the program's own derivation), so nothing here
 * repeats a document or an ARN by hand. Only the outsiders — principals the program does not
 * create — are defined here, with the identity policies an administrator would have.
 */
import { deriveNames } from "../../../names";
import { WORKLOAD_TAG_KEY } from "../../../policies";
import { IamModel, PolicyDoc, roleArn, stateBucket, target } from "./capture";
import { EvalRequest, Evaluator, EvalResult, outsiderPolicies, Verdict } from "./evaluate";

/** Account of a principal outside the CI/CD and target accounts. */
export const THIRD_ACCOUNT = "999999999999";
/** The name of an administrator role in any account (not one of the program's). */
export const ADMIN_ROLE = "Admin";

export type PrincipalSlot =
    | "codeBuildRole"
    | "terraformPipelineRole"
    | "cloudFormationPipelineRole"
    | "triggerRole"
    | "terraformDeployRole"
    | "cloudFormationDeployRole"
    | "cloudFormationExecutionRole"
    | "targetAdmin"
    | "cicdAdmin"
    | "thirdAccountAdmin"
    | "cloudformation.amazonaws.com";

export type Group =
    | "method 1"
    | "method 2"
    | "outsiders"
    | "cross-wiring"
    | "another stack"
    | "plain HTTP"
    | "deploy role builds nothing"
    | "PassRole"
    | "IAM escalation";

export interface Hop {
    readonly id: string;
    readonly group: Group;
    /** What the row proves, as the test's title. */
    readonly title: string;
    readonly principal: PrincipalSlot;
    readonly action: string;
    readonly resource: (m: IamModel) => string;
    readonly context?: (m: IamModel) => Record<string, string>;
    readonly expected: Verdict;
}

export interface ResolvedPrincipal {
    readonly arn: string;
    readonly label: string;
    /** Only for outsiders: the program's roles use their captured policies. */
    readonly identityPolicies?: readonly PolicyDoc[];
}

/** Resolves a principal slot against the model, for the first (or the named) target. */
export function principalOf(m: IamModel, slot: PrincipalSlot, targetName?: string): ResolvedPrincipal {
    const t = target(m, targetName);
    const names = deriveNames({ namePrefix: m.cicd.namePrefix, region: m.region }, m.cicdAccountId);
    const modelled = (arn: string): ResolvedPrincipal => {
        const role = m.roles.get(arn);
        if (role === undefined) throw new Error(`hops: ${slot} (${arn}) is not a captured role`);
        return { arn, label: `${role.stack}: ${role.name}` };
    };
    const admin = (account: string, where: string): ResolvedPrincipal => ({
        arn: `arn:${m.partition}:iam::${account}:role/${ADMIN_ROLE}`,
        label: `${where}: ${ADMIN_ROLE} (AdministratorAccess)`,
        identityPolicies: [outsiderPolicies.administratorAccess()],
    });
    switch (slot) {
        case "codeBuildRole":
            return modelled(m.cicd.codeBuildRoleArn);
        case "terraformPipelineRole":
            return modelled(m.cicd.terraformPipelineRoleArn);
        case "cloudFormationPipelineRole":
            return modelled(m.cicd.cloudformationPipelineRoleArn);
        case "triggerRole":
            return modelled(roleArn(m, m.cicdAccountId, names.triggerRole));
        case "terraformDeployRole":
            return modelled(t.contract.terraformDeployRoleArn);
        case "cloudFormationDeployRole":
            return modelled(t.contract.cloudFormationDeployRoleArn);
        case "cloudFormationExecutionRole":
            return modelled(t.contract.cloudFormationExecutionRoleArn);
        case "targetAdmin":
            return admin(t.accountId, t.stack);
        case "cicdAdmin":
            return admin(m.cicdAccountId, "cicd");
        case "thirdAccountAdmin":
            return admin(THIRD_ACCOUNT, THIRD_ACCOUNT);
        case "cloudformation.amazonaws.com":
            return { arn: slot, label: slot };
    }
}

/* ---------- resources, resolved against the model ---------- */

const ec2Arn = (m: IamModel, resource: string): string =>
    `arn:${m.partition}:ec2:${m.region}:${target(m).accountId}:${resource}`;
const iamArn = (m: IamModel, resource: string): string => `arn:${m.partition}:iam::${target(m).accountId}:${resource}`;
const r = {
    terraformDeployRole: (m: IamModel): string => target(m).contract.terraformDeployRoleArn,
    cloudFormationDeployRole: (m: IamModel): string => target(m).contract.cloudFormationDeployRoleArn,
    cloudFormationExecutionRole: (m: IamModel): string => target(m).contract.cloudFormationExecutionRoleArn,
    stateBucket: (m: IamModel): string => stateBucket(m).arn,
    stateObject: (m: IamModel): string => `${stateBucket(m).arn}/${target(m).contract.stateKey}`,
    lockObject: (m: IamModel): string => `${stateBucket(m).arn}/${target(m).contract.stateKey}.tflock`,
    /** A key of a stack that is not this target's, next to its own. */
    otherStateObject: (m: IamModel): string =>
        `${stateBucket(m).arn}/${m.cicd.namePrefix}/another-stack/terraform.tfstate`,
    stack: (m: IamModel, name: string): string =>
        `arn:${m.partition}:cloudformation:${m.region}:${target(m).accountId}:stack/${name}/0a1b2c3d-4e5f-6789-abcd-ef0123456789`,
    workloadStack: (m: IamModel): string => r.stack(m, target(m).contract.cfnStackName),
    anotherStack: (m: IamModel): string => r.stack(m, "another-stack"),
    instance: (m: IamModel): string => ec2Arn(m, "instance/i-0123456789abcdef0"),
    subnet: (m: IamModel): string => ec2Arn(m, `subnet/${target(m).contract.subnetId}`),
    volume: (m: IamModel): string => ec2Arn(m, "volume/vol-0123456789abcdef0"),
    image: (m: IamModel): string => `arn:${m.partition}:ec2:${m.region}::image/ami-0123456789abcdef0`,
    /** The names the workload templates give their role and instance profile (workload/). */
    workloadRole: (m: IamModel, workload: string): string => iamArn(m, `role/${workload}-instance-role`),
    workloadProfile: (m: IamModel, workload: string): string =>
        iamArn(m, `instance-profile/${workload}-instance-profile`),
    tfRole: (m: IamModel): string => r.workloadRole(m, m.cicd.terraformWorkload),
    cfnRole: (m: IamModel): string => r.workloadRole(m, m.cicd.cloudFormationWorkload),
    cfnProfile: (m: IamModel): string => r.workloadProfile(m, m.cicd.cloudFormationWorkload),
    user: (m: IamModel): string => iamArn(m, "user/backdoor"),
};

/* ---------- contexts ---------- */

const http = (): Record<string, string> => ({ "aws:SecureTransport": "false" });
const passedTo = (service: string) => (): Record<string, string> => ({ "iam:PassedToService": service });
const policyArn =
    (name: string) =>
    (m: IamModel): Record<string, string> => ({ "iam:PolicyARN": `arn:${m.partition}:iam::aws:policy/${name}` });
/** The instance of a RunInstances call as the workload templates make it. */
const launch =
    (workload: (m: IamModel) => string, overrides: Record<string, string> = {}) =>
    (m: IamModel): Record<string, string> => ({
        [`aws:RequestTag/${WORKLOAD_TAG_KEY}`]: workload(m),
        "ec2:InstanceType": m.cicd.instanceType,
        "ec2:MetadataHttpTokens": "required",
        ...overrides,
    });
const tfWorkload = (m: IamModel): string => m.cicd.terraformWorkload;
const cfnWorkload = (m: IamModel): string => m.cicd.cloudFormationWorkload;

const ALLOWED: Verdict = "Allowed";
const IMPLICIT: Verdict = "ImplicitlyDenied";
const EXPLICIT: Verdict = "ExplicitlyDenied";

export const HOPS: readonly Hop[] = [
    // ----- method 1: CodeBuild → Terraform deploy role → state, lock, workload
    {
        id: "m1-assume",
        group: "method 1",
        title: "the CodeBuild role assumes the Terraform deploy role",
        principal: "codeBuildRole",
        action: "sts:AssumeRole",
        resource: r.terraformDeployRole,
        expected: ALLOWED,
    },
    {
        id: "m1-get-state",
        group: "method 1",
        title: "the Terraform deploy role reads its state object",
        principal: "terraformDeployRole",
        action: "s3:GetObject",
        resource: r.stateObject,
        expected: ALLOWED,
    },
    {
        id: "m1-put-state",
        group: "method 1",
        title: "the Terraform deploy role writes its state object",
        principal: "terraformDeployRole",
        action: "s3:PutObject",
        resource: r.stateObject,
        expected: ALLOWED,
    },
    {
        id: "m1-get-lock",
        group: "method 1",
        title: "the Terraform deploy role reads its lock object",
        principal: "terraformDeployRole",
        action: "s3:GetObject",
        resource: r.lockObject,
        expected: ALLOWED,
    },
    {
        id: "m1-put-lock",
        group: "method 1",
        title: "the Terraform deploy role writes its lock object",
        principal: "terraformDeployRole",
        action: "s3:PutObject",
        resource: r.lockObject,
        expected: ALLOWED,
    },
    {
        id: "m1-delete-lock",
        group: "method 1",
        title: "the Terraform deploy role deletes its lock object (unlock)",
        principal: "terraformDeployRole",
        action: "s3:DeleteObject",
        resource: r.lockObject,
        expected: ALLOWED,
    },
    {
        id: "m1-list",
        group: "method 1",
        title: "the Terraform deploy role lists the state bucket",
        principal: "terraformDeployRole",
        action: "s3:ListBucket",
        resource: r.stateBucket,
        context: (m) => ({ "s3:prefix": target(m).contract.stateKey }),
        expected: ALLOWED,
    },
    {
        id: "m1-run-instance",
        group: "method 1",
        title: "the Terraform deploy role launches the tagged instance of the configured type",
        principal: "terraformDeployRole",
        action: "ec2:RunInstances",
        resource: r.instance,
        context: launch(tfWorkload),
        expected: ALLOWED,
    },
    {
        id: "m1-create-role",
        group: "method 1",
        title: "the Terraform deploy role creates the workload's IAM role",
        principal: "terraformDeployRole",
        action: "iam:CreateRole",
        resource: r.tfRole,
        expected: ALLOWED,
    },
    {
        id: "m1-attach-ssm",
        group: "method 1",
        title: "the Terraform deploy role attaches the SSM core policy to the workload role",
        principal: "terraformDeployRole",
        action: "iam:AttachRolePolicy",
        resource: r.tfRole,
        context: policyArn("AmazonSSMManagedInstanceCore"),
        expected: ALLOWED,
    },
    {
        id: "m1-pass-workload-role",
        group: "method 1",
        title: "the Terraform deploy role passes the workload role to EC2",
        principal: "terraformDeployRole",
        action: "iam:PassRole",
        resource: r.tfRole,
        context: passedTo("ec2.amazonaws.com"),
        expected: ALLOWED,
    },

    // ----- method 2: pipeline role → CloudFormation deploy role → stack; CloudFormation → execution role → workload
    {
        id: "m2-assume",
        group: "method 2",
        title: "the CloudFormation pipeline role assumes the CloudFormation deploy role",
        principal: "cloudFormationPipelineRole",
        action: "sts:AssumeRole",
        resource: r.cloudFormationDeployRole,
        expected: ALLOWED,
    },
    ...(["CreateStack", "UpdateStack", "DeleteStack", "DescribeStacks", "DescribeStackEvents"] as const).map(
        (a): Hop => ({
            id: `m2-${a}`,
            group: "method 2",
            title: `the CloudFormation deploy role calls ${a} on the workload stack`,
            principal: "cloudFormationDeployRole",
            action: `cloudformation:${a}`,
            resource: r.workloadStack,
            expected: ALLOWED,
        }),
    ),
    {
        id: "m2-pass-execution-role",
        group: "method 2",
        title: "the CloudFormation deploy role passes the execution role to CloudFormation",
        principal: "cloudFormationDeployRole",
        action: "iam:PassRole",
        resource: r.cloudFormationExecutionRole,
        context: passedTo("cloudformation.amazonaws.com"),
        expected: ALLOWED,
    },
    {
        id: "m2-cfn-assumes-execution",
        group: "method 2",
        title: "CloudFormation assumes the execution role",
        principal: "cloudformation.amazonaws.com",
        action: "sts:AssumeRole",
        resource: r.cloudFormationExecutionRole,
        expected: ALLOWED,
    },
    {
        id: "m2-run-instance",
        group: "method 2",
        title: "the execution role launches the tagged instance of the configured type",
        principal: "cloudFormationExecutionRole",
        action: "ec2:RunInstances",
        resource: r.instance,
        context: launch(cfnWorkload),
        expected: ALLOWED,
    },
    {
        id: "m2-run-subnet",
        group: "method 2",
        title: "the execution role launches into the configured subnet",
        principal: "cloudFormationExecutionRole",
        action: "ec2:RunInstances",
        resource: r.subnet,
        expected: ALLOWED,
    },
    {
        id: "m2-run-volume",
        group: "method 2",
        title: "the execution role launches with an encrypted volume",
        principal: "cloudFormationExecutionRole",
        action: "ec2:RunInstances",
        resource: r.volume,
        context: () => ({ "ec2:Encrypted": "true" }),
        expected: ALLOWED,
    },
    {
        id: "m2-run-image",
        group: "method 2",
        title: "the execution role launches from an Amazon-owned image",
        principal: "cloudFormationExecutionRole",
        action: "ec2:RunInstances",
        resource: r.image,
        context: () => ({ "ec2:Owner": "amazon" }),
        expected: ALLOWED,
    },
    {
        id: "m2-tag-on-launch",
        group: "method 2",
        title: "the execution role tags the instance at launch",
        principal: "cloudFormationExecutionRole",
        action: "ec2:CreateTags",
        resource: r.instance,
        context: (m) => ({
            "ec2:CreateAction": "RunInstances",
            [`aws:RequestTag/${WORKLOAD_TAG_KEY}`]: cfnWorkload(m),
        }),
        expected: ALLOWED,
    },
    {
        id: "m2-create-role",
        group: "method 2",
        title: "the execution role creates the workload's IAM role",
        principal: "cloudFormationExecutionRole",
        action: "iam:CreateRole",
        resource: r.cfnRole,
        expected: ALLOWED,
    },
    {
        id: "m2-attach-ssm",
        group: "method 2",
        title: "the execution role attaches the SSM core policy to the workload role",
        principal: "cloudFormationExecutionRole",
        action: "iam:AttachRolePolicy",
        resource: r.cfnRole,
        context: policyArn("AmazonSSMManagedInstanceCore"),
        expected: ALLOWED,
    },
    {
        id: "m2-create-profile",
        group: "method 2",
        title: "the execution role creates the instance profile",
        principal: "cloudFormationExecutionRole",
        action: "iam:CreateInstanceProfile",
        resource: r.cfnProfile,
        expected: ALLOWED,
    },
    {
        id: "m2-add-role-to-profile",
        group: "method 2",
        title: "the execution role adds the workload role to the instance profile",
        principal: "cloudFormationExecutionRole",
        action: "iam:AddRoleToInstanceProfile",
        resource: r.cfnProfile,
        expected: ALLOWED,
    },
    {
        id: "m2-pass-workload-role",
        group: "method 2",
        title: "the execution role passes the workload role to EC2",
        principal: "cloudFormationExecutionRole",
        action: "iam:PassRole",
        resource: r.cfnRole,
        context: passedTo("ec2.amazonaws.com"),
        expected: ALLOWED,
    },

    // ----- administrators and other accounts
    {
        id: "target-admin-assume-tf",
        group: "outsiders",
        title: "an administrator of the target account cannot assume the Terraform deploy role",
        principal: "targetAdmin",
        action: "sts:AssumeRole",
        resource: r.terraformDeployRole,
        expected: IMPLICIT,
    },
    {
        id: "target-admin-assume-cfn",
        group: "outsiders",
        title: "an administrator of the target account cannot assume the CloudFormation deploy role",
        principal: "targetAdmin",
        action: "sts:AssumeRole",
        resource: r.cloudFormationDeployRole,
        expected: IMPLICIT,
    },
    {
        id: "target-admin-assume-exec",
        group: "outsiders",
        title: "an administrator of the target account cannot assume the execution role",
        principal: "targetAdmin",
        action: "sts:AssumeRole",
        resource: r.cloudFormationExecutionRole,
        expected: IMPLICIT,
    },
    {
        id: "target-admin-state",
        group: "outsiders",
        title: "an administrator of the target account cannot read the target's state",
        principal: "targetAdmin",
        action: "s3:GetObject",
        resource: r.stateObject,
        expected: EXPLICIT,
    },
    {
        id: "cicd-admin-assume-tf",
        group: "outsiders",
        title: "an administrator of the CI/CD account cannot assume the Terraform deploy role",
        principal: "cicdAdmin",
        action: "sts:AssumeRole",
        resource: r.terraformDeployRole,
        expected: IMPLICIT,
    },
    {
        id: "cicd-admin-assume-cfn",
        group: "outsiders",
        title: "an administrator of the CI/CD account cannot assume the CloudFormation deploy role",
        principal: "cicdAdmin",
        action: "sts:AssumeRole",
        resource: r.cloudFormationDeployRole,
        expected: IMPLICIT,
    },
    {
        id: "cicd-admin-assume-exec",
        group: "outsiders",
        title: "an administrator of the CI/CD account cannot assume the execution role",
        principal: "cicdAdmin",
        action: "sts:AssumeRole",
        resource: r.cloudFormationExecutionRole,
        expected: IMPLICIT,
    },
    {
        id: "third-assume-tf",
        group: "outsiders",
        title: "an administrator of a third account cannot assume the Terraform deploy role",
        principal: "thirdAccountAdmin",
        action: "sts:AssumeRole",
        resource: r.terraformDeployRole,
        expected: IMPLICIT,
    },
    {
        id: "third-get-state",
        group: "outsiders",
        title: "an administrator of a third account cannot read the state",
        principal: "thirdAccountAdmin",
        action: "s3:GetObject",
        resource: r.stateObject,
        expected: EXPLICIT,
    },
    {
        id: "third-put-state",
        group: "outsiders",
        title: "an administrator of a third account cannot write the state",
        principal: "thirdAccountAdmin",
        action: "s3:PutObject",
        resource: r.stateObject,
        expected: EXPLICIT,
    },
    {
        id: "third-put-lock",
        group: "outsiders",
        title: "an administrator of a third account cannot take the lock",
        principal: "thirdAccountAdmin",
        action: "s3:PutObject",
        resource: r.lockObject,
        expected: EXPLICIT,
    },
    {
        id: "third-list",
        group: "outsiders",
        title: "an administrator of a third account cannot list the state bucket",
        principal: "thirdAccountAdmin",
        action: "s3:ListBucket",
        resource: r.stateBucket,
        expected: IMPLICIT,
    },

    // ----- the program's own roles, each kept to its own hop
    {
        id: "cfn-pipeline-assume-tf",
        group: "cross-wiring",
        title: "the CloudFormation pipeline role cannot assume the Terraform deploy role",
        principal: "cloudFormationPipelineRole",
        action: "sts:AssumeRole",
        resource: r.terraformDeployRole,
        expected: IMPLICIT,
    },
    {
        id: "tf-pipeline-assume-tf",
        group: "cross-wiring",
        title: "the Terraform pipeline role cannot assume the Terraform deploy role",
        principal: "terraformPipelineRole",
        action: "sts:AssumeRole",
        resource: r.terraformDeployRole,
        expected: IMPLICIT,
    },
    {
        id: "trigger-assume-tf",
        group: "cross-wiring",
        title: "the EventBridge trigger role cannot assume the Terraform deploy role",
        principal: "triggerRole",
        action: "sts:AssumeRole",
        resource: r.terraformDeployRole,
        expected: IMPLICIT,
    },
    {
        id: "codebuild-assume-cfn",
        group: "cross-wiring",
        title: "the CodeBuild role cannot assume the CloudFormation deploy role",
        principal: "codeBuildRole",
        action: "sts:AssumeRole",
        resource: r.cloudFormationDeployRole,
        expected: IMPLICIT,
    },
    {
        id: "codebuild-assume-exec",
        group: "cross-wiring",
        title: "the CodeBuild role cannot assume the execution role",
        principal: "codeBuildRole",
        action: "sts:AssumeRole",
        resource: r.cloudFormationExecutionRole,
        expected: IMPLICIT,
    },
    {
        id: "cfn-pipeline-assume-exec",
        group: "cross-wiring",
        title: "the CloudFormation pipeline role cannot assume the execution role",
        principal: "cloudFormationPipelineRole",
        action: "sts:AssumeRole",
        resource: r.cloudFormationExecutionRole,
        expected: IMPLICIT,
    },
    {
        id: "cfn-deploy-assume-exec",
        group: "cross-wiring",
        title: "the CloudFormation deploy role cannot assume the execution role itself",
        principal: "cloudFormationDeployRole",
        action: "sts:AssumeRole",
        resource: r.cloudFormationExecutionRole,
        expected: IMPLICIT,
    },
    {
        id: "codebuild-state",
        group: "cross-wiring",
        title: "the CodeBuild role cannot read the state itself",
        principal: "codeBuildRole",
        action: "s3:GetObject",
        resource: r.stateObject,
        expected: EXPLICIT,
    },
    {
        id: "codebuild-put-state",
        group: "cross-wiring",
        title: "the CodeBuild role cannot write the state itself",
        principal: "codeBuildRole",
        action: "s3:PutObject",
        resource: r.stateObject,
        expected: EXPLICIT,
    },
    {
        id: "cfn-deploy-state",
        group: "cross-wiring",
        title: "the CloudFormation deploy role cannot read the Terraform state",
        principal: "cloudFormationDeployRole",
        action: "s3:GetObject",
        resource: r.stateObject,
        expected: EXPLICIT,
    },
    {
        id: "exec-state",
        group: "cross-wiring",
        title: "the execution role cannot read the Terraform state",
        principal: "cloudFormationExecutionRole",
        action: "s3:GetObject",
        resource: r.stateObject,
        expected: EXPLICIT,
    },

    // ----- another stack
    ...(["CreateStack", "UpdateStack", "DeleteStack"] as const).map((a): Hop => ({
        id: `other-stack-${a}`,
        group: "another stack",
        title: `the CloudFormation deploy role cannot call ${a} on another stack`,
        principal: "cloudFormationDeployRole",
        action: `cloudformation:${a}`,
        resource: r.anotherStack,
        expected: IMPLICIT,
    })),
    {
        id: "other-state-get",
        group: "another stack",
        title: "the Terraform deploy role cannot read another stack's state",
        principal: "terraformDeployRole",
        action: "s3:GetObject",
        resource: r.otherStateObject,
        expected: IMPLICIT,
    },
    {
        id: "other-state-put",
        group: "another stack",
        title: "the Terraform deploy role cannot write another stack's state",
        principal: "terraformDeployRole",
        action: "s3:PutObject",
        resource: r.otherStateObject,
        expected: IMPLICIT,
    },
    {
        id: "state-delete",
        group: "another stack",
        title: "the Terraform deploy role cannot delete its state object (only the lock)",
        principal: "terraformDeployRole",
        action: "s3:DeleteObject",
        resource: r.stateObject,
        expected: IMPLICIT,
    },

    // ----- TLS only
    {
        id: "http-get-state",
        group: "plain HTTP",
        title: "plain HTTP: the Terraform deploy role cannot read its state",
        principal: "terraformDeployRole",
        action: "s3:GetObject",
        resource: r.stateObject,
        context: http,
        expected: EXPLICIT,
    },
    {
        id: "http-put-state",
        group: "plain HTTP",
        title: "plain HTTP: the Terraform deploy role cannot write its state",
        principal: "terraformDeployRole",
        action: "s3:PutObject",
        resource: r.stateObject,
        context: http,
        expected: EXPLICIT,
    },
    {
        id: "http-put-lock",
        group: "plain HTTP",
        title: "plain HTTP: the Terraform deploy role cannot take its lock",
        principal: "terraformDeployRole",
        action: "s3:PutObject",
        resource: r.lockObject,
        context: http,
        expected: EXPLICIT,
    },
    {
        id: "http-list",
        group: "plain HTTP",
        title: "plain HTTP: the Terraform deploy role cannot list the state bucket",
        principal: "terraformDeployRole",
        action: "s3:ListBucket",
        resource: r.stateBucket,
        context: http,
        expected: EXPLICIT,
    },

    // ----- the method-2 deploy role builds nothing itself
    {
        id: "cfn-deploy-run-instance",
        group: "deploy role builds nothing",
        title: "the CloudFormation deploy role cannot launch an instance itself",
        principal: "cloudFormationDeployRole",
        action: "ec2:RunInstances",
        resource: r.instance,
        context: launch(cfnWorkload),
        expected: IMPLICIT,
    },
    {
        id: "cfn-deploy-create-role",
        group: "deploy role builds nothing",
        title: "the CloudFormation deploy role cannot create the workload role itself",
        principal: "cloudFormationDeployRole",
        action: "iam:CreateRole",
        resource: r.cfnRole,
        expected: IMPLICIT,
    },
    {
        id: "cfn-deploy-create-profile",
        group: "deploy role builds nothing",
        title: "the CloudFormation deploy role cannot create the instance profile itself",
        principal: "cloudFormationDeployRole",
        action: "iam:CreateInstanceProfile",
        resource: r.cfnProfile,
        expected: IMPLICIT,
    },
    {
        id: "exec-wrong-type",
        group: "deploy role builds nothing",
        title: "the execution role cannot launch an instance of another type",
        principal: "cloudFormationExecutionRole",
        action: "ec2:RunInstances",
        resource: r.instance,
        context: launch(cfnWorkload, { "ec2:InstanceType": "p5.48xlarge" }),
        expected: IMPLICIT,
    },
    {
        id: "exec-untagged",
        group: "deploy role builds nothing",
        title: "the execution role cannot launch an instance without the workload tag",
        principal: "cloudFormationExecutionRole",
        action: "ec2:RunInstances",
        resource: r.instance,
        context: (m) => {
            const c = launch(cfnWorkload)(m);
            delete c[`aws:RequestTag/${WORKLOAD_TAG_KEY}`];
            return c;
        },
        expected: IMPLICIT,
    },
    {
        id: "exec-imdsv1",
        group: "deploy role builds nothing",
        title: "the execution role cannot launch an instance with IMDSv1",
        principal: "cloudFormationExecutionRole",
        action: "ec2:RunInstances",
        resource: r.instance,
        context: launch(cfnWorkload, { "ec2:MetadataHttpTokens": "optional" }),
        expected: IMPLICIT,
    },
    {
        id: "exec-unencrypted",
        group: "deploy role builds nothing",
        title: "the execution role cannot launch with an unencrypted volume",
        principal: "cloudFormationExecutionRole",
        action: "ec2:RunInstances",
        resource: r.volume,
        context: () => ({ "ec2:Encrypted": "false" }),
        expected: IMPLICIT,
    },
    {
        id: "tf-deploy-cfn-workload",
        group: "deploy role builds nothing",
        title: "the Terraform deploy role cannot create the CloudFormation workload's role",
        principal: "terraformDeployRole",
        action: "iam:CreateRole",
        resource: r.cfnRole,
        expected: IMPLICIT,
    },

    // ----- PassRole
    {
        id: "pass-exec-to-ec2",
        group: "PassRole",
        title: "the execution role cannot be passed to EC2",
        principal: "cloudFormationDeployRole",
        action: "iam:PassRole",
        resource: r.cloudFormationExecutionRole,
        context: passedTo("ec2.amazonaws.com"),
        expected: IMPLICIT,
    },
    {
        id: "pass-exec-to-lambda",
        group: "PassRole",
        title: "the execution role cannot be passed to Lambda",
        principal: "cloudFormationDeployRole",
        action: "iam:PassRole",
        resource: r.cloudFormationExecutionRole,
        context: passedTo("lambda.amazonaws.com"),
        expected: IMPLICIT,
    },
    {
        id: "pass-other-role-to-cfn",
        group: "PassRole",
        title: "the CloudFormation deploy role cannot pass any other role to CloudFormation",
        principal: "cloudFormationDeployRole",
        action: "iam:PassRole",
        resource: r.terraformDeployRole,
        context: passedTo("cloudformation.amazonaws.com"),
        expected: IMPLICIT,
    },
    {
        id: "exec-pass-workload-to-lambda",
        group: "PassRole",
        title: "the execution role cannot pass the workload role to Lambda",
        principal: "cloudFormationExecutionRole",
        action: "iam:PassRole",
        resource: r.cfnRole,
        context: passedTo("lambda.amazonaws.com"),
        expected: IMPLICIT,
    },
    {
        id: "tf-pass-workload-to-lambda",
        group: "PassRole",
        title: "the Terraform deploy role cannot pass the workload role to Lambda",
        principal: "terraformDeployRole",
        action: "iam:PassRole",
        resource: r.tfRole,
        context: passedTo("lambda.amazonaws.com"),
        expected: IMPLICIT,
    },

    // ----- no IAM users, no broader policies, no self-escalation
    ...(
        [
            ["terraformDeployRole", "the Terraform deploy role", r.tfRole],
            ["cloudFormationDeployRole", "the CloudFormation deploy role", r.cfnRole],
            ["cloudFormationExecutionRole", "the execution role", r.cfnRole],
        ] as const
    ).flatMap(([slot, who, workloadRole]): Hop[] => [
        {
            id: `${slot}-create-user`,
            group: "IAM escalation",
            title: `${who} cannot create IAM users`,
            principal: slot,
            action: "iam:CreateUser",
            resource: r.user,
            expected: IMPLICIT,
        },
        {
            id: `${slot}-attach-admin`,
            group: "IAM escalation",
            title: `${who} cannot attach AdministratorAccess to the workload role`,
            principal: slot,
            action: "iam:AttachRolePolicy",
            resource: workloadRole,
            context: policyArn("AdministratorAccess"),
            expected: IMPLICIT,
        },
        {
            id: `${slot}-put-inline`,
            group: "IAM escalation",
            title: `${who} cannot put an inline policy on the workload role`,
            principal: slot,
            action: "iam:PutRolePolicy",
            resource: workloadRole,
            expected: IMPLICIT,
        },
    ]),
    {
        id: "tf-deploy-self-escalate",
        group: "IAM escalation",
        title: "the Terraform deploy role cannot widen its own inline policies",
        principal: "terraformDeployRole",
        action: "iam:PutRolePolicy",
        resource: r.terraformDeployRole,
        expected: IMPLICIT,
    },
    {
        id: "tf-deploy-self-trust",
        group: "IAM escalation",
        title: "the Terraform deploy role cannot rewrite its own trust policy",
        principal: "terraformDeployRole",
        action: "iam:UpdateAssumeRolePolicy",
        resource: r.terraformDeployRole,
        expected: IMPLICIT,
    },
    {
        id: "exec-self-escalate",
        group: "IAM escalation",
        title: "the execution role cannot attach AdministratorAccess to itself",
        principal: "cloudFormationExecutionRole",
        action: "iam:AttachRolePolicy",
        resource: r.cloudFormationExecutionRole,
        context: policyArn("AdministratorAccess"),
        expected: IMPLICIT,
    },
];

/** The request a hop makes, against the model. */
export function requestOf(m: IamModel, hop: Hop): EvalRequest {
    const p = principalOf(m, hop.principal);
    return {
        principal: p.arn,
        action: hop.action,
        resource: hop.resource(m),
        ...(hop.context !== undefined ? { context: hop.context(m) } : {}),
        ...(p.identityPolicies !== undefined ? { identityPolicies: p.identityPolicies } : {}),
    };
}

export interface MatrixRow {
    readonly hop: Hop;
    readonly principal: string;
    readonly action: string;
    readonly resource: string;
    readonly expected: Verdict;
    readonly actual: Verdict;
    readonly result: EvalResult;
}

/** `arn:aws:s3:::b/k` → `s3:::b/k`; the context keys the hop sets, after the action. */
const shortArn = (arn: string): string => arn.replace(/^arn:[^:]+:/, "");

export async function evaluateHops(m: IamModel, hops: readonly Hop[] = HOPS): Promise<MatrixRow[]> {
    const evaluator = new Evaluator(m);
    const rows: MatrixRow[] = [];
    for (const hop of hops) {
        const req = requestOf(m, hop);
        const result = await evaluator.evaluate(req);
        const ctx = Object.entries(req.context ?? {}).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : v}`);
        rows.push({
            hop,
            principal: principalOf(m, hop.principal).label,
            action: ctx.length > 0 ? `${hop.action} (${ctx.join(", ")})` : hop.action,
            resource: shortArn(req.resource),
            expected: hop.expected,
            actual: result.verdict,
            result,
        });
    }
    return rows;
}

/** A compact text table (for the test log). */
export function textMatrix(rows: readonly MatrixRow[]): string {
    const cols = ["principal", "action", "resource", "expected", "actual"] as const;
    const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
    const line = (cells: readonly string[]): string =>
        cells
            .map((c, i) => c.padEnd(widths[i]))
            .join(" | ")
            .trimEnd();
    return [
        line(cols),
        widths.map((w) => "-".repeat(w)).join("-+-"),
        ...rows.map((r) => line(cols.map((c): string => r[c]))),
    ].join("\n");
}

/** The Markdown table of the README. */
export function markdownMatrix(rows: readonly MatrixRow[]): string {
    const esc = (s: string): string => s.replace(/\|/g, "\\|");
    return [
        "| principal | action | resource | expected | actual |",
        "| --- | --- | --- | --- | --- |",
        ...rows.map(
            (r) =>
                `| ${esc(r.principal)} | \`${esc(r.action)}\` | \`${esc(r.resource)}\` | ${r.expected} | ${r.actual}${r.actual === r.expected ? "" : " ✗"} |`,
        ),
    ].join("\n");
}
