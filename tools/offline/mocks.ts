import * as pulumi from "@pulumi/pulumi";

export const PROJECT = "cross-account-pipeline";
export const ORG = "organization";

/** One resource the program registered, as the mock engine saw it. */
export interface Recorded {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>;
    readonly provider?: string;
    /** URN of the parent resource (a component), when there is one. */
    readonly parent?: string;
}

export interface MockOptions {
    /** Account the default provider's credentials belong to. */
    readonly accountId: string;
    /** Account a named (explicit) provider's credentials belong to: keyed by provider resource name. */
    readonly providerAccounts?: Record<string, string>;
    /** StackReference outputs, keyed by the referenced stack's name. */
    readonly stackOutputs?: Record<string, Record<string, unknown>>;
    readonly partition?: string;
    /**
     * Error.stackTraceLimit while the program runs (restored by settle). @default OFFLINE_STACK_TRACE_LIMIT.
     * The bench passes V8's default (10), to time the program as `pulumi up` runs it.
     */
    readonly stackTraceLimit?: number;
}

/**
 * @pulumi/pulumi captures `new Error().stack` for every promise it makes (runtime/debuggable.js), and
 * under ts-node each capture is source-mapped frame by frame: about 40 % of a mock run's CPU. Nothing
 * offline reads those traces, so the mocks keep them to 2 frames while the program runs: `npm test`'s
 * mocha went from 38 s to 26 s (BENCHMARKS.md). Errors the program throws then carry a short stack;
 * their messages are whole.
 */
export const OFFLINE_STACK_TRACE_LIMIT = 2;
let savedStackTraceLimit: number | undefined;

/**
 * Mocks that record every resource and answer with realistic ARNs and names, so that
 * cross-references are checkable. An invoke the program was not expected to make fails loudly.
 */
export class RecordingMocks implements pulumi.runtime.Mocks {
    public readonly resources: Recorded[] = [];
    public readonly invokes: { token: string; provider?: string }[] = [];
    /** Parent URN by "type::name", captured from the registration requests (newResource does not see it). */
    public readonly parents = new Map<string, string>();

    constructor(private readonly options: MockOptions) {}

    private accountFor(provider?: string): string {
        if (provider !== undefined) {
            // provider refs look like urn:pulumi:stack::project::pulumi:providers:aws::<name>::<id>
            const name = provider.split("::")[3];
            const account = this.options.providerAccounts?.[name];
            if (account !== undefined) return account;
        }
        return this.options.accountId;
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
        if (args.type === "pulumi:pulumi:StackReference") {
            const stackName: string = args.inputs.name ?? args.name;
            const outputs = this.options.stackOutputs?.[stackName];
            if (outputs === undefined) throw new Error(`mock: no outputs for the referenced stack ${stackName}`);
            this.resources.push({
                type: args.type,
                name: args.name,
                inputs: args.inputs,
                parent: this.parents.get(`${args.type}::${args.name}`),
            });
            return { id: stackName, state: { name: stackName, outputs, secretOutputNames: [] } };
        }
        this.resources.push({
            type: args.type,
            name: args.name,
            inputs: args.inputs,
            provider: args.provider,
            parent: this.parents.get(`${args.type}::${args.name}`),
        });
        const p = this.options.partition ?? "aws";
        const account = this.accountFor(args.provider);
        const region = "eu-west-1";
        const name: string = args.inputs.name ?? args.name;
        const state: Record<string, any> = { ...args.inputs };
        switch (args.type) {
            case "aws:iam/role:Role":
                state.arn = `arn:${p}:iam::${account}:role/${name}`;
                state.name = name;
                break;
            case "aws:s3/bucket:Bucket":
                state.bucket = args.inputs.bucket ?? `${args.name}-abc123`;
                state.arn = `arn:${p}:s3:::${state.bucket}`;
                break;
            case "aws:s3/bucketObjectv2:BucketObjectv2":
                state.versionId = "v1";
                break;
            case "aws:codepipeline/pipeline:Pipeline":
                state.arn = `arn:${p}:codepipeline:${region}:${account}:${name}`;
                state.name = name;
                break;
            case "aws:codebuild/project:Project":
                state.arn = `arn:${p}:codebuild:${region}:${account}:project/${name}`;
                state.name = name;
                break;
            case "aws:cloudwatch/logGroup:LogGroup":
                state.arn = `arn:${p}:logs:${region}:${account}:log-group:${name}`;
                state.name = name;
                break;
            case "aws:cloudwatch/eventRule:EventRule":
                state.arn = `arn:${p}:events:${region}:${account}:rule/${name}`;
                state.name = name;
                break;
            case "aws:sns/topic:Topic":
                state.arn = `arn:${p}:sns:${region}:${account}:${name}`;
                state.name = name;
                break;
            default:
                state.arn = `arn:${p}:mock:${region}:${account}:${args.type}/${name}`;
        }
        return { id: `${name}-id`, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        this.invokes.push({ token: args.token, provider: args.provider });
        const account = this.accountFor(args.provider);
        switch (args.token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return {
                    accountId: account,
                    arn: `arn:aws:sts::${account}:assumed-role/deployer/session`,
                    userId: "AROAEXAMPLE:session",
                    id: account,
                };
            case "aws:index/getPartition:getPartition":
                return {
                    partition: this.options.partition ?? "aws",
                    dnsSuffix: "amazonaws.com",
                    reverseDnsSuffix: "com.amazonaws",
                    id: "aws",
                };
            default:
                throw new Error(`mock: unexpected invoke ${args.token}`);
        }
    }
}

/** Installs fresh mocks for one stack; every test gets its own engine state. */
export async function useMocks(stack: string, options: MockOptions): Promise<RecordingMocks> {
    const mocks = new RecordingMocks(options);
    savedStackTraceLimit ??= Error.stackTraceLimit;
    Error.stackTraceLimit = options.stackTraceLimit ?? OFFLINE_STACK_TRACE_LIMIT;
    await pulumi.runtime.setMocks(mocks, PROJECT, stack, false, ORG);
    // The mock monitor hands newResource no parent; record it from the request on the way in.
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource: (req: { getType(): string; getName(): string; getParent(): string }, cb: unknown) => unknown;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        if (req.getParent()) mocks.parents.set(`${req.getType()}::${req.getName()}`, req.getParent());
        return register(req, cb);
    };
    return mocks;
}

