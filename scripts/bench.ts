/**
 * `npm run bench`: how long the program takes to evaluate offline, against the least any program
 * declaring the same resources must pay, and where the time of `npm test` goes.
 *
 * Every measurement is a fresh process (scripts/bench/child.ts or scripts/bench/floor.ts), spawned
 * once as a warm-up and then --runs times; the wall time is taken around spawnSync, and the child
 * reports its own CPU time and peak RSS. Runs of all measurements are interleaved round by round,
 * so that a burst of load from elsewhere on the machine spreads over all of them instead of
 * skewing one. The results go to the terminal and into the generated sections of BENCHMARKS.md;
 * the hand-written text around those sections is kept.
 *
 *   npm run bench                       5 runs; 1, 10 and 50 targets; the three ways to load TypeScript
 *   npm run bench -- --quick            3 runs; 1 and 10 targets
 *   npm run bench -- --npm-test         also time the parts of npm test (--npm-test-files: and each test file alone)
 *   npm run bench -- --project /tmp/x   measure a scratch copy of the program (e.g. with a fix); print only
 *   npm run bench -- --help
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    GoalCheck,
    markdownTable,
    median,
    npmRunSteps,
    Options,
    parseOptions,
    ratioGoal,
    replaceSection,
    seconds,
    section,
    spread,
    summarize,
    Summary,
    textTable,
    verdict,
} from "./bench/stats";
import { notInFloor, programSources } from "./bench/sources";

const REPO = path.resolve(__dirname, "..");

/** How the timed process loads the program's TypeScript. */
type Mode = "js" | "swc" | "transpile" | "typecheck";
const MODE_LABEL: Record<Mode, string> = {
    js: "precompiled JS (tsc, then node)",
    swc: "ts-node, swc (transpile only)",
    transpile: "ts-node --transpile-only",
    typecheck: "ts-node (type-checks)",
};

interface Case {
    readonly id: string;
    readonly group: "main" | "modes";
    readonly mode: Mode;
    readonly stack: string;
    readonly targets?: number;
    readonly args: readonly string[];
    /** Extra environment (which tsconfig ts-node reads). */
    readonly env?: Readonly<Record<string, string>>;
    /** One untimed run first (file cache, lazy compile caches of the OS). */
    readonly warmup: boolean;
}

interface Sample {
    readonly wallMs: number;
    readonly cpuMs: number;
    readonly maxRssKb: number;
    readonly resources?: number;
    readonly modules: number;
}

interface Result {
    readonly c: Case;
    readonly samples: Sample[];
    readonly wall: Summary;
    readonly cpu: Summary;
    readonly rssMb: number;
    readonly resources?: number;
    readonly modules: number;
}

const log = (text: string): void => {
    process.stderr.write(`${text}\n`);
};

/** The environment of a timed child: no ts-node settings leak in from this process. */
function childEnv(): NodeJS.ProcessEnv {
    return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TS_NODE_")));
}

/** The floor must load every @pulumi/aws export the program uses; otherwise it is too low to compare with. */
function checkFloor(project: string): void {
    const missing = notInFloor(programSources(project));
    if (missing.length > 0) {
        throw new Error(
            `the program uses @pulumi/aws ${missing.join(", ")}, which scripts/bench/floor.ts does not load: add them to AWS_USED`,
        );
    }
}

function machine(): Record<string, string> {
    const cpus = os.cpus();
    return {
        cpu: `${cpus[0]?.model.trim() ?? "unknown"} × ${cpus.length}`,
        memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
        os: `${os.type()} ${os.release()} (${os.arch()})`,
        node: process.version,
        typescript: readVersion("typescript"),
        "@pulumi/pulumi": readVersion("@pulumi/pulumi"),
        "@pulumi/aws": readVersion("@pulumi/aws"),
        "ts-node": readVersion("ts-node"),
    };
}

function readVersion(pkg: string): string {
    try {
        return (
            JSON.parse(fs.readFileSync(path.join(REPO, "node_modules", pkg, "package.json"), "utf8")) as {
                version: string;
            }
        ).version;
    } catch {
        return "not installed";
    }
}

const loadavg = (): string =>
    os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(", ");

