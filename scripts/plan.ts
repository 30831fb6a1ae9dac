/**
 * `npm run plan -- <stack> [--out <dir>]`: what the program declares for a stack, offline.
 *
 * No credentials, no Pulumi CLI, no AWS call: the program runs under the mock engine of the tests
 * (tools/offline/mocks.ts) with the stack's committed config (`Pulumi.<stack>.yaml`). For `target` and
 * `target-<name>`, the cicd stack runs first with `Pulumi.cicd.yaml`, and its outputs stand behind the
 * target's StackReference. The report lists every resource (type, name, parent component, key inputs),
 * every IAM document, the cross-account hop matrix with the evaluator's verdicts (tools/offline/iam/), and a
 * Mermaid diagram of the components, accounts and trust edges. It is what the program declares, not a
 * diff against live state.
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
import { parse as parseYaml } from "yaml";
import { ConfigError, parseTargetConfig, PROJECT } from "../config";
import { runStack } from "../stacks";
import type { TargetContract } from "../stacks/cicd";
import { Recorded, resolveOutputs, settle, useMocks } from "../tools/offline/mocks";
import { CICD_ACCOUNT, CicdRun, readerOf, runCicd, TargetRun } from "../tools/offline/program";
import { captureModel } from "../tools/offline/iam/capture";
import { evaluateHops, Hop, HOPS, requestOf } from "../tools/offline/iam/hops";
import {
    iamDocuments,
    mermaidDiagram,
    PLAN_LABEL,
    PlanAccount,
    PlanHopMatrix,
    PlanHopRow,
    PlanJson,
    planResources,
    PlanStackRun,
    renderMarkdown,
    summaryLine,
} from "../tools/offline/plan/report";

export { PLAN_LABEL, summaryLine };

/** A request the plan cannot serve as given (exit 2): unknown stack, missing config file, bad flags. */
export class PlanUsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlanUsageError";
    }
}

const STACK_FORM = /^(cicd|target|target-.+)$/;

export interface PlanOptions {
    /** Where `Pulumi.<stack>.yaml` files are read from. */
    readonly repoRoot: string;
}

export interface PlanResult {
    readonly markdown: string;
    readonly json: PlanJson;
}

export interface StackConfig {
    /** Relative to the repo root. */
    readonly file: string;
    readonly exists: boolean;
    /** Full keys (`aws:region`, `cross-account-pipeline:...`) to the strings `config.get` returns. */
    readonly values: Record<string, string>;
}

/**
 * Reads `Pulumi.<stack>.yaml`'s `config:` map as Pulumi hands it to the program: scalars as strings,
 * objects and lists as JSON strings. A key without a namespace is the project's. Secrets cannot be
 * decrypted without the Pulumi CLI: they are refused.
 */
