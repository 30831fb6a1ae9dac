// Shared by the policy pack's tests: the real program's resources, recorded under the offline mocks,
// and a runner that hands them to a rule the way the analyzer does. Resource policies get one
// resource's inputs at a time; stack policies get every resource of the stack with its outputs
// (which the mocks compute). policypack/index.ts is never imported: constructing the PolicyPack
// starts the analyzer server.
import {
    Policy,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { RecordingMocks } from "../../tools/offline/mocks";
import { CicdRun, runCicd, runTarget, singleTarget, TARGET_ACCOUNT, CICD_ACCOUNT } from "../../tools/offline/program";
export { singleTarget };
import { rules, UNKNOWN } from "../../policypack/rules";

// The analyzer wraps resource properties in this proxy, which throws on reading an unknown value;
// the rules must see through it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownCheckingProxy } = require("@pulumi/policy/proxy") as { unknownCheckingProxy: <T>(props: T) => T };

/** A resource as a rule sees it: recorded by the mocks, in a stack, in an account. */
export interface Res {
    readonly stack: string;
    readonly account: string;
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>;
}

export interface Violation {
    readonly policy: string;
    readonly message: string;
    readonly urn?: string;
}

/**
 * How the properties look, and so which ways of relating resources get exercised.
 * - mocks: as the mocks resolved them; a child's `bucket` is the bucket's mock id, which the bucket's props carry as `id`.
 * - aws: as on AWS after an update; an S3 bucket's id is its name, so a child's `bucket` is that name; no `id`.
 * - preview: as in a preview of a new stack; every id and ARN output is unknown, and an input that
 *   carried one is unknown too: only the property dependencies relate the resources.
 */
export type View = "mocks" | "aws" | "preview";
export const VIEWS: readonly View[] = ["mocks", "aws", "preview"];

export const T = {
    bucket: "aws:s3/bucket:Bucket",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    managedPolicy: "aws:iam/policy:Policy",
    pipeline: "aws:codepipeline/pipeline:Pipeline",
    project: "aws:codebuild/project:Project",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
} as const;

export { UNKNOWN, CICD_ACCOUNT, TARGET_ACCOUNT };

// ---------------------------------------------------------------------------------------------
// The program's resources

/** Three targets: dev alone, then prod-a and prod-b in one wave with an approval (so a Review action). */
export const fleet = (): Record<string, string> => ({
    "aws:region": "eu-west-1",
    "cross-account-pipeline:targets": JSON.stringify([
        {
            name: "dev",
            accountId: "300000000001",
            subnetId: "subnet-00000000000000001",
            securityGroupId: "sg-00000000000000001",
        },
        {
            name: "prod-a",
            accountId: "300000000002",
            subnetId: "subnet-00000000000000002",
            securityGroupId: "sg-00000000000000002",
            wave: "prod",
            requireApproval: true,
        },
        {
            name: "prod-b",
            accountId: "300000000003",
            subnetId: "subnet-00000000000000003",
            securityGroupId: "sg-00000000000000003",
            wave: "prod",
        },
    ]),
});

export interface Stacks {
    /** The committed single-target example: cicd, and its target stack. */
    readonly cicd: Res[];
    readonly target: Res[];
    /** The cicd stack of three targets in two waves. */
    readonly fleet: Res[];
}

const tag =
    (stack: string, account: string) =>
    (r: { type: string; name: string; inputs: Record<string, any> }): Res => ({
        stack,
        account,
        type: r.type,
        name: r.name,
        inputs: r.inputs,
    });

const customOnly = (run: CicdRun, stack: string, account: string): Res[] =>
    run.mocks.resources.filter((r) => r.type.startsWith("aws:")).map(tag(stack, account));

/** The cicd stack of another configuration, recorded under mocks. */
export const recordCicd = async (config: Record<string, string>): Promise<Res[]> =>
    customOnly(await runCicd(config), "cicd", CICD_ACCOUNT);

let recorded: Promise<Stacks> | undefined;

/** Runs the program under mocks once per process (each test file runs in a worker of its own). */
export function programStacks(): Promise<Stacks> {
    recorded ??= (async () => {
        const cicdRun = await runCicd(singleTarget());
        const targetRun = await runTarget(singleTarget(), { cicd: cicdRun });
        const fleetRun = await runCicd(fleet());
        return {
            cicd: customOnly(cicdRun, "cicd", CICD_ACCOUNT),
            target: customOnly(targetRun, "target", TARGET_ACCOUNT),
            fleet: customOnly(fleetRun, "cicd", CICD_ACCOUNT),
        };
    })();
    return recorded;
}

// ---------------------------------------------------------------------------------------------
// Running a rule the way the analyzer does

class NotApplicable extends Error {}

const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

const OPTS: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

const typeOf = (cls: unknown): string | undefined => (cls as { __pulumiType?: string }).__pulumiType;

/** Unique URNs; two same-named resources (children of different components) get a suffix. */
function urnsOf(resources: readonly Res[]): string[] {
    const seen = new Map<string, number>();
    return resources.map((r) => {
        const base = `urn:pulumi:${r.stack}::cross-account-pipeline::${r.type}::${r.name}`;
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        return n === 0 ? base : `${base}#${n}`;
    });
}

export const isStackPolicy = (p: Policy): p is StackValidationPolicy =>
    typeof (p as StackValidationPolicy).validateStack === "function";

/** The id and outputs the mocks give a resource with these inputs (tools/offline/mocks.ts). */
function outputsOf(r: Res): { id: string; state: Record<string, any> } {
    const mocks = new RecordingMocks({ accountId: r.account });
    const { id, state } = mocks.newResource({ type: r.type, name: r.name, inputs: r.inputs, custom: true });
    return { id: id ?? "", state };
}

interface Viewed {
    readonly props: Record<string, any>[];
    /** For each resource, the resources its properties came from, by property. */
    readonly deps: Map<string, number[]>[];
}

/**
 * The properties of each resource in a view: inputs (resource policies) or outputs (stack policies).
 * A top-level input equal to another resource's id or ARN output came from that output: in the
 * preview view it is unknown, and a property dependency says where it comes from.
 */
function view(resources: readonly Res[], v: View, outputs: boolean): Viewed {
    const computed = resources.map(outputsOf);
    const byValue = new Map<string, number>();
    computed.forEach((c, i) => {
        byValue.set(c.id, i);
        if (typeof c.state.arn === "string") byValue.set(c.state.arn, i);
    });
    const deps = resources.map(() => new Map<string, number[]>());
    const props = resources.map((r, i) => {
        const base: Record<string, any> = outputs ? { ...computed[i].state } : { ...r.inputs };
        if (outputs && v === "mocks") base.id = computed[i].id;
        if (outputs && v === "preview" && r.inputs.arn === undefined && base.arn !== undefined) base.arn = UNKNOWN;
        for (const [key, value] of Object.entries(r.inputs)) {
            const j = typeof value === "string" ? byValue.get(value) : undefined;
            if (j === undefined || j === i) continue;
            deps[i].set(key, [j]);
            if (v === "preview") base[key] = UNKNOWN;
            if (v === "aws" && value === computed[j].id && resources[j].type === T.bucket)
                base[key] = resources[j].inputs.bucket;
        }
        return base;
    });
    return { props, deps };
}

export interface RunOptions {
    readonly view?: View;
    /** The policy's configuration, as `args.getConfig()` returns it. */
    readonly config?: Record<string, unknown>;
}

/** Runs one rule over resources: every resource for a resource policy, the whole set for a stack policy. */
export async function run(policyName: string, resources: readonly Res[], opts: RunOptions = {}): Promise<Violation[]> {
    const policy = rules.find((p) => p.name === policyName);
    if (policy === undefined) throw new Error(`no rule ${policyName}`);
    const violations: Violation[] = [];
    const getConfig = <T extends object>(): T => (opts.config ?? {}) as T;
    const urns = urnsOf(resources);
    const v = opts.view ?? "mocks";
    if (isStackPolicy(policy)) {
        const { props, deps } = view(resources, v, true);
        const stack: PolicyResource[] = resources.map((r, i) => ({
            type: r.type,
            props: unknownCheckingProxy(props[i]),
            urn: urns[i],
            name: r.name,
            opts: OPTS,
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => typeOf(cls) === r.type,
            asType: ((cls: unknown) => (typeOf(cls) === r.type ? props[i] : undefined)) as PolicyResource["asType"],
        }));
        stack.forEach((s, i) => {
            for (const [key, js] of deps[i]) {
                s.propertyDependencies[key] = js.map((j) => stack[j]);
                s.dependencies.push(...js.map((j) => stack[j]));
            }
        });
        const args: StackValidationArgs = { resources: stack, stackTags: new Map(), getConfig, notApplicable };
        try {
            await policy.validateStack(args, (message, urn) => violations.push({ policy: policyName, message, urn }));
        } catch (e) {
            if (!(e instanceof NotApplicable)) throw e;
        }
        return violations;
    }
    const { props } = view(resources, v === "preview" ? "preview" : "mocks", false);
    const validations = policy.validateResource === undefined ? [] : [policy.validateResource].flat();
    for (const [i, r] of resources.entries()) {
        const p = unknownCheckingProxy(props[i]);
        const args: ResourceValidationArgs = {
            type: r.type,
            props: p,
            urn: urns[i],
            name: r.name,
            opts: OPTS,
            stackTags: new Map(),
            isType: (cls) => typeOf(cls) === r.type,
            asType: ((cls: unknown) => (typeOf(cls) === r.type ? p : undefined)) as ResourceValidationArgs["asType"],
            getConfig,
            notApplicable,
        };
        for (const validate of validations) {
            try {
                await validate(args, (message) => violations.push({ policy: policyName, message, urn: urns[i] }));
            } catch (e) {
                if (!(e instanceof NotApplicable)) throw e;
            }
        }
    }
    return violations;
}

export const messages = (vs: Violation[]): string[] => vs.map((v) => v.message);

/** The messages of a rule in a view, with or without config. */
export const check = async (rule: string, resources: readonly Res[], opts: RunOptions = {}): Promise<string[]> =>
    messages(await run(rule, resources, opts));

// ---------------------------------------------------------------------------------------------
// Doctored copies of the recorded resources

export const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Picks a resource: by its Pulumi name, or by a predicate. */
export type Which = string | ((r: Res) => boolean);

const matches = (r: Res, type: string, which: Which): boolean =>
    r.type === type && (typeof which === "string" ? r.name === which : which(r));

/** An IAM or bucket policy resource whose document has a statement with this Sid (sturdier than a Pulumi name). */
export const bySid =
    (sid: string, field = "policy") =>
    (r: Res): boolean =>
        typeof r.inputs[field] === "string" && r.inputs[field].includes(`"Sid":"${sid}"`);

/** A resource by its physical name (the `name` input), which names.ts derives: sturdier than a Pulumi name. */
export const phys =
    (name: string) =>
    (r: Res): boolean =>
        r.inputs.name === name;

/** The resources with the first match replaced by `change` applied to a copy of its inputs. */
export function mutate(
    resources: readonly Res[],
    type: string,
    which: Which,
    change: (inputs: Record<string, any>) => Record<string, any> | void,
): Res[] {
    const i = resources.findIndex((r) => matches(r, type, which));
    if (i < 0)
        throw new Error(`no ${type} ${typeof which === "string" ? which : "matching"} among the recorded resources`);
    const inputs = copy(resources[i].inputs);
    const changed = change(inputs) ?? inputs;
    return resources.map((r, j) => (j === i ? { ...r, inputs: changed } : r));
}

/** The statement with this Sid. */
export const statement = (doc: any, sid: string): any => {
    const s = [doc.Statement].flat().find((x: any) => x.Sid === sid);
    if (s === undefined) throw new Error(`no statement ${sid} in ${JSON.stringify(doc)}`);
    return s;
};

export const without = (resources: readonly Res[], type: string, name: string): Res[] => {
    const left = resources.filter((r) => !(r.type === type && r.name === name));
    if (left.length !== resources.length - 1) throw new Error(`expected one ${type} ${name}`);
    return left;
};

export const withResource = (resources: readonly Res[], r: Omit<Res, "stack" | "account">): Res[] => [
    ...resources,
    { stack: resources[0].stack, account: resources[0].account, ...r },
];

/** Edits the JSON policy document in `field` of a resource's inputs. */
export const editDocument =
    (field: string, edit: (doc: any) => void) =>
    (inputs: Record<string, any>): void => {
        const doc = JSON.parse(inputs[field]);
        edit(doc);
        inputs[field] = JSON.stringify(doc);
    };

/** Every action of a pipeline's inputs, with its stage. */
export const actions = (pipeline: Record<string, any>): any[] => pipeline.stages.flatMap((s: any) => s.actions);

/** The action of a pipeline's inputs with this name in this stage. */
export const action = (pipeline: Record<string, any>, stage: string, name: string): any => {
    const found = pipeline.stages.find((s: any) => s.name === stage)?.actions.find((a: any) => a.name === name);
    if (found === undefined) throw new Error(`no action ${stage}/${name}`);
    return found;
};
