/** What both methods' target roles derive from a target's context the same way. */
import type { Method } from "../config";
import { MethodNames, principalName } from "../names";
import { arn } from "../policies";
import type { WorkloadScope } from "../policies/workload";
import type { TargetContext } from "./types";

/** The workload this method builds in the target: its tag, network, instance type, AMI and instance role. */
export function workloadScope(ctx: TargetContext, m: MethodNames): WorkloadScope {
    return {
        partition: ctx.partition,
        region: ctx.region,
        accountId: ctx.accountId,
        workloadTag: m.workload,
        network: ctx.network,
        instanceType: ctx.instanceType,
        amiParameter: ctx.amiParameter,
        ...(ctx.amiId !== undefined ? { amiId: ctx.amiId } : {}),
        instanceRoleName: m.instanceRole,
        instanceProfileName: m.instanceProfile,
    };
}

/** The CI/CD principal of this target's plan or apply step, which the target's role trusts. */
export const cicdPrincipalArn = (ctx: TargetContext, method: Method, step: "plan" | "apply"): string =>
    arn.role(ctx.partition, ctx.cicdAccountId, principalName(ctx.namePrefix, method, step, ctx.accountId));
