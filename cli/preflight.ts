// Everything deploy and teardown check before they change anything: the targets, the profiles'
// accounts (STS), the Pulumi backend, and the stacks that already exist (which bind the accounts,
// the region and the form of the deployment).
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import * as fs from "fs";
import * as path from "path";
import { key } from "../config";
import { CliError, messageOf } from "./errors";
import type { CommonOptions } from "./options";
import type { Deps, Workspace } from "./ports";
import type { Reporter } from "./reporter";
import { liveTargets, plannedTargets, Target, targetFlag } from "./targets";

export const CICD = "cicd";
export const ORG = "org";
export const TARGETS_KEY = key("targets");
/** The keys of the single-target form, which the program refuses together with `targets`. */
export const SINGLE_KEYS = ["targetAccountId", "subnetId", "securityGroupId", "cfnStackName", "requireApproval"].map(
    key,
);

export interface StackInfo {
    readonly exists: boolean;
    /** Resources in its last checkpoint: a destroyed stack has none. */
    readonly resources: number;
}
export const live = (s: StackInfo): boolean => s.resources > 0;

export interface Backend {
    readonly url: string;
    /** false: nobody was logged in, and the CLI uses (and, once confirmed, logs in to) the file backend. */
    readonly loggedIn: boolean;
    readonly selfManaged: boolean;
}

export interface Preflight {
    readonly ws: Workspace;
    readonly cicdAccount: string;
    readonly orgAccount?: string;
    /** In deploy order, each with its account. */
    readonly targets: readonly Target[];
    readonly backend: Backend;
    readonly stack: (name: string) => Promise<StackInfo>;
    /** The names of every stack of the backend. */
    readonly stackNames: readonly string[];
    readonly cicd: {
        readonly info: StackInfo;
        readonly config: Readonly<Record<string, string>>;
        /** Only of a live stack: a destroyed stack has none. */
        readonly outputs: Readonly<Record<string, unknown>>;
    };
    /** Targets of the live cicd stack that the targets file does not list. */
    readonly dropped: readonly { name: string; accountId: string }[];
    /** The live cicd stack's targets (multi and org forms). */
    readonly liveTargets: readonly { name: string; accountId: string }[];
    /** Undefined only for a teardown with nothing live and no region anywhere. */
    readonly region?: string;
}

const STATIC_CREDENTIALS = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

/** Static credentials would win over the profiles, so that "two accounts" could silently be one. */
export function scrubCredentials(env: NodeJS.ProcessEnv, rep: Reporter, profiles: string): void {
    for (const name of STATIC_CREDENTIALS) {
        if (env[name] !== undefined) {
            rep.warn(`ignoring ${name} from the environment: the profiles (${profiles}) choose the accounts`);
            delete env[name];
        }
    }
    delete env.AWS_PROFILE;
    delete env.AWS_DEFAULT_PROFILE;
}

/** The account a profile resolves to, through STS. */
export async function accountOf(
    deps: Deps,
    flag: string,
    profile: string,
    region: string | undefined,
): Promise<string> {
    const where = region ?? (await deps.aws.profileRegion(profile)) ?? "us-east-1";
    let account: string | undefined;
    try {
        account = (await deps.aws.sts(profile, where).send(new GetCallerIdentityCommand({}))).Account;
    } catch (e) {
        throw new CliError(
            `${flag}: profile '${profile}' does not resolve to AWS credentials (GetCallerIdentity failed: ` +
                `${messageOf(e).replace(/\s+/g, " ").trim()}). Check ~/.aws/config, or log in with: aws sso login --profile ${profile}`,
        );
    }
    if (account === undefined || !/^\d{12}$/.test(account)) {
        throw new CliError(`${flag}: profile '${profile}': unexpected account id '${account}' from GetCallerIdentity`);
    }
    return account;
}

async function backendOf(ws: Workspace, deps: Deps, rep: Reporter): Promise<Backend> {
    const who = await ws.whoAmI();
    const stateDir = path.resolve(deps.env.PULUMI_STATE_DIR ?? path.join(deps.repoRoot, ".pulumi-state"));
    const url = who !== undefined ? (who.url ?? "") : `file://${stateDir}`;
    const selfManaged = !/^https?:\/\//.test(url);
    const { PULUMI_CONFIG_PASSPHRASE: pass, PULUMI_CONFIG_PASSPHRASE_FILE: passFile } = deps.env;
    if (selfManaged && pass === undefined && passFile === undefined) {
        throw new CliError(
            `the self-managed Pulumi backend (${url || "unknown"}) encrypts stack secrets with a passphrase: ` +
                "set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (keep the same passphrase for every run)",
        );
    }
    if (passFile !== undefined && passFile !== "") {
        try {
            fs.accessSync(passFile, fs.constants.R_OK);
        } catch {
            throw new CliError(`PULUMI_CONFIG_PASSPHRASE_FILE=${passFile} is not a readable file`);
        }
    }
    if (who === undefined) {
        fs.mkdirSync(stateDir, { recursive: true });
        ws.useBackend(url);
        rep.info(`Not logged in to a Pulumi backend: using the local file backend ${url}`);
        rep.note("(to use Pulumi Cloud or an S3 backend instead, run 'pulumi login ...' yourself and re-run)");
    } else {
        rep.note(`Pulumi backend: ${url || "unknown"} (already logged in as ${who.user})`);
    }
    return { url, loggedIn: who !== undefined, selfManaged };
}

