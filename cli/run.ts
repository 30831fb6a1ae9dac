// The CLI as a function of its arguments and its ports: main.ts passes the real ones, the tests fakes.
import * as fs from "fs";
import { deploy } from "./deploy";
import { CliError, messageOf } from "./errors";
import { parseCommandLine } from "./options";
import type { Deps } from "./ports";
import { Reporter } from "./reporter";
import { status } from "./status";
import { teardown } from "./teardown";

export const DEFAULT_PROG = "deploy-cli";

const readable = (file: string): boolean => {
    try {
        return fs.statSync(file).isFile() && (fs.accessSync(file, fs.constants.R_OK), true);
    } catch {
        return false;
    }
};

/** Runs one command line; returns the exit status (0 done, 1 refused or failed, 2 bad command line). */
export async function runCli(argv: readonly string[], deps: Deps): Promise<number> {
    const warnings: string[] = [];
    const parsed = parseCommandLine(
        argv,
        { prog: DEFAULT_PROG, cwd: deps.cwd, env: deps.env, interactive: deps.io.interactive, readable },
        (m) => warnings.push(m),
    );
    if (!("options" in parsed)) {
        if (parsed.stdout !== undefined) deps.io.stdout(parsed.stdout);
        if (parsed.stderr !== undefined) deps.io.stderr(parsed.stderr);
        if (parsed.message !== undefined && argv.includes("--json")) {
            // --json promises one document on stdout, even for a malformed command line.
            const command = ["deploy", "teardown", "status"].find((c) => argv.includes(c)) ?? "";
            const error = { message: parsed.message, exitCode: parsed.exit };
            deps.io.stdout(`${JSON.stringify({ command, ok: false, error, warnings }, null, 2)}\n`);
        }
        return parsed.exit;
    }
    const o = parsed.options;
    const rep = new Reporter(deps.io, o.prog, o.json, o.command);
    for (const w of warnings) rep.warn(w);
    try {
        if (o.command === "deploy") await deploy(o, deps, rep);
        else if (o.command === "teardown") await teardown(o, deps, rep);
        else await status(o, deps, rep);
    } catch (e) {
        const code = e instanceof CliError ? e.exitCode : 1;
        const message = messageOf(e);
        if (message !== "") rep.error(e instanceof CliError ? message : ((e as Error).stack ?? message));
        rep.finish(false, { message: message || "aborted: nothing changed", exitCode: code });
        return code;
    }
    rep.finish(true);
    return 0;
}
