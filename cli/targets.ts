// The targets the CLI deploys: the single-target form (-t, -n, -g), or a targets file (-T) checked
// with the very code and messages the stack config uses (config/targets.ts).
import * as fs from "fs";
import {
    checkTargetEntry,
    checkTargetSet,
    ConfigError,
    parseTargetListJson,
    SINGLE_TARGET_NAME,
    targetStackName,
} from "../config";
import { CliError } from "./errors";
import type { CommonOptions, DeployOptions } from "./options";

/** One target as the CLI plans it. */
export interface Target {
    readonly name: string;
    /** `target`, `target-<name>`; in org mode the roles come from the org stack instead. */
    readonly stack: string;
    /** The profile that deploys its stack (profile modes); its account comes from STS. */
    readonly profile?: string;
    /** Known from the file in org mode; resolved through STS otherwise. */
    accountId?: string;
    readonly subnetId: string;
    readonly securityGroupId: string;
    /** As the file says it (undefined when the file leaves it out, so that the config does too). */
    readonly requireApproval?: boolean;
    readonly wave?: string;
}

/** Where a target's profile came from, for messages: `-t`, or `-T target <name>`. */
export const targetFlag = (o: Pick<CommonOptions, "mode">, t: Target): string =>
    o.mode === "single" ? "-t" : `-T target ${t.name}`;

/** Reads and checks a targets file: `profile` entries (multi) or `accountId` entries (org). */
export function readTargetsFile(file: { path: string; label: string }, idField: "profile" | "accountId"): Target[] {
    let text: string;
    try {
        text = fs.readFileSync(file.path, "utf8");
    } catch (e) {
        throw new CliError(`-T ${file.label}: cannot read it (${(e as Error).message})`);
    }
    const where = (i: number): string => `${file.label}[${i}]`;
    try {
        const list = parseTargetListJson(text, `-T ${file.label}`);
        const entries = list.map((raw, i) => {
            const e = checkTargetEntry(
                raw,
                where(i),
                idField === "profile" ? { name: "profile" } : { name: "accountId", pattern: "accountId" },
            );
            const given = raw as Record<string, unknown>;
            return { e, approvalGiven: given.requireApproval !== undefined };
        });
        checkTargetSet(
            entries.map(({ e }) => e),
            where,
            idField === "profile" ? "profile" : "account",
        );
        return entries.map(({ e, approvalGiven }) => ({
            name: e.name,
            stack: targetStackName(e.name),
            ...(idField === "profile" ? { profile: e.id } : { accountId: e.id }),
            subnetId: e.subnetId,
            securityGroupId: e.securityGroupId,
            ...(approvalGiven ? { requireApproval: e.requireApproval } : {}),
            ...(e.wave !== undefined ? { wave: e.wave } : {}),
        }));
    } catch (e) {
        if (e instanceof ConfigError) throw new CliError(e.message);
        throw e;
    }
}

/** The targets of the command line, in deploy order. */
export function plannedTargets(
    o: CommonOptions & Partial<Pick<DeployOptions, "subnetId" | "securityGroupId">>,
): Target[] {
    if (o.mode === "single") {
        return [
            {
                name: SINGLE_TARGET_NAME,
                stack: targetStackName(SINGLE_TARGET_NAME),
                profile: o.targetProfile!,
                subnetId: o.subnetId ?? "",
                securityGroupId: o.securityGroupId ?? "",
            },
        ];
    }
    if (o.targetsFile === undefined) return []; // org-mode teardown without -T
    return readTargetsFile(o.targetsFile, o.mode === "org" ? "accountId" : "profile");
}

/** The cicd stack's `targets` config: the entries with their accounts, in order. */
export function targetsConfigValue(targets: readonly Target[]): string {
    return JSON.stringify(
        targets.map((t) => ({
            name: t.name,
            accountId: t.accountId,
            subnetId: t.subnetId,
            securityGroupId: t.securityGroupId,
            ...(t.requireApproval !== undefined ? { requireApproval: t.requireApproval } : {}),
            ...(t.wave !== undefined ? { wave: t.wave } : {}),
        })),
    );
}

/** The live cicd stack's `targets` config as name -> account; a CliError when it cannot be read. */
export function liveTargets(raw: string, key: string): { name: string; accountId: string }[] {
    try {
        return parseTargetListJson(raw, key).map((e, i) => {
            const t = checkTargetEntry(e, `${key}[${i}]`);
            return { name: t.name, accountId: t.id };
        });
    } catch (e) {
        if (e instanceof ConfigError) {
            throw new CliError(
                `cannot read the cicd stack's ${e.message}; fix it with pulumi config set --stack cicd ${key}`,
            );
        }
        throw e;
    }
}
