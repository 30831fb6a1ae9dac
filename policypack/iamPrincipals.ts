// IAM, one principal per target and step: in the CI/CD account each CodeBuild project and each
// target's Commands actions have a role of their own that may assume exactly one role, in its own
// target account; in a target account each role trusted from another account names exactly one
// principal there.
//
// The one exception, and how it is recognised: a pipeline's service role assumes the action roles
// of its own Commands actions, and names them by pattern (`arn:…:iam::<own account>:role/<prefix>-cfn-plan-*`,
// policies/pipeline.ts) so that its policy keeps one size whatever the number of targets. A
// wildcard is accepted there only when all of these hold:
//   1. the role is a CodePipeline service role: its trust admits the service codepipeline.amazonaws.com
//      and nothing else (no AWS principal), so only CodePipeline, running the declared pipeline, holds
//      its sessions, and it assumes an action role only for an action that declares that roleArn;
//   2. the pattern is `arn:<partition>:iam::<account>:role/<prefix>*`: a literal partition and
//      account, one `*` at the very end, a prefix without wildcards that ends with "-";
//   3. that account is the account of the action roles its pipeline declares (its own);
//   4. every role of this stack whose name the pattern matches is an action role its pipeline
//      declares, and at least one is: the pattern reaches none of the stack's other roles (build
//      roles, other pipelines' roles, review roles).
// Roles outside the stack that match could only be created by an administrator of the CI/CD account,
// and would still have to trust the pipeline's role. An exact ARN on a pipeline's service role is
// accepted when an action of its pipeline uses it, or when it is a role of this stack that trusts that
// service role and no one else (the wave review role, which a single-target pipeline does not use
// yet). While a pipeline's role cannot be told at preview, pipeline roles are not judged.
//
// Which stack is which: a stack that declares pipelines or CodeBuild projects is a cicd stack; one
// that declares neither (but roles) is a target stack. An action's target accounts are the accounts
// of the ARNs its commands name, other than the action role's own.
import type { Policies, PolicyResource, ReportViolation } from "@pulumi/policy";
import {
    assumeRoleTargets,
    awsPrincipals,
    hasWildcard,
    isAccountPrincipal,
    isAllow,
    isFixedValue,
    principalAccount,
    principalArnValues,
    servicePrincipals,
    Statement,
    statementsOf,
} from "./lib/documents";
import { actionsOf, knownCommands } from "./lib/pipelines";
import { Found, resourcesOf, stackPolicy, TYPES } from "./lib/policies";
import { arnAccount, containsUnknown, isUnknown, knownString, objects, roleNameOfArn, show } from "./lib/values";

/** The role a property (serviceRole, roleArn, role) refers to: by dependency, ARN or name. */
function roleOf(r: Found, property: string, roles: readonly Found[]): Found | undefined {
    const deps = r.resource.propertyDependencies?.[property] ?? [];
    const byDependency = roles.find((c) => deps.some((d) => d.urn === c.resource.urn));
    if (byDependency !== undefined) return byDependency;
    const value = knownString(r.props[property]);
    if (value === undefined) return undefined;
    const name = roleNameOfArn(value) ?? value;
    return roles.find((c) => knownString(c.props.arn) === value || knownString(c.props.name) === name);
}

const roleLabel = (r: Found): string => knownString(r.props.name) ?? r.resource.name;

/** CodeBuild projects that share a service role. */
function sharedServiceRoles(projects: Found[], roles: Found[], report: ReportViolation): void {
    const groups = new Map<string, { role: string; projects: Found[] }>();
    for (const p of projects) {
        const role = roleOf(p, "serviceRole", roles);
        const key = role?.resource.urn ?? knownString(p.props.serviceRole);
        if (key === undefined) continue;
        const group = groups.get(key) ?? { role: role !== undefined ? roleLabel(role) : key, projects: [] };
        group.projects.push(p);
        groups.set(key, group);
    }
    for (const g of groups.values()) {
        if (g.projects.length < 2) continue;
        const names = g.projects.map((p) => knownString(p.props.name) ?? p.resource.name);
        report(
            `CodeBuild projects ${names.join(", ")} share the service role ${g.role}: each project (one per target and step) ` +
                `needs a role of its own, so that one target's build reaches no other target`,
            g.projects[1].resource.urn,
        );
    }
}

/**
 * The accounts of the ARNs a Commands action's commands name, other than `own`: the target accounts
 * it works on. Only ARNs count: a bare run of 12 digits may be part of a digest.
 */
const targetAccounts = (action: Found["props"], own: string | undefined): string[] =>
    [
        ...new Set(
            knownCommands(action).flatMap(({ command }) =>
                [...command.matchAll(/\barn:[\w-]+:[\w-]+:[\w-]*:(\d{12}):/g)].map((m) => m[1]),
            ),
        ),
    ].filter((a) => a !== own);

