// @ts-check
"use strict";
/**
 * Risk classifier for deployment reviews: reads `terraform show -json <plan>` or
 * `aws cloudformation describe-change-set --include-property-values` output (and, for a stack's
 * deletion or drift, describe-stack-resources / describe-stack-resource-drifts) and decides what
 * changes and which risk classes fire. Plain CommonJS with Node built-ins only: it runs in the
 * pipeline's build container (through review/cli.js) and in the mocha tests. See review/README.md.
 */
const { UNKNOWN, CLOUDFORMATION, hasUnknown, globCovers, policyBroadening, iamFindings } = require("./iamDiff");

/** @typedef {import("./classify").Review} Review */
/** @typedef {import("./classify").Risk} Risk */
/** @typedef {import("./classify").RiskClass} RiskClass */
/** @typedef {import("./classify").ResourceRow} ResourceRow */
/** @typedef {Record<string, any>} Obj */

/** @type {readonly RiskClass[]} */
const RISK_CLASSES = ["permissions-broadening", "stateful-deletion", "network-opening", "code-execution"];

const STATEFUL_TF = new Set(
    `aws_instance aws_ebs_volume aws_db_instance aws_rds_cluster aws_s3_bucket aws_dynamodb_table aws_efs_file_system
     aws_kms_key aws_elasticache_cluster aws_elasticache_replication_group aws_cloudwatch_log_group`.split(/\s+/),
);
const STATEFUL_CFN = new Set(
    `AWS::EC2::Instance AWS::EC2::Volume AWS::RDS::DBInstance AWS::RDS::DBCluster AWS::S3::Bucket AWS::DynamoDB::Table
     AWS::EFS::FileSystem AWS::KMS::Key AWS::Logs::LogGroup`.split(/\s+/),
);
/** @param {string} t */
const statefulCfn = (t) => STATEFUL_CFN.has(t) || t.startsWith("AWS::ElastiCache::");

