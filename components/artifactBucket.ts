import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { artifactBucketPolicy } from "../policies";
import { hardenedBucket } from "./hardenedBucket";

export interface ArtifactBucketArgs {
    readonly partition: string;
    /** Physical bucket name. */
    readonly bucketName: string;
    /** Object key of the source archive the pipelines watch. */
    readonly sourceKey: string;
    /** Files of the source archive: path in the archive → asset. */
    readonly sourceFiles: Record<string, pulumi.asset.Asset>;
    /** Days to keep superseded artifacts and source versions. @default 30 */
    readonly noncurrentVersionDays?: number;
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
        const bucket = hardenedBucket(
            name,
            {
                bucketName: args.bucketName,
                policy: artifactBucketPolicy({ partition: args.partition, bucket: args.bucketName }),
                noncurrentVersionDays: args.noncurrentVersionDays ?? 30,
                eventBridge: true,
            },
            { parent: this },
        );
        const source = new aws.s3.BucketObjectv2(
            `${name}-source`,
            {
                bucket: bucket.id,
                key: args.sourceKey,
                source: new pulumi.asset.AssetArchive(args.sourceFiles),
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
