/**
 * Pure parts of the optional `cross-account-pipeline-oidc` project: its config, and the IAM
 * documents of the pull-request preview role (assumed from a GitHub environment with required
 * reviewers). No Pulumi or AWS calls here, so that tests can check them as plain values.
 */

export const PROJECT = "cross-account-pipeline-oidc";

/** GitHub Actions' OIDC issuer, as IAM names it in condition keys (no scheme). */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
/** The audience aws-actions/configure-aws-credentials requests by default. */
export const STS_AUDIENCE = "sts.amazonaws.com";

export const DEFAULT_ROLE_NAME = "github-actions-pulumi-preview";

/**
 * The GitHub environment of the `preview` job of .github/workflows/preview.yml (its
 * `environment:`). The environment is meant to have required reviewers: GitHub starts a job that
 * references it only after a reviewer approved, and only such a job gets an OIDC token whose
 * subject the role trusts.
 */
export const DEFAULT_GITHUB_ENVIRONMENT = "pulumi-preview";

/** Reads one config value by its short name (`githubRepo`); undefined when unset. */
export type ConfigReader = (name: string) => string | undefined;

export class OidcConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "OidcConfigError";
    }
}

/** The GitHub workflow jobs that the preview role trusts: those of one environment of one repository. */
export interface TrustedWorkflow {
    /** `owner/name` of the repository whose workflow jobs may assume the role. */
    readonly githubRepo: string;
    /** The GitHub environment those jobs must reference (`environment:` of the preview job). */
    readonly githubEnvironment: string;
    /**
     * The immutable numeric IDs of the repository's owner and of the repository, for a repository
     * whose OIDC subject claims include them (`repo:owner@<id>/name@<id>:...`): repositories created
     * after 2026-07-15, and older ones that opted in. Both or neither.
     */
    readonly githubOwnerId?: string;
    readonly githubRepoId?: string;
}

export interface OidcConfig extends TrustedWorkflow {
    /** An existing GitHub OIDC provider of this account to reuse instead of creating one. */
    readonly existingProviderArn?: string;
    /** Bucket of a self-managed (s3://) Pulumi backend, when there is one. */
    readonly stateBucketName?: string;
    /** Key prefix of the backend inside the bucket (`s3://bucket/<prefix>`), without slashes at the ends; "" for none. */
    readonly stateKeyPrefix: string;
    /** Whether the role may write and delete the backend's lock objects (`.pulumi/locks/*`). */
    readonly stateLockWrites: boolean;
    readonly roleName: string;
}

/** The full config key, as `pulumi config` and the error messages show it. */
export const configKey = (name: string): string => `${PROJECT}:${name}`;

// GitHub: owner (user or organization) of 1-39 letters, digits and single inner dashes;
// repository names of letters, digits, `.`, `_` and `-`.
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KEY_PREFIX = /^[A-Za-z0-9!_.'()-]+(?:\/[A-Za-z0-9!_.'()-]+)*$/;
const ROLE_NAME = /^[A-Za-z0-9+=,.@_-]{1,64}$/;
// GitHub allows environment names of up to 255 characters; this project takes the subset that the
// OIDC subject claim carries unchanged (GitHub escapes `:` there as `%3A`, and documents no other
// escaping) and that needs no quoting in YAML or a shell.
const ENVIRONMENT = /^[A-Za-z0-9._-]{1,255}$/;
// GitHub's numeric user, organization and repository IDs.
const GITHUB_ID = /^[1-9][0-9]{0,19}$/;
const PROVIDER_ARN = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;

function refuse(name: string, value: string, expected: string): never {
    throw new OidcConfigError(`${configKey(name)} must be ${expected}; got ${JSON.stringify(value)}`);
}

/** Checks an `owner/name` repository reference; returns it trimmed. */
export function parseGithubRepo(raw: string | undefined): string {
    const name = "githubRepo";
    if (raw === undefined || raw.trim() === "") {
        throw new OidcConfigError(
            `${configKey(name)} is required: the GitHub repository whose pull request previews may assume ` +
                `the preview role, as owner/name (pulumi config set ${name} acme/cross-account-pipeline)`,
        );
    }
    const value = raw.trim();
    const expected = `"owner/name" of a GitHub repository (e.g. "acme/cross-account-pipeline"), with no wildcards`;
    const parts = value.split("/");
    if (parts.length !== 2) refuse(name, value, expected);
    const [owner, repo] = parts;
    if (!OWNER.test(owner) || !REPO.test(repo) || repo === "." || repo === "..") refuse(name, value, expected);
    return value;
}

