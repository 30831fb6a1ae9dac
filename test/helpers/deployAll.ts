// Tests of scripts/deploy-all.sh. The script runs for real, under bash, with stand-ins for the
// `pulumi` and `aws` CLIs first on PATH (test/fixtures/bin). The stand-ins log every call to
// $STUB_LOG and answer from a JSON scenario file ($STUB_SCENARIO) that they update like a backend
// would (test/helpers/stubCli.ts). Everything the script writes goes under a temporary directory
// (HOME, TMPDIR, the file backend), never into the repository.
import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stubPort } from "./stubCli";

export const REPO = path.resolve(__dirname, "..", "..");
export const SCRIPT = path.join("scripts", "deploy-all.sh");
export const STUBS = path.join(REPO, "test", "fixtures", "bin");

export const CICD = "111111111111";
export const TARGET = "222222222222";
export const SUBNET = "subnet-0123456789abcdef0";
export const SG = "sg-0123456789abcdef0";
export const DEPLOY = ["-c", "ci", "-t", "tg", "-n", SUBNET, "-g", SG];
export const TEARDOWN = ["-d", "-c", "ci", "-t", "tg"];
export const NS = "cross-account-pipeline";

export interface Call {
    tool: "pulumi" | "aws";
    args: string[];
    profile: string | null;
    input?: { Objects: { Key: string; VersionId: string }[]; Quiet: boolean };
}

export interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
    output: string;
    calls: Call[];
    scenario: Scenario;
    tmp: string;
}

export type Json = Record<string, unknown>;
export interface Scenario extends Json {
    pulumi: {
        loggedIn: boolean;
        backendUrl?: string;
        stacks: Record<
            string,
            { resources?: number; config?: Record<string, string>; outputs?: Record<string, string> }
        >;
        upOutputs?: Record<string, Record<string, string>>;
    };
}

export const OUTPUTS = {
    terraformPipelineName: "xacct-terraform",
    cloudformationPipelineName: "xacct-cloudformation",
    artifactBucketName: "xacct-artifacts-111111111111",
    stateBucketName: "xacct-tfstate-111111111111",
};

/** A CI/CD profile, a target profile in another account, logged in to a file backend, no stacks. */
export function baseScenario(): Scenario {
    return {
        accounts: { ci: CICD, tg: TARGET },
        regions: { ci: "eu-west-1", tg: "us-east-1" },
        pulumi: {
            loggedIn: true,
            backendUrl: "file:///somewhere/state",
            stacks: {},
            upOutputs: { cicd: { ...OUTPUTS }, target: {} },
        },
        executions: {},
    };
}

/** Both stacks deployed: what teardown starts from. */
export function deployedScenario(): Scenario {
    const s = baseScenario();
    s.pulumi.stacks = {
        cicd: {
            resources: 12,
            config: { "aws:region": "eu-west-2", [`${NS}:targetAccountId`]: TARGET },
            outputs: { ...OUTPUTS },
        },
        target: { resources: 4, config: { "aws:region": "eu-west-2" } },
    };
    s.executions = {
        [OUTPUTS.terraformPipelineName]: ["InProgress", "InProgress", "Succeeded"],
        [OUTPUTS.cloudformationPipelineName]: ["InProgress", "Succeeded"],
    };
    s.pageSize = 2; // forces several list/delete rounds
    s.buckets = {
        [OUTPUTS.artifactBucketName]: {
            versions: [
                { Key: "source/a.zip", VersionId: "v1" },
                { Key: "source/a.zip", VersionId: "v2" },
                { Key: "build/b.zip", VersionId: "null" },
            ],
            deleteMarkers: [{ Key: "source/a.zip", VersionId: "m1" }],
        },
        [OUTPUTS.stateBucketName]: {
            versions: [
                { Key: "xacct/default/terraform.tfstate", VersionId: "s1" },
                { Key: "xacct/default/terraform.tfstate", VersionId: "s2" },
            ],
            deleteMarkers: [],
        },
    };
    return s;
}

export const tmpDirs: string[] = [];
after(() => {
    for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * Runs `command` without blocking the event loop (the stand-in server answers from this process),
 * with `input` on stdin, killed after 60 s.
 */
export function spawnAsync(
    command: string,
    args: string[],
    opts: { cwd: string; env: Record<string, string>; input: string },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: "pipe" });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), 60000);
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout, stderr });
        });
        // A script that exits before reading its stdin closes the pipe: not an error of the test.
        child.stdin.on("error", (e: NodeJS.ErrnoException) => {
            if (e.code !== "EPIPE") reject(e);
        });
        child.stdin.end(opts.input);
    });
}

