import * as pulumi from "@pulumi/pulumi";
import { RoleWithPoliciesArgs, roleWithPolicies } from "./roleWithPolicies";

export type CrossAccountRoleArgs = RoleWithPoliciesArgs;

/**
 * A role in a target account, assumed from the CI/CD account (the deploy roles) or by
 * CloudFormation (the execution role). Its name is decided by the cicd stack and read from there,
 * so both sides agree on it without a cycle.
 */
export class CrossAccountRole extends pulumi.ComponentResource {
    public readonly roleArn: pulumi.Output<string>;
    public readonly roleName: pulumi.Output<string>;

    constructor(name: string, args: CrossAccountRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:target:CrossAccountRole", name, {}, opts);
        const { role } = roleWithPolicies(name, args, this);
        this.roleArn = role.arn;
        this.roleName = role.name;
        this.registerOutputs({ roleArn: this.roleArn, roleName: this.roleName });
    }
}
