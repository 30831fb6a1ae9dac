/** Method 1's roles in a target account: the read-only plan role, the deploy role, and the workload's instance role. */
import {
    crossAccountTrust,
    serviceTrust,
    terraformStatePolicy,
    workloadManagedPolicyArn,
    workloadPolicy,
    workloadReadPolicy,
} from "../../policies";
import { stateKeyPrefix } from "../../config";
import { cicdPrincipalArn, workloadScope } from "../targetScope";
import type { TargetContext, TargetRoleSpec } from "../types";

export function terraformTargetRoles(ctx: TargetContext): TargetRoleSpec[] {
    const m = ctx.names.terraform;
    const scope = workloadScope(ctx, m);
    const principal = (step: "plan" | "apply"): string => cicdPrincipalArn(ctx, "terraform", step);
    const state = {
        partition: ctx.partition,
        bucket: ctx.names.stateBucket,
        namePrefix: ctx.namePrefix,
        accountId: ctx.accountId,
        stateKey: `${stateKeyPrefix(ctx.namePrefix, ctx.accountId)}/terraform.tfstate`,
    };
    return [
        {
            key: "terraform-plan",
            name: m.planRole,
            description:
                "The CI/CD account's plan build for this account reads the workload and its state with this role; it cannot change anything",
            trust: crossAccountTrust({
                sid: "OnlyThisAccountsTerraformPlanBuild",
                partition: ctx.partition,
                trustedAccountId: ctx.cicdAccountId,
                trustedRoleArn: principal("plan"),
            }),
            policies: {
                "read-workload": workloadReadPolicy(scope),
                "read-state": terraformStatePolicy({ ...state, write: false }),
            },
        },
        {
            key: "terraform-deploy",
            name: m.deployRole,
            description:
                "The CI/CD account's apply build for this account applies reviewed Terraform plans with this role",
            trust: crossAccountTrust({
                sid: "OnlyThisAccountsTerraformApplyBuild",
                partition: ctx.partition,
                trustedAccountId: ctx.cicdAccountId,
                trustedRoleArn: principal("apply"),
            }),
            policies: {
                "build-workload": workloadPolicy(scope),
                "terraform-state": terraformStatePolicy({ ...state, write: true }),
            },
        },
        {
            key: "terraform-instance",
            name: m.instanceRole,
            description:
                "The Terraform workload's instance role: the workload passes it to EC2 and cannot make another",
            trust: serviceTrust({ service: "ec2.amazonaws.com" }),
            policies: {},
            managedPolicyArns: [workloadManagedPolicyArn(ctx.partition)],
            instanceProfile: m.instanceProfile,
        },
    ];
}
