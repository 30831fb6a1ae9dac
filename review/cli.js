#!/usr/bin/env node
// @ts-check
"use strict";
/**
 * The pipeline's review tool, run by the step scripts as `node .pipeline/cli.js <command> ...`:
 *
 *   terraform | cloudformation | cloudformation-delete | cloudformation-drift <input.json>
 *       --target <name> --out <dir> [--require-approval true|false] [--policy changes|risk] [--max-summary N]
 *     classify a plan, a change set, a stack's deletion or its drift; write review.json, summary.txt,
 *     report.md, changes (yes|no), approval (required|not-required), risk (classes or none), and for
 *     CloudFormation the digest that the apply checks
 *   review-wave <actions.json> --stage <plan stage> --wave <name> --out <dir> [--execution <id>]
 *       [--target-report-base <url>] [--max-summary N]
 *     sum up a wave's plans (list-action-executions output) into one gate
 *   params <parameters.json> <out.json> <Key> value:<v>|previous
 *     add one parameter to a --parameters file (UsePreviousValue for "previous") unless it is set
 *   field <input.json> <Name>
 *     print one top-level string field of a JSON object (e.g. a change set's ChangeSetId)
 *
 * Exit 0 on success, 2 on a usage error or unreadable input, 1 otherwise. Nothing from an input
 * names a file: output names are fixed.
 */
const fs = require("fs");
const path = require("path");
const { classifyTerraformPlan, classifyChangeSet, classifyStackDeletion, classifyStackDrift } = require("./classify");
const {
    ascii,
    riskGroups,
    summaryLine,
    renderReport,
    approvalDecision,
    changeSetDigest,
    deletionDigest,
} = require("./report");
const { reviewWave } = require("./wave");

class UsageError extends Error {}

const cap = (/** @type {string} */ s, /** @type {number} */ n) => (s.length > n ? `${s.slice(0, n - 3)}...` : s);

/** @type {Record<string, { read: (doc: any) => import("./classify").Review, what: string, digest?: (doc: any) => string }>} */
const KINDS = {
    terraform: { read: classifyTerraformPlan, what: "plan" },
    cloudformation: { read: classifyChangeSet, what: "change set", digest: changeSetDigest },
    "cloudformation-delete": { read: classifyStackDeletion, what: "stack resource list", digest: deletionDigest },
    "cloudformation-drift": { read: classifyStackDrift, what: "drift list" },
};

/** @param {string[]} rest @param {Record<string, string>} defaults @param {string[]} known */
function options(rest, defaults, known) {
    const o = { ...defaults };
    for (let i = 0; i < rest.length; i += 2) {
        const [flag, value] = [rest[i], rest[i + 1]];
        if (!known.includes(flag) || value === undefined) {
            throw new UsageError(`unknown or incomplete option ${cap(ascii(flag), 40)}`);
        }
        o[flag] = value;
    }
    return o;
}

/** @param {string} file */
function readJson(file) {
    let text;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new UsageError(
            `cannot read the input file (${ascii(/** @type {NodeJS.ErrnoException} */ (e).code ?? "error")})`,
        );
    }
    try {
        return JSON.parse(text);
    } catch {
        throw new UsageError("the input is not valid JSON");
    }
}

/** @param {string} dir @param {[string, string][]} files */
function write(dir, files) {
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, body] of files) fs.writeFileSync(path.join(dir, name), body.endsWith("\n") ? body : `${body}\n`);
}

/** @param {string} raw */
function maxSummary(raw) {
    const n = Number(raw);
    if (!/^[0-9]{1,5}$/.test(raw) || n < 20) throw new UsageError("--max-summary must be an integer >= 20");
    return n;
}

