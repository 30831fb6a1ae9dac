// @ts-check
"use strict";
/**
 * What a review shows people: the one-line summary an approval carries, the Markdown report, and
 * whether the review needs a human at all. Also the digests that pin a reviewed CloudFormation change
 * set or stack deletion to the apply that follows.
 */
const { createHash } = require("crypto");
const { RISK_CLASSES } = require("./classify");

/** @typedef {import("./classify").Review} Review */
/** @typedef {import("./classify").RiskClass} RiskClass */
/** @typedef {Record<string, any>} Obj */

/** Printable ASCII only: anything else (control characters, non-ASCII) becomes "?". @param {unknown} s */
const ascii = (s) => String(s).replace(/[^\x20-\x7e]/gu, "?");

/** @param {Review} r */
const counts = (r) => `+${r.changes.add} ~${r.changes.change} -${r.changes.destroy} -/+${r.changes.replace}`;

/** Risk classes that fired, in RISK_CLASSES order, each with its resources. @param {Review} r */
function riskGroups(r) {
    return RISK_CLASSES.map((cls) => ({
        cls,
        names: [...new Set(r.risks.filter((k) => k.class === cls).map((k) => ascii(k.resource)))],
    })).filter((g) => g.names.length > 0);
}

/**
 * One line for an approval's CustomData: `dev: +1 ~0 -0 -/+1; risk: stateful-deletion (aws_instance.workload)`.
 * Never longer than maxLength; printable ASCII only. Lists shrink to "+N more" before the counts are touched.
 * @param {Review} review @param {{ target: string, maxLength: number }} opts
 */
function summaryLine(review, opts) {
    const max = Math.floor(Number(opts.maxLength));
    if (!(max >= 1)) throw new RangeError("maxLength must be a positive number");
    const head = `${ascii(opts.target)}: `;
    if (review.noChanges) return `${head}no changes`.slice(0, max);
    const base = `${head}${counts(review)}; risk: `;
    const groups = riskGroups(review);
    /** @type {string[]} */
    const tries = [];
    if (groups.length === 0) tries.push("none");
    const most = Math.max(0, ...groups.map((g) => g.names.length));
    for (let k = most; k >= 0 && groups.length > 0; k--) {
        const parts = groups.map(({ cls, names }) => {
            const shown = names.slice(0, k);
            const rest = names.length - shown.length;
            if (shown.length === 0) return `${cls} (${names.length})`;
            return `${cls} (${shown.join(", ")}${rest > 0 ? `, +${rest} more` : ""})`;
        });
        tries.push(parts.join(", "));
    }
    for (let m = groups.length - 1; m >= 1; m--) {
        tries.push([...groups.slice(0, m).map((g) => g.cls), `+${groups.length - m} more`].join(", "));
    }
    if (groups.length > 0) tries.push(`${groups.length} class${groups.length > 1 ? "es" : ""}`);
    const line = tries.map((t) => base + t).find((l) => l.length <= max);
    return line ?? `${head}${counts(review)}`.slice(0, max);
}

/** Markdown-safe inline text. @param {unknown} s */
const md = (s) =>
    String(s)
        .replace(/[\u0000-\u001f\u007f]/g, " ")
        .replace(/[\\`*_[\]<>|#]/g, "\\$&");

/**
 * A Markdown report: counts, destroyed/replaced lists, each risk with its detail, a per-resource table.
 * @param {Review} review @param {{ target: string, title?: string }} opts
 */
function renderReport(review, opts) {
    const lines = [`# ${md(opts.title ?? `Deployment review: ${opts.target}`)}`, ""];
    lines.push(`Target: ${md(opts.target)} (${review.kind})`, "");
    if (review.noChanges) {
        lines.push("No changes.");
        if (review.drift) lines.push("", `Drift (changed outside Terraform): ${review.drift.map(md).join(", ")}`);
        return `${lines.join("\n")}\n`;
    }
    const c = review.changes;
    lines.push("| add | change | destroy | replace |", "| ---: | ---: | ---: | ---: |");
    lines.push(`| ${c.add} | ${c.change} | ${c.destroy} | ${c.replace} |`);
    /** @param {string} title @param {string[]} items */
    const section = (title, items) => lines.push("", `## ${title}`, "", ...(items.length > 0 ? items : ["None."]));
    /** @param {string} s */
    const item = (s) => `- ${md(s)}`;
    section(
        "Risks",
        review.risks.map((r) => `- **${r.class}** ${md(r.resource)}: ${md(r.detail)}`),
    );
    section("Destroyed", review.destroyed.map(item));
    section("Replaced", review.replaced.map(item));
    lines.push("", "## Resources", "", "| Resource | Type | Action | Risks |", "| --- | --- | --- | --- |");
    for (const row of review.resources) {
        const risks = review.risks.filter((r) => r.resource === row.resource).map((r) => r.class);
        lines.push(`| ${md(row.resource)} | ${md(row.type)} | ${md(row.action)} | ${risks.join(", ") || "-"} |`);
    }
    if (review.drift) section("Drift (changed outside Terraform; not part of this plan)", review.drift.map(item));
    lines.push("");
    return lines.join("\n");
}

/**
 * Does this review need a manual approval?
 * @param {Review} review @param {{ requireApproval: boolean, policy: "changes" | "risk" }} opts
 * @returns {{ approval: "required" | "not-required", reason: string }}
 */
function approvalDecision(review, opts) {
    if (opts.policy !== "changes" && opts.policy !== "risk") throw new RangeError('policy must be "changes" or "risk"');
    if (review.noChanges) return { approval: "not-required", reason: "no changes" };
    if (opts.requireApproval !== true)
        return { approval: "not-required", reason: "approval is not required for this target" };
    if (opts.policy === "changes") return { approval: "required", reason: `changes: ${counts(review)}` };
    const fired = riskGroups(review).map((g) => g.cls);
    if (fired.length === 0) return { approval: "not-required", reason: "no risk class fired" };
    return { approval: "required", reason: `risk: ${fired.join(", ")}` };
}

/** JSON with sorted keys, so that equal documents give equal text. @param {unknown} v @returns {string} */
function canonical(v) {
    if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
    if (typeof v === "object" && v !== null) {
        const o = /** @type {Obj} */ (v);
        return `{${Object.keys(o)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
            .join(",")}}`;
    }
    return JSON.stringify(v) ?? "null";
}

const sha256 = (/** @type {string} */ text) => createHash("sha256").update(text, "utf8").digest("hex");

/**
 * The digest of a change set's content: its id, its stack, its parameters and its changes with their
 * property values; not its status or creation time, which change between the plan and the apply.
 * @param {Obj} changeSet
 */
const changeSetDigest = (changeSet) =>
    sha256(
        canonical({
            ChangeSetId: changeSet.ChangeSetId ?? null,
            StackId: changeSet.StackId ?? null,
            Parameters: changeSet.Parameters ?? [],
            Changes: changeSet.Changes ?? [],
        }),
    );

/** The digest of what a stack's deletion removes. @param {Obj} described */
const deletionDigest = (described) =>
    sha256(
        canonical(
            (Array.isArray(described.StackResources) ? described.StackResources : [])
                .map((/** @type {Obj} */ r) => [r.LogicalResourceId, r.PhysicalResourceId, r.ResourceType])
                .sort(),
        ),
    );

module.exports = {
    ascii,
    counts,
    riskGroups,
    summaryLine,
    renderReport,
    approvalDecision,
    canonical,
    changeSetDigest,
    deletionDigest,
};
