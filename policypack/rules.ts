// The policies of the cross-account-pipeline policy pack. Pure data and functions: importing this
// module starts nothing (index.ts wraps these rules in a PolicyPack, which starts the analyzer
// server), so tests can run every rule directly against the program's recorded resources.
//
// Every rule reads resource *inputs* (resource policies) or *outputs* (stack policies). During
// `pulumi preview` some values are unknown; the engine marks them with sentinel strings and wraps
// the properties in a proxy that throws on access to one. The rules unwrap the proxy and treat an
// unknown value leniently: a check that depends on it is skipped rather than failed (the same
// rules run again on `pulumi up`, when the values are known).
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as codebuild from "@pulumi/aws/codebuild";
import * as codepipeline from "@pulumi/aws/codepipeline";
import * as s3 from "@pulumi/aws/s3";
import {
    Policies,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    validateResourceOfType,
} from "@pulumi/policy";

// ---------------------------------------------------------------------------------------------
// Unknown values

/** The sentinels the engine uses for values not known during preview (@pulumi/policy proxy.js). */
const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string (what the engine sends for every unknown)
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** The value the engine sends for an unknown string; exported for tests. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const isUnknown = (v: unknown): boolean => typeof v === "string" && UNKNOWN_SENTINELS.has(v);

/** True when an unknown value occurs anywhere inside `v`. */
export const containsUnknown = (v: unknown): boolean => {
    if (isUnknown(v)) return true;
    if (Array.isArray(v)) return v.some(containsUnknown);
    if (v !== null && typeof v === "object") return Object.values(v as Record<string, unknown>).some(containsUnknown);
    return false;
};

/** Resource properties, and any JSON object inside them: read as `unknown`, narrowed before use. */
type Props = Record<string, unknown>;

const isObject = (v: unknown): v is Props => v !== null && typeof v === "object" && !Array.isArray(v);

/** The objects of an array (anything else: none). */
const objects = (v: unknown): Props[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** A value for a message. */
const show = (v: unknown): string => (typeof v === "string" ? v : (JSON.stringify(v) ?? "undefined"));

/**
 * The plain properties behind the analyzer's unknown-checking proxy, so that reading an unknown
 * value yields its sentinel instead of throwing. Plain objects (tests) are returned as they are.
 * If a future @pulumi/policy renames the hook, the proxy comes back and an unknown value makes the
 * engine report "can't run policy during preview" (advisory): degraded, never a false pass.
 */
const raw = (props: unknown): Props => {
    if (!isObject(props)) return {};
    const target = props["__getSpecialProxyTarget"];
    return isObject(target) ? target : props;
};

/** How a resource is named in messages: its physical name when known, else its Pulumi name. */
const named = (kind: string, physical: unknown, args: { name: string }): string =>
    `${kind} ${knownString(physical) ?? args.name}`;

/** A known, non-empty string, or undefined (absent or unknown). */
const knownString = (v: unknown): string | undefined =>
    typeof v === "string" && v !== "" && !isUnknown(v) ? v : undefined;

// ---------------------------------------------------------------------------------------------
// Resource types

export const TYPES = {
    bucket: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
    versioning: ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
    encryption: [
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    ],
    publicAccessBlock: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
    bucketPolicy: ["aws:s3/bucketPolicy:BucketPolicy"],
    ownership: ["aws:s3/bucketOwnershipControls:BucketOwnershipControls"],
    role: "aws:iam/role:Role",
    /** Resources whose `policy` input is an identity-based policy document. */
    identityPolicies: [
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/policy:Policy",
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/groupPolicy:GroupPolicy",
    ],
} as const;

const oneOf = (types: readonly string[], type: string): boolean => types.includes(type);

// ---------------------------------------------------------------------------------------------
// IAM policy documents

/** One statement, normalised: string-or-array fields become arrays. */
export interface Statement {
    readonly sid?: string;
    readonly effect: string;
    readonly actions: string[];
    readonly notActions: string[];
    readonly resources: string[];
    readonly notResources: string[];
    /** `"*"`, or a map such as `{ AWS: [...], Service: [...] }` with array values. */
    readonly principal: "*" | Record<string, string[]> | undefined;
    readonly notPrincipal: unknown;
    readonly condition: Props | undefined;
    readonly hasNotAction: boolean;
    readonly hasNotResource: boolean;
}

export type ParsedDocument =
    | { readonly kind: "ok"; readonly statements: Statement[]; readonly hasUnknown: boolean }
    | { readonly kind: "unknown" }
    | { readonly kind: "invalid"; readonly reason: string };

const strings = (v: unknown): string[] => {
    if (typeof v === "string") return [v];
    if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
    return [];
};

const normalisePrincipal = (p: unknown): Statement["principal"] => {
    if (p === undefined || p === null) return undefined;
    if (typeof p === "string") return p === "*" ? "*" : { AWS: [p] };
    if (isObject(p)) return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, strings(v)]));
    return undefined;
};

