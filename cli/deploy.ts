// deploy: cicd first, then each target stack with its own profile in list order (or, in org mode,
// the org stack with the organization's profile); with -p, the pipelines' runs.
import { ConfigError, key, parseOrgConfig, PROJECT } from "../config";
import { CliError } from "./errors";
import type { DeployOptions } from "./options";
import { deploymentPipelines, runPipelines } from "./pipelines";
import type { Deps } from "./ports";
import { CICD, live, ORG, Preflight, preflight, SINGLE_KEYS, TARGETS_KEY } from "./preflight";
import type { Reporter } from "./reporter";
import { operate } from "./stackOps";
import { targetsConfigValue } from "./targets";

/** Raised when the user answers no: nothing changed. */
export class Aborted extends CliError {
    constructor() {
        super("", 1);
    }
}

export async function confirmOrAbort(o: { yes: boolean }, rep: Reporter): Promise<void> {
    if (o.yes) return;
    if (!(await rep.confirm("Proceed?"))) {
        rep.line("Aborted: nothing changed.");
        throw new Aborted();
    }
}

/** Logs in to the file backend the preflight used, once the user agreed to change things. */
export async function loginIfNeeded(p: Preflight, rep: Reporter): Promise<void> {
    if (p.backend.loggedIn) return;
    rep.info(`Logging in to the local file backend ${p.backend.url}`);
    await p.ws.login(p.backend.url);
}

/** The org stack's config, checked with the org stack's own parser before anything changes. */
function orgConfig(o: DeployOptions, region: string, cicdStack: string): Record<string, string> {
    const config: Record<string, string> = {
        "aws:region": region,
        [key("cicdStack")]: cicdStack,
        [key("organizationalUnitIds")]: JSON.stringify(o.organizationalUnitIds ?? []),
        ...Object.fromEntries(Object.entries(o.orgSettings).map(([k, v]) => [key(k), v])),
    };
    try {
        parseOrgConfig((k) => config[k]);
    } catch (e) {
        if (e instanceof ConfigError) throw new CliError(`the org stack's config would be refused: ${e.message}`);
        throw e;
    }
    return config;
}

function summary(
    o: DeployOptions,
    p: Preflight,
    region: string,
    methods: string,
    cicdStack: string,
    rep: Reporter,
): void {
    rep.line();
    rep.info("Deployment plan");
    rep.note(`CI/CD account   ${p.cicdAccount} (profile ${o.cicdProfile}), stack cicd`);
    const n = p.targets.length;
    p.targets.forEach((t, i) => {
        if (o.mode === "single") rep.note(`target account  ${t.accountId} (profile ${t.profile}), stack ${t.stack}`);
        else if (o.mode === "multi") {
            rep.note(
                `target ${i + 1}/${n}      ${t.name}: account ${t.accountId} (profile ${t.profile}), stack ${t.stack}`,
            );
        } else rep.note(`target ${i + 1}/${n}      ${t.name}: account ${t.accountId}`);
    });
    if (o.mode === "org") {
        rep.note(
            `org stack       StackSet of the target roles in ${(o.organizationalUnitIds ?? []).join(", ")}, ` +
                `from account ${p.orgAccount} (profile ${o.orgProfile}, callAs ${o.orgSettings.callAs ?? "SELF"})`,
        );
    }
    rep.note(`region          ${region}`);
    rep.note(`backend         ${p.backend.url}`);
    rep.note(`methods         ${methods}`);
    if (o.mode === "single") {
        const cfn = o.cfnStackName !== undefined ? `, CloudFormation stack ${o.cfnStackName}` : "";
        rep.note(`workload        subnet ${o.subnetId}, security group ${o.securityGroupId}${cfn}`);
    } else {
        for (const t of p.targets) {
            const extra = `${t.requireApproval === true ? ", manual approval first" : ""}${t.wave !== undefined ? `, wave ${t.wave}` : ""}`;
            rep.note(`workload        ${t.name}: subnet ${t.subnetId}, security group ${t.securityGroupId}${extra}`);
        }
    }
    for (const [k, v] of Object.entries(o.cicdSettings)) rep.note(`${k.padEnd(15)} ${v}`);
    rep.note(`cicd reference  ${cicdStack}`);
}

