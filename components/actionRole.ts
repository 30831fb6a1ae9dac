import * as pulumi from "@pulumi/pulumi";
import type { RoleSpec } from "../methods/types";
import { roleWithPolicies } from "./roleWithPolicies";

export interface ActionRoleArgs {
    /** The role as plain data: a Commands action's role (one per target and step), or a wave review's. */
    readonly spec: RoleSpec;
}

/**
 * A role of the CI/CD account that a pipeline assumes for one action (the action's `roleArn`): what
 * the action's commands run with. One per target and step, so that code in one target's action
 * reaches no other target.
 */
export class ActionRole extends pulumi.ComponentResource {
    public readonly roleArn: pulumi.Output<string>;
    /** The role's inline policies: a pipeline that uses the role depends on them. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: ActionRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:cicd:ActionRole", name, {}, opts);
        const { role, policies } = roleWithPolicies(
            name,
            {
                roleName: args.spec.name,
                description: args.spec.description,
                trust: args.spec.trust,
                policies: args.spec.policies,
            },
            this,
        );
        this.roleArn = role.arn;
        this.ready = [role, ...policies];
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