function checkAccounts(o: CommonOptions, cicdAccount: string, targets: readonly Target[]): void {
    targets.forEach((t, i) => {
        if (t.accountId === cicdAccount) {
            if (o.mode === "single") {
                throw new CliError(
                    `-c '${o.cicdProfile}' and -t '${t.profile}' are the same account (${cicdAccount}): the pipeline ` +
                        "deploys across accounts, so the target must be another account",
                );
            }
            const what = t.profile !== undefined ? `profile '${t.profile}' is` : `account ${t.accountId} is`;
            throw new CliError(
                `-T target ${t.name}: ${what} the CI/CD account (${cicdAccount}, -c '${o.cicdProfile}'): the pipeline ` +
                    "deploys across accounts, so each target must be another account",
            );
        }
        const first = targets.findIndex((u) => u.accountId === t.accountId);
        if (first < i) {
            const u = targets[first];
            throw new CliError(
                `-T targets ${u.name} (profile '${u.profile}') and ${t.name} (profile '${t.profile}') are the same ` +
                    `account (${t.accountId}): each target needs its own account`,
            );
        }
    });
}

/** Checks everything deploy and teardown need before any change; prints what it found. */
export async function preflight(o: CommonOptions, deps: Deps, rep: Reporter): Promise<Preflight> {
    const targets = plannedTargets(o);
    const profiles = o.mode === "single" ? "-c, -t" : o.mode === "org" ? "-c, -A" : "-c and the -T file";
    scrubCredentials(deps.env, rep, profiles);
    const ws = await deps.workspace();

    rep.info("Checking AWS profiles");
    const cicdAccount = await accountOf(deps, "-c", o.cicdProfile, o.region);
    for (const t of targets) {
        if (t.profile !== undefined) t.accountId = await accountOf(deps, targetFlag(o, t), t.profile, o.region);
    }
    const orgAccount =
        o.orgProfile !== undefined ? await accountOf(deps, "-A/--org-profile", o.orgProfile, o.region) : undefined;
    rep.note(`CI/CD account:  ${cicdAccount} (profile ${o.cicdProfile})`);
    for (const t of targets) {
        const via = t.profile !== undefined ? `profile ${t.profile}` : "from the targets file";
        rep.note(
            o.mode === "single"
                ? `target account: ${t.accountId} (${via})`
                : `target ${t.name}: account ${t.accountId} (${via})`,
        );
    }
    if (orgAccount !== undefined) rep.note(`org account:    ${orgAccount} (profile ${o.orgProfile})`);
    checkAccounts(o, cicdAccount, targets);

    const backend = await backendOf(ws, deps, rep);
    const list = await ws.listStacks();
    const stackNames = list.map((s) => s.name.split("/").pop()!);
    const known = new Map<string, StackInfo>();
    const stack = async (name: string): Promise<StackInfo> => {
        const cached = known.get(name);
        if (cached !== undefined) return cached;
        const s = list.find((x) => x.name === name || x.name.endsWith(`/${name}`));
        const info: StackInfo =
            s === undefined
                ? { exists: false, resources: 0 }
                : { exists: true, resources: s.resourceCount ?? (await ws.exportedResourceCount(name)) };
        known.set(name, info);
        return info;
    };

    const cicdInfo = await stack(CICD);
    const config = cicdInfo.exists ? await ws.getAllConfig(CICD) : {};
    const outputs = live(cicdInfo) ? await ws.outputs(CICD) : {};
    const consistency = await checkExisting(
        o,
        { cicdAccount, targets, orgAccount, cicdInfo, config, outputs },
        stack,
        stackNames,
    );

    let region: string | undefined;
    const stackRegion = live(cicdInfo) ? config["aws:region"] : undefined;
    if (o.region !== undefined) {
        if (stackRegion !== undefined && stackRegion !== o.region) {
            throw new CliError(
                `-r ${o.region} differs from the region of the existing cicd stack (${stackRegion}): tear down with -d first to move regions`,
            );
        }
        region = o.region;
    } else {
        region = stackRegion ?? (await deps.aws.profileRegion(o.cicdProfile));
    }
    return {
        ws,
        cicdAccount,
        ...(orgAccount !== undefined ? { orgAccount } : {}),
        targets,
        backend,
        stack,
        stackNames,
        cicd: { info: cicdInfo, config, outputs },
        ...consistency,
        ...(region !== undefined ? { region } : {}),
    };
}

