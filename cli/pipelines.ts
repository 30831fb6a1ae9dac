// Starting the pipelines and following their runs: each stage as it passes, and each manual approval
// the run waits at (the teardown's ApproveDestroy, a wave's Approve-<wave>), with its summary.
import {
    CodePipelineClient,
    GetPipelineExecutionCommand,
    GetPipelineStateCommand,
    GetPipelineStateCommandOutput,
    paginateListActionExecutions,
    PutApprovalResultCommand,
    StartPipelineExecutionCommand,
} from "@aws-sdk/client-codepipeline";
import { messageOf } from "./errors";
import type { Deps } from "./ports";
import type { Reporter } from "./reporter";

export type Purpose = "deploy" | "destroy";
export type Method = "terraform" | "cloudformation";

/** The deployment pipelines the cicd stack has, from its outputs. */
export function deploymentPipelines(outputs: Readonly<Record<string, unknown>>): { method: Method; name: string }[] {
    const name = (...keys: string[]): string | undefined => {
        for (const k of keys) if (typeof outputs[k] === "string" && outputs[k] !== "") return outputs[k];
        return undefined;
    };
    const out: { method: Method; name: string }[] = [];
    const tf = name("terraformPipelineName");
    // cloudformationPipelineName is the deprecated alias (version 1's name), kept for one release.
    const cfn = name("cloudFormationPipelineName", "cloudformationPipelineName");
    if (tf !== undefined) out.push({ method: "terraform", name: tf });
    if (cfn !== undefined) out.push({ method: "cloudformation", name: cfn });
    return out;
}

/** A destroy run: the variable each method's pipeline reads. */
export const DESTROY_VARIABLE: Record<Method, { name: string; value: string }> = {
    terraform: { name: "TF_ACTION", value: "destroy" },
    cloudformation: { name: "BUILD_ACTION", value: "delete-stack" },
};

const FINAL = ["Succeeded", "Failed", "Stopped", "Superseded", "Cancelled"];
export const DESTROY_GUARD = "ApproveDestroy";

export interface RunContext {
    readonly deps: Deps;
    readonly rep: Reporter;
    readonly profile: string;
    readonly region: string;
    /** -y, or no terminal: never approves, only says how. */
    readonly yes: boolean;
    readonly pollSeconds: number;
}

export interface ApprovalRecord {
    stage: string;
    action: string;
    summary?: string;
    approved: boolean;
}
export interface RunRecord {
    pipeline: string;
    purpose: Purpose;
    executionId?: string;
    variables?: { name: string; value: string }[];
    status: string;
    stages: Record<string, string>;
    approvals: ApprovalRecord[];
}

export const consoleUrl = (region: string, pipeline: string, executionId: string): string =>
    `https://${region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${pipeline}/executions/${executionId}/timeline?region=${region}`;

const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** The approval action's CustomData, variables resolved: the plan summary the approver reviews. */
async function approvalSummary(
    cp: CodePipelineClient,
    pipeline: string,
    executionId: string,
    stage: string,
    action: string,
): Promise<string | undefined> {
    try {
        const pages = paginateListActionExecutions(
            { client: cp },
            { pipelineName: pipeline, filter: { pipelineExecutionId: executionId } },
        );
        for await (const page of pages) {
            for (const d of page.actionExecutionDetails ?? []) {
                if (d.stageName === stage && d.actionName === action) {
                    return d.input?.resolvedConfiguration?.CustomData ?? d.input?.configuration?.CustomData;
                }
            }
        }
    } catch {
        // The summary helps the approver; without it, the console still shows the run.
    }
    return undefined;
}

async function handleApproval(
    ctx: RunContext,
    cp: CodePipelineClient,
    run: RunRecord,
    stage: string,
    action: string,
    token: string,
): Promise<void> {
    const { rep } = ctx;
    const id = run.executionId!;
    const summary = await approvalSummary(cp, run.pipeline, id, stage, action);
    const record: ApprovalRecord = { stage, action, approved: false, ...(summary !== undefined ? { summary } : {}) };
    run.approvals.push(record);
    const guard = stage === DESTROY_GUARD;
    rep.note(
        `${run.pipeline} is waiting for the manual approval ${guard ? DESTROY_GUARD : `${stage} (${action})`}` +
            (guard ? " (the pipeline's guard against destroy runs)" : ""),
    );
    for (const line of (summary ?? "(no summary: see the run in the console)").split("\n")) rep.note(`  | ${line}`);
    const question = guard
        ? `Approve destroying the workload with ${run.pipeline} now?`
        : `Approve ${stage} of ${run.pipeline} (the changes above) now?`;
    if (!ctx.yes && (await rep.confirm(question))) {
        try {
            await cp.send(
                new PutApprovalResultCommand({
                    pipelineName: run.pipeline,
                    stageName: stage,
                    actionName: action,
                    token,
                    result: { summary: `Approved by ${rep.prog} ${run.purpose}`, status: "Approved" },
                }),
            );
            record.approved = true;
            rep.note(`approved ${stage} of ${run.pipeline}`);
            return;
        } catch (e) {
            rep.error(`could not approve ${stage} of ${run.pipeline} (${messageOf(e)}); approve it in the console`);
        }
    }
    rep.note(`approve it in the console (${consoleUrl(ctx.region, run.pipeline, id)}), or with:`);
    rep.note(
        `  aws codepipeline put-approval-result --profile ${ctx.profile} --region ${ctx.region} --pipeline-name ${run.pipeline} ` +
            `--stage-name ${stage} --action-name ${action} --token ${token} --result summary=${run.purpose},status=Approved`,
    );
    rep.note(`(rejecting it fails the run${guard ? ", and the teardown stops" : ""}); waiting...`);
}

