/**
 * Captures the IAM documents the program really produces, from the Pulumi mocks: every role's trust
 * policy and inline policies, and every bucket policy. Nothing here is typed in by hand: the
 * documents are the JSON strings the program registered, parsed, and the accounts, names and ARNs
 * come from the recorded inputs and the stacks' own outputs.
 */
import { CicdRun, runCicd, runTarget, TargetRun } from "../program";
import { Recorded } from "../mocks";

/** A policy document as registered (parsed JSON). */
export type PolicyDoc = { Version?: string; Statement: Record<string, unknown>[] | Record<string, unknown> };

export interface CapturedRole {
    /** The Pulumi stack that declared it: `cicd`, `target`, `target-<name>`. */
    readonly stack: string;
    readonly accountId: string;
    /** Pulumi resource name, e.g. `terraform-deploy-role`. */
    readonly resourceName: string;
    /** Physical role name. */
    readonly name: string;
    readonly arn: string;
    readonly trust: PolicyDoc;
    /** Inline policies, by their IAM policy name. */
    readonly policies: readonly { readonly name: string; readonly policy: PolicyDoc }[];
}

export interface CapturedBucket {
    readonly stack: string;
    readonly accountId: string;
    readonly resourceName: string;
    /** Physical bucket name. */
    readonly name: string;
    readonly arn: string;
    readonly policy?: PolicyDoc;
}

export interface CapturedTarget {
    readonly name: string;
    readonly stack: string;
    readonly accountId: string;
    /** The cicd stack's contract for this target (stateKey, cfnStackName, role ARNs, ...). */
    readonly contract: Record<string, any>;
    /** The target stack's own outputs. */
    readonly outputs: Record<string, any>;
}

export interface IamModel {
    readonly partition: string;
    readonly region: string;
    readonly cicdAccountId: string;
    /** The cicd stack's outputs, resolved. */
    readonly cicd: Record<string, any>;
    readonly targets: readonly CapturedTarget[];
    /** Every role of every stack, by ARN. */
    readonly roles: ReadonlyMap<string, CapturedRole>;
    /** Every bucket of every stack, by physical name. */
    readonly buckets: ReadonlyMap<string, CapturedBucket>;
}

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const BUCKET = "aws:s3/bucket:Bucket";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";

const parseDoc = (json: unknown, what: string): PolicyDoc => {
    if (typeof json !== "string") throw new Error(`capture: ${what} is not a JSON string (got ${typeof json})`);
    const doc = JSON.parse(json) as PolicyDoc;
    if (doc === null || typeof doc !== "object" || doc.Statement === undefined) {
        throw new Error(`capture: ${what} is not a policy document: ${json}`);
    }
    return doc;
};

/** `${component}-role` → component. */
const componentOfRole = (resourceName: string): string => resourceName.replace(/-role$/, "");

/** The roles and bucket policies one stack registered, in the given account. */
function captureStack(
    stack: string,
    accountId: string,
    partition: string,
    resources: readonly Recorded[],
): { roles: CapturedRole[]; buckets: CapturedBucket[] } {
    const roleResources = resources.filter((r) => r.type === ROLE);
    const policiesByRole = new Map<Recorded, { name: string; policy: PolicyDoc }[]>(roleResources.map((r) => [r, []]));
    for (const rp of resources.filter((r) => r.type === ROLE_POLICY)) {
        const policyName = rp.inputs.name as string;
        // The role input is the role's name output: resolved under the mocks, but match by resource
        // name (`${component}-${policyName}` belongs to `${component}-role`) when it is not.
        let owners = roleResources.filter(
            (r) => typeof rp.inputs.role === "string" && r.inputs.name === rp.inputs.role,
        );
        if (owners.length === 0 && rp.name.endsWith(`-${policyName}`)) {
            const component = rp.name.slice(0, -(policyName.length + 1));
            owners = roleResources.filter((r) => componentOfRole(r.name) === component);
        }
        if (owners.length !== 1) {
            throw new Error(`capture (${stack}): the RolePolicy ${rp.name} matches ${owners.length} roles`);
        }
        policiesByRole
            .get(owners[0])!
            .push({ name: policyName, policy: parseDoc(rp.inputs.policy, `${stack}/${rp.name}.policy`) });
    }
    const roles = roleResources.map((r): CapturedRole => {
        const name = r.inputs.name as string;
        if (typeof name !== "string") throw new Error(`capture (${stack}): the role ${r.name} has no physical name`);
        return {
            stack,
            accountId,
            resourceName: r.name,
            name,
            arn: `arn:${partition}:iam::${accountId}:role/${name}`,
            trust: parseDoc(r.inputs.assumeRolePolicy, `${stack}/${r.name}.assumeRolePolicy`),
            policies: policiesByRole.get(r)!,
        };
    });

    const bucketResources = resources.filter((r) => r.type === BUCKET);
    const bucketPolicies = resources.filter((r) => r.type === BUCKET_POLICY);
    const buckets = bucketResources.map((b): CapturedBucket => {
        // hardenedBucket(name): the bucket is `${name}-bucket`, its policy `${name}-policy`.
        const component = b.name.replace(/-bucket$/, "");
        const policies = bucketPolicies.filter((p) => p.name === `${component}-policy`);
        if (policies.length > 1)
            throw new Error(`capture (${stack}): ${policies.length} policies for the bucket ${b.name}`);
        const name = b.inputs.bucket as string;
        return {
            stack,
            accountId,
            resourceName: b.name,
            name,
            arn: `arn:${partition}:s3:::${name}`,
            ...(policies.length === 1
                ? { policy: parseDoc(policies[0].inputs.policy, `${stack}/${policies[0].name}.policy`) }
                : {}),
        };
    });
    const orphans = bucketPolicies.filter(
        (p) => !bucketResources.some((b) => `${b.name.replace(/-bucket$/, "")}-policy` === p.name),
    );
    if (orphans.length > 0)
        throw new Error(
            `capture (${stack}): bucket policies without a bucket: ${orphans.map((o) => o.name).join(", ")}`,
        );
    return { roles, buckets };
}