/** Resolves an Output (or plain value) to its value. */
export function valueOf<T>(output: pulumi.Input<T> | undefined): Promise<T | undefined> {
    if (output === undefined) return Promise.resolve(undefined);
    return new Promise((resolve) =>
        pulumi.output(output).apply((v) => {
            resolve(v as T);
            return v;
        }),
    );
}

/** Resolves every Output inside a plain object of stack outputs. */
export async function resolveOutputs(outputs: object): Promise<Record<string, unknown>> {
    const entries = await Promise.all(
        Object.entries(outputs).map(async ([k, v]) => [k, pulumi.Output.isInstance(v) ? await valueOf(v) : v] as const),
    );
    return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
}

/** Waits until the mock engine has seen every registration (the count stops changing). */
export async function settle(mocks: RecordingMocks): Promise<void> {
    let stable = 0;
    let last = -1;
    while (stable < 5) {
        await new Promise((r) => setTimeout(r, 2));
        if (mocks.resources.length === last) stable += 1;
        else {
            stable = 0;
            last = mocks.resources.length;
        }
    }
    if (savedStackTraceLimit !== undefined) Error.stackTraceLimit = savedStackTraceLimit;
    savedStackTraceLimit = undefined;
}

export function find(mocks: RecordingMocks, type: string, name: string): Recorded {
    const found = mocks.resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) {
        const seen = mocks.resources.filter((r) => r.type === type).map((r) => r.name);
        throw new Error(
            `expected one ${type} named ${name}; found ${found.length} (of this type: ${seen.join(", ") || "none"})`,
        );
    }
    return found[0];
}

export const ofType = (mocks: RecordingMocks, type: string): Recorded[] =>
    mocks.resources.filter((r) => r.type === type);

/** Parses a JSON policy input of a recorded resource. */
export const policyOf = (r: Recorded, field = "policy"): any => JSON.parse(r.inputs[field]);

/** The statement of a policy document with this Sid; fails loudly, showing the document, when there is none. */
export function sid(doc: any, id: string): any {
    const found = (doc.Statement as any[]).find((x) => x.Sid === id);
    if (!found) throw new Error(`no statement ${id} in ${JSON.stringify(doc)}`);
    return found;
}
