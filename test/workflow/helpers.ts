/**
 * Shared fixtures of the tests of .github/workflows/preview.yml (test/workflow/*.test.ts): the
 * workflow's text and its parse, the shapes of its jobs and steps, step lookups, `PINS` (the pinned
 * commit, tag and declared inputs of each action the workflow uses) and scans of `uses:` lines and
 * secret reads.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export const ROOT = path.resolve(__dirname, "..", "..");
export const WORKFLOW = path.join(ROOT, ".github", "workflows", "preview.yml");

export interface Step {
    readonly name?: string;
    readonly id?: string;
    readonly uses?: string;
    readonly run?: string;
    readonly with?: Record<string, unknown>;
    readonly env?: Record<string, unknown>;
    readonly if?: string;
    readonly "continue-on-error"?: boolean | string;
    readonly "working-directory"?: string;
}

export interface Job {
    readonly needs?: string | string[];
    readonly environment?: string | { name?: string; url?: string };
    readonly if?: string;
    readonly permissions?: Record<string, string> | string;
    readonly strategy?: { matrix?: { include?: Record<string, unknown>[]; [k: string]: unknown } };
    readonly env?: Record<string, unknown>;
    readonly steps: Step[];
}

export interface Workflow {
    readonly on: Record<string, unknown> | string | string[];
    readonly env?: Record<string, unknown>;
    readonly permissions?: Record<string, string>;
    readonly concurrency?: { group?: string; "cancel-in-progress"?: boolean };
    readonly jobs: Record<string, Job>;
}

export const text = fs.readFileSync(WORKFLOW, "utf8");
export const wf = parse(text) as Workflow;

export const stepsUsing = (job: Job, action: string): Step[] =>
    job.steps.filter((s) => s.uses?.split("@")[0] === action);
export const oneStepUsing = (job: Job, action: string): Step => {
    const found = stepsUsing(job, action);
    expect(found, `steps using ${action}`).to.have.length(1);
    return found[0];
};
export const needsOf = (job: Job): string[] => (job.needs === undefined ? [] : ([] as string[]).concat(job.needs));
export const runs = (job: Job): string[] => job.steps.map((s) => s.run ?? "");

/**
 * The actions the workflow uses, each pinned to the commit of a release tag, with the inputs that
 * the action's `action.yml` declares at that commit. Each SHA was read from a snapshot of the
 * action's repository (`git rev-parse <tag>^{commit}`; the major tag, e.g. `v4`, pointed at the same
 * commit), and the inputs from that commit's `action.yml`. actionlint checks the inputs of
 * `owner/repo@vN` references against its own table, but not those of SHA references: the test
 * "passes only inputs the pinned actions declare" (hardening.test.ts) does it instead. Change a pin
 * here and in the workflow together (docs/ci.md).
 */
export const PINS: Record<string, { sha: string; tag: string; inputs: string }> = {
    "actions/checkout": {
        sha: "11d5960a326750d5838078e36cf38b85af677262",
        tag: "v4.4.0",
        inputs:
            "repository ref token ssh-key ssh-known-hosts ssh-strict ssh-user persist-credentials path clean filter " +
            "sparse-checkout sparse-checkout-cone-mode fetch-depth fetch-tags show-progress lfs submodules " +
            "set-safe-directory github-server-url allow-unsafe-pr-checkout",
    },
    "actions/setup-node": {
        sha: "49933ea5288caeca8642d1e84afbd3f7d6820020",
        tag: "v4.4.0",
        inputs:
            "always-auth node-version node-version-file architecture check-latest registry-url scope token cache " +
            "cache-dependency-path mirror mirror-token",
    },
    "aws-actions/configure-aws-credentials": {
        sha: "7474bc4690e29a8392af63c5b98e7449536d5c3a",
        tag: "v4.3.1",
        inputs:
            "aws-region role-to-assume aws-access-key-id aws-secret-access-key aws-session-token " +
            "web-identity-token-file role-chaining audience http-proxy mask-aws-account-id role-duration-seconds " +
            "role-external-id role-session-name role-skip-session-tagging inline-session-policy " +
            "managed-session-policies output-credentials output-env-credentials unset-current-credentials " +
            "disable-retry retry-max-attempts special-characters-workaround use-existing-credentials",
    },
    "pulumi/actions": {
        sha: "8582a9e8cc630786854029b4e09281acd6794b58",
        tag: "v6.6.1",
        inputs:
            "command stack-name pulumi-version pulumi-version-file work-dir comment-on-pr comment-on-pr-number " +
            "comment-on-summary github-token cloud-url secrets-provider parallel message config-map " +
            "expect-no-changes diff replace exclude exclude-dependents target target-dependents policyPacks " +
            "policyPackConfigs refresh upsert remove edit-pr-comment color exclude-protected plan suppress-outputs " +
            "suppress-progress always-include-summary continue-on-error log-verbosity log-flow debug",
    },
    "marocchino/sticky-pull-request-comment": {
        sha: "773744901bac0e8cbb5a0dc842800d45e9b2b405",
        tag: "v2.9.4",
        inputs:
            "header append recreate delete only_create only_update hide_details hide hide_and_recreate " +
            "hide_classify message path ignore_empty skip_unchanged follow_symbolic_links number owner repo " +
            "GITHUB_TOKEN",
    },
    "actions/upload-artifact": {
        sha: "ea165f8d65b6e75b540449e92b4886f43607fa02",
        tag: "v4.6.2",
        inputs: "name path if-no-files-found retention-days compression-level overwrite include-hidden-files",
    },
};

/** `uses:` lines of the workflow's text, with their trailing comment (which the YAML parser drops). */
export const usesLines = (): { line: number; ref: string; comment: string | undefined }[] =>
    text.split("\n").flatMap((l, i) => {
        const m = /^\s*(?:-\s+)?uses:\s*(\S+)(?:\s+#\s*(.*?))?\s*$/.exec(l);
        return m === null ? [] : [{ line: i + 1, ref: m[1], comment: m[2] }];
    });

/** Every value in the parsed workflow that reads a secret, with where it is. */
export function secretReads(node: unknown, at: string): { at: string; value: string }[] {
    if (typeof node === "string") return /\bsecrets\./.test(node) ? [{ at, value: node }] : [];
    if (Array.isArray(node)) return node.flatMap((v, i) => secretReads(v, `${at}[${i}]`));
    if (node !== null && typeof node === "object")
        return Object.entries(node).flatMap(([k, v]) => secretReads(v, `${at}.${k}`));
    return [];
}

/** Every `uses:` of every job, with the job it is in. */
export const allUses = (): { job: string; uses: string }[] =>
    Object.entries(wf.jobs).flatMap(([job, j]) =>
        j.steps.filter((s) => s.uses !== undefined).map((s) => ({ job, uses: s.uses as string })),
    );
