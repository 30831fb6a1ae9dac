import {
    check,
    ConfigError,
    ConfigReader,
    key,
    optional,
    optionalChoice,
    optionalInt,
    optionalOrUndefined,
    parseList,
    PATTERNS,
    PROJECT,
} from "./core";
import { parseTargets, SINGLE_TARGET_NAME, TargetConfig, Wave, wavesOf } from "./targets";

export * from "./core";
export * from "./targets";

/** The two deployment methods of the seed. */
export type Method = "terraform" | "cloudformation";
export const ALL_METHODS: readonly Method[] = ["terraform", "cloudformation"];

/** When a wave that asks for approval waits for a human: on any change, or only when a risk class fires. */
export type ApprovalPolicy = "changes" | "risk";
export const APPROVAL_POLICIES: readonly ApprovalPolicy[] = ["changes", "risk"];

export interface CicdConfig {
    readonly region: string;
    readonly methods: readonly Method[];
    readonly targets: readonly TargetConfig[];
    /** The targets grouped into waves, in the order each wave first appears. */
    readonly waves: readonly Wave[];
    /** Prefix of every physical name this program chooses (roles, pipelines, projects). */
    readonly namePrefix: string;
    readonly logRetentionDays: number;
    readonly terraformVersion: string;
    readonly terraformSha256: string;
    readonly codeBuildImage: string;
    readonly codeBuildTimeoutMinutes: number;
    readonly instanceType: string;
    /** Public SSM parameter that names the workload's AMI when the instance is first created. */
    readonly amiParameter: string;
    /** An exact AMI for the workload; changing it replaces the instance. */
    readonly amiId?: string;
    /** Optional email address that receives the pipelines' notifications. */
    readonly notificationEmail?: string;
    /** Break-glass principals of the CI/CD account that may still reach Terraform state objects. */
    readonly stateAdminArns: readonly string[];
    readonly approvalPolicy: ApprovalPolicy;
    /** EventBridge schedule of the drift runs; undefined when drift detection is off. */
    readonly driftSchedule?: string;
    /** Days to keep pipeline artifacts, review reports and superseded source versions. */
    readonly artifactRetentionDays: number;
    /** Days to keep superseded versions of Terraform state (the 10 newest are always kept). */
    readonly stateVersionRetentionDays: number;
    /** The AWS Organizations ID of the target accounts: the state bucket then admits the organization. */
    readonly organizationId?: string;
}

export interface TargetStackConfig {
    /** Fully qualified name of the cicd stack, e.g. `organization/cross-account-pipeline/cicd`. */
    readonly cicdStack: string;
    /** Which entry of the cicd stack's `targets` output this stack deploys. */
    readonly targetName: string;
}

export const DEFAULTS = {
    namePrefix: "xacct",
    logRetentionDays: 30,
    // Terraform >= 1.10 is needed for S3-native state locking (use_lockfile). The checksum is the
    // one HashiCorp publishes in terraform_1.11.4_SHA256SUMS for the linux_amd64 zip.
    terraformVersion: "1.11.4",
    terraformSha256: "1ce994251c00281d6845f0f268637ba50c0005657eb3cf096b92f753b42ef4dc",
    codeBuildImage: "aws/codebuild/amazonlinux-x86_64-standard:5.0",
    codeBuildTimeoutMinutes: 60,
    instanceType: "t3.micro",
    amiParameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
    cicdStack: `organization/${PROJECT}/cicd`,
    singleTargetName: SINGLE_TARGET_NAME,
    approvalPolicy: "changes" as ApprovalPolicy,
    driftSchedule: "rate(1 day)",
    artifactRetentionDays: 30,
    stateVersionRetentionDays: 90,
} as const;

/**
 * A build assumes the target's role from its own role session: role chaining, which AWS caps at one
 * hour (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining).
 * A longer build would lose its credentials mid-apply and leave the state lock behind.
 */
export const MAX_CODEBUILD_MINUTES = 60;

// CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
const RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export function parseMethods(raw: string | undefined): Method[] {
    if (raw === undefined || raw.trim() === "") return [...ALL_METHODS];
    const setting = key("methods");
    const items = parseList(raw, setting);
    const methods: Method[] = [];
    for (const item of items) {
        if (typeof item !== "string" || !(ALL_METHODS as readonly string[]).includes(item)) {
            throw new ConfigError(
                `${setting} must list one or both of ${ALL_METHODS.join(", ")}; got ${JSON.stringify(item)}`,
            );
        }
        if (!methods.includes(item as Method)) methods.push(item as Method);
    }
    if (methods.length === 0) {
        throw new ConfigError(`${setting} must list at least one of ${ALL_METHODS.join(", ")}`);
    }
    return methods;
}

const days = (read: ConfigReader, name: string, fallback: number): number =>
    optionalInt(read, name, fallback, (n) => n >= 1 && n <= 3650, "a whole number of days from 1 to 3650");

/**
 * Reads and validates the whole `cicd` stack config. Pure: tests pass a reader over a plain object.
 * Every error names the key and the expected form. The AWS quotas are checked later, on the
 * pipelines and documents this config produces (quotas.ts), still before any resource is declared.
 */
export function parseCicdConfig(read: ConfigReader): CicdConfig {
    const regionRaw = read("aws:region");
    if (regionRaw === undefined || regionRaw.trim() === "") {
        throw new ConfigError(
            `aws:region is not set: it must be ${PATTERNS.region.form}. Set it with: pulumi config set aws:region eu-west-1`,
        );
    }
    const region = check("aws:region", regionRaw.trim(), "region");
    const namePrefix = optional(read, "namePrefix", "namePrefix", DEFAULTS.namePrefix);
    const terraformVersion = optional(read, "terraformVersion", "terraformVersion", DEFAULTS.terraformVersion);
    const shaRaw = read(key("terraformSha256"));
    if (terraformVersion !== DEFAULTS.terraformVersion && (shaRaw === undefined || shaRaw.trim() === "")) {
        throw new ConfigError(
            `${key("terraformVersion")} is ${terraformVersion}, so ${key("terraformSha256")} must be set too ` +
                `(the SHA-256 of terraform_${terraformVersion}_linux_amd64.zip from HashiCorp's SHA256SUMS)`,
        );
    }
    const stateAdminsRaw = read(key("stateAdminArns"));
    const stateAdminArns =
        stateAdminsRaw === undefined || stateAdminsRaw.trim() === ""
            ? []
            : parseList(stateAdminsRaw, key("stateAdminArns")).map((v, i) =>
                  check(`${key("stateAdminArns")}[${i}]`, String(v), "iamPrincipalArn"),
              );
    const drift = optional(read, "driftSchedule", "schedule", DEFAULTS.driftSchedule);
    const targets = parseTargets(read, namePrefix);
    const amiId = optionalOrUndefined(read, "amiId", "amiId");
    const notificationEmail = optionalOrUndefined(read, "notificationEmail", "email");
    const organizationId = optionalOrUndefined(read, "organizationId", "organizationId");
    return {
        region,
        methods: parseMethods(read(key("methods"))),
        targets,
        waves: wavesOf(targets),
        namePrefix,
        logRetentionDays: optionalInt(
            read,
            "logRetentionDays",
            DEFAULTS.logRetentionDays,
            (n) => RETENTION_DAYS.includes(n),
            `one of CloudWatch's retention periods (${RETENTION_DAYS.join(", ")})`,
        ),
        terraformVersion,
        terraformSha256: optional(read, "terraformSha256", "sha256", DEFAULTS.terraformSha256),
        codeBuildImage: read(key("codeBuildImage"))?.trim() || DEFAULTS.codeBuildImage,
        codeBuildTimeoutMinutes: optionalInt(
            read,
            "codeBuildTimeoutMinutes",
            DEFAULTS.codeBuildTimeoutMinutes,
            (n) => n >= 5 && n <= MAX_CODEBUILD_MINUTES,
            `a whole number of minutes from 5 to ${MAX_CODEBUILD_MINUTES}`,
            ": a build assumes the target's role from its own session (role chaining), which AWS caps at one hour",
        ),
        instanceType: optional(read, "instanceType", "instanceType", DEFAULTS.instanceType),
        amiParameter: optional(read, "amiParameter", "ssmParameter", DEFAULTS.amiParameter),
        ...(amiId !== undefined ? { amiId } : {}),
        ...(notificationEmail !== undefined ? { notificationEmail } : {}),
        stateAdminArns,
        approvalPolicy: optionalChoice(read, "approvalPolicy", APPROVAL_POLICIES, DEFAULTS.approvalPolicy),
        ...(drift !== "off" ? { driftSchedule: drift } : {}),
        artifactRetentionDays: days(read, "artifactRetentionDays", DEFAULTS.artifactRetentionDays),
        stateVersionRetentionDays: days(read, "stateVersionRetentionDays", DEFAULTS.stateVersionRetentionDays),
        ...(organizationId !== undefined ? { organizationId } : {}),
    };
}

