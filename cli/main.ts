#!/usr/bin/env node
// Entry point of the deploy CLI: `deploy`, `teardown` and `status` (see cli/options.ts and
// docs/operations.md). scripts/deploy-all.sh execs it; so can you:
//   node -r ts-node/register/transpile-only cli/main.ts deploy -c CICD_PROFILE -T targets.json
import * as path from "path";
import * as readline from "readline";
import { createWorkspace, operationRunning } from "./automation";
import { sdkClients } from "./awsClients";
import type { Io } from "./ports";
import { runCli } from "./run";

const REPO_ROOT = path.resolve(__dirname, "..");

/** Reads one line of the terminal. */
function ask(question: string, toStderr: boolean): Promise<string | undefined> {
    return new Promise((resolve) => {
        const rl = readline.createInterface({
            input: process.stdin,
            output: toStderr ? process.stderr : process.stdout,
        });
        let answered = false;
        rl.question(question, (answer) => {
            answered = true;
            rl.close();
            resolve(answer);
        });
        rl.on("close", () => {
            if (!answered) resolve(undefined);
        });
        rl.on("SIGINT", () => process.exit(130)); // Ctrl-C at a question: nothing is running, quit
    });
}

const io: Io = {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    interactive: process.stdin.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    ask,
};

// Ctrl-C during pulumi up/destroy reaches pulumi too (same process group), which stops its operation
// cleanly: the CLI waits for that, then reports the failure. Otherwise, or the second time, it quits.
let interrupted = false;
process.on("SIGINT", () => {
    if (interrupted || !operationRunning()) process.exit(130);
    interrupted = true;
    process.stderr.write("\ninterrupted: waiting for pulumi to stop cleanly (Ctrl-C again to quit now)\n");
});

const exit = (code: number): void => {
    process.exitCode = code;
    // Idle keep-alive sockets must not hold the process: leave at the latest 5 s after the end.
    setTimeout(() => process.exit(code), 5000).unref();
};

runCli(process.argv.slice(2), {
    workspace: () => createWorkspace(REPO_ROOT),
    aws: sdkClients(),
    io,
    env: process.env,
    cwd: process.cwd(),
    repoRoot: REPO_ROOT,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
}).then(
    (code) => exit(code),
    (e: unknown) => {
        process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        exit(1);
    },
);