/**
 * Copies the program's sources into the temporary directory, with a link to node_modules, so that
 * every run measures the same program even while someone edits the working tree.
 */
function snapshot(project: string, dir: string): string {
    const copy = path.join(dir, "src");
    const skip = new Set(["node_modules", ".git", "bin", "reports", ".stryker-tmp", "coverage", ".pulumi"]);
    fs.cpSync(project, copy, {
        recursive: true,
        filter: (src) => src === project || !skip.has(path.basename(src)),
    });
    fs.symlinkSync(path.join(project, "node_modules"), path.join(copy, "node_modules"), "dir");
    return copy;
}

/**
 * Compiles the two entry files (and, through their imports, the program and the test helpers) into
 * a temporary directory, as a build step before `pulumi up` would. The program reads workload/
 * relative to its own directory, so the build gets links to workload/ and node_modules/.
 */
function build(project: string, dir: string): { outDir: string; ms: number } {
    const outDir = path.join(dir, "out");
    const tsconfig = path.join(dir, "tsconfig.json");
    fs.writeFileSync(
        tsconfig,
        JSON.stringify({
            extends: path.join(project, "tsconfig.json"),
            compilerOptions: {
                outDir,
                rootDir: project,
                sourceMap: false,
                declaration: false,
                noEmit: false,
                noEmitOnError: true,
                incremental: false,
                typeRoots: [path.join(project, "node_modules", "@types")],
            },
            files: [
                path.join(project, "scripts", "bench", "child.ts"),
                path.join(project, "scripts", "bench", "floor.ts"),
            ],
            include: [],
        }),
    );
    const started = process.hrtime.bigint();
    const tsc = spawnSync(
        process.execPath,
        [path.join(project, "node_modules", "typescript", "bin", "tsc"), "-p", tsconfig],
        {
            cwd: project,
            encoding: "utf8",
        },
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (tsc.status !== 0) throw new Error(`tsc failed:\n${tsc.stdout}${tsc.stderr}`);
    fs.symlinkSync(path.join(project, "node_modules"), path.join(outDir, "node_modules"), "dir");
    fs.symlinkSync(path.join(project, "workload"), path.join(outDir, "workload"), "dir");
    return { outDir, ms };
}

/** Runs cicd once in this process, under the test mocks, and writes its outputs for the target stacks. */
async function cicdOutputs(project: string, dir: string, targets: readonly number[]): Promise<Map<number, string>> {
    const helpers = (await import(
        path.join(project, "test", "helpers", "program")
    )) as typeof import("../tools/offline/program");
    const files = new Map<number, string>();
    for (const n of targets) {
        const run = await helpers.runCicd(helpers.manyTargets(n));
        const file = path.join(dir, `cicd-outputs-${n}.json`);
        fs.writeFileSync(file, JSON.stringify(run.outputs));
        files.set(n, file);
    }
    return files;
}

/**
 * The ts-node modes to compare. Each gets its own tsconfig next to the snapshot's, extending it, so
 * that the project's own "ts-node" options (e.g. `swc: true`) cannot turn one mode into another.
 * swc is measured only when @swc/core is installed.
 */
function tsModes(project: string): Mode[] {
    let swc = false;
    try {
        require.resolve("@swc/core", { paths: [project] });
        swc = true;
    } catch {
        swc = false;
    }
    return swc ? ["swc", "transpile", "typecheck"] : ["transpile", "typecheck"];
}

function tsNodeEnv(project: string, mode: Mode): Record<string, string> {
    const file = path.join(project, `tsconfig.bench-${mode}.json`);
    if (!fs.existsSync(file)) {
        fs.writeFileSync(file, JSON.stringify({ extends: "./tsconfig.json", "ts-node": { swc: mode === "swc" } }));
    }
    return mode === "typecheck" ? { TS_NODE_PROJECT: file, TS_NODE_TYPE_CHECK: "true" } : { TS_NODE_PROJECT: file };
}

/** What `pulumi up` does with this tree: Pulumi.yaml's runtime options and tsconfig.json's ts-node options. */
function runPath(project: string): string {
    const yaml = fs.existsSync(path.join(project, "Pulumi.yaml"))
        ? fs.readFileSync(path.join(project, "Pulumi.yaml"), "utf8")
        : "";
    const typescript = !/^\s*typescript:\s*false\b/m.test(yaml);
    const main = /^main:\s*(\S+)/m.exec(yaml)?.[1];
    let tsNode: Record<string, unknown> = {};
    try {
        const config = JSON.parse(fs.readFileSync(path.join(project, "tsconfig.json"), "utf8")) as {
            "ts-node"?: Record<string, unknown>;
        };
        tsNode = config["ts-node"] ?? {};
    } catch {
        tsNode = {};
    }
    const where = `Pulumi.yaml: \`typescript: ${typescript}\`${main ? `, \`main: ${main}\`` : ""}; tsconfig.json "ts-node": \`${JSON.stringify(tsNode)}\``;
    if (!typescript)
        return `${where}. Pulumi runs the JavaScript as it is: the row *precompiled JS* (if main points at a build).`;
    if (tsNode.swc === true) return `${where}. \`pulumi up\` therefore runs like the row *${MODE_LABEL.swc}*.`;
    if (tsNode.transpileOnly === true)
        return `${where}. \`pulumi up\` therefore runs like the row *${MODE_LABEL.transpile}*.`;
    return (
        `${where}. \`pulumi up\` therefore runs like the row *${MODE_LABEL.typecheck}*, unless ` +
        `PULUMI_NODEJS_TRANSPILE_ONLY=true is set (then *${MODE_LABEL.transpile}*).`
    );
}

