/**
 * The hops that must be denied: the trust boundaries. Each row is an attacker's request, written
 * first, and the verdict the captured documents give it. "A" is the target, "B" another target.
 */
import {
    adminEditedDeployRole,
    changeSet,
    cicdAdmin,
    contractPrincipal,
    contractResource,
    EXPLICIT,
    Hop,
    IMPLICIT,
    instance,
    launch,
    listPrefix,
    onWorkloadInstance,
    pipelineRole,
    project,
    reviewRole,
    stack,
    stateBucketArn,
    stateObject,
    targetAdmin,
} from "./refs";

const tf = { method: "terraform" } as const;
const cfn = { method: "cloudformation" } as const;
const tfPair = { method: "terraform", other: true } as const;
const cfnPair = { method: "cloudformation", other: true } as const;

/** Every role of B that A's principals might try. */
const B_ROLES = [
    ["terraformPlanRoleArn", tfPair],
    ["terraformDeployRoleArn", tfPair],
    ["cloudFormationPlanRoleArn", cfnPair],
    ["cloudFormationDeployRoleArn", cfnPair],
    ["cloudFormationExecutionRoleArn", cfnPair],
] as const;
/** A's CI/CD principals, whose code runs in A's stages. */
const A_PRINCIPALS = [
    ["terraformPlanPrincipalArn", "A's Terraform plan build", "terraform"],
    ["terraformApplyPrincipalArn", "A's Terraform apply build", "terraform"],
    ["cloudFormationPlanPrincipalArn", "A's CloudFormation plan action", "cloudformation"],
    ["cloudFormationApplyPrincipalArn", "A's CloudFormation apply action", "cloudformation"],
] as const;

