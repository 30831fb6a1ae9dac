// The stand-ins for the programs the pipeline's step scripts call: aws, terraform, curl, unzip.
//
// On PATH they are test/fixtures/pipeline-bin/*, links to one small bash client that sends the tool,
// its run id, the AWS access key it holds and its arguments to the server below, over bash's
// /dev/tcp; no node process starts per call. The server answers from a per-run `World`: a small,
// stateful model of the AWS APIs the scripts use. The aws stand-in evaluates `--query` with a real
// JMESPath implementation over full API-shaped responses and formats `--output text` the way the
// AWS CLI does, so the scripts' queries are tested against the documented response shapes, not
// against answers written to fit them. Every call is recorded, with the identity that made it.
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { search } from "jmespath";

export interface StubCall {
    readonly tool: string;
    readonly args: readonly string[];
    /** The role whose credentials made the call ("build" for the build's own role). */
    readonly identity: string;
    readonly cwd: string;
}

export interface StubReply {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export type Handler = (call: StubCall, run: StubRun) => StubReply | undefined;

export interface StubRun {
    readonly id: string;
    readonly calls: StubCall[];
    /** The handlers, tool by tool; undefined from a handler means "not mine", an error is returned. */
    readonly tools: Record<string, Handler>;
    /** Access key → role ARN, for the credentials sts assume-role handed out. */
    readonly keys: Map<string, string>;
    /** The identity of calls made without assumed credentials: the build's (or action's) own role. */
    readonly baseIdentity: string;
}

const runs = new Map<string, StubRun>();
let nextRun = 0;

export function newRun(tools: Record<string, Handler>, baseIdentity = "build"): StubRun {
    const run: StubRun = { id: `run${++nextRun}`, calls: [], tools, keys: new Map(), baseIdentity };
    runs.set(run.id, run);
    return run;
}

export const ok = (stdout = ""): StubReply => ({ code: 0, stdout, stderr: "" });
export const fail = (stderr: string, code = 254): StubReply => ({ code, stdout: "", stderr: `${stderr}\n` });

/** The value of `--flag value` or `--flag=value`. */
export function flag(args: readonly string[], name: string): string | undefined {
    for (let i = 0; i < args.length; i++) {
        if (args[i] === name) return args[i + 1];
        if (args[i].startsWith(`${name}=`)) return args[i].slice(name.length + 1);
    }
    return undefined;
}
export const hasFlag = (args: readonly string[], name: string): boolean => args.includes(name);

/** The AWS CLI's text output of a query result. */
export function awsText(value: unknown): string {
    if (value === null || value === undefined) return "None\n";
    if (Array.isArray(value)) {
        if (value.length === 0) return "";
        if (value.every((v) => Array.isArray(v)))
            return value.map((row) => (row as unknown[]).map(scalar).join("\t")).join("\n") + "\n";
        return `${value.map(scalar).join("\t")}\n`;
    }
    if (typeof value === "object") {
        const record = value as Record<string, unknown>;
        return `${Object.keys(record)
            .sort()
            .map((k) => scalar(record[k]))
            .join("\t")}\n`;
    }
    return `${scalar(value)}\n`;
}
const scalar = (v: unknown): string =>
    v === null || v === undefined ? "None" : typeof v === "string" ? v : JSON.stringify(v);

/** Answers an aws call with a full API response: applies --query, then --output (json by default). */
export function awsRespond(args: readonly string[], response: unknown): StubReply {
    const query = flag(args, "--query");
    const value: unknown = query !== undefined ? search(response, query) : response;
    const output = flag(args, "--output") ?? "json";
    return ok(output === "text" ? awsText(value) : `${JSON.stringify(value, null, 2)}\n`);
}

/** Reads a `file://` argument relative to the caller's directory. */
export function readFileArg(call: StubCall, value: string | undefined): string {
    if (value === undefined || !value.startsWith("file://"))
        throw new Error(`expected a file:// argument, got ${value}`);
    const p = value.slice("file://".length);
    return fs.readFileSync(path.isAbsolute(p) ? p : path.join(call.cwd, p), "utf8");
}

function answer(tool: string, runId: string, key: string, cwd: string, args: string[]): StubReply {
    const run = runs.get(runId);
    if (run === undefined) return fail(`stand-in ${tool}: unknown run ${runId}`, 70);
    const identity = key === "" ? run.baseIdentity : (run.keys.get(key) ?? `unknown key ${key}`);
    const call: StubCall = { tool, args, identity, cwd };
    run.calls.push(call);
    const handler = run.tools[tool];
    if (handler === undefined) return fail(`stand-in: no ${tool} in this run`, 127);
    try {
        return handler(call, run) ?? fail(`stand-in ${tool}: unexpected call: ${args.join(" ")}`, 99);
    } catch (e) {
        return fail(`stand-in ${tool}: ${(e as Error).message}`, 98);
    }
}

/** "<tool>\0<run>\0<key>\0<cwd>\0<argc>\0<args...>\0" */
function parseRequest(
    buf: Buffer,
): { tool: string; run: string; key: string; cwd: string; args: string[] } | undefined {
    const fields = buf.toString("utf8").split("\0");
    fields.pop();
    if (fields.length < 5) return undefined;
    const [tool, run, key, cwd, argc] = fields;
    const n = Number(argc);
    if (fields.length < 5 + n) return undefined;
    return { tool, run, key, cwd, args: fields.slice(5, 5 + n) };
}

let listening: Promise<number> | undefined;

/** Starts the server once per process, on a free loopback port. */
export function pipelineStubPort(): Promise<number> {
    listening ??= new Promise<number>((resolve, reject) => {
        const server = net.createServer((socket) => {
            let buf = Buffer.alloc(0);
            socket.on("data", (chunk: Buffer) => {
                buf = Buffer.concat([buf, chunk]);
                const req = parseRequest(buf);
                if (!req) return;
                const r = answer(req.tool, req.run, req.key, req.cwd, req.args);
                const out = Buffer.from(r.stdout, "utf8");
                const err = Buffer.from(r.stderr, "utf8");
                socket.end(Buffer.concat([Buffer.from(`${r.code} ${out.length} ${err.length}\n`), out, err]));
            });
            socket.on("error", () => socket.destroy());
        });
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
        server.unref();
    });
    return listening;
}

export const STAND_INS = path.join(__dirname, "..", "fixtures", "pipeline-bin");
