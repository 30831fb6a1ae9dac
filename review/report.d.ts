/** Types for review/report.js. */
import type { Review, RiskClass } from "./classify";

export interface ApprovalDecision {
    readonly approval: "required" | "not-required";
    readonly reason: string;
}

/** Printable ASCII only: anything else becomes "?". */
export declare function ascii(s: unknown): string;

/** `+add ~change -destroy -/+replace`. */
export declare function counts(review: Review): string;

/** The risk classes that fired, in RISK_CLASSES order, each with its resources. */
export declare function riskGroups(review: Review): { cls: RiskClass; names: string[] }[];

/** One printable-ASCII line of at most maxLength characters, e.g. `dev: +1 ~0 -0 -/+1; risk: stateful-deletion (aws_instance.workload)`. */
export declare function summaryLine(review: Review, opts: { target: string; maxLength: number }): string;

/** A Markdown report: counts, destroyed and replaced lists, each risk with its detail, a per-resource table. */
export declare function renderReport(review: Review, opts: { target: string; title?: string }): string;

export declare function approvalDecision(
    review: Review,
    opts: { requireApproval: boolean; policy: "changes" | "risk" },
): ApprovalDecision;

/** JSON with sorted keys. */
export declare function canonical(value: unknown): string;

/** SHA-256 of a change set's id, stack, parameters and changes (not its status or times). */
export declare function changeSetDigest(changeSet: Record<string, unknown>): string;

/** SHA-256 of the resources a stack's deletion removes. */
export declare function deletionDigest(described: Record<string, unknown>): string;
