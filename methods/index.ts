import { ConfigError, type Method } from "../config";
import { firstExceeded, quotaMessage, roleUsages } from "../quotas";
import { cloudformation } from "./cloudformation";
import { terraform } from "./terraform";
import type { DeploymentMethod, TargetContext, TargetRoleSpec } from "./types";

/** The deployment methods, by config name: each holds its cicd part, its target roles, its files. */
export const METHODS: Readonly<Record<Method, DeploymentMethod>> = { terraform, cloudformation };

/**
 * Every role a target account needs for these methods, checked against IAM's size limits before any
 * resource is declared (the target stack and the org stack's StackSet template both use it).
 */
export function checkedTargetRoles(methods: readonly Method[], ctx: TargetContext): TargetRoleSpec[] {
    const roles = methods.flatMap((m) => METHODS[m].targetRoles(ctx));
    const over = firstExceeded(
        roles.flatMap((r) =>
            roleUsages(
                r.name,
                JSON.stringify(r.trust),
                Object.values(r.policies).map((d) => JSON.stringify(d)),
            ),
        ),
    );
    if (over !== undefined) throw new ConfigError(quotaMessage(over));
    return roles;
}

export type * from "./types";