/** @param {unknown} v @returns {v is Obj} */
const isObj = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
/** @param {unknown} v @returns {unknown[]} */
const list = (v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
/** @param {string} s @param {number} n */
const cap = (s, n) => (s.length > n ? `${s.slice(0, n - 3)}...` : s);

/** Collects rows, counts and risks of one review. */
class Collector {
    /** @param {"terraform" | "cloudformation"} kind */
    constructor(kind) {
        this.kind = kind;
        this.changes = { add: 0, change: 0, destroy: 0, replace: 0 };
        /** @type {string[]} */ this.destroyed = [];
        /** @type {string[]} */ this.replaced = [];
        /** @type {Risk[]} */ this.risks = [];
        /** @type {ResourceRow[]} */ this.resources = [];
    }
    /** @param {RiskClass} cls @param {string} resource @param {string[]} details */
    risk(cls, resource, details) {
        if (details.length === 0) return;
        const shown = details.slice(0, 4).join("; ");
        const more = details.length > 4 ? `; +${details.length - 4} more` : "";
        this.risks.push({ class: cls, resource, detail: cap(shown + more, 600) });
    }
    /** @param {Obj} [extra] @returns {Review} */
    review(extra) {
        const { kind, changes, destroyed, replaced, risks, resources } = this;
        const noChanges = resources.length === 0;
        return { kind, changes, noChanges, destroyed, replaced, risks, resources, ...extra };
    }
}

// ---------------------------------------------------------------- network opening

/** @typedef {{ cidr: string, proto: string, from: number, to: number }} Rule */
/** @type {Record<string, string>} */
const PROTO = { "-1": "all", all: "all", 6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6" };

/** @param {unknown} cidr @param {unknown} proto @param {unknown} from @param {unknown} to @returns {Rule} */
function rule(cidr, proto, from, to) {
    const p = String(proto ?? "all").toLowerCase();
    const f = Number(from);
    const t = Number(to);
    const whole = PROTO[p] === "all" || !Number.isFinite(f) || !Number.isFinite(t) || f < 0 || t < 0;
    return { cidr: String(cidr), proto: PROTO[p] ?? p, from: whole ? -Infinity : f, to: whole ? Infinity : t };
}

/** Ingress rules of a security-group resource that are open to the world (or unknown), before or after. */
/** @param {string} type @param {Obj | null} v @returns {Rule[]} */
function worldIngress(type, v) {
    if (v === null) return [];
    /** @type {Rule[]} */
    const rules = [];
    /** @param {unknown[]} cidrs @param {unknown} proto @param {unknown} from @param {unknown} to */
    const add = (cidrs, proto, from, to) => {
        for (const c of cidrs)
            if (typeof c === "string" && (/\/0$/.test(c) || hasUnknown(c))) rules.push(rule(c, proto, from, to));
    };
    /** @param {unknown} x */
    const unknownAll = (x) => typeof x === "string" && hasUnknown(x);
    if (type === "aws_security_group") {
        if (unknownAll(v.ingress)) add([UNKNOWN], "all", -1, -1);
        for (const r of list(v.ingress).filter(isObj)) {
            add([...list(r.cidr_blocks), ...list(r.ipv6_cidr_blocks)], r.protocol, r.from_port, r.to_port);
        }
    } else if (type === "aws_security_group_rule" && v.type === "ingress") {
        add([...list(v.cidr_blocks), ...list(v.ipv6_cidr_blocks)], v.protocol, v.from_port, v.to_port);
    } else if (type === "aws_vpc_security_group_ingress_rule") {
        add([v.cidr_ipv4, v.cidr_ipv6], v.ip_protocol, v.from_port, v.to_port);
    } else if (type === "AWS::EC2::SecurityGroup") {
        if (unknownAll(v.SecurityGroupIngress)) add([UNKNOWN], "all", -1, -1);
        for (const r of list(v.SecurityGroupIngress).filter(isObj))
            add([r.CidrIp, r.CidrIpv6], r.IpProtocol, r.FromPort, r.ToPort);
    } else if (type === "AWS::EC2::SecurityGroupIngress") {
        add([v.CidrIp, v.CidrIpv6], v.IpProtocol, v.FromPort, v.ToPort);
    }
    return rules;
}

/** @param {string} type @param {Obj | null} before @param {Obj | null} after @returns {string[]} */
function networkFindings(type, before, after) {
    const was = worldIngress(type, before);
    const family = (/** @type {string} */ c) => (c.includes(":") ? 6 : 4);
    /** @param {Rule} b @param {Rule} a */
    const covers = (b, a) =>
        family(b.cidr) === family(a.cidr) &&
        (b.proto === "all" || b.proto === a.proto) &&
        b.from <= a.from &&
        b.to >= a.to;
    /** @param {Rule} r */
    const ports = (r) =>
        r.proto === "all"
            ? "all traffic"
            : r.from === -Infinity
              ? `${r.proto} all ports`
              : `${r.proto} ${r.from}${r.to !== r.from ? `-${r.to}` : ""}`;
    const found = worldIngress(type, after)
        .filter((a) => hasUnknown(a.cidr) || !was.some((b) => !hasUnknown(b.cidr) && covers(b, a)))
        .map((a) =>
            hasUnknown(a.cidr)
                ? `ingress CIDR unknown until apply (${ports(a)})`
                : `ingress from ${a.cidr} (${ports(a)})`,
        );
    return [...new Set(found)];
}

// ---------------------------------------------------------------- Terraform

/** after with every after_unknown leaf replaced by the UNKNOWN marker. @param {unknown} after @param {unknown} unk @returns {any} */
function withUnknown(after, unk) {
    if (unk === true) return UNKNOWN;
    if (Array.isArray(unk)) {
        const a = Array.isArray(after) ? after : [];
        return Array.from({ length: Math.max(a.length, unk.length) }, (_, i) => withUnknown(a[i], unk[i]));
    }
    if (isObj(unk)) {
        /** @type {Obj} */
        const out = isObj(after) ? { ...after } : {};
        for (const [k, u] of Object.entries(unk)) out[k] = withUnknown(out[k], u);
        return out;
    }
    return after;
}

/** Module path without instance keys: `module.a["x"].module.b[0]` -> `module.a.module.b`. @param {string} s */
const stripKeys = (s) => s.replace(/\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\]/g, "");

/** Provisioners by `<module path>.<type>.<name>`, from configuration.root_module and its module_calls. */
/** @param {unknown} mod @param {string} prefix @param {Map<string, Obj[]>} out */
function provisioners(mod, prefix, out) {
    if (!isObj(mod)) return out;
    for (const r of list(mod.resources).filter(isObj)) {
        if (Array.isArray(r.provisioners)) out.set(`${prefix}${String(r.address)}`, r.provisioners.filter(isObj));
    }
    for (const [name, call] of Object.entries(isObj(mod.module_calls) ? mod.module_calls : {})) {
        if (isObj(call)) provisioners(call.module, `${prefix}module.${name}.`, out);
    }
    return out;
}

/** @param {unknown} plan @returns {Review} */
function classifyTerraformPlan(plan) {
    if (!isObj(plan)) throw new TypeError("a Terraform plan must be a JSON object");
    const version = String(plan.format_version ?? "");
    if (!/^[01]\./.test(version)) throw new TypeError(`unsupported or missing format_version "${cap(version, 20)}"`);
    if (
        !Array.isArray(plan.resource_changes ?? []) ||
        (plan.resource_changes === undefined && !isObj(plan.planned_values))
    ) {
        throw new TypeError("not a plan: no resource_changes or planned_values (a state file?)");
    }
    const c = new Collector("terraform");
    const provs = provisioners(plan.configuration?.root_module, "", new Map());
    for (const rc of list(plan.resource_changes).filter(isObj)) {
        const actions = list(rc.change?.actions).map(String);
        if (actions.every((a) => a === "no-op" || a === "read")) continue;
        const address = `${String(rc.address)}${rc.deposed ? ` (deposed ${String(rc.deposed)})` : ""}`;
        const type = String(rc.type);
        const before = isObj(rc.change.before) ? rc.change.before : null;
        const del = actions.includes("delete");
        const after =
            del && !actions.includes("create") ? null : withUnknown(rc.change.after ?? {}, rc.change.after_unknown);
        const replace = del && actions.includes("create");
        const action = replace ? "replace" : del ? "delete" : actions.join("+");
        if (replace) (c.changes.replace++, c.replaced.push(address));
        else if (del) (c.changes.destroy++, c.destroyed.push(address));
        else if (action === "create") c.changes.add++;
        else c.changes.change++;
        c.resources.push({ resource: address, type, action });

        if (del && STATEFUL_TF.has(type)) {
            const why = list(rc.change.replace_paths)
                .map((p) => list(p).join("."))
                .slice(0, 3)
                .join(", ");
            const order = actions[0] === "create" ? " (create before destroy)" : "";
            c.risk("stateful-deletion", address, [
                replace ? `replaced${order}${why ? `; forced by ${why}` : ""}` : "destroyed",
                ...(rc.action_reason ? [`reason: ${String(rc.action_reason)}`] : []),
            ]);
        }
        c.risk("permissions-broadening", address, iamFindings("terraform", type, before, after));
        c.risk("network-opening", address, networkFindings(type, before, after));
        const key = `${stripKeys(rc.module_address ? `${String(rc.module_address)}.` : "")}${type}.${String(rc.name)}`;
        if (rc.mode === "managed") {
            const local = (provs.get(key) ?? []).filter((p) => p.type === "local-exec");
            c.risk(
                "code-execution",
                address,
                local.map((p) => {
                    const cmd = p.expressions?.command?.constant_value;
                    return `local-exec provisioner runs on the build host during apply${typeof cmd === "string" ? ` (command: ${cap(cmd, 120)})` : ""}`;
                }),
            );
        }
    }
    const drift = list(plan.resource_drift)
        .filter(isObj)
        .map((d) => String(d.address));
    return c.review(drift.length > 0 ? { drift } : undefined);
}

// ---------------------------------------------------------------- CloudFormation

/** Properties of a BeforeContext/AfterContext (an encoded JSON string; contexts can be truncated). */
/** @param {unknown} ctx @returns {Obj | "missing" | "unreadable"} */
function contextProps(ctx) {
    if (ctx === undefined || ctx === null) return "missing";
    try {
        const v = typeof ctx === "string" ? JSON.parse(ctx) : ctx;
        return isObj(v) ? (isObj(v.Properties) ? v.Properties : {}) : "unreadable";
    } catch {
        return "unreadable";
    }
}

const SG_TYPES = new Set(["AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress"]);

/** @param {unknown} changeSet @returns {Review} */
function classifyChangeSet(changeSet) {
    if (!isObj(changeSet)) throw new TypeError("a change set must be a JSON object");
    if (
        !Array.isArray(changeSet.Changes ?? []) ||
        (changeSet.Changes === undefined && changeSet.ChangeSetId === undefined)
    ) {
        throw new TypeError("not a DescribeChangeSet output: no Changes");
    }
    const reason = String(changeSet.StatusReason ?? "");
    if (changeSet.Status === "FAILED" && !/didn't contain changes|No updates are to be performed/i.test(reason)) {
        throw new TypeError(`the change set FAILED: ${cap(reason, 160)}`);
    }
    const c = new Collector("cloudformation");
    for (const ch of list(changeSet.Changes).filter(isObj)) {
        const rc = ch.ResourceChange;
        if (ch.Type !== "Resource" || !isObj(rc) || rc.Action === "SyncWithActual") continue;
        const id = String(rc.LogicalResourceId);
        const type = String(rc.ResourceType);
        const act = String(rc.Action);
        const maybeReplaced = act === "Modify" && (rc.Replacement === "True" || rc.Replacement === "Conditional");
        /** @type {Record<string, string>} */
        const label = {
            Add: "create",
            Modify: maybeReplaced ? "replace" : "update",
            Remove: "delete",
            Import: "import",
            Dynamic: "dynamic",
        };
        const action = `${label[act] ?? act}${rc.Replacement === "Conditional" && maybeReplaced ? " (conditional)" : ""}`;
        if (act === "Add") c.changes.add++;
        else if (act === "Remove") (c.changes.destroy++, c.destroyed.push(id));
        else if (maybeReplaced) (c.changes.replace++, c.replaced.push(id));
        else c.changes.change++;
        c.resources.push({ resource: id, type, action });

        if (statefulCfn(type) && (act === "Remove" || act === "Dynamic" || maybeReplaced)) {
            const policy = rc.PolicyAction ? `; PolicyAction ${String(rc.PolicyAction)}` : "";
            const what =
                act === "Remove"
                    ? "removed"
                    : act === "Dynamic"
                      ? "action unknown until execution (may delete)"
                      : rc.Replacement === "True"
                        ? "replaced"
                        : "may be replaced (Replacement Conditional)";
            c.risk("stateful-deletion", id, [`${what}${policy}`]);
        }
        // A before context that cannot be read counts as nothing granted or open before (conservative).
        const was = act === "Add" ? null : contextProps(rc.BeforeContext);
        const before = typeof was === "string" ? null : was;
        const after = act === "Remove" ? null : contextProps(rc.AfterContext);
        if (typeof after === "string") {
            const why =
                after === "missing"
                    ? "property values not in the change set (describe it with --include-property-values)"
                    : "AfterContext is not readable JSON";
            if (CLOUDFORMATION[type] !== undefined)
                c.risk("permissions-broadening", id, [`${why}; treated as broadening`]);
            if (SG_TYPES.has(type)) c.risk("network-opening", id, [`${why}; treated as opening`]);
        } else {
            c.risk("permissions-broadening", id, iamFindings("cloudformation", type, before, after));
            c.risk("network-opening", id, networkFindings(type, before, after));
        }
        const custom = type === "AWS::CloudFormation::CustomResource" || type.startsWith("Custom::");
        if (custom)
            c.risk("code-execution", id, [
                `custom resource ${act}: CloudFormation invokes its provider (Lambda or SNS) with a ${act === "Remove" ? "Delete" : act === "Add" ? "Create" : "Update"} request`,
            ]);
        else if (type.startsWith("AWS::Lambda::") && act !== "Remove")
            c.risk("code-execution", id, [`${type} ${act}: Lambda code or its triggers change`]);
    }
    return c.review();
}

// ---------------------------------------------------------------- a stack's deletion and drift

/**
 * What deleting a stack removes: every resource of `aws cloudformation describe-stack-resources`.
 * @param {unknown} described @returns {Review}
 */
function classifyStackDeletion(described) {
    if (!isObj(described) || !Array.isArray(described.StackResources)) {
        throw new TypeError("not a DescribeStackResources output: no StackResources");
    }
    const c = new Collector("cloudformation");
    for (const r of described.StackResources.filter(isObj)) {
        if (String(r.ResourceStatus ?? "").startsWith("DELETE_COMPLETE")) continue;
        const id = String(r.LogicalResourceId);
        const type = String(r.ResourceType);
        c.changes.destroy++;
        c.destroyed.push(id);
        c.resources.push({ resource: id, type, action: "delete" });
        if (statefulCfn(type)) c.risk("stateful-deletion", id, ["removed with the stack"]);
    }
    return c.review();
}

/**
 * What drifted: `aws cloudformation describe-stack-resource-drifts` (MODIFIED and DELETED resources).
 * Drift is reported, not judged: a drifted resource counts as a change, a deleted one as a destroy.
 * @param {unknown} drifts @returns {Review}
 */
function classifyStackDrift(drifts) {
    if (!isObj(drifts) || !Array.isArray(drifts.StackResourceDrifts)) {
        throw new TypeError("not a DescribeStackResourceDrifts output: no StackResourceDrifts");
    }
    const c = new Collector("cloudformation");
    for (const d of drifts.StackResourceDrifts.filter(isObj)) {
        const status = String(d.StackResourceDriftStatus);
        if (status !== "MODIFIED" && status !== "DELETED") continue;
        const id = String(d.LogicalResourceId);
        if (status === "DELETED") (c.changes.destroy++, c.destroyed.push(id));
        else c.changes.change++;
        const paths = list(d.PropertyDifferences)
            .filter(isObj)
            .map((p) => String(p.PropertyPath));
        c.resources.push({
            resource: id,
            type: String(d.ResourceType),
            action:
                status === "DELETED" ? "deleted outside CloudFormation" : `modified (${cap(paths.join(", "), 120)})`,
        });
    }
    return c.review();
}

module.exports = {
    RISK_CLASSES,
    classifyTerraformPlan,
    classifyChangeSet,
    classifyStackDeletion,
    classifyStackDrift,
    policyBroadening,
    globCovers,
};
