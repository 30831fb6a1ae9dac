/**
 * .github/workflows/preview.yml, its shape: triggers, jobs and their order, concurrency, default
 * permissions, and what the test, preview and plan jobs do.
 */
import { expect } from "chai";
import { DEFAULT_GITHUB_ENVIRONMENT, environmentSubject, previewTrustPolicy } from "../../oidc/policies";
import { needsOf, oneStepUsing, PINS, runs, type Step, stepsUsing, wf } from "./helpers";

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
});
