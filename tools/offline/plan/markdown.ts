/**
 * The plan report as Markdown, rendered from its JSON (types.ts): people read this one, tools the
 * JSON. Pure functions.
 */
import { markdownMatrix, matrixSummary } from "../iam/hops";
import { shortType } from "./documents";
import { PLAN_LABEL, PlanHopMatrix, PlanIamDocument, PlanJson, PlanPipeline, PlanResource } from "./types";

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

const DOCUMENT_TITLES: Record<PlanIamDocument["kind"], (d: PlanIamDocument) => string> = {
    "trust policy": () => "Trust policy (who may assume it)",
    "inline role policy": (d) => `Inline policy ${code(d.policyName ?? "?")}`,
    "bucket policy": () => "Bucket policy",
    "topic policy": () => "Topic policy",
    "StackSet template trust policy": () => "Trust policy in the StackSet template (who may assume it)",
    "StackSet template inline policy": (d) => `Inline policy ${code(d.policyName ?? "?")} in the StackSet template`,
};

function iamSection(docs: readonly PlanIamDocument[]): string[] {
    const out: string[] = [];
    let owner = "";
    for (const d of docs) {
        const key = `${d.owner.kind}:${d.owner.name}`;
        if (key !== owner) {
            owner = key;
            const kind = d.owner.kind === "role" ? "Role" : d.owner.kind === "bucket" ? "Bucket" : "Topic";
            out.push(`### ${kind} ${code(d.owner.name)}`, "");
        }
        out.push(
            `${DOCUMENT_TITLES[d.kind](d)}: input ${code(d.resource.input)} of ${code(d.resource.name)} (${code(d.resource.type)}), account ${d.accountId}`,
            "",
            "```json",
            JSON.stringify(d.document, null, 2),
            "```",
            "",
        );
    }
    return out;
}

function pipelineSection(pipelines: readonly PlanPipeline[]): string[] {
    if (pipelines.length === 0) return ["(this stack declares no pipeline)", ""];
    const out = [
        "| pipeline | method | stages | actions | critical path (steps one after another) |",
        "| --- | --- | ---: | ---: | ---: |",
        ...pipelines.map(
            (p) =>
                `| ${code(p.name)} | ${p.method} ${p.kind} | ${p.stages.length} | ${p.actions} | ${p.criticalPath} |`,
        ),
        "",
    ];
    for (const p of pipelines) {
        out.push(`### ${code(p.name)}`, "", "| stage | actions (run order) | entry condition |", "| --- | --- | --- |");
        for (const s of p.stages) {
            const actions = s.actions.map((a) => `${a.name}: ${a.provider} (${a.runOrder})`).join(", ");
            out.push(`| ${code(s.name)} | ${cell(actions)} | ${cell(s.condition ?? "—")} |`);
        }
        out.push("");
    }
    return out;
}

/** The first matrix in full; for a fleet, one summary line per target after it (the JSON has every row). */
function hopSection(matrices: readonly PlanHopMatrix[]): string[] {
    const out: string[] = [];
    const title = (m: PlanHopMatrix): string =>
        `target ${code(m.targetName)} (account ${m.targetAccountId}, stack ${code(m.targetStack)})` +
        (m.otherName !== undefined ? `, other target ${code(m.otherName)} (account ${m.otherAccountId})` : "");
    const verdicts = (m: PlanHopMatrix): string => {
        const s = matrixSummary(m.rows);
        const skipped = m.rows.length - s.evaluated;
        return (
            `${s.evaluated} hops evaluated (${s.allowed} expected allowed, ${s.denied} expected denied): ` +
            (s.wrong.length === 0
                ? "**every verdict as expected**."
                : `**${s.wrong.length} NOT as expected**: ${m.rows
                      .filter((r) => r.actual !== undefined && !r.asExpected)
                      .map((r) => code(r.id))
                      .join(", ")}.`) +
            (skipped > 0 ? ` ${skipped} not applicable.` : "")
        );
    };
    const [first, ...rest] = matrices;
    out.push(`### A = ${title(first)}`, "", verdicts(first), "", markdownMatrix(first.rows), "");
    if (rest.length > 0) {
        out.push(
            "### Every other target as A",
            "",
            "The same hops with each target as A and the next one as B; their rows are in the JSON report.",
            "",
            "| A | B | verdicts |",
            "| --- | --- | --- |",
            ...rest.map(
                (m) =>
                    `| ${code(m.targetName)} (${m.targetAccountId}) | ${m.otherName !== undefined ? code(m.otherName) : "—"} | ${cell(verdicts(m))} |`,
            ),
            "",
        );
    }
    return out;
}

