/** Types for review/wave.js. */
export interface PlanResult {
    readonly target: string;
    readonly changes: "yes" | "no";
    readonly approval: "required" | "not-required";
    readonly risk: string;
    readonly summary: string;
}

export interface WaveReview {
    readonly changes: "yes" | "no";
    readonly approval: "required" | "not-required";
    readonly risk: string;
    readonly summary: string;
    readonly report: string;
    readonly plans: readonly PlanResult[];
}

/** Sums up a wave's plans from `aws codepipeline list-action-executions` output. */
export declare function reviewWave(
    actions: unknown,
    opts: { stage: string; wave: string; maxLength: number; targetReportLink?: (target: string) => string },
): WaveReview;
