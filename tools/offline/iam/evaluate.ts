/**
 * Evaluates one request against the captured documents with @cloud-copilot/iam-simulate: the
 * principal's identity policies, and the resource's own policy (a role's trust policy for
 * sts:AssumeRole, the bucket policy for S3). The library decides: same- versus cross-account rules,
 * account-level principals, conditions, explicit denies. This file only picks the documents and fills
 * the request context that the library does not derive from the principal.
 */
import {
    runSimulation,
    type EvaluationResult,
    type RequestAnalysis,
    type Simulation,
} from "@cloud-copilot/iam-simulate";
import { IamModel, PolicyDoc } from "./capture";

export type Verdict = EvaluationResult;

export interface EvalRequest {
    /** A role ARN (the request is made by a session of that role), or a service principal. */
    readonly principal: string;
    readonly action: string;
    /** The full ARN of one resource, or `*` for actions without resource-level permissions. */
    readonly resource: string;
    /**
     * Request context. aws:PrincipalArn, aws:PrincipalAccount and aws:SecureTransport=true are
     * filled from the principal unless given here; everything else is the caller's.
     */
    readonly context?: Readonly<Record<string, string | string[]>>;
    /**
     * Identity policies of a principal that is not in the model (an outsider such as an admin), or
     * a replacement for a modelled principal's own. Modelled roles use their captured policies.
     */
    readonly identityPolicies?: readonly PolicyDoc[];
    /** Replaces the resource policy the model would use; `null` evaluates without one. */
    readonly resourcePolicy?: PolicyDoc | null;
    /** The account that owns the resource, where the ARN does not say (S3); else from the model. */
    readonly resourceAccount?: string;
}

export interface EvalResult {
    readonly verdict: Verdict;
    /** Identity policies used, by name (`<role>/<policy>` or `outsider[i]`). */
    readonly identityPolicyNames: readonly string[];
    /** Which resource policy was used: `trust:<role arn>`, `bucket:<name>`, `override` or none. */
    readonly resourcePolicySource?: string;
    /** Sids of the statements that allowed / explicitly denied, prefixed `identity:` / `resource:`. */
    readonly allowedBy: readonly string[];
    readonly deniedBy: readonly string[];
    readonly context: Readonly<Record<string, string | string[]>>;
    readonly analysis: RequestAnalysis;
}

const SERVICE_PRINCIPAL = /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/;

/** `arn:partition:service:region:account:resource` → parts; undefined for `*` or a non-ARN. */
function arnParts(
    arn: string,
): { partition: string; service: string; region: string; account: string; resource: string } | undefined {
    const m = /^arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)$/.exec(arn);
    return m === null ? undefined : { partition: m[1], service: m[2], region: m[3], account: m[4], resource: m[5] };
}

/** The S3 bucket a bucket or object ARN names. */
const bucketOf = (arn: string): string | undefined => {
    const p = arnParts(arn);
    return p !== undefined && p.service === "s3" && p.account === "" ? p.resource.split("/")[0] : undefined;
};

const isAssumeRole = (action: string): boolean => action.toLowerCase() === "sts:assumerole";

export class Evaluator {
    constructor(public readonly model: IamModel) {}

    /** The resource policy that AWS would evaluate for this request, from the model. */
    private resourcePolicyFor(req: EvalRequest): { doc: PolicyDoc; source: string } | undefined {
        if (req.resourcePolicy === null) return undefined;
        if (req.resourcePolicy !== undefined) return { doc: req.resourcePolicy, source: "override" };
        if (isAssumeRole(req.action)) {
            const role = this.model.roles.get(req.resource);
            return role === undefined ? undefined : { doc: role.trust, source: `trust:${role.arn}` };
        }
        const bucket = bucketOf(req.resource);
        if (bucket !== undefined) {
            const b = this.model.buckets.get(bucket);
            return b?.policy === undefined ? undefined : { doc: b.policy, source: `bucket:${b.name}` };
        }
        return undefined;
    }

    private resourceAccountFor(req: EvalRequest): string {
        if (req.resourceAccount !== undefined) return req.resourceAccount;
        const bucket = bucketOf(req.resource);
        if (bucket !== undefined) {
            const b = this.model.buckets.get(bucket);
            if (b === undefined)
                throw new Error(`evaluate: the bucket ${bucket} is not in the model; pass resourceAccount`);
            return b.accountId;
        }
        const p = arnParts(req.resource);
        if (p !== undefined && /^\d{12}$/.test(p.account)) return p.account;
        // Account-less resources (`*`, public SSM parameters, AMIs): the caller's account.
        const principal = arnParts(req.principal);
        if (principal !== undefined && /^\d{12}$/.test(principal.account)) return principal.account;
        throw new Error(`evaluate: cannot tell which account owns ${req.resource}; pass resourceAccount`);
    }

