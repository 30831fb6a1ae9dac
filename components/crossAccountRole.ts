import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import type { TargetRoleSpec } from "../methods/types";
import { roleWithPolicies } from "./roleWithPolicies";

export interface CrossAccountRoleArgs {
    /** The role as plain data (a method's targetRoles): name, trust, inline and managed policies. */
    readonly spec: TargetRoleSpec;
}

/**
 * A role in a target account: assumed from the CI/CD account (the plan and deploy roles), by
 * CloudFormation (the execution role), or by EC2 through its instance profile (the workload's
 * instance role, the only role the workload may pass). Its name and documents come from the same pure
 * functions the `org` stack's StackSet template is rendered from.
 */
export class CrossAccountRole extends pulumi.ComponentResource {
    public readonly roleArn: pulumi.Output<string>;
    public readonly roleName: pulumi.Output<string>;
    /** The instance profile, for the workload's instance role. */
    public readonly instanceProfileArn?: pulumi.Output<string>;

    constructor(name: string, args: CrossAccountRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:target:CrossAccountRole", name, {}, opts);
        const { spec } = args;
        const { role } = roleWithPolicies(
            name,
            {
                roleName: spec.name,
                description: spec.description,
                trust: spec.trust,
                policies: spec.policies,
                ...(spec.managedPolicyArns !== undefined ? { managedPolicyArns: spec.managedPolicyArns } : {}),
            },
            this,
        );
        if (spec.instanceProfile !== undefined) {
            const profile = new aws.iam.InstanceProfile(
                `${name}-profile`,
                { name: spec.instanceProfile, role: role.name },
                { parent: this },
            );
            this.instanceProfileArn = profile.arn;
        }
        this.roleArn = role.arn;
        this.roleName = role.name;
        this.registerOutputs({ roleArn: this.roleArn, roleName: this.roleName });
    }
}
