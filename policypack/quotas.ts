// Quotas: the program's own AWS limits (../quotas.ts, dependency-free on purpose), checked at preview
// time on what the stack declares, with the program's messages.
//
// At preview some values are unknown. What is unknown is left out, so every count is a lower bound:
// a usage over its limit is over it whatever the unknown values turn out to be, and nothing is
// reported on a guess. The program's hints (what would fit, from its config) are not repeated here.
import type { Policies, PolicyResource, ReportViolation } from "@pulumi/policy";
import { bucketPolicyUsage, exceeds, PipelineLike, pipelineUsages, quotaMessage, roleUsages, Usage } from "../quotas";
import { bucketsOf, childrenOf } from "./lib/buckets";
import { Found, referenced, resourcesOf, stackPolicy, TYPES } from "./lib/policies";
import { isObject, isUnknown, jsonText, knownString, objects, Props } from "./lib/values";

const knownOrEmpty = (v: unknown): string => (typeof v === "string" && !isUnknown(v) ? v : "");

/** A pipeline's declaration as quotas.ts reads it, with unknown parts left out. */
export function pipelineLike(name: string, p: Props): PipelineLike {
    return {
        name,
        ...(Array.isArray(p.variables) ? { variables: p.variables as unknown[] } : {}),
        stages: objects(p.stages).map((s, i) => ({
            name: knownString(s.name) ?? `#${i + 1}`,
            actions: objects(s.actions).map((a, j) => {
                const configuration = isObject(a.configuration)
                    ? Object.fromEntries(
                          Object.entries(a.configuration).filter(([, v]) => typeof v === "string" && !isUnknown(v)),
                      )
                    : undefined;
                return {
                    name: knownString(a.name) ?? `#${j + 1}`,
                    ...(knownString(a.provider) !== undefined ? { provider: knownString(a.provider) } : {}),
                    ...(configuration !== undefined ? { configuration } : {}),
                    // An unknown command still counts as a command; its length counts as 0.
                    ...(Array.isArray(a.commands) ? { commands: (a.commands as unknown[]).map(knownOrEmpty) } : {}),
                    ...(Array.isArray(a.outputVariables)
                        ? { outputVariables: (a.outputVariables as unknown[]).map(knownOrEmpty) }
                        : {}),
                };
            }),
        })),
    };
}

const pipelineUsagesOf = (resources: readonly PolicyResource[]): [Found, Usage[]][] =>
    resourcesOf(resources, [TYPES.pipeline]).map((p) => [
        p,
        pipelineUsages(pipelineLike(knownString(p.props.name) ?? p.resource.name, p.props)),
    ]);

/**
 * Each role's trust policy and inline policies: its `inlinePolicies` and the RolePolicy resources
 * attached to it, by policy name (AWS reports a RolePolicy's document among the role's inline
 * policies too: counted once).
 */
function roleUsagesOf(resources: readonly PolicyResource[]): [Found, Usage[]][] {
    const roles = resourcesOf(resources, [TYPES.role]);
    const inline = new Map<string, Map<string, string>>(roles.map((r) => [r.resource.urn, new Map()]));
    for (const r of roles) {
        objects(r.props.inlinePolicies).forEach((p, i) => {
            const text = jsonText(p.policy);
            if (text !== undefined && text !== "")
                inline.get(r.resource.urn)?.set(knownString(p.name) ?? `#${i}`, text);
        });
    }
    for (const rp of resourcesOf(resources, [TYPES.rolePolicy])) {
        const role = referenced(rp, "role", roles, (c) => [
            knownString(c.props.name),
            knownString(c.props.id),
            knownString(c.props.arn),
        ]);
        const text = jsonText(rp.props.policy);
        if (role === undefined || text === undefined) continue;
        inline.get(role.resource.urn)?.set(knownString(rp.props.name) ?? rp.resource.urn, text);
    }
    return roles.map((r) => {
        const trust = jsonText(r.props.assumeRolePolicy);
        const usages = roleUsages(knownString(r.props.name) ?? r.resource.name, trust ?? "", [
            ...(inline.get(r.resource.urn)?.values() ?? []),
        ]);
        return [r, usages.filter((u) => trust !== undefined || u.quota !== "trustPolicy")];
    });
}

/** Each bucket policy (a BucketPolicy resource, or a bucket's inline policy), named by its bucket. */
function bucketPolicyUsagesOf(resources: readonly PolicyResource[]): [Found, Usage[]][] {
    const buckets = bucketsOf(resources);
    const children = childrenOf(resources, buckets, TYPES.bucketPolicy);
    const separate = resourcesOf(resources, TYPES.bucketPolicy).map((c): [Found, Usage[]] => {
        const text = jsonText(c.props.policy);
        const bucket = children.bucketOf(c)?.name ?? knownString(c.props.bucket) ?? c.resource.name;
        return [c, text === undefined ? [] : [bucketPolicyUsage(bucket, text)]];
    });
    const inlined = buckets.map((b): [Found, Usage[]] => {
        const text = jsonText(b.props.policy);
        return [b, text === undefined || text === "" ? [] : [bucketPolicyUsage(b.name ?? b.resource.name, text)]];
    });
    return [...separate, ...inlined];
}

const awsQuotas = stackPolicy(
    {
        name: "aws-quotas",
        description:
            "What the stack declares fits the AWS limits the program itself checks (quotas.ts): per pipeline its stages, actions " +
            "per stage and per pipeline, variables, action configuration values, commands per Commands action and their length, " +
            "output variables; per role its trust policy (2,048 characters) and all its inline policies together (10,240); per " +
            "bucket its policy (20 KB). Values unknown at preview are left out, so only certain excesses are reported.",
    },
    (args, reportViolation: ReportViolation) => {
        const checked = [
            ...pipelineUsagesOf(args.resources),
            ...roleUsagesOf(args.resources),
            ...bucketPolicyUsagesOf(args.resources),
        ];
        if (checked.length === 0) args.notApplicable("no pipelines, roles or bucket policies in this stack");
        for (const [found, usages] of checked) {
            for (const u of usages.filter(exceeds)) reportViolation(quotaMessage(u), found.resource.urn);
        }
    },
);

export const quotaPolicies: Policies = [awsQuotas];
