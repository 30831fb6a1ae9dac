/**
 * Types for review/classify.js (plain CommonJS, so that the pipeline's build container can run it
 * through review/cli.js). Keep in step with the JSDoc in that file.
 */

export type RiskClass = "permissions-broadening" | "stateful-deletion" | "network-opening" | "code-execution";

/** The risk classes, in the order summaries and the `risk` file list them. */
export declare const RISK_CLASSES: readonly RiskClass[];

export interface Risk {
    readonly class: RiskClass;
    /** Terraform resource address, or CloudFormation logical id. */
    readonly resource: string;
    /** Why, in words a reviewer can check against the plan (bounded length). */
    readonly detail: string;
}

/** One changed resource (no-op and read are left out). */
export interface ResourceRow {
    readonly resource: string;
    readonly type: string;
    /** create | update | delete | replace | import | dynamic | replace (conditional) | other Terraform actions joined by "+". */
    readonly action: string;
}

export interface Review {
    readonly kind: "terraform" | "cloudformation";
    readonly changes: {
        readonly add: number;
        readonly change: number;
        readonly destroy: number;
        readonly replace: number;
    };
    /** True when every change is no-op or read (Terraform), or the change set has no resource changes. */
    readonly noChanges: boolean;
    readonly destroyed: readonly string[];
    readonly replaced: readonly string[];
    readonly risks: readonly Risk[];
    readonly resources: readonly ResourceRow[];
    /** Terraform only, when present: addresses in `resource_drift` (changed outside Terraform; reported, not judged). */
    readonly drift?: readonly string[];
}

/** Classifies `terraform show -json <planfile>` output. Throws TypeError when the input is not a plan. */
export declare function classifyTerraformPlan(plan: unknown): Review;

/** Classifies `aws cloudformation describe-change-set --include-property-values` output. Throws TypeError when it is not one. */
export declare function classifyChangeSet(changeSet: unknown): Review;

/** What deleting a stack removes (`aws cloudformation describe-stack-resources` output). */
export declare function classifyStackDeletion(described: unknown): Review;

/** What drifted (`aws cloudformation describe-stack-resource-drifts` output): reported, not judged. */
export declare function classifyStackDrift(drifts: unknown): Review;

/**
 * The policy diff under permissions-broadening: what the after documents (JSON strings or objects) allow that the
 * before documents did not, and which Denies they drop. Empty when nothing broadens.
 */
export declare function policyBroadening(beforeDocs: readonly unknown[], afterDocs: readonly unknown[]): string[];

/** Does the IAM glob `wide` (`*`, `?`) match every string that the glob `narrow` matches? Case-sensitive. */
export declare function globCovers(wide: string, narrow: string): boolean;
