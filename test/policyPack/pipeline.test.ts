// Pipeline rules (policypack/pipeline.ts) on doctored copies of the program's pipelines.
import { expect } from "chai";
import { action, actions, check, mutate, phys, programStacks, Res, T, UNKNOWN, VIEWS } from "./helpers";

describe("policy pack: pipelines", function () {
    let cicd: Res[];
    let fleet: Res[];
    before(async function () {
        this.timeout(120_000);
        ({ cicd, fleet } = await programStacks());
    });
    const pipeline = (resources: Res[], name: string): Record<string, any> =>
        resources.find((r) => r.type === T.pipeline && r.inputs.name === name)!.inputs;

    describe("codepipeline-v2", function () {
        it("reports V1 and an unset pipelineType (V1 by default); skips an unknown one", async function () {
            const v1 = mutate(cicd, T.pipeline, phys("xacct-terraform"), (i) => ({ ...i, pipelineType: "V1" }));
            expect(await check("codepipeline-v2", v1)).to.deep.equal([
                "Pipeline xacct-terraform has pipelineType V1; it must be V2",
            ]);
            const unset = mutate(cicd, T.pipeline, phys("xacct-cloudformation"), (i) => {
                delete i.pipelineType;
            });
            expect(await check("codepipeline-v2", unset)).to.deep.equal([
                "Pipeline xacct-cloudformation has pipelineType unset (V1); it must be V2",
            ]);
            const unknown = mutate(cicd, T.pipeline, phys("xacct-terraform"), (i) => ({ ...i, pipelineType: UNKNOWN }));
            expect(await check("codepipeline-v2", unknown)).to.deep.equal([]);
        });
    });

    describe("codepipeline-no-variables-in-shell", function () {
        const rule = "codepipeline-no-variables-in-shell";
        const advice = "Use it in a stage condition or an approval, or let the build read it as data";

        it("passes the program, which uses variables only in stage conditions and approvals", async function () {
            const cfn = pipeline(fleet, "xacct-cloudformation");
            const text = JSON.stringify(cfn.stages);
            expect(text).to.contain('"Variable":"#{variables.BUILD_ACTION}"');
            expect(text).to.contain('"Variable":"#{review-prod.APPROVAL}"');
            expect(action(cfn, "Approve-prod", "Approve").configuration.CustomData).to.equal(
                "Wave prod: #{review-prod.SUMMARY}",
            );
            expect(action(cfn, "Plan-prod", "Plan-prod-a").commands.join("\n")).to.contain(
                "=#{codepipeline.PipelineExecutionId}",
            );
            const tf = pipeline(fleet, "xacct-terraform");
            expect(action(tf, "Plan-dev", "Plan-dev").configuration.EnvironmentVariables).to.contain(
                "#{codepipeline.PipelineExecutionId}",
            );
            for (const view of ["mocks", "preview"] as const)
                expect(await check(rule, fleet, { view }), view).to.deep.equal([]);
        });

        it("reports a pipeline variable in a CodeBuild action's EnvironmentVariables", async function () {
            const doctored = mutate(cicd, T.pipeline, phys("xacct-terraform"), (i) => {
                const a = action(i, "Plan", "Plan");
                const vars = JSON.parse(a.configuration.EnvironmentVariables);
                vars.push({ name: "TF_ACTION", value: "#{variables.TF_ACTION}", type: "PLAINTEXT" });
                a.configuration.EnvironmentVariables = JSON.stringify(vars);
            });
            expect(await check(rule, doctored)).to.deep.equal([
                "Pipeline xacct-terraform, stage Plan, action Plan (CodeBuild): EnvironmentVariables references #{variables.TF_ACTION}, " +
                    `a pipeline variable, which whoever starts a run can set; its value would be parsed as JSON. ${advice}`,
            ]);
        });

        it("reports a pipeline variable or another action's output variable in a Commands action's commands", async function () {
            const doctored = mutate(fleet, T.pipeline, phys("xacct-cloudformation"), (i) => {
                action(i, "Plan-dev", "Plan-dev").commands.splice(2, 0, 'export ACTION="#{variables.BUILD_ACTION}"');
                action(i, "Apply-prod", "Apply-prod-a").commands.push("test #{ plan-prod-a.PLAN_SHA256 } = x");
            });
            expect(await check(rule, doctored)).to.deep.equal([
                "Pipeline xacct-cloudformation, stage Plan-dev, action Plan-dev (Commands): command 3 references #{variables.BUILD_ACTION}, " +
                    `a pipeline variable, which whoever starts a run can set; its value would be parsed as shell. ${advice}`,
                "Pipeline xacct-cloudformation, stage Apply-prod, action Apply-prod-a (Commands): command 5 references #{ plan-prod-a.PLAN_SHA256 }, " +
                    "an output variable of the action with namespace plan-prod-a, which that action computes from what it read; " +
                    `its value would be parsed as shell. ${advice}`,
            ]);
        });

        it("skips unknown commands and an unknown EnvironmentVariables", async function () {
            const doctored = mutate(fleet, T.pipeline, phys("xacct-cloudformation"), (i) => {
                action(i, "Plan-dev", "Plan-dev").commands.push(UNKNOWN);
                action(i, "Plan-prod", "Review").commands = UNKNOWN;
            });
            const tf = mutate(doctored, T.pipeline, phys("xacct-terraform"), (i) => {
                action(i, "Plan-dev", "Plan-dev").configuration.EnvironmentVariables = UNKNOWN;
            });
            expect(await check(rule, tf, { view: "preview" })).to.deep.equal([]);
        });
    });

    describe("codepipeline-timeout-only-on-approvals", function () {
        const rule = "codepipeline-timeout-only-on-approvals";
        it("passes the program (no action sets one) and an approval with a timeout", async function () {
            expect(actions(pipeline(fleet, "xacct-cloudformation")).some((a: any) => "timeoutInMinutes" in a)).to.equal(
                false,
            );
            const approval = mutate(fleet, T.pipeline, phys("xacct-terraform"), (i) => {
                action(i, "Approve-prod", "Approve").timeoutInMinutes = 1440;
            });
            for (const view of ["mocks", "preview"] as const)
                expect(await check(rule, approval, { view }), view).to.deep.equal([]);
        });
        it("reports a timeout on a CodeBuild or Commands action", async function () {
            const doctored = mutate(fleet, T.pipeline, phys("xacct-cloudformation"), (i) => {
                action(i, "Apply-prod", "Apply-prod-b").timeoutInMinutes = 60;
            });
            expect(await check(rule, doctored)).to.deep.equal([
                "Pipeline xacct-cloudformation, stage Apply-prod, action Apply-prod-b (Compute/Commands) sets timeoutInMinutes 60; " +
                    "only a manual approval (Approval/Manual) may have one",
            ]);
            const build = mutate(cicd, T.pipeline, phys("xacct-terraform"), (i) => {
                action(i, "Apply", "Apply").timeoutInMinutes = 30;
            });
            expect((await check(rule, build))[0]).to.match(
                /action Apply \(Build\/CodeBuild\) sets timeoutInMinutes 30/,
            );
        });
        it("reports an approval timeout out of the API's range, and skips unknowns", async function () {
            const short = mutate(cicd, T.pipeline, phys("xacct-terraform"), (i) => {
                action(i, "ApproveDestroy", "ApproveDestroy").timeoutInMinutes = 2;
            });
            expect(await check(rule, short)).to.deep.equal([
                "Pipeline xacct-terraform, stage ApproveDestroy, action ApproveDestroy sets timeoutInMinutes 2; " +
                    "an approval's must be from 5 to 86400 minutes",
            ]);
            const unknown = mutate(cicd, T.pipeline, phys("xacct-terraform"), (i) => {
                action(i, "Apply", "Apply").timeoutInMinutes = UNKNOWN;
                action(i, "Plan", "Plan").category = UNKNOWN;
                action(i, "Plan", "Plan").timeoutInMinutes = 30;
            });
            for (const view of VIEWS.filter((v) => v !== "aws"))
                expect(await check(rule, unknown, { view }), view).to.deep.equal([]);
        });
    });
});