function cases(opts: Options, project: string, outDir: string, outputs: Map<number, string>): Case[] {
    const js = (file: string): string[] => [path.join(outDir, "scripts", "bench", `${file}.js`)];
    const ts = (mode: Mode): string[] => [
        "-r",
        mode === "typecheck" ? "ts-node/register" : "ts-node/register/transpile-only",
        path.join(project, "scripts", "bench", "child.ts"),
    ];
    const stackArgs = (stack: string, n: number): string[] =>
        stack === "cicd" ? [stack, String(n)] : [stack, String(n), outputs.get(n)!];
    const list: Case[] = [
        { id: "floor", group: "main", mode: "js", stack: "floor", args: js("floor"), warmup: true },
        {
            id: "floor-root",
            group: "main",
            mode: "js",
            stack: "floor-root",
            args: [...js("floor"), "root"],
            warmup: true,
        },
    ];
    for (const n of opts.targets) {
        for (const stack of ["cicd", "target-t1"]) {
            list.push({
                id: `${stack}@${n}`,
                group: "main",
                mode: "js",
                stack,
                targets: n,
                args: [...js("child"), ...stackArgs(stack, n)],
                warmup: true,
            });
        }
    }
    if (opts.modes) {
        for (const mode of tsModes(project)) {
            for (const stack of ["cicd", "target-t1"]) {
                // One warm-up per mode (both stacks load the same files), none for the type-checking
                // mode: a run costs about 15 s of CPU, and the median of the runs absorbs a cold first one.
                list.push({
                    id: `${stack}@1/${mode}`,
                    group: "modes",
                    mode,
                    stack,
                    targets: 1,
                    args: [...ts(mode), ...stackArgs(stack, 1)],
                    env: tsNodeEnv(project, mode),
                    warmup: stack === "cicd" && mode !== "typecheck",
                });
            }
        }
    }
    return list;
}

function runOnce(c: Case, project: string): Sample {
    const started = process.hrtime.bigint();
    const child = spawnSync(process.execPath, c.args, {
        cwd: project,
        env: { ...childEnv(), ...c.env },
        encoding: "utf8",
        maxBuffer: 64 * 2 ** 20,
    });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (child.status !== 0) throw new Error(`${c.id} (${c.mode}) failed with status ${child.status}:\n${child.stderr}`);
    const last = child.stdout.trim().split("\n").pop() ?? "";
    let line: { cpuMs: number; maxRssKb: number; resources?: number; modules: number; stack: string };
    try {
        line = JSON.parse(last);
    } catch {
        throw new Error(`${c.id}: the child printed no result line:\n${child.stdout}\n${child.stderr}`);
    }
    if (line.stack !== c.stack) throw new Error(`${c.id}: the child measured ${line.stack}`);
    return { wallMs, cpuMs: line.cpuMs, maxRssKb: line.maxRssKb, resources: line.resources, modules: line.modules };
}