export const BOUNDARY_HOPS: readonly Hop[] = [
    // ----- one principal per target: code in A's stage reaches no role of B, before or after B's approval
    ...A_PRINCIPALS.flatMap(([principal, label, method]) =>
        B_ROLES.filter(([, needs]) => needs.method === method).map(([role]): Hop => ({
            id: `cross-${principal}-${role}`,
            group: "one principal per target",
            title: `${label} cannot assume B's ${role.replace(/Arn$/, "")}`,
            principal: contractPrincipal(principal),
            action: "sts:AssumeRole",
            resource: contractResource(role, "other"),
            expected: IMPLICIT,
            needs: { method, other: true },
        })),
    ),
    {
        id: "cross-tf-plan-to-own-deploy",
        group: "one principal per target",
        title: "A's plan build cannot assume A's deploy role (planning never applies)",
        principal: contractPrincipal("terraformPlanPrincipalArn"),
        action: "sts:AssumeRole",
        resource: contractResource("terraformDeployRoleArn"),
        expected: IMPLICIT,
        needs: tf,
    },
    {
        id: "cross-cfn-plan-to-own-deploy",
        group: "one principal per target",
        title: "A's plan action cannot assume A's CloudFormation deploy role",
        principal: contractPrincipal("cloudFormationPlanPrincipalArn"),
        action: "sts:AssumeRole",
        resource: contractResource("cloudFormationDeployRoleArn"),
        expected: IMPLICIT,
        needs: cfn,
    },
    {
        id: "cross-apply-build-starts-b",
        group: "one principal per target",
        title: "A's apply build cannot start B's apply project",
        principal: contractPrincipal("terraformApplyPrincipalArn"),
        action: "codebuild:StartBuild",
        resource: project("terraformApplyProject", "other"),
        expected: IMPLICIT,
        needs: tfPair,
    },
    ...(["terraform", "cloudformation"] as const).map((method): Hop => ({
        id: `cross-pipeline-role-${method}`,
        group: "one principal per target",
        title: `the ${method} pipeline's own role cannot assume A's deploy role itself`,
        principal: pipelineRole(method),
        action: "sts:AssumeRole",
        resource: contractResource(method === "terraform" ? "terraformDeployRoleArn" : "cloudFormationDeployRoleArn"),
        expected: IMPLICIT,
        needs: { method },
    })),

    // ----- state isolation: each account's roles stay in its own prefix, whatever their identity policy
    ...(
        [
            ["s3:GetObject", stateObject("other"), undefined, "read B's state"],
            ["s3:PutObject", stateObject("other"), undefined, "overwrite B's state"],
            ["s3:DeleteObject", stateObject("other", ".tflock"), undefined, "release B's lock"],
            ["s3:ListBucket", stateBucketArn, listPrefix("other"), "list B's prefix"],
            ["s3:ListBucket", stateBucketArn, listPrefix("none"), "list the whole bucket"],
        ] as const
    ).flatMap(([action, resource, context, what], i): Hop[] => [
        {
            id: `state-deploy-${i}`,
            group: "state isolation",
            title: `A's deploy role cannot ${what}`,
            principal: contractPrincipal("terraformDeployRoleArn"),
            action,
            resource,
            ...(context !== undefined ? { context } : {}),
            expected: EXPLICIT,
            needs: tfPair,
        },
        {
            id: `state-admin-edited-${i}`,
            group: "state isolation",
            title: `A's deploy role, its policy rewritten by A's admin to s3:*, still cannot ${what}`,
            principal: adminEditedDeployRole,
            action,
            resource,
            ...(context !== undefined ? { context } : {}),
            expected: EXPLICIT,
            needs: tfPair,
        },
    ]),
    {
        id: "state-plan-writes",
        group: "state isolation",
        title: "A's plan role cannot write A's state",
        principal: contractPrincipal("terraformPlanRoleArn"),
        action: "s3:PutObject",
        resource: stateObject(),
        expected: IMPLICIT,
        needs: tf,
    },
    {
        id: "state-target-admin",
        group: "state isolation",
        title: "A's administrator cannot read A's state directly",
        principal: targetAdmin,
        action: "s3:GetObject",
        resource: stateObject(),
        expected: EXPLICIT,
        needs: tf,
    },
    {
        id: "state-cicd-admin",
        group: "state isolation",
        title: "an administrator of the CI/CD account cannot read A's state (break-glass roles are named in stateAdminArns)",
        principal: cicdAdmin,
        action: "s3:GetObject",
        resource: stateObject(),
        expected: EXPLICIT,
        needs: tf,
    },
    ...(
        [
            ["s3:PutLifecycleConfiguration", "expire the state"],
            ["s3:PutReplicationConfiguration", "replicate the state elsewhere"],
            ["s3:PutBucketVersioning", "suspend versioning"],
        ] as const
    ).map(([action, what]): Hop => ({
        id: `state-config-${action.split(":")[1]}`,
        group: "state isolation",
        title: `an administrator of the CI/CD account cannot ${what} (only the deployer and stateAdminArns)`,
        principal: cicdAdmin,
        action,
        resource: stateBucketArn,
        expected: EXPLICIT,
        needs: tf,
    })),

    // ----- reviews and drift checks can never apply or delete
    ...(
        [
            ["ec2:RunInstances", instance, launch("terraform"), "launch an instance"],
            ["ec2:TerminateInstances", instance, onWorkloadInstance("terraform"), "terminate the workload"],
            ["s3:DeleteObject", stateObject("self", ".tflock"), undefined, "delete the lock"],
        ] as const
    ).map(([action, resource, context, what]): Hop => ({
        id: `drift-tf-${action.split(":")[1]}`,
        group: "review and drift cannot apply",
        title: `A's Terraform plan role (plans and drift checks) cannot ${what}`,
        principal: contractPrincipal("terraformPlanRoleArn"),
        action,
        resource,
        context,
        expected: IMPLICIT,
        needs: tf,
    })),
    {
        id: "drift-cfn-execute",
        group: "review and drift cannot apply",
        title: "A's CloudFormation plan role cannot execute a change set",
        principal: contractPrincipal("cloudFormationPlanRoleArn"),
        action: "cloudformation:ExecuteChangeSet",
        resource: stack(),
        context: changeSet(undefined),
        expected: IMPLICIT,
        needs: cfn,
    },
    {
        id: "drift-cfn-delete",
        group: "review and drift cannot apply",
        title: "A's CloudFormation plan role cannot delete the stack",
        principal: contractPrincipal("cloudFormationPlanRoleArn"),
        action: "cloudformation:DeleteStack",
        resource: stack(),
        context: (_m, p) => ({ "cloudformation:RoleArn": p.self.contract.roles.cloudFormationExecutionRoleArn }),
        expected: IMPLICIT,
        needs: cfn,
    },
    {
        id: "drift-cfn-change-set-without-role",
        group: "review and drift cannot apply",
        title: "A's CloudFormation plan role cannot create a change set that runs with anything but the execution role",
        principal: contractPrincipal("cloudFormationPlanRoleArn"),
        action: "cloudformation:CreateChangeSet",
        resource: stack(),
        context: changeSet(undefined),
        expected: IMPLICIT,
        needs: cfn,
    },
    {
        id: "drift-pipeline-apply-project",
        group: "review and drift cannot apply",
        title: "the Terraform drift pipeline cannot start A's apply project",
        principal: pipelineRole("terraform", true),
        action: "codebuild:StartBuild",
        resource: project("terraformApplyProject"),
        expected: IMPLICIT,
        needs: tf,
    },
    {
        id: "drift-pipeline-apply-role",
        group: "review and drift cannot apply",
        title: "the CloudFormation drift pipeline cannot assume A's apply action role",
        principal: pipelineRole("cloudformation", true),
        action: "sts:AssumeRole",
        resource: contractResource("cloudFormationApplyPrincipalArn"),
        expected: IMPLICIT,
        needs: cfn,
    },
    ...(["terraform", "cloudformation"] as const).map((method): Hop => ({
        id: `review-reaches-no-target-${method}`,
        group: "review and drift cannot apply",
        title: `the ${method} wave review cannot assume A's deploy role`,
        principal: reviewRole(method),
        action: "sts:AssumeRole",
        resource: contractResource(method === "terraform" ? "terraformDeployRoleArn" : "cloudFormationDeployRoleArn"),
        expected: IMPLICIT,
        needs: { method },
    })),
];
