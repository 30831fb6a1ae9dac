/**
 * The `org` stack's StackSet template: every role a target account needs, for every account of the
 * organizational units at once. It is rendered from the very functions the `target` stack declares its
 * roles from (each method's `targetRoles`), called once with the account written as CloudFormation's
 * `${AWS::AccountId}`: there is no second copy of any trust or policy here, only a renderer.
 *
 * What differs from a per-account `target` stack, and why:
 * - The account ID is `${AWS::AccountId}`, which CloudFormation fills in per stack instance. A string
 *   that holds it becomes `{"Fn::Sub": ...}`; any IAM policy variable in such a string (`${aws:...}`) is
 *   escaped as `${!aws:...}` so that Fn::Sub leaves it to IAM. Strings without the account stay literal.
 * - The network: an OU's accounts each have their own subnet and security group, which one template
 *   cannot name. The roles admit any subnet and security group tagged
 *   `CrossAccountPipelineNetwork=<namePrefix>` in the account; the account's administrator tags the ones
 *   given in the cicd stack's `targets` (docs/organizations.md).
 * - The workload stack of method 2 is `<namePrefix>-workload-*`, the default name of every target's
 *   stack: a name differs per target, a pattern fits all.
 *
 * Each account's roles still trust only that account's own CI/CD principals
 * (`<prefix>-tf-apply-${AWS::AccountId}`, ...), which names.ts names by the target account ID for
 * exactly this reason. A new account in the OU gets working roles from the same template; its pipeline
 * stage appears when the account is added to the cicd stack's `targets`.
 */
import { ConfigError } from "../config";
import type { CicdContract } from "../contract";
import { deriveNames } from "../names";
import { NETWORK_TAG_KEY } from "../policies/workload";
import { checkedTargetRoles } from "./index";
import type { TargetContext, TargetRoleSpec } from "./types";

/** CloudFormation's pseudo parameter of the account a stack instance is deployed in. */
export const ACCOUNT_ID = "${AWS::AccountId}";

/**
 * The largest template a StackSet accepts inline: CreateStackSet's and UpdateStackSet's TemplateBody
 * is at most 51,200 bytes (CloudFormation API Reference, CreateStackSet; "Template body size in a
 * request", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
 */
export const TEMPLATE_BODY_LIMIT = {
    limit: 51_200,
    unit: "bytes",
    url: "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html",
} as const;

/** The workload stacks of method 2 the template's roles admit: every target's default stack name. */
export const workloadStackPattern = (namePrefix: string): string => `${namePrefix}-workload-*`;

/** The physical name of the StackSet, in the management account. */
export const stackSetName = (namePrefix: string): string => `${namePrefix}-target-roles`;

/** The context every account of the OUs shares: the account is CloudFormation's, the network a tag. */
export function orgTargetContext(contract: CicdContract): TargetContext {
    return {
        partition: contract.partition,
        region: contract.region,
        accountId: ACCOUNT_ID,
        cicdAccountId: contract.cicdAccountId,
        namePrefix: contract.namePrefix,
        names: deriveNames({ namePrefix: contract.namePrefix, region: contract.region }, contract.cicdAccountId),
        network: { tagKey: NETWORK_TAG_KEY, tagValue: contract.namePrefix },
        instanceType: contract.instanceType,
        amiParameter: contract.amiParameter,
        ...(contract.amiId !== undefined ? { amiId: contract.amiId } : {}),
        cfnStackName: workloadStackPattern(contract.namePrefix),
    };
}

/**
 * Every role of the contract's methods, from their own `targetRoles`, checked against IAM's size
 * limits. The documents still hold `${AWS::AccountId}` (17 characters where the deployed policy has a
 * 12-digit account), so the check is conservative.
 */
export function orgRoleSpecs(contract: CicdContract): TargetRoleSpec[] {
    const ctx = orgTargetContext(contract);
    return checkedTargetRoles(contract.methods, ctx);
}

/** A JSON value of a template: plain data and intrinsic functions. */
export type TemplateValue = string | number | boolean | null | TemplateValue[] | { [key: string]: TemplateValue };

/**
 * The template form of one string: `{"Fn::Sub": ...}` when it holds the account, with every other
 * `${` escaped as `${!` (IAM policy variables such as `${aws:PrincipalAccount}` must reach IAM as
 * written; Fn::Sub resolves `${!Literal}` to `${Literal}`,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-sub.html).
 * A string without the account is left as it is: CloudFormation substitutes nothing outside Fn::Sub.
 */
export function subString(text: string): TemplateValue {
    if (!text.includes(ACCOUNT_ID)) return text;
    const escaped = text
        .split(ACCOUNT_ID)
        // Every other `${`, `${!` included: Fn::Sub turns `${!x}` into `${x}`, so `${!!x}` into `${!x}`.
        .map((part) => part.replace(/\$\{/g, () => "${!"))
        .join(ACCOUNT_ID);
    return { "Fn::Sub": escaped };
}

/** A whole JSON value with every string that holds the account turned into Fn::Sub. */
export function subAccount(value: unknown, where = "value"): TemplateValue {
    if (typeof value === "string") return subString(value);
    if (typeof value === "number" || typeof value === "boolean" || value === null) return value;
    if (Array.isArray(value)) return value.map((v, i) => subAccount(v, `${where}[${i}]`));
    if (typeof value === "object") {
        const out: Record<string, TemplateValue> = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            // Fn::Sub substitutes values, never keys: a key that names the account cannot be templated.
            if (k.includes(ACCOUNT_ID))
                throw new Error(`orgTemplate: ${where} has the key ${k}, which Fn::Sub cannot fill in`);
            if (v !== undefined) out[k] = subAccount(v, `${where}.${k}`);
        }
        return out;
    }
    throw new Error(`orgTemplate: ${where} is a ${typeof value}, which a template cannot hold`);
}

