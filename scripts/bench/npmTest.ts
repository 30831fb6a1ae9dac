/**
 * `npm run bench -- --npm-test`: times `npm test` (type-check, then the mocha suite) as a whole, --runs
 * times one after another, and reports min / median / max of the wall time, the median CPU time (from
 * /usr/bin/time, when the machine has it) and the number of passing tests of each run.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import { markdownTable, median, seconds, spread, summarize } from "./stats";

export interface NpmTestRun {
    readonly wallMs: number;
    readonly cpuMs?: number;
    readonly passing: number;
}

const TIME = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

/** One `npm test` in `project`; throws when it fails. */
export function npmTestOnce(project: string): NpmTestRun {
    const args = TIME !== undefined ? [TIME, "-f", "bench-cpu %U %S", "npm", "test"] : ["npm", "test"];
    const started = process.hrtime.bigint();
    const child = spawnSync(args[0], args.slice(1), { cwd: project, encoding: "utf8", maxBuffer: 256 * 2 ** 20 });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const passing = /(\d+) passing/.exec(child.stdout)?.[1];
    if (child.status !== 0 || passing === undefined) {
        throw new Error(
            `npm test failed (status ${child.status}):\n${child.stdout.slice(-3000)}\n${child.stderr.slice(-3000)}`,
        );
    }
    const cpu = /bench-cpu ([\d.]+) ([\d.]+)/.exec(child.stderr);
    return {
        wallMs,
        ...(cpu !== null ? { cpuMs: (Number(cpu[1]) + Number(cpu[2])) * 1000 } : {}),
        passing: Number(passing),
    };
}

/** The generated Markdown of the npm-test section. */
export function npmTestReport(runs: readonly NpmTestRun[], loadavg: string): string {
    const wall = summarize(runs.map((r) => r.wallMs));
    const cpus = runs.flatMap((r) => (r.cpuMs !== undefined ? [r.cpuMs] : []));
    return [
        `Measured ${new Date().toISOString().replace(/\.\d+Z$/, "Z")} by \`npm run bench -- --npm-test\`: ` +
            `${runs.length} runs of \`npm test\`, one after another; load average after: ${loadavg}.`,
        "",
        markdownTable(
            ["command", "runs", "wall min / median / max (s)", "CPU median (s)", "tests passing"],
            [
                [
                    "npm test (tsc --noEmit, then mocha on 2 jobs)",
                    String(runs.length),
                    spread(wall),
                    cpus.length > 0 ? seconds(median(cpus)) : "–",
                    [...new Set(runs.map((r) => r.passing))].join(", "),
                ],
            ],
        ),
    ].join("\n");
}
