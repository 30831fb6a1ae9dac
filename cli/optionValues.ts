// The checks of parsed command-line values (cli/options.ts): each flag against its form, the mode
// (one target, a targets file, or an organization) and what each command accepts, as UsageErrors that
// name the flag.
import * as path from "path";
import { APPROVAL_POLICIES, check, ConfigError, parseList, parseMethods, PatternName } from "../config";
import { UsageError } from "./errors";
import type { CommonOptions, DeployOptions, Mode, TeardownOptions } from "./options";

export interface Raw {
    cicdProfile?: string;
    targetProfile?: string;
    targetsFile?: string;
    subnetId?: string;
    securityGroupId?: string;
    cfnStackName?: string;
    region?: string;
    methods?: string;
    pulumiOrg?: string;
    follow?: boolean;
    force?: boolean;
    purgeState?: boolean;
    yes?: boolean;
    json?: boolean;
    org?: string;
    orgProfile?: string;
    approvalPolicy?: string;
    driftSchedule?: string;
    callAs?: string;
    maxConcurrentPercentage?: string;
    failureTolerancePercentage?: string;
    regionConcurrencyType?: string;
    pollSeconds?: string;
    prog?: string;
}

export const ORG_KEYS = {
    callAs: "--call-as",
    maxConcurrentPercentage: "--max-concurrent-percentage",
    failureTolerancePercentage: "--failure-tolerance-percentage",
    regionConcurrencyType: "--region-concurrency-type",
} as const;

export interface ParseContext {
    readonly prog: string;
    readonly cwd: string;
    readonly env: NodeJS.ProcessEnv;
    /** stdin is a terminal. */
    readonly interactive: boolean;
    readonly readable: (file: string) => boolean;
}

const usage = (message: string): never => {
    throw new UsageError(message);
};

export function checkProfile(flag: string, value: string | undefined, required: string): string {
    if (value === undefined || value === "") return usage(`${flag} PROFILE is required${required}`);
    if (value.startsWith("-")) usage(`${flag} needs a profile name; got '${value}'`);
    return value;
}

/** The shared pattern check, as a usage error naming the flag. */
export function checkFlag(flag: string, value: string, pattern: PatternName): string {
    try {
        return check(flag, value, pattern);
    } catch (e) {
        if (e instanceof ConfigError) return usage(e.message);
        throw e;
    }
}

function pollSeconds(raw: string | undefined, env: NodeJS.ProcessEnv): number {
    const [source, value] = raw !== undefined ? ["--poll-seconds", raw] : ["POLL_SECONDS", env.POLL_SECONDS ?? "15"];
    if (!/^\d+$/.test(value)) usage(`${source} must be a whole number of seconds; got '${value}'`);
    return Number(value);
}

function targetsFile(raw: Raw, cwd: string): CommonOptions["targetsFile"] {
    if (raw.targetsFile === undefined) return undefined;
    if (raw.targetsFile === "") usage("-T needs a file name");
    return { path: path.resolve(cwd, raw.targetsFile), label: raw.targetsFile };
}

