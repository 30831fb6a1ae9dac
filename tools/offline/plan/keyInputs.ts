/**
 * The resource list of the plan: every recorded resource with its parent component, its provider,
 * and a readable pick of its inputs. Pure functions.
 */
import type { Recorded } from "../mocks";
import {
    asArray,
    BUCKET,
    BUCKET_POLICY,
    EVENT_RULE,
    EVENT_TARGET,
    isComponentType,
    LOG_GROUP,
    parseJson,
    parseParentUrn,
    PIPELINE,
    PROJECT,
    refResolver,
    RefResolver,
    ROLE,
    ROLE_POLICY,
    roleNameOf,
    shortType,
    sids,
    STACK_REFERENCE,
    STACK_SET,
    TOPIC,
    TOPIC_POLICY,
    trustedBy,
} from "./documents";
import { PlanResource, PlanStackRun } from "./types";

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
    "aws:iam/instanceProfile:InstanceProfile": (i) => ({ name: i.name, role: i.role }),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (i) => ({ role: i.role, policyArn: i.policyArn }),
    [STACK_SET]: (i) => ({
        name: i.name,
        permissionModel: i.permissionModel,
        callAs: i.callAs,
        autoDeployment: i.autoDeployment === undefined ? undefined : JSON.stringify(i.autoDeployment),
        capabilities: asArray<string>(i.capabilities).join(", "),
        template: typeof i.templateBody === "string" ? `${i.templateBody.length} bytes` : undefined,
    }),
    "aws:cloudformation/stackSetInstance:StackSetInstance": (i) => ({
        stackSet: i.stackSetName,
        organizationalUnits: asArray<string>(i.deploymentTargets?.organizationalUnitIds).join(", "),
        region: i.stackSetInstanceRegion,
        retainStack: i.retainStack,
    }),
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
