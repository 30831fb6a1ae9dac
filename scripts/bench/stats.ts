/** Pure helpers of `npm run bench`: statistics, formatting, and the generated parts of BENCHMARKS.md. */

export interface Summary {
    readonly runs: number;
    readonly min: number;
    readonly median: number;
    readonly max: number;
}

/** The median of a non-empty list (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
    if (values.length === 0) throw new Error("median of an empty list");
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(values: readonly number[]): Summary {
    if (values.length === 0) throw new Error("summary of an empty list");
    return { runs: values.length, min: Math.min(...values), median: median(values), max: Math.max(...values) };
}

/** Milliseconds as seconds with two decimals: 1234.5 → "1.23". */
export const seconds = (ms: number): string => (ms / 1000).toFixed(2);

/** "1.23 / 1.30 / 1.52" (min / median / max, in seconds). */
export const spread = (s: Summary): string => `${seconds(s.min)} / ${seconds(s.median)} / ${seconds(s.max)}`;

export interface GoalCheck {
    readonly name: string;
    readonly ratio: number;
    readonly limit: number;
    readonly pass: boolean;
    /** How the ratio was computed, with the numbers. */
    readonly detail: string;
}

/** A ratio goal: `value / base` must be at most `limit`. */
export function ratioGoal(name: string, value: number, base: number, limit: number, detail: string): GoalCheck {
    if (!(base > 0)) throw new Error(`${name}: the base must be positive; got ${base}`);
    const ratio = value / base;
    return { name, ratio, limit, pass: ratio <= limit, detail };
}

export const verdict = (g: GoalCheck): string =>
    `**${g.pass ? "PASS" : "FAIL"}** ${g.ratio.toFixed(2)}× (limit ${g.limit}×)`;

/** A Markdown table; cells are escaped for `|`. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
    const cell = (s: string): string => s.replace(/\|/g, "\\|");
    const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(" | ")} |`;
    return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** A fixed-width text table for the terminal. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const line = (cells: readonly string[]): string =>
        cells
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd();
    return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const marker = (name: string, end: boolean): string => `<!-- bench:${name}:${end ? "end" : "start"} -->`;

/** A generated section, between markers that `replaceSection` finds again on the next run. */
export const section = (name: string, body: string): string =>
    `${marker(name, false)}\n${body.trim()}\n${marker(name, true)}`;

/**
 * Replaces the generated section `name` of a document, leaving the hand-written text around it as it
 * is. Returns undefined when the document has no such section.
 */
export function replaceSection(doc: string, name: string, body: string): string | undefined {
    const start = doc.indexOf(marker(name, false));
    const end = doc.indexOf(marker(name, true));
    if (start < 0 || end < start) return undefined;
    return doc.slice(0, start) + section(name, body) + doc.slice(end + marker(name, true).length);
}

/** Command-line options of `npm run bench`. */
export interface Options {
    readonly runs: number;
    /** Target counts of the cicd stack; always includes 1. */
    readonly targets: readonly number[];
    readonly quick: boolean;
    /** Also time `npm test`. */
    readonly npmTest: boolean;
    /** Only time `npm test`. */
    readonly npmTestOnly: boolean;
    /** Copy of the program to measure (default: this repository). */
    readonly project?: string;
    /** Where to write the results; undefined: print only. */
    readonly out?: string;
}

/** The most targets a measured config may have: the documented maximum for both methods (docs/scale.md). */
export const MAX_BENCH_TARGETS = 244;

export const USAGE = `usage: npm run bench -- [options]
  --runs N        timed runs per measurement, after one warm-up (default 5, at least 1)
  --quick         3 runs, 1 and 50 targets only
  --targets LIST  target counts, e.g. 1,50,200 (default 1,50,200; 1 is always measured)
  --npm-test      also time npm test, --runs times (it writes its own section)
  --npm-test-only time npm test only
  --project DIR   measure another copy of the program (e.g. a scratch copy with a fix); prints only
  --out FILE      write the results into FILE (default BENCHMARKS.md, or nothing with --project)
  --no-write      print only`;

/** Parses the command line; throws with the usage on a mistake. */
export function parseOptions(argv: readonly string[], defaultOut: string): Options {
    let runs: number | undefined;
    let targets: number[] | undefined;
    let quick = false;
    let npmTest = false;
    let npmTestOnly = false;
    let project: string | undefined;
    let out: string | undefined;
    let write = true;
    const value = (i: number, flag: string): string => {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value\n${USAGE}`);
        return v;
    };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        switch (arg) {
            case "--runs": {
                const v = value(i++, arg);
                if (!/^\d+$/.test(v) || Number(v) < 1)
                    throw new Error(`--runs must be a whole number ≥ 1; got ${v}\n${USAGE}`);
                runs = Number(v);
                break;
            }
            case "--targets": {
                const v = value(i++, arg);
                const list = v.split(",").map((s) => s.trim());
                if (list.some((s) => !/^\d+$/.test(s) || Number(s) < 1 || Number(s) > MAX_BENCH_TARGETS)) {
                    throw new Error(
                        `--targets must list whole numbers from 1 to ${MAX_BENCH_TARGETS} (the most targets AWS's quotas ` +
                            `allow with both methods and approvals, docs/scale.md); got ${v}\n${USAGE}`,
                    );
                }
                targets = [...new Set(list.map(Number))].sort((a, b) => a - b);
                break;
            }
            case "--quick":
                quick = true;
                break;
            case "--npm-test":
                npmTest = true;
                break;
            case "--npm-test-only":
                npmTest = true;
                npmTestOnly = true;
                break;
            case "--project":
                project = value(i++, arg);
                break;
            case "--out":
                out = value(i++, arg);
                break;
            case "--no-write":
                write = false;
                break;
            case "--help":
            case "-h":
                throw new Error(USAGE);
            default:
                throw new Error(`unknown option ${arg}\n${USAGE}`);
        }
    }
    targets ??= quick ? [1, 50] : [1, 50, 200];
    if (!targets.includes(1)) targets = [1, ...targets];
    return {
        runs: runs ?? (quick ? 3 : 5),
        targets,
        quick,
        npmTest,
        npmTestOnly,
        project,
        out: !write ? undefined : (out ?? (project === undefined ? defaultOut : undefined)),
    };
}

/**
 * The @pulumi/aws exports that source files use as values (`new aws.s3.Bucket(`, `aws.getPartition(`,
 * `new aws.Provider(`), sorted: what the floor must load. Type positions (`aws.iam.PolicyDocument`)
 * cost nothing at run time and are not listed.
 */
export function usedAwsExports(sources: readonly string[]): string[] {
    const found = new Set<string>();
    for (const source of sources) {
        for (const m of source.matchAll(/\bnew\s+aws\.(?:([a-z0-9]+)\.)?([A-Z]\w*)\s*[(<]/g)) {
            found.add(m[1] ? `${m[1]}.${m[2]}` : m[2]);
        }
        for (const m of source.matchAll(/\baws\.(get[A-Z]\w*)\s*\(/g)) found.add(m[1]);
    }
    return [...found].sort();
}
