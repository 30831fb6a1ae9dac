/**
 * ATTACK: someone who may start a pipeline run sets a pipeline variable to a value that closes a
 * quote, or adds a JSON entry. CodePipeline accepts any value up to 1,000 characters (pattern `.*`)
 * and pastes it into the action's configuration as text before the action runs.
 *
 * Before: the Commands action's text and the CodeBuild action's EnvironmentVariables JSON held
 * #{variables.…}: the payload ran as shell, or became another environment entry.
 * Now: no pipeline variable appears in any command or EnvironmentVariables; the run's action is read
 * as data from CodePipeline and compared with a fixed list.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { manyTargets, proofConfig } from "../../tools/offline/program";
import { runCommandsLikeCodeBuild } from "../helpers/codebuild";
import { fakeAws, newWorld } from "../helpers/fakeAws";
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
import { cloudFormationCommands } from "./legacy/cloudFormationCommands";

const marker = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "xacct-pwn-")), "pwned");
/** The attacker's values, each meant to run `touch <marker>` or to add an environment entry. */
const payloads = (m: string): Record<string, string> => ({
    "quote break": `x"; touch ${m}; #`,
    "command substitution": `$(touch ${m})`,
    backticks: `\`touch ${m}\``,
    newline: `deploy\ntouch ${m}`,
    "JSON entry": `apply","type":"PLAINTEXT"},{"name":"BASH_ENV","value":"${m}","type":"PLAINTEXT"},{"name":"X","value":"`,
});

describe("ATTACK: a pipeline variable's value pasted into shell or JSON", () => {
    describe("against the code before the fix (test/attacks/legacy)", () => {
        it("a BUILD_STACK_NAME value that closes the quote ran the attacker's command in dev's stage", async () => {
            const m = marker();
            const commands = cloudFormationCommands({
                suffix: "_DEV",
                targetAccountId: "222222222222",
                parametersFile: "p.json",
                templateFile: "t.yaml",
            }).map((c) =>
                c.replace(/#\{variables\.([A-Z_]+)\}/g, (_, name: string) =>
                    name === "BUILD_STACK_NAME_DEV"
                        ? payloads(m)["quote break"]
                        : name === "BUILD_ACTION"
                          ? "deploy"
                          : "arn:aws:iam::222222222222:role/x",
                ),
            );
            const w = newWorld("222222222222");
            await runCommandsLikeCodeBuild(commands.slice(0, 2), {
                cwd: os.tmpdir(),
                env: {},
                tools: { aws: fakeAws(w) },
                exported: [],
                shell: "sh",
            });
            expect(fs.existsSync(m)).to.equal(true);
        });

        it("a TF_ACTION value added a BASH_ENV entry to the CodeBuild action's EnvironmentVariables", () => {
            // The JSON the old stack wrote for every Terraform stage (stacks/cicd.ts at 46b8648).
            const legacy = JSON.stringify([{ name: "TF_ACTION", value: "#{variables.TF_ACTION}", type: "PLAINTEXT" }]);
            const resolved = legacy.replace("#{variables.TF_ACTION}", payloads("/tmp/evil")["JSON entry"]);
            const names = (JSON.parse(resolved) as { name: string }[]).map((e) => e.name);
            expect(names).to.include("BASH_ENV");
        });
    });

    describe("against the program now", () => {
        const model = modelOf(proofConfig());
        const everyAction = model.pipelines.flatMap((p) =>
            p.stages.flatMap((s) => s.actions.map((a) => ({ p, s, a }))),
        );

        it("no command of any Commands action, and no CodeBuild EnvironmentVariables, names a variable someone can set", () => {
            expect(everyAction.length).to.be.greaterThan(10);
            for (const { p, s, a } of everyAction) {
                const texts = [...(a.commands ?? []), a.configuration?.EnvironmentVariables ?? ""];
                for (const t of texts) {
                    const refs = [...t.matchAll(/#\{([^.}]+)\./g)].map((x) => x[1]);
                    expect(
                        refs.filter((ns) => ns !== "codepipeline"),
                        `${p.name}/${s.name}/${a.name}: ${t}`,
                    ).to.deep.equal([]);
                }
            }
        });

        it("writes each target's identity into its own actions as literals", () => {
            const prod = targetOf(model, "prod");
            const plan = actionOf(stageOf(pipelineOf(model, "xacct-cloudformation"), "Plan-prod"), "Plan-prod");
            const text = plan.commands!.join("\n");
            expect(text)
                .to.include(`TARGET_ROLE_ARN='arn:aws:iam::${prod.accountId}:role/xacct-cloudformation-plan'`)
                .and.include(`STACK_NAME='${prod.cfnStackName}'`)
                .and.include(`CFN_ROLE_ARN='arn:aws:iam::${prod.accountId}:role/xacct-cloudformation-execution'`);
            const project = model.projects.find((x) => x.name === "xacct-tf-apply-prod")!;
            expect(project.environment).to.deep.include({
                TARGET_ROLE_ARN: `arn:aws:iam::${prod.accountId}:role/xacct-terraform-deploy`,
                TFSTATE_KEY: prod.stateKey,
            });
        });

        for (const [name, value] of Object.entries(payloads("/tmp/xacct-never"))) {
            it(`a BUILD_ACTION of "${name}" reaches no shell: the plan refuses it cleanly and changes nothing`, async () => {
                const m = marker();
                const prod = targetOf(model, "prod");
                const w = worldFor(model, prod);
                w.runVariables.BUILD_ACTION = payloads(m)[name];
                const plan = actionOf(stageOf(pipelineOf(model, "xacct-cloudformation"), "Plan-prod"), "Plan-prod");
                const r = await runCommandsAction(model, plan, { world: w });
                expect(r.status).to.not.equal(0);
                expect(r.stderr).to.include(
                    "BUILD_ACTION must be one of deploy, create-stack, update-stack, delete-stack; got '",
                );
                expect(fs.existsSync(m)).to.equal(false);
                expect(w.stack.changeSets).to.deep.equal([]);
                expect(r.calls.filter((c) => c.args[0] === "sts")).to.deep.equal([]);
                expect(value).to.be.a("string");
            });

            it(`a TF_ACTION of "${name}" reaches no shell and no environment: the plan refuses it cleanly`, async () => {
                const m = marker();
                const dev = targetOf(model, "dev");
                const w = worldFor(model, dev);
                w.runVariables.TF_ACTION = payloads(m)[name];
                const tf: TerraformScenario = { planJson: {}, apply: "ok", applied: [] };
                const r = await runTerraformAction(model, dev, "plan", { world: w, tf });
                expect(r.status).to.not.equal(0);
                expect(r.stderr).to.include("TF_ACTION must be apply or destroy; got '");
                expect(fs.existsSync(m)).to.equal(false);
                expect(r.env.BASH_ENV).to.equal(undefined);
                expect(r.calls.filter((c) => c.tool === "terraform" && c.args.includes("plan"))).to.deep.equal([]);
            });
        }

        it("declares exactly one pipeline variable per pipeline, whatever the number of targets", () => {
            for (const n of [1, 17, 50]) {
                const m = modelOf(manyTargets(n, [], {}, 25));
                for (const p of m.pipelines) expect(p.variables.length, `${p.name} at ${n} targets`).to.be.at.most(1);
            }
        });
    });
});
