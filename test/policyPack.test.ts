// Tests of the policy pack (policypack/rules.ts). The real program runs under the recording mocks
// (cicd and target stacks, single target); each rule then validates the recorded resources the way
// the analyzer would (resource policies: one resource's inputs at a time; stack policies: every
// resource of the stack), and a mutated copy shows the rule catches what it is there to catch.
// policypack/index.ts is never imported: constructing the PolicyPack starts the analyzer server.
import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";
import {
    Policy,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { Recorded } from "../tools/offline/mocks";
import { runCicd, runTarget, singleTarget } from "../tools/offline/program";
import { parseDocument, rules, UNKNOWN } from "../policypack/rules";

// The analyzer wraps resource properties in this proxy, which throws on reading an unknown value;
// the rules must see through it. (Exported at runtime, but not declared in the package's typings.)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownCheckingProxy } = require("@pulumi/policy/proxy") as { unknownCheckingProxy: <T>(props: T) => T };

const PACKDIR = path.resolve(__dirname, "..", "policypack");

// ---------------------------------------------------------------------------------------------
// Running a rule the way the analyzer does

/** A resource as a rule sees it: recorded by the mocks, in a stack. */
interface Res {
    readonly stack: string;
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>;
}

interface Violation {
    readonly policy: string;
    readonly message: string;
    readonly urn?: string;
}

/**
 * How a stack policy sees the resources' properties (their outputs), and so which of the ways a
 * bucket's configuration resources are related to it gets exercised.
 */
type StackView =
    /** As the mocks resolved them: a child's `bucket` is the bucket's mock id, which the bucket's props carry as `id`. */
    | "mocks"
    /** As on AWS after an update: an S3 bucket's id is its name, so a child's `bucket` is the name; no `id` in props. */
    | "aws"
    /** As in a preview of a new stack: the ids are unknown; only the property dependencies relate a child to its bucket. */
    | "preview";

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

/** The id the mocks gave a resource (tools/offline/mocks.ts: `${inputs.name ?? name}-id`). */
const mockId = (r: Res): string => `${r.inputs.name ?? r.name}-id`;

/** Unique URNs; the mocks do not record parents, so two same-named children of different components get a suffix. */
function urnsOf(resources: readonly Res[]): string[] {
    const seen = new Map<string, number>();
    return resources.map((r) => {
        const base = `urn:pulumi:${r.stack}::cross-account-pipeline::${r.type}::${r.name}`;
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        return n === 0 ? base : `${base}#${n}`;
    });
}

const isStackPolicy = (p: Policy): p is StackValidationPolicy =>
    typeof (p as StackValidationPolicy).validateStack === "function";

/** Runs one rule over resources: every resource for a resource policy, the whole set for a stack policy. */
async function run(policyName: string, resources: readonly Res[], view: StackView = "mocks"): Promise<Violation[]> {
    const policy = rules.find((p) => p.name === policyName);
    if (policy === undefined) throw new Error(`no rule ${policyName}`);
    const violations: Violation[] = [];
    const report = (message: string, urn?: string): void => {
        violations.push({ policy: policyName, message, urn });
    };
    const urns = urnsOf(resources);
    if (isStackPolicy(policy)) {
        const args: StackValidationArgs = {
            resources: stackResources(resources, urns, view),
            stackTags: new Map(),
            getConfig: <T extends object>() => ({}) as T,
            notApplicable,
        };
        try {
            await policy.validateStack(args, report);
        } catch (e) {
            if (!(e instanceof NotApplicable)) throw e;
        }
        return violations;
    }
    const validations = policy.validateResource === undefined ? [] : [policy.validateResource].flat();
    for (const [i, r] of resources.entries()) {
        const props = unknownCheckingProxy(r.inputs);
        const args: ResourceValidationArgs = {
            type: r.type,
            props,
            urn: urns[i],
            name: r.name,
            opts: OPTS,
            stackTags: new Map(),
            isType: (cls) => typeOf(cls) === r.type,
            asType: ((cls: unknown) =>
                typeOf(cls) === r.type ? props : undefined) as ResourceValidationArgs["asType"],
            getConfig: <T extends object>() => ({}) as T,
            notApplicable,
        };
        for (const validate of validations) {
            try {
                await validate(args, (message) => report(message, urns[i]));
            } catch (e) {
                if (!(e instanceof NotApplicable)) throw e;
            }
        }
    }
    return violations;
}

/** The stack as a stack policy sees it in a view (see StackView). */
function stackResources(resources: readonly Res[], urns: string[], view: StackView): PolicyResource[] {
    const ids = new Map<string, number>();
    resources.forEach((r, i) => {
        if (r.type.startsWith("aws:")) ids.set(mockId(r), i);
    });
    const props: Record<string, any>[] = resources.map((r) => ({
        ...r.inputs,
        ...(view === "mocks" && r.type.startsWith("aws:") ? { id: mockId(r) } : {}),
    }));
    const out: PolicyResource[] = resources.map((r, i) => ({
        type: r.type,
        props: props[i],
        urn: urns[i],
        name: r.name,
        opts: OPTS,
        dependencies: [],
        propertyDependencies: {},
        isType: (cls) => typeOf(cls) === r.type,
        asType: ((cls: unknown) => (typeOf(cls) === r.type ? props[i] : undefined)) as PolicyResource["asType"],
    }));
    resources.forEach((r, i) => {
        for (const [key, value] of Object.entries(r.inputs)) {
            const j = typeof value === "string" ? ids.get(value) : undefined;
            if (j === undefined || j === i) continue;
            // An input that carries another resource's id came from that resource's `id` output.
            out[i].dependencies.push(out[j]);
            if (view === "preview") {
                (out[i].propertyDependencies[key] ??= []).push(out[j]);
                props[i][key] = UNKNOWN;
            }
            if (view === "aws" && resources[j].type === "aws:s3/bucket:Bucket")
                props[i][key] = resources[j].inputs.bucket;
        }
    });
    for (const [i, p] of out.entries()) p.props = unknownCheckingProxy(props[i]);
    return out;
}

// ---------------------------------------------------------------------------------------------
// Mutating copies of the recorded resources

const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Picks a resource: by its Pulumi name, or by a predicate. */
type Which = string | ((r: Res) => boolean);

const matches = (r: Res, type: string, which: Which): boolean =>
    r.type === type && (typeof which === "string" ? r.name === which : which(r));

/** An IAM or bucket policy resource whose document has a statement with this Sid (sturdier than a Pulumi name). */
const bySid =
    (sid: string, field = "policy") =>
    (r: Res): boolean =>
        typeof r.inputs[field] === "string" && r.inputs[field].includes(`"Sid":"${sid}"`);

/** A resource by its physical name (the `name` input), which names.ts derives: sturdier than a Pulumi name. */
const phys =
    (name: string) =>
    (r: Res): boolean =>
        r.inputs.name === name;

/** The resources with the first match replaced by `change` applied to a copy of its inputs. */
function mutate(
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

/** Edits the statement with this Sid. */
const statement = (doc: any, sid: string): any => {
    const s = [doc.Statement].flat().find((x: any) => x.Sid === sid);
    if (s === undefined) throw new Error(`no statement ${sid}`);
    return s;
};

const without = (resources: readonly Res[], type: string, name: string): Res[] => {
    const left = resources.filter((r) => !(r.type === type && r.name === name));
    if (left.length !== resources.length - 1) throw new Error(`expected one ${type} ${name}`);
    return left;
};

const withResource = (resources: readonly Res[], r: Omit<Res, "stack">): Res[] => [
    ...resources,
    { stack: resources[0].stack, ...r },
];

/** Edits the JSON policy document in `field` of a resource's inputs. */
const editDocument =
    (field: string, edit: (doc: any) => void) =>
    (inputs: Record<string, any>): void => {
        const doc = JSON.parse(inputs[field]);
        edit(doc);
        inputs[field] = JSON.stringify(doc);
    };

const T = {
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
};

const messages = (vs: Violation[]): string[] => vs.map((v) => v.message);

// ---------------------------------------------------------------------------------------------

describe("policy pack", function () {
    let cicd: Res[];
    let target: Res[];
    const stacks = (): Record<string, Res[]> => ({ cicd, target });

    before(async function () {
        this.timeout(120_000); // runs the whole program twice under mocks
        const cicdRun = await runCicd(singleTarget());
        const targetRun = await runTarget(singleTarget(), { cicd: cicdRun });
        const tag =
            (stack: string) =>
            (r: Recorded): Res => ({ stack, type: r.type, name: r.name, inputs: r.inputs });
        cicd = cicdRun.mocks.resources.map(tag("cicd"));
        target = targetRun.mocks.resources.map(tag("target"));
    });

    describe("the pack", function () {
        it("has uniquely named rules, each with a description, mandatory except the general forceDestroy advice", function () {
            const names = rules.map((r) => r.name);
            expect(new Set(names).size).to.equal(names.length);
            for (const r of rules) {
                expect(r.description, r.name).to.be.a("string").that.is.not.empty;
                expect(r.enforcementLevel, r.name).to.equal(
                    r.name === "s3-bucket-no-force-destroy" ? "advisory" : "mandatory",
                );
            }
            expect(rules.length).to.be.at.least(18);
        });

        it("is a Node.js policy pack installable on its own", function () {
            const pkg = JSON.parse(fs.readFileSync(path.join(PACKDIR, "package.json"), "utf8"));
            expect(pkg.name).to.equal("cross-account-pipeline-policy");
            expect(pkg.version, "PolicyPack reads the version from package.json").to.be.a("string").that.is.not.empty;
            expect(pkg.dependencies).to.include({
                "@pulumi/policy": "^1.21.0",
                "@pulumi/pulumi": "~3.248.0",
                "@pulumi/aws": "^7.48.0",
            });
            expect(pkg.devDependencies).to.include({ typescript: "~5.9" });
            expect(fs.readFileSync(path.join(PACKDIR, "PulumiPolicy.yaml"), "utf8")).to.match(/^runtime: nodejs$/m);
            expect(fs.readFileSync(path.join(PACKDIR, "index.ts"), "utf8")).to.match(
                /new PolicyPack\("cross-account-pipeline", \{[\s\S]*policies: rules/,
            );
            expect(fs.existsSync(path.join(PACKDIR, "node_modules")), "no node_modules in the pack").to.equal(false);
        });

        it("the program registers the resources the rules are about", function () {
            const count = (rs: Res[], type: string) => rs.filter((r) => r.type === type).length;
            expect(count(cicd, T.bucket)).to.equal(2);
            expect(count(cicd, T.pipeline)).to.equal(2);
            expect(count(cicd, T.project)).to.equal(1);
            expect(count(cicd, T.logGroup)).to.equal(2);
            expect(count(cicd, T.role)).to.be.at.least(4);
            expect(count(target, T.role)).to.be.at.least(3);
            expect(count(cicd, T.rolePolicy) + count(target, T.rolePolicy)).to.be.at.least(8);
        });
    });

    describe("the program passes every rule", function () {
        for (const policy of rules) {
            it(policy.name, async function () {
                for (const [stack, resources] of Object.entries(stacks())) {
                    const views: StackView[] = isStackPolicy(policy) ? ["mocks", "aws", "preview"] : ["mocks"];
                    for (const view of views) {
                        expect(
                            messages(await run(policy.name, resources, view)),
                            `${stack} stack, ${view} view`,
                        ).to.deep.equal([]);
                    }
                }
            });
        }
    });

    describe("s3-bucket-encrypted", function () {
        const rule = "s3-bucket-encrypted";
        it("reports a bucket without an encryption configuration", async function () {
            for (const view of ["mocks", "preview"] as const) {
                const vs = await run(rule, without(cicd, T.encryption, "terraform-state-encryption"), view);
                expect(messages(vs), view).to.have.length(1);
                expect(vs[0].message).to.match(
                    /terraform-state-bucket \(xacct-tfstate-111111111111-eu-west-1\) has no BucketServerSideEncryptionConfiguration/,
                );
                expect(vs[0].urn).to.match(/aws:s3\/bucket:Bucket::terraform-state-bucket$/);
            }
        });
        it("reports a configuration without a default algorithm", async function () {
            const vs = await run(
                rule,
                mutate(cicd, T.encryption, "artifacts-encryption", (i) => ({
                    ...i,
                    rules: [{ bucketKeyEnabled: true }],
                })),
            );
            expect(messages(vs)).to.have.length(1);
            expect(vs[0].message).to.match(/artifacts-encryption sets no default encryption/);
        });
        it("reports the AWS managed key aws/s3 on the state bucket, named or implied", async function () {
            for (const kmsMasterKeyId of [
                "alias/aws/s3",
                "arn:aws:kms:eu-west-1:111111111111:alias/aws/s3",
                undefined,
            ]) {
                const vs = await run(
                    rule,
                    mutate(cicd, T.encryption, "terraform-state-encryption", (i) => {
                        i.rules[0].applyServerSideEncryptionByDefault = {
                            sseAlgorithm: "aws:kms",
                            ...(kmsMasterKeyId ? { kmsMasterKeyId } : {}),
                        };
                    }),
                );
                expect(messages(vs), String(kmsMasterKeyId)).to.have.length(1);
                expect(vs[0].message).to.match(
                    /State bucket .*tfstate.* encrypts with the AWS managed key alias\/aws\/s3/,
                );
            }
        });
        it("allows a customer managed key on the state bucket, and aws/s3 on the other buckets", async function () {
            const cmk = mutate(cicd, T.encryption, "terraform-state-encryption", (i) => {
                i.rules[0].applyServerSideEncryptionByDefault = {
                    sseAlgorithm: "aws:kms",
                    kmsMasterKeyId: "arn:aws:kms:eu-west-1:111111111111:key/1234abcd",
                };
            });
            expect(messages(await run(rule, cmk))).to.deep.equal([]);
            const artifacts = mutate(cicd, T.encryption, "artifacts-encryption", (i) => {
                i.rules[0].applyServerSideEncryptionByDefault = {
                    sseAlgorithm: "aws:kms",
                    kmsMasterKeyId: "alias/aws/s3",
                };
            });
            expect(messages(await run(rule, artifacts))).to.deep.equal([]);
        });
        it("does not report a missing configuration it cannot place (unknown bucket, no dependencies)", async function () {
            // A bucket with no configuration, and a configuration whose bucket is unknown and untracked.
            const resources = withResource(without(cicd, T.encryption, "terraform-state-encryption"), {
                type: T.encryption,
                name: "mystery-encryption",
                inputs: {
                    bucket: UNKNOWN,
                    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
                },
            });
            expect(messages(await run(rule, resources, "aws"))).to.deep.equal([]);
        });
        it("is not applicable to a stack without buckets", async function () {
            expect(await run(rule, target)).to.deep.equal([]);
        });
    });

    describe("s3-bucket-public-access-blocked", function () {
        const rule = "s3-bucket-public-access-blocked";
        it("reports each flag that is not true", async function () {
            for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
                const vs = await run(
                    rule,
                    mutate(cicd, T.publicAccess, "artifacts-public-access", (i) => ({ ...i, [flag]: false })),
                );
                expect(messages(vs), flag).to.have.length(1);
                expect(vs[0].message).to.contain(`artifacts-public-access does not set ${flag} to true`);
            }
            const unset = await run(
                rule,
                mutate(cicd, T.publicAccess, "terraform-state-public-access", (i) => ({
                    bucket: i.bucket,
                    blockPublicAcls: true,
                })),
            );
            expect(unset[0].message).to.contain(
                "does not set blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets to true",
            );
        });
        it("reports a bucket without a public access block", async function () {
            for (const view of ["mocks", "aws", "preview"] as const) {
                const vs = await run(rule, without(cicd, T.publicAccess, "artifacts-public-access"), view);
                expect(messages(vs), view).to.deep.equal([
                    "Bucket artifacts-bucket (xacct-artifacts-111111111111-eu-west-1) has no BucketPublicAccessBlock",
                ]);
            }
        });
        it("reports a public canned ACL", async function () {
            const vs = await run(
                rule,
                mutate(cicd, T.bucket, "artifacts-bucket", (i) => ({ ...i, acl: "public-read" })),
            );
            expect(messages(vs)).to.deep.equal([
                "Bucket artifacts-bucket (xacct-artifacts-111111111111-eu-west-1) has the public canned ACL public-read",
            ]);
        });
        it("skips a flag that is unknown during preview", async function () {
            const vs = await run(
                rule,
                mutate(cicd, T.publicAccess, "artifacts-public-access", (i) => ({ ...i, blockPublicPolicy: UNKNOWN })),
                "preview",
            );
            expect(messages(vs)).to.deep.equal([]);
        });
    });

    describe("s3-bucket-tls-only", function () {
        const rule = "s3-bucket-tls-only";
        const dropTls = editDocument("policy", (doc) => {
            doc.Statement = doc.Statement.filter((s: any) => s.Sid !== "DenyInsecureTransport");
        });
        it("reports a bucket policy without the TLS-only denial", async function () {
            for (const name of ["artifacts-policy", "terraform-state-policy"]) {
                const vs = await run(rule, mutate(cicd, T.bucketPolicy, name, dropTls));
                expect(messages(vs), name).to.have.length(1);
                expect(vs[0].message).to.match(
                    /its bucket policy has no statement denying s3:\* to Principal "\*" when aws:SecureTransport is false/,
                );
            }
        });
        it("reports a denial that does not deny plain HTTP to everyone", async function () {
            const variants: ((s: any) => void)[] = [
                (s) => (s.Condition = { Bool: { "aws:SecureTransport": "true" } }),
                (s) => (s.Principal = { AWS: "arn:aws:iam::222222222222:root" }),
                (s) => (s.Effect = "Allow"),
                (s) => (s.Action = "s3:GetObject"),
                (s) => (s.Resource = "arn:aws:s3:::xacct-artifacts-111111111111-eu-west-1"),
            ];
            for (const change of variants) {
                const vs = await run(
                    rule,
                    mutate(
                        cicd,
                        T.bucketPolicy,
                        "artifacts-policy",
                        editDocument("policy", (doc) => change(doc.Statement[0])),
                    ),
                );
                expect(messages(vs), change.toString()).to.have.length(1);
            }
        });
        it('accepts the usual spellings of the denial (object statement, {AWS: "*"}, boolean false, BoolIfExists)', async function () {
            const vs = await run(
                rule,
                mutate(
                    cicd,
                    T.bucketPolicy,
                    "artifacts-policy",
                    editDocument("policy", (doc) => {
                        const s = doc.Statement[0];
                        doc.Statement = {
                            ...s,
                            Principal: { AWS: ["*"] },
                            Action: ["s3:*"],
                            Condition: { BoolIfExists: { "aws:SecureTransport": false } },
                        };
                    }),
                ),
            );
            expect(messages(vs)).to.deep.equal([]);
        });
        it("reports a bucket without a bucket policy", async function () {
            const vs = await run(rule, without(cicd, T.bucketPolicy, "terraform-state-policy"));
            expect(messages(vs)).to.have.length(1);
            expect(vs[0].message).to.match(/terraform-state-bucket .* has no BucketPolicy/);
        });
        it("skips a policy that is unknown during preview", async function () {
            const vs = await run(
                rule,
                mutate(cicd, T.bucketPolicy, "artifacts-policy", (i) => ({ ...i, policy: UNKNOWN })),
                "preview",
            );
            expect(messages(vs)).to.deep.equal([]);
        });
    });

    describe("s3-state-bucket-protected", function () {
        const rule = "s3-state-bucket-protected";
        it("reports a state bucket without versioning", async function () {
            for (const view of ["mocks", "aws", "preview"] as const) {
                const vs = await run(rule, without(cicd, T.versioning, "terraform-state-versioning"), view);
                expect(messages(vs), view).to.deep.equal([
                    "State bucket terraform-state-bucket (xacct-tfstate-111111111111-eu-west-1) is not versioned: it has no BucketVersioning",
                ]);
            }
        });
        it("reports suspended versioning", async function () {
            const vs = await run(
                rule,
                mutate(cicd, T.versioning, "terraform-state-versioning", (i) => ({
                    ...i,
                    versioningConfiguration: { status: "Suspended" },
                })),
            );
            expect(messages(vs)).to.have.length(1);
            expect(vs[0].message).to.match(/is not versioned: BucketVersioning status is Suspended, not Enabled/);
        });
        it("reports forceDestroy on the state bucket", async function () {
            const vs = await run(
                rule,
                mutate(cicd, T.bucket, "terraform-state-bucket", (i) => ({ ...i, forceDestroy: true })),
            );
            expect(messages(vs)).to.have.length(1);
            expect(vs[0].message).to.match(/State bucket .*tfstate.* sets forceDestroy: true/);
        });
        it("leaves the other buckets to the advisory rule", async function () {
            const resources = mutate(
                without(cicd, T.versioning, "artifacts-versioning"),
                T.bucket,
                "artifacts-bucket",
                (i) => ({ ...i, forceDestroy: true }),
            );
            expect(messages(await run(rule, resources))).to.deep.equal([]);
        });
    });

    describe("s3-bucket-owner-enforced", function () {
        const rule = "s3-bucket-owner-enforced";
        it("reports ACL-enabled ownership", async function () {
            const vs = await run(
                rule,
                mutate(cicd, T.ownership, "terraform-state-ownership", (i) => ({
                    ...i,
                    rule: { objectOwnership: "ObjectWriter" },
                })),
            );
            expect(messages(vs)).to.have.length(1);
            expect(vs[0].message).to.match(
                /terraform-state-ownership sets objectOwnership ObjectWriter, not BucketOwnerEnforced/,
            );
        });
        it("reports a bucket without ownership controls", async function () {
            const vs = await run(rule, without(cicd, T.ownership, "artifacts-ownership"), "preview");
            expect(messages(vs)).to.deep.equal([
                "Bucket artifacts-bucket (xacct-artifacts-111111111111-eu-west-1) has no BucketOwnershipControls (BucketOwnerEnforced)",
            ]);
        });
    });

    describe("s3-bucket-no-force-destroy (advisory)", function () {
        it("reports forceDestroy on any bucket", async function () {
            const vs = await run(
                "s3-bucket-no-force-destroy",
                mutate(cicd, T.bucket, "artifacts-bucket", (i) => ({ ...i, forceDestroy: true })),
            );
            expect(messages(vs)).to.deep.equal([
                "Bucket xacct-artifacts-111111111111-eu-west-1 sets forceDestroy: true: a destroy deletes every object and version in it",
            ]);
        });
    });

    describe("s3-bucket-policy-not-public", function () {
        it("reports an Allow to Principal * without a condition", async function () {
            const resources = mutate(
                cicd,
                T.bucketPolicy,
                "artifacts-policy",
                editDocument("policy", (doc) => {
                    doc.Statement.push({
                        Sid: "PublicRead",
                        Effect: "Allow",
                        Principal: "*",
                        Action: "s3:GetObject",
                        Resource: "arn:aws:s3:::xacct-artifacts-111111111111-eu-west-1/*",
                    });
                }),
            );
            const vs = await run("s3-bucket-policy-not-public", resources);
            expect(messages(vs)).to.deep.equal([
                'policy statement "PublicRead" allows Principal "*" (anyone) without a Condition: the bucket is public',
            ]);
        });
    });

    describe("iam-no-wildcard-admin", function () {
        const rule = "iam-no-wildcard-admin";
        const admin = { Sid: "Admin", Effect: "Allow", Action: "*", Resource: "*" };
        it("reports Action * on Resource * in a role policy (both stacks)", async function () {
            const inCicd = await run(
                rule,
                mutate(
                    cicd,
                    T.rolePolicy,
                    bySid("AssumeTerraformDeployRoles"),
                    editDocument("policy", (d) => d.Statement.push(admin)),
                ),
            );
            expect(messages(inCicd)).to.deep.equal(['policy statement "Admin" allows Action "*" on Resource "*"']);
            const inTarget = await run(
                rule,
                mutate(
                    target,
                    T.rolePolicy,
                    bySid("RunTaggedInstanceOfConfiguredType"),
                    editDocument("policy", (d) => d.Statement.push(admin)),
                ),
            );
            expect(messages(inTarget)).to.deep.equal(['policy statement "Admin" allows Action "*" on Resource "*"']);
        });
        it("reports a whole service on Resource *, with Action and Resource as arrays", async function () {
            const vs = await run(
                rule,
                mutate(
                    target,
                    T.rolePolicy,
                    bySid("LockOwnState"),
                    editDocument("policy", (d) => {
                        d.Statement.push({
                            Effect: "Allow",
                            Action: ["s3:GetObject", "s3:*"],
                            Resource: ["arn:aws:s3:::x", "*"],
                        });
                    }),
                ),
            );
            expect(messages(vs)).to.deep.equal(['policy statement #3 allows Action "s3:*" on Resource "*"']);
        });
        it("reports NotAction on Resource *", async function () {
            const vs = await run(
                rule,
                mutate(
                    target,
                    T.rolePolicy,
                    bySid("LockOwnState"),
                    editDocument("policy", (d) => {
                        d.Statement.push({ Sid: "AllButIam", Effect: "Allow", NotAction: "iam:*", Resource: "*" });
                    }),
                ),
            );
            expect(messages(vs)).to.have.length(1);
            expect(vs[0].message).to.match(/allows NotAction \[iam:\*\]/);
        });
        it("reports a role's inline policy, a managed policy and an object-form document (single statement)", async function () {
            const inline = await run(
                rule,
                mutate(target, T.role, phys("xacct-terraform-deploy"), (i) => ({
                    ...i,
                    inlinePolicies: [
                        { name: "admin", policy: JSON.stringify({ Version: "2012-10-17", Statement: [admin] }) },
                    ],
                })),
            );
            expect(messages(inline)).to.deep.equal([
                'inlinePolicies[0] (admin) statement "Admin" allows Action "*" on Resource "*"',
            ]);
            const managed = await run(
                rule,
                withResource(target, {
                    type: T.managedPolicy,
                    name: "admin",
                    inputs: { policy: { Version: "2012-10-17", Statement: admin } },
                }),
            );
            expect(messages(managed)).to.deep.equal(['policy statement "Admin" allows Action "*" on Resource "*"']);
        });
        it("reports it in a bucket policy", async function () {
            const vs = await run(
                rule,
                mutate(
                    cicd,
                    T.bucketPolicy,
                    "terraform-state-policy",
                    editDocument("policy", (d) => {
                        d.Statement.push({ ...admin, Principal: { AWS: "arn:aws:iam::222222222222:root" } });
                    }),
                ),
            );
            expect(messages(vs)).to.deep.equal(['policy statement "Admin" allows Action "*" on Resource "*"']);
        });
        it("allows Deny *, narrower wildcards (ec2:Describe*) and * on named resources", async function () {
            const vs = await run(
                rule,
                mutate(
                    target,
                    T.rolePolicy,
                    bySid("LockOwnState"),
                    editDocument("policy", (d) => {
                        d.Statement.push({ Effect: "Deny", Action: "*", Resource: "*" });
                        d.Statement.push({ Effect: "Allow", Action: "ec2:Describe*", Resource: "*" });
                        d.Statement.push({ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::x/*" });
                    }),
                ),
            );
            expect(messages(vs)).to.deep.equal([]);
        });
        it("skips an unknown document and reports one that is not JSON", async function () {
            expect(
                messages(
                    await run(
                        rule,
                        mutate(target, T.rolePolicy, bySid("LockOwnState"), (i) => ({ ...i, policy: UNKNOWN })),
                    ),
                ),
            ).to.deep.equal([]);
            const vs = await run(
                rule,
                mutate(target, T.rolePolicy, bySid("LockOwnState"), (i) => ({ ...i, policy: "{not json" })),
            );
            expect(messages(vs)).to.have.length(1);
            expect(vs[0].message).to.match(/policy cannot be checked: not valid JSON/);
        });
    });

    describe("iam-no-passrole-on-any-role", function () {
        const rule = "iam-no-passrole-on-any-role";
        it("reports iam:PassRole on Resource *, directly or through a wildcard", async function () {
            for (const [Action, Resource] of [
                ["iam:PassRole", "*"],
                ["iam:Pass*", "*"],
                [["iam:GetRole", "iam:*"], "*"],
                ["iam:PassRole", "arn:aws:iam::222222222222:role/*"],
            ]) {
                const vs = await run(
                    rule,
                    mutate(
                        target,
                        T.rolePolicy,
                        bySid("PassExecutionRoleToCloudFormationOnly"),
                        editDocument("policy", (d) => {
                            statement(d, "PassExecutionRoleToCloudFormationOnly").Action = Action;
                            statement(d, "PassExecutionRoleToCloudFormationOnly").Resource = Resource;
                        }),
                    ),
                );
                expect(messages(vs), JSON.stringify([Action, Resource])).to.have.length(1);
                expect(vs[0].message).to.match(
                    /statement "PassExecutionRoleToCloudFormationOnly" allows iam:PassRole on/,
                );
            }
        });
    });

    describe("iam-no-assume-any-role", function () {
        it("reports sts:AssumeRole on Resource *", async function () {
            const vs = await run(
                "iam-no-assume-any-role",
                mutate(
                    cicd,
                    T.rolePolicy,
                    bySid("AssumeTerraformDeployRoles"),
                    editDocument("policy", (d) => {
                        statement(d, "AssumeTerraformDeployRoles").Resource = "*";
                    }),
                ),
            );
            expect(messages(vs)).to.deep.equal([
                'policy statement "AssumeTerraformDeployRoles" allows sts:AssumeRole on "*": any trusting role could be assumed',
            ]);
        });
        it("is about identity policies, not trust policies (which have no Resource)", async function () {
            const roles = cicd.filter((r) => r.type === T.role);
            expect(roles.length).to.be.greaterThan(0);
            expect(messages(await run("iam-no-assume-any-role", roles))).to.deep.equal([]);
        });
    });

    describe("iam-trust-not-public", function () {
        const rule = "iam-trust-not-public";
        it('reports Principal * and {AWS: "*"} without a condition', async function () {
            for (const Principal of ["*", { AWS: "*" }, { AWS: ["arn:aws:iam::111111111111:root", "*"] }]) {
                const vs = await run(
                    rule,
                    mutate(
                        target,
                        T.role,
                        phys("xacct-terraform-deploy"),
                        editDocument("assumeRolePolicy", (d) => {
                            d.Statement[0].Principal = Principal;
                            delete d.Statement[0].Condition;
                        }),
                    ),
                );
                expect(messages(vs), JSON.stringify(Principal)).to.deep.equal([
                    'assumeRolePolicy statement "OnlyTheTerraformCodeBuildRole" allows Principal "*" (anyone, in any account) to assume the role, without a Condition',
                ]);
            }
        });
        it("reports NotPrincipal without a condition", async function () {
            const vs = await run(
                rule,
                mutate(
                    cicd,
                    T.role,
                    phys("xacct-start-pipelines"),
                    editDocument("assumeRolePolicy", (d) => {
                        d.Statement = {
                            Effect: "Allow",
                            Action: "sts:AssumeRole",
                            NotPrincipal: { AWS: "arn:aws:iam::999999999999:root" },
                        };
                    }),
                ),
            );
            expect(messages(vs)).to.have.length(1);
        });
        it("leaves Principal * with a condition to the reviewer", async function () {
            const vs = await run(
                rule,
                mutate(
                    target,
                    T.role,
                    phys("xacct-terraform-deploy"),
                    editDocument("assumeRolePolicy", (d) => {
                        d.Statement[0].Principal = "*";
                    }),
                ),
            );
            expect(messages(vs)).to.deep.equal([]);
        });
    });

    describe("iam-cross-account-trust-pinned", function () {
        const rule = "iam-cross-account-trust-pinned";
        it("reports an account-root trust without aws:PrincipalArn or sts:ExternalId", async function () {
            for (const Condition of [undefined, { StringEquals: { "aws:PrincipalAccount": "111111111111" } }]) {
                const vs = await run(
                    rule,
                    mutate(
                        target,
                        T.role,
                        phys("xacct-cloudformation-deploy"),
                        editDocument("assumeRolePolicy", (d) => {
                            if (Condition === undefined) delete d.Statement[0].Condition;
                            else d.Statement[0].Condition = Condition;
                        }),
                    ),
                );
                expect(messages(vs), JSON.stringify(Condition)).to.have.length(1);
                expect(vs[0].message).to.match(
                    /trusts the whole account arn:aws:iam::111111111111:root without a Condition on aws:PrincipalArn or sts:ExternalId/,
                );
            }
        });
        it("accepts an external id, and a bare account id is an account too", async function () {
            const external = await run(
                rule,
                mutate(
                    target,
                    T.role,
                    phys("xacct-cloudformation-deploy"),
                    editDocument("assumeRolePolicy", (d) => {
                        d.Statement[0].Principal = { AWS: "111111111111" };
                        d.Statement[0].Condition = { StringEquals: { "sts:ExternalId": "x" } };
                    }),
                ),
            );
            expect(messages(external)).to.deep.equal([]);
            const bare = await run(
                rule,
                mutate(
                    target,
                    T.role,
                    phys("xacct-cloudformation-deploy"),
                    editDocument("assumeRolePolicy", (d) => {
                        d.Statement[0].Principal = { AWS: "111111111111" };
                        delete d.Statement[0].Condition;
                    }),
                ),
            );
            expect(messages(bare)).to.have.length(1);
        });
    });

    describe("iam-cross-account-role-session-duration", function () {
        const rule = "iam-cross-account-role-session-duration";
        it("reports a cross-account role with sessions over an hour", async function () {
            const vs = await run(
                rule,
                mutate(target, T.role, phys("xacct-terraform-deploy"), (i) => ({ ...i, maxSessionDuration: 43200 })),
            );
            expect(messages(vs)).to.deep.equal([
                "Role xacct-terraform-deploy, trusted by arn:aws:iam::111111111111:root, has maxSessionDuration 43200; at most 3600 seconds for a cross-account role",
            ]);
        });
        it("leaves service roles alone", async function () {
            const vs = await run(
                rule,
                mutate(target, T.role, phys("xacct-cloudformation-execution"), (i) => ({
                    ...i,
                    maxSessionDuration: 43200,
                })),
            );
            expect(messages(vs)).to.deep.equal([]);
        });
    });

    describe("codepipeline-v2", function () {
        it("reports V1 and an unset pipelineType (V1 by default)", async function () {
            const v1 = await run(
                "codepipeline-v2",
                mutate(cicd, T.pipeline, phys("xacct-terraform"), (i) => ({ ...i, pipelineType: "V1" })),
            );
            expect(messages(v1)).to.deep.equal(["Pipeline xacct-terraform has pipelineType V1; it must be V2"]);
            const unset = await run(
                "codepipeline-v2",
                mutate(cicd, T.pipeline, phys("xacct-cloudformation"), (i) => {
                    delete i.pipelineType;
                }),
            );
            expect(messages(unset)).to.deep.equal([
                "Pipeline xacct-cloudformation has pipelineType unset (V1); it must be V2",
            ]);
        });
        it("skips an unknown pipelineType (the proxy would otherwise throw)", async function () {
            const vs = await run(
                "codepipeline-v2",
                mutate(cicd, T.pipeline, phys("xacct-terraform"), (i) => ({ ...i, pipelineType: UNKNOWN })),
            );
            expect(messages(vs)).to.deep.equal([]);
        });
    });

    describe("codebuild-not-privileged", function () {
        it("reports privilegedMode", async function () {
            const vs = await run(
                "codebuild-not-privileged",
                mutate(cicd, T.project, phys("xacct-terraform"), (i) => {
                    i.environment.privilegedMode = true;
                }),
            );
            expect(messages(vs)).to.deep.equal(["Project xacct-terraform sets environment.privilegedMode: true"]);
        });
    });

    describe("codebuild-build-timeout", function () {
        it("reports a missing or too long buildTimeout", async function () {
            const unset = await run(
                "codebuild-build-timeout",
                mutate(cicd, T.project, phys("xacct-terraform"), (i) => {
                    delete i.buildTimeout;
                }),
            );
            expect(messages(unset)).to.deep.equal([
                "Project xacct-terraform has no buildTimeout; set one (at most 480 minutes)",
            ]);
            const long = await run(
                "codebuild-build-timeout",
                mutate(cicd, T.project, phys("xacct-terraform"), (i) => ({ ...i, buildTimeout: 600 })),
            );
            expect(messages(long)).to.deep.equal(["Project xacct-terraform has buildTimeout 600; at most 480 minutes"]);
            expect(
                messages(
                    await run(
                        "codebuild-build-timeout",
                        mutate(cicd, T.project, phys("xacct-terraform"), (i) => ({ ...i, buildTimeout: 480 })),
                    ),
                ),
            ).to.deep.equal([]);
        });
    });

    describe("codebuild-no-plaintext-secrets", function () {
        const rule = "codebuild-no-plaintext-secrets";
        const withVar = (v: { name: string; value: string; type?: string }) =>
            mutate(cicd, T.project, phys("xacct-terraform"), (i) => {
                i.environment.environmentVariables.push(v);
            });
        it("reports secret-named PLAINTEXT variables (explicit or default type) in the project", async function () {
            for (const v of [
                { name: "GITHUB_TOKEN", value: "x", type: "PLAINTEXT" },
                { name: "DB_PASSWORD", value: "hunter2" },
                { name: "AWS_SECRET_ACCESS_KEY", value: "abc", type: "PLAINTEXT" },
                { name: "API_KEY", value: "abc", type: "PLAINTEXT" },
            ]) {
                const vs = await run(rule, withVar(v));
                expect(messages(vs), v.name).to.have.length(1);
                expect(vs[0].message).to.contain(
                    `Project environment variable ${v.name}: the name says it is a secret`,
                );
            }
        });
        it("reports a credential-looking value whatever the name", async function () {
            const vs = await run(
                rule,
                withVar({ name: "DEPLOY_ID", value: "AKIAIOSFODNN7EXAMPLE", type: "PLAINTEXT" }),
            );
            expect(messages(vs)).to.have.length(1);
            expect(vs[0].message).to.contain("DEPLOY_ID: its value looks like a credential");
        });
        it("allows secret references and harmless names (TF_SHA256, *_KEY object keys)", async function () {
            for (const v of [
                { name: "GITHUB_TOKEN", value: "ci/github-token", type: "SECRETS_MANAGER" },
                { name: "DB_PASSWORD", value: "/ci/db-password", type: "PARAMETER_STORE" },
                {
                    name: "API_TOKEN_SECRET_ARN",
                    value: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:api-token",
                    type: "PLAINTEXT",
                },
                { name: "SOURCE_KEY", value: "source/workload.zip", type: "PLAINTEXT" },
            ]) {
                expect(messages(await run(rule, withVar(v))), v.name).to.deep.equal([]);
            }
        });
        it("reports a secret in a pipeline CodeBuild action's EnvironmentVariables", async function () {
            const vs = await run(
                rule,
                mutate(cicd, T.pipeline, phys("xacct-terraform"), (i) => {
                    const action = i.stages.flatMap((s: any) => s.actions).find((a: any) => a.provider === "CodeBuild");
                    const vars = JSON.parse(action.configuration.EnvironmentVariables);
                    vars.push({ name: "TF_VAR_db_password", value: "hunter2", type: "PLAINTEXT" });
                    action.configuration.EnvironmentVariables = JSON.stringify(vars);
                }),
            );
            expect(messages(vs)).to.have.length(1);
            expect(vs[0].message).to.match(
                /^Stage Deploy action Terraform: environment variable TF_VAR_db_password: the name says it is a secret/,
            );
        });
    });

    describe("cloudwatch-log-group-retention", function () {
        it("reports a log group without retention, or retention 0", async function () {
            const unset = await run(
                "cloudwatch-log-group-retention",
                mutate(cicd, T.logGroup, phys("/aws/codebuild/xacct-terraform"), (i) => {
                    delete i.retentionInDays;
                }),
            );
            expect(messages(unset)).to.deep.equal([
                "Log group /aws/codebuild/xacct-terraform has no retentionInDays: its logs never expire",
            ]);
            const zero = await run(
                "cloudwatch-log-group-retention",
                mutate(cicd, T.logGroup, phys("/aws/codepipeline/xacct-cloudformation"), (i) => ({
                    ...i,
                    retentionInDays: 0,
                })),
            );
            expect(messages(zero)).to.deep.equal([
                "Log group /aws/codepipeline/xacct-cloudformation has retentionInDays 0: its logs never expire",
            ]);
        });
    });

    describe("policy documents", function () {
        it("parse from strings and objects, with one statement or many", function () {
            const one = parseDocument({ Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: ["a", "b"] } });
            expect(one.kind === "ok" && one.statements.map((s) => [s.actions, s.resources])).to.deep.equal([
                [["s3:GetObject"], ["a", "b"]],
            ]);
            const many = parseDocument(
                JSON.stringify({
                    Statement: [
                        { Effect: "Deny", Action: ["*"], Resource: "*" },
                        { Effect: "Allow", Action: "x:y" },
                    ],
                }),
            );
            expect(many.kind === "ok" && many.statements.map((s) => s.effect)).to.deep.equal(["Deny", "Allow"]);
            expect(parseDocument(UNKNOWN).kind).to.equal("unknown");
            expect(parseDocument("nope").kind).to.equal("invalid");
        });
    });
});