function common(raw: Raw, command: "deploy" | "teardown", ctx: ParseContext): CommonOptions {
    const cicdProfile = checkProfile("-c", raw.cicdProfile, "");
    const file = targetsFile(raw, ctx.cwd);
    const singleFlags = (
        [
            ["-t", raw.targetProfile],
            ["-n", raw.subnetId],
            ["-g", raw.securityGroupId],
        ] as const
    )
        .filter(([, v]) => v !== undefined)
        .map(([f]) => f);
    let mode: Mode;
    let targetProfile: string | undefined;
    let orgProfile: string | undefined;
    if (raw.orgProfile !== undefined) {
        mode = "org";
        orgProfile = checkProfile("-A/--org-profile", raw.orgProfile, "");
        if (singleFlags.length > 0 || (command === "deploy" && raw.cfnStackName !== undefined)) {
            const flags = [...singleFlags, ...(raw.cfnStackName !== undefined ? ["-s"] : [])];
            usage(
                `-A/--org-profile cannot be combined with ${flags.join(", ")}: in org mode the targets come from ` +
                    `-T TARGETS_FILE (with accountId) and their roles from the org stack`,
            );
        }
        if (command === "deploy" && file === undefined) {
            usage("-A/--org-profile needs -T TARGETS_FILE: a JSON list of the targets, each with its accountId");
        }
    } else if (file !== undefined) {
        mode = "multi";
        if (singleFlags.length > 0) {
            usage(
                `-T cannot be combined with ${singleFlags.join(", ")}: with -T, each target's profile, subnet and ` +
                    `security group come from TARGETS_FILE`,
            );
        }
    } else {
        mode = "single";
        targetProfile = checkProfile(
            "-t",
            raw.targetProfile,
            " (or -T TARGETS_FILE for several target accounts, or -A with -T for org mode)",
        );
    }
    if (mode !== "single" && command === "deploy" && raw.cfnStackName !== undefined) {
        usage("-s cannot be combined with -T: each target's CloudFormation stack is <namePrefix>-workload-<name>");
    }
    if (file !== undefined && !ctx.readable(file.path)) usage(`-T: '${file.path}' is not a readable file`);
    return {
        prog: ctx.prog,
        json: raw.json === true,
        yes: raw.yes === true || !ctx.interactive,
        cicdProfile,
        mode,
        ...(targetProfile !== undefined ? { targetProfile } : {}),
        ...(file !== undefined ? { targetsFile: file } : {}),
        ...(orgProfile !== undefined ? { orgProfile } : {}),
        ...(raw.region !== undefined ? { region: checkFlag("-r", raw.region, "region") } : {}),
        pollSeconds: pollSeconds(raw.pollSeconds, ctx.env),
    };
}

function choice(flag: string, value: string, choices: readonly string[]): string {
    if (!choices.includes(value)) usage(`${flag} must be one of ${choices.join(", ")}; got '${value}'`);
    return value;
}

function percentage(flag: string, value: string, min: number): string {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > 100) {
        usage(`${flag} must be a whole percentage from ${min} to 100; got '${value}'`);
    }
    return value;
}

function organizationalUnits(raw: string): string[] {
    let ids: string[];
    try {
        ids = parseList(raw, "-O/--org").map((v, i) =>
            check(`-O/--org[${i}]`, String(v).trim(), "organizationalUnitId"),
        );
    } catch (e) {
        if (e instanceof ConfigError) return usage(e.message);
        throw e;
    }
    if (ids.length === 0) usage("-O/--org must list at least one organizational unit or root ID");
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup !== undefined) usage(`-O/--org lists ${dup} twice`);
    return ids;
}