export function renderMarkdown(j: PlanJson): string {
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
    const accountTitle = { cicd: "CI/CD account", target: "Target account", org: "Management account" };
    const listed = j.accounts.filter((a) => a.role !== "target").concat(j.accounts.filter((a) => a.role === "target"));
    const shownTargets = 10;
    let targetsShown = 0;
    for (const a of listed) {
        if (a.role === "target" && ++targetsShown > shownTargets) continue;
        const what = a.role === "target" ? `target ${code(a.targetName ?? "?")}, stack ${code(a.stack)}; ` : "";
        out.push(`| ${accountTitle[a.role]} | ${code(a.accountId)}: ${what}${cell(a.source)} |`);
    }
    if (targetsShown > shownTargets)
        out.push(`| Target accounts | and ${targetsShown - shownTargets} more (JSON: accounts) |`);
    out.push(`| Summary | ${cell(summaryLine(j).replace(/^plan [^:]+: /, ""))} |`, "");
    out.push(
        "Contents: [Config](#config) · [Pipelines](#pipelines) · [Resources](#resources) · [IAM documents](#iam-documents) · " +
            "[Cross-account hop matrix](#cross-account-hop-matrix) · [Diagram](#diagram) · [Stack outputs](#stack-outputs)",
        "",
    );

    out.push("## Config", "", "As the program reads it (`config.get`: structured values become JSON strings).", "");
    const entries = Object.entries(j.config);
    if (entries.length === 0) out.push("(no keys set: every value is the program's default)", "");
    else
        out.push(
            "| key | value |",
            "| --- | --- |",
            ...entries.map(([k, v]) => `| ${code(k)} | ${cell(code(v.length > 400 ? `${v.slice(0, 397)}...` : v))} |`),
            "",
        );
    out.push(
        "## Pipelines",
        "",
        "Stages in order; actions with the same run order run together. The critical path counts the steps " +
            "that run one after another (`methods/stages.ts` criticalPath, as the quota checks count them).",
        "",
        ...pipelineSection(j.pipelines),
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
        "Every hop of `tools/offline/iam/hops/`, evaluated against the captured documents of the stacks with " +
            "`@cloud-copilot/iam-simulate` (`tools/offline/iam/evaluate.ts`). A is the target the hop is made for, " +
            "B another target it must not reach. Principals outside the program (administrators) carry AdministratorAccess.",
        "",
        ...(j.hopMatrices.length === 0
            ? [j.hopNote ?? "(no target stack: no hop to evaluate)", ""]
            : hopSection(j.hopMatrices)),
    );
    out.push("## Diagram", "", DIAGRAM_NOTE, "", "```mermaid", j.mermaid, "```", "");
    out.push("## Stack outputs", "", "```json", JSON.stringify(j.outputs, null, 2), "```", "");
    return out.join("\n");
}

const DIAGRAM_NOTE =
    "Components (boxes around their resources), accounts, and who may assume whom, from the captured trust policies " +
    "(`Principal.Service`, or the account root pinned by `aws:PrincipalArn`); thick edges cross accounts. " +
    "For a fleet of more than four targets, the rollout by wave instead.";
