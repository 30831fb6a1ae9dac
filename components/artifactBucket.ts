import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { Document } from "../policies";
import { hardenedBucket } from "./hardenedBucket";

export interface ArtifactBucketArgs {
    /** Physical bucket name. */
    readonly bucketName: string;
    /** The bucket policy (TLS only; the pipelines' and the deployer's access). */
    readonly policy: Document;
    /** Object key of the source archive the pipelines watch. */
    readonly sourceKey: string;
    /** Files of the source archive: path in the archive → content. */
    readonly sourceFiles: Readonly<Record<string, string>>;
    /** Days to keep pipeline artifacts, review reports and superseded source versions. */
    readonly retentionDays: number;
    /** Prefixes whose objects (artifacts, reports) expire after retentionDays; the source key is never under one. */
    readonly expiringPrefixes: readonly string[];
}

/**
 * The source/artifact bucket: the pipelines' artifact store and their S3 source, as in the seed.
 * Versioned (the S3 source action requires it) and sending events to EventBridge, which starts the
 * pipelines when a new source archive lands. The stack itself uploads the archive.
 */
export class ArtifactBucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketArn: pulumi.Output<string>;
    public readonly sourceKey: string;
    public readonly sourceVersionId: pulumi.Output<string>;

    constructor(name: string, args: ArtifactBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:cicd:ArtifactBucket", name, {}, opts);
        if (args.expiringPrefixes.some((p) => args.sourceKey.startsWith(p))) {
            throw new Error(`the source key ${args.sourceKey} must not be under an expiring prefix`);
        }
        const bucket = hardenedBucket(
            name,
            {
                bucketName: args.bucketName,
                policy: args.policy,
                noncurrentVersionDays: args.retentionDays,
                expiringPrefixes: args.expiringPrefixes.map((prefix) => ({ prefix, days: args.retentionDays })),
                eventBridge: true,
            },
            { parent: this },
        );
        const assets = Object.fromEntries(
            Object.entries(args.sourceFiles).map(([p, text]) => [p, new pulumi.asset.StringAsset(text)]),
        );
        const source = new aws.s3.BucketObjectv2(
            `${name}-source`,
            {
                bucket: bucket.id,
                key: args.sourceKey,
                source: new pulumi.asset.AssetArchive(assets),
                contentType: "application/zip",
            },
            { parent: this },
        );
        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.sourceKey = args.sourceKey;
        this.sourceVersionId = source.versionId;
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, sourceKey: this.sourceKey });
    }
}
