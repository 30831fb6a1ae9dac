// The stand-ins for the `pulumi` and `aws` CLIs that scripts/deploy-all.sh runs in the tests.
//
// On PATH they are test/fixtures/bin/{pulumi,aws}, links to one small bash client
// (test/fixtures/bin/stub). The client sends its tool name, its arguments and the environment it
// reads to the server below, over bash's /dev/tcp, and prints what the server answers. The server
// runs inside the test process, so a stand-in call costs one bash process and no node start-up:
// that was 0.15 s a call, most of the deploy-all suites' time.
//
// The server answers from the JSON scenario file $STUB_SCENARIO, which it updates as a real backend
// would (stacks, config, outputs, resources, login, pipeline runs, bucket versions), and appends one
// JSON line per call ({tool, args, profile}, plus the request body of s3api delete-objects) to
// $STUB_LOG. Both files belong to one test run, so concurrent runs never share state.
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

/** What one stand-in call sends. */
export interface StubRequest {
    tool: string;
    args: string[];
    /** AWS_PROFILE, or null when it is not set. */
    profile: string | null;
    log: string;
    scenarioFile: string;
    cwd: string;
}
export interface StubReply {
    code: number;
    stdout: string;
    stderr: string;
}

/** A stand-in's exit: thrown by fail(), turned into the reply. */
class Exit extends Error {
    constructor(
        readonly code: number,
        readonly stderr: string,
    ) {
        super(`exit ${code}`);
    }
}
const fail = (msg: string, code = 255): never => {
    throw new Exit(code, `${msg}\n`);
};

type Json = Record<string, any>;

/** The pulumi CLI: whoami, login, stack ls/select/export/output, config get/set/rm, up, destroy. */
function pulumiCli(args: string[], s: Json, out: (line: string) => void, save: () => void): void {
    const p = (s.pulumi ??= {});
    const stacks: Json = (p.stacks ??= {});
    const failP = (msg: string, code = 255): never => fail(`error: ${msg}`, code);

    // Split flags from positional arguments.
    let stack: string | undefined;
    const flags = new Set<string>();
    const pos: string[] = [];
    for (let i = 0; i < args.length; i++) {
        if (args[i] === "--stack" || args[i] === "-s") stack = args[++i];
        else if (args[i].startsWith("-")) flags.add(args[i]);
        else pos.push(args[i]);
    }
    const need = (name: string | undefined): Json => {
        if (!p.loggedIn) failP("not logged in: run pulumi login");
        if (!name) return failP("no stack selected: pass --stack");
        const st = stacks[name];
        if (!st) failP(`no stack named '${name}' found`);
        st.config ??= {};
        st.outputs ??= {};
        st.resources ??= 0;
        return st;
    };
    const cmd = pos.slice(0, 2).join(" ");

    if (pos[0] === "whoami") {
        if (!p.loggedIn) failP("PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions");
        out("User: stub-user");
        if (flags.has("--verbose") || flags.has("-v")) {
            out("Organizations: ");
            out(`Backend URL: ${p.backendUrl ?? "file://~"}`);
        }
    } else if (pos[0] === "login") {
        p.loggedIn = true;
        p.backendUrl = pos[1];
        save();
        out(`Logged in to stub as stub-user (${pos[1]})`);
    } else if (cmd === "stack ls") {
        if (!p.loggedIn) failP("not logged in");
        out(JSON.stringify(Object.keys(stacks).map((name) => ({ name, current: p.current === name }))));
    } else if (cmd === "stack select") {
        const name = pos[2] ?? stack;
        if (!p.loggedIn) failP("not logged in");
        if (!stacks[name]) {
            if (!flags.has("--create") && !flags.has("-c")) failP(`no stack named '${name}' found`);
            stacks[name] = { config: {}, outputs: {}, resources: 0 };
            out(`Created stack '${name}'`);
        }
        p.current = name;
        save();
    } else if (cmd === "stack export") {
        const st = need(stack);
        const resources = Array.from({ length: st.resources }, (_, i) => ({ urn: `urn:stub::${stack}::r${i}` }));
        out(JSON.stringify({ version: 3, deployment: { manifest: {}, resources } }));
    } else if (cmd === "stack output") {
        const st = need(stack);
        if (pos[2] === undefined) {
            out("Current stack outputs:");
            for (const [k, v] of Object.entries(st.outputs)) out(`    ${k}  ${String(v)}`);
        } else if (pos[2] in st.outputs) {
            out(String(st.outputs[pos[2]]));
        } else {
            failP(`current stack does not have output property '${pos[2]}'`);
        }
    } else if (cmd === "config get") {
        const st = need(stack);
        if (!(pos[2] in st.config)) failP(`configuration key '${pos[2]}' not found for stack '${stack}'`);
        out(String(st.config[pos[2]]));
    } else if (cmd === "config set") {
        const st = need(stack);
        st.config[pos[2]] = pos[3];
        save();
    } else if (cmd === "config rm") {
        const st = need(stack);
        if (!(pos[2] in st.config)) failP(`configuration key '${pos[2]}' not found for stack '${stack}'`);
        delete st.config[pos[2]];
        save();
    } else if (pos[0] === "up" || pos[0] === "destroy") {
        const st = need(stack);
        if (!flags.has("--yes") && !flags.has("-y")) {
            failP("--yes or --skip-preview must be passed in to proceed when running in non-interactive mode");
        }
        if (((p[pos[0] === "up" ? "failUp" : "failDestroy"] ?? []) as string[]).includes(stack!)) {
            failP(`${pos[0]} of ${stack} failed (scenario)`);
        }
        if (pos[0] === "up") {
            st.resources = 5;
            st.outputs = { ...(p.upOutputs?.[stack!] ?? {}) };
        } else {
            st.resources = 0;
            st.outputs = {};
        }
        save();
        out(`${pos[0]} of ${stack}: done`);
    } else {
        failP(`stub pulumi: unsupported command: ${args.join(" ")}`, 2);
    }
}