/** The calls the stand-ins logged, in order. */
export function readCalls(log: string): Call[] {
    return fs.existsSync(log)
        ? fs
              .readFileSync(log, "utf8")
              .split("\n")
              .filter(Boolean)
              .map((l) => JSON.parse(l) as Call)
        : [];
}

export async function run(
    args: string[],
    scenario: Scenario,
    opts: {
        env?: Record<string, string | undefined>;
        path?: string;
        /** Run the script with a terminal on stdin (util-linux `script`), and type this into it. */
        terminal?: string;
    } = {},
): Promise<Run> {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-all-"));
    tmpDirs.push(tmp);
    const scenarioFile = path.join(tmp, "scenario.json");
    const log = path.join(tmp, "calls.jsonl");
    fs.writeFileSync(scenarioFile, JSON.stringify(scenario));
    fs.mkdirSync(path.join(tmp, "home"));
    fs.mkdirSync(path.join(tmp, "tmp"));
    const env: Record<string, string> = {
        PATH: opts.path ?? `${STUBS}${path.delimiter}${process.env.PATH ?? ""}`,
        HOME: path.join(tmp, "home"),
        TMPDIR: path.join(tmp, "tmp"),
        LANG: "C",
        STUB_PORT: String(await stubPort()),
        STUB_LOG: log,
        STUB_SCENARIO: scenarioFile,
        PULUMI_STATE_DIR: path.join(tmp, "state"),
        PULUMI_CONFIG_PASSPHRASE: "test-passphrase",
        POLL_SECONDS: "0",
    };
    for (const [k, v] of Object.entries(opts.env ?? {})) {
        if (v === undefined) delete env[k];
        else env[k] = v;
    }
    // Without `terminal`, stdin is a pipe, not a terminal: the script must assume -y.
    const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
    const r =
        opts.terminal === undefined
            ? await spawnAsync("bash", [SCRIPT, ...args], { cwd: REPO, env, input: "" })
            : await spawnAsync("script", ["-qec", ["bash", SCRIPT, ...args].map(quote).join(" "), "/dev/null"], {
                  cwd: REPO,
                  env,
                  input: opts.terminal,
              });
    return {
        status: r.status,
        stdout: r.stdout,
        stderr: r.stderr,
        output: r.stdout + r.stderr,
        calls: readCalls(log),
        scenario: JSON.parse(fs.readFileSync(scenarioFile, "utf8")) as Scenario,
        tmp,
    };
}

/** Index of the first call whose arguments start with `prefix` (and match the profile if given). */
export function indexOf(r: Run, tool: Call["tool"], prefix: string[], profile?: string): number {
    return r.calls.findIndex(
        (c) =>
            c.tool === tool &&
            prefix.every((a, i) => c.args[i] === a) &&
            (profile === undefined || c.profile === profile),
    );
}
export function lastIndexOf(r: Run, tool: Call["tool"], prefix: string[]): number {
    let last = -1;
    r.calls.forEach((c, i) => {
        if (c.tool === tool && prefix.every((a, j) => c.args[j] === a)) last = i;
    });
    return last;
}
export function callsOf(r: Run, tool: Call["tool"], prefix: string[]): Call[] {
    return r.calls.filter((c) => c.tool === tool && prefix.every((a, i) => c.args[i] === a));
}
/** The value of `--name value` in a call. */
export function opt(c: Call, name: string): string | undefined {
    const i = c.args.indexOf(name);
    return i >= 0 ? c.args[i + 1] : undefined;
}
export function configSets(r: Run, stack: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const c of callsOf(r, "pulumi", ["config", "set", "--stack", stack])) out[c.args[4]] = c.args[5];
    return out;
}
/** No state was changed: no pulumi up/destroy/config set or rm/login, no pipeline run, no S3 delete. */
export function expectNothingChanged(r: Run): void {
    const changing = r.calls.filter(
        (c) =>
            (c.tool === "pulumi" &&
                (["up", "destroy", "login"].includes(c.args[0]) ||
                    (c.args[0] === "config" && ["set", "rm"].includes(c.args[1])))) ||
            (c.tool === "pulumi" && c.args[0] === "stack" && c.args[1] === "select") ||
            (c.tool === "aws" && ["start-pipeline-execution", "delete-objects", "delete-bucket"].includes(c.args[1])),
    );
    expect(changing, JSON.stringify(changing)).to.deep.equal([]);
}
