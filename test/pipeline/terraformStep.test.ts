/**
 * Method 1's step script (methods/terraform/scripts/tf-step.sh) through each target's real CodeBuild
 * project: inline buildspec, project environment, action environment, one shell per command, and
 * recording stand-ins for aws and terraform. Plan, then apply exactly that plan; drift checks.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { callsOf } from "../helpers/codebuild";
import { TerraformScenario } from "../helpers/fakeTools";
import { EXECUTION_ID, modelOf, runTerraformAction, sha256, targetOf, worldFor } from "../helpers/simulate";
import { proofConfig } from "../../tools/offline/program";

const FIX = path.join(__dirname, "..", "fixtures", "review");
const plan = (name: string): Record<string, unknown> =>
    JSON.parse(fs.readFileSync(path.join(FIX, `${name}.json`), "utf8"));
const model = modelOf(proofConfig());
const dev = targetOf(model, "dev");
const prod = targetOf(model, "prod");
const scenario = (name = "tf-create-workload", apply: TerraformScenario["apply"] = "ok"): TerraformScenario => ({
    planJson: plan(name),
    apply,
    applied: [],
});
const world = (t = dev, action = "apply") => {
    const w = worldFor(model, t);
    w.runVariables.TF_ACTION = action;
    return w;
};
const planRole = (account: string) => `arn:aws:iam::${account}:role/xacct-terraform-plan`;
const deployRole = (account: string) => `arn:aws:iam::${account}:role/xacct-terraform-deploy`;

/** What CodePipeline records for a plan action: the variables the build exported. */
function recordPlan(w: ReturnType<typeof world>, t: typeof dev, exported: Record<string, string>): void {
    w.actionExecutions.push({
        stageName: t.wave === "dev" ? "Plan-dev" : "Plan-prod",
        actionName: `Plan-${t.name}`,
        status: "Succeeded",
        lastUpdateTime: "2026-11-28T10:00:00Z",
        outputVariables: exported,
    });
}

describe("Terraform step script: plan", () => {
    it("plans as the target's read-only plan role, without the state lock, and exports the gate and the plan's SHA-256", async () => {
        const w = world(prod);
        const r = await runTerraformAction(model, prod, "plan", { world: w, tf: scenario() });
        expect(r.status, r.stderr).to.equal(0);
        const planFile = fs.readFileSync(path.join(r.source, ".plan", "tfplan"), "utf8");
        expect(r.exported).to.deep.include({ CHANGES: "yes", APPROVAL: "required", PLAN_SHA256: sha256(planFile) });
        expect(r.exported.SUMMARY).to.match(/^prod: \+\d+ ~\d+ -\d+ -\/\+\d+; risk: /);
        // Assumed exactly prod's plan role, with the one-hour session role chaining allows.
        const assumes = callsOf(r.calls, "aws").filter((c) => c.startsWith("sts assume-role"));
        expect(assumes).to.have.length(1);
        expect(assumes[0])
            .to.include(`--role-arn ${planRole(prod.accountId)}`)
            .and.include("--duration-seconds 3600");
        // Terraform ran with the target role's credentials, read-only lock, pinned lock file and state key.
        const tf = r.calls.filter((c) => c.tool === "terraform" && c.args[0] !== "version");
        expect(tf.map((c) => c.identity)).to.deep.equal(tf.map(() => planRole(prod.accountId)));
        const init = callsOf(r.calls, "terraform").find((c) => c.includes(" init "))!;
        expect(init)
            .to.include("-lockfile=readonly")
            .and.include(`-backend-config=key=xacct/${prod.accountId}/terraform.tfstate`)
            .and.include(`-backend-config=workspace_key_prefix=xacct/${prod.accountId}/workspaces`);
        const planCall = callsOf(r.calls, "terraform").find((c) => c.includes(" plan "))!;
        expect(planCall).to.include("-lock=false").and.not.include("-destroy");
        expect(planCall).to.include("-var-file=targets/prod.tfvars.json");
    });

    it("uploads the full report with the build's own role, under the target's prefix, for the approval's link", async () => {
        const w = world(prod);
        const r = await runTerraformAction(model, prod, "plan", { world: w, tf: scenario("tf-instance-replace") });
        expect(r.status, r.stderr).to.equal(0);
        const key = `s3://xacct-artifacts-111111111111-eu-west-1/reviews/xacct-terraform/prod/${EXECUTION_ID}/report.md`;
        expect(Object.keys(w.uploads)).to.deep.equal([key]);
        expect(w.uploads[key]).to.include("# Terraform plan: target prod").and.include("stateful-deletion");
        const upload = r.calls.find((c) => c.tool === "aws" && c.args[0] === "s3")!;
        expect(upload.identity).to.equal(`arn:aws:iam::111111111111:role/xacct-tf-plan-${prod.accountId}`);
    });

    it("plans a destroy with -destroy when the run's TF_ACTION, read from CodePipeline, is destroy", async () => {
        const r = await runTerraformAction(model, dev, "plan", {
            world: world(dev, "destroy"),
            tf: scenario("tf-destroy"),
        });
        expect(r.status, r.stderr).to.equal(0);
        expect(callsOf(r.calls, "terraform").find((c) => c.includes(" plan "))).to.include("-destroy");
        expect(callsOf(r.calls, "aws")).to.include(
            `codepipeline get-pipeline-execution --pipeline-name xacct-terraform --pipeline-execution-id ${EXECUTION_ID} --query pipelineExecution.variables[?name=='TF_ACTION'].resolvedValue | [0] --output text`,
        );
    });

    it("says there is nothing to approve or apply when the plan has no changes", async () => {
        const r = await runTerraformAction(model, prod, "plan", { world: world(prod), tf: scenario("tf-noop") });
        expect(r.status, r.stderr).to.equal(0);
        expect(r.exported).to.deep.include({ CHANGES: "no", APPROVAL: "not-required", RISK: "none" });
    });

    it("stops before any terraform call when the target role cannot be assumed, saying what to deploy", async () => {
        const w = world(prod);
        w.trusts[planRole(prod.accountId)] = [];
        const r = await runTerraformAction(model, prod, "plan", { world: w, tf: scenario() });
        expect(r.status).to.not.equal(0);
        expect(r.stderr)
            .to.include(`Cannot assume ${planRole(prod.accountId)}`)
            .and.include("pulumi up --stack target-prod");
        expect(callsOf(r.calls, "terraform").filter((c) => !c.startsWith("version"))).to.deep.equal([]);
    });
});

