// Runs the pipeline's real step scripts offline, action by action, the way CodePipeline and CodeBuild
// would: the action's configuration comes from the cicd model (what the stack declares), CodePipeline's
// variables are substituted into it, the project's environment and inline buildspec run under the
// recording stand-ins, and the world's trust comes from the target roles' real trust policies.
import { createHash } from "crypto";
import { CicdConfig, parseCicdConfig, TargetConfig, Wave } from "../../config";
import { METHODS } from "../../methods";
import { ActionSpec, PipelineSpec, ProjectSpec, StageSpec } from "../../methods/types";
import { targetNames, waveStages } from "../../names";
import { buildCicdModel, CicdModel } from "../../stacks/cicdModel";
import { targetContext } from "../../stacks/target";
import { CICD_ACCOUNT, readerOf } from "../../tools/offline/program";
import { BuildRun, runBuildspec, runCommandsLikeCodeBuild, sourceDir } from "./codebuild";
import { fakeAws, newWorld, World } from "./fakeAws";
import { FAKE_ZIP_SHA256, fakeCurl, fakeTerraform, fakeUnzip, TerraformScenario } from "./fakeTools";
import { Handler } from "./pipelineStub";

export const EXECUTION_ID = "8c1f3a2e-0000-4000-8000-000000000001";
export const CALLER = `arn:aws:sts::${CICD_ACCOUNT}:assumed-role/deployer/session`;

export function modelOf(values: Record<string, string>, overrides: Partial<CicdConfig> = {}): CicdModel {
    const config = { ...parseCicdConfig(readerOf(values)), ...overrides };
    return buildCicdModel({ config, partition: "aws", accountId: CICD_ACCOUNT, callerArn: CALLER });
}

export const targetOf = (model: CicdModel, name: string): TargetConfig => {
    const t = model.config.targets.find((x) => x.name === name);
    if (t === undefined) throw new Error(`no target ${name}`);
    return t;
};
export const waveOf = (model: CicdModel, t: TargetConfig): Wave => model.config.waves.find((w) => w.name === t.wave)!;

export const pipelineOf = (model: CicdModel, name: string): PipelineSpec => {
    const p = model.pipelines.find((x) => x.name === name);
    if (p === undefined) throw new Error(`no pipeline ${name}`);
    return p;
};
export const stageOf = (p: PipelineSpec, name: string): StageSpec => {
    const s = p.stages.find((x) => x.name === name);
    if (s === undefined) throw new Error(`no stage ${name} in ${p.name}: ${p.stages.map((x) => x.name).join(", ")}`);
    return s;
};
export const actionOf = (s: StageSpec, name: string): ActionSpec => {
    const a = s.actions.find((x) => x.name === name);
    if (a === undefined) throw new Error(`no action ${name} in ${s.name}`);
    return a;
};

/**
 * What CodePipeline does to an action's configuration before the action runs: it resolves
 * `#{codepipeline.PipelineExecutionId}` and `#{variables.NAME}` (the run's pipeline variables) in
 * place, as text. Any other reference is an error here: the tests must account for each.
 */
export function resolveVariables(text: string, runVariables: Record<string, string>): string {
    return text.replace(/#\{([A-Za-z0-9@_-]+)\.([A-Za-z0-9@_-]+)\}/g, (whole, ns: string, name: string) => {
        if (ns === "codepipeline" && name === "PipelineExecutionId") return EXECUTION_ID;
        if (ns === "variables" && name in runVariables) return runVariables[name];
        throw new Error(`unresolved ${whole}`);
    });
}

/** A world whose trusts are the target roles' real trust policies, for every target of the model. */
export function worldFor(model: CicdModel, target: TargetConfig): World {
    const world: World = {
        ...newWorld(target.accountId),
        trusts: {},
    };
    const ctx = targetContext(model.contract, model.contract.targets[target.name]);
    for (const method of model.config.methods) {
        for (const role of METHODS[method].targetRoles(ctx)) {
            const statements = role.trust.Statement as {
                Condition?: { ArnEquals?: Record<string, string | string[]> };
            }[];
            const pinned = statements.flatMap((s) => {
                const v = s.Condition?.ArnEquals?.["aws:PrincipalArn"];
                return v === undefined ? [] : Array.isArray(v) ? v : [v];
            });
            world.trusts[`arn:aws:iam::${target.accountId}:role/${role.name}`] = pinned;
        }
    }
    world.amiParameter[model.config.amiParameter] = "ami-0123456789abcdef0";
    return world;
}

export interface StepRun extends BuildRun {
    readonly source: string;
}

/** Runs one Terraform CodeBuild action (plan, apply or drift) of a target, through its real project. */
export async function runTerraformAction(
    model: CicdModel,
    target: TargetConfig,
    step: "plan" | "apply" | "drift",
    a: { world: World; tf: TerraformScenario; source?: string; planDir?: string; extraTools?: Record<string, Handler> },
): Promise<StepRun> {
    const n = targetNames(model.config, "terraform", target);
    const project: ProjectSpec = model.projects.find(
        (p) => p.name === (step === "apply" ? n.applyProject : n.planProject),
    )!;
    const m = model.names.terraform;
    const pipeline = pipelineOf(model, step === "drift" ? m.driftPipeline : m.pipeline);
    const stages = waveStages(waveOf(model, target));
    const stage = stageOf(pipeline, step === "plan" ? stages.plan : step === "apply" ? stages.apply : stages.drift);
    const action = actionOf(stage, step === "plan" ? n.planAction : step === "apply" ? n.applyAction : n.driftAction);
    const envJson = resolveVariables(action.configuration!.EnvironmentVariables, a.world.runVariables);
    const actionEnv = Object.fromEntries(
        (JSON.parse(envJson) as { name: string; value: string }[]).map((e) => [e.name, e.value]),
    );
    const source = a.source ?? sourceDir(model.sourceFiles);
    const r = await runBuildspec(project.buildspec, {
        cwd: source,
        env: { ...project.environment, ...actionEnv, TF_SHA256: FAKE_ZIP_SHA256 },
        inputs: a.planDir !== undefined ? { [n.planArtifact]: a.planDir } : {},
        tools: {
            aws: fakeAws(a.world),
            terraform: fakeTerraform(a.tf),
            curl: fakeCurl,
            unzip: fakeUnzip,
            ...a.extraTools,
        },
        identity: project.role.name === undefined ? "build" : `arn:aws:iam::${CICD_ACCOUNT}:role/${project.role.name}`,
    });
    return { ...r, source };
}

/** Runs one Commands action of the cloudformation pipeline (plan, apply, drift) or a wave's Review. */
export async function runCommandsAction(
    model: CicdModel,
    action: ActionSpec,
    a: { world: World; source?: string; extraTools?: Record<string, Handler> },
): Promise<StepRun> {
    const source = a.source ?? sourceDir(model.sourceFiles);
    const commands = (action.commands ?? []).map((c) => resolveVariables(c, a.world.runVariables));
    const r = await runCommandsLikeCodeBuild(commands, {
        cwd: source,
        env: {},
        tools: { aws: fakeAws(a.world), ...a.extraTools },
        exported: action.outputVariables ?? [],
        shell: "sh",
        identity: action.roleArn ?? "pipeline",
    });
    return { ...r, source };
}

export const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");