function measure(list: readonly Case[], opts: Options, project: string): Result[] {
    for (const c of list.filter((x) => x.warmup)) {
        const s = runOnce(c, project);
        log(`  warm-up ${c.id.padEnd(24)} ${MODE_LABEL[c.mode].padEnd(32)} ${seconds(s.wallMs)} s`);
    }
    const samples = new Map<string, Sample[]>(list.map((c) => [c.id, []]));
    for (let round = 1; round <= opts.runs; round++) {
        for (const c of list) {
            const s = runOnce(c, project);
            samples.get(c.id)!.push(s);
            log(
                `  run ${round}/${opts.runs} ${c.id.padEnd(24)} ${MODE_LABEL[c.mode].padEnd(32)} ${seconds(s.wallMs)} s  (cpu ${seconds(s.cpuMs)} s)`,
            );
        }
    }
    return list.map((c) => {
        const ss = samples.get(c.id)!;
        const counts = new Set(ss.map((s) => s.resources));
        if (counts.size > 1)
            throw new Error(`${c.id}: the resource count changed between runs (${[...counts].join(", ")})`);
        return {
            c,
            samples: ss,
            wall: summarize(ss.map((s) => s.wallMs)),
            cpu: summarize(ss.map((s) => s.cpuMs)),
            rssMb: median(ss.map((s) => s.maxRssKb)) / 1024,
            resources: ss[0].resources,
            modules: median(ss.map((s) => s.modules)),
        };
    });
}

const HEADER = [
    "measurement",
    "targets",
    "resources",
    "wall min / median / max (s)",
    "CPU median (s)",
    "peak RSS (MB)",
    "modules loaded",
];

function row(r: Result, label: string): string[] {
    return [
        label,
        r.c.targets === undefined ? "–" : String(r.c.targets),
        r.resources === undefined ? "–" : String(r.resources),
        spread(r.wall),
        seconds(r.cpu.median),
        r.rssMb.toFixed(0),
        String(r.modules),
    ];
}

const label = (r: Result): string =>
    r.c.stack === "floor"
        ? "floor: @pulumi/pulumi + the used @pulumi/aws service modules"
        : r.c.stack === "floor-root"
          ? "floor via the @pulumi/aws index (`import * as aws`)"
          : r.c.group === "modes"
            ? `${r.c.stack} — ${MODE_LABEL[r.c.mode]}`
            : r.c.stack;

function goals(results: readonly Result[], targets: readonly number[], metric: "wall" | "CPU"): GoalCheck[] {
    const get = (id: string): Result => {
        const r = results.find((x) => x.c.id === id);
        if (r === undefined) throw new Error(`no measurement ${id}`);
        return r;
    };
    const v = (r: Result): number => (metric === "wall" ? r.wall : r.cpu).median;
    const unit = metric;
    const floor = get("floor");
    const cicd1 = get("cicd@1");
    const target1 = get("target-t1@1");
    const sum1 = v(cicd1) + v(target1);
    const checks: GoalCheck[] = [
        ratioGoal(
            `cicd + target-t1 at 1 target, against twice the floor (${unit})`,
            sum1,
            2 * v(floor),
            1.5,
            `(${seconds(v(cicd1))} + ${seconds(v(target1))}) / (2 × ${seconds(v(floor))})`,
        ),
    ];
    const most = Math.max(...targets);
    if (most > 1) {
        const name = most === 50 ? "50 targets" : `${most} targets (50 not measured)`;
        for (const stack of ["cicd", "target-t1"]) {
            const hi = get(`${stack}@${most}`);
            const lo = get(`${stack}@1`);
            checks.push(
                ratioGoal(
                    `${stack}: ${name} against 1 target (${unit})`,
                    v(hi),
                    v(lo),
                    3,
                    `${seconds(v(hi))} / ${seconds(v(lo))}`,
                ),
            );
        }
        const hiBoth = v(get(`cicd@${most}`)) + v(get(`target-t1@${most}`));
        checks.push(
            ratioGoal(
                `both stacks: ${name} against 1 target (${unit})`,
                hiBoth,
                sum1,
                3,
                `${seconds(hiBoth)} / ${seconds(sum1)}`,
            ),
        );
    }
    return checks;
}

