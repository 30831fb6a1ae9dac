/**
 * Rendering for `npm run plan -- <stack>` (scripts/plan.ts): turns what the mock engine recorded into
 * the plan report. Pure functions: no engine, no files. The Markdown is for people, the JSON (the
 * same facts, plus every resource's full inputs) for tools.
 */
import type { Recorded } from "../mocks";

/** The report's label. It says what the report is, and what it is not. */
export const PLAN_LABEL = "What the program declares, not a diff against live state";

/* ---------------------------------------------------------------- model */

/** One stack as the plan ran it under the mock engine. */
export interface PlanStackRun {
    /** `cicd`, `target` or `target-<name>`. */
    readonly stack: string;
    readonly role: "cicd" | "target";
    /** The account the mock engine answered with for this stack's credentials. */
    readonly accountId: string;
    readonly resources: readonly Recorded[];
    /** The stack's outputs, resolved. */
    readonly outputs: Record<string, unknown>;
    /** For target stacks: the entry of the cicd stack's `targets` output. */
    readonly targetName?: string;
}

export interface PlanResource {
    readonly stack: string;
    readonly accountId: string;
    readonly type: string;
    readonly name: string;
    /** A component resource of this program (its children are the cloud resources). */
    readonly component: boolean;
    readonly parent?: { readonly type: string; readonly name: string; readonly urn: string };
    /** The explicit provider's resource name, where there is one (`target`). */
    readonly provider?: string;
    /** The few inputs that say what the resource is, as display strings. */
    readonly keyInputs: Record<string, string>;
    /** Every input the program passed (mock IDs where AWS would assign one). */
    readonly inputs: Record<string, unknown>;
}

export type IamDocumentKind = "trust policy" | "inline role policy" | "bucket policy" | "topic policy";

export interface PlanIamDocument {
    readonly kind: IamDocumentKind;
    /** What the document belongs to: a role, a bucket or a topic, by physical name. */
    readonly owner: { readonly kind: "role" | "bucket" | "topic"; readonly name: string };
    /** The Pulumi resource that carries the document, and its input. */
    readonly resource: { readonly type: string; readonly name: string; readonly input: string };
    /** An inline policy's IAM name. */
    readonly policyName?: string;
    readonly stack: string;
    readonly accountId: string;
    readonly document: unknown;
}

export interface PlanHopRow {
    readonly id: string;
    readonly group: string;
    readonly title: string;
    readonly principal: string;
    readonly action: string;
    readonly resource: string;
    readonly expected: string;
    /** The evaluator's verdict; undefined when the hop was not evaluated (its method is off). */
    readonly actual?: string;
    readonly asExpected: boolean;
    readonly skipped?: string;
    readonly allowedBy: readonly string[];
    readonly deniedBy: readonly string[];
}

export interface PlanHopMatrix {
    /** The stack pair: `cicd` → `target…`. */
    readonly cicdStack: "cicd";
    readonly targetStack: string;
    readonly targetName: string;
    readonly targetAccountId: string;
    readonly rows: readonly PlanHopRow[];
}

export interface PlanAccount {
    readonly role: "cicd" | "target";
    readonly accountId: string;
    readonly stack: string;
    readonly targetName?: string;
    /** Where the number comes from. */
    readonly source: string;
    readonly placeholder: boolean;
}

export interface PlanSummary {
    readonly resources: number;
    readonly components: number;
    readonly iamDocuments: number;
    readonly hops: number;
    readonly hopsEvaluated: number;
    readonly hopsNotAsExpected: readonly string[];
    readonly hopsAllAsExpected: boolean;
}

export interface PlanJson {
    readonly label: string;
    readonly kind: "cross-account-pipeline plan";
    readonly stack: string;
    readonly notice: readonly string[];
    readonly configFiles: readonly string[];
    /** The stack's committed config, as the program reads it (`config.get` strings). */
    readonly config: Record<string, string>;
    readonly region: string;
    readonly partition: string;
    readonly accounts: readonly PlanAccount[];
    readonly resources: readonly PlanResource[];
    readonly iamDocuments: readonly PlanIamDocument[];
    readonly hopMatrices: readonly PlanHopMatrix[];
    readonly mermaid: string;
    readonly outputs: Record<string, unknown>;
    readonly summary: PlanSummary;
}