/** Reads and validates the config of a target stack (`target` or `target-<name>`). */
export function parseTargetConfig(read: ConfigReader, stack: string): TargetStackConfig {
    const targetName = stack === "target" ? DEFAULTS.singleTargetName : stack.slice("target-".length);
    check(`the stack name ${JSON.stringify(stack)} (target-<name>)`, targetName, "targetName");
    return {
        cicdStack: optional(read, "cicdStack", "cicdStack", DEFAULTS.cicdStack),
        targetName,
    };
}

/** How CloudFormation rolls the StackSet out across the organizational units. */
export interface RolloutConfig {
    /** @default 25 */
    readonly maxConcurrentPercentage: number;
    /** @default 10 */
    readonly failureTolerancePercentage: number;
    /** @default PARALLEL */
    readonly regionConcurrencyType: "SEQUENTIAL" | "PARALLEL";
}

export interface OrgStackConfig {
    readonly cicdStack: string;
    readonly region: string;
    readonly organizationalUnitIds: readonly string[];
    /** SELF from the management account, DELEGATED_ADMIN from a delegated StackSets administrator. */
    readonly callAs: "SELF" | "DELEGATED_ADMIN";
    readonly rollout: RolloutConfig;
}

const percent = (read: ConfigReader, name: string, fallback: number, min: number): number =>
    optionalInt(read, name, fallback, (n) => n >= min && n <= 100, `a whole percentage from ${min} to 100`);

/** Reads and validates the config of the `org` stack (the target roles as a service-managed StackSet). */
export function parseOrgConfig(read: ConfigReader): OrgStackConfig {
    const regionRaw = read("aws:region");
    if (regionRaw === undefined || regionRaw.trim() === "") {
        throw new ConfigError(
            `aws:region is not set: it must be the cicd stack's region (${PATTERNS.region.form}). ` +
                `Set it with: pulumi config set aws:region eu-west-1`,
        );
    }
    const setting = key("organizationalUnitIds");
    const raw = read(setting);
    if (raw === undefined || raw.trim() === "") {
        throw new ConfigError(
            `${setting} is not set: it must list one or more of ${PATTERNS.organizationalUnitId.form}, e.g. ` +
                `pulumi config set ${setting} ou-ab12-cdef3456`,
        );
    }
    const ids = parseList(raw, setting).map((v, i) =>
        check(`${setting}[${i}]`, String(v).trim(), "organizationalUnitId"),
    );
    if (ids.length === 0) throw new ConfigError(`${setting} must list at least one organizational unit or root ID`);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup !== undefined) throw new ConfigError(`${setting} lists ${dup} twice`);
    return {
        cicdStack: optional(read, "cicdStack", "cicdStack", DEFAULTS.cicdStack),
        region: check("aws:region", regionRaw.trim(), "region"),
        organizationalUnitIds: ids,
        callAs: optionalChoice(read, "callAs", ["SELF", "DELEGATED_ADMIN"] as const, "SELF"),
        rollout: {
            maxConcurrentPercentage: percent(read, "maxConcurrentPercentage", 25, 1),
            failureTolerancePercentage: percent(read, "failureTolerancePercentage", 10, 0),
            regionConcurrencyType: optionalChoice(
                read,
                "regionConcurrencyType",
                ["SEQUENTIAL", "PARALLEL"] as const,
                "PARALLEL",
            ),
        },
    };
}