describe("Terraform step script: apply exactly the reviewed plan", () => {
    async function planned(t = prod, fixture = "tf-create-workload") {
        const w = world(t);
        const tf = scenario(fixture);
        const p = await runTerraformAction(model, t, "plan", { world: w, tf });
        expect(p.status, p.stderr).to.equal(0);
        recordPlan(w, t, p.exported);
        return { w, tf, planDir: path.join(p.source, ".plan"), exported: p.exported };
    }

    it("applies the plan artifact whose SHA-256 CodePipeline recorded, as the target's deploy role", async () => {
        const { w, tf, planDir } = await planned();
        const r = await runTerraformAction(model, prod, "apply", { world: w, tf, planDir });
        expect(r.status, r.stderr).to.equal(0);
        expect(tf.applied).to.deep.equal([fs.readFileSync(path.join(planDir, "tfplan"), "utf8")]);
        const apply = r.calls.find((c) => c.tool === "terraform" && c.args.includes("apply"))!;
        expect(apply.identity).to.equal(deployRole(prod.accountId));
        expect(apply.args.join(" ")).to.include(`${planDir}/tfplan`);
    });

    it("refuses a plan artifact that is not the reviewed plan, and applies nothing", async () => {
        const { w, tf, planDir } = await planned();
        fs.writeFileSync(
            path.join(planDir, "tfplan"),
            fs.readFileSync(path.join(planDir, "tfplan"), "utf8").replace("workload", "w0rkload"),
        );
        const r = await runTerraformAction(model, prod, "apply", { world: w, tf, planDir });
        expect(r.status).to.not.equal(0);
        expect(r.stderr).to.include("is not the plan that was reviewed").and.include("not applying");
        expect(tf.applied).to.deep.equal([]);
        expect(r.calls.filter((c) => c.tool === "aws" && c.args[1] === "assume-role")).to.deep.equal([]);
    });

    it("refuses when CodePipeline holds no SHA-256 for this run's plan (e.g. a plan from another run)", async () => {
        const { w, tf, planDir } = await planned();
        w.actionExecutions = [];
        const r = await runTerraformAction(model, prod, "apply", { world: w, tf, planDir });
        expect(r.status).to.not.equal(0);
        expect(r.stderr).to.include("CodePipeline holds no SHA-256 for Plan-prod/Plan-prod");
        expect(tf.applied).to.deep.equal([]);
    });

    it("takes the latest successful plan of the action when the stage was retried", async () => {
        const { w, tf, planDir, exported } = await planned();
        w.actionExecutions.unshift({
            ...w.actionExecutions[0],
            lastUpdateTime: "2026-11-28T09:00:00Z",
            outputVariables: { ...exported, PLAN_SHA256: "0".repeat(64) },
        });
        w.actionExecutions.push({
            ...w.actionExecutions[0],
            status: "Failed",
            lastUpdateTime: "2026-11-28T11:00:00Z",
            outputVariables: {},
        });
        const r = await runTerraformAction(model, prod, "apply", { world: w, tf, planDir });
        expect(r.status, r.stderr).to.equal(0);
        expect(tf.applied).to.have.length(1);
    });

    it("fails cleanly on a stale plan: nothing is re-planned, and the message says to run again", async () => {
        const { w, planDir } = await planned();
        const tf = scenario("tf-create-workload", "stale");
        const r = await runTerraformAction(model, prod, "apply", { world: w, tf, planDir });
        expect(r.status).to.not.equal(0);
        expect(r.stderr).to.include("The plan is stale").and.include("run the pipeline again");
        expect(callsOf(r.calls, "terraform").filter((c) => c.includes(" plan "))).to.deep.equal([]);
    });

    it("applies nothing when the reviewed plan has no changes", async () => {
        const { w, tf, planDir } = await planned(prod, "tf-noop");
        const r = await runTerraformAction(model, prod, "apply", { world: w, tf, planDir });
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout).to.include("has no changes: nothing to apply");
        expect(tf.applied).to.deep.equal([]);
    });
});