/** Follows one run to its end, printing each stage as it passes and handling approvals. */
async function follow(ctx: RunContext, cp: CodePipelineClient, run: RunRecord): Promise<void> {
    const { rep, deps } = ctx;
    const id = run.executionId!;
    const handled = new Set<string>();
    rep.note(`console: ${consoleUrl(ctx.region, run.pipeline, id)}`);
    let last = "";
    for (;;) {
        let status: string;
        try {
            const out = await cp.send(
                new GetPipelineExecutionCommand({ pipelineName: run.pipeline, pipelineExecutionId: id }),
            );
            status = out.pipelineExecution?.status ?? "Unknown";
        } catch (e) {
            rep.error(`cannot read the status of ${run.pipeline} execution ${id}: ${messageOf(e)}`);
            run.status = "Unknown";
            return;
        }
        let state: GetPipelineStateCommandOutput | undefined;
        try {
            state = await cp.send(new GetPipelineStateCommand({ name: run.pipeline }));
        } catch {
            state = undefined; // the stages are shown when they can be read; the run's status decides
        }
        for (const s of state?.stageStates ?? []) {
            const latest = s.latestExecution;
            if (s.stageName === undefined || latest?.pipelineExecutionId !== id || latest.status === undefined)
                continue;
            if (run.stages[s.stageName] !== latest.status) {
                run.stages[s.stageName] = latest.status;
                rep.note(`${clock(deps.now())} ${run.pipeline} stage ${s.stageName}: ${latest.status}`);
            }
            for (const a of s.actionStates ?? []) {
                const token = a.latestExecution?.token;
                if (a.latestExecution?.status !== "InProgress" || !token || handled.has(token) || !a.actionName)
                    continue;
                handled.add(token);
                await handleApproval(ctx, cp, run, s.stageName, a.actionName, token);
            }
        }
        if (status !== last) {
            rep.note(`${clock(deps.now())} ${run.pipeline} ${id}: ${status}`);
            last = status;
        }
        run.status = status;
        if (FINAL.includes(status)) return;
        await deps.sleep(ctx.pollSeconds * 1000);
    }
}

/** Starts a run of each deployment pipeline, then follows each; true when every run succeeded. */
export async function runPipelines(
    ctx: RunContext,
    outputs: Readonly<Record<string, unknown>>,
    purpose: Purpose,
): Promise<{ ok: boolean; runs: RunRecord[] }> {
    const { rep } = ctx;
    const cp = ctx.deps.aws.codePipeline(ctx.profile, ctx.region);
    const runs: RunRecord[] = [];
    let ok = true;
    for (const p of deploymentPipelines(outputs)) {
        const variables = purpose === "destroy" ? [DESTROY_VARIABLE[p.method]] : [];
        const run: RunRecord = { pipeline: p.name, purpose, status: "NotStarted", stages: {}, approvals: [] };
        if (variables.length > 0) run.variables = variables;
        runs.push(run);
        const described = variables.map((v) => ` with name=${v.name},value=${v.value}`).join("");
        rep.info(`Starting pipeline ${p.name}${described}`);
        try {
            const out = await cp.send(
                new StartPipelineExecutionCommand({ name: p.name, ...(variables.length > 0 ? { variables } : {}) }),
            );
            run.executionId = out.pipelineExecutionId;
        } catch (e) {
            rep.error(`could not start pipeline ${p.name}: ${messageOf(e)}`);
            ok = false;
        }
    }
    if (runs.length === 0) {
        rep.note("the cicd stack has no pipeline outputs: nothing to run");
        return { ok, runs };
    }
    for (const run of runs.filter((r) => r.executionId !== undefined)) {
        rep.info(`Following ${run.pipeline} (execution ${run.executionId}), polling every ${ctx.pollSeconds}s`);
        await follow(ctx, cp, run);
        if (run.status === "Succeeded") rep.note(`${run.pipeline}: succeeded`);
        else {
            rep.error(`pipeline ${run.pipeline} execution ${run.executionId} did not succeed (${run.status})`);
            ok = false;
        }
    }
    return { ok, runs };
}
