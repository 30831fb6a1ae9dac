/**
 * The plan report's data (`npm run plan -- <stack>`): what the JSON holds, and what the Markdown is
 * rendered from. Plain data only.
 */
import type { MatrixCells } from "../iam/hops";
import type { Recorded } from "../mocks";

/** The report's label. It says what the report is, and what it is not. */
export const PLAN_LABEL = "What the program declares, not a diff against live state";

export type StackRole = "cicd" | "target" | "org";

/** One stack as the plan ran it under the mock engine. */
export interface PlanStackRun {
    /** `cicd`, `target`, `target-<name>` or `org`. */
    readonly stack: string;
    readonly role: StackRole;
    /** The account the mock engine answered with for this stack's credentials. */
    readonly accountId: string;
    readonly resources: readonly Recorded[];
    /** The stack's outputs, resolved. */
    readonly outputs: Record<string, unknown>;
    /** For target stacks: the entry of the cicd stack's `targets` output. */
    readonly targetName?: string;
}

export interface PlanResource {
    readonly stack: string;
    readonly accountId: string;
    readonly type: string;
    readonly name: string;
    /** A component resource of this program (its children are the cloud resources). */
    readonly component: boolean;
    readonly parent?: { readonly type: string; readonly name: string; readonly urn: string };
    /** The explicit provider's resource name, where there is one (`target`). */
    readonly provider?: string;
    /** The few inputs that say what the resource is, as display strings. */
    readonly keyInputs: Record<string, string>;
    /** Every input the program passed (mock IDs where AWS would assign one). */
    readonly inputs: Record<string, unknown>;
}

export type IamDocumentKind =
    | "trust policy"
    | "inline role policy"
    | "bucket policy"
    | "topic policy"
    | "StackSet template trust policy"
    | "StackSet template inline policy";

export interface PlanIamDocument {
    readonly kind: IamDocumentKind;
    /** What the document belongs to: a role, a bucket or a topic, by physical name. */
    readonly owner: { readonly kind: "role" | "bucket" | "topic"; readonly name: string };
    /** The Pulumi resource that carries the document, and its input. */
    readonly resource: { readonly type: string; readonly name: string; readonly input: string };
    /** An inline policy's IAM name. */
    readonly policyName?: string;
    readonly stack: string;
    /** The account the document lives in; for a StackSet template, every account of its OUs. */
    readonly accountId: string;
    readonly document: unknown;
}

/** One hop of the IAM proof (tools/offline/iam/hops), evaluated for a target and, where it crosses, another. */
export interface PlanHopRow extends MatrixCells {
    readonly id: string;
    /** The verdict is the expected one, or the hop does not apply (`skipped` says why). */
    readonly asExpected: boolean;
    readonly allowedBy: readonly string[];
    readonly deniedBy: readonly string[];
}

export interface PlanHopMatrix {
    /** The target the hops are made for (A), and the target the cross-target hops aim at (B). */
    readonly targetStack: string;
    readonly targetName: string;
    readonly targetAccountId: string;
    readonly otherName?: string;
    readonly otherAccountId?: string;
    readonly rows: readonly PlanHopRow[];
}

export interface PlanAccount {
    readonly role: StackRole;
    readonly accountId: string;
    readonly stack: string;
    readonly targetName?: string;
    /** Where the number comes from. */
    readonly source: string;
    readonly placeholder: boolean;
}

/** One pipeline's shape: its stages in order and the steps that run one after another. */
export interface PlanPipeline {
    readonly name: string;
    readonly method: string;
    readonly kind: "deploy" | "drift";
    readonly stages: readonly {
        readonly name: string;
        readonly actions: readonly { readonly name: string; readonly provider: string; readonly runOrder: number }[];
        /** The stage's entry condition, in words (a skipped destroy approval, a skipped wave approval). */
        readonly condition?: string;
    }[];
    /** Steps on the longest path: one per distinct runOrder of each stage (methods/stages.ts criticalPath). */
    readonly criticalPath: number;
    readonly actions: number;
}

export interface PlanSummary {
    readonly resources: number;
    readonly components: number;
    readonly iamDocuments: number;
    readonly hops: number;
    readonly hopsEvaluated: number;
    readonly hopsNotAsExpected: readonly string[];
    readonly hopsAllAsExpected: boolean;
}

export interface PlanJson {
    readonly label: string;
    readonly kind: "cross-account-pipeline plan";
    readonly stack: string;
    readonly notice: readonly string[];
    /** The files read, relative to the config directory. */
    readonly configFiles: readonly string[];
    /** The stack's committed config, as the program reads it (`config.get` strings). */
    readonly config: Record<string, string>;
    readonly region: string;
    readonly partition: string;
    readonly accounts: readonly PlanAccount[];
    readonly resources: readonly PlanResource[];
    readonly iamDocuments: readonly PlanIamDocument[];
    readonly pipelines: readonly PlanPipeline[];
    readonly hopMatrices: readonly PlanHopMatrix[];
    /** Why there is no hop matrix, when there is none. */
    readonly hopNote?: string;
    readonly mermaid: string;
    readonly outputs: Record<string, unknown>;
    readonly summary: PlanSummary;
}