const normaliseStatement = (s: Props): Statement => ({
    sid: typeof s.Sid === "string" ? s.Sid : undefined,
    effect: typeof s.Effect === "string" ? s.Effect : "",
    actions: strings(s.Action),
    notActions: strings(s.NotAction),
    resources: strings(s.Resource),
    notResources: strings(s.NotResource),
    principal: normalisePrincipal(s.Principal),
    notPrincipal: s.NotPrincipal,
    condition: isObject(s.Condition) ? s.Condition : undefined,
    hasNotAction: s.NotAction !== undefined,
    hasNotResource: s.NotResource !== undefined,
});

/**
 * Parses a policy input: a JSON string (what `JSON.stringify`/`pulumi.jsonStringify` produce) or an
 * object (a `PolicyDocument` passed as is). `Statement` may be one object or an array.
 */
export const parseDocument = (input: unknown): ParsedDocument => {
    if (input === undefined || input === null || input === "") return { kind: "ok", statements: [], hasUnknown: false };
    if (isUnknown(input)) return { kind: "unknown" };
    let doc: unknown = input;
    if (typeof input === "string") {
        try {
            doc = JSON.parse(input);
        } catch (e) {
            return { kind: "invalid", reason: `not valid JSON (${(e as Error).message})` };
        }
    }
    if (!isObject(doc)) return { kind: "invalid", reason: "not a JSON object" };
    const statement: unknown = doc.Statement;
    if (isUnknown(statement)) return { kind: "unknown" };
    const list: unknown[] = statement === undefined ? [] : Array.isArray(statement) ? statement : [statement];
    const statements = list.filter(isObject).map(normaliseStatement);
    return { kind: "ok", statements, hasUnknown: containsUnknown(doc) };
};

