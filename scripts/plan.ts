/**
 * `npm run plan -- <stack> [--out <dir>] [--config-dir <dir>]`: what the program declares for a stack,
 * offline.
 *
 * No credentials, no Pulumi CLI, no AWS call: the program runs under the mock engine of the tests
 * (tools/offline/mocks.ts) with the stack's committed config (`Pulumi.<stack>.yaml`, from the repository
 * root or `--config-dir`, e.g. `examples/fleet`). For `target`, `target-<name>` and `org`, the cicd stack
 * runs first with `Pulumi.cicd.yaml`, and its outputs stand behind the StackReference. The report lists
 * the pipelines (stages, entry conditions, critical path), every resource (type, name, parent component,
 * key inputs), every IAM document, the hop matrix of the IAM proof with the evaluator's verdicts
 * (tools/offline/iam/), and a Mermaid diagram. It is what the program declares, not a diff against live
 * state. The work is in tools/offline/plan/; this file is the command line.
 *
 * Writes `<out>/plan-<stack>.md` and `<out>/plan-<stack>.json` (default `<out>`: `reports/`).
 *
 * Exit codes: 0 written, every hop as expected · 1 a config error (its message, no stack trace) or an
 * unexpected failure · 2 usage: unknown stack, missing `Pulumi.<stack>.yaml`, bad flags · 3 written,
 * but a hop's verdict differs from the expected one.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config";
import { buildPlan, PlanResult, PlanUsageError } from "../tools/offline/plan/build";
import { summaryLine } from "../tools/offline/plan/markdown";
import { PLAN_LABEL } from "../tools/offline/plan/types";

export { buildPlan, PLAN_LABEL, PlanUsageError, summaryLine };
export type { PlanResult };

/** Writes the report; returns the two paths. */
export function writePlan(result: PlanResult, outDir: string): { markdown: string; json: string } {
    fs.mkdirSync(outDir, { recursive: true });
    const md = path.join(outDir, `plan-${result.json.stack}.md`);
    const js = path.join(outDir, `plan-${result.json.stack}.json`);
    fs.writeFileSync(md, result.markdown);
    fs.writeFileSync(js, `${JSON.stringify(result.json, null, 2)}\n`);
    return { markdown: md, json: js };
}

const USAGE = "usage: npm run plan -- <cicd|target|target-<name>|org> [--out <dir>] [--config-dir <dir>]";

interface Args {
    readonly stack: string;
    readonly out?: string;
    readonly configDir?: string;
}

function parseArgs(argv: readonly string[]): Args {
    let stack: string | undefined;
    const flags: Record<"out" | "configDir", string | undefined> = { out: undefined, configDir: undefined };
    const names: Record<string, "out" | "configDir"> = { "--out": "out", "-o": "out", "--config-dir": "configDir" };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const [flag, inline] = a.includes("=")
            ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
            : [a, undefined];
        const key = names[flag];
        if (key !== undefined) {
            const value = inline ?? argv[++i];
            if (value === undefined || value === "") throw new PlanUsageError(`${flag} needs a directory\n${USAGE}`);
            flags[key] = value;
        } else if (a.startsWith("-")) throw new PlanUsageError(`unknown flag ${a}\n${USAGE}`);
        else if (stack === undefined) stack = a;
        else throw new PlanUsageError(`one stack at a time; got "${stack}" and "${a}"\n${USAGE}`);
    }
    if (stack === undefined) throw new PlanUsageError(`which stack?\n${USAGE}`);
    return {
        stack,
        ...(flags.out !== undefined ? { out: flags.out } : {}),
        ...(flags.configDir !== undefined ? { configDir: flags.configDir } : {}),
    };
}

/** The exit code for a failure: 2 for a usage error, 1 for a config error or anything unexpected. */
export function exitCodeFor(err: unknown): 1 | 2 {
    return err instanceof PlanUsageError ? 2 : 1;
}

/** A config mistake: its message is all the user needs (no stack trace). */
export const isConfigError = (err: unknown): err is Error =>
    err instanceof ConfigError || pulumi.RunError.isInstance(err);

async function main(argv: readonly string[]): Promise<number> {
    if (argv.includes("--help") || argv.includes("-h")) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    const { stack, out, configDir } = parseArgs(argv);
    const repoRoot = path.resolve(__dirname, "..");
    const dir = configDir !== undefined ? path.resolve(configDir) : repoRoot;
    if (!fs.existsSync(dir)) throw new PlanUsageError(`--config-dir ${configDir}: no such directory`);
    const result = await buildPlan(stack, { configDir: dir });
    const written = writePlan(result, path.resolve(out ?? path.join(repoRoot, "reports")));
    const shown = (p: string): string =>
        path.relative(process.cwd(), p).startsWith("..") ? p : path.relative(process.cwd(), p);
    process.stdout.write(`${shown(written.markdown)}\n${summaryLine(result.json)}\n(JSON: ${shown(written.json)})\n`);
    return result.json.summary.hopsAllAsExpected ? 0 : 3;
}

if (require.main === module) {
    // Pulumi stamps a stack trace on every promise it makes; ts-node's source-map formatter makes
    // each of those slow. Stack traces are formatted plainly while the plan runs; an unexpected
    // error is printed with the source-mapped formatter back in place.
    const errors = Error as unknown as { prepareStackTrace?: unknown };
    const mapped = errors.prepareStackTrace;
    errors.prepareStackTrace = undefined;
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err: unknown) => {
            errors.prepareStackTrace = mapped;
            if (err instanceof PlanUsageError || isConfigError(err)) process.stderr.write(`plan: ${err.message}\n`);
            else
                process.stderr.write(
                    `plan: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
                );
            process.exit(exitCodeFor(err));
        },
    );
}