/** @param {string} kind @param {string[]} args */
function classify(kind, args) {
    const [input, ...rest] = args;
    if (input === undefined || input.startsWith("--")) throw new UsageError(`${kind} needs an input file`);
    const o = options(rest, { "--require-approval": "true", "--policy": "changes", "--max-summary": "500" }, [
        "--target",
        "--out",
        "--require-approval",
        "--policy",
        "--max-summary",
    ]);
    const target = o["--target"];
    if (target === undefined || !/^[a-z][a-z0-9-]{0,19}$/.test(target))
        throw new UsageError("--target must match ^[a-z][a-z0-9-]{0,19}$");
    if (!o["--out"]) throw new UsageError("--out is required");
    if (!/^(true|false)$/.test(o["--require-approval"]))
        throw new UsageError("--require-approval must be true or false");
    const policy = o["--policy"];
    if (policy !== "changes" && policy !== "risk") throw new UsageError("--policy must be changes or risk");
    const maxLength = maxSummary(o["--max-summary"]);
    const k = KINDS[kind];
    const doc = readJson(input);
    let review;
    try {
        review = k.read(doc);
    } catch (e) {
        throw new UsageError(`the input is not a ${k.what}: ${ascii(/** @type {Error} */ (e).message)}`);
    }
    const decision = approvalDecision(review, { requireApproval: o["--require-approval"] === "true", policy });
    const fired = riskGroups(review).map((g) => g.cls);
    const summary = summaryLine(review, { target, maxLength });
    write(o["--out"], [
        ["review.json", JSON.stringify(review, null, 2)],
        ["summary.txt", summary],
        ["report.md", renderReport(review, { target })],
        ["changes", review.noChanges ? "no" : "yes"],
        ["approval", decision.approval],
        ["risk", fired.length > 0 ? fired.join(",") : "none"],
        ...(k.digest !== undefined ? /** @type {[string, string][]} */ ([["digest", k.digest(doc)]]) : []),
    ]);
    process.stdout.write(`${summary}\napproval: ${decision.approval} (${ascii(decision.reason)})\n`);
}

/** @param {string[]} args */
function wave(args) {
    const [input, ...rest] = args;
    if (input === undefined || input.startsWith("--")) throw new UsageError("review-wave needs an input file");
    const o = options(rest, { "--max-summary": "900" }, [
        "--stage",
        "--wave",
        "--out",
        "--execution",
        "--target-report-base",
        "--max-summary",
    ]);
    for (const f of ["--stage", "--wave", "--out"]) if (!o[f]) throw new UsageError(`${f} is required`);
    const base = o["--target-report-base"];
    const execution = o["--execution"];
    const review = reviewWave(readJson(input), {
        stage: o["--stage"],
        wave: o["--wave"],
        maxLength: maxSummary(o["--max-summary"]),
        ...(base !== undefined && execution !== undefined
            ? { targetReportLink: (/** @type {string} */ t) => `${base}${t}/${execution}/report.md` }
            : {}),
    });
    write(o["--out"], [
        ["summary.txt", review.summary],
        ["report.md", review.report],
        ["changes", review.changes],
        ["approval", review.approval],
        ["risk", review.risk],
    ]);
    process.stdout.write(`${review.summary}\napproval: ${review.approval}\n`);
}

/** @param {string[]} args */
function params(args) {
    const [input, output, key, value] = args;
    if (!input || !output || !key || !value || !/^[A-Za-z0-9]+$/.test(key) || !/^(value:.+|previous)$/s.test(value)) {
        throw new UsageError("usage: params <parameters.json> <out.json> <Key> value:<v>|previous");
    }
    const list = readJson(input);
    if (!Array.isArray(list)) throw new UsageError("the parameters file must be a JSON list");
    if (!list.some((p) => p !== null && typeof p === "object" && p.ParameterKey === key)) {
        list.push(
            value === "previous"
                ? { ParameterKey: key, UsePreviousValue: true }
                : { ParameterKey: key, ParameterValue: value.slice("value:".length) },
        );
    }
    fs.writeFileSync(output, `${JSON.stringify(list, null, 2)}\n`);
}

/** @param {string[]} args */
function field(args) {
    const [input, name] = args;
    if (!input || !name || !/^[A-Za-z]+$/.test(name)) throw new UsageError("usage: field <input.json> <Name>");
    const doc = readJson(input);
    const value = doc !== null && typeof doc === "object" ? doc[name] : undefined;
    if (typeof value !== "string") throw new UsageError(`the input has no string field ${name}`);
    process.stdout.write(`${value}\n`);
}

/** @param {string[]} argv @returns {number} */
function main(argv) {
    try {
        const [command, ...args] = argv;
        if (command !== undefined && command in KINDS) classify(command, args);
        else if (command === "review-wave") wave(args);
        else if (command === "params") params(args);
        else if (command === "field") field(args);
        else
            throw new UsageError(`unknown command ${cap(ascii(String(command)), 40)}; see the header of review/cli.js`);
        return 0;
    } catch (e) {
        process.stderr.write(`review: ${cap(ascii(/** @type {Error} */ (e).message), 300)}\n`);
        return e instanceof UsageError ? 2 : 1;
    }
}

module.exports = { main };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