export function readStackConfig(repoRoot: string, stack: string): StackConfig {
    const file = `Pulumi.${stack}.yaml`;
    const full = path.join(repoRoot, file);
    if (!fs.existsSync(full)) return { file, exists: false, values: {} };
    let parsed: unknown;
    try {
        parsed = parseYaml(fs.readFileSync(full, "utf8"));
    } catch (err) {
        throw new ConfigError(`${file} is not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
    }
    const config = (parsed as { config?: unknown } | null)?.config ?? {};
    if (config === null || typeof config !== "object" || Array.isArray(config)) {
        throw new ConfigError(`${file}: "config" must be a map of keys to values`);
    }
    const values: Record<string, string> = {};
    for (const [rawKey, v] of Object.entries(config as Record<string, unknown>)) {
        const key = rawKey.includes(":") ? rawKey : `${PROJECT}:${rawKey}`;
        if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v) {
            throw new ConfigError(
                `${key} in ${file} is a secret: the plan runs without the Pulumi CLI and cannot decrypt it`,
            );
        }
        values[key] = v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v);
    }
    return { file, exists: true, values };
}

/** Runs one target stack under fresh mocks, with the cicd run's outputs behind its StackReference. */
async function runTargetStack(stack: string, config: Record<string, string>, cicd: CicdRun): Promise<TargetRun> {
    const { cicdStack, targetName } = parseTargetConfig(readerOf(config), stack);
    const entry = (cicd.outputs.targets as Record<string, TargetContract>)[targetName];
    // Without an entry the stack stops before it asks for an identity; the account is never used.
    const account = entry?.accountId ?? "000000000000";
    const mocks = await useMocks(stack, {
        accountId: account,
        providerAccounts: { target: account },
        stackOutputs: { [cicdStack]: cicd.outputs },
    });
    const outputs = await resolveOutputs(await runStack(stack, readerOf(config)));
    await settle(mocks);
    return { mocks, outputs, cicd };
}

// Plain booleans: the inputs are untyped, and the fields read below differ by kind of asset.
const isArchive = (x: unknown): boolean => pulumi.asset.Archive.isInstance(x);
const isAsset = (x: unknown): boolean => pulumi.asset.Asset.isInstance(x);

/**
 * Inputs as plain data: promises awaited, and an asset or archive (the source archive) replaced by
 * a description of what it holds, so that the JSON report says what would be uploaded.
 */
async function plain(value: unknown): Promise<unknown> {
    const v: any = await value;
    if (isArchive(v)) {
        if (v.assets !== undefined) {
            const entries = (await v.assets) as Record<string, unknown>;
            const described: Record<string, unknown> = {};
            for (const k of Object.keys(entries).sort()) described[k] = await plain(entries[k]);
            return { "pulumi:archive": "AssetArchive", entries: described };
        }
        return {
            "pulumi:archive": v.path !== undefined ? "FileArchive" : "RemoteArchive",
            location: await (v.path ?? v.uri),
        };
    }
    if (isAsset(v)) {
        if (v.text !== undefined) return `StringAsset (${String(await v.text).length} characters)`;
        return v.path !== undefined ? `FileAsset ${await v.path}` : `RemoteAsset ${await v.uri}`;
    }
    if (Array.isArray(v)) return Promise.all(v.map(plain));
    if (v !== null && typeof v === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
            const p = await plain(x);
            if (p !== undefined) out[k] = p;
        }
        return out;
    }
    return v;
}

const plainResources = async (resources: readonly Recorded[]): Promise<Recorded[]> =>
    Promise.all(resources.map(async (r) => ({ ...r, inputs: (await plain(r.inputs)) as Record<string, any> })));

/** Every hop of tools/offline/iam/hops.ts for the stack pair; hops of a method that is off are not applicable. */
async function hopMatrix(cicd: CicdRun, run: TargetRun, stack: string): Promise<PlanHopMatrix> {
    const model = captureModel(cicd, [run]);
    const target = model.targets[0];
    const applicable: Hop[] = [];
    const skipped = new Map<string, string>();
    const methods = model.cicd.methods as string[];
    const bothMethods = ["terraform", "cloudformation"].every((m) => methods.includes(m));
    // The target's roles, by the names the cicd stack decided; a method that is off declares none of its own.
    const contractRoles = [
        "terraformDeployRoleArn",
        "cloudFormationDeployRoleArn",
        "cloudFormationExecutionRoleArn",
    ].map((k) => target.contract[k] as string);
    for (const hop of HOPS) {
        let resource: string;
        try {
            resource = requestOf(model, hop).resource;
        } catch (err) {
            // With both methods on, every hop must resolve: anything else is a real failure.
            if (bothMethods) throw err;
            skipped.set(hop.id, `methods: ${methods.join(", ")}`);
            continue;
        }
        if (!bothMethods && contractRoles.includes(resource) && !model.roles.has(resource)) {
            skipped.set(hop.id, `methods: ${methods.join(", ")}`);
            continue;
        }
        applicable.push(hop);
    }
    const evaluated = new Map((await evaluateHops(model, applicable)).map((r) => [r.hop.id, r]));
    const rows = HOPS.map((hop): PlanHopRow => {
        const r = evaluated.get(hop.id);
        if (r === undefined) {
            return {
                id: hop.id,
                group: hop.group,
                title: hop.title,
                principal: hop.principal,
                action: hop.action,
                resource: "",
                expected: hop.expected,
                asExpected: true,
                skipped: skipped.get(hop.id) ?? "not evaluated",
                allowedBy: [],
                deniedBy: [],
            };
        }
        return {
            id: hop.id,
            group: hop.group,
            title: hop.title,
            principal: r.principal,
            action: r.action,
            resource: r.resource,
            expected: r.expected,
            actual: r.actual,
            asExpected: r.actual === r.expected,
            allowedBy: r.result.allowedBy,
            deniedBy: r.result.deniedBy,
        };
    });
    return { cicdStack: "cicd", targetStack: stack, targetName: target.name, targetAccountId: target.accountId, rows };
}

const NOTICE = [
    "Produced offline by `npm run plan`: the program ran under Pulumi's mock engine (`tools/offline/mocks.ts`) " +
        "with the stack's committed config. No credentials, no Pulumi CLI, no AWS call.",
    "It shows the resources and documents the program would register. It does not know what exists in AWS, " +
        "and it is not what `pulumi preview` would change. IDs, and ARNs that AWS assigns, are the mock's.",
    `The CI/CD account ${CICD_ACCOUNT} is a placeholder: the cicd stack takes its account from the credentials ` +
        "it is deployed with. The target accounts are the ones in the cicd stack's config.",
];

/** Runs the plan for one stack and renders the report. Throws PlanUsageError or ConfigError. */
export async function buildPlan(stack: string, opts: PlanOptions): Promise<PlanResult> {
    if (!STACK_FORM.test(stack)) {
        throw new PlanUsageError(
            `Unknown stack "${stack}": this program has the stacks "cicd", "target" and "target-<name>" ` +
                `(one per entry of ${PROJECT}:targets)`,
        );
    }
    const own = readStackConfig(opts.repoRoot, stack);
    if (!own.exists) {
        throw new PlanUsageError(
            `No ${own.file} in ${opts.repoRoot}: the plan reads the stack's committed config from it`,
        );
    }
    const cicdConfig = stack === "cicd" ? own : readStackConfig(opts.repoRoot, "cicd");
    if (!cicdConfig.exists) {
        throw new PlanUsageError(
            `No Pulumi.cicd.yaml in ${opts.repoRoot}: the ${stack} stack reads the cicd stack's outputs`,
        );
    }

    const cicd = await runCicd(cicdConfig.values);
    const contracts = Object.values(cicd.outputs.targets as Record<string, TargetContract>);
    // The target stacks drawn and evaluated: this one, or (for cicd) each one the config names.
    const targetStacks = stack === "cicd" ? contracts.map((c) => c.stackName) : [stack];
    // A target stack without a committed file of its own (planning cicd) runs with the defaults.
    const targetRuns: { stack: string; run: TargetRun }[] = [];
    for (const s of targetStacks) {
        const config = s === stack ? own : readStackConfig(opts.repoRoot, s);
        targetRuns.push({ stack: s, run: await runTargetStack(s, config.values, cicd) });
    }
    const hopMatrices: PlanHopMatrix[] = [];
    for (const t of targetRuns) hopMatrices.push(await hopMatrix(cicd, t.run, t.stack));

    const cicdAccountId = cicd.outputs.cicdAccountId as string;
    const runs: PlanStackRun[] = [
        {
            stack: "cicd",
            role: "cicd",
            accountId: cicdAccountId,
            resources: await plainResources(cicd.mocks.resources),
            outputs: cicd.outputs,
        },
        ...(await Promise.all(
            targetRuns.map(async (t): Promise<PlanStackRun> => ({
                stack: t.stack,
                role: "target",
                accountId: t.run.outputs.accountId as string,
                resources: await plainResources(t.run.mocks.resources),
                outputs: t.run.outputs,
                targetName: t.run.outputs.targetName as string,
            })),
        )),
    ];
    const self = runs.find((r) => r.stack === stack)!;
    const singleForm = cicdConfig.values[`${PROJECT}:targets`] === undefined;
    const accounts: PlanAccount[] = [
        {
            role: "cicd",
            accountId: cicdAccountId,
            stack: "cicd",
            source: "placeholder (the mock's; the real one is the account of the credentials the cicd stack is deployed with)",
            placeholder: true,
        },
        ...runs
            .filter((r) => r.role === "target")
            .map((r): PlanAccount => ({
                role: "target",
                accountId: r.accountId,
                stack: r.stack,
                targetName: r.targetName,
                source: `from ${PROJECT}:${singleForm ? "targetAccountId" : "targets"} in Pulumi.cicd.yaml`,
                placeholder: false,
            })),
    ];
    const resources = planResources(self);
    const docs = iamDocuments(self);
    const mermaid = mermaidDiagram({
        partition: cicd.outputs.partition as string,
        runs,
        reportStack: stack,
        cicdPlaceholder: true,
    });
    const allRows = hopMatrices.flatMap((m) => m.rows.map((r) => ({ m, r })));
    const evaluated = allRows.filter(({ r }) => r.skipped === undefined);
    const wrong = evaluated
        .filter(({ r }) => !r.asExpected)
        .map(({ m, r }) => (hopMatrices.length > 1 ? `${m.targetStack}:${r.id}` : r.id));
    const json: PlanJson = {
        label: PLAN_LABEL,
        kind: "cross-account-pipeline plan",
        stack,
        notice: NOTICE,
        configFiles: stack === "cicd" ? [own.file] : [own.file, cicdConfig.file],
        config: own.values,
        region: cicd.outputs.region as string,
        partition: cicd.outputs.partition as string,
        accounts,
        resources,
        iamDocuments: docs,
        hopMatrices,
        mermaid,
        outputs: self.outputs,
        summary: {
            resources: resources.length,
            components: resources.filter((r) => r.component).length,
            iamDocuments: docs.length,
            hops: allRows.length,
            hopsEvaluated: evaluated.length,
            hopsNotAsExpected: wrong,
            hopsAllAsExpected: wrong.length === 0,
        },
    };
    return { markdown: renderMarkdown(json), json };
}