function stackReport(
    opts: Options,
    results: readonly Result[],
    info: {
        machine: Record<string, string>;
        buildMs: number;
        loadBefore: string;
        loadAfter: string;
        totalMs: number;
        project: string;
        runPath: string;
    },
): { markdown: string; text: string } {
    const main = results.filter((r) => r.c.group === "main");
    const modes = [
        ...results.filter((r) => r.c.group === "main" && r.c.targets === 1),
        ...results.filter((r) => r.c.group === "modes"),
    ].map((r) => (r.c.group === "main" ? { ...r, c: { ...r.c, group: "modes" as const } } : r));
    const wallGoals = goals(results, opts.targets, "wall");
    const cpuGoals = goals(results, opts.targets, "CPU");
    const machineLines = Object.entries(info.machine).map(([k, v]) => `- ${k}: ${v}`);
    const md = [
        `Measured ${new Date().toISOString().replace(/\.\d+Z$/, "Z")} by \`npm run bench${opts.quick ? " -- --quick" : ""}\`` +
            `${info.project === REPO ? "" : ` on ${info.project}`}: ${opts.runs} timed runs per measurement after one warm-up, ` +
            `${seconds(info.totalMs)} s in all.`,
        "",
        ...machineLines,
        `- load average (1, 5, 15 min) before: ${info.loadBefore}; after: ${info.loadAfter}`,
        "",
        "### Stacks, precompiled JS (the main table)",
        "",
        `Build step (tsc of the program, the test helpers and the bench entries): ${seconds(info.buildMs)} s, once.`,
        "",
        markdownTable(
            HEADER,
            main.map((r) => row(r, label(r))),
        ),
        "",
        ...(opts.modes
            ? [
                  "### How the TypeScript is loaded (1 target)",
                  "",
                  `The run path of this tree: ${info.runPath}`,
                  "",
                  markdownTable(
                      HEADER,
                      modes.map((r) =>
                          row(r, r.c.stack.startsWith("floor") ? label(r) : `${r.c.stack} — ${MODE_LABEL[r.c.mode]}`),
                      ),
                  ),
                  "",
              ]
            : []),
        "### Goals",
        "",
        markdownTable(
            ["goal", "wall (median)", "CPU (median)"],
            wallGoals.map((g, i) => [
                g.name.replace(/ \((wall|CPU)\)$/, ""),
                `${verdict(g)}: ${g.detail}`,
                `${verdict(cpuGoals[i])}: ${cpuGoals[i].detail}`,
            ]),
        ),
    ].join("\n");
    const text = [
        textTable(
            HEADER,
            main.map((r) => row(r, label(r))),
        ),
        ...(opts.modes
            ? [
                  "",
                  textTable(
                      HEADER,
                      modes.map((r) =>
                          row(r, `${r.c.stack}${r.c.group === "modes" ? ` — ${MODE_LABEL[r.c.mode]}` : ""}`),
                      ),
                  ),
              ]
            : []),
        "",
        ...wallGoals.map(
            (g, i) =>
                `${g.pass ? "PASS" : "FAIL"} ${g.name}: ${g.ratio.toFixed(2)}× (limit ${g.limit}×) ${g.detail}; ` +
                `CPU: ${cpuGoals[i].pass ? "PASS" : "FAIL"} ${cpuGoals[i].ratio.toFixed(2)}×`,
        ),
    ].join("\n");
    return { markdown: md, text };
}

// ---------------------------------------------------------------------------------------------
// npm test

interface Timed {
    readonly name: string;
    readonly wallMs: number;
    readonly cpuMs?: number;
    readonly maxRssMb?: number;
    readonly status: number | null;
    readonly note?: string;
}

const TIME = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