/**
 * The aws CLI: sts get-caller-identity, configure get, codepipeline start/state/approval/execution,
 * s3api list-object-versions/delete-objects/delete-bucket. The scenario holds:
 *   accounts {profile: account}, regions {profile: region}, executions {pipeline: [status, ...]}
 *   (each status read consumes one entry; the last one repeats), failStart [pipeline],
 *   approvals [pipeline] (its latest execution waits at the destroy guard's manual approval),
 *   buckets {name: {versions: [{Key, VersionId}], deleteMarkers: [...]}}, pageSize.
 */
function awsCli(req: StubRequest, s: Json, out: (line: string) => void, save: () => void, entry: Json): void {
    const { args, profile } = req;
    const opt = (name: string): string | undefined => {
        const i = args.indexOf(name);
        return i >= 0 ? args[i + 1] : undefined;
    };
    const cmd = args
        .filter((a, i) => !a.startsWith("-") && !(i > 0 && args[i - 1].startsWith("--")))
        .slice(0, 2)
        .join(" ");
    const bucket = (): Json => {
        const b = s.buckets?.[opt("--bucket")!];
        if (!b) fail(`An error occurred (NoSuchBucket): The specified bucket does not exist: ${opt("--bucket")}`);
        b.versions ??= [];
        b.deleteMarkers ??= [];
        return b;
    };
    type Version = { Key: string; VersionId: string };

    if (cmd === "sts get-caller-identity") {
        if (!profile) {
            fail('Unable to locate credentials. You can configure credentials by running "aws configure".');
        }
        const account = s.accounts?.[profile!];
        if (!account) fail(`The config profile (${profile}) could not be found`);
        out(account);
    } else if (cmd === "configure get") {
        const region = s.regions?.[opt("--profile")!];
        if (!region) fail("", 1);
        out(region);
    } else if (cmd === "codepipeline start-pipeline-execution") {
        const name = opt("--name")!;
        if (((s.failStart ?? []) as string[]).includes(name)) {
            fail(`An error occurred (PipelineNotFoundException): ${name}`);
        }
        s.started = (s.started ?? 0) + 1;
        (s.lastExecution ??= {})[name] = `${name}-exec-${s.started}`;
        save();
        out(s.lastExecution[name]);
    } else if (cmd === "codepipeline get-pipeline-state") {
        // Only the destroy guard's approval is modelled: [execution id, action status, token].
        const name = opt("--name")!;
        const waiting = ((s.approvals ?? []) as string[]).includes(name) && s.lastExecution?.[name];
        out(waiting ? `${s.lastExecution[name]}\tInProgress\ttoken-${name}` : "None\tNone\tNone");
    } else if (cmd === "codepipeline put-approval-result") {
        out("{}");
    } else if (cmd === "codepipeline get-pipeline-execution") {
        const seq: string[] = s.executions?.[opt("--pipeline-name")!] ?? ["Succeeded"];
        const status = seq.length > 1 ? seq.shift() : seq[0];
        save();
        out(status!);
    } else if (cmd === "s3api list-object-versions") {
        const b = bucket();
        const max = Math.min(Number(opt("--max-items") ?? 1000), s.pageSize ?? 1000);
        const Versions = (b.versions as Version[]).slice(0, max);
        const DeleteMarkers = (b.deleteMarkers as Version[]).slice(0, max - Versions.length);
        out(JSON.stringify(Versions.length + DeleteMarkers.length === 0 ? {} : { Versions, DeleteMarkers }));
    } else if (cmd === "s3api delete-objects") {
        const b = bucket();
        const file = (opt("--delete") ?? "").replace(/^file:\/\//, "");
        const input = JSON.parse(fs.readFileSync(path.resolve(req.cwd, file), "utf8")) as { Objects: Version[] };
        entry.input = input;
        const gone = (v: Version): boolean => input.Objects.some((o) => o.Key === v.Key && o.VersionId === v.VersionId);
        b.versions = (b.versions as Version[]).filter((v) => !gone(v));
        b.deleteMarkers = (b.deleteMarkers as Version[]).filter((v) => !gone(v));
        save();
        out("{}");
    } else if (cmd === "s3api delete-bucket") {
        const b = bucket();
        if (b.versions.length + b.deleteMarkers.length > 0) {
            fail("An error occurred (BucketNotEmpty) when calling the DeleteBucket operation");
        }
        delete s.buckets[opt("--bucket")!];
        save();
    } else {
        fail(`stub aws: unsupported command: ${args.join(" ")}`, 2);
    }
}

/** Answers one stand-in call: reads the scenario, runs the tool, logs the call. */
export function answer(req: StubRequest): StubReply {
    const readScenario = req.scenarioFile && fs.existsSync(req.scenarioFile);
    const s: Json = readScenario ? (JSON.parse(fs.readFileSync(req.scenarioFile, "utf8")) as Json) : {};
    const save = (): void => {
        if (req.scenarioFile) fs.writeFileSync(req.scenarioFile, JSON.stringify(s, null, 2));
    };
    let stdout = "";
    const out = (line: string): void => {
        stdout += `${line}\n`;
    };
    const entry: Json = { tool: req.tool, args: req.args, profile: req.profile };
    let reply: StubReply;
    try {
        if (req.tool === "pulumi") pulumiCli(req.args, s, out, save);
        else if (req.tool === "aws") awsCli(req, s, out, save, entry);
        else fail(`stub: unknown tool '${req.tool}'`, 2);
        reply = { code: 0, stdout, stderr: "" };
    } catch (e) {
        if (!(e instanceof Exit)) throw e;
        reply = { code: e.code, stdout, stderr: e.stderr };
    }
    if (req.log) fs.appendFileSync(req.log, JSON.stringify(entry) + "\n");
    return reply;
}

/** The request's fields, NUL-terminated, in this order; then argc and the arguments. */
const HEADER = ["tool", "profileSet", "profile", "log", "scenarioFile", "cwd", "argc"] as const;

/** Parses a complete request, or returns undefined when more bytes are needed. */
export function parseRequest(buf: Buffer): StubRequest | undefined {
    const fields = buf.toString("utf8").split("\0");
    fields.pop(); // after the last NUL: an incomplete field, or ""
    if (fields.length < HEADER.length) return undefined;
    const [tool, profileSet, profile, log, scenarioFile, cwd, argc] = fields;
    const n = Number(argc);
    if (fields.length < HEADER.length + n) return undefined;
    return {
        tool,
        args: fields.slice(HEADER.length, HEADER.length + n),
        profile: profileSet === "set" ? profile : null,
        log,
        scenarioFile,
        cwd,
    };
}

/** "<code> <stdout bytes> <stderr bytes>\n", then stdout, then stderr. */
export function encodeReply(r: StubReply): Buffer {
    const out = Buffer.from(r.stdout, "utf8");
    const err = Buffer.from(r.stderr, "utf8");
    return Buffer.concat([Buffer.from(`${r.code} ${out.length} ${err.length}\n`), out, err]);
}

let listening: Promise<number> | undefined;

/** Starts the server once per process, on a free loopback port; resolves to the port. */
export function stubPort(): Promise<number> {
    listening ??= new Promise<number>((resolve, reject) => {
        const server = net.createServer((socket) => {
            let buf = Buffer.alloc(0);
            socket.on("data", (chunk: Buffer) => {
                buf = Buffer.concat([buf, chunk]);
                const req = parseRequest(buf);
                if (!req) return;
                let reply: StubReply;
                try {
                    reply = answer(req);
                } catch (e) {
                    reply = { code: 70, stdout: "", stderr: `stub ${req.tool}: ${(e as Error).stack}\n` };
                }
                socket.end(encodeReply(reply));
            });
            socket.on("error", () => socket.destroy());
        });
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
        server.unref(); // never keeps the test process alive
    });
    return listening;
}