/** Writes the report; returns the two paths. */
export function writePlan(result: PlanResult, outDir: string): { markdown: string; json: string } {
    fs.mkdirSync(outDir, { recursive: true });
    const md = path.join(outDir, `plan-${result.json.stack}.md`);
    const js = path.join(outDir, `plan-${result.json.stack}.json`);
    fs.writeFileSync(md, result.markdown);
    fs.writeFileSync(js, `${JSON.stringify(result.json, null, 2)}\n`);
    return { markdown: md, json: js };
}

const USAGE = "usage: npm run plan -- <cicd|target|target-<name>> [--out <dir>]";

function parseArgs(argv: readonly string[]): { stack: string; out?: string } {
    let stack: string | undefined;
    let out: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--out" || a === "-o") {
            out = argv[++i];
            if (out === undefined || out === "") throw new PlanUsageError(`--out needs a directory\n${USAGE}`);
        } else if (a.startsWith("--out=")) out = a.slice("--out=".length);
        else if (a.startsWith("-")) throw new PlanUsageError(`unknown flag ${a}\n${USAGE}`);
        else if (stack === undefined) stack = a;
        else throw new PlanUsageError(`one stack at a time; got "${stack}" and "${a}"\n${USAGE}`);
    }
    if (stack === undefined) throw new PlanUsageError(`which stack?\n${USAGE}`);
    return { stack, ...(out !== undefined ? { out } : {}) };
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
    const { stack, out } = parseArgs(argv);
    const repoRoot = path.resolve(__dirname, "..");
    const result = await buildPlan(stack, { repoRoot });
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