/** IAM wildcard matching (`*` and `?`), case-insensitive as IAM matches action names. */
const globMatches = (pattern: string, value: string): boolean => {
    const re = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${re}$`, "i").test(value);
};

/** Does the statement's Action (or NotAction) grant `action`? */
const grantsAction = (s: Statement, action: string): boolean =>
    s.hasNotAction ? !s.notActions.some((p) => globMatches(p, action)) : s.actions.some((p) => globMatches(p, action));

/** `*`, `*:*` or a whole service (`s3:*`). */
const isFullWildcardAction = (a: string): boolean => a === "*" || /^[A-Za-z0-9-]+:\*$/.test(a) || a === "*:*";

const isAllow = (s: Statement): boolean => s.effect === "Allow";

const hasCondition = (s: Statement): boolean => s.condition !== undefined && Object.keys(s.condition).length > 0;

/** Every principal (`"*"` included) named in `Principal.AWS`, or `["*"]` for `Principal: "*"`. */
const awsPrincipals = (s: Statement): string[] => (s.principal === "*" ? ["*"] : (s.principal?.AWS ?? []));

const isEveryone = (s: Statement): boolean => awsPrincipals(s).includes("*");

/** `arn:<partition>:iam::<account>:root` or a bare account id: a whole account is trusted. */
const isAccountPrincipal = (p: string): boolean => /^\d{12}$/.test(p) || /^arn:[^:]+:iam::\d{12}:root$/.test(p);

/** Condition keys present in a statement, lower-cased (operators are ignored). */
const conditionKeys = (s: Statement): string[] =>
    Object.values(s.condition ?? {}).flatMap((block) =>
        isObject(block) ? Object.keys(block).map((k) => k.toLowerCase()) : [],
    );

/** A labelled policy document found in a resource's inputs. */
interface FoundDocument {
    readonly label: string;
    readonly value: unknown;
}

/** Identity-based policy documents in a resource's inputs (IAM policies, role inline policies). */
const identityDocuments = (type: string, props: Props): FoundDocument[] => {
    if (oneOf(TYPES.identityPolicies, type)) return [{ label: "policy", value: props.policy }];
    if (type === TYPES.role) {
        return objects(props.inlinePolicies).map((p, i) => {
            const name = knownString(p.name);
            return { label: `inlinePolicies[${i}]${name !== undefined ? ` (${name})` : ""}`, value: p.policy };
        });
    }
    return [];
};

/** Resource-based policy documents (bucket policies, inline or separate). */
const resourceDocuments = (type: string, props: Props): FoundDocument[] => {
    if (oneOf(TYPES.bucketPolicy, type) || oneOf(TYPES.bucket, type)) {
        return props.policy === undefined ? [] : [{ label: "policy", value: props.policy }];
    }
    return [];
};

const describe = (s: Statement, i: number): string => `statement ${s.sid ? `"${s.sid}"` : `#${i}`}`;

/**
 * Runs `check` over every statement of every document, reporting what it returns. Unknown
 * documents are skipped; invalid ones are reported when `reportInvalid` is set.
 */
const eachStatement = (
    docs: FoundDocument[],
    reportViolation: ReportViolation,
    check: (s: Statement, where: string) => string | undefined,
    reportInvalid = false,
): void => {
    for (const d of docs) {
        const parsed = parseDocument(d.value);
        if (parsed.kind === "unknown") continue;
        if (parsed.kind === "invalid") {
            if (reportInvalid) reportViolation(`${d.label} cannot be checked: ${parsed.reason}`);
            continue;
        }
        parsed.statements.forEach((s, i) => {
            const problem = check(s, `${d.label} ${describe(s, i)}`);
            if (problem !== undefined) reportViolation(problem);
        });
    }
};

// ---------------------------------------------------------------------------------------------
// S3 buckets and their configuration resources (stack policies)

interface BucketInfo {
    readonly resource: PolicyResource;
    readonly props: Props;
    /** The physical name, when known. */
    readonly name: string | undefined;
    /** How the bucket is named in messages. */
    readonly label: string;
}

const bucketsOf = (resources: PolicyResource[]): BucketInfo[] =>
    resources
        .filter((r) => oneOf(TYPES.bucket, r.type))
        .map((r) => {
            const props = raw(r.props);
            const name = knownString(props.bucket);
            return { resource: r, props, name, label: name !== undefined ? `${r.name} (${name})` : r.name };
        });

interface Child {
    readonly resource: PolicyResource;
    readonly props: Props;
}

interface Children {
    /** The configuration resources of each bucket, by bucket URN. */
    readonly of: (b: BucketInfo) => Child[];
    /**
     * Configuration resources whose bucket could not be worked out (an unknown `bucket` and no
     * property dependency): while there are any, a bucket "without" one is not reported.
     */
    readonly unresolved: number;
}

/**
 * Relates configuration resources (versioning, encryption, ...) to their buckets. A child belongs
 * to a bucket when its `bucket` input depends on that bucket (property dependencies: works in
 * preview, when the bucket id is still unknown), or when its known `bucket` value is the bucket's
 * name or id (after an update, the id of an S3 bucket is its name).
 */
const childrenOf = (resources: PolicyResource[], buckets: BucketInfo[], types: readonly string[]): Children => {
    const byUrn = new Map<string, Child[]>(buckets.map((b) => [b.resource.urn, []]));
    let unresolved = 0;
    for (const r of resources.filter((x) => oneOf(types, x.type))) {
        const props = raw(r.props);
        const deps = (r.propertyDependencies?.bucket ?? []).filter((d) => byUrn.has(d.urn));
        let owner: BucketInfo | undefined = buckets.find((b) => deps.some((d) => d.urn === b.resource.urn));
        const value = props.bucket;
        if (owner === undefined && knownString(value) !== undefined) {
            owner = buckets.find((b) => value === b.name || value === knownString(b.props.id));
        }
        if (owner !== undefined) byUrn.get(owner.resource.urn)?.push({ resource: r, props });
        else if (knownString(value) === undefined) unresolved += 1;
        // A known name that matches no bucket here configures a bucket outside this stack.
    }
    return { of: (b) => byUrn.get(b.resource.urn) ?? [], unresolved };
};

/** The Terraform state bucket: its name (or prefix) contains `-tfstate-`. */
export const isStateBucket = (props: Props): boolean =>
    [props.bucket, props.bucketPrefix].some((v) => knownString(v)?.includes("-tfstate-") === true);

/** A stack policy over the buckets of a stack; not applicable to stacks without buckets. */
const overBuckets = (
    name: string,
    description: string,
    validate: (buckets: BucketInfo[], resources: PolicyResource[], reportViolation: ReportViolation) => void,
    enforcementLevel: "mandatory" | "advisory" = "mandatory",
): StackValidationPolicy => ({
    name,
    description,
    enforcementLevel,
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
        const buckets = bucketsOf(args.resources);
        if (buckets.length === 0) args.notApplicable("no S3 buckets in this stack");
        validate(buckets, args.resources, reportViolation);
    },
});

const SSE_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];

/** The key id of the AWS managed S3 key, as `alias/aws/s3` or its alias ARN. */
const isAwsManagedS3Key = (keyId: unknown): boolean =>
    keyId === undefined ||
    keyId === null ||
    keyId === "" ||
    (typeof keyId === "string" && /(^|:)alias\/aws\/s3$/.test(keyId));

const s3BucketEncrypted = overBuckets(
    "s3-bucket-encrypted",
    "Every S3 bucket has a default encryption configuration (BucketServerSideEncryptionConfiguration with an " +
        "SSE algorithm); the Terraform state bucket never uses the AWS managed key aws/s3, which other accounts cannot use.",
    (buckets, resources, reportViolation) => {
        const children = childrenOf(resources, buckets, TYPES.encryption);
        for (const b of buckets) {
            const configs = children.of(b);
            if (configs.length === 0) {
                if (children.unresolved === 0) {
                    reportViolation(
                        `Bucket ${b.label} has no BucketServerSideEncryptionConfiguration: it is not encrypted by a declared default`,
                        b.resource.urn,
                    );
                }
                continue;
            }
            for (const c of configs) {
                const rules = c.props.rules;
                if (containsUnknown(rules)) continue;
                const defaults = objects(rules)
                    .map((r) => r.applyServerSideEncryptionByDefault)
                    .filter(isObject);
                if (
                    !defaults.some((d) => typeof d.sseAlgorithm === "string" && SSE_ALGORITHMS.includes(d.sseAlgorithm))
                ) {
                    reportViolation(
                        `Bucket ${b.label}: ${c.resource.name} sets no default encryption (applyServerSideEncryptionByDefault.sseAlgorithm ` +
                            `one of ${SSE_ALGORITHMS.join(", ")})`,
                        c.resource.urn,
                    );
                }
                if (isStateBucket(b.props)) {
                    for (const d of defaults) {
                        if (
                            typeof d.sseAlgorithm === "string" &&
                            d.sseAlgorithm.startsWith("aws:kms") &&
                            isAwsManagedS3Key(d.kmsMasterKeyId)
                        ) {
                            reportViolation(
                                `State bucket ${b.label}: ${c.resource.name} encrypts with the AWS managed key alias/aws/s3 ` +
                                    `(${d.kmsMasterKeyId === undefined ? "no kmsMasterKeyId" : show(d.kmsMasterKeyId)}); the target accounts' roles cannot use it. Use AES256 or a customer managed key`,
                                c.resource.urn,
                            );
                        }
                    }
                }
            }
        }
    },
);