interface Found {
    cicdAccount: string;
    targets: readonly Target[];
    orgAccount?: string;
    cicdInfo: StackInfo;
    config: Readonly<Record<string, string>>;
    outputs: Readonly<Record<string, unknown>>;
}

/** The existing stacks must agree with the command line: same accounts, same form. */
async function checkExisting(
    o: CommonOptions,
    f: Found,
    stack: (name: string) => Promise<StackInfo>,
    stackNames: readonly string[],
): Promise<Pick<Preflight, "dropped" | "liveTargets">> {
    const listed = f.config[TARGETS_KEY];
    const cicdLive = live(f.cicdInfo);
    if (o.mode === "single" && listed !== undefined && listed.trim() !== "") {
        throw new CliError(
            `the cicd stack uses the multi-target form (${TARGETS_KEY}): give its targets with -T TARGETS_FILE instead of -t ` +
                `(or, if that stack is torn down and you want the single-target form: pulumi config rm --stack cicd ${TARGETS_KEY})`,
        );
    }
    const deployedIn = f.outputs.cicdAccountId;
    if (cicdLive && typeof deployedIn === "string" && deployedIn !== f.cicdAccount) {
        throw new CliError(
            `-c '${o.cicdProfile}' is account ${f.cicdAccount}, but the cicd stack is deployed in account ${deployedIn} ` +
                "(its output cicdAccountId): use that account's profile",
        );
    }
    // The target roles come from the org stack's StackSet, or from one stack per target: never both.
    const orgInfo = await stack(ORG);
    if (o.mode !== "org" && live(orgInfo)) {
        throw new CliError(
            "the org stack has resources: the target roles come from its StackSet. Use org mode " +
                "(-A/--org-profile, and -O/--org to deploy), or tear it down with -d -A PROFILE first",
        );
    }
    if (o.mode === "org") {
        for (const name of stackNames.filter((n) => n === "target" || n.startsWith("target-"))) {
            if (live(await stack(name))) {
                throw new CliError(
                    `the stack ${name} has resources (target roles deployed with a profile): the org stack's StackSet ` +
                        "would create the same roles. Tear it down first (-d with -t or -T and the profiles)",
                );
            }
        }
    }
    if (!cicdLive) return { dropped: [], liveTargets: [] };

    if (o.mode === "single") {
        const configured = f.config[key("targetAccountId")];
        const t = f.targets[0];
        if (configured !== undefined && configured !== t.accountId) {
            throw new CliError(
                `-t '${t.profile}' is account ${t.accountId}, but the cicd stack deploys into ${key("targetAccountId")}=${configured}. ` +
                    `Use the profile of account ${configured} (to move to another account, tear down with -d first)`,
            );
        }
        return { dropped: [], liveTargets: [] };
    }
    if (listed === undefined || listed.trim() === "") {
        throw new CliError(
            `the cicd stack is deployed with the single-target form (${key("targetAccountId")}=${f.config[key("targetAccountId")] ?? "unset"}): ` +
                "-T would replace its stack 'target' with target-<name> stacks and leave 'target' and its workload behind. " +
                "Keep using -t, or tear it down with -d -t first",
        );
    }
    const current = liveTargets(listed, TARGETS_KEY);
    if (o.mode === "org" && o.targetsFile === undefined) return { dropped: [], liveTargets: current };
    const dropped: { name: string; accountId: string }[] = [];
    for (const l of current) {
        const t = f.targets.find((x) => x.name === l.name);
        if (t === undefined) dropped.push(l);
        else if (t.accountId !== l.accountId) {
            const what =
                t.profile !== undefined ? `profile '${t.profile}' is account ${t.accountId}` : `account ${t.accountId}`;
            throw new CliError(
                `-T target ${t.name}: ${what}, but the cicd stack deploys ${t.name} into account ${l.accountId} (${TARGETS_KEY}). ` +
                    (t.profile !== undefined
                        ? `Use the profile of account ${l.accountId} for ${t.name}`
                        : `Give ${t.name} the accountId ${l.accountId}`) +
                    " (to move a target to another account, tear down with -d first)",
            );
        }
    }
    return { dropped, liveTargets: current };
}
