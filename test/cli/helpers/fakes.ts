// Fakes of the deploy CLI's ports (cli/ports.ts). Every call lands in one ordered log, so a test can
// assert what was asked, with which profile, and in which order across Pulumi and AWS.
//
// The AWS side uses the SDK's real client classes (the SDK's paginators check `instanceof`) whose
// send() answers from a scenario instead of the network; the Pulumi side models a backend: stacks
// with resources, config and outputs, updated by up/destroy as the real one would be.
import { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import type { AwsClients, Identity, Io, OperationOptions, StackSummary, Workspace } from "../../../cli/ports";

export interface FakeStack {
    resources: number;
    config: Record<string, string>;
    outputs: Record<string, unknown>;
}

/** What a pipeline run looks like at one status read: consumed one per GetPipelineExecution. */
export interface Frame {
    status: string;
    stages?: Record<string, string>;
    /** An approval action waiting in this frame. */
    approval?: { stage: string; action: string; token: string; customData?: string };
}
export type Version = { Key: string; VersionId: string };

export interface World {
    pulumi: {
        loggedIn: boolean;
        url: string;
        stacks: Record<string, FakeStack>;
        /** The outputs a stack gets from `up`. */
        upOutputs: Record<string, Record<string, unknown>>;
        /** Config a new stack starts with (what Pulumi.<stack>.yaml in the repository holds). */
        stackFiles: Record<string, Record<string, string>>;
        /** `stack ls` omits resourceCount (the CLI then exports the stack). */
        noResourceCount?: boolean;
        missing?: boolean;
        failUp?: string[];
    };
    accounts: Record<string, string>;
    regions: Record<string, string>;
    /** Per pipeline: the frames of its runs (the last one repeats). */
    executions: Record<string, (Frame | string)[]>;
    failStart?: string[];
    /** PutApprovalResult fails (a token that expired, a missing permission). */
    failApproval?: boolean;
    /** Keys that DeleteObjects reports as errors (AccessDenied). */
    undeletable?: string[];
    /** Per pipeline: its past runs, newest first, for ListPipelineExecutions. */
    history?: Record<string, { pipelineExecutionId: string; status: string }[]>;
    buckets: Record<string, { versions: Version[]; deleteMarkers: Version[] }>;
    pageSize?: number;
    /** Every call, in order. */
    log: Call[];
}

export type Call =
    | {
          kind: "ws";
          op: string;
          stack?: string;
          profile?: string;
          config?: Record<string, string>;
          keys?: string[];
          url?: string;
      }
    | { kind: "aws"; service: string; op: string; input: any; profile: string; region?: string };

/** The engine events of an operation touching `n` resources with `op`. */
export function engineEvents(stack: string, n: number, op: "create" | "delete"): EngineEvent[] {
    const events: EngineEvent[] = [];
    let sequence = 0;
    const ev = (e: Partial<EngineEvent>): EngineEvent => ({ sequence: sequence++, timestamp: 0, ...e });
    for (let i = 0; i < n; i++) {
        const metadata = { op, urn: `urn:pulumi:${stack}::p::t::r${i}`, type: "aws:s3:Bucket", provider: "" } as any;
        events.push(ev({ resourcePreEvent: { metadata } }), ev({ resOutputsEvent: { metadata } }));
    }
    events.push(
        ev({
            summaryEvent: { maybeCorrupt: false, durationSeconds: 3, resourceChanges: { [op]: n }, policyPacks: {} },
        }),
    );
    return events;
}

export class FakeWorkspace implements Workspace {
    readonly pulumiVersion = "3.248.0";
    backendUrl?: string;
    constructor(private readonly w: World) {}
    private log(op: string, extra: Omit<Extract<Call, { kind: "ws" }>, "kind" | "op"> = {}): void {
        this.w.log.push({ kind: "ws", op, ...extra });
    }
    private need(stack: string): FakeStack {
        const s = this.w.pulumi.stacks[stack];
        if (s === undefined) throw new Error(`no stack named '${stack}' found`);
        return s;
    }
    whoAmI(): Promise<Identity | undefined> {
        this.log("whoami");
        return Promise.resolve(this.w.pulumi.loggedIn ? { user: "tester", url: this.w.pulumi.url } : undefined);
    }
    useBackend(url: string): void {
        this.log("useBackend", { url });
        this.backendUrl = url;
    }
    login(url: string): Promise<void> {
        this.log("login", { url });
        this.w.pulumi.loggedIn = true;
        this.w.pulumi.url = url;
        return Promise.resolve();
    }
    listStacks(): Promise<StackSummary[]> {
        this.log("listStacks");
        return Promise.resolve(
            Object.entries(this.w.pulumi.stacks).map(([name, s]) =>
                this.w.pulumi.noResourceCount ? { name } : { name, resourceCount: s.resources },
            ),
        );
    }
    exportedResourceCount(stack: string): Promise<number> {
        this.log("export", { stack });
        return Promise.resolve(this.need(stack).resources);
    }
    createOrSelectStack(stack: string): Promise<void> {
        this.log("createOrSelect", { stack });
        this.w.pulumi.stacks[stack] ??= {
            resources: 0,
            config: { ...(this.w.pulumi.stackFiles[stack] ?? {}) },
            outputs: {},
        };
        return Promise.resolve();
    }
    getAllConfig(stack: string): Promise<Record<string, string>> {
        this.log("getAllConfig", { stack });
        return Promise.resolve({ ...this.need(stack).config });
    }
    setAllConfig(stack: string, config: Record<string, string>): Promise<void> {
        this.log("setAllConfig", { stack, config: { ...config } });
        Object.assign(this.need(stack).config, config);
        return Promise.resolve();
    }
    removeAllConfig(stack: string, keys: string[]): Promise<void> {
        this.log("removeAllConfig", { stack, keys: [...keys] });
        for (const k of keys) delete this.need(stack).config[k];
        return Promise.resolve();
    }
    up(stack: string, opts: OperationOptions): Promise<void> {
        this.log("up", { stack, profile: opts.profile });
        const s = this.need(stack);
        if ((this.w.pulumi.failUp ?? []).includes(stack)) {
            opts.onEvent?.({
                sequence: 0,
                timestamp: 0,
                diagnosticEvent: { message: `boom in ${stack}\n`, color: "never", severity: "error" },
            });
            return Promise.reject(new Error(`pulumi up failed`));
        }
        for (const e of engineEvents(stack, 5, "create")) opts.onEvent?.(e);
        s.resources = 5;
        s.outputs = { ...(this.w.pulumi.upOutputs[stack] ?? {}) };
        return Promise.resolve();
    }
    destroy(stack: string, opts: OperationOptions): Promise<void> {
        this.log("destroy", { stack, profile: opts.profile });
        const s = this.need(stack);
        for (const e of engineEvents(stack, s.resources, "delete")) opts.onEvent?.(e);
        s.resources = 0;
        s.outputs = {};
        return Promise.resolve();
    }
    outputs(stack: string): Promise<Record<string, unknown>> {
        this.log("outputs", { stack });
        return Promise.resolve({ ...this.need(stack).outputs });
    }
}

/** The answers of the fake AWS services. */
function answer(w: World, service: string, op: string, input: any, profile: string): any {
    const frames = (name: string): Frame[] =>
        (w.executions[name] ?? ["Succeeded"]).map((f) => (typeof f === "string" ? { status: f } : f));
    const state = ((w as any).runState ??= {}) as Record<string, { id: string; frame?: Frame; seen: Frame[] }>;
    const fail = (message: string, name = "Error"): never => {
        throw Object.assign(new Error(message), { name });
    };
    switch (`${service}:${op}`) {
        case "sts:GetCallerIdentityCommand": {
            const account = w.accounts[profile];
            if (account === undefined)
                fail(
                    `Could not resolve credentials using profile: [${profile}] in configuration/credentials file(s).`,
                    "CredentialsProviderError",
                );
            return { Account: account, Arn: `arn:aws:iam::${account}:user/${profile}` };
        }
        case "codepipeline:StartPipelineExecutionCommand": {
            if ((w.failStart ?? []).includes(input.name)) fail(`PipelineNotFoundException: ${input.name}`);
            const started = Object.keys(state).length + 1;
            state[input.name] = { id: `${input.name}-exec-${started}`, seen: [] };
            return { pipelineExecutionId: state[input.name].id };
        }
        case "codepipeline:GetPipelineExecutionCommand": {
            const run = state[input.pipelineName];
            const all = frames(input.pipelineName);
            run.frame = all[Math.min(run.seen.length, all.length - 1)];
            run.seen.push(run.frame);
            return { pipelineExecution: { pipelineExecutionId: run.id, status: run.frame.status } };
        }
        case "codepipeline:GetPipelineStateCommand": {
            const run = state[input.name];
            const stages = Object.entries(run?.frame?.stages ?? {}).map(([stageName, status]) => {
                const a = run.frame!.approval;
                return {
                    stageName,
                    latestExecution: { pipelineExecutionId: run.id, status },
                    actionStates:
                        a !== undefined && a.stage === stageName
                            ? [{ actionName: a.action, latestExecution: { status: "InProgress", token: a.token } }]
                            : [{ actionName: "Other", latestExecution: { status } }],
                };
            });
            // A waiting approval outside the listed stages (status command): the stage is InProgress.
            const waiting = (w as any).waiting?.[input.name] as Frame["approval"] | undefined;
            if (waiting !== undefined) {
                stages.push({
                    stageName: waiting.stage,
                    latestExecution: { pipelineExecutionId: "exec-waiting", status: "InProgress" },
                    actionStates: [
                        { actionName: waiting.action, latestExecution: { status: "InProgress", token: waiting.token } },
                    ],
                });
            }
            return { pipelineName: input.name, stageStates: stages };
        }
        case "codepipeline:ListActionExecutionsCommand": {
            // One action execution per page, so that the approval is found on a later page.
            const run = state[input.pipelineName];
            const details = [
                { stageName: "Source", actionName: "Source", input: { configuration: {} } },
                ...run.seen
                    .map((f) => f.approval)
                    .filter((a): a is NonNullable<Frame["approval"]> => a !== undefined)
                    .map((a) => ({
                        pipelineExecutionId: run.id,
                        stageName: a.stage,
                        actionName: a.action,
                        input: {
                            configuration: { CustomData: "#{unresolved}" },
                            resolvedConfiguration: a.customData === undefined ? {} : { CustomData: a.customData },
                        },
                    })),
            ];
            const i = Number(input.nextToken ?? 0);
            return {
                actionExecutionDetails: [details[i]],
                ...(i + 1 < details.length ? { nextToken: String(i + 1) } : {}),
            };
        }
        case "codepipeline:PutApprovalResultCommand":
            if (w.failApproval)
                fail("InvalidApprovalTokenException: the token expired", "InvalidApprovalTokenException");
            return { approvedAt: new Date(0) };
        case "codepipeline:ListPipelineExecutionsCommand": {
            const all = w.history?.[input.pipelineName] ?? [];
            const i = Number(input.nextToken ?? 0);
            const n = input.maxResults ?? 100;
            return {
                pipelineExecutionSummaries: all
                    .slice(i, i + n)
                    .map((e) => ({ ...e, startTime: new Date(Date.UTC(2025, 0, 1)) })),
                ...(i + n < all.length ? { nextToken: String(i + n) } : {}),
            };
        }
        case "s3:ListObjectVersionsCommand": {
            const b = w.buckets[input.Bucket] ?? fail(`NoSuchBucket: ${input.Bucket}`, "NoSuchBucket");
            const order = ((w as any).order ??= {}) as Record<string, string[]>;
            const all = [...b.versions.map((v) => ({ v, m: false })), ...b.deleteMarkers.map((v) => ({ v, m: true }))];
            const known = (order[input.Bucket] ??= all.map(({ v }) => `${v.Key}@${v.VersionId}`));
            const after =
                input.KeyMarker === undefined ? -1 : known.indexOf(`${input.KeyMarker}@${input.VersionIdMarker}`);
            const rest = all.filter(({ v }) => known.indexOf(`${v.Key}@${v.VersionId}`) > after);
            const page = rest.slice(0, Math.min(input.MaxKeys ?? 1000, w.pageSize ?? 1000));
            const last = page[page.length - 1]?.v;
            return {
                Versions: page.filter((x) => !x.m).map((x) => x.v),
                DeleteMarkers: page.filter((x) => x.m).map((x) => x.v),
                IsTruncated: page.length < rest.length,
                ...(page.length < rest.length ? { NextKeyMarker: last.Key, NextVersionIdMarker: last.VersionId } : {}),
            };
        }
        case "s3:DeleteObjectsCommand": {
            const b = w.buckets[input.Bucket] ?? fail(`NoSuchBucket: ${input.Bucket}`, "NoSuchBucket");
            const gone = (v: Version): boolean =>
                input.Delete.Objects.some((o: Version) => o.Key === v.Key && o.VersionId === v.VersionId);
            const kept = (v: Version): boolean => (w.undeletable ?? []).includes(v.Key);
            b.versions = b.versions.filter((v) => !gone(v) || kept(v));
            b.deleteMarkers = b.deleteMarkers.filter((v) => !gone(v) || kept(v));
            const Errors = input.Delete.Objects.filter(kept).map((o: Version) => ({
                ...o,
                Code: "AccessDenied",
                Message: "Access Denied",
            }));
            return Errors.length > 0 ? { Errors } : {};
        }
        case "s3:DeleteBucketCommand": {
            const b = w.buckets[input.Bucket] ?? fail(`NoSuchBucket: ${input.Bucket}`, "NoSuchBucket");
            if (b.versions.length + b.deleteMarkers.length > 0) fail("BucketNotEmpty", "BucketNotEmpty");
            delete w.buckets[input.Bucket];
            return {};
        }
        default:
            return fail(`fake ${service}: unexpected ${op}`);
    }
}

/** Real SDK client classes whose send() records the command and answers from the world. */
function recording<C extends new (config: any) => any>(Base: C, service: string) {
    return class extends (Base as new (config: any) => object) {
        constructor(
            private readonly world: World,
            private readonly profile: string,
            private readonly where: string | undefined,
        ) {
            super({ region: where ?? "us-east-1" });
        }
        send(command: any): Promise<any> {
            const op = command.constructor.name as string;
            const input = JSON.parse(JSON.stringify(command.input ?? {}));
            this.world.log.push({ kind: "aws", service, op, input, profile: this.profile, region: this.where });
            return new Promise((resolve) =>
                resolve(answer(this.world, service, op, command.input ?? {}, this.profile)),
            );
        }
    };
}
const FakeSTS = recording(STSClient, "sts");
const FakeCodePipeline = recording(CodePipelineClient, "codepipeline");
const FakeS3 = recording(S3Client, "s3");

export function fakeAws(w: World): AwsClients {
    return {
        sts: (profile, region) => new FakeSTS(w, profile, region) as unknown as STSClient,
        codePipeline: (profile, region) => new FakeCodePipeline(w, profile, region) as unknown as CodePipelineClient,
        s3: (profile, region) => new FakeS3(w, profile, region) as unknown as S3Client,
        profileRegion: (profile) => Promise.resolve(w.regions[profile]),
    };
}

/** A terminal: what was printed, the questions asked, and the answers typed (in order). */
export class FakeIo implements Io {
    out = "";
    err = "";
    readonly questions: string[] = [];
    constructor(
        readonly interactive: boolean,
        private readonly answers: string[] = [],
        readonly stdoutIsTTY = false,
        readonly stderrIsTTY = false,
    ) {}
    stdout(text: string): void {
        this.out += text;
    }
    stderr(text: string): void {
        this.err += text;
    }
    ask(question: string, toStderr: boolean): Promise<string | undefined> {
        this.questions.push(question);
        if (toStderr) this.err += question;
        else this.out += question;
        return Promise.resolve(this.answers.shift());
    }
}