    async evaluate(req: EvalRequest): Promise<EvalResult> {
        const isService = SERVICE_PRINCIPAL.test(req.principal);
        const principalArn = arnParts(req.principal);
        if (
            !isService &&
            (principalArn === undefined || principalArn.service !== "iam" || !principalArn.resource.startsWith("role/"))
        ) {
            throw new Error(`evaluate: the principal must be a role ARN or a service principal; got ${req.principal}`);
        }
        const role = this.model.roles.get(req.principal);
        let identity: { name: string; policy: PolicyDoc }[];
        if (req.identityPolicies !== undefined) {
            identity = req.identityPolicies.map((policy, i) => ({ name: `given[${i}]`, policy }));
        } else if (role !== undefined) {
            identity = role.policies.map((p) => ({ name: `${role.name}/${p.name}`, policy: p.policy }));
        } else if (isService) {
            identity = [];
        } else {
            throw new Error(`evaluate: ${req.principal} is not in the model; give its identityPolicies`);
        }

        // The library does not derive these from the principal: a role session carries them.
        const context: Record<string, string | string[]> = {};
        if (!isService) {
            context["aws:PrincipalArn"] = req.principal;
            context["aws:PrincipalAccount"] = principalArn!.account;
        }
        context["aws:SecureTransport"] = "true";
        Object.assign(context, req.context ?? {});

        const resourcePolicy = this.resourcePolicyFor(req);
        // A role's requests are made by one of its sessions.
        const requestPrincipal = isService
            ? req.principal
            : `arn:${principalArn!.partition}:sts::${principalArn!.account}:assumed-role/${principalArn!.resource.slice("role/".length).split("/").pop()}/hop-matrix`;
        const simulation: Simulation = {
            request: {
                principal: requestPrincipal,
                action: req.action,
                resource: { resource: req.resource, accountId: this.resourceAccountFor(req) },
                contextVariables: context,
            },
            identityPolicies: identity,
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            ...(resourcePolicy !== undefined ? { resourcePolicy: resourcePolicy.doc } : {}),
        };
        const response = await runSimulation(simulation, { simulationMode: "Strict" });
        if (response.resultType === "error") {
            throw new Error(
                `evaluate: iam-simulate rejected ${req.action} on ${req.resource}: ${JSON.stringify(response.errors)}`,
            );
        }
        if (response.resultType !== "single") {
            throw new Error(
                `evaluate: ${req.action} on ${req.resource} ran as a wildcard simulation; name one resource`,
            );
        }
        const { analysis, ignoredContextKeys } = response.result;
        // A key the library drops would make a condition fail silently: refuse it, unless it is one
        // of the defaults filled above for every request.
        const explicit = new Set(Object.keys(req.context ?? {}).map((k) => k.toLowerCase()));
        const dropped = (ignoredContextKeys ?? []).filter((k) => explicit.has(k.toLowerCase()));
        if (dropped.length > 0) {
            throw new Error(
                `evaluate: iam-simulate ignores ${dropped.join(", ")} for ${req.action} on ${req.resource}`,
            );
        }
        const sid = (
            kind: string,
            s: { statement: { sid(): string | undefined; index(): number }; policyId?: string },
        ): string => `${kind}:${s.statement.sid() ?? `#${s.statement.index()}`}`;
        const allowedBy = [
            ...(analysis.identityAnalysis?.allowStatements ?? []).map((s) => sid("identity", s)),
            ...(analysis.resourceAnalysis?.allowStatements ?? []).map((s) => sid("resource", s)),
        ];
        const deniedBy = [
            ...(analysis.identityAnalysis?.denyStatements ?? []).map((s) => sid("identity", s)),
            ...(analysis.resourceAnalysis?.denyStatements ?? []).map((s) => sid("resource", s)),
        ];
        return {
            verdict: response.overallResult,
            identityPolicyNames: identity.map((p) => p.name),
            ...(resourcePolicy !== undefined ? { resourcePolicySource: resourcePolicy.source } : {}),
            allowedBy,
            deniedBy,
            context,
            analysis,
        };
    }
}

/** Policies for principals outside the program, written here on purpose (they are not the program's). */
export const outsiderPolicies = {
    /** AdministratorAccess, as AWS defines it. */
    administratorAccess: (): PolicyDoc => ({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
    }),
};
