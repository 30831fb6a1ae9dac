/** Method 2's roles in a target account: the CloudFormation execution role, the plan role (change sets, drift), the deploy role (execute the reviewed set), and the workload's instance role. */
import { arn, crossAccountTrust, serviceTrust, workloadManagedPolicyArn, workloadPolicy } from "../../policies";
import { cicdPrincipalArn, workloadScope } from "../targetScope";
import type { TargetContext, TargetRoleSpec } from "../types";
import { cloudFormationDeployPolicy, cloudFormationPlanPolicy } from "./policies";

export function cloudFormationTargetRoles(ctx: TargetContext): TargetRoleSpec[] {
    const m = ctx.names.cloudformation;
    const executionRoleArn = arn.role(ctx.partition, ctx.accountId, ctx.names.cloudFormationExecutionRole);
    const stack = {
        partition: ctx.partition,
        region: ctx.region,
        accountId: ctx.accountId,
        stackName: ctx.cfnStackName,
        executionRoleArn,
        amiParameter: ctx.amiParameter,
    };
    const principal = (step: "plan" | "apply"): string => cicdPrincipalArn(ctx, "cloudformation", step);
    return [
        {
            key: "cloudformation-execution",
            name: ctx.names.cloudFormationExecutionRole,
            description: "CloudFormation builds the workload stack with this role, and nobody else may use it",
            // CloudFormation documents no aws:SourceAccount / aws:SourceArn for stack service roles.
            trust: serviceTrust({ service: "cloudformation.amazonaws.com" }),
            policies: {
                "build-workload": workloadPolicy(workloadScope(ctx, m)),
            },
        },
        {
            key: "cloudformation-plan",
            name: m.planRole,
            description:
                "The CI/CD account's plan action for this account proposes change sets and checks drift with this role; it cannot execute them",
            trust: crossAccountTrust({
                sid: "OnlyThisAccountsCloudFormationPlanAction",
                partition: ctx.partition,
                trustedAccountId: ctx.cicdAccountId,
                trustedRoleArn: principal("plan"),
            }),
            policies: { "review-workload-stack": cloudFormationPlanPolicy(stack) },
        },
        {
            key: "cloudformation-deploy",
            name: m.deployRole,
            description:
                "The CI/CD account's apply action for this account executes reviewed change sets with this role; it builds nothing itself",
            trust: crossAccountTrust({
                sid: "OnlyThisAccountsCloudFormationApplyAction",
                partition: ctx.partition,
                trustedAccountId: ctx.cicdAccountId,
                trustedRoleArn: principal("apply"),
            }),
            policies: { "drive-workload-stack": cloudFormationDeployPolicy(stack) },
        },
        {
            key: "cloudformation-instance",
            name: m.instanceRole,
            description:
                "The CloudFormation workload's instance role: the workload passes it to EC2 and cannot make another",
            trust: serviceTrust({ service: "ec2.amazonaws.com" }),
            policies: {},
            managedPolicyArns: [workloadManagedPolicyArn(ctx.partition)],
            instanceProfile: m.instanceProfile,
        },
    ];
}