/** `terraform-plan` → `TerraformPlan`: a CloudFormation logical ID (alphanumeric only). */
export const logicalIdOf = (key: string): string =>
    key
        .split(/[^A-Za-z0-9]+/)
        .filter((p) => p !== "")
        .map((p) => p[0].toUpperCase() + p.slice(1))
        .join("");

/** The template's resources for these roles: each an AWS::IAM::Role, with its instance profile when it has one. */
export function renderResources(specs: readonly TargetRoleSpec[]): Record<string, TemplateValue> {
    const resources: Record<string, TemplateValue> = {};
    const add = (id: string, resource: TemplateValue): void => {
        if (id in resources) throw new Error(`orgTemplate: two resources have the logical ID ${id}`);
        resources[id] = resource;
    };
    for (const spec of specs) {
        const roleId = `${logicalIdOf(spec.key)}Role`;
        const where = `role ${spec.name}`;
        const policies = Object.entries(spec.policies).map(([name, document]) => ({
            PolicyName: name,
            PolicyDocument: subAccount(document, `${where}.policies.${name}`),
        }));
        add(roleId, {
            Type: "AWS::IAM::Role",
            Properties: {
                RoleName: subAccount(spec.name, `${where}.name`),
                Description: spec.description,
                AssumeRolePolicyDocument: subAccount(spec.trust, `${where}.trust`),
                // As the target stack's roles (components/roleWithPolicies.ts): role chaining caps a
                // chained session at one hour anyway.
                MaxSessionDuration: 3600,
                ...(policies.length > 0 ? { Policies: policies } : {}),
                ...(spec.managedPolicyArns !== undefined && spec.managedPolicyArns.length > 0
                    ? { ManagedPolicyArns: subAccount([...spec.managedPolicyArns], `${where}.managedPolicyArns`) }
                    : {}),
            },
        });
        if (spec.instanceProfile !== undefined) {
            add(`${logicalIdOf(spec.key)}InstanceProfile`, {
                Type: "AWS::IAM::InstanceProfile",
                Properties: {
                    InstanceProfileName: subAccount(spec.instanceProfile, `${where}.instanceProfile`),
                    // Ref of an AWS::IAM::Role is its name.
                    Roles: [{ Ref: roleId }],
                },
            });
        }
    }
    return resources;
}

/** A whole template for these roles. */
export function renderTemplate(specs: readonly TargetRoleSpec[], description: string): Record<string, TemplateValue> {
    return {
        AWSTemplateFormatVersion: "2010-09-09",
        Description: description,
        Resources: renderResources(specs),
    };
}

export interface OrgTemplate {
    /** The roles, as plain data (the same specs a `target` stack would declare, for `${AWS::AccountId}`). */
    readonly specs: readonly TargetRoleSpec[];
    readonly template: Record<string, TemplateValue>;
    /** The TemplateBody: compact JSON, the template's own size is what counts against the limit. */
    readonly body: string;
    /** Its size in UTF-8 bytes. */
    readonly bytes: number;
}

/**
 * The size of a TemplateBody in UTF-8 bytes; refuses (ConfigError) one over CloudFormation's limit.
 * With today's roles IAM's per-role quotas bind first (orgRoleSpecs), but a method that adds roles
 * could outgrow the body before any single role outgrows IAM.
 */
export function checkTemplateBody(namePrefix: string, body: string): number {
    const bytes = Buffer.byteLength(body, "utf8");
    if (bytes > TEMPLATE_BODY_LIMIT.limit) {
        throw new ConfigError(
            `the StackSet template of ${namePrefix} needs ${bytes} ${TEMPLATE_BODY_LIMIT.unit}; CloudFormation ` +
                `allows at most ${TEMPLATE_BODY_LIMIT.limit} ${TEMPLATE_BODY_LIMIT.unit} in a TemplateBody ` +
                `(${TEMPLATE_BODY_LIMIT.url}). Deploy fewer methods, or use per-account target stacks`,
        );
    }
    return bytes;
}

/**
 * The StackSet template for the cicd stack's contract: pure, computed before any resource is declared.
 * Refuses (ConfigError) a role over IAM's size limits and a body over the TemplateBody limit.
 */
export function orgTemplate(contract: CicdContract): OrgTemplate {
    const specs = orgRoleSpecs(contract);
    const template = renderTemplate(
        specs,
        `Target roles of ${contract.namePrefix} (cross-account-pipeline): the CI/CD account ${contract.cicdAccountId} ` +
            `deploys into this account with them (${contract.methods.join(", ")}). Managed by the org stack; do not edit.`,
    );
    const body = JSON.stringify(template);
    return { specs, template, body, bytes: checkTemplateBody(contract.namePrefix, body) };
}