/** Commands actions of different targets (the accounts of the ARNs their commands name) that share a roleArn. */
function sharedActionRoles(pipelines: Found[], report: ReportViolation): void {
    const byRole = new Map<string, { where: string; accounts: string[]; urn: string }[]>();
    for (const p of pipelines) {
        for (const a of actionsOf(knownString(p.props.name) ?? p.resource.name, p.props)) {
            const roleArn = knownString(a.action.roleArn);
            if (a.action.provider !== "Commands" || roleArn === undefined) continue;
            const uses = byRole.get(roleArn) ?? [];
            uses.push({ where: a.where, accounts: targetAccounts(a.action, arnAccount(roleArn)), urn: p.resource.urn });
            byRole.set(roleArn, uses);
        }
    }
    for (const [roleArn, uses] of byRole) {
        const accounts = [...new Set(uses.flatMap((u) => u.accounts))];
        if (accounts.length < 2) continue;
        const who = uses.filter((u) => u.accounts.length > 0).map((u) => `${u.where} (${u.accounts.join(", ")})`);
        report(
            `Commands actions of different target accounts (${accounts.join(", ")}) share the role ${roleArn}: ${who.join("; ")}. ` +
                `Each target's action needs a role of its own that reaches only that target`,
            uses[0].urn,
        );
    }
}

/** Only the CodePipeline service may assume the role. */
const isPipelineServiceRole = (r: Found): boolean => {
    const allows = statementsOf(r.props.assumeRolePolicy).filter(isAllow);
    return (
        allows.length > 0 &&
        allows.every(
            (s) =>
                s.principal !== "*" &&
                awsPrincipals(s).length === 0 &&
                servicePrincipals(s).length > 0 &&
                servicePrincipals(s).every((x) => x === "codepipeline.amazonaws.com"),
        )
    );
};

const PATTERN = /^arn:([^:*?]+):iam::(\d{12}):role\/([^*?]*-)\*$/;

/** Why a pipeline service role's wildcard resource is not one of its own action roles' pattern, or undefined. */
function patternProblem(pattern: string, actionRoleArns: string[], roles: readonly Found[]): string | undefined {
    const m = PATTERN.exec(pattern);
    if (m === null)
        return "not of the form arn:<partition>:iam::<account>:role/<prefix>-* (literal account, one trailing *)";
    const [, , account, prefix] = m;
    if (actionRoleArns.length === 0) return "its pipeline declares no action roles";
    if (!actionRoleArns.every((a) => arnAccount(a) === account))
        return `its account ${account} is not the account of the pipeline's action roles`;
    const own = new Set(actionRoleArns.map((a) => roleNameOfArn(a)));
    const matched = roles
        .map((r) => knownString(r.props.name))
        .filter((n): n is string => n?.startsWith(prefix) === true);
    const stray = matched.filter((n) => !own.has(n));
    if (stray.length > 0) return `it also matches ${stray.join(", ")}, which no action of its pipeline uses`;
    if (matched.length === 0) return "it matches none of this stack's roles";
    return undefined;
}

/**
 * `target` is a role of this stack whose trust admits `pipelineRole` and no one else (by aws:PrincipalArn,
 * or as the principal itself): a role made for that pipeline, such as the review role a wave of
 * several targets uses (a pipeline may have none yet).
 */
function madeFor(target: string, pipelineRole: Found, roles: readonly Found[]): boolean {
    const name = roleNameOfArn(target);
    const candidate = roles.find((r) => knownString(r.props.arn) === target || knownString(r.props.name) === name);
    const account = arnAccount(target);
    const pipelineName = knownString(pipelineRole.props.name);
    const pipelineArn =
        knownString(pipelineRole.props.arn) ??
        (pipelineName === undefined ? undefined : `${target.slice(0, target.indexOf(":role/"))}:role/${pipelineName}`);
    if (pipelineArn === undefined) return true; // unknown at preview: judged on `pulumi up`
    if (candidate === undefined || account === undefined) return false;
    const allows = statementsOf(candidate.props.assumeRolePolicy).filter(isAllow);
    return (
        allows.length > 0 &&
        allows.every((s) => {
            const admitted = principalArnValues(s) ?? awsPrincipals(s).filter((p) => !isAccountPrincipal(p));
            return admitted.length === 1 && admitted[0] === pipelineArn;
        })
    );
}

/** The documents granting a role its rights: inline policies and the RolePolicy resources attached to it. */
function identityStatements(
    roles: Found[],
    rolePolicies: Found[],
): Map<Found, { statements: Statement[]; urn: string }> {
    const out = new Map<Found, { statements: Statement[]; urn: string }>(
        roles.map((r) => [
            r,
            { statements: objects(r.props.inlinePolicies).flatMap((p) => statementsOf(p.policy)), urn: r.resource.urn },
        ]),
    );
    for (const rp of rolePolicies) {
        const role = roleOf(rp, "role", roles);
        const statements = statementsOf(rp.props.policy);
        if (role !== undefined) out.get(role)?.statements.push(...statements);
        else out.set(rp, { statements, urn: rp.resource.urn }); // its role is unknown: judged alone
    }
    return out;
}