const PUBLIC_ACCESS_FLAGS = [
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
] as const;
const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];

const s3BucketPublicAccessBlocked = overBuckets(
    "s3-bucket-public-access-blocked",
    "Every S3 bucket has a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and " +
        "restrictPublicBuckets all true, and no public canned ACL.",
    (buckets, resources, reportViolation) => {
        const children = childrenOf(resources, buckets, TYPES.publicAccessBlock);
        for (const b of buckets) {
            const acl = b.props.acl;
            if (typeof acl === "string" && PUBLIC_ACLS.includes(acl)) {
                reportViolation(`Bucket ${b.label} has the public canned ACL ${acl}`, b.resource.urn);
            }
            const blocks = children.of(b);
            if (blocks.length === 0) {
                if (children.unresolved === 0)
                    reportViolation(`Bucket ${b.label} has no BucketPublicAccessBlock`, b.resource.urn);
                continue;
            }
            for (const c of blocks) {
                const off = PUBLIC_ACCESS_FLAGS.filter((f) => !isUnknown(c.props[f]) && c.props[f] !== true);
                if (off.length > 0) {
                    reportViolation(
                        `Bucket ${b.label}: ${c.resource.name} does not set ${off.join(", ")} to true`,
                        c.resource.urn,
                    );
                }
            }
        }
    },
);

/** `false`, `"false"` or `["false"]`: the value of `aws:SecureTransport` in a TLS-only denial. */
const isFalse = (v: unknown): boolean =>
    v === false ||
    (typeof v === "string" && v.toLowerCase() === "false") ||
    (Array.isArray(v) && v.length > 0 && v.every(isFalse));

/** Deny, to everyone, every S3 action on the objects, when `aws:SecureTransport` is false. */
export const isTlsOnlyDenial = (s: Statement): boolean => {
    if (s.effect !== "Deny" || !isEveryone(s)) return false;
    if (s.hasNotAction || !s.actions.some((a) => a === "*" || a.toLowerCase() === "s3:*")) return false;
    if (s.hasNotResource || !s.resources.some((r) => r === "*" || r.endsWith("/*"))) return false;
    return Object.entries(s.condition ?? {}).some(
        ([operator, block]) =>
            /^Bool(IfExists)?$/i.test(operator) &&
            isObject(block) &&
            Object.entries(block).some(([key, value]) => key.toLowerCase() === "aws:securetransport" && isFalse(value)),
    );
};