export async function deploy(o: DeployOptions, deps: Deps, rep: Reporter): Promise<void> {
    const p = await preflight(o, deps, rep);
    if (p.region === undefined) {
        throw new CliError(
            `no region: pass -r REGION, or set one for the CI/CD profile: aws configure set region eu-west-1 --profile ${o.cicdProfile}`,
        );
    }
    const region = p.region;
    const cicdLive = live(p.cicd.info);
    const cicdStack = `${o.pulumiOrg}/${PROJECT}/cicd`;
    const callAs = o.orgSettings.callAs ?? "SELF";
    if (o.mode === "org" && callAs === "SELF") {
        const mgmt = p.targets.find((t) => t.accountId === p.orgAccount);
        if (mgmt !== undefined) {
            throw new CliError(
                `-T target ${mgmt.name}: account ${mgmt.accountId} is the account of -A '${o.orgProfile}' (the management ` +
                    "account with --call-as SELF): a service-managed StackSet never deploys to the management account",
            );
        }
    }
    const org = o.mode === "org" ? orgConfig(o, region, cicdStack) : undefined;
    if (!p.backend.selfManaged && !o.pulumiOrgGiven) {
        rep.warn(
            `with a Pulumi Cloud backend the cicd stack is <your organization>/${PROJECT}/cicd: pass -o ORG if it is not '${o.pulumiOrg}'`,
        );
    }

    // Without -m, a re-run keeps the methods the live stack has; a new stack gets both.
    const liveMethods = cicdLive ? p.cicd.config[key("methods")] : undefined;
    const methods =
        o.methods ?? (liveMethods !== undefined && liveMethods !== "" ? liveMethods : "terraform,cloudformation");
    if (o.methods !== undefined && cicdLive) {
        for (const { method } of deploymentPipelines(p.cicd.outputs)) {
            if (methods.split(",").includes(method)) continue;
            rep.warn(
                `-m ${o.methods} drops the ${method} method: 'pulumi up' deletes its pipeline, and the workload it deployed ` +
                    `in the target accounts stays behind. To remove that workload, first run the ${method} pipeline with ` +
                    "its destroy variable (see docs/operations.md), then re-run",
            );
        }
    }
    for (const d of p.dropped) {
        const stays =
            o.mode === "org"
                ? "the workload the pipelines deployed there stays behind"
                : `its stack target-${d.name} (deploy roles) and the workload the pipelines deployed there stay behind`;
        rep.warn(
            `${o.targetsFile?.label} drops the target ${d.name} (account ${d.accountId}): 'pulumi up' removes its pipeline ` +
                `stages, and ${stays}. To remove them, tear down (-d) with a file that still lists ${d.name}, then deploy again`,
        );
    }
    summary(o, p, region, methods, cicdStack, rep);
    rep.result.plan = {
        cicd: { account: p.cicdAccount, profile: o.cicdProfile },
        targets: p.targets.map((t) => ({ name: t.name, account: t.accountId, profile: t.profile, stack: t.stack })),
        ...(o.mode === "org" ? { org: { account: p.orgAccount, profile: o.orgProfile } } : {}),
        region,
        backend: p.backend.url,
        methods,
    };
    rep.line();
    await confirmOrAbort(o, rep);
    await loginIfNeeded(p, rep);

    // 1. The CI/CD account.
    rep.info("Configuring stack cicd");
    await p.ws.createOrSelectStack(CICD);
    const config: Record<string, string> = { "aws:region": region };
    if (o.mode === "single") {
        const t = p.targets[0];
        config[key("targetAccountId")] = t.accountId!;
        config[key("subnetId")] = t.subnetId;
        config[key("securityGroupId")] = t.securityGroupId;
        if (o.cfnStackName !== undefined) config[key("cfnStackName")] = o.cfnStackName;
    } else {
        // The program refuses the list together with any single-target key (left from an earlier,
        // torn-down single-target deployment, or from Pulumi.cicd.yaml).
        const current = await p.ws.getAllConfig(CICD);
        const stale = SINGLE_KEYS.filter((k) => k in current);
        if (stale.length > 0) await p.ws.removeAllConfig(CICD, stale);
        config[TARGETS_KEY] = targetsConfigValue(p.targets);
    }
    config[key("methods")] = methods;
    for (const [k, v] of Object.entries(o.cicdSettings)) config[key(k)] = v;
    await p.ws.setAllConfig(CICD, config);
    rep.info(`Deploying stack cicd into account ${p.cicdAccount} (profile ${o.cicdProfile})`);
    await operate(p.ws, deps, rep, "up", CICD, o.cicdProfile);

    // 2. The target roles: one stack per target in list order, or the org stack's StackSet.
    if (org !== undefined) {
        rep.info("Configuring stack org");
        await p.ws.createOrSelectStack(ORG);
        await p.ws.setAllConfig(ORG, org);
        rep.info(`Deploying stack org from account ${p.orgAccount} (profile ${o.orgProfile})`);
        await operate(p.ws, deps, rep, "up", ORG, o.orgProfile!);
    } else {
        for (const t of p.targets) {
            rep.info(`Configuring stack ${t.stack}`);
            await p.ws.createOrSelectStack(t.stack);
            await p.ws.setAllConfig(t.stack, { "aws:region": region, [key("cicdStack")]: cicdStack });
            rep.info(`Deploying stack ${t.stack} into account ${t.accountId} (profile ${t.profile})`);
            await operate(p.ws, deps, rep, "up", t.stack, t.profile!);
        }
    }

    const outputs = await p.ws.outputs(CICD);
    rep.result.outputs = outputs;
    rep.line();
    rep.info("Outputs of stack cicd");
    for (const [k, v] of Object.entries(outputs)) {
        if (typeof v === "string" || typeof v === "number") rep.note(`${k.padEnd(32)} ${v}`);
    }
    rep.line();
    if (o.follow) {
        rep.info(
            "Running the pipelines (the automatic first run of a new pipeline fails: the target roles did not exist yet)",
        );
        const { ok, runs } = await runPipelines(
            { deps, rep, profile: o.cicdProfile, region, yes: o.yes, pollSeconds: o.pollSeconds },
            outputs,
            "deploy",
        );
        rep.result.pipelines = runs;
        if (!ok)
            throw new CliError("a pipeline run did not succeed; see the pipeline in the console, then start it again");
        rep.info("Deployment complete: the pipelines succeeded");
        return;
    }
    rep.info(
        "Deployment complete. Next: run the pipelines (a new pipeline's automatic first run fails because the target roles did not exist yet):",
    );
    for (const { name } of deploymentPipelines(outputs)) {
        rep.note(
            `aws codepipeline start-pipeline-execution --name ${name} --profile ${o.cicdProfile} --region ${region}`,
        );
    }
    rep.note("or re-run this command with -p to start them and follow them to the end");
}
