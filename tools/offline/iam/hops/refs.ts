/**
 * The vocabulary of the hop list: who makes a request (principals), on what (resources), with which
 * request context. Everything resolves against the captured model: ARNs come from the stacks' outputs
 * and the cicd contract, names from the program's own derivation, so nothing here repeats a document
 * or an ARN by hand. Only the outsiders, principals the program does not create, are defined here, with
 * the identity policies an administrator would have.
 */
import type { Method } from "../../../../config";
import { deriveNames, MethodNames, Names } from "../../../../names";
import { WORKLOAD_TAG_KEY } from "../../../../policies";
import { CapturedTarget, IamModel, PolicyDoc, stateBucket } from "../capture";
import { outsiderPolicies, Verdict } from "../evaluate";

/** Account of a principal outside the CI/CD and target accounts. */
export const THIRD_ACCOUNT = "999999999999";
/** The name of an administrator role in any account (not one of the program's). */
export const ADMIN_ROLE = "Admin";

/** The target a hop is about, and another target (for the hops that cross between targets). */
export interface Pair {
    readonly self: CapturedTarget;
    readonly other?: CapturedTarget;
}

export interface ResolvedPrincipal {
    readonly arn: string;
    readonly label: string;
    /** Only for outsiders: the program's roles use their captured policies. */
    readonly identityPolicies?: readonly PolicyDoc[];
}

export type PrincipalRef = (m: IamModel, p: Pair) => ResolvedPrincipal;
export type ResourceRef = (m: IamModel, p: Pair) => string;
export type ContextRef = (m: IamModel, p: Pair) => Record<string, string | string[]>;

export type Group =
    | "method 1"
    | "method 2"
    | "one principal per target"
    | "state isolation"
    | "review and drift cannot apply"
    | "no back doors"
    | "outsiders"
    | "plain HTTP";

export interface Hop {
    readonly id: string;
    readonly group: Group;
    /** What the row proves, as the test's title; "A" is the target, "B" the other one. */
    readonly title: string;
    readonly principal: PrincipalRef;
    readonly action: string;
    readonly resource: ResourceRef;
    readonly context?: ContextRef;
    readonly expected: Verdict;
    /** The methods the hop needs, and whether it needs a second target. */
    readonly needs?: { readonly method?: Method; readonly other?: boolean };
}

export const ALLOWED: Verdict = "Allowed";
export const IMPLICIT: Verdict = "ImplicitlyDenied";
export const EXPLICIT: Verdict = "ExplicitlyDenied";

export const namesOf = (m: IamModel): Names =>
    deriveNames({ namePrefix: m.cicd.namePrefix, region: m.region }, m.cicdAccountId);
export const methodNames = (m: IamModel, method: Method): MethodNames => namesOf(m)[method];

const side = (p: Pair, which: "self" | "other"): CapturedTarget => {
    const t = which === "self" ? p.self : p.other;
    if (t === undefined) throw new Error("hops: this hop needs a second target");
    return t;
};
const roleArn = (m: IamModel, account: string, name: string): string =>
    `arn:${m.partition}:iam::${account}:role/${name}`;
const modelled = (m: IamModel, arn: string, what: string): ResolvedPrincipal => {
    const role = m.roles.get(arn);
    if (role === undefined) throw new Error(`hops: ${what} (${arn}) is not a captured role`);
    return { arn, label: `${role.stack}: ${role.name}` };
};
const contractRole = (t: CapturedTarget, key: string): string => {
    const v = (t.contract.roles as Record<string, string>)[key];
    if (v === undefined) throw new Error(`hops: the contract of ${t.name} has no ${key}`);
    return v;
};

/* ---------- principals ---------- */

/** A role of the target's contract entry: `terraformPlanPrincipalArn`, `cloudFormationDeployRoleArn`, ... */
export const contractPrincipal =
    (key: string, which: "self" | "other" = "self"): PrincipalRef =>
    (m, p) =>
        modelled(m, contractRole(side(p, which), key), key);

export const pipelineRole =
    (method: Method, drift = false): PrincipalRef =>
    (m) => {
        const n = methodNames(m, method);
        return modelled(m, roleArn(m, m.cicdAccountId, drift ? n.driftPipelineRole : n.pipelineRole), "pipeline role");
    };

export const reviewRole =
    (method: Method): PrincipalRef =>
    (m) =>
        modelled(m, roleArn(m, m.cicdAccountId, methodNames(m, method).reviewRole), "review role");

export const instanceRole =
    (method: Method): PrincipalRef =>
    (m, p) =>
        modelled(m, roleArn(m, p.self.accountId, methodNames(m, method).instanceRole), "instance role");