const ENVIRONMENT_EXPECTED = `a GitHub environment name of 1-255 letters, digits, ".", "_" and "-" (the same as the preview job's "environment:")`;

/** Checks a GitHub environment name (config key `githubEnvironment`); unset or blank means the default. */
export function parseGithubEnvironment(raw: string | undefined): string {
    if (raw === undefined || raw.trim() === "") return DEFAULT_GITHUB_ENVIRONMENT;
    const value = raw.trim();
    if (!ENVIRONMENT.test(value) || /^\.+$/.test(value)) refuse("githubEnvironment", value, ENVIRONMENT_EXPECTED);
    return value;
}

function optional(read: ConfigReader, name: string): string | undefined {
    const raw = read(name);
    return raw === undefined || raw.trim() === "" ? undefined : raw.trim();
}

/** Checks the optional immutable IDs (`githubOwnerId`, `githubRepoId`): both, or neither. */
function parseGithubIds(
    ownerId: string | undefined,
    repoId: string | undefined,
): { githubOwnerId?: string; githubRepoId?: string } {
    if (ownerId === undefined && repoId === undefined) return {};
    if (ownerId === undefined || repoId === undefined) {
        const [set, unset] =
            ownerId === undefined ? ["githubRepoId", "githubOwnerId"] : ["githubOwnerId", "githubRepoId"];
        throw new OidcConfigError(`${configKey(set)} is set but ${configKey(unset)} is not: set both, or neither`);
    }
    const expected = "a numeric GitHub ID (digits only, as in the repository's OIDC subject repo:owner@<id>/name@<id>)";
    if (!GITHUB_ID.test(ownerId)) refuse("githubOwnerId", ownerId, expected);
    if (!GITHUB_ID.test(repoId)) refuse("githubRepoId", repoId, expected);
    return { githubOwnerId: ownerId, githubRepoId: repoId };
}

function parseBucket(read: ConfigReader): string | undefined {
    const name = "stateBucketName";
    const value = optional(read, name);
    if (value === undefined) return undefined;
    if (value.startsWith("s3://")) {
        refuse(
            name,
            value,
            `the bucket's name alone (for s3://bucket/prefix set ${name} to bucket and stateKeyPrefix to prefix)`,
        );
    }
    if (!BUCKET.test(value) || value.includes(".."))
        refuse(name, value, "an S3 bucket name (3-63 lower-case letters, digits, dots and dashes)");
    return value;
}

function parseKeyPrefix(read: ConfigReader): string {
    const name = "stateKeyPrefix";
    const value = optional(read, name);
    if (value === undefined) return "";
    const trimmed = value.replace(/^\/+|\/+$/g, "");
    if (trimmed === "") return "";
    if (!KEY_PREFIX.test(trimmed))
        refuse(name, value, "an S3 key prefix such as pulumi/state (letters, digits, !_.'()- and /; no wildcards)");
    return trimmed;
}

function parseBoolean(read: ConfigReader, name: string, fallback: boolean): boolean {
    const value = optional(read, name);
    if (value === undefined) return fallback;
    if (value === "true") return true;
    if (value === "false") return false;
    return refuse(name, value, `"true" or "false"`);
}

/** Reads and checks the whole config; every error names the key it is about. */
export function parseOidcConfig(read: ConfigReader): OidcConfig {
    const githubRepo = parseGithubRepo(read("githubRepo"));
    const githubEnvironment = parseGithubEnvironment(read("githubEnvironment"));
    const { githubOwnerId, githubRepoId } = parseGithubIds(
        optional(read, "githubOwnerId"),
        optional(read, "githubRepoId"),
    );

    const existingProviderArn = optional(read, "existingProviderArn");
    if (existingProviderArn !== undefined && !PROVIDER_ARN.test(existingProviderArn)) {
        refuse(
            "existingProviderArn",
            existingProviderArn,
            `the ARN of this account's GitHub OIDC provider, arn:aws:iam::<account>:oidc-provider/${GITHUB_OIDC_HOST}`,
        );
    }

    const stateBucketName = parseBucket(read);
    const stateKeyPrefix = parseKeyPrefix(read);
    if (stateBucketName === undefined && stateKeyPrefix !== "") {
        throw new OidcConfigError(
            `${configKey("stateKeyPrefix")} is set but ${configKey("stateBucketName")} is not: set both, or neither`,
        );
    }

    const roleName = optional(read, "roleName") ?? DEFAULT_ROLE_NAME;
    if (!ROLE_NAME.test(roleName)) refuse("roleName", roleName, "an IAM role name (1-64 letters, digits and +=,.@_-)");

    return {
        githubRepo,
        githubEnvironment,
        githubOwnerId,
        githubRepoId,
        existingProviderArn,
        stateBucketName,
        stateKeyPrefix,
        stateLockWrites: parseBoolean(read, "stateLockWrites", true),
        roleName,
    };
}