describe("Terraform step script: drift", () => {
    it("reports nothing when the target matches its code, and never applies", async () => {
        const w = world(dev);
        const tf = scenario("tf-noop");
        const r = await runTerraformAction(model, dev, "drift", { world: w, tf });
        expect(r.status, r.stderr).to.equal(0);
        expect(w.messages).to.deep.equal([]);
        const planCall = callsOf(r.calls, "terraform").find((c) => c.includes(" plan "))!;
        expect(planCall).to.include("-detailed-exitcode").and.include("-lock=false");
        expect(tf.applied).to.deep.equal([]);
    });

    it("publishes a drifted target's summary to the notification topic, with the plan role only", async () => {
        const w = world(dev);
        const tf = scenario("tf-instance-replace");
        const r = await runTerraformAction(model, dev, "drift", { world: w, tf });
        expect(r.status, r.stderr).to.equal(0);
        expect(w.messages).to.have.length(1);
        expect(w.messages[0].topic).to.equal("arn:aws:sns:eu-west-1:111111111111:xacct-pipeline-notifications");
        expect(w.messages[0].subject).to.equal("Drift in target dev");
        expect(w.messages[0].message)
            .to.include("dev: ")
            .and.include("Report: https://console.aws.amazon.com/s3/object/");
        const assumed = callsOf(r.calls, "aws").filter((c) => c.startsWith("sts assume-role"));
        expect(assumed).to.have.length(1);
        expect(assumed[0]).to.include(planRole(dev.accountId));
        expect(tf.applied).to.deep.equal([]);
    });
});

describe("Terraform step script: the build that the source archive cannot rewrite", () => {
    for (const file of [
        ".pipeline/tf-step.sh",
        ".pipeline/common.sh",
        ".pipeline/classify.js",
        "terraform/.terraform.lock.hcl",
        ".pipeline/terraformrc",
    ]) {
        it(`stops before anything runs when the uploaded archive changes ${file}`, async () => {
            const w = world(dev);
            const tf = scenario();
            const files = {
                ...model.sourceFiles,
                [file]: `${model.sourceFiles[file]}\n# changed by whoever uploaded the archive\n`,
            };
            const { sourceDir } = await import("../helpers/codebuild");
            const r = await runTerraformAction(model, dev, "plan", { world: w, tf, source: sourceDir(files) });
            expect(r.status).to.not.equal(0);
            expect(r.stderr).to.include("are not the ones this pipeline pins");
            expect(r.calls).to.deep.equal([]);
        });
    }

    it("installs only the pinned Terraform release: a download with another SHA-256 stops the build", async () => {
        const project = model.projects.find((p) => p.name === "xacct-tf-plan-dev")!;
        expect(project.environment.TF_VERSION).to.equal("1.11.4");
        const r = await runTerraformAction(model, dev, "plan", {
            world: world(dev),
            tf: scenario(),
            extraTools: {
                curl: (call) => (
                    fs.writeFileSync(call.args[call.args.indexOf("-o") + 1], "tampered"),
                    { code: 0, stdout: "", stderr: "" }
                ),
            },
        });
        expect(r.status).to.not.equal(0);
        expect(r.stderr).to.include("does not match its pinned SHA-256");
        expect(callsOf(r.calls, "terraform")).to.deep.equal([]);
    });
});