const admin = (account: string, where: string): ResolvedPrincipal => ({
    arn: `arn:aws:iam::${account}:role/${ADMIN_ROLE}`,
    label: `${where}: ${ADMIN_ROLE} (AdministratorAccess)`,
    identityPolicies: [outsiderPolicies.administratorAccess()],
});
export const targetAdmin: PrincipalRef = (_m, p) => admin(p.self.accountId, p.self.stack);
export const cicdAdmin: PrincipalRef = (m) => admin(m.cicdAccountId, "cicd");
export const thirdAccountAdmin: PrincipalRef = () => admin(THIRD_ACCOUNT, THIRD_ACCOUNT);
/**
 * The target's own deploy role after the target's administrator (who owns it) rewrote its identity
 * policy to every S3 right: the state bucket's own policy must still confine it to its account's state.
 */
export const adminEditedDeployRole: PrincipalRef = (m, p) => ({
    arn: roleArn(m, p.self.accountId, methodNames(m, "terraform").deployRole),
    label: `${p.self.stack}: the deploy role, its policy rewritten by the target's admin to s3:*`,
    identityPolicies: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] }],
});
export const service =
    (name: string): PrincipalRef =>
    () => ({ arn: name, label: name });

/* ---------- resources ---------- */

export const contractResource =
    (key: string, which: "self" | "other" = "self"): ResourceRef =>
    (_m, p) =>
        contractRole(side(p, which), key);

export const stateObject =
    (which: "self" | "other" = "self", suffix = ""): ResourceRef =>
    (m, p) =>
        `${stateBucket(m).arn}/${side(p, which).contract.stateKey}${suffix}`;
export const statePrefix = (t: CapturedTarget): string =>
    (t.contract.stateKey as string).replace(/\/terraform\.tfstate$/, "");
export const stateBucketArn: ResourceRef = (m) => stateBucket(m).arn;

const ec2 = (m: IamModel, p: Pair, resource: string): string =>
    `arn:${m.partition}:ec2:${m.region}:${p.self.accountId}:${resource}`;
export const instance: ResourceRef = (m, p) => ec2(m, p, "instance/i-0123456789abcdef0");
export const ownSubnet: ResourceRef = (m, p) => ec2(m, p, `subnet/${p.self.contract.subnetId}`);
export const otherSubnet: ResourceRef = (m, p) => ec2(m, p, "subnet/subnet-0fffffffffffffff0");
export const volume: ResourceRef = (m, p) => ec2(m, p, "volume/vol-0123456789abcdef0");
export const image: ResourceRef = (m) => `arn:${m.partition}:ec2:${m.region}::image/ami-0123456789abcdef0`;
export const iamResource =
    (resource: string): ResourceRef =>
    (m, p) =>
        `arn:${m.partition}:iam::${p.self.accountId}:${resource}`;
export const instanceRoleArn =
    (method: Method): ResourceRef =>
    (m, p) =>
        roleArn(m, p.self.accountId, methodNames(m, method).instanceRole);
export const stack =
    (name?: string): ResourceRef =>
    (m, p) =>
        `arn:${m.partition}:cloudformation:${m.region}:${p.self.accountId}:stack/${name ?? p.self.contract.cfnStackName}/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;
export const project =
    (key: "terraformPlanProject" | "terraformApplyProject", which: "self" | "other" = "self"): ResourceRef =>
    (m, p) =>
        `arn:${m.partition}:codebuild:${m.region}:${m.cicdAccountId}:project/${contractRole(side(p, which), key)}`;

/* ---------- contexts ---------- */

export const http: ContextRef = () => ({ "aws:SecureTransport": "false" });
export const passedTo =
    (svc: string): ContextRef =>
    () => ({ "iam:PassedToService": svc });
export const listPrefix =
    (which: "self" | "other" | "none"): ContextRef =>
    (_m, p): Record<string, string> =>
        which === "none" ? {} : { "s3:prefix": `${statePrefix(side(p, which))}/` };
/** The instance of a RunInstances call as the workload templates make it. */
export const launch =
    (method: Method, overrides: Record<string, string> = {}): ContextRef =>
    (m) => ({
        [`aws:RequestTag/${WORKLOAD_TAG_KEY}`]: methodNames(m, method).workload,
        "ec2:InstanceType": m.cicd.contract.instanceType as string,
        "ec2:MetadataHttpTokens": "required",
        ...overrides,
    });
export const onWorkloadInstance =
    (method: Method, extra: Record<string, string> = {}): ContextRef =>
    (m) => ({ [`aws:ResourceTag/${WORKLOAD_TAG_KEY}`]: methodNames(m, method).workload, ...extra });
export const changeSet =
    (roleArnKey: string | undefined, name = "run-8c1f3a2e-0000-4000-8000-000000000001"): ContextRef =>
    (_m, p) => ({
        "cloudformation:ChangeSetName": name,
        ...(roleArnKey !== undefined ? { "cloudformation:RoleArn": contractRole(p.self, roleArnKey) } : {}),
    });
