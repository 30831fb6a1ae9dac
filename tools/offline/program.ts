import { ConfigReader } from "../../config";
import { runStack } from "../../stacks";
import { find, ofType, RecordingMocks, resolveOutputs, settle, useMocks } from "./mocks";

export const CICD_ACCOUNT = "111111111111";
export const TARGET_ACCOUNT = "222222222222";
export const CICD_STACK = "organization/cross-account-pipeline/cicd";

/** A config reader over a plain object of full keys (`aws:region`, `cross-account-pipeline:...`). */
export const readerOf =
    (values: Record<string, string>): ConfigReader =>
    (key) =>
        values[key];

/** The committed single-target example, as in Pulumi.cicd.yaml. */
export const singleTarget = (overrides: Record<string, string | undefined> = {}): Record<string, string> => {
    const base: Record<string, string | undefined> = {
        "aws:region": "eu-west-1",
        "cross-account-pipeline:targetAccountId": TARGET_ACCOUNT,
        "cross-account-pipeline:subnetId": "subnet-0123456789abcdef0",
        "cross-account-pipeline:securityGroupId": "sg-0123456789abcdef0",
        ...overrides,
    };
    return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<string, string>;
};

/**
 * N targets named t1..tN in accounts 3000000NNNNN. With `waveSize`, targets go into waves w1, w2, ...
 * of that many targets each; without it, each target is its own wave.
 */
export const manyTargets = (
    n: number,
    approvals: number[] = [],
    overrides: Record<string, string> = {},
    waveSize?: number,
): Record<string, string> => ({
    "aws:region": "eu-west-1",
    "cross-account-pipeline:targets": JSON.stringify(
        Array.from({ length: n }, (_, i) => ({
            name: `t${i + 1}`,
            accountId: `3000000${String(i + 1).padStart(5, "0")}`,
            subnetId: `subnet-0000000000000${String(i + 1).padStart(4, "0")}`,
            securityGroupId: `sg-0000000000000${String(i + 1).padStart(4, "0")}`,
            ...(approvals.includes(i + 1) ? { requireApproval: true } : {}),
            ...(waveSize !== undefined ? { wave: `w${Math.floor(i / waveSize) + 1}` } : {}),
        })),
    ),
    ...overrides,
});

/** The account of the second target of proofConfig (the first is TARGET_ACCOUNT). */
export const PROD_ACCOUNT = "333333333333";

/**
 * The example the IAM proofs and the hop matrix run: two targets, dev then prod (prod asks for
 * approval), both methods, so that every hop, including those between targets, can be evaluated.
 */
export const proofConfig = (overrides: Record<string, string> = {}): Record<string, string> => ({
    "aws:region": "eu-west-1",
    "cross-account-pipeline:targets": JSON.stringify([
        {
            name: "dev",
            accountId: TARGET_ACCOUNT,
            subnetId: "subnet-0123456789abcdef0",
            securityGroupId: "sg-0123456789abcdef0",
        },
        {
            name: "prod",
            accountId: PROD_ACCOUNT,
            subnetId: "subnet-0fedcba9876543210",
            securityGroupId: "sg-0fedcba9876543210",
            requireApproval: true,
        },
    ]),
    ...overrides,
});

export interface CicdRun {
    readonly mocks: RecordingMocks;
    readonly outputs: Record<string, any>;
}

export async function runCicd(config: Record<string, string>): Promise<CicdRun> {
    const mocks = await useMocks("cicd", { accountId: CICD_ACCOUNT });
    const outputs = await resolveOutputs(await runStack("cicd", readerOf(config)));
    await settle(mocks);
    return { mocks, outputs };
}

export interface TargetRun extends CicdRun {
    readonly cicd: CicdRun;
}

/** Runs cicd, then the target stack with cicd's real outputs behind its StackReference. */
export async function runTarget(
    cicdConfig: Record<string, string>,
    opts: { stack?: string; account?: string; targetConfig?: Record<string, string>; cicd?: CicdRun } = {},
): Promise<TargetRun> {
    const cicd = opts.cicd ?? (await runCicd(cicdConfig));
    const stack = opts.stack ?? "target";
    const entry = Object.values(cicd.outputs.targets as Record<string, { stackName: string; accountId: string }>).find(
        (t) => t.stackName === stack,
    );
    const account = opts.account ?? entry?.accountId ?? TARGET_ACCOUNT;
    // The cicd stack's outputs answer the StackReference the target stack's config names.
    const cicdStack = opts.targetConfig?.["cross-account-pipeline:cicdStack"]?.trim() || CICD_STACK;
    const mocks = await useMocks(stack, {
        accountId: account,
        providerAccounts: { target: account },
        stackOutputs: { [cicdStack]: cicd.outputs },
    });
    const outputs = await resolveOutputs(await runStack(stack, readerOf(opts.targetConfig ?? {})));
    await settle(mocks);
    return { mocks, outputs, cicd };
}

export { find, ofType };
