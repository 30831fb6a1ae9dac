/**
 * The hop list: every step both methods take, and every trust boundary around them. Shared by
 * test/iam*.test.ts, `npm run hop-matrix` and the offline plan, which render it with the one renderer
 * below. Each hop is evaluated for a target A and, where it crosses between targets, a target B.
 */
import type { Method } from "../../../../config";
import { CapturedTarget, IamModel } from "../capture";
import { EvalRequest, Evaluator, EvalResult, Verdict } from "../evaluate";
import { BOUNDARY_HOPS } from "./boundaries";
import { EXPOSURE_HOPS } from "./exposure";
import { METHOD_HOPS } from "./methods";
import { Hop, Pair } from "./refs";

export * from "./refs";

export const HOPS: readonly Hop[] = [...METHOD_HOPS, ...BOUNDARY_HOPS, ...EXPOSURE_HOPS];

/** Why a hop does not apply to this model, or undefined when it does. */
export function notApplicable(m: IamModel, hop: Hop, pair: Pair): string | undefined {
    const methods = m.cicd.methods as Method[];
    if (hop.needs?.method !== undefined && !methods.includes(hop.needs.method)) return `methods: ${methods.join(", ")}`;
    if (hop.needs?.other === true && pair.other === undefined) return "needs a second target";
    return undefined;
}

/** The request a hop makes, against the model. */
export function requestOf(m: IamModel, hop: Hop, pair: Pair): EvalRequest {
    const p = hop.principal(m, pair);
    return {
        principal: p.arn,
        action: hop.action,
        resource: hop.resource(m, pair),
        ...(hop.context !== undefined ? { context: hop.context(m, pair) } : {}),
        ...(p.identityPolicies !== undefined ? { identityPolicies: p.identityPolicies } : {}),
    };
}

export interface MatrixRow {
    readonly hop: Hop;
    readonly target: string;
    readonly other?: string;
    readonly principal: string;
    readonly action: string;
    readonly resource: string;
    readonly expected: Verdict;
    /** Undefined when the hop does not apply (`skipped` says why). */
    readonly actual?: Verdict;
    readonly skipped?: string;
    readonly result?: EvalResult;
}

const shortArn = (arn: string): string => arn.replace(/^arn:[^:]+:/, "");

/** The pair of the matrix: the first target, and the second when there is one. */
export const defaultPair = (m: IamModel): Pair => {
    const [self, other] = m.targets;
    if (self === undefined) throw new Error("hops: the model has no target");
    return other !== undefined ? { self, other } : { self };
};

export async function evaluateHops(
    m: IamModel,
    hops: readonly Hop[] = HOPS,
    pair: Pair = defaultPair(m),
): Promise<MatrixRow[]> {
    const evaluator = new Evaluator(m);
    const rows: MatrixRow[] = [];
    for (const hop of hops) {
        const base = {
            hop,
            target: pair.self.name,
            ...(pair.other !== undefined ? { other: pair.other.name } : {}),
            expected: hop.expected,
        };
        const skipped = notApplicable(m, hop, pair);
        if (skipped !== undefined) {
            rows.push({ ...base, principal: "", action: hop.action, resource: "", skipped });
            continue;
        }
        const req = requestOf(m, hop, pair);
        const result = await evaluator.evaluate(req);
        const ctx = Object.entries(req.context ?? {}).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : v}`);
        rows.push({
            ...base,
            principal: hop.principal(m, pair).label,
            action: ctx.length > 0 ? `${hop.action} (${ctx.join(", ")})` : hop.action,
            resource: shortArn(req.resource),
            actual: result.verdict,
            result,
        });
    }
    return rows;
}

/** Every ordered pair of distinct targets (for the isolation proofs). */
export function allPairs(targets: readonly CapturedTarget[]): Pair[] {
    return targets.flatMap((self) => targets.filter((o) => o !== self).map((other) => ({ self, other })));
}

const esc = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** What a matrix table shows of a row; the plan report keeps these fields in its JSON. */
export interface MatrixCells {
    readonly group: string;
    readonly title: string;
    readonly principal: string;
    readonly action: string;
    readonly resource: string;
    readonly expected: string;
    readonly actual?: string;
    readonly skipped?: string;
}

export const cellsOf = (r: MatrixRow): MatrixCells => ({
    group: r.hop.group,
    title: r.hop.title,
    principal: r.principal,
    action: r.action,
    resource: r.resource,
    expected: r.expected,
    ...(r.actual !== undefined ? { actual: r.actual } : {}),
    ...(r.skipped !== undefined ? { skipped: r.skipped } : {}),
});

/** The one renderer of the hop matrix (Markdown), used by `npm run hop-matrix` and the offline plan. */
export function markdownMatrix(rows: readonly (MatrixRow | MatrixCells)[]): string {
    const lines = [
        "| group | what it proves | principal | action | resource | expected | actual |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ];
    for (const row of rows) {
        const r = "hop" in row ? cellsOf(row) : row;
        const actual =
            r.skipped !== undefined ? `n/a (${r.skipped})` : `${r.actual}${r.actual === r.expected ? "" : " ✗"}`;
        lines.push(
            `| ${r.group} | ${esc(r.title)} | ${esc(r.principal)} | \`${esc(r.action)}\` | \`${esc(r.resource)}\` | ${r.expected} | ${actual} |`,
        );
    }
    return lines.join("\n");
}

/** Counts for a summary line: evaluated, allowed, denied, not as expected. */
export function matrixSummary<R extends MatrixRow | MatrixCells>(
    rows: readonly R[],
): { evaluated: number; allowed: number; denied: number; wrong: R[] } {
    const evaluated = rows.filter((r) => r.actual !== undefined);
    return {
        evaluated: evaluated.length,
        allowed: evaluated.filter((r) => r.expected === "Allowed").length,
        denied: evaluated.filter((r) => r.expected !== "Allowed").length,
        wrong: evaluated.filter((r) => r.actual !== r.expected),
    };
}
