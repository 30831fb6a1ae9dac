// status: what is deployed, and what the pipelines are doing. Reads only.
import { GetPipelineStateCommand, paginateListPipelineExecutions } from "@aws-sdk/client-codepipeline";
import * as fs from "fs";
import * as path from "path";
import { CliError, messageOf } from "./errors";
import type { StatusOptions } from "./options";
import { consoleUrl, deploymentPipelines } from "./pipelines";
import type { Deps } from "./ports";
import { accountOf, CICD, scrubCredentials } from "./preflight";
import type { Reporter } from "./reporter";

/** How many of each pipeline's latest runs to show. */
const RUNS = 3;

const isOurs = (name: string): boolean => ["cicd", "org", "target"].includes(name) || name.startsWith("target-");

export async function status(o: StatusOptions, deps: Deps, rep: Reporter): Promise<void> {
    scrubCredentials(deps.env, rep, "-c");
    const ws = await deps.workspace();
    const who = await ws.whoAmI();
    if (who === undefined) {
        const dir = path.resolve(deps.env.PULUMI_STATE_DIR ?? path.join(deps.repoRoot, ".pulumi-state"));
        if (!fs.existsSync(dir)) {
            rep.info(
                `Not logged in to a Pulumi backend, and there is no local file backend (${dir}): nothing deployed`,
            );
            rep.result.stacks = [];
            return;
        }
        ws.useBackend(`file://${dir}`);
        rep.info(`Not logged in to a Pulumi backend: reading the local file backend file://${dir}`);
        rep.result.backend = `file://${dir}`;
    } else {
        rep.info(`Pulumi backend ${who.url ?? "unknown"} (logged in as ${who.user})`);
        rep.result.backend = who.url;
    }

    const stacks: { stack: string; resources: number }[] = [];
    for (const s of await ws.listStacks()) {
        const name = s.name.split("/").pop()!;
        if (!isOurs(name)) continue;
        stacks.push({ stack: name, resources: s.resourceCount ?? (await ws.exportedResourceCount(name)) });
    }
    rep.result.stacks = stacks;
    if (stacks.length === 0) rep.note("no stacks of this project");
    for (const s of stacks) {
        rep.note(
            `stack ${s.stack.padEnd(20)} ${s.resources > 0 ? `${s.resources} resources` : "empty (destroyed or never deployed)"}`,
        );
    }
    const cicd = stacks.find((s) => s.stack === CICD);
    if (cicd === undefined || cicd.resources === 0) return;
    const outputs = await ws.outputs(CICD);
    rep.result.outputs = outputs;
    const region = o.region ?? (typeof outputs.region === "string" ? outputs.region : undefined);
    const targets = outputs.targets !== null && typeof outputs.targets === "object" ? Object.keys(outputs.targets) : [];
    rep.info(
        `Stack cicd: account ${String(outputs.cicdAccountId)}, region ${region ?? "unknown"}, targets ${targets.join(", ") || "-"}`,
    );
    for (const k of ["artifactBucketName", "stateBucketName"]) {
        if (typeof outputs[k] === "string") rep.note(`${k.padEnd(20)} ${outputs[k]}`);
    }
    const pipelines = deploymentPipelines(outputs);
    if (o.cicdProfile === undefined) {
        for (const p of pipelines) rep.note(`pipeline ${p.name}`);
        rep.note("pass -c PROFILE (the CI/CD account's) to see the pipelines' latest runs and waiting approvals");
        return;
    }
    if (region === undefined) throw new CliError("no region: pass -r REGION");
    const account = await accountOf(deps, "-c", o.cicdProfile, region);
    if (typeof outputs.cicdAccountId === "string" && outputs.cicdAccountId !== account) {
        throw new CliError(
            `-c '${o.cicdProfile}' is account ${account}, but the cicd stack is deployed in account ${outputs.cicdAccountId}`,
        );
    }
    const cp = deps.aws.codePipeline(o.cicdProfile, region);
    const report: Record<string, unknown>[] = [];
    for (const p of pipelines) {
        const runs: { executionId?: string; status?: string; started?: string; trigger?: string }[] = [];
        try {
            for await (const page of paginateListPipelineExecutions(
                { client: cp, pageSize: RUNS },
                { pipelineName: p.name },
            )) {
                for (const e of page.pipelineExecutionSummaries ?? []) {
                    runs.push({
                        executionId: e.pipelineExecutionId,
                        status: e.status,
                        started: e.startTime?.toISOString(),
                        trigger: e.trigger?.triggerType,
                    });
                }
                if (runs.length >= RUNS) break;
            }
        } catch (e) {
            rep.warn(`cannot list the runs of ${p.name}: ${messageOf(e)}`);
        }
        const waiting: { stage: string; action: string; executionId?: string; token: string }[] = [];
        try {
            const state = await cp.send(new GetPipelineStateCommand({ name: p.name }));
            for (const s of state.stageStates ?? []) {
                for (const a of s.actionStates ?? []) {
                    const token = a.latestExecution?.token;
                    if (a.latestExecution?.status === "InProgress" && token && s.stageName && a.actionName) {
                        waiting.push({
                            stage: s.stageName,
                            action: a.actionName,
                            token,
                            ...(s.latestExecution?.pipelineExecutionId !== undefined
                                ? { executionId: s.latestExecution.pipelineExecutionId }
                                : {}),
                        });
                    }
                }
            }
        } catch (e) {
            rep.warn(`cannot read the state of ${p.name}: ${messageOf(e)}`);
        }
        report.push({ pipeline: p.name, method: p.method, runs: runs.slice(0, RUNS), waiting });
        rep.info(`Pipeline ${p.name}`);
        if (runs.length === 0) rep.note("no runs yet");
        for (const r of runs.slice(0, RUNS)) {
            rep.note(
                `${r.started ?? "?"}  ${r.executionId ?? "?"}  ${r.status ?? "?"}${r.trigger ? ` (${r.trigger})` : ""}`,
            );
        }
        for (const w of waiting) {
            rep.note(
                `waiting for the manual approval ${w.stage} (${w.action}): approve it in the console` +
                    (w.executionId !== undefined ? ` (${consoleUrl(region, p.name, w.executionId)})` : "") +
                    ", or with:",
            );
            rep.note(
                `  aws codepipeline put-approval-result --profile ${o.cicdProfile} --region ${region} --pipeline-name ${p.name} ` +
                    `--stage-name ${w.stage} --action-name ${w.action} --token ${w.token} --result summary=approved,status=Approved`,
            );
        }
    }
    rep.result.pipelines = report;
}