/** Runs a command once; CPU and peak RSS come from /usr/bin/time when the machine has it. */
function timed(
    name: string,
    command: string,
    args: readonly string[],
    cwd: string,
    dir: string,
): Timed & { output: string } {
    const stats = path.join(dir, `time-${name.replace(/[^a-z0-9]+/gi, "-")}.txt`);
    const [cmd, argv] = TIME ? [TIME, ["-f", "%e %U %S %M", "-o", stats, command, ...args]] : [command, [...args]];
    const started = process.hrtime.bigint();
    const run = spawnSync(cmd, argv, { cwd, env: childEnv(), encoding: "utf8", maxBuffer: 256 * 2 ** 20 });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    let cpuMs: number | undefined;
    let maxRssMb: number | undefined;
    if (TIME && fs.existsSync(stats)) {
        const last = fs.readFileSync(stats, "utf8").trim().split("\n").pop() ?? "";
        const [, user, sys, rss] = last.split(" ").map(Number);
        if ([user, sys, rss].every(Number.isFinite)) {
            cpuMs = (user + sys) * 1000;
            maxRssMb = rss / 1024;
        }
    }
    return { name, wallMs, cpuMs, maxRssMb, status: run.status, output: `${run.stdout ?? ""}${run.stderr ?? ""}` };
}

interface MochaJson {
    readonly stats: { tests: number; passes: number; failures: number; pending: number; duration: number };
    readonly tests: { fullTitle: string; file?: string; duration?: number }[];
}

function readMocha(file: string): MochaJson | undefined {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as MochaJson;
    } catch {
        return undefined;
    }
}

/** `--no-config` and the settings of .mocharc.json as flags, but for the spec and parallel runs. */
function mochaArgsWithoutSpec(file: string): string[] {
    const config = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
    const args = ["--no-config"];
    for (const [key, value] of Object.entries(config)) {
        // One file: no spec, and no worker processes either.
        if (key === "spec" || key === "parallel" || key === "jobs") continue;
        for (const v of Array.isArray(value) ? value : [value]) {
            if (typeof v === "boolean") args.push(v ? `--${key}` : `--no-${key}`);
            else args.push(`--${key}`, String(v));
        }
    }
    return args;
}

