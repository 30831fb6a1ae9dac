// Legacy: this file is buckets.ts as it was at commit 46b8648, before the trust-boundary fixes, kept verbatim
// so that the attack tests can show each attack succeeding against the old code. Not used by the program.
import { arn, doc, Document, Statement } from "./document";

/** Deny every request that does not use TLS (S3 FSBP control S3.5). */
export const denyInsecureTransport = (partition: string, bucket: string): Statement => ({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [arn.bucket(partition, bucket), arn.object(partition, bucket, "*")],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
});

/** A state object and its S3-native lock object (Terraform >= 1.10, `use_lockfile = true`). */
export interface StateGrant {
    /** The one role allowed, in its own account. */
    readonly roleArn: string;
    readonly accountId: string;
    readonly stateKey: string;
}

export const lockKey = (stateKey: string): string => `${stateKey}.tflock`;

/**
 * The state bucket's policy: TLS only, and each target's deploy role may touch its own state and
 * lock objects, nothing else. The principal is the target account's root, pinned to the role by
 * `aws:PrincipalArn`, so the policy is valid before the target stack has created the role.
 */
export const stateBucketPolicy = (p: {
    partition: string;
    bucket: string;
    grants: readonly StateGrant[];
    /** Break-glass principals (e.g. a CI/CD-account admin role) that may still reach state objects. */
    adminPrincipalArns?: readonly string[];
}): Document =>
    doc(
        denyInsecureTransport(p.partition, p.bucket),
        {
            // The bucket is in the CI/CD account, where an identity-policy allow alone would reach
            // the state. So everyone but the deploy roles (and named break-glass principals) is
            // denied the objects, administrators included. Changing this policy stays possible.
            Sid: "DenyStateObjectsToAllButDeployRoles",
            Effect: "Deny",
            Principal: "*",
            Action: [
                "s3:GetObject",
                "s3:GetObjectVersion",
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:DeleteObjectVersion",
                "s3:RestoreObject",
                "s3:PutObjectAcl",
            ],
            Resource: arn.object(p.partition, p.bucket, "*"),
            Condition: {
                ArnNotEquals: {
                    "aws:PrincipalArn": [...p.grants.map((g) => g.roleArn), ...(p.adminPrincipalArns ?? [])],
                },
            },
        },
        ...p.grants.flatMap((g, i): Statement[] => {
            const principal = { AWS: arn.accountRoot(p.partition, g.accountId) };
            const pin = { ArnEquals: { "aws:PrincipalArn": g.roleArn } };
            return [
                {
                    Sid: `ListStateBucket${i}`,
                    Effect: "Allow",
                    Principal: principal,
                    Action: "s3:ListBucket",
                    Resource: arn.bucket(p.partition, p.bucket),
                    Condition: pin,
                },
                {
                    Sid: `ReadWriteState${i}`,
                    Effect: "Allow",
                    Principal: principal,
                    Action: ["s3:GetObject", "s3:PutObject"],
                    Resource: arn.object(p.partition, p.bucket, g.stateKey),
                    Condition: pin,
                },
                {
                    Sid: `LockState${i}`,
                    Effect: "Allow",
                    Principal: principal,
                    Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    Resource: arn.object(p.partition, p.bucket, lockKey(g.stateKey)),
                    Condition: pin,
                },
            ];
        }),
    );

/** The artifact bucket's policy: TLS only. Same-account roles get access from their own policies. */
export const artifactBucketPolicy = (p: { partition: string; bucket: string }): Document =>
    doc(denyInsecureTransport(p.partition, p.bucket));
