import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { Document } from "../policies";

export interface HardenedBucketArgs {
    /** Physical bucket name (deterministic, so that policies can name it as a plain string). */
    readonly bucketName: string;
    /** The bucket policy; should include the TLS-only denial. */
    readonly policy: Document;
    /** Days after which noncurrent object versions expire. @default undefined: every version is kept */
    readonly noncurrentVersionDays?: number;
    /** With noncurrentVersionDays: the newest noncurrent versions kept whatever their age. @default none */
    readonly keepNewestNoncurrentVersions?: number;
    /** Objects under these prefixes expire this many days after they were written. @default none */
    readonly expiringPrefixes?: readonly { readonly prefix: string; readonly days: number }[];
    /** Send object events to EventBridge (used to trigger the pipelines). @default false */
    readonly eventBridge?: boolean;
}

/**
 * The hardening every bucket here shares: versioning, SSE-S3 encryption, all public access
 * blocked, ACLs disabled (the bucket owner owns every object, cross-account writes included),
 * a policy, and a lifecycle that cleans up incomplete uploads. Children are parented to `parent`.
 *
 * SSE-S3 rather than the AWS-managed `aws/s3` KMS key: objects encrypted with `aws/s3` cannot be
 * read from another account, and the state bucket is written by the target accounts' roles.
 */
export function hardenedBucket(
    name: string,
    args: HardenedBucketArgs,
    opts: pulumi.CustomResourceOptions,
): aws.s3.Bucket {
    const bucket = new aws.s3.Bucket(`${name}-bucket`, { bucket: args.bucketName, forceDestroy: false }, opts);
    // Children share the bucket's retainOnDelete: a retained bucket keeps its hardening too.
    const child: pulumi.CustomResourceOptions = {
        parent: opts.parent,
        provider: opts.provider,
        retainOnDelete: opts.retainOnDelete,
    };
    new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-encryption`,
        {
            bucket: bucket.id,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
        },
        child,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
        `${name}-public-access`,
        {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        child,
    );
    new aws.s3.BucketOwnershipControls(
        `${name}-ownership`,
        {
            bucket: bucket.id,
            rule: { objectOwnership: "BucketOwnerEnforced" },
        },
        child,
    );
    // After the public access block, so that S3 never sees the policy on an unblocked bucket.
    const policy = new aws.s3.BucketPolicy(
        `${name}-policy`,
        {
            bucket: bucket.id,
            policy: JSON.stringify(args.policy),
        },
        { ...child, dependsOn: [publicAccess] },
    );
    // Versioning and lifecycle after the policy: a policy may deny their changes to all but the
    // deployer it names, so a new deployer must be named before they change (StateBucket).
    const afterPolicy = { ...child, dependsOn: [policy] };
    new aws.s3.BucketVersioning(
        `${name}-versioning`,
        {
            bucket: bucket.id,
            versioningConfiguration: { status: "Enabled" },
        },
        afterPolicy,
    );
    new aws.s3.BucketLifecycleConfiguration(
        `${name}-lifecycle`,
        {
            bucket: bucket.id,
            rules: [
                {
                    id: "abort-incomplete-uploads",
                    status: "Enabled",
                    filter: {},
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    ...(args.noncurrentVersionDays !== undefined
                        ? {
                              noncurrentVersionExpiration: {
                                  noncurrentDays: args.noncurrentVersionDays,
                                  ...(args.keepNewestNoncurrentVersions !== undefined
                                      ? { newerNoncurrentVersions: args.keepNewestNoncurrentVersions }
                                      : {}),
                              },
                          }
                        : {}),
                },
                ...(args.expiringPrefixes ?? []).map((e) => ({
                    // Named by the prefix: adding a pipeline never renames another's rule.
                    id: `expire-${e.prefix.replace(/[^A-Za-z0-9-]/g, "-")}`.slice(0, 255),
                    status: "Enabled",
                    filter: { prefix: e.prefix },
                    expiration: { days: e.days },
                })),
            ],
        },
        afterPolicy,
    );
    if (args.eventBridge === true) {
        new aws.s3.BucketNotification(`${name}-eventbridge`, { bucket: bucket.id, eventbridge: true }, child);
    }
    return bucket;
}
