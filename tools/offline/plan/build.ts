/**
 * Builds the plan of one stack (`npm run plan -- <stack>`, scripts/plan.ts): runs the program under
 * the mock engine with the stack's committed config, the cicd stack first when another stack reads
 * its outputs, captures the IAM documents, evaluates the hop matrix, and returns the report's data.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, PROJECT } from "../../../config";
import type { TargetContract } from "../../../contract";
import { runStack } from "../../../stacks";
import { captureModel, IamModel } from "../iam/capture";
import { cellsOf, evaluateHops, Pair } from "../iam/hops";
import { Recorded, resolveOutputs, settle, useMocks } from "../mocks";
import { CICD_ACCOUNT, CICD_STACK, CicdRun, readerOf, runCicd, runTarget, TargetRun } from "../program";
import { readStackConfig } from "../stackConfig";
import { mermaidDiagram } from "./diagram";
import { iamDocuments } from "./documents";
import { planResources } from "./keyInputs";
import { renderMarkdown } from "./markdown";
import { planPipelines, rolloutDiagram } from "./pipelines";
import {
    PLAN_LABEL,
    PlanAccount,
    PlanHopMatrix,
    PlanHopRow,
    PlanIamDocument,
    PlanJson,
    PlanResource,
    PlanStackRun,
    PlanSummary,
} from "./types";

/** A request the plan cannot serve as given (exit 2): unknown stack, missing config file, bad flags. */
export class PlanUsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlanUsageError";
    }
}

export const STACK_FORM = /^(cicd|target|target-.+|org)$/;

/** The org stack's management account: a placeholder, as the CI/CD account is. */
export const MANAGEMENT_ACCOUNT = "999999999999";

/** Above this many targets the diagram shows the rollout by wave rather than every resource. */
export const DIAGRAM_TARGETS = 4;

export interface PlanOptions {
    /** Where `Pulumi.<stack>.yaml` files are read from. */
    readonly configDir: string;
}

export interface PlanResult {
    readonly markdown: string;
    readonly json: PlanJson;
}