const s3BucketTlsOnly = overBuckets(
    "s3-bucket-tls-only",
    "Every S3 bucket has a bucket policy that denies all S3 actions to everyone when aws:SecureTransport is false.",
    (buckets, resources, reportViolation) => {
        const children = childrenOf(resources, buckets, TYPES.bucketPolicy);
        for (const b of buckets) {
            const policies = children.of(b);
            if (policies.length === 0) {
                if (children.unresolved === 0) {
                    reportViolation(
                        `Bucket ${b.label} has no BucketPolicy, so nothing denies requests without TLS (aws:SecureTransport=false)`,
                        b.resource.urn,
                    );
                }
                continue;
            }
            const parsed = policies.map((c) => parseDocument(c.props.policy));
            if (parsed.some((p) => p.kind === "ok" && p.statements.some(isTlsOnlyDenial))) continue;
            // Still unknown (preview): do not guess.
            if (parsed.some((p) => p.kind === "unknown" || (p.kind === "ok" && p.hasUnknown))) continue;
            reportViolation(
                `Bucket ${b.label}: its bucket policy has no statement denying s3:* to Principal "*" when aws:SecureTransport is false (TLS-only)`,
                policies[0].resource.urn,
            );
        }
    },
);

const s3StateBucketProtected = overBuckets(
    "s3-state-bucket-protected",
    "The Terraform state bucket (name contains -tfstate-) is versioned (BucketVersioning status Enabled) and never forceDestroy: " +
        "losing state orphans every target's resources.",
    (buckets, resources, reportViolation) => {
        const children = childrenOf(resources, buckets, TYPES.versioning);
        for (const b of buckets.filter((x) => isStateBucket(x.props))) {
            if (b.props.forceDestroy === true) {
                reportViolation(
                    `State bucket ${b.label} sets forceDestroy: true: a destroy would delete every state file and its history`,
                    b.resource.urn,
                );
            }
            const versioning = children.of(b);
            if (versioning.length === 0) {
                if (children.unresolved === 0)
                    reportViolation(
                        `State bucket ${b.label} is not versioned: it has no BucketVersioning`,
                        b.resource.urn,
                    );
                continue;
            }
            const statuses = versioning.map((c) => {
                const config = c.props.versioningConfiguration;
                return isObject(config) ? config.status : config;
            });
            if (statuses.some((s) => s === "Enabled" || isUnknown(s))) continue;
            reportViolation(
                `State bucket ${b.label} is not versioned: BucketVersioning status is ${statuses.map(show).join(", ")}, not Enabled`,
                versioning[0].resource.urn,
            );
        }
    },
);

const s3BucketOwnerEnforced = overBuckets(
    "s3-bucket-owner-enforced",
    "Every S3 bucket has BucketOwnershipControls with objectOwnership BucketOwnerEnforced (ACLs disabled; the bucket " +
        "owner owns every object, including those written from other accounts).",
    (buckets, resources, reportViolation) => {
        const children = childrenOf(resources, buckets, TYPES.ownership);
        for (const b of buckets) {
            const controls = children.of(b);
            if (controls.length === 0) {
                if (children.unresolved === 0)
                    reportViolation(
                        `Bucket ${b.label} has no BucketOwnershipControls (BucketOwnerEnforced)`,
                        b.resource.urn,
                    );
                continue;
            }
            for (const c of controls) {
                const rule = c.props.rule;
                const ownership = isObject(rule) ? rule.objectOwnership : rule;
                if (isUnknown(ownership) || ownership === "BucketOwnerEnforced") continue;
                reportViolation(
                    `Bucket ${b.label}: ${c.resource.name} sets objectOwnership ${show(ownership)}, not BucketOwnerEnforced`,
                    c.resource.urn,
                );
            }
        }
    },
);

// ---------------------------------------------------------------------------------------------
// Resource policies

/** A resource policy over a set of types, with the properties unwrapped from the preview proxy. */
const resourcePolicy = (
    name: string,
    description: string,
    types: readonly string[],
    validate: (props: Props, args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
    enforcementLevel: "mandatory" | "advisory" = "mandatory",
): ResourceValidationPolicy => ({
    name,
    description,
    enforcementLevel,
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!types.includes(args.type)) args.notApplicable(`applies to ${types.join(", ")}`);
        validate(raw(args.props), args, reportViolation);
    },
});

const s3BucketNoForceDestroy: ResourceValidationPolicy = {
    name: "s3-bucket-no-force-destroy",
    description:
        "S3 buckets should not set forceDestroy: true (a destroy would silently delete every object). Advisory; for the state bucket s3-state-bucket-protected is mandatory.",
    enforcementLevel: "advisory",
    validateResource: validateResourceOfType(s3.Bucket, (bucket, args, reportViolation) => {
        const props = raw(bucket);
        if (props.forceDestroy === true) {
            reportViolation(
                `${named("Bucket", props.bucket, args)} sets forceDestroy: true: a destroy deletes every object and version in it`,
            );
        }
    }),
};