/** Each role that may assume roles names exactly one, in full (pipeline service roles: their own action roles). */
function assumeRoleScope(
    resources: readonly PolicyResource[],
    roles: Found[],
    pipelines: Found[],
    report: ReportViolation,
): void {
    const rolePolicies = resourcesOf(resources, [TYPES.rolePolicy]);
    for (const [role, { statements, urn }] of identityStatements(roles, rolePolicies)) {
        const targets = [...new Set(statements.flatMap(assumeRoleTargets))].filter((t) => !isUnknown(t));
        if (targets.length === 0) continue;
        const label = `Role ${roleLabel(role)}`;
        if (roles.includes(role) && isPipelineServiceRole(role)) {
            // A pipeline whose role is unknown and untracked (preview) may be this role's: judge nothing.
            if (pipelines.some((p) => roleOf(p, "roleArn", roles) === undefined)) continue;
            const actionRoleArns = pipelines
                .filter((p) => roleOf(p, "roleArn", roles) === role)
                .flatMap((p) => actionsOf(roleLabel(p), p.props).map((a) => knownString(a.action.roleArn)))
                .filter((a): a is string => a !== undefined);
            for (const t of targets) {
                if (!hasWildcard(t)) {
                    if (!actionRoleArns.includes(t) && !madeFor(t, role, roles))
                        report(
                            `${label}, a pipeline's service role, may assume ${t}, which no action of its pipeline uses ` +
                                `and which is no role of this stack that trusts only it`,
                            urn,
                        );
                    continue;
                }
                const problem = patternProblem(t, actionRoleArns, roles);
                if (problem !== undefined)
                    report(`${label}, a pipeline's service role, may assume "${t}": ${problem}`, urn);
            }
            continue;
        }
        const wild = targets.filter((t) => hasWildcard(t) || t === "NotResource");
        if (wild.length > 0) {
            report(
                `${label} may assume ${wild.map((t) => `"${t}"`).join(", ")}: a deploy principal may assume exactly one role, named in full`,
                urn,
            );
        } else if (targets.length > 1) {
            report(
                `${label} may assume ${targets.length} roles (${targets.join(", ")}): a deploy principal may assume exactly one role, in its own target account`,
                urn,
            );
        }
    }
}

/** In a target stack: each trust statement admitting another account pins exactly one aws:PrincipalArn. */
function crossAccountTrustPinnedToOne(roles: Found[], report: ReportViolation): void {
    for (const r of roles) {
        const own = arnAccount(knownString(r.props.arn) ?? "");
        statementsOf(r.props.assumeRolePolicy).forEach((s, i) => {
            if (!isAllow(s) || containsUnknown(s.condition)) return;
            const principals = awsPrincipals(s).filter((p) => p !== "*" && !isUnknown(p));
            const foreign = principals.filter((p) => {
                const account = principalAccount(p);
                return account !== undefined && account !== own;
            });
            if (foreign.length === 0) return;
            const condition = principalArnValues(s);
            const pinned = condition ?? (principals.some(isAccountPrincipal) ? [] : principals);
            if (pinned.length === 1 && isFixedValue(pinned[0])) return;
            const where = `Role ${roleLabel(r)}: trust statement ${s.sid !== undefined ? `"${s.sid}"` : `#${i}`}`;
            const what =
                pinned.length === 0
                    ? "without naming one aws:PrincipalArn"
                    : `with aws:PrincipalArn ${pinned.map((v) => show(v)).join(", ")}`;
            report(
                `${where} admits ${foreign.join(", ")} ${what}: a role trusted from another account pins exactly one ` +
                    `aws:PrincipalArn, without wildcards (the CI/CD account's principal for this target and step)`,
                r.resource.urn,
            );
        });
    }
}

const iamNoSharedDeployPrincipal = stackPolicy(
    {
        name: "iam-no-shared-deploy-principal",
        description:
            "One principal per target and step. In a stack with pipelines or CodeBuild projects (cicd): no two projects share a " +
            "service role; no role is the roleArn of Commands actions of different target accounts; a role that may " +
            "sts:AssumeRole names exactly one role ARN, without wildcards, except a pipeline's service role, which may name its " +
            "own action roles by a pattern confined to them (see iamPrincipals.ts). In a stack without them (target): each role " +
            "trusted from another account pins exactly one aws:PrincipalArn.",
    },
    (args, report) => {
        const roles = resourcesOf(args.resources, [TYPES.role]);
        const projects = resourcesOf(args.resources, [TYPES.project]);
        const pipelines = resourcesOf(args.resources, [TYPES.pipeline]);
        const cicd = projects.length + pipelines.length > 0;
        if (!cicd && roles.length === 0) args.notApplicable("no roles, pipelines or CodeBuild projects in this stack");
        if (cicd) {
            sharedServiceRoles(projects, roles, report);
            sharedActionRoles(pipelines, report);
        }
        assumeRoleScope(args.resources, roles, pipelines, report);
        if (!cicd) crossAccountTrustPinnedToOne(roles, report);
    },
);

export const principalPolicies: Policies = [iamNoSharedDeployPrincipal];
