import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { StateGrant, stateBucketPolicy } from "../policies";
import { hardenedBucket } from "./hardenedBucket";

export interface StateBucketArgs {
    readonly partition: string;
    /** Physical bucket name. */
    readonly bucketName: string;
    /** Per target: the deploy role and the state key it may use. */
    readonly grants: readonly StateGrant[];
    /** Break-glass principals that may still read and repair state objects. @default [] */
    readonly adminPrincipalArns?: readonly string[];
}

/**
 * The central Terraform state bucket (method 1). Versioned, SSE-S3, private, TLS only; each target's
 * deploy role reaches only its own state and lock objects. `pulumi destroy` leaves the bucket and
 * its history in place (retainOnDelete): losing state would orphan every target's resources.
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
                policy: stateBucketPolicy({
                    partition: args.partition,
                    bucket: args.bucketName,
                    grants: args.grants,
                    adminPrincipalArns: args.adminPrincipalArns,
                }),
            },
            { parent: this, retainOnDelete: true },
        );
        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
    }
}
