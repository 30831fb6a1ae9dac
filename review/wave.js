// @ts-check
"use strict";
/**
 * A wave's review: the results of its plan actions, read from CodePipeline's record of the run
 * (`aws codepipeline list-action-executions --filter pipelineExecutionId=...`), summed up into one
 * gate for the wave's approval. The plans' output variables are data here, and any value that is not
 * one of the expected words counts as the cautious answer (changes, approval required).
 */
const { ascii } = require("./report");

/** @typedef {Record<string, any>} Obj */

/**
 * @typedef {{ target: string, changes: "yes" | "no", approval: "required" | "not-required", risk: string, summary: string }} PlanResult
 * @typedef {{ changes: "yes" | "no", approval: "required" | "not-required", risk: string, summary: string, report: string, plans: PlanResult[] }} WaveReview
 */

const isObj = (/** @type {unknown} */ v) => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * @param {unknown} actions the list-action-executions output
 * @param {{ stage: string, wave: string, maxLength: number, targetReportLink?: (target: string) => string }} opts
 * @returns {WaveReview}
 */
function reviewWave(actions, opts) {
    if (!isObj(actions) || !Array.isArray(/** @type {Obj} */ (actions).actionExecutionDetails)) {
        throw new TypeError("not a ListActionExecutions output: no actionExecutionDetails");
    }
    /** @type {Map<string, Obj>} the latest successful execution of each plan action of the stage */
    const latest = new Map();
    for (const d of /** @type {Obj[]} */ (/** @type {Obj} */ (actions).actionExecutionDetails).filter(isObj)) {
        if (d.stageName !== opts.stage || d.status !== "Succeeded") continue;
        const vars = d.output?.outputVariables;
        if (!isObj(vars) || !("CHANGES" in vars)) continue;
        const seen = latest.get(d.actionName);
        if (seen === undefined || String(d.lastUpdateTime) > String(seen.lastUpdateTime)) latest.set(d.actionName, d);
    }
    if (latest.size === 0) throw new TypeError(`no successful plan in stage ${ascii(opts.stage)} of this run`);
    /** @type {PlanResult[]} */
    const plans = [...latest.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, d]) => {
            const v = /** @type {Obj} */ (d.output.outputVariables);
            return {
                target: ascii(String(name).replace(/^Plan-?/, "") || String(name)),
                changes: v.CHANGES === "no" ? "no" : "yes",
                approval: v.APPROVAL === "not-required" ? "not-required" : "required",
                risk: /^[a-z,-]+$/.test(String(v.RISK)) ? String(v.RISK) : "unknown",
                summary: ascii(v.SUMMARY ?? ""),
            };
        });
    const changed = plans.filter((p) => p.changes === "yes");
    const approval = plans.some((p) => p.approval === "required") ? "required" : "not-required";
    const risks = [...new Set(plans.flatMap((p) => p.risk.split(",")).filter((r) => r !== "none" && r !== ""))];
    const head = `${changed.length} of ${plans.length} targets change`;
    const parts = changed.map((p) => p.summary);
    let summary = [head, ...parts].join("; ");
    for (let k = parts.length - 1; summary.length > opts.maxLength && k >= 0; k--) {
        summary = [head, ...parts.slice(0, k), `+${parts.length - k} more in the report`].join("; ");
    }
    summary = summary.slice(0, opts.maxLength);
    const md = (/** @type {string} */ s) => s.replace(/[\\`*_[\]<>|#]/g, "\\$&");
    const report = [
        `# Wave ${md(ascii(opts.wave))}: review of ${plans.length} plans`,
        "",
        `${head}; approval ${approval}.`,
        "",
        "| Target | Changes | Approval | Risk | Summary |",
        "| --- | --- | --- | --- | --- |",
        ...plans.map((p) => {
            const name = opts.targetReportLink ? `[${md(p.target)}](${opts.targetReportLink(p.target)})` : md(p.target);
            return `| ${name} | ${p.changes} | ${p.approval} | ${p.risk} | ${md(p.summary)} |`;
        }),
        "",
    ].join("\n");
    return {
        changes: changed.length > 0 ? "yes" : "no",
        approval,
        risk: risks.length > 0 ? risks.join(",") : "none",
        summary,
        report,
        plans,
    };
}

module.exports = { reviewWave };