export function deployOptions(raw: Raw, ctx: ParseContext): DeployOptions {
    if (raw.force) usage("-f is only valid with teardown (-d)");
    if (raw.purgeState) usage("-P is only valid with teardown (-d)");
    const c = common(raw, "deploy", ctx);
    if (c.mode === "org" && raw.org === undefined) {
        usage("-A/--org-profile needs -O/--org OU_IDS: the organizational units whose accounts get the target roles");
    }
    if (c.mode !== "org" && raw.org !== undefined) {
        usage("-O/--org needs -A/--org-profile PROFILE: the management account or a delegated StackSets administrator");
    }
    if (c.mode === "single") {
        if (raw.subnetId === undefined) usage("-n SUBNET_ID is required to deploy");
        if (raw.securityGroupId === undefined) usage("-g SECURITY_GROUP_ID is required to deploy");
    }
    let methods: string | undefined;
    if (raw.methods !== undefined) {
        if (raw.methods.trim() === "") usage("-m needs a value");
        try {
            methods = parseMethods(raw.methods).join(",");
        } catch (e) {
            if (e instanceof ConfigError) usage(`-m: ${e.message}`);
            throw e;
        }
    }
    const pulumiOrg = raw.pulumiOrg ?? "organization";
    if (!/^[A-Za-z0-9_.-]+$/.test(pulumiOrg)) usage(`-o: '${pulumiOrg}' is not a Pulumi organization name`);
    const cicdSettings: Record<string, string> = {};
    if (raw.approvalPolicy !== undefined) {
        cicdSettings.approvalPolicy = choice("--approval-policy", raw.approvalPolicy, APPROVAL_POLICIES);
    }
    if (raw.driftSchedule !== undefined) {
        cicdSettings.driftSchedule = checkFlag("--drift-schedule", raw.driftSchedule, "schedule");
    }
    const orgSettings: Record<string, string> = {};
    const orgFlags = Object.entries(ORG_KEYS).filter(([k]) => raw[k as keyof typeof ORG_KEYS] !== undefined);
    if (c.mode !== "org" && orgFlags.length > 0) {
        usage(`${orgFlags.map(([, f]) => f).join(", ")} only apply in org mode (-A/--org-profile)`);
    }
    if (raw.callAs !== undefined) orgSettings.callAs = choice("--call-as", raw.callAs, ["SELF", "DELEGATED_ADMIN"]);
    if (raw.maxConcurrentPercentage !== undefined) {
        orgSettings.maxConcurrentPercentage = percentage("--max-concurrent-percentage", raw.maxConcurrentPercentage, 1);
    }
    if (raw.failureTolerancePercentage !== undefined) {
        orgSettings.failureTolerancePercentage = percentage(
            "--failure-tolerance-percentage",
            raw.failureTolerancePercentage,
            0,
        );
    }
    if (raw.regionConcurrencyType !== undefined) {
        orgSettings.regionConcurrencyType = choice("--region-concurrency-type", raw.regionConcurrencyType, [
            "SEQUENTIAL",
            "PARALLEL",
        ]);
    }
    return {
        ...c,
        command: "deploy",
        ...(raw.subnetId !== undefined ? { subnetId: checkFlag("-n", raw.subnetId, "subnetId") } : {}),
        ...(raw.securityGroupId !== undefined
            ? { securityGroupId: checkFlag("-g", raw.securityGroupId, "securityGroupId") }
            : {}),
        ...(raw.cfnStackName !== undefined ? { cfnStackName: checkFlag("-s", raw.cfnStackName, "stackName") } : {}),
        ...(methods !== undefined ? { methods } : {}),
        pulumiOrg,
        pulumiOrgGiven: raw.pulumiOrg !== undefined,
        follow: raw.follow === true,
        ...(raw.org !== undefined ? { organizationalUnitIds: organizationalUnits(raw.org) } : {}),
        cicdSettings,
        orgSettings,
    };
}

export function teardownOptions(raw: Raw, ctx: ParseContext, warn: (m: string) => void): TeardownOptions {
    if (raw.follow) usage("-p cannot be combined with teardown (-d)");
    const c = common(raw, "teardown", ctx);
    const ignored: [string, unknown][] = [
        ["-n", raw.subnetId],
        ["-g", raw.securityGroupId],
        ["-s", raw.cfnStackName],
        ["-m", raw.methods],
        ["-o", raw.pulumiOrg],
        ["-O/--org", raw.org],
        ["--approval-policy", raw.approvalPolicy],
        ["--drift-schedule", raw.driftSchedule],
        ...Object.entries(ORG_KEYS).map(([k, f]): [string, unknown] => [f, raw[k as keyof typeof ORG_KEYS]]),
    ];
    for (const [flag, value] of ignored) {
        if (value !== undefined) warn(`${flag} is ignored with teardown (-d)`);
    }
    return { ...c, command: "teardown", force: raw.force === true, purgeState: raw.purgeState === true };
}
