// Runs a buildspec or a Commands action's commands the way CodeBuild does: each command in its own
// shell, in order, stopping at the first that fails (on-failure: ABORT); the environment, and only the
// environment, carries over from one command to the next (shell functions do not). The source archive
// is a real directory built from the cicd stack's own source files, and the external programs are the
// recording stand-ins of pipelineStub.ts.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { Handler, newRun, pipelineStubPort, STAND_INS, StubCall } from "./pipelineStub";

export interface BuildRun {
    readonly status: number;
    readonly stdout: string;
    readonly stderr: string;
    /** The variables the build exports to CodePipeline (exported-variables / outputVariables). */
    readonly exported: Record<string, string>;
    readonly calls: StubCall[];
    /** The environment after the last command that ran. */
    readonly env: Record<string, string>;
}

/** Writes a source archive's files into a fresh directory; returns it. */
export function sourceDir(files: Readonly<Record<string, string>>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-src-"));
    for (const [p, content] of Object.entries(files)) {
        fs.mkdirSync(path.join(dir, path.dirname(p)), { recursive: true });
        fs.writeFileSync(path.join(dir, p), content);
    }
    return dir;
}

const parseEnv = (raw: string): Record<string, string> =>
    Object.fromEntries(
        raw
            .split("\0")
            .filter((l) => l.includes("="))
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );

function runOne(
    shell: string,
    command: string,
    env: Record<string, string>,
    cwd: string,
    envOut: string,
): Promise<{ code: number; out: string; err: string }> {
    // allexport: a plain assignment carries to the next command too, as in CodeBuild.
    const script = `set -a\n${command}\n__rc=$?\nenv -0 > "${envOut}"\nexit $__rc\n`;
    return new Promise((resolve) => {
        const child = spawn(shell, ["-c", script], { cwd, env });
        let out = "";
        let err = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
    });
}

export interface RunOptions {
    /** The primary source directory (CODEBUILD_SRC_DIR). */
    readonly cwd: string;
    readonly env: Record<string, string>;
    readonly tools: Record<string, Handler>;
    /** Secondary input artifacts: name → directory (CODEBUILD_SRC_DIR_<name>). */
    readonly inputs?: Record<string, string>;
    readonly exported: readonly string[];
    readonly shell?: "bash" | "sh";
    /** The role the build (or the Commands action) runs as. @default "build" */
    readonly identity?: string;
}

/** Runs commands one shell each; the environment carries over. */
export async function runCommandsLikeCodeBuild(commands: readonly string[], o: RunOptions): Promise<BuildRun> {
    const run = newRun(o.tools, o.identity);
    const port = await pipelineStubPort();
    const envOut = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "xacct-env-")), "env");
    let env: Record<string, string> = {
        PATH: `${STAND_INS}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
        HOME: o.cwd,
        AWS_REGION: "eu-west-1",
        AWS_DEFAULT_REGION: "eu-west-1",
        CODEBUILD_SRC_DIR: o.cwd,
        PIPELINE_STUB_PORT: String(port),
        PIPELINE_STUB_RUN: run.id,
        ...Object.fromEntries(Object.entries(o.inputs ?? {}).map(([n, d]) => [`CODEBUILD_SRC_DIR_${n}`, d])),
        ...o.env,
    };
    let stdout = "";
    let stderr = "";
    let status = 0;
    for (const command of commands) {
        const r = await runOne(o.shell ?? "bash", command, env, o.cwd, envOut);
        stdout += r.out;
        stderr += r.err;
        if (r.code !== 0) {
            status = r.code;
            break;
        }
        env = parseEnv(fs.readFileSync(envOut, "utf8"));
    }
    const exported = Object.fromEntries(o.exported.filter((v) => env[v] !== undefined).map((v) => [v, env[v]]));
    return { status, stdout, stderr, exported, calls: run.calls, env };
}

interface Buildspec {
    env?: { shell?: string; "exported-variables"?: string[]; variables?: Record<string, string> };
    phases: Record<string, { commands: string[]; "on-failure"?: string }>;
    artifacts?: { "base-directory"?: string; files: string[] };
}

/** Runs an inline buildspec's phases in CodeBuild's order. */
export async function runBuildspec(
    text: string,
    o: Omit<RunOptions, "exported" | "shell">,
): Promise<BuildRun & { spec: Buildspec }> {
    const spec = parse(text) as Buildspec;
    const commands = ["install", "pre_build", "build", "post_build"].flatMap((p) => spec.phases[p]?.commands ?? []);
    const r = await runCommandsLikeCodeBuild(commands, {
        ...o,
        env: { ...(spec.env?.variables ?? {}), ...o.env },
        exported: spec.env?.["exported-variables"] ?? [],
        shell: spec.env?.shell === "bash" ? "bash" : "sh",
    });
    return { ...r, spec };
}

/** The calls to one tool, as "<args joined by spaces>". */
export const callsOf = (calls: readonly StubCall[], tool: string): string[] =>
    calls.filter((c) => c.tool === tool).map((c) => c.args.join(" "));
