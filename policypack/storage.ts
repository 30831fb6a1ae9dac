// Storage: the S3 buckets (artifacts, Terraform state) and their configuration resources.
import type { Policies } from "@pulumi/policy";
import { childrenOf, isStateBucket, overBuckets } from "./lib/buckets";
import { eachStatement, isTlsOnlyDenial, openToEveryone, parseDocument, resourceDocuments } from "./lib/documents";
import { resourcePolicy, TYPES } from "./lib/policies";
import { containsUnknown, isObject, isUnknown, named, objects, show } from "./lib/values";

const SSE_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];

/** The key id of the AWS managed S3 key, as `alias/aws/s3` or its alias ARN. */
const isAwsManagedS3Key = (keyId: unknown): boolean =>
    keyId === undefined ||
    keyId === null ||
    keyId === "" ||
    (typeof keyId === "string" && /(^|:)alias\/aws\/s3$/.test(keyId));

const s3BucketEncrypted = overBuckets(
    {
        name: "s3-bucket-encrypted",
        description:
            "Every S3 bucket has a default encryption configuration (BucketServerSideEncryptionConfiguration with an " +
            "SSE algorithm); the Terraform state bucket never uses the AWS managed key aws/s3, which other accounts cannot use.",
    },
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
                if (!isStateBucket(b.props)) continue;
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
    {
        name: "s3-bucket-public-access-blocked",
        description:
            "Every S3 bucket has a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and " +
            "restrictPublicBuckets all true, and no public canned ACL.",
    },
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

const s3BucketTlsOnly = overBuckets(
    {
        name: "s3-bucket-tls-only",
        description:
            "Every S3 bucket has a bucket policy that denies all S3 actions to everyone when aws:SecureTransport is false.",
    },
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
    {
        name: "s3-state-bucket-protected",
        description:
            "The Terraform state bucket (name contains -tfstate-) is versioned (BucketVersioning status Enabled) and never forceDestroy: " +
            "losing state orphans every target's resources.",
    },
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
    {
        name: "s3-bucket-owner-enforced",
        description:
            "Every S3 bucket has BucketOwnershipControls with objectOwnership BucketOwnerEnforced (ACLs disabled; the bucket " +
            "owner owns every object, including those written from other accounts).",
    },
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

const s3BucketNoForceDestroy = resourcePolicy(
    {
        name: "s3-bucket-no-force-destroy",
        description:
            "S3 buckets should not set forceDestroy: true (a destroy would silently delete every object). Advisory; for the state bucket s3-state-bucket-protected is mandatory.",
        enforcementLevel: "advisory",
    },
    TYPES.bucket,
    (props, args, reportViolation) => {
        if (props.forceDestroy === true) {
            reportViolation(
                `${named("Bucket", props.bucket, args)} sets forceDestroy: true: a destroy deletes every object and version in it`,
            );
        }
    },
);

const s3BucketPolicyNotPublic = resourcePolicy(
    {
        name: "s3-bucket-policy-not-public",
        description:
            'No bucket policy allows Principal "*" or {AWS: "*"} unless a Condition pins it to fixed values (no wildcard, no policy variable) ' +
            "of a key that narrows it to known principals: aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, aws:SourceAccount, ... " +
            "(S3 Block Public Access' definition of a non-public policy). An ArnLike on aws:PrincipalArn with a wildcard account admits any account.",
    },
    [...TYPES.bucketPolicy, ...TYPES.bucket],
    (props, args, reportViolation) => {
        eachStatement(resourceDocuments(args.type, props), reportViolation, (s, where) => {
            const why = openToEveryone(s);
            return why === undefined
                ? undefined
                : `${where} allows Principal "*" (anyone) ${why}: the bucket is public`;
        });
    },
);

export const storagePolicies: Policies = [
    s3BucketEncrypted,
    s3BucketPublicAccessBlocked,
    s3BucketTlsOnly,
    s3StateBucketProtected,
    s3BucketOwnerEnforced,
    s3BucketNoForceDestroy,
    s3BucketPolicyNotPublic,
];
