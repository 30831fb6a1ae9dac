/**
 * How many targets one cicd stack can hold before an AWS quota refuses it: found by building the
 * real model (cicdModel.ts) for growing target lists laid out in the fullest waves the quotas allow,
 * so the answer is whatever the quota checks say, not a formula kept beside them.
 */
import { ConfigError, Method, parseCicdConfig } from "../config";
import { QUOTAS } from "../quotas";
import { buildCicdModel } from "./cicdModel";

export interface Capacity {
    readonly methods: readonly Method[];
    /** Every wave asks for approval (the worst case), or none does. */
    readonly approvals: boolean;
    readonly maxTargets: number;
    /** The message of the quota that refuses one more target. */
    readonly refusedBy: string;
}

/** The largest wave: a plan stage holds its plans, plus a Review action when it has an approval. */
export const maxWaveSize = (approvals: boolean): number =>
    approvals ? QUOTAS.actionsPerStage.limit - 1 : QUOTAS.actionsPerStage.limit;

/** A config of n targets in full waves, every wave with or without an approval. */
export function fleetConfig(
    n: number,
    methods: readonly Method[],
    approvals: boolean,
    waveSize = maxWaveSize(approvals),
): Record<string, string> {
    return {
        "aws:region": "eu-west-1",
        "cross-account-pipeline:methods": methods.join(","),
        "cross-account-pipeline:targets": JSON.stringify(
            Array.from({ length: n }, (_, i) => ({
                name: `t${i + 1}`,
                accountId: String(200000000000 + i + 1),
                subnetId: "subnet-0123456789abcdef0",
                securityGroupId: "sg-0123456789abcdef0",
                wave: `w${Math.floor(i / waveSize) + 1}`,
                ...(approvals && i % waveSize === 0 ? { requireApproval: true } : {}),
            })),
        ),
    };
}

/** Undefined when a cicd stack of n targets passes every quota, else the refusal. */
export function refusal(n: number, methods: readonly Method[], approvals: boolean): string | undefined {
    const values = fleetConfig(n, methods, approvals);
    try {
        buildCicdModel({
            config: parseCicdConfig((k) => values[k]),
            partition: "aws",
            accountId: "111111111111",
            callerArn: "arn:aws:sts::111111111111:assumed-role/deployer/session",
        });
        return undefined;
    } catch (e) {
        if (e instanceof ConfigError) return e.message;
        throw e;
    }
}

/** The most targets that fit, by bisection between 1 and 1,000. */
export function capacity(methods: readonly Method[], approvals: boolean): Capacity {
    let lo = 1; // fits
    let hi = 1000; // assumed not to fit
    if (refusal(hi, methods, approvals) === undefined) throw new Error("1,000 targets fit: raise the search bound");
    while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (refusal(mid, methods, approvals) === undefined) lo = mid;
        else hi = mid;
    }
    return { methods, approvals, maxTargets: lo, refusedBy: refusal(lo + 1, methods, approvals)! };
}
