import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { Document } from "../policies";

export interface RoleWithPoliciesArgs {
    /** Physical role name: other policies and the other stack name it. */
    readonly roleName: string;
    /** The role's IAM description: what it is for, and who may use it. */
    readonly description: string;
    /** Who may assume the role. */
    readonly trust: Document;
    /** Inline policies by name. Inline, so that the role's rights live and die with it. */
    readonly policies: Readonly<Record<string, Document>>;
    /** AWS managed policies to attach. @default none */
    readonly managedPolicyArns?: readonly string[];
    /** @default 3600 (role chaining caps a chained session at one hour anyway) */
    readonly maxSessionDurationSeconds?: number;
}

export interface RoleWithPolicies {
    readonly role: aws.iam.Role;
    /** The inline policies and attachments: depend on these before using the role, not on the role alone. */
    readonly policies: pulumi.Resource[];
}

/** A role, its inline policies and its managed-policy attachments, children of `parent`. */
export function roleWithPolicies(name: string, args: RoleWithPoliciesArgs, parent: pulumi.Resource): RoleWithPolicies {
    const role = new aws.iam.Role(
        `${name}-role`,
        {
            name: args.roleName,
            description: args.description,
            assumeRolePolicy: JSON.stringify(args.trust),
            maxSessionDuration: args.maxSessionDurationSeconds ?? 3600,
        },
        { parent },
    );
    const policies: pulumi.Resource[] = Object.entries(args.policies).map(
        ([policyName, policy]) =>
            new aws.iam.RolePolicy(
                `${name}-${policyName}`,
                { role: role.name, name: policyName, policy: JSON.stringify(policy) },
                { parent },
            ),
    );
    (args.managedPolicyArns ?? []).forEach((policyArn, i) => {
        policies.push(
            new aws.iam.RolePolicyAttachment(`${name}-managed-${i}`, { role: role.name, policyArn }, { parent }),
        );
    });
    return { role, policies };
}
