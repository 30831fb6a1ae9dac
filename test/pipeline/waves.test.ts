/**
 * A wave end to end, offline: the real plan actions of its targets, the real Review action that sums
 * them up, the stage entry conditions as CodePipeline evaluates them (all rules must pass, else SKIP),
 * the approval's CustomData as CodePipeline resolves it, and the applies. No human where nothing can
 * go wrong; a human, with the evidence, where something can.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { StageSpec } from "../../methods/types";
import { reviewNamespace } from "../../names";
import { manyTargets } from "../../tools/offline/program";
import { World } from "../helpers/fakeAws";
import { TerraformScenario } from "../helpers/fakeTools";
import {
    actionOf,
    modelOf,
    pipelineOf,
    runCommandsAction,
    runTerraformAction,
    stageOf,
    targetOf,
    worldFor,
} from "../helpers/simulate";

const FIX = path.join(__dirname, "..", "fixtures", "review");
const planJson = (name: string) =>
    JSON.parse(fs.readFileSync(path.join(FIX, `${name}.json`), "utf8")) as Record<string, unknown>;

/** CodePipeline's VariableCheck: every rule must pass to enter; otherwise the condition's result (SKIP). */
function entered(stage: StageSpec, outputs: Record<string, Record<string, string>>): boolean {
    const rules = stage.beforeEntry?.condition.rules ?? [];
    return rules.every((rule) => {
        const m = /^#\{([^.]+)\.([^}]+)\}$/.exec(rule.configuration.Variable);
        if (m === null) throw new Error(`unexpected Variable ${rule.configuration.Variable}`);
        const value = outputs[m[1]]?.[m[2]];
        if (rule.configuration.Operator !== "EQ") throw new Error("only EQ is used");
        return value === rule.configuration.Value;
    });
}
const resolveOutputs = (text: string, outputs: Record<string, Record<string, string>>): string =>
    text.replace(/#\{([^.}]+)\.([^}]+)\}/g, (whole, ns: string, v: string) =>
        ns === "codepipeline" ? "8c1f3a2e-0000-4000-8000-000000000001" : (outputs[ns]?.[v] ?? whole),
    );

/** Two targets in one wave "w1" that asks for approval (t2 requires it), both methods off but Terraform. */
const model = (policy: "changes" | "risk" = "changes") =>
    modelOf(
        manyTargets(
            2,
            [2],
            {
                "cross-account-pipeline:methods": "terraform",
                "cross-account-pipeline:approvalPolicy": policy,
            },
            2,
        ),
    );

async function runWave(policy: "changes" | "risk", plans: Record<string, string>) {
    const m = model(policy);
    const pipeline = pipelineOf(m, "xacct-terraform");
    const planStage = stageOf(pipeline, "Plan-w1");
    const outputs: Record<string, Record<string, string>> = {};
    const review: World = worldFor(m, targetOf(m, "t1"));
    review.runVariables.TF_ACTION = "apply";
    for (const [name, fixture] of Object.entries(plans)) {
        const t = targetOf(m, name);
        const w = worldFor(m, t);
        w.runVariables.TF_ACTION = "apply";
        const tf: TerraformScenario = { planJson: planJson(fixture), apply: "ok", applied: [] };
        const r = await runTerraformAction(m, t, "plan", { world: w, tf });
        expect(r.status, r.stderr).to.equal(0);
        outputs[`plan-${name}`] = r.exported;
        review.actionExecutions.push({
            stageName: "Plan-w1",
            actionName: `Plan-${name}`,
            status: "Succeeded",
            lastUpdateTime: "2026-11-28T10:00:00Z",
            outputVariables: r.exported,
        });
    }
    const reviewAction = actionOf(planStage, "Review");
    const r = await runCommandsAction(m, reviewAction, { world: review });
    expect(r.status, r.stderr).to.equal(0);
    outputs[reviewNamespace({ name: "w1" })] = r.exported;
    const approve = stageOf(pipeline, "Approve-w1");
    const apply = stageOf(pipeline, "Apply-w1");
    return {
        model: m,
        review: r,
        reviewWorld: review,
        approves: entered(approve, outputs),
        applies: entered(apply, outputs),
        customData: resolveOutputs(approve.actions[0].configuration!.CustomData, outputs),
        link: resolveOutputs(approve.actions[0].configuration!.ExternalEntityLink, outputs),
    };
}