/** Builds the model from a cicd run and the runs of its target stacks. */
export function captureModel(cicd: CicdRun, targetRuns: readonly TargetRun[]): IamModel {
    const out = cicd.outputs;
    const partition = out.partition as string;
    const cicdAccountId = out.cicdAccountId as string;
    const roles = new Map<string, CapturedRole>();
    const buckets = new Map<string, CapturedBucket>();
    const add = (c: { roles: CapturedRole[]; buckets: CapturedBucket[] }): void => {
        for (const r of c.roles) {
            if (roles.has(r.arn)) throw new Error(`capture: the role ${r.arn} is declared twice`);
            roles.set(r.arn, r);
        }
        for (const b of c.buckets) {
            if (buckets.has(b.name)) throw new Error(`capture: the bucket ${b.name} is declared twice`);
            buckets.set(b.name, b);
        }
    };
    add(captureStack("cicd", cicdAccountId, partition, cicd.mocks.resources));
    const targets = targetRuns.map((run): CapturedTarget => {
        const name = run.outputs.targetName as string;
        const contract = (out.targets as Record<string, any>)[name];
        if (contract === undefined) throw new Error(`capture: the cicd stack has no target ${name}`);
        add(captureStack(contract.stackName, run.outputs.accountId as string, partition, run.mocks.resources));
        return {
            name,
            stack: contract.stackName,
            accountId: run.outputs.accountId as string,
            contract,
            outputs: run.outputs,
        };
    });
    const model: IamModel = {
        partition,
        region: out.region as string,
        cicdAccountId,
        cicd: out,
        targets,
        roles,
        buckets,
    };
    checkAgainstOutputs(model);
    return model;
}

/**
 * The ARNs the stacks export must be roles we captured, or the model is wrong: every role ARN of the
 * cicd contract (the targets' roles and the CI/CD principals they trust) and every role a target stack
 * reports.
 */
function checkAgainstOutputs(model: IamModel): void {
    const expectRole = (arn: unknown, what: string): void => {
        if (typeof arn !== "string" || !model.roles.has(arn)) {
            throw new Error(`capture: ${what} is ${JSON.stringify(arn)}, which is not a captured role`);
        }
    };
    for (const t of model.targets) {
        for (const [k, v] of Object.entries(t.contract.roles as Record<string, string>)) {
            if (k.endsWith("Arn")) expectRole(v, `contract.targets.${t.name}.roles.${k}`);
        }
        for (const [k, v] of Object.entries((t.outputs.roleArns ?? {}) as Record<string, string>)) {
            expectRole(v, `${t.stack}.roleArns.${k}`);
        }
    }
    if (model.cicd.stateBucketName !== undefined && !model.buckets.has(model.cicd.stateBucketName)) {
        throw new Error(`capture: the state bucket ${model.cicd.stateBucketName} was not captured`);
    }
}

/** Runs the cicd stack with `config`, then every target stack it names, and captures them all. */
export async function captureProgram(config: Record<string, string>): Promise<IamModel> {
    const cicd = await runCicd(config);
    const runs: TargetRun[] = [];
    for (const t of Object.values(cicd.outputs.targets as Record<string, { stackName: string }>)) {
        runs.push(await runTarget(config, { stack: t.stackName, cicd }));
    }
    return captureModel(cicd, runs);
}

/** The committed example config (Pulumi.cicd.yaml), read from the file rather than copied. */
export { committedExampleConfig } from "../stackConfig";

/** Lookups that fail loudly. */
export function roleArn(model: IamModel, accountId: string, name: string): string {
    const arn = `arn:${model.partition}:iam::${accountId}:role/${name}`;
    if (!model.roles.has(arn)) throw new Error(`model: no role ${arn}`);
    return arn;
}

export function target(model: IamModel, name?: string): CapturedTarget {
    const t = name === undefined ? model.targets[0] : model.targets.find((x) => x.name === name);
    if (t === undefined) throw new Error(`model: no target ${name ?? "(first)"}`);
    return t;
}

export function stateBucket(model: IamModel): CapturedBucket {
    const b = model.buckets.get(model.cicd.stateBucketName as string);
    if (b === undefined) throw new Error("model: no state bucket (is the terraform method on?)");
    return b;
}

/** Deep copy of a document, to weaken it in memory. */
export const cloneDoc = (doc: PolicyDoc): PolicyDoc => structuredClone(doc);

export const statementsOf = (doc: PolicyDoc): Record<string, any>[] =>
    (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as Record<string, any>[];
