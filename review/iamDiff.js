// @ts-check
"use strict";
/**
 * IAM policy diff for review/classify.js: does an "after" set of policy documents grant anything the
 * "before" set did not, or drop a Deny? Pure, dependency-free CommonJS (Node 18+).
 *
 * Allow statements become grants (one per action x resource x principal). An after grant is covered
 * when some before grant's action and resource globs contain it (IAM wildcards `*` and `?`, actions
 * case-insensitive), its principal contains it, and each of its conditions is implied by one of the
 * after grant's. A Deny is kept when some after Deny covers the before one in the same way. NotAction,
 * NotResource and NotPrincipal are treated as `*` on the side that gains, and cover nothing but an
 * identical statement on the side that covers.
 */

/** @typedef {{ op: string, key: string, values: string[] }} Cond */
/**
 * @typedef {object} Grant
 * @property {"Allow" | "Deny"} effect
 * @property {string} action   display form; compared lower-cased
 * @property {string} resource
 * @property {string | null} principal  null for identity policies
 * @property {Cond[]} conds
 * @property {string | null} exact  canonical statement when it uses NotAction/NotResource/NotPrincipal
 */

/** @param {unknown} v @returns {unknown[]} */
const list = (v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
/** @param {unknown} v @returns {string[]} the non-empty values of a string-or-list attribute */
const present = (v) =>
    list(v)
        .filter((x) => x !== null && x !== "")
        .map(String);
/** @param {unknown} v @returns {v is Record<string, unknown>} */
const isObj = (v) => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Does the glob `wide` match every string the glob `narrow` matches? A literal `*` or `?` in narrow
 * stands for its whole language, so only a `*` of wide consumes a `*` of narrow.
 * @param {string} wide @param {string} narrow @returns {boolean}
 */
function globCovers(wide, narrow) {
    const m = wide.length;
    const n = narrow.length;
    /** @type {Map<number, boolean>} */
    const memo = new Map();
    /** @param {number} i @param {number} j @returns {boolean} */
    const go = (i, j) => {
        const k = i * (n + 1) + j;
        const hit = memo.get(k);
        if (hit !== undefined) return hit;
        let r;
        if (i === m) r = j === n;
        else if (wide[i] === "*") r = go(i + 1, j) || (j < n && go(i, j + 1));
        else if (j === n) r = false;
        else if (wide[i] === "?") r = narrow[j] !== "*" && go(i + 1, j + 1);
        else r = narrow[j] === wide[i] && go(i + 1, j + 1);
        memo.set(k, r);
        return r;
    };
    return go(0, 0);
}

/** @param {unknown} p @returns {string[]} normalised principals: `*`, `AWS:arn...`, `Service:...` */
function principals(p) {
    if (p === "*") return ["*"];
    if (!isObj(p)) return list(p).map((v) => `AWS:${String(v)}`);
    /** @type {string[]} */
    const out = [];
    for (const [kind, vals] of Object.entries(p)) {
        for (const v of list(vals)) {
            const s = String(v);
            if (s === "*" && kind === "AWS") out.push("*");
            else if (kind === "AWS" && /^\d{12}$/.test(s)) out.push(`AWS:arn:aws:iam::${s}:root`);
            else out.push(`${kind}:${kind === "Service" ? s.toLowerCase() : s}`);
        }
    }
    return out;
}

/** @param {string} wide @param {string | null} narrow */
function principalCovers(wide, narrow) {
    if (wide === "*" || wide === narrow) return true;
    const root = /^AWS:arn:([^:]+):iam::(\d{12}):root$/.exec(wide);
    return root !== null && narrow !== null && new RegExp(`^AWS:arn:${root[1]}:(iam|sts)::${root[2]}:`).test(narrow);
}

/** @param {unknown} c @returns {Cond[]} */
function conditions(c) {
    if (!isObj(c)) return [];
    /** @type {Cond[]} */
    const out = [];
    for (const [op, body] of Object.entries(c)) {
        if (!isObj(body)) continue;
        for (const [key, vals] of Object.entries(body)) {
            out.push({ op: op.toLowerCase(), key: key.toLowerCase(), values: list(vals).map(String) });
        }
    }
    return out;
}

/** The request condition `narrow` implies `wide` (same operator and key, values no looser). */
function condImplies(/** @type {Cond} */ narrow, /** @type {Cond} */ wide) {
    if (narrow.op !== wide.op || narrow.key !== wide.key) return false;
    const [sub, sup] = /not/.test(wide.op) ? [wide.values, narrow.values] : [narrow.values, wide.values];
    return sub.every((v) => sup.includes(v));
}

/** @param {Grant} wide @param {Grant} narrow @param {boolean} [ignoreConds] */
function grantCovers(wide, narrow, ignoreConds) {
    if (wide.exact !== null) return wide.exact === narrow.exact;
    return (
        globCovers(wide.action.toLowerCase(), narrow.action.toLowerCase()) &&
        globCovers(wide.resource, narrow.resource) &&
        (wide.principal === null ? narrow.principal === null : principalCovers(wide.principal, narrow.principal)) &&
        (ignoreConds === true || wide.conds.every((w) => narrow.conds.some((c) => condImplies(c, w))))
    );
}

/** @param {unknown} v @returns {unknown} */
function canonical(v) {
    if (Array.isArray(v)) return v.map(canonical);
    if (!isObj(v)) return v;
    /** @type {Record<string, unknown>} */
    const out = {};
    for (const k of Object.keys(v).sort()) if (k !== "Sid") out[k] = canonical(v[k]);
    return out;
}

/**
 * Parses one policy document (a JSON string, as Terraform has them, or an object, as in CloudFormation
 * contexts) into grants. Returns an error string when it cannot be read.
 * @param {unknown} doc @returns {Grant[] | string}
 */
function grantsOf(doc) {
    let d = doc;
    if (typeof d === "string") {
        if (d.trim() === "") return [];
        try {
            d = JSON.parse(d);
        } catch {
            return "a policy document is not valid JSON";
        }
    }
    if (d === null || d === undefined) return [];
    if (!isObj(d)) return "a policy document is not an object";
    /** @type {Grant[]} */
    const out = [];
    for (const s of list(d.Statement)) {
        if (!isObj(s)) return "a policy statement is not an object";
        const effect = s.Effect === "Deny" ? "Deny" : "Allow";
        const hasNot = "NotAction" in s || "NotResource" in s || "NotPrincipal" in s;
        const exact = hasNot ? JSON.stringify(canonical(s)) : null;
        const actions = "NotAction" in s ? ["*"] : list(s.Action).map(String);
        const resources = "NotResource" in s || !("Resource" in s) ? ["*"] : list(s.Resource).map(String);
        /** @type {(string | null)[]} */
        const prins = "NotPrincipal" in s ? ["*"] : "Principal" in s ? principals(s.Principal) : [null];
        const conds = conditions(s.Condition);
        for (const action of actions.length > 0 ? actions : ["*"])
            for (const resource of resources)
                for (const principal of prins) out.push({ effect, action, resource, principal, conds, exact });
    }
    return out;
}

/** @param {Grant} g */
function describe(g) {
    const who = g.principal === null ? "" : ` to ${g.principal}`;
    const not = g.exact !== null ? " (NotAction/NotResource/NotPrincipal: treated as broad)" : "";
    const passRole =
        g.effect === "Allow" && g.exact === null && globCovers(g.action.toLowerCase(), "iam:passrole")
            ? " [iam:PassRole]"
            : "";
    return `${g.action} on ${g.resource}${who}${not}${passRole}`;
}

/**
 * What the after documents grant that the before documents did not, and which Denies they drop.
 * @param {unknown[]} beforeDocs @param {unknown[]} afterDocs @returns {string[]} findings, empty when none
 */
function policyBroadening(beforeDocs, afterDocs) {
    /** @type {string[]} */
    const findings = [];
    /** @param {unknown[]} docs @returns {Grant[]} */
    const all = (docs) => {
        /** @type {Grant[]} */
        const out = [];
        for (const doc of docs) {
            const g = grantsOf(doc);
            if (typeof g === "string") findings.push(`${g} (treated as broadening)`);
            else out.push(...g);
        }
        return out;
    };
    const before = all(beforeDocs);
    const after = all(afterDocs);
    const beforeAllow = before.filter((g) => g.effect === "Allow");
    const afterDeny = after.filter((g) => g.effect === "Deny");
    for (const g of after) {
        if (g.effect !== "Allow" || beforeAllow.some((b) => grantCovers(b, g))) continue;
        const looser = beforeAllow.some((b) => grantCovers(b, g, true));
        findings.push(`allows ${describe(g)}${looser ? " with fewer or looser conditions" : ""}`);
    }
    for (const g of before) {
        if (g.effect === "Deny" && !afterDeny.some((a) => grantCovers(a, g)))
            findings.push(`drops Deny ${describe(g)}`);
    }
    return [...new Set(findings)];
}

// ---- Which attributes of which resource types hold policies, attachments and boundaries ----

/**
 * Per resource type: `docs` names facets of policy documents (compared facet by facet), `attach`
 * lists what the resource attaches (a new entry broadens), `bound` what restricts (a removed entry
 * broadens). Each getter takes the resource's attribute/property object.
 * @typedef {(v: Record<string, any>) => unknown[]} Getter
 * @typedef {{ docs?: Record<string, Getter>, attach?: Getter, bound?: Getter }} Spec
 */
/** @param {string} k @returns {Getter} */
const one = (k) => (v) => [v[k]];
/** @param {string} prefix @param {...string} keys @returns {Getter} */
const tagged =
    (prefix, ...keys) =>
    (v) =>
        keys.flatMap((k) => present(v[k]).map((x) => `${prefix}${x}`));
/** @param {[string, string][]} pairs prefix and key @returns {Getter} */
const taggedEach = (pairs) => (v) => pairs.flatMap(([prefix, k]) => tagged(prefix, k)(v));
/** @param {string} arnKey @param {[string, string][]} holders @returns {Getter} */
const attachedTo = (arnKey, holders) => (v) =>
    holders.flatMap(([kind, k]) => present(v[k]).map((h) => `${String(v[arnKey])} to ${kind} ${h}`));

/** aws_lambda_permission / AWS::Lambda::Permission as the one statement it adds to the function policy. */
/** @param {Record<string, string>} keys @returns {Getter} */
const lambdaPermission = (keys) => (v) => {
    /** @type {Record<string, Record<string, unknown>>} */
    const cond = {};
    const add = (/** @type {string} */ op, /** @type {string} */ key, /** @type {unknown} */ val) => {
        if (val !== undefined && val !== null && val !== "") cond[op] = { ...(cond[op] ?? {}), [key]: val };
    };
    add("ArnLike", "AWS:SourceArn", v[keys.sourceArn]);
    add("StringEquals", "AWS:SourceAccount", v[keys.sourceAccount]);
    add("StringEquals", "aws:PrincipalOrgID", v[keys.org]);
    add("StringEquals", "lambda:FunctionUrlAuthType", v[keys.urlAuth]);
    add("StringEquals", "lambda:EventSourceToken", v[keys.token]);
    const p = String(v[keys.principal] ?? "*");
    const principal = p === "*" ? "*" : /^\d{12}$|^arn:/.test(p) ? { AWS: p } : { Service: p };
    const fn = `${String(v[keys.fn] ?? "*")}${v[keys.qualifier] ? `:${String(v[keys.qualifier])}` : ""}`;
    return [
        {
            Statement: [
                { Effect: "Allow", Principal: principal, Action: v[keys.action], Resource: fn, Condition: cond },
            ],
        },
    ];
};

/** @type {Record<string, Spec>} */
const TERRAFORM = {
    aws_iam_role: {
        docs: {
            "trust policy": one("assume_role_policy"),
            "inline policy": (v) => list(v.inline_policy).map((p) => (isObj(p) ? p.policy : p)),
        },
        attach: tagged("managed policy ", "managed_policy_arns"),
        bound: tagged("permissions boundary ", "permissions_boundary"),
    },
    aws_iam_role_policy: { docs: { policy: one("policy") }, attach: tagged("role ", "role") },
    aws_iam_user_policy: { docs: { policy: one("policy") }, attach: tagged("user ", "user") },
    aws_iam_group_policy: { docs: { policy: one("policy") }, attach: tagged("group ", "group") },
    aws_iam_policy: { docs: { policy: one("policy") } },
    aws_iam_role_policy_attachment: { attach: attachedTo("policy_arn", [["role", "role"]]) },
    aws_iam_user_policy_attachment: { attach: attachedTo("policy_arn", [["user", "user"]]) },
    aws_iam_group_policy_attachment: { attach: attachedTo("policy_arn", [["group", "group"]]) },
    aws_iam_policy_attachment: {
        attach: attachedTo("policy_arn", [
            ["role", "roles"],
            ["user", "users"],
            ["group", "groups"],
        ]),
    },
    aws_iam_instance_profile: { attach: tagged("role ", "role", "roles") },
    aws_s3_bucket_policy: { docs: { "bucket policy": one("policy") }, attach: tagged("bucket ", "bucket") },
    aws_sns_topic_policy: { docs: { "topic policy": one("policy") }, attach: tagged("topic ", "arn") },
    aws_sqs_queue_policy: { docs: { "queue policy": one("policy") }, attach: tagged("queue ", "queue_url") },
    aws_kms_key: { docs: { "key policy": one("policy") } },
    aws_lambda_permission: {
        docs: {
            "function policy": lambdaPermission({
                action: "action",
                fn: "function_name",
                qualifier: "qualifier",
                principal: "principal",
                sourceArn: "source_arn",
                sourceAccount: "source_account",
                org: "principal_org_id",
                urlAuth: "function_url_auth_type",
                token: "event_source_token",
            }),
        },
    },
};

const HOLDERS = taggedEach([
    ["role ", "Roles"],
    ["user ", "Users"],
    ["group ", "Groups"],
]);
/** @type {Record<string, Spec>} */
const CLOUDFORMATION = {
    "AWS::IAM::Role": {
        docs: {
            "trust policy": one("AssumeRolePolicyDocument"),
            "inline policy": (v) => list(v.Policies).map((p) => (isObj(p) ? p.PolicyDocument : p)),
        },
        attach: tagged("managed policy ", "ManagedPolicyArns"),
        bound: tagged("permissions boundary ", "PermissionsBoundary"),
    },
    "AWS::IAM::Policy": { docs: { policy: one("PolicyDocument") }, attach: HOLDERS },
    "AWS::IAM::ManagedPolicy": {
        docs: { policy: one("PolicyDocument") },
        attach: HOLDERS,
    },
    "AWS::IAM::RolePolicy": { docs: { policy: one("PolicyDocument") }, attach: tagged("role ", "RoleName") },
    "AWS::IAM::UserPolicy": { docs: { policy: one("PolicyDocument") }, attach: tagged("user ", "UserName") },
    "AWS::IAM::GroupPolicy": { docs: { policy: one("PolicyDocument") }, attach: tagged("group ", "GroupName") },
    "AWS::IAM::InstanceProfile": { attach: tagged("role ", "Roles") },
    "AWS::S3::BucketPolicy": { docs: { "bucket policy": one("PolicyDocument") }, attach: tagged("bucket ", "Bucket") },
    "AWS::SNS::TopicPolicy": { docs: { "topic policy": one("PolicyDocument") }, attach: tagged("topic ", "Topics") },
    "AWS::SQS::QueuePolicy": { docs: { "queue policy": one("PolicyDocument") }, attach: tagged("queue ", "Queues") },
    "AWS::KMS::Key": { docs: { "key policy": one("KeyPolicy") } },
    "AWS::Lambda::Permission": {
        docs: {
            "function policy": lambdaPermission({
                action: "Action",
                fn: "FunctionName",
                principal: "Principal",
                sourceArn: "SourceArn",
                sourceAccount: "SourceAccount",
                org: "PrincipalOrgID",
                urlAuth: "FunctionUrlAuthType",
                token: "EventSourceToken",
            }),
        },
    },
};

/** The marker of a value unknown until apply: CloudFormation's, which Terraform's after_unknown is mapped to. */
const UNKNOWN = "{{changeSet:KNOWN_AFTER_APPLY}}";

/** @param {unknown} v @returns {boolean} */
const hasUnknown = (v) =>
    typeof v === "string"
        ? v.includes(UNKNOWN)
        : Array.isArray(v)
          ? v.some(hasUnknown)
          : isObj(v) && Object.values(v).some(hasUnknown);

/**
 * Why a change to one resource broadens permissions; empty when it does not.
 * @param {"terraform" | "cloudformation"} kind
 * @param {string} type   resource type
 * @param {Record<string, any> | null} before  attributes/properties before (null: created)
 * @param {Record<string, any> | null} after   attributes/properties after (null: deleted); values unknown until
 *     apply carry the UNKNOWN marker
 * @returns {string[]}
 */
function iamFindings(kind, type, before, after) {
    const spec = (kind === "terraform" ? TERRAFORM : CLOUDFORMATION)[type];
    if (spec === undefined) return [];
    /** @type {string[]} */
    const out = [];
    /** @param {Getter | undefined} g @param {Record<string, any> | null} v */
    const get = (g, v) =>
        g === undefined || v === null ? [] : g(v).filter((x) => x !== undefined && x !== null && x !== "");
    for (const [name, getter] of Object.entries(spec.docs ?? {})) {
        const a = get(getter, after);
        if (hasUnknown(a)) out.push(`${name}: unknown until apply`);
        else out.push(...policyBroadening(get(getter, before), a).map((f) => `${name}: ${f}`));
    }
    const attachAfter = get(spec.attach, after).map(String);
    if (hasUnknown(attachAfter)) out.push("attachment: unknown until apply");
    else {
        const was = new Set(get(spec.attach, before).map(String));
        for (const x of attachAfter) if (!was.has(x)) out.push(`attaches ${x}`);
    }
    const still = new Set(get(spec.bound, after).map(String));
    for (const x of get(spec.bound, before).map(String)) if (!still.has(x)) out.push(`removes ${x}`);
    return [...new Set(out)];
}

module.exports = { UNKNOWN, hasUnknown, globCovers, policyBroadening, iamFindings, TERRAFORM, CLOUDFORMATION };