describe("a wave: plans, review, approval, applies", () => {
    it("lays the wave out as Plan (plans, then Review), Approve (a skippable approval), Apply", () => {
        const pipeline = pipelineOf(model(), "xacct-terraform");
        const plan = stageOf(pipeline, "Plan-w1");
        expect(plan.actions.map((a) => [a.name, a.runOrder])).to.deep.equal([
            ["Plan-t1", 1],
            ["Plan-t2", 1],
            ["Review", 2],
        ]);
        expect(stageOf(pipeline, "Approve-w1").beforeEntry?.condition).to.deep.include({ result: "SKIP" });
        expect(stageOf(pipeline, "Apply-w1").actions.map((a) => [a.name, a.runOrder])).to.deep.equal([
            ["Apply-t1", 1],
            ["Apply-t2", 1],
        ]);
    });

    it("asks a human when a target that requires approval has changes, with the evidence in the approval", async () => {
        const w = await runWave("changes", { t1: "tf-noop", t2: "tf-instance-replace" });
        expect(w.approves).to.equal(true);
        expect(w.applies).to.equal(true);
        expect(w.customData).to.match(
            /^Wave w1: 1 of 2 targets change; t2: \+\d+ ~\d+ -\d+ -\/\+1; risk: stateful-deletion/,
        );
        expect(w.customData.length).to.be.at.most(1000);
        const key = "reviews/xacct-terraform/_waves/w1/8c1f3a2e-0000-4000-8000-000000000001/report.md";
        expect(w.link).to.equal(
            `https://console.aws.amazon.com/s3/object/xacct-artifacts-111111111111-eu-west-1?region=eu-west-1&prefix=${key}`,
        );
        const report = w.reviewWorld.uploads[`s3://xacct-artifacts-111111111111-eu-west-1/${key}`];
        expect(report).to.include("| [t2](https://console.aws.amazon.com/s3/object/").and.include("| yes | required |");
    });

    it("skips the approval and the applies when no plan of the wave has changes, and the review says so", async () => {
        const w = await runWave("changes", { t1: "tf-noop", t2: "tf-noop" });
        expect(w.approves).to.equal(false);
        expect(w.applies).to.equal(false);
        expect(w.review.exported).to.deep.include({ CHANGES: "no", APPROVAL: "not-required" });
        expect(w.review.exported.SUMMARY).to.equal("0 of 2 targets change");
    });

    it("with approvalPolicy risk, applies a change without a human when no risk class fires", async () => {
        const w = await runWave("risk", { t1: "tf-noop", t2: "tf-policy-narrowing" });
        expect(w.approves).to.equal(false);
        expect(w.applies).to.equal(true);
    });

    it("with approvalPolicy risk, still asks a human for a permissions broadening", async () => {
        const w = await runWave("risk", { t1: "tf-noop", t2: "tf-policy-broadening" });
        expect(w.approves).to.equal(true);
        expect(w.customData).to.include("permissions-broadening");
    });

    it("gates a wave of one target on its own plan's variables (no Review action)", () => {
        const m = modelOf(manyTargets(2, [2], { "cross-account-pipeline:methods": "terraform" }));
        const pipeline = pipelineOf(m, "xacct-terraform");
        expect(stageOf(pipeline, "Plan-t2").actions.map((a) => a.name)).to.deep.equal(["Plan-t2"]);
        expect(stageOf(pipeline, "Approve-t2").beforeEntry?.condition.rules[0].configuration).to.deep.equal({
            Variable: "#{plan-t2.APPROVAL}",
            Value: "required",
            Operator: "EQ",
        });
        // A wave without an approval has no Approve stage, and its applies end at once on an empty plan.
        expect(pipeline.stages.map((s) => s.name)).to.deep.equal([
            "Source",
            "ApproveDestroy",
            "Plan-t1",
            "Apply-t1",
            "Plan-t2",
            "Approve-t2",
            "Apply-t2",
        ]);
    });
});
