/**
 * What the plan reads from recorded resources: resource types, policy documents (parsed), who a trust
 * policy lets in, mock IDs resolved to physical names, and every IAM document of a stack, including
 * the roles inside an org stack's StackSet template. Pure functions.
 */
import type { Recorded } from "../mocks";
import { PlanIamDocument, PlanStackRun } from "./types";

export const ROLE = "aws:iam/role:Role";
export const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
export const BUCKET = "aws:s3/bucket:Bucket";
export const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
export const TOPIC = "aws:sns/topic:Topic";
export const TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";
export const PIPELINE = "aws:codepipeline/pipeline:Pipeline";
export const PROJECT = "aws:codebuild/project:Project";
export const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
export const EVENT_RULE = "aws:cloudwatch/eventRule:EventRule";
export const EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget";
export const STACK_REFERENCE = "pulumi:pulumi:StackReference";
export const STACK_SET = "aws:cloudformation/stackSet:StackSet";

/** A type of this program's own components (`cross-account-pipeline:cicd:StateBucket`). */
export const isComponentType = (type: string): boolean => !type.startsWith("aws:") && !type.startsWith("pulumi:");

/** `...:cicd:StateBucket` → `StateBucket`; `aws:s3/bucket:Bucket` → `Bucket`. */
export const shortType = (type: string): string => type.split(":").pop() ?? type;

/**
 * A parent URN, `urn:pulumi:<stack>::<project>::<type>::<name>`: the name is the last `::` segment,
 * the type the one before it (its last `$`-part, for a nested parent).
 */
export function parseParentUrn(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    if (parts.length < 4) throw new Error(`plan: cannot read the parent URN ${urn}`);
    const qualified = parts[parts.length - 2];
    return { type: qualified.split("$").pop()!, name: parts[parts.length - 1] };
}

export const parseJson = (value: unknown): any => {
    if (typeof value !== "string") return value;
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
};

export const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export const statementsOf = (doc: any): any[] => asArray(doc?.Statement);

/** `arn:aws:iam::1:role/x` → `x`; anything else as is. */
export const roleNameOf = (arn: unknown): string =>
    typeof arn === "string" && /^arn:[^:]+:iam::\d*:role\//.test(arn) ? arn.replace(/^.*:role\//, "") : String(arn);

