import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { Document } from "../policies";
import { hardenedBucket } from "./hardenedBucket";

export interface StateBucketArgs {
    /** Physical bucket name. */
    readonly bucketName: string;
    /** The bucket policy (policies/buckets.ts stateBucketPolicy): each target account's own prefix only. */
    readonly policy: Document;
    /** Days to keep superseded state versions. */
    readonly noncurrentVersionDays: number;
    /** Superseded versions always kept, whatever their age. @default 10 */
    readonly keepNewestVersions?: number;
}

/**
 * The central Terraform state bucket (method 1). Versioned, SSE-S3, private, TLS only; each target
 * account's roles reach only that account's prefix. `pulumi destroy` leaves the bucket and its history
 * in place (retainOnDelete): losing state would orphan every target's resources.
 */
export class StateBucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketArn: pulumi.Output<string>;

    constructor(name: string, args: StateBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:cicd:StateBucket", name, {}, opts);
        const bucket: aws.s3.Bucket = hardenedBucket(
            name,
            {
                bucketName: args.bucketName,
                policy: args.policy,
                noncurrentVersionDays: args.noncurrentVersionDays,
                keepNewestNoncurrentVersions: args.keepNewestVersions ?? 10,
            },
            { parent: this, retainOnDelete: true },
        );
        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
    }
}