/* ---------------------------------------------------------------- helpers */

export const ROLE = "aws:iam/role:Role";
export const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
export const BUCKET = "aws:s3/bucket:Bucket";
export const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
export const TOPIC = "aws:sns/topic:Topic";
export const TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";
const PIPELINE = "aws:codepipeline/pipeline:Pipeline";
const PROJECT = "aws:codebuild/project:Project";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const EVENT_RULE = "aws:cloudwatch/eventRule:EventRule";
const EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const STACK_REFERENCE = "pulumi:pulumi:StackReference";

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

const parseJson = (value: unknown): any => {
    if (typeof value !== "string") return value;
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
};

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const statementsOf = (doc: any): any[] => asArray(doc?.Statement);

/** `arn:aws:iam::1:role/x` → `x`; anything else as is. */
const roleNameOf = (arn: unknown): string =>
    typeof arn === "string" && /^arn:[^:]+:iam::\d*:role\//.test(arn) ? arn.replace(/^.*:role\//, "") : String(arn);

const sids = (doc: any): string =>
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
function principalArnsOf(statement: any): string[] {
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

/* ---------------------------------------------------------------- key inputs */

type KeyFn = (i: any, ref: RefResolver) => Record<string, unknown>;

const onOff = (v: unknown): string =>
    v === true || v === "true" ? "on" : v === false || v === "false" ? "off" : String(v);

/** Stage → actions (provider), in order, with the skip condition of a guarded stage. */
function stagesOf(stages: any[]): string {
    return asArray(stages)
        .map((stage) => {
            const actions = asArray<any>(stage.actions)
                .map((a) => (a.name === stage.name ? a.provider : `${a.name}: ${a.provider}`))
                .join(", ");
            const rules = asArray<any>(stage.beforeEntry?.condition?.rules);
            const guard =
                rules.length > 0
                    ? ` (${String(stage.beforeEntry.condition.result).toLowerCase()} unless ${rules
                          .map(
                              (r) =>
                                  `${String(r.configuration?.Variable).replace(/^#\{variables\.(.*)\}$/, "$1")}=${r.configuration?.Value}`,
                          )
                          .join(" and ")})`
                    : "";
            return `${stage.name} [${actions}]${guard}`;
        })
        .join(" → ");
}

const KEY_INPUTS: Record<string, KeyFn> = {
    [BUCKET]: (i) => ({ bucket: i.bucket, forceDestroy: i.forceDestroy }),
    "aws:s3/bucketVersioning:BucketVersioning": (i, ref) => ({
        bucket: ref.bucket(i.bucket),
        status: i.versioningConfiguration?.status,
    }),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (i, ref) => ({
        bucket: ref.bucket(i.bucket),
        sse: asArray<any>(i.rules)
            .map(
                (r) =>
                    `${r.applyServerSideEncryptionByDefault?.sseAlgorithm}${r.bucketKeyEnabled ? " + bucket key" : ""}`,
            )
            .join(", "),
    }),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (i, ref) => {
        const flags = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
        const on = flags.filter((f) => i[f] === true);
        return {
            bucket: ref.bucket(i.bucket),
            block: on.length === flags.length ? "all four settings on" : on.join(", ") || "none",
        };
    },
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": (i, ref) => ({
        bucket: ref.bucket(i.bucket),
        objectOwnership: i.rule?.objectOwnership,
    }),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (i, ref) => ({
        bucket: ref.bucket(i.bucket),
        rules: asArray<any>(i.rules)
            .map((r) => {
                const what = [
                    r.abortIncompleteMultipartUpload
                        ? `abort uploads after ${r.abortIncompleteMultipartUpload.daysAfterInitiation} d`
                        : "",
                    r.noncurrentVersionExpiration
                        ? `old versions expire after ${r.noncurrentVersionExpiration.noncurrentDays} d`
                        : "",
                    r.expiration ? `expire ${JSON.stringify(r.expiration)}` : "",
                ].filter((x) => x !== "");
                return `${r.id} (${r.status}${what.length > 0 ? `: ${what.join(", ")}` : ""})`;
            })
            .join("; "),
    }),
    "aws:s3/bucketNotification:BucketNotification": (i, ref) => ({
        bucket: ref.bucket(i.bucket),
        eventbridge: i.eventbridge,
    }),
    [BUCKET_POLICY]: (i, ref) => ({ bucket: ref.bucket(i.bucket), statements: sids(parseJson(i.policy)) }),
    "aws:s3/bucketObjectv2:BucketObjectv2": (i, ref) => ({
        bucket: ref.bucket(i.bucket),
        key: i.key,
        contentType: i.contentType,
        source:
            i.source?.["pulumi:archive"] === "AssetArchive"
                ? `archive of ${Object.keys(i.source.entries ?? {}).length} files, built by the program`
                : i.source,
    }),
    [ROLE]: (i) => ({
        name: i.name,
        trustedBy: trustedBy(parseJson(i.assumeRolePolicy)).join(", "),
        maxSessionDuration: i.maxSessionDuration,
    }),
    [ROLE_POLICY]: (i) => ({ role: i.role, name: i.name, statements: sids(parseJson(i.policy)) }),
    [PROJECT]: (i) => ({
        name: i.name,
        image: i.environment?.image,
        computeType: i.environment?.computeType,
        privileged: onOff(i.environment?.privilegedMode),
        timeout: i.buildTimeout === undefined ? undefined : `${i.buildTimeout} min`,
        queuedTimeout: i.queuedTimeout === undefined ? undefined : `${i.queuedTimeout} min`,
        serviceRole: roleNameOf(i.serviceRole),
        buildspec: i.source?.buildspec,
    }),
    [LOG_GROUP]: (i) => ({
        name: i.name,
        retention: i.retentionInDays === undefined ? "never expires" : `${i.retentionInDays} days`,
    }),
    [PIPELINE]: (i) => ({
        name: i.name,
        pipelineType: i.pipelineType,
        executionMode: i.executionMode,
        role: roleNameOf(i.roleArn),
        stages: stagesOf(i.stages),
        variables: asArray<any>(i.variables)
            .map((v) => v.name)
            .join(", "),
    }),
    [EVENT_RULE]: (i) => ({ name: i.name, eventPattern: i.eventPattern }),
    [EVENT_TARGET]: (i) => ({ rule: i.rule, target: i.arn, role: roleNameOf(i.roleArn) }),
    [TOPIC]: (i) => ({ name: i.name }),
    [TOPIC_POLICY]: (i) => ({ topic: i.arn, statements: sids(parseJson(i.policy)) }),
    "aws:codestarnotifications/notificationRule:NotificationRule": (i) => ({
        name: i.name,
        resource: i.resource,
        detailType: i.detailType,
        events: asArray<string>(i.eventTypeIds)
            .map((e) => e.replace(/^codepipeline-pipeline-/, ""))
            .join(", "),
    }),
    "aws:sns/topicSubscription:TopicSubscription": (i) => ({ protocol: i.protocol, endpoint: i.endpoint }),
    [STACK_REFERENCE]: (i) => ({ name: i.name }),
    "pulumi:providers:aws": (i) => ({
        region: i.region,
        allowedAccountIds: asArray(parseJson(i.allowedAccountIds)).join(", "),
    }),
};

const display = (v: unknown): string | undefined => {
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    return JSON.stringify(v);
};

/** The whitelisted inputs of one resource, as display strings; a generic pick for other types. */
export function keyInputsOf(r: Recorded, ref: RefResolver): Record<string, string> {
    if (isComponentType(r.type)) return {};
    const fn = KEY_INPUTS[r.type];
    const picked: Record<string, unknown> =
        fn !== undefined
            ? fn(r.inputs, ref)
            : Object.fromEntries(
                  Object.entries(r.inputs)
                      .filter(([, v]) => ["string", "number", "boolean"].includes(typeof v))
                      .slice(0, 4),
              );
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(picked)) {
        const s = display(v);
        if (s !== undefined) out[k] = s;
    }
    return out;
}

export function planResources(run: PlanStackRun): PlanResource[] {
    const ref = refResolver(run.resources);
    const rows = run.resources.map((r): PlanResource => {
        const parent = r.parent === undefined ? undefined : { ...parseParentUrn(r.parent), urn: r.parent };
        const provider = r.provider === undefined ? undefined : r.provider.split("::")[3];
        return {
            stack: run.stack,
            accountId: run.accountId,
            type: r.type,
            name: r.name,
            component: isComponentType(r.type),
            ...(parent !== undefined ? { parent } : {}),
            ...(provider !== undefined ? { provider } : {}),
            keyInputs: keyInputsOf(r, ref),
            inputs: r.inputs,
        };
    });
    // Stable order, whatever the engine's timing: the provider and StackReference first, then one
    // group per component (the component, then its children by type and name), with resources that
    // have no parent as groups of their own, by name.
    const groupOf = (r: PlanResource): string =>
        r.parent !== undefined ? `${r.parent.name}\u0000${r.parent.type}` : `${r.name}\u0000${r.type}`;
    const rank = (r: PlanResource): number => (r.type.startsWith("pulumi:") ? 0 : 1);
    return rows.sort(
        (a, b) =>
            rank(a) - rank(b) ||
            groupOf(a).localeCompare(groupOf(b)) ||
            Number(b.component) - Number(a.component) ||
            shortType(a.type).localeCompare(shortType(b.type)) ||
            a.name.localeCompare(b.name),
    );
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
    return docs;
}

/* ---------------------------------------------------------------- Mermaid */

/** Escapes a label for a quoted Mermaid label. */
const label = (s: string): string =>
    s.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;").replace(/\n/g, "<br/>");
const idOf = (...parts: string[]): string => parts.join("_").replace(/[^A-Za-z0-9_]/g, "_");

interface DiagramNode {
    readonly id: string;
    readonly text: string;
    readonly shape: "box" | "role" | "bucket" | "service" | "round";
}

const shaped = (n: DiagramNode): string => {
    const t = `"${label(n.text)}"`;
    switch (n.shape) {
        case "role":
            return `${n.id}{{${t}}}`;
        case "bucket":
            return `${n.id}[(${t})]`;
        case "service":
            return `${n.id}([${t}])`;
        case "round":
            return `${n.id}(${t})`;
        default:
            return `${n.id}[${t}]`;
    }
};

/** The node a diagram draws for a resource, if it draws one (pipelines, projects, buckets, roles...). */
function nodeFor(stack: string, r: Recorded): DiagramNode | undefined {
    const id = idOf("n", stack, r.name);
    switch (r.type) {
        case ROLE:
            return { id, text: `role ${r.inputs.name}`, shape: "role" };
        case BUCKET:
            return { id, text: `bucket ${r.inputs.bucket}`, shape: "bucket" };
        case PIPELINE:
            return {
                id,
                text: `CodePipeline ${r.inputs.pipelineType ?? ""} ${r.inputs.name}`.replace(/\s+/g, " "),
                shape: "box",
            };
        case PROJECT:
            return { id, text: `CodeBuild ${r.inputs.name}\n${r.inputs.environment?.image ?? ""}`, shape: "box" };
        case TOPIC:
            return { id, text: `SNS ${r.inputs.name}`, shape: "round" };
        case EVENT_RULE:
            return { id, text: `EventBridge rule ${r.inputs.name ?? r.name}`, shape: "round" };
        case LOG_GROUP:
            return r.parent === undefined ? { id, text: `log group ${r.inputs.name}`, shape: "round" } : undefined;
        case STACK_REFERENCE:
            return { id, text: `StackReference\n${r.inputs.name}`, shape: "round" };
        default:
            return undefined;
    }
}

export interface DiagramInput {
    readonly partition: string;
    /** The stacks to draw: the cicd stack and the target stack(s). */
    readonly runs: readonly PlanStackRun[];
    /** The stack the report is about; its account is marked. */
    readonly reportStack: string;
    readonly cicdPlaceholder: boolean;
}

/**
 * A Mermaid `flowchart LR`: one subgraph per account, one per component inside it, nodes for the
 * main resources and the roles. Edges: trust (from each captured trust policy's Service principal
 * or pinned aws:PrincipalArn), pipeline → CodeBuild / Commands action, project and Commands action →
 * the role they run as, iam:PassRole grants between drawn roles, and EventBridge → pipelines.
 */
export function mermaidDiagram(diagram: DiagramInput): string {
    // The same diagram whatever the engine's registration order.
    const byName = (a: Recorded, b: Recorded): number => a.name.localeCompare(b.name) || a.type.localeCompare(b.type);
    const input: DiagramInput = {
        ...diagram,
        runs: diagram.runs.map((r) => ({ ...r, resources: [...r.resources].sort(byName) })),
    };
    const lines: string[] = ["flowchart LR"];
    const edges: string[] = [];
    const roleNodes = new Map<string, string>(); // role ARN → node id
    const pipelineNodes = new Map<string, string>(); // `${account}:${pipeline name}` → node id
    const projectNodes = new Map<string, string>(); // project name → node id
    const externals = new Map<string, DiagramNode>();
    const edgeSet = new Set<string>();
    const edge = (s: string): void => {
        if (!edgeSet.has(s)) {
            edgeSet.add(s);
            edges.push(s);
        }
    };

    for (const run of input.runs) {
        for (const r of run.resources) {
            if (r.type === ROLE)
                roleNodes.set(
                    `arn:${input.partition}:iam::${run.accountId}:role/${r.inputs.name}`,
                    idOf("n", run.stack, r.name),
                );
            if (r.type === PIPELINE)
                pipelineNodes.set(`${run.accountId}:${r.inputs.name}`, idOf("n", run.stack, r.name));
            if (r.type === PROJECT) projectNodes.set(`${run.accountId}:${r.inputs.name}`, idOf("n", run.stack, r.name));
        }
    }
    const roleNode = (arn: string): string => {
        const known = roleNodes.get(arn);
        if (known !== undefined) return known;
        const id = idOf("ext", arn);
        externals.set(id, { id, text: arn, shape: /:role\//.test(arn) ? "role" : "box" });
        return id;
    };
    const serviceNode = (service: string): string => {
        const id = idOf("svc", service);
        externals.set(id, { id, text: service, shape: "service" });
        return id;
    };

    for (const run of input.runs) {
        const cicd = run.role === "cicd";
        const title = cicd
            ? `CI/CD account ${run.accountId}${input.cicdPlaceholder ? " (placeholder)" : ""} · stack ${run.stack}`
            : `Target account ${run.accountId} · stack ${run.stack} (target ${run.targetName ?? "?"})`;
        const mark = run.stack === input.reportStack ? " · this report" : "";
        lines.push(`  subgraph ${idOf("acct", run.stack)}["${label(title + mark)}"]`);
        const components = run.resources.filter((r) => isComponentType(r.type));
        const childrenOf = (c: Recorded): Recorded[] =>
            run.resources.filter(
                (r) =>
                    r.parent !== undefined &&
                    parseParentUrn(r.parent).name === c.name &&
                    parseParentUrn(r.parent).type === c.type,
            );
        for (const c of components) {
            const nodes = childrenOf(c)
                .map((r) => nodeFor(run.stack, r))
                .filter((n): n is DiagramNode => n !== undefined);
            const cid = idOf("c", run.stack, shortType(c.type), c.name);
            lines.push(`    subgraph ${cid}["${label(`${shortType(c.type)} ${c.name}`)}"]`);
            if (nodes.length === 0) lines.push(`      ${idOf("e", cid)}["${label(`${shortType(c.type)} ${c.name}`)}"]`);
            for (const n of nodes) lines.push(`      ${shaped(n)}`);
            // The Commands actions of a pipeline run inside it, as its role.
            for (const p of childrenOf(c).filter((r) => r.type === PIPELINE)) {
                for (const stage of asArray<any>(p.inputs.stages)) {
                    for (const a of asArray<any>(stage.actions).filter((x) => x.provider === "Commands")) {
                        const aid = idOf("n", run.stack, p.name, stage.name, a.name);
                        lines.push(`      ${aid}["${label(`Commands action ${stage.name}/${a.name}`)}"]`);
                        edge(`  ${idOf("n", run.stack, p.name)} -- "Commands action" --> ${aid}`);
                        edge(`  ${aid} -. "runs as" .-> ${roleNode(p.inputs.roleArn as string)}`);
                    }
                }
            }
            lines.push("    end");
        }
        for (const r of run.resources.filter((x) => x.parent === undefined && !isComponentType(x.type))) {
            const n = nodeFor(run.stack, r);
            if (n !== undefined) lines.push(`    ${shaped(n)}`);
        }
        lines.push("  end");
    }

    const cicdRun = input.runs.find((r) => r.role === "cicd");
    for (const run of input.runs) {
        for (const r of run.resources) {
            const self = idOf("n", run.stack, r.name);
            if (r.type === ROLE) {
                const trust = parseJson(r.inputs.assumeRolePolicy);
                for (const s of statementsOf(trust)) {
                    if (s.Effect !== "Allow" || !asArray<string>(s.Action).some((a) => /^sts:AssumeRole$/i.test(a)))
                        continue;
                    for (const service of asArray<string>(s.Principal?.Service))
                        edge(`  ${serviceNode(service)} -- "may assume" --> ${self}`);
                    const pinned = principalArnsOf(s);
                    const from = pinned.length > 0 ? pinned : asArray<string>(s.Principal?.AWS);
                    for (const arn of from) {
                        const src = roleNode(arn);
                        const cross = !arn.includes(`::${run.accountId}:`);
                        edge(
                            cross
                                ? `  ${src} == "may assume (cross-account)" ==> ${self}`
                                : `  ${src} -- "may assume" --> ${self}`,
                        );
                    }
                }
            }
            if (r.type === ROLE_POLICY) {
                const ownerArn = `arn:${input.partition}:iam::${run.accountId}:role/${r.inputs.role}`;
                for (const s of statementsOf(parseJson(r.inputs.policy))) {
                    if (s.Effect !== "Allow" || !asArray<string>(s.Action).some((a) => /^iam:PassRole$/i.test(a)))
                        continue;
                    const to = asArray<string>(s.Condition?.StringEquals?.["iam:PassedToService"]);
                    for (const res of asArray<string>(s.Resource)) {
                        if (roleNodes.has(res) && roleNodes.has(ownerArn)) {
                            edge(
                                `  ${roleNodes.get(ownerArn)} -. "iam:PassRole${to.length > 0 ? ` to ${to.join(", ")}` : ""}" .-> ${roleNodes.get(res)}`,
                            );
                        }
                    }
                }
            }
            if (r.type === PIPELINE) {
                if (typeof r.inputs.roleArn === "string")
                    edge(`  ${self} -. "runs as" .-> ${roleNode(r.inputs.roleArn)}`);
                for (const stage of asArray<any>(r.inputs.stages)) {
                    for (const a of asArray<any>(stage.actions).filter((x) => x.provider === "CodeBuild")) {
                        const project = projectNodes.get(`${run.accountId}:${a.configuration?.ProjectName}`);
                        if (project !== undefined)
                            edge(`  ${self} -- "CodeBuild action ${label(`${stage.name}/${a.name}`)}" --> ${project}`);
                    }
                }
            }
            if (r.type === PROJECT && typeof r.inputs.serviceRole === "string") {
                edge(`  ${self} -. "runs as" .-> ${roleNode(r.inputs.serviceRole)}`);
            }
            if (r.type === EVENT_TARGET) {
                const m = /^arn:[^:]+:codepipeline:[^:]*:(\d+):(.+)$/.exec(String(r.inputs.arn));
                const rule = run.resources.find(
                    (x) => x.type === EVENT_RULE && (x.inputs.name ?? x.name) === r.inputs.rule,
                );
                const pipeline = m === null ? undefined : pipelineNodes.get(`${m[1]}:${m[2]}`);
                if (rule !== undefined && pipeline !== undefined)
                    edge(`  ${idOf("n", run.stack, rule.name)} -- "starts" --> ${pipeline}`);
            }
            if (r.type === STACK_REFERENCE && cicdRun !== undefined && run.role === "target") {
                edge(`  ${idOf("acct", cicdRun.stack)} -. "stack outputs" .-> ${self}`);
            }
        }
    }
    for (const n of externals.values()) lines.push(`  ${shaped(n)}`);
    return [...lines, ...edges].join("\n");
}

/* ---------------------------------------------------------------- Markdown */

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
const code = (s: string): string => (s.includes("`") ? `\`\` ${s} \`\`` : `\`${s}\``);

export function summaryLine(j: Pick<PlanJson, "stack" | "summary">): string {
    const s = j.summary;
    const hops =
        s.hops === 0
            ? "no hop matrix"
            : s.hopsAllAsExpected
              ? `${s.hopsEvaluated} hops all as expected${s.hops > s.hopsEvaluated ? ` (${s.hops - s.hopsEvaluated} not applicable)` : ""}`
              : `${s.hopsNotAsExpected.length} of ${s.hopsEvaluated} hops NOT as expected (${s.hopsNotAsExpected.join(", ")})`;
    return `plan ${j.stack}: ${s.resources} resources (${s.components} components), ${s.iamDocuments} IAM documents, ${hops}`;
}

function resourceTable(resources: readonly PlanResource[]): string[] {
    const out = ["| # | type | name | parent component | key inputs |", "| ---: | --- | --- | --- | --- |"];
    resources.forEach((r, i) => {
        const keys = Object.entries(r.keyInputs)
            .map(([k, v]) => `${k}: ${code(v.length > 160 ? `${v.slice(0, 157)}...` : v)}`)
            .join("<br>");
        const parent = r.parent === undefined ? "—" : `${shortType(r.parent.type)} ${code(r.parent.name)}`;
        const provider = r.provider !== undefined ? `<br>provider: ${code(r.provider)}` : "";
        out.push(
            `| ${i + 1} | ${code(r.type)} | ${code(r.name)}${r.component ? " (component)" : ""} | ${parent} | ${cell(keys + provider) || "—"} |`,
        );
    });
    return out;
}

function iamSection(docs: readonly PlanIamDocument[]): string[] {
    const out: string[] = [];
    let owner = "";
    for (const d of docs) {
        const key = `${d.owner.kind}:${d.owner.name}`;
        if (key !== owner) {
            owner = key;
            out.push(
                `### ${d.owner.kind === "role" ? "Role" : d.owner.kind === "bucket" ? "Bucket" : "Topic"} ${code(d.owner.name)}`,
                "",
            );
        }
        const what =
            d.kind === "trust policy"
                ? "Trust policy (who may assume it)"
                : d.kind === "inline role policy"
                  ? `Inline policy ${code(d.policyName ?? "?")}`
                  : d.kind === "bucket policy"
                    ? "Bucket policy"
                    : "Topic policy";
        out.push(
            `${what}: input ${code(d.resource.input)} of ${code(d.resource.name)} (${code(d.resource.type)}), account ${d.accountId}`,
            "",
            "```json",
            JSON.stringify(d.document, null, 2),
            "```",
            "",
        );
    }
    return out;
}

function hopSection(matrices: readonly PlanHopMatrix[]): string[] {
    const out: string[] = [];
    for (const m of matrices) {
        const evaluated = m.rows.filter((r) => r.skipped === undefined);
        const wrong = evaluated.filter((r) => !r.asExpected);
        const allowed = evaluated.filter((r) => r.expected === "Allowed").length;
        out.push(
            `### ${code(m.cicdStack)} → ${code(m.targetStack)} (target ${code(m.targetName)}, account ${m.targetAccountId})`,
            "",
            `${evaluated.length} hops evaluated (${allowed} expected allowed, ${evaluated.length - allowed} expected denied): ` +
                (wrong.length === 0
                    ? "**every verdict as expected**."
                    : `**${wrong.length} NOT as expected**: ${wrong.map((r) => code(r.id)).join(", ")}.`) +
                (m.rows.length > evaluated.length
                    ? ` ${m.rows.length - evaluated.length} hops not applicable (a method is off).`
                    : ""),
            "",
            "| # | group | what the hop checks | principal | action | resource | expected | verdict |",
            "| ---: | --- | --- | --- | --- | --- | --- | --- |",
        );
        m.rows.forEach((r, i) => {
            const verdict = r.skipped !== undefined ? `n/a (${r.skipped})` : `${r.actual}${r.asExpected ? "" : " ✗"}`;
            out.push(
                `| ${i + 1} | ${cell(r.group)} | ${cell(r.title)} | ${cell(r.principal)} | ${cell(code(r.action))} | ${cell(code(r.resource))} | ${r.expected} | ${cell(verdict)} |`,
            );
        });
        out.push("");
    }
    return out;
}

export function renderMarkdown(j: PlanJson): string {
    const cicd = j.accounts.find((a) => a.role === "cicd");
    const targets = j.accounts.filter((a) => a.role === "target");
    const out: string[] = [
        `# Plan of stack ${code(j.stack)}`,
        "",
        `> **${PLAN_LABEL}.**`,
        ...j.notice.map((n) => `> ${n}`),
        "",
        "| | |",
        "| --- | --- |",
        `| Stack | ${code(j.stack)} |`,
        `| Config | ${code(j.configFiles[0])}${j.configFiles.length > 1 ? `, and ${j.configFiles.slice(1).map(code).join(", ")} for the cicd stack behind the StackReference` : ""} |`,
        `| Region | ${code(j.region)} (partition ${code(j.partition)}) |`,
    ];
    if (cicd !== undefined) out.push(`| CI/CD account | ${code(cicd.accountId)}: ${cell(cicd.source)} |`);
    for (const t of targets)
        out.push(
            `| Target account | ${code(t.accountId)}: target ${code(t.targetName ?? "?")}, stack ${code(t.stack)}; ${cell(t.source)} |`,
        );
    out.push(`| Summary | ${cell(summaryLine(j).replace(/^plan [^:]+: /, ""))} |`, "");
    out.push(
        "Contents: [Config](#config) · [Resources](#resources) · [IAM documents](#iam-documents) · " +
            "[Cross-account hop matrix](#cross-account-hop-matrix) · [Diagram](#diagram) · [Stack outputs](#stack-outputs)",
        "",
    );

    out.push("## Config", "", `As the program reads it (\`config.get\`: structured values become JSON strings).`, "");
    const entries = Object.entries(j.config);
    if (entries.length === 0) out.push("(no keys set: every value is the program's default)", "");
    else
        out.push(
            "| key | value |",
            "| --- | --- |",
            ...entries.map(([k, v]) => `| ${code(k)} | ${cell(code(v))} |`),
            "",
        );

    out.push(
        "## Resources",
        "",
        `${j.summary.resources} resources, ${j.summary.components} of them components of this program. ` +
            "The key inputs are a readable pick; the JSON report has every input. Mock IDs are resolved to the physical name they stand for.",
        "",
        ...resourceTable(j.resources),
        "",
    );
    out.push(
        "## IAM documents",
        "",
        `${j.summary.iamDocuments} documents, exactly as the program registers them (pretty-printed).`,
        "",
        ...iamSection(j.iamDocuments),
    );
    out.push(
        "## Cross-account hop matrix",
        "",
        "Every hop of `tools/offline/iam/hops.ts`, evaluated against the captured documents of the stack pair with " +
            "`@cloud-copilot/iam-simulate` (`tools/offline/iam/evaluate.ts`). Principals outside the program (administrators) " +
            "carry AdministratorAccess.",
        "",
        ...(j.hopMatrices.length === 0 ? ["(no target stack: no hop to evaluate)", ""] : hopSection(j.hopMatrices)),
    );
    out.push(
        "## Diagram",
        "",
        "Components (boxes around their resources), accounts, and who may assume whom, from the captured trust policies " +
            "(`Principal.Service`, or the account root pinned by `aws:PrincipalArn`); thick edges cross accounts.",
        "",
        "```mermaid",
        j.mermaid,
        "```",
        "",
    );
    out.push("## Stack outputs", "", "```json", JSON.stringify(j.outputs, null, 2), "```", "");
    return out.join("\n");
}