export const sids = (doc: any): string =>
    statementsOf(doc)
        .map((s, i) => `${s.Effect === "Deny" ? "Deny " : ""}${s.Sid ?? `#${i}`}`)
        .join(", ");

/** The principals a trust policy lets assume the role, in words. */
export function trustedBy(doc: any): string[] {
    const out: string[] = [];
    for (const s of statementsOf(doc)) {
        if (s.Effect !== "Allow" || !asArray<string>(s.Action).some((a) => /^sts:AssumeRole$/i.test(a))) continue;
        for (const service of asArray<string>(s.Principal?.Service)) out.push(service);
        const pinned = principalArnsOf(s);
        if (pinned.length > 0) {
            const roots = asArray<string>(s.Principal?.AWS).map((a) => a.replace(/^arn:[^:]+:iam::(\d+):root$/, "$1"));
            out.push(...pinned.map((arn) => `${arn} (through ${roots.join(", ")}, pinned by aws:PrincipalArn)`));
        } else for (const aws of asArray<string>(s.Principal?.AWS)) out.push(aws);
    }
    return out;
}

/** The `aws:PrincipalArn` values a statement's ArnEquals / ArnLike / StringEquals conditions pin. */
export function principalArnsOf(statement: any): string[] {
    const arns: string[] = [];
    for (const op of ["ArnEquals", "ArnLike", "StringEquals", "StringLike"]) {
        const block = statement.Condition?.[op];
        if (block === undefined) continue;
        for (const [k, v] of Object.entries(block))
            if (k.toLowerCase() === "aws:principalarn") arns.push(...asArray(v as string | string[]));
    }
    return arns;
}

/** Resolves mock IDs (`artifacts-bucket-id`) back to what they stand for. */
export interface RefResolver {
    bucket(id: unknown): string;
}

export function refResolver(resources: readonly Recorded[]): RefResolver {
    const buckets = new Map<string, string>();
    for (const r of resources) {
        if (r.type === BUCKET)
            buckets.set(`${(r.inputs.name as string | undefined) ?? r.name}-id`, r.inputs.bucket as string);
    }
    return { bucket: (id) => (typeof id === "string" ? (buckets.get(id) ?? id) : String(id)) };
}

/* ---------------------------------------------------------------- IAM documents */

export function iamDocuments(run: PlanStackRun): PlanIamDocument[] {
    const ref = refResolver(run.resources);
    const docs: PlanIamDocument[] = [];
    const base = { stack: run.stack, accountId: run.accountId };
    const roles = run.resources
        .filter((r) => r.type === ROLE)
        .sort((a, b) => String(a.inputs.name).localeCompare(String(b.inputs.name)));
    for (const role of roles) {
        const roleName = role.inputs.name as string;
        docs.push({
            ...base,
            kind: "trust policy",
            owner: { kind: "role", name: roleName },
            resource: { type: role.type, name: role.name, input: "assumeRolePolicy" },
            document: parseJson(role.inputs.assumeRolePolicy),
        });
        const policies = run.resources
            .filter((p) => p.type === ROLE_POLICY && p.inputs.role === roleName)
            .sort((a, b) => String(a.inputs.name).localeCompare(String(b.inputs.name)));
        for (const p of policies) {
            docs.push({
                ...base,
                kind: "inline role policy",
                owner: { kind: "role", name: roleName },
                resource: { type: p.type, name: p.name, input: "policy" },
                policyName: p.inputs.name as string,
                document: parseJson(p.inputs.policy),
            });
        }
    }
    // A role policy whose role is not one of this stack's roles still is a document of the stack.
    for (const p of run.resources.filter(
        (x) => x.type === ROLE_POLICY && !roles.some((r) => r.inputs.name === x.inputs.role),
    )) {
        docs.push({
            ...base,
            kind: "inline role policy",
            owner: { kind: "role", name: String(p.inputs.role) },
            resource: { type: p.type, name: p.name, input: "policy" },
            policyName: p.inputs.name as string,
            document: parseJson(p.inputs.policy),
        });
    }
    const bucketPolicies = run.resources
        .filter((r) => r.type === BUCKET_POLICY)
        .map((p) => ({ p, bucket: ref.bucket(p.inputs.bucket) }));
    for (const { p, bucket } of bucketPolicies.sort((a, b) => a.bucket.localeCompare(b.bucket))) {
        docs.push({
            ...base,
            kind: "bucket policy",
            owner: { kind: "bucket", name: bucket },
            resource: { type: p.type, name: p.name, input: "policy" },
            document: parseJson(p.inputs.policy),
        });
    }
    for (const p of run.resources.filter((r) => r.type === TOPIC_POLICY).sort((a, b) => a.name.localeCompare(b.name))) {
        docs.push({
            ...base,
            kind: "topic policy",
            owner: { kind: "topic", name: String(p.inputs.arn).split(":").pop()! },
            resource: { type: p.type, name: p.name, input: "policy" },
            document: parseJson(p.inputs.policy),
        });
    }
    for (const set of run.resources.filter((r) => r.type === STACK_SET)) docs.push(...templateDocuments(run, set));
    return docs;
}

/** A template string as written: a plain string, or the text of an `Fn::Sub`. */
const templateText = (v: unknown, fallback: string): string =>
    typeof v === "string" ? v : typeof (v as any)?.["Fn::Sub"] === "string" ? (v as any)["Fn::Sub"] : fallback;

/**
 * The roles a StackSet's template creates in every account of its OUs: their trust and inline
 * policies as written in the template (`Fn::Sub` with `${AWS::AccountId}` left for CloudFormation).
 */
function templateDocuments(run: PlanStackRun, set: Recorded): PlanIamDocument[] {
    const template = parseJson(set.inputs.templateBody);
    const docs: PlanIamDocument[] = [];
    const base = { stack: run.stack, accountId: "each account of the stack set's organizational units" };
    for (const [logicalId, r] of Object.entries<any>(template?.Resources ?? {})) {
        if (r?.Type !== "AWS::IAM::Role") continue;
        const owner = { kind: "role" as const, name: templateText(r.Properties?.RoleName, logicalId) };
        const resource = (input: string) => ({ type: set.type, name: set.name, input: `templateBody ${input}` });
        docs.push({
            ...base,
            kind: "StackSet template trust policy",
            owner,
            resource: resource(`${logicalId}.AssumeRolePolicyDocument`),
            document: r.Properties?.AssumeRolePolicyDocument,
        });
        for (const p of asArray<any>(r.Properties?.Policies)) {
            docs.push({
                ...base,
                kind: "StackSet template inline policy",
                owner,
                resource: resource(`${logicalId}.Policies`),
                policyName: p.PolicyName,
                document: p.PolicyDocument,
            });
        }
    }
    return docs;
}
