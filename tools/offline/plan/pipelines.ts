/**
 * The pipelines a cicd stack declares, as the plan shows them: stages in order, what each stage's
 * entry condition skips, and the critical path, counted by the same function the quota checks use
 * (methods/stages.ts criticalPath). For a fleet, the rollout picture by wave. Pure functions.
 */
import { criticalPath } from "../../../methods/stages";
import { waveStages } from "../../../names";
import type { StageSpec } from "../../../methods/types";
import type { Recorded } from "../mocks";
import { asArray, PIPELINE } from "./documents";
import { PlanPipeline } from "./types";

/** The cicd stack outputs that name the pipelines, by method and kind. */
const PIPELINE_OUTPUTS: readonly { key: string; method: string; kind: PlanPipeline["kind"] }[] = [
    { key: "terraformPipelineName", method: "terraform", kind: "deploy" },
    { key: "terraformDriftPipelineName", method: "terraform", kind: "drift" },
    { key: "cloudFormationPipelineName", method: "cloudformation", kind: "deploy" },
    { key: "cloudFormationDriftPipelineName", method: "cloudformation", kind: "drift" },
];

/** A stage's entry condition, in words: `skip unless review-prod.APPROVAL=required`. */
function conditionOf(stage: any): string | undefined {
    const condition = stage.beforeEntry?.condition;
    const rules = asArray<any>(condition?.rules);
    if (rules.length === 0) return undefined;
    const checks = rules.map(
        (r) =>
            `${String(r.configuration?.Variable).replace(/^#\{(?:variables\.)?(.*)\}$/, "$1")}` +
            `${r.configuration?.Operator === "EQ" || r.configuration?.Operator === undefined ? "=" : ` ${r.configuration.Operator} `}` +
            `${r.configuration?.Value}`,
    );
    return `${String(condition.result).toLowerCase()} unless ${checks.join(" and ")}`;
}

/** The pipelines of a cicd stack run, in the order of its outputs. */
export function planPipelines(resources: readonly Recorded[], outputs: Record<string, unknown>): PlanPipeline[] {
    const out: PlanPipeline[] = [];
    for (const { key, method, kind } of PIPELINE_OUTPUTS) {
        const name = outputs[key];
        if (typeof name !== "string") continue;
        const r = resources.find((x) => x.type === PIPELINE && x.inputs.name === name);
        if (r === undefined) continue;
        const stages = asArray<any>(r.inputs.stages).map((s) => ({
            name: String(s.name),
            actions: asArray<any>(s.actions).map((a) => ({
                name: String(a.name),
                provider: String(a.provider),
                runOrder: typeof a.runOrder === "number" ? a.runOrder : 1,
            })),
            ...(conditionOf(s) !== undefined ? { condition: conditionOf(s) } : {}),
        }));
        out.push({
            name,
            method,
            kind,
            stages,
            // The recorded stages have the fields criticalPath reads (name, actions[].runOrder).
            criticalPath: criticalPath(stages as unknown as StageSpec[]).steps,
            actions: stages.reduce((n, s) => n + s.actions.length, 0),
        });
    }
    return out;
}

export interface RolloutTarget {
    readonly name: string;
    readonly accountId: string;
    readonly wave: string;
}

const label = (s: string): string => s.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
const idOf = (s: string): string => s.replace(/[^A-Za-z0-9_]/g, "_");

/**
 * The rollout of a deploy pipeline, for a fleet too large to draw resource by resource: the source,
 * then one box per wave with its stages and its targets (the first few by name), in order.
 */
export function rolloutDiagram(pipeline: PlanPipeline, targets: readonly RolloutTarget[], shown = 6): string {
    const waves: string[] = [];
    for (const t of targets) if (!waves.includes(t.wave)) waves.push(t.wave);
    const lines = ["flowchart LR", `  source(["Source: ${label(pipeline.name)}"])`];
    let previous = "source";
    const destroy = pipeline.stages.find((s) => s.name === "ApproveDestroy");
    if (destroy !== undefined) {
        lines.push(`  destroy{"ApproveDestroy<br/>${label(destroy.condition ?? "")}"}`, "  source --> destroy");
        previous = "destroy";
    }
    for (const wave of waves) {
        const members = targets.filter((t) => t.wave === wave);
        const named = waveStages({ name: wave });
        const steps = (["plan", "approve", "apply"] as const)
            .map((step) => ({ step, stage: pipeline.stages.find((s) => s.name === named[step]) }))
            .filter((x) => x.stage !== undefined)
            .map((x) => {
                const review = new Set(x.stage!.actions.map((a) => a.runOrder)).size > 1 ? " + review" : "";
                return `${x.step}${review}${x.stage!.condition !== undefined ? " (conditional)" : ""}`;
            })
            .join(" → ");
        const id = idOf(`wave_${wave}`);
        const names = members.slice(0, shown).map((t) => label(`${t.name} ${t.accountId}`));
        if (members.length > shown) names.push(`and ${members.length - shown} more`);
        lines.push(
            `  subgraph ${id}["wave ${label(wave)}: ${members.length} target${members.length === 1 ? "" : "s"} · ${label(steps)}"]`,
            `    ${id}_targets["${names.join("<br/>")}"]`,
            "  end",
            `  ${previous} --> ${id}`,
        );
        previous = id;
    }
    return lines.join("\n");
}
