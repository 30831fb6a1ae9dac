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

export const lockKey = (stateKey: string): string => `${stateKey}.tflock`;

/** Every way to read, write, overwrite or remove a state object. */
export const STATE_OBJECT_ACTIONS = [
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectAttributes",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:RestoreObject",
    "s3:PutObjectAcl",
    "s3:PutObjectVersionAcl",
    "s3:GetObjectVersionForReplication",
    "s3:ReplicateObject",
] as const;

/**
 * Bucket settings that could copy state out or remove its history: a lifecycle rule that expires it,
 * replication to a bucket someone else reads, and suspending versioning (s3:PutBucketVersioning).
 */
export const STATE_BUCKET_CONFIG_ACTIONS = [
    "s3:PutLifecycleConfiguration",
    "s3:PutReplicationConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutBucketObjectLockConfiguration",
] as const;

/** The policy variable of the caller's account; written with `${...}` for IAM, never for JavaScript. */
export const PRINCIPAL_ACCOUNT = "${aws:PrincipalAccount}";

/**
 * The principals that run `pulumi up` for the cicd stack, from the caller identity ARN: a role
 * session's role (with any path), a user, or the account root. They keep managing the bucket's
 * lifecycle and versioning, which the policy denies to everyone else.
 */
export function deployerPrincipalArns(partition: string, callerArn: string): string[] {
    const session = /^arn:[^:]+:sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
    if (session !== null) {
        const [, account, role] = session;
        // aws:PrincipalArn of a role session is the role's ARN, with the role's path.
        return [arn.role(partition, account, role), arn.role(partition, account, `*/${role}`)];
    }
    if (/^arn:[^:]+:iam::\d{12}:(user\/.+|root)$/.test(callerArn)) return [callerArn];
    throw new Error(`unexpected caller identity ${callerArn}: expected an assumed role, a user or a root`);
}

export interface StateBucketPolicyArgs {
    readonly partition: string;
    readonly bucket: string;
    /** The first segment of every state key: `<prefix>/<account>/...`. */
    readonly namePrefix: string;
    /** Names of the roles in each target account that read (plan) and write (deploy) its state. */
    readonly stateRoleNames: readonly string[];
    /** The target accounts. Ignored when `organizationId` is given. */
    readonly targetAccountIds: readonly string[];
    /** The organization of the target accounts: admits its accounts with one condition. */
    readonly organizationId?: string;
    /** Break-glass principals that may still reach state objects and change the bucket's settings. */
    readonly adminPrincipalArns?: readonly string[];
    /** Whoever deploys the cicd stack: may change the bucket's lifecycle and versioning. */
    readonly deployerPrincipalArns?: readonly string[];
}

/**
 * The state bucket's policy, of the same size whatever the number of targets (apart from the list of
 * target accounts when no organization is given: one account root each, in one statement).
 *
 * - Each target account reaches only `<prefix>/<its own account>/`: the Resource uses the policy
 *   variable `${aws:PrincipalAccount}`, so one statement serves every account and the isolation is the
 *   bucket's own, whatever a target's administrator writes into that target's identity policies.
 * - Everyone else is denied the objects, administrators of the CI/CD account included; named
 *   break-glass principals are the exception. Changing this policy stays possible, and visible.
 * - Replication, lifecycle and versioning changes are denied to all but the deployers and the
 *   break-glass principals.
 * - A grant to `*` must name fixed values to be non-public under Block Public Access: the account roots,
 *   or aws:PrincipalOrgID (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status).
 */
export function stateBucketPolicy(p: StateBucketPolicyArgs): Document {
    const bucketArn = arn.bucket(p.partition, p.bucket);
    const ownPrefix = `${p.namePrefix}/${PRINCIPAL_ACCOUNT}`;
    const ownObjects = arn.object(p.partition, p.bucket, `${ownPrefix}/*`);
    const stateRoles = p.stateRoleNames.map((n) => arn.role(p.partition, "*", n));
    const admins = [...(p.adminPrincipalArns ?? [])];
    // With organizationId, anyone of the organization (then narrowed by aws:PrincipalArn); without, each
    // target account's root (the same narrowing).
    const orgCondition: Record<string, Record<string, string>> = p.organizationId !== undefined
        ? { StringEquals: { "aws:PrincipalOrgID": p.organizationId } }
        : {};
    const grantee: Pick<Statement, "Principal"> =
        p.organizationId !== undefined
            ? { Principal: "*" }
            : { Principal: { AWS: p.targetAccountIds.map((a) => arn.accountRoot(p.partition, a)) } };
    return doc(
        denyInsecureTransport(p.partition, p.bucket),
        {
            // The bucket is in the CI/CD account, where an identity-policy allow alone would reach the
            // state: everyone but the targets' state roles and the break-glass list is denied.
            Sid: "DenyStateObjectsToAllButTargetRoles",
            Effect: "Deny",
            Principal: "*",
            Action: [...STATE_OBJECT_ACTIONS],
            Resource: arn.object(p.partition, p.bucket, "*"),
            Condition: { ArnNotLike: { "aws:PrincipalArn": [...stateRoles, ...admins] } },
        },
        {
            // A target's roles never leave their own account's prefix, whatever their identity policy says.
            Sid: "DenyTargetRolesOutsideOwnPrefix",
            Effect: "Deny",
            Principal: "*",
            Action: [...STATE_OBJECT_ACTIONS],
            NotResource: ownObjects,
            Condition: { ArnLike: { "aws:PrincipalArn": stateRoles } },
        },
        {
            // Listing too: a list without a prefix, or of another account's prefix, is denied.
            Sid: "DenyTargetRolesListingOutsideOwnPrefix",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:ListBucket",
            Resource: bucketArn,
            Condition: {
                ArnLike: { "aws:PrincipalArn": stateRoles },
                StringNotLike: { "s3:prefix": [`${ownPrefix}/*`] },
            },
        },
        {
            Sid: "DenyBucketSettingsChanges",
            Effect: "Deny",
            Principal: "*",
            Action: [...STATE_BUCKET_CONFIG_ACTIONS],
            Resource: bucketArn,
            Condition: { ArnNotLike: { "aws:PrincipalArn": [...admins, ...(p.deployerPrincipalArns ?? [])] } },
        },
        {
            // Terraform's S3 backend lists <workspace_key_prefix>/ and heads the state key (a missing
            // key answers 404 only to a caller that may list it), reads and writes the state, and
            // writes and deletes <key>.tflock. The target's own identity policy narrows this further:
            // its plan role only reads.
            Sid: "TargetRolesUseOwnPrefix",
            Effect: "Allow",
            ...grantee,
            Action: ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            Resource: [bucketArn, ownObjects],
            Condition: {
                ...orgCondition,
                ArnLike: { "aws:PrincipalArn": stateRoles },
            },
        },
    );
}

/**
 * The artifact bucket's policy: TLS only. Same-account roles get access from their own policies,
 * each scoped to its own artifact prefixes.
 */
export const artifactBucketPolicy = (p: { partition: string; bucket: string }): Document =>
    doc(denyInsecureTransport(p.partition, p.bucket));