function npmTest(dir: string, filesAlone: boolean): string {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const mocha = path.join(REPO, "node_modules", "mocha", "bin", "mocha.js");
    const scripts = (
        JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    // npm test's own steps, then lint and format:check wherever they live now (e.g. npm run check).
    const inTest = npmRunSteps(scripts.test ?? "");
    const testSteps = inTest.length > 0 ? inTest : ["test"];
    const others = ["lint", "format:check"].filter((s) => scripts[s] !== undefined && !testSteps.includes(s));
    const owner = (step: string): string => {
        const parent = Object.entries(scripts).find(
            ([name, cmd]) => name !== "test" && npmRunSteps(cmd).includes(step),
        );
        return parent ? `npm run ${parent[0]}` : "its own script";
    };
    const steps: (Timed & { inTest: boolean })[] = [];
    const suiteJson = path.join(dir, "mocha-suite.json");
    let suiteResult: MochaJson | undefined;
    let suiteWallMs = 0;
    for (const script of [...testSteps, ...others]) {
        const isMocha = /^\s*mocha\b/.test(scripts[script] ?? "");
        log(`  npm run ${script} ...`);
        // The mocha step runs once, with the JSON reporter, so that its time can be split by file.
        const args = [
            "run",
            "-s",
            script,
            ...(isMocha ? ["--", "--reporter", "json", "--reporter-option", `output=${suiteJson}`] : []),
        ];
        const t = timed(`npm run ${script}`, npm, args, REPO, dir);
        let note = "";
        if (isMocha) {
            suiteResult = readMocha(suiteJson);
            suiteWallMs = t.wallMs;
            const own = (suiteResult?.tests ?? []).reduce((sum, x) => sum + (x.duration ?? 0), 0);
            note = suiteResult
                ? `${suiteResult.stats.passes} of ${suiteResult.stats.tests} tests passed; the tests' own time adds up to ${seconds(own)} s`
                : "no JSON report";
        }
        if (t.status !== 0) {
            // A failing step still took its time; say what failed, in a few words.
            const first = t.output.split("\n").find((l) => /error|problem|warn|✖|failing/i.test(l));
            note = `${note ? `${note}; ` : ""}failed: ${(first ?? "").trim().slice(0, 100)}`;
        }
        if (!testSteps.includes(script)) note = `${note ? `${note}; ` : ""}not in npm test: part of ${owner(script)}`;
        steps.push({ ...t, note, inTest: testSteps.includes(script) });
        log(`  npm run ${script}: ${seconds(t.wallMs)} s (status ${t.status})`);
    }
    const testsMs = (suiteResult?.tests ?? []).reduce((sum, x) => sum + (x.duration ?? 0), 0);

    // Where the suite's time goes, by file: the reporter gives each test's own time (not the hooks').
    const byFile = new Map<string, { tests: number; ms: number; slowest?: { title: string; ms: number } }>();
    for (const t of suiteResult?.tests ?? []) {
        const file = t.file ? path.relative(REPO, t.file) : "(unknown file)";
        const entry = byFile.get(file) ?? { tests: 0, ms: 0 };
        const ms = t.duration ?? 0;
        entry.tests += 1;
        entry.ms += ms;
        if (entry.slowest === undefined || ms > entry.slowest.ms) entry.slowest = { title: t.fullTitle, ms };
        byFile.set(file, entry);
    }
    const fileRows = [...byFile].sort((a, b) => b[1].ms - a[1].ms);

    // Optionally each file alone, in its own process: includes loading and hooks, which the reporter omits.
    const alone: Timed[] = [];
    if (filesAlone) {
        // A file named on the command line is added to the config's spec, not put in its place:
        // run each file with the config's other settings and without its spec.
        const args = mochaArgsWithoutSpec(path.join(REPO, ".mocharc.json"));
        const files = (fs.readdirSync(path.join(REPO, "test"), { recursive: true }) as string[])
            .filter((f) => f.endsWith(".test.ts"))
            .sort()
            .map((f) => path.join("test", f));
        for (const file of files) {
            const t = timed(file, process.execPath, [mocha, ...args, "--reporter", "dot", file], REPO, dir);
            alone.push(t);
            log(`  ${file} alone: ${seconds(t.wallMs)} s (status ${t.status})`);
        }
        alone.sort((a, b) => b.wallMs - a.wallMs);
    }

    const sum = (list: readonly Timed[], f: (t: Timed) => number | undefined): number | undefined =>
        list.every((t) => f(t) !== undefined) ? list.reduce((acc, t) => acc + (f(t) ?? 0), 0) : undefined;
    const ofTest = steps.filter((t) => t.inTest);
    const ofOthers = steps.filter((t) => !t.inTest);
    const opt = (n: number | undefined, f: (x: number) => string): string => (n === undefined ? "–" : f(n));
    const pct = (ms: number): string => (testsMs > 0 ? `${((100 * ms) / testsMs).toFixed(0)} %` : "–");
    return [
        `Measured ${new Date().toISOString().replace(/\.\d+Z$/, "Z")} by \`npm run bench -- --npm-test${filesAlone ? "-files" : ""}\`, ` +
            `one run of each step; load average (1, 5, 15 min) after: ${loadavg()}. ` +
            `CPU is user + system time${TIME ? " from /usr/bin/time" : " (not measured: no /usr/bin/time)"}.`,
        "",
        markdownTable(
            ["step of npm test", "wall (s)", "CPU (s)", "peak RSS (MB)", "exit status", "note"],
            [
                ...steps.map((t) => [
                    t.name,
                    seconds(t.wallMs),
                    opt(t.cpuMs, seconds),
                    opt(t.maxRssMb, (m) => m.toFixed(0)),
                    String(t.status),
                    t.note ?? "",
                ]),
                [
                    `**npm test** (${testSteps.join(" + ")}), one step after another`,
                    `**${opt(
                        sum(ofTest, (t) => t.wallMs),
                        seconds,
                    )}**`,
                    `**${opt(
                        sum(ofTest, (t) => t.cpuMs),
                        seconds,
                    )}**`,
                    "",
                    "",
                    "",
                ],
                ...(ofOthers.length > 0
                    ? [
                          [
                              `${ofOthers.map((t) => t.name.replace(/^npm run /, "")).join(" + ")}, outside npm test`,
                              opt(
                                  sum(ofOthers, (t) => t.wallMs),
                                  seconds,
                              ),
                              opt(
                                  sum(ofOthers, (t) => t.cpuMs),
                                  seconds,
                              ),
                              "",
                              "",
                              "",
                          ],
                      ]
                    : []),
            ],
        ),
        "",
        `The mocha suite by file, from its JSON report, slowest first: each test's own time as mocha reports it, ` +
            `${seconds(testsMs)} s in all for a suite of ${seconds(suiteWallMs)} s of wall time. Loading ts-node, ` +
            `@pulumi/pulumi and the test files, and the hooks, are not in it; with parallel jobs the sum can exceed the wall time.`,
        "",
        markdownTable(
            ["test file", "tests", "tests' time (s)", "share", "slowest test (s)"],
            fileRows.map(([file, e]) => [
                file,
                String(e.tests),
                seconds(e.ms),
                pct(e.ms),
                e.slowest ? `${e.slowest.title} (${seconds(e.slowest.ms)})` : "–",
            ]),
        ),
        ...(filesAlone
            ? [
                  "",
                  "Each mocha file alone, in a fresh process (loading and hooks included), slowest first:",
                  "",
                  markdownTable(
                      ["test file", "wall (s)", "CPU (s)", "exit status"],
                      alone.map((t) => [t.name, seconds(t.wallMs), opt(t.cpuMs, seconds), String(t.status)]),
                  ),
              ]
            : []),
    ].join("\n");
}

// ---------------------------------------------------------------------------------------------

const TEMPLATE = `# Benchmarks

\`npm run bench\` rewrites the generated sections below (between the \`bench:\` markers); the rest is
written by hand.

## Stacks

${section("stacks", "Not measured yet: run `npm run bench`.")}

## npm test

${section("npm-test", "Not measured yet: run `npm run bench -- --npm-test`.")}
`;

function writeSection(file: string, name: string, body: string): void {
    const doc = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : TEMPLATE;
    const next =
        replaceSection(doc, name, body) ?? replaceSection(`${doc.trimEnd()}\n\n${section(name, "")}\n`, name, body)!;
    fs.writeFileSync(file, next);
}

async function main(): Promise<void> {
    const opts = parseOptions(process.argv.slice(2), path.join(REPO, "BENCHMARKS.md"));
    const project = path.resolve(opts.project ?? REPO);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-bench-"));
    const started = process.hrtime.bigint();
    try {
        if (!opts.npmTestOnly) {
            for (const f of ["child.ts", "floor.ts"]) {
                if (!fs.existsSync(path.join(project, "scripts", "bench", f)))
                    throw new Error(`${project} has no scripts/bench/${f}: copy it there first`);
            }
            checkFloor(project);
            const loadBefore = loadavg();
            const source = snapshot(project, dir);
            log(`Building the program (a snapshot of ${project}) into ${dir} ...`);
            const built = build(source, dir);
            log(`  tsc: ${seconds(built.ms)} s`);
            log("Running cicd once in this process for the target stacks' StackReference ...");
            const outputs = await cicdOutputs(source, dir, opts.targets);
            const list = cases(opts, source, built.outDir, outputs);
            log(`Measuring ${list.length} commands, ${opts.runs} runs each after a warm-up ...`);
            const results = measure(list, opts, source);
            const report = stackReport(opts, results, {
                machine: machine(),
                buildMs: built.ms,
                loadBefore,
                loadAfter: loadavg(),
                totalMs: Number(process.hrtime.bigint() - started) / 1e6,
                project,
                runPath: runPath(source),
            });
            process.stdout.write(`\n${report.text}\n`);
            if (opts.out) writeSection(opts.out, "stacks", report.markdown);
        }
        if (opts.npmTest) {
            log("Timing npm test, one step at a time ...");
            const body = npmTest(dir, opts.npmTestFiles);
            process.stdout.write(`\n${body}\n`);
            if (opts.out) writeSection(opts.out, "npm-test", body);
        }
        if (opts.out) log(`\nWrote ${path.relative(process.cwd(), opts.out) || opts.out}`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main().then(
    () => process.exit(0),
    (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
    },
);