/** Runs the org stack under fresh mocks in the (placeholder) management account. */
async function runOrgStack(config: Record<string, string>, cicd: CicdRun): Promise<CicdRun> {
    const mocks = await useMocks("org", {
        accountId: MANAGEMENT_ACCOUNT,
        stackOutputs: { [config[`${PROJECT}:cicdStack`] ?? CICD_STACK]: cicd.outputs },
    });
    const outputs = await resolveOutputs(await runStack("org", readerOf(config)));
    await settle(mocks);
    return { mocks, outputs };
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

/** Every hop for each pair: a target as A and, when there is another, the next target as B. */
export async function planHopMatrices(model: IamModel, selves: readonly string[]): Promise<PlanHopMatrix[]> {
    const matrices: PlanHopMatrix[] = [];
    const all = model.targets;
    for (const name of selves) {
        const i = all.findIndex((t) => t.name === name);
        const self = all[i];
        const other = all.length > 1 ? all[(i + 1) % all.length] : undefined;
        const pair: Pair = other !== undefined ? { self, other } : { self };
        const rows = (await evaluateHops(model, undefined, pair)).map((r): PlanHopRow => ({
            id: r.hop.id,
            ...cellsOf(r),
            asExpected: r.skipped !== undefined || r.actual === r.expected,
            allowedBy: r.result?.allowedBy ?? [],
            deniedBy: r.result?.deniedBy ?? [],
        }));
        matrices.push({
            targetStack: self.stack,
            targetName: self.name,
            targetAccountId: self.accountId,
            ...(other !== undefined ? { otherName: other.name, otherAccountId: other.accountId } : {}),
            rows,
        });
    }
    return matrices;
}

/** The counts of the report, and the hops whose verdict is not the expected one (`<target>:<hop>` for a fleet). */
export function planSummary(
    resources: readonly PlanResource[],
    docs: readonly PlanIamDocument[],
    matrices: readonly PlanHopMatrix[],
): PlanSummary {
    const rows = matrices.flatMap((m) => m.rows.map((r) => ({ m, r })));
    const evaluated = rows.filter(({ r }) => r.skipped === undefined);
    const wrong = evaluated
        .filter(({ r }) => !r.asExpected)
        .map(({ m, r }) => (matrices.length > 1 ? `${m.targetName}:${r.id}` : r.id));
    return {
        resources: resources.length,
        components: resources.filter((r) => r.component).length,
        iamDocuments: docs.length,
        hops: rows.length,
        hopsEvaluated: evaluated.length,
        hopsNotAsExpected: wrong,
        hopsAllAsExpected: wrong.length === 0,
    };
}

const NOTICE = [
    "Produced offline by `npm run plan`: the program ran under Pulumi's mock engine (`tools/offline/mocks.ts`) " +
        "with the stack's committed config. No credentials, no Pulumi CLI, no AWS call.",
    "It shows the resources and documents the program would register. It does not know what exists in AWS, " +
        "and it is not what `pulumi preview` would change. IDs, and ARNs that AWS assigns, are the mock's.",
    `The CI/CD account ${CICD_ACCOUNT} is a placeholder: the cicd stack takes its account from the credentials ` +
        "it is deployed with. The target accounts are the ones in the cicd stack's config.",
];

function checkRequest(
    stack: string,
    opts: PlanOptions,
): { own: ReturnType<typeof readStackConfig>; cicd: ReturnType<typeof readStackConfig> } {
    if (!STACK_FORM.test(stack)) {
        throw new PlanUsageError(
            `Unknown stack "${stack}": this program has the stacks "cicd", "target", "target-<name>" ` +
                `(one per entry of ${PROJECT}:targets) and "org"`,
        );
    }
    const own = readStackConfig(opts.configDir, stack);
    if (!own.exists) {
        throw new PlanUsageError(
            `No ${own.file} in ${opts.configDir}: the plan reads the stack's committed config from it`,
        );
    }
    const cicd = stack === "cicd" ? own : readStackConfig(opts.configDir, "cicd");
    if (!cicd.exists) {
        throw new PlanUsageError(
            `No Pulumi.cicd.yaml in ${opts.configDir}: the ${stack} stack reads the cicd stack's outputs`,
        );
    }
    return { own, cicd };
}

/** Runs the plan for one stack and renders the report. Throws PlanUsageError or ConfigError. */
export async function buildPlan(stack: string, opts: PlanOptions): Promise<PlanResult> {
    const { own, cicd: cicdConfig } = checkRequest(stack, opts);
    const cicd = await runCicd(cicdConfig.values);
    const contracts = Object.values(cicd.outputs.targets as Record<string, TargetContract>);
    const cicdAccountId = cicd.outputs.cicdAccountId as string;

    // The target stacks run: every one for cicd; this one and the next (the B of its hops) for a target.
    let targetStacks: string[] = [];
    if (stack === "cicd") targetStacks = contracts.map((c) => c.stackName);
    else if (stack !== "org") {
        const i = contracts.findIndex((c) => c.stackName === stack);
        if (i < 0) {
            // The target stack itself refuses (its name is not in the cicd stack's targets), with its message.
            await runTarget({}, { stack, targetConfig: own.values, cicd });
            throw new ConfigError(`${stack} is not a target of the cicd stack`);
        }
        targetStacks = [stack, ...(contracts.length > 1 ? [contracts[(i + 1) % contracts.length].stackName] : [])];
    }
    const targetRuns: { stack: string; run: TargetRun }[] = [];
    for (const s of targetStacks) {
        // A target stack without a committed file of its own (planning cicd) runs with the defaults.
        const config = s === stack ? own : readStackConfig(opts.configDir, s);
        targetRuns.push({ stack: s, run: await runTarget({}, { stack: s, targetConfig: config.values, cicd }) });
    }
    const org = stack === "org" ? await runOrgStack(own.values, cicd) : undefined;

    const model =
        targetRuns.length > 0
            ? captureModel(
                  cicd,
                  targetRuns.map((t) => t.run),
              )
            : undefined;
    const selves =
        stack === "cicd"
            ? contracts.map((c) => c.name)
            : targetRuns.slice(0, 1).map((t) => t.run.outputs.targetName as string);
    const matrices = model !== undefined ? await planHopMatrices(model, selves) : [];

    const runs: PlanStackRun[] = [
        {
            stack: "cicd",
            role: "cicd",
            accountId: cicdAccountId,
            resources: await plainResources(cicd.mocks.resources),
            outputs: cicd.outputs,
        },
        ...(await Promise.all(
            targetRuns
                .filter((t) => stack === "cicd" || t.stack === stack)
                .map(async (t): Promise<PlanStackRun> => ({
                    stack: t.stack,
                    role: "target",
                    accountId: t.run.outputs.accountId as string,
                    resources: await plainResources(t.run.mocks.resources),
                    outputs: t.run.outputs,
                    targetName: t.run.outputs.targetName as string,
                })),
        )),
        ...(org !== undefined
            ? [
                  {
                      stack: "org",
                      role: "org" as const,
                      accountId: MANAGEMENT_ACCOUNT,
                      resources: await plainResources(org.mocks.resources),
                      outputs: org.outputs,
                  },
              ]
            : []),
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
        ...(org !== undefined
            ? [
                  {
                      role: "org" as const,
                      accountId: MANAGEMENT_ACCOUNT,
                      stack: "org",
                      source: "placeholder (the organization's management account, or a delegated StackSets administrator)",
                      placeholder: true,
                  },
              ]
            : []),
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
    const pipelines = stack === "cicd" ? planPipelines(cicd.mocks.resources, cicd.outputs) : [];
    const deploy = pipelines.find((p) => p.kind === "deploy");
    const mermaid =
        stack === "cicd" && contracts.length > DIAGRAM_TARGETS && deploy !== undefined
            ? rolloutDiagram(deploy, contracts)
            : mermaidDiagram({
                  partition: cicd.outputs.partition as string,
                  runs: stack === "org" ? runs.filter((r) => r.role === "org") : runs,
                  reportStack: stack,
                  cicdPlaceholder: true,
              });
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
        pipelines,
        hopMatrices: matrices,
        ...(stack === "org"
            ? {
                  hopNote:
                      "The org stack's StackSet creates the target roles in every account of its OUs; their hops are " +
                      "proven for two accounts by `test/org/orgIam.test.ts`, from the template CloudFormation receives.",
              }
            : {}),
        mermaid,
        outputs: self.outputs,
        summary: planSummary(resources, docs, matrices),
    };
    return { markdown: renderMarkdown(json), json };
}