// ---------------------------------------------------------------------------------------------
// Policy documents
// ---------------------------------------------------------------------------------------------

export interface PolicyStatement {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Principal?: Record<string, string | string[]>;
    readonly Action: string | string[];
    readonly Resource?: string | string[];
    readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: PolicyStatement[];
}

/**
 * The `sub` claim of a GitHub OIDC token issued to a job that references the environment
 * (`environment:`) in a workflow of the repository, whatever the event:
 * `repo:<owner>/<name>:environment:<environment>`, or with the immutable IDs
 * `repo:<owner>@<owner id>/<name>@<repo id>:environment:<environment>`. (A job without an
 * environment gets `repo:<owner>/<name>:pull_request` on a pull request instead.)
 */
export function environmentSubject(workflow: TrustedWorkflow): string {
    const repo = parseGithubRepo(workflow.githubRepo);
    if (workflow.githubEnvironment.trim() === "") {
        refuse("githubEnvironment", workflow.githubEnvironment, ENVIRONMENT_EXPECTED);
    }
    const environment = parseGithubEnvironment(workflow.githubEnvironment);
    const ids = parseGithubIds(workflow.githubOwnerId, workflow.githubRepoId);
    const [owner, name] = repo.split("/");
    const repoPart =
        ids.githubOwnerId === undefined ? repo : `${owner}@${ids.githubOwnerId}/${name}@${ids.githubRepoId}`;
    return `repo:${repoPart}:environment:${environment}`;
}

/**
 * Trust policy of the preview role: web identity federation through the GitHub OIDC provider only,
 * for tokens whose audience is STS and whose subject is a job of exactly this repository that
 * references exactly this environment. Give the environment required reviewers, and a pull
 * request's preview gets no AWS credentials before a reviewer approved its job; a job without the
 * environment (subject `...:pull_request`) cannot assume the role at all. StringEquals (not
 * StringLike): no wildcard can widen it to other repositories, environments, branches or events.
 */
export function previewTrustPolicy(providerArn: string, workflow: TrustedWorkflow): PolicyDocument {
    const subject = environmentSubject(workflow);
    if (!PROVIDER_ARN.test(providerArn)) {
        throw new OidcConfigError(`not a GitHub OIDC provider ARN: ${JSON.stringify(providerArn)}`);
    }
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "GitHubEnvironmentPreview",
                Effect: "Allow",
                Principal: { Federated: providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE,
                        [`${GITHUB_OIDC_HOST}:sub`]: subject,
                    },
                },
            },
        ],
    };
}

/** The AWS managed policy that lets `pulumi preview` read what it needs to diff. */
export const readOnlyAccessArn = (partition: string): string => `arn:${partition}:iam::aws:policy/ReadOnlyAccess`;

export interface StateBackendScope {
    readonly partition: string;
    readonly bucket: string;
    /** Key prefix without slashes at the ends; "" for the bucket's root. */
    readonly keyPrefix?: string;
    /** Allow writing and deleting lock objects under `.pulumi/locks/` (default true). */
    readonly lockWrites?: boolean;
}

/**
 * Access to a self-managed S3 backend for previews: list the bucket and read the state under
 * `<prefix>/.pulumi/`, and (unless turned off) put and delete lock objects under
 * `<prefix>/.pulumi/locks/` only. Nothing else is writable: the checkpoints, history and backups
 * stay read-only.
 */
export function stateBackendPolicy(scope: StateBackendScope): PolicyDocument {
    const bucketArn = `arn:${scope.partition}:s3:::${scope.bucket}`;
    const prefix = scope.keyPrefix ? `${scope.keyPrefix}/` : "";
    const statements: PolicyStatement[] = [
        {
            Sid: "ListStateBucket",
            Effect: "Allow",
            Action: ["s3:ListBucket", "s3:GetBucketLocation"],
            Resource: bucketArn,
        },
        {
            Sid: "ReadState",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:GetObjectVersion"],
            Resource: `${bucketArn}/${prefix}.pulumi/*`,
        },
    ];
    if (scope.lockWrites ?? true) {
        statements.push({
            Sid: "StackLocks",
            Effect: "Allow",
            Action: ["s3:PutObject", "s3:DeleteObject"],
            Resource: `${bucketArn}/${prefix}.pulumi/locks/*`,
        });
    }
    return { Version: "2012-10-17", Statement: statements };
}