const iamNoWildcardAdmin = resourcePolicy(
    "iam-no-wildcard-admin",
    'No IAM or bucket policy statement allows Action "*" or a whole service ("s3:*") on Resource "*" ' +
        "(nor NotAction/NotResource equivalents).",
    [...TYPES.identityPolicies, TYPES.role, ...TYPES.bucketPolicy, ...TYPES.bucket],
    (props, args, reportViolation) => {
        const docs = [...identityDocuments(args.type, props), ...resourceDocuments(args.type, props)];
        eachStatement(
            docs,
            reportViolation,
            (s, where) => {
                if (!isAllow(s)) return undefined;
                const onEverything = s.hasNotResource || s.resources.includes("*");
                if (!onEverything) return undefined;
                const resource = s.hasNotResource ? "NotResource (everything but a few)" : 'Resource "*"';
                if (s.hasNotAction)
                    return `${where} allows NotAction [${s.notActions.join(", ")}] (every other action) on ${resource}`;
                const wild = s.actions.filter(isFullWildcardAction);
                if (wild.length > 0)
                    return `${where} allows Action ${wild.map((a) => `"${a}"`).join(", ")} on ${resource}`;
                return undefined;
            },
            true,
        );
    },
);

/** `*`, or every role of an account (`arn:…:iam::<account>:role/*`). */
const isAnyRole = (r: string): boolean => r === "*" || /^arn:[^:]*:iam::[^:]*:role\/\*$/.test(r);

const iamNoPassRoleOnAnyRole = resourcePolicy(
    "iam-no-passrole-on-any-role",
    'No identity policy allows iam:PassRole (directly or through a wildcard such as "iam:*") on Resource "*" or on every role of an account: ' +
        "name the roles that may be passed.",
    [...TYPES.identityPolicies, TYPES.role],
    (props, args, reportViolation) => {
        eachStatement(identityDocuments(args.type, props), reportViolation, (s, where) => {
            if (!isAllow(s) || !grantsAction(s, "iam:PassRole")) return undefined;
            const broad = s.hasNotResource ? ["NotResource"] : s.resources.filter(isAnyRole);
            return broad.length > 0
                ? `${where} allows iam:PassRole on ${broad.map((r) => `"${r}"`).join(", ")}: any role could be passed to a service`
                : undefined;
        });
    },
);

const iamNoAssumeAnyRole = resourcePolicy(
    "iam-no-assume-any-role",
    'No identity policy allows sts:AssumeRole (directly or through a wildcard such as "sts:*") on Resource "*" or on every role of an account: ' +
        "name the roles that may be assumed.",
    [...TYPES.identityPolicies, TYPES.role],
    (props, args, reportViolation) => {
        eachStatement(identityDocuments(args.type, props), reportViolation, (s, where) => {
            if (!isAllow(s) || !grantsAction(s, "sts:AssumeRole")) return undefined;
            const broad = s.hasNotResource ? ["NotResource"] : s.resources.filter(isAnyRole);
            return broad.length > 0
                ? `${where} allows sts:AssumeRole on ${broad.map((r) => `"${r}"`).join(", ")}: any trusting role could be assumed`
                : undefined;
        });
    },
);

const trustDocument = (props: Props): FoundDocument[] => [{ label: "assumeRolePolicy", value: props.assumeRolePolicy }];

const iamTrustNotPublic = resourcePolicy(
    "iam-trust-not-public",
    'No IAM role trust policy (assumeRolePolicy) allows Principal "*" or {AWS: "*"} (or uses NotPrincipal) without a Condition.',
    [TYPES.role],
    (props, _args, reportViolation) => {
        eachStatement(
            trustDocument(props),
            reportViolation,
            (s, where) => {
                if (!isAllow(s) || hasCondition(s)) return undefined;
                if (s.notPrincipal !== undefined)
                    return `${where} allows everyone but its NotPrincipal to assume the role, without a Condition`;
                return isEveryone(s)
                    ? `${where} allows Principal "*" (anyone, in any account) to assume the role, without a Condition`
                    : undefined;
            },
            true,
        );
    },
);

const s3BucketPolicyNotPublic = resourcePolicy(
    "s3-bucket-policy-not-public",
    'No bucket policy allows Principal "*" or {AWS: "*"} without a Condition.',
    [...TYPES.bucketPolicy, ...TYPES.bucket],
    (props, args, reportViolation) => {
        eachStatement(resourceDocuments(args.type, props), reportViolation, (s, where) =>
            isAllow(s) && isEveryone(s) && !hasCondition(s)
                ? `${where} allows Principal "*" (anyone) without a Condition: the bucket is public`
                : undefined,
        );
    },
);

