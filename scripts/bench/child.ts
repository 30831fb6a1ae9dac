/**
 * One timed run of `npm run bench`: a fresh process that evaluates one stack offline, under the test
 * mocks (tools/offline/mocks.ts), and exits once the mock engine has seen every registration. It
 * prints one JSON line (resource count, modules loaded, CPU time, peak RSS) so that the parent can
 * check the run did the work.
 *
 *   child cicd <targets>                       the cicd stack, config benchConfig(targets)
 *   child target-t1 <targets> <outputs.json>   a target stack; its StackReference answers with the
 *                                              cicd outputs the parent precomputed, so that only the
 *                                              target stack is measured
 */
import * as fs from "fs";

const started = process.hrtime.bigint();
/** Full stack traces, as under `pulumi up` (the offline mocks otherwise keep 2 frames; tools/offline/mocks.ts). */
const V8_DEFAULT_STACK_TRACE_LIMIT = Error.stackTraceLimit;
const msSince = (from: bigint): number => Math.round(Number(process.hrtime.bigint() - from) / 1e6);

type CicdOutputsFile = Record<string, unknown> & {
    readonly targets: Record<string, { readonly stackName: string; readonly accountId: string }>;
};

async function main(): Promise<Record<string, unknown>> {
    const [stack, targetsText, outputsFile] = process.argv.slice(2);
    const targets = Number(targetsText);
    if (!stack || !Number.isInteger(targets) || targets < 1) {
        throw new Error("usage: child <cicd|target-<name>> <targets> [cicd-outputs.json]");
    }
    // The program, and through it @pulumi/pulumi and @pulumi/aws, loads here: its import cost is
    // part of the measurement, as it is part of every `pulumi up`.
    const { resolveOutputs, settle, useMocks } = await import("../../tools/offline/mocks");
    const { CICD_ACCOUNT, CICD_STACK, readerOf } = await import("../../tools/offline/program");
    const { benchConfig } = await import("./config");
    const { runStack } = await import("../../stacks");
    const loaded = process.hrtime.bigint();

    let config: Record<string, string> = {};
    let mocks;
    if (stack === "cicd") {
        config = benchConfig(targets);
        mocks = await useMocks(stack, { accountId: CICD_ACCOUNT, stackTraceLimit: V8_DEFAULT_STACK_TRACE_LIMIT });
    } else {
        if (!outputsFile) throw new Error(`${stack}: the file with the cicd stack's outputs is required`);
        const cicdOutputs = JSON.parse(fs.readFileSync(outputsFile, "utf8")) as CicdOutputsFile;
        const entry = Object.values(cicdOutputs.targets).find((t) => t.stackName === stack);
        if (entry === undefined) throw new Error(`${stack}: no such target in the cicd outputs ${outputsFile}`);
        mocks = await useMocks(stack, {
            stackTraceLimit: V8_DEFAULT_STACK_TRACE_LIMIT,
            accountId: entry.accountId,
            providerAccounts: { target: entry.accountId },
            stackOutputs: { [CICD_STACK]: cicdOutputs },
        });
    }
    const outputs = await resolveOutputs(await runStack(stack, readerOf(config)));
    await settle(mocks);
    const usage = process.resourceUsage();
    return {
        stack,
        targets,
        resources: mocks.resources.length,
        outputs: Object.keys(outputs).length,
        modules: Object.keys(require.cache).length,
        loadMs: Math.round(Number(loaded - started) / 1e6),
        runMs: msSince(loaded),
        cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000),
        maxRssKb: usage.maxRSS,
    };
}

main().then(
    (line) => {
        process.stdout.write(`${JSON.stringify(line)}\n`);
        process.exit(0);
    },
    (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(1);
    },
);