/** Allow statements of the trust policy naming IAM principals of an account (not services, not "*"). */
const accountTrust = (props: Props): Statement[] => {
    const parsed = parseDocument(props.assumeRolePolicy);
    if (parsed.kind !== "ok") return [];
    return parsed.statements.filter((s) => isAllow(s) && awsPrincipals(s).some((p) => p !== "*" && !isUnknown(p)));
};

const MAX_CROSS_ACCOUNT_SESSION = 3600;

const iamCrossAccountSessionDuration = resourcePolicy(
    "iam-cross-account-role-session-duration",
    `Roles that an AWS account principal may assume (cross-account roles: the trust names an account root, account id or IAM ARN) ` +
        `have maxSessionDuration <= ${MAX_CROSS_ACCOUNT_SESSION} seconds (unset means 3600).`,
    [TYPES.role],
    (props, args, reportViolation) => {
        const statements = accountTrust(props);
        if (statements.length === 0) return;
        const max = props.maxSessionDuration;
        if (max === undefined || max === null || isUnknown(max)) return;
        if (typeof max !== "number" || max > MAX_CROSS_ACCOUNT_SESSION) {
            const who = [...new Set(statements.flatMap(awsPrincipals))].join(", ");
            reportViolation(
                `${named("Role", props.name, args)}, trusted by ${who}, has maxSessionDuration ${show(max)}; at most ${MAX_CROSS_ACCOUNT_SESSION} seconds for a cross-account role`,
            );
        }
    },
);

/** Condition keys that pin a trusted account to one principal (or to a third party's external id). */
const PINNING_KEYS = ["aws:principalarn", "sts:externalid"];

const iamCrossAccountTrustPinned = resourcePolicy(
    "iam-cross-account-trust-pinned",
    "A trust statement that names a whole account (arn:…:iam::<account>:root or an account id) carries a Condition on " +
        "aws:PrincipalArn or sts:ExternalId, so that only the intended principal of that account may assume the role.",
    [TYPES.role],
    (props, _args, reportViolation) => {
        eachStatement(trustDocument(props), reportViolation, (s, where) => {
            if (!isAllow(s)) return undefined;
            const accounts = awsPrincipals(s).filter(isAccountPrincipal);
            if (accounts.length === 0) return undefined;
            if (conditionKeys(s).some((k) => PINNING_KEYS.includes(k))) return undefined;
            return `${where} trusts the whole account ${accounts.join(", ")} without a Condition on aws:PrincipalArn or sts:ExternalId: any principal there allowed sts:AssumeRole could assume the role`;
        });
    },
);

const codePipelineV2: ResourceValidationPolicy = {
    name: "codepipeline-v2",
    description:
        'CodePipeline pipelines are pipelineType "V2" (variables, stage conditions, the Commands action; V1 is the default when unset).',
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(codepipeline.Pipeline, (pipeline, args, reportViolation) => {
        const p = raw(pipeline);
        const type = p.pipelineType;
        if (isUnknown(type) || type === "V2") return;
        reportViolation(
            `${named("Pipeline", p.name, args)} has pipelineType ${type === undefined ? "unset (V1)" : show(type)}; it must be V2`,
        );
    }),
};

const codeBuildNotPrivileged: ResourceValidationPolicy = {
    name: "codebuild-not-privileged",
    description:
        "CodeBuild projects do not run in privileged mode (environment.privilegedMode gives the build root on the Docker host).",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(codebuild.Project, (project, args, reportViolation) => {
        const p = raw(project);
        const env = p.environment;
        if (isObject(env) && env.privilegedMode === true) {
            reportViolation(`${named("Project", p.name, args)} sets environment.privilegedMode: true`);
        }
    }),
};

const MAX_BUILD_TIMEOUT = 480;

const codeBuildTimeout: ResourceValidationPolicy = {
    name: "codebuild-build-timeout",
    description: `CodeBuild projects set buildTimeout explicitly, at most ${MAX_BUILD_TIMEOUT} minutes.`,
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(codebuild.Project, (project, args, reportViolation) => {
        const p = raw(project);
        const timeout = p.buildTimeout;
        if (isUnknown(timeout)) return;
        if (timeout === undefined || timeout === null) {
            reportViolation(
                `${named("Project", p.name, args)} has no buildTimeout; set one (at most ${MAX_BUILD_TIMEOUT} minutes)`,
            );
        } else if (typeof timeout !== "number" || timeout > MAX_BUILD_TIMEOUT) {
            reportViolation(
                `${named("Project", p.name, args)} has buildTimeout ${show(timeout)}; at most ${MAX_BUILD_TIMEOUT} minutes`,
            );
        }
    }),
};

/** Names of variables that hold secrets. A bare `KEY` is not enough (object keys, e.g. S3_KEY, are fine). */
export const SECRET_NAME =
    /SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|CREDENTIAL|PRIVATE_?KEY|ACCESS_?KEY|API_?KEY|AUTH_?KEY/i;
/** Values that are secrets whatever the name: AWS access key ids, PEM private keys, GitHub tokens. */
const SECRET_VALUE =
    /(^|[^A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}([^A-Z0-9]|$)|-----BEGIN [A-Z ]*PRIVATE KEY-----|^gh[pousr]_[A-Za-z0-9]{36,}$/;

/** Why a PLAINTEXT variable looks like a secret, or undefined. */
const secretLooking = (v: Props): string | undefined => {
    const type = v.type ?? "PLAINTEXT"; // the CodeBuild default
    if (type !== "PLAINTEXT") return undefined;
    const name = knownString(v.name) ?? "";
    const value = knownString(v.value) ?? "";
    if (SECRET_VALUE.test(value)) return `${name}: its value looks like a credential`;
    // A reference to a secret (its ARN) is not the secret.
    if (SECRET_NAME.test(name) && !value.startsWith("arn:")) return `${name}: the name says it is a secret`;
    return undefined;
};

const SECRET_ADVICE = "use type SECRETS_MANAGER or PARAMETER_STORE";

const codeBuildNoPlaintextSecrets = resourcePolicy(
    "codebuild-no-plaintext-secrets",
    `CodeBuild environment variables of type PLAINTEXT (in projects, and in CodePipeline CodeBuild actions' EnvironmentVariables) ` +
        `do not hold secrets: a name matching ${SECRET_NAME.source}, or a value that looks like a credential. Secrets are ${SECRET_ADVICE}.`,
    ["aws:codebuild/project:Project", "aws:codepipeline/pipeline:Pipeline"],
    (props, args, reportViolation) => {
        if (args.type === "aws:codebuild/project:Project") {
            const env = props.environment;
            for (const v of objects(isObject(env) ? env.environmentVariables : undefined)) {
                const why = secretLooking(v);
                if (why)
                    reportViolation(
                        `Project environment variable ${why}; it is PLAINTEXT, visible to anyone who can read the project: ${SECRET_ADVICE}`,
                    );
            }
            return;
        }
        for (const stage of objects(props.stages)) {
            for (const action of objects(stage.actions)) {
                if (action.provider !== "CodeBuild" || !isObject(action.configuration)) continue;
                const where = `Stage ${show(stage.name)} action ${show(action.name)}`;
                const json = action.configuration.EnvironmentVariables;
                if (typeof json !== "string" || isUnknown(json)) continue;
                let vars: unknown;
                try {
                    vars = JSON.parse(json);
                } catch {
                    reportViolation(`${where}: EnvironmentVariables is not valid JSON`);
                    continue;
                }
                for (const v of objects(vars)) {
                    const why = secretLooking(v);
                    if (why)
                        reportViolation(
                            `${where}: environment variable ${why}; it is PLAINTEXT in the pipeline definition: ${SECRET_ADVICE}`,
                        );
                }
            }
        }
    },
);

const logGroupRetention: ResourceValidationPolicy = {
    name: "cloudwatch-log-group-retention",
    description: "CloudWatch log groups set retentionInDays (unset or 0 keeps logs forever).",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(cloudwatch.LogGroup, (group, args, reportViolation) => {
        const g = raw(group);
        const days = g.retentionInDays;
        if (isUnknown(days)) return;
        if (typeof days !== "number" || days <= 0) {
            reportViolation(
                `${named("Log group", g.name, args)} has ${days === undefined ? "no retentionInDays" : `retentionInDays ${show(days)}`}: its logs never expire`,
            );
        }
    }),
};

// ---------------------------------------------------------------------------------------------

/** Every policy of the pack, in the order they are reported. */
export const rules: Policies = [
    s3BucketEncrypted,
    s3BucketPublicAccessBlocked,
    s3BucketTlsOnly,
    s3StateBucketProtected,
    s3BucketOwnerEnforced,
    s3BucketNoForceDestroy,
    s3BucketPolicyNotPublic,
    iamNoWildcardAdmin,
    iamNoPassRoleOnAnyRole,
    iamNoAssumeAnyRole,
    iamTrustNotPublic,
    iamCrossAccountTrustPinned,
    iamCrossAccountSessionDuration,
    codePipelineV2,
    codeBuildNotPrivileged,
    codeBuildTimeout,
    codeBuildNoPlaintextSecrets,
    logGroupRetention,
];
