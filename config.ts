import * as pulumi from "@pulumi/pulumi";

/** The project name, as in Pulumi.yaml: also the config namespace. */
export const PROJECT = "cross-account-pipeline";

/** The two deployment methods of the seed. */
export type Method = "terraform" | "cloudformation";
export const ALL_METHODS: readonly Method[] = ["terraform", "cloudformation"];

/**
 * A configuration mistake. It extends RunError so that Pulumi prints the message alone, without a
 * stack trace: the user needs the key and the expected form, not our call stack.
 */
export class ConfigError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

/** One account the pipelines deploy into. */
export interface TargetConfig {
    /** Short name: lower-case letters, digits and dashes. The single-target form is named `default`. */
    readonly name: string;
    /** The Pulumi stack that deploys this target's roles: `target` or `target-<name>`. */
    readonly stackName: string;
    readonly accountId: string;
    readonly subnetId: string;
    readonly securityGroupId: string;
    /** A manual approval runs before this target's stage. */
    readonly requireApproval: boolean;
    /** Terraform state object key in the state bucket (the lock object is `<key>.tflock`). */
    readonly stateKey: string;
    /** CloudFormation stack that method 2 creates in the target account. */
    readonly cfnStackName: string;
}

export interface CicdConfig {
    readonly region: string;
    readonly methods: readonly Method[];
    readonly targets: readonly TargetConfig[];
    /** Prefix of every physical name this program chooses (roles, pipelines, projects). */
    readonly namePrefix: string;
    readonly logRetentionDays: number;
    readonly terraformVersion: string;
    readonly terraformSha256: string;
    readonly codeBuildImage: string;
    readonly codeBuildTimeoutMinutes: number;
    readonly instanceType: string;
    /** Public SSM parameter that names the workload's AMI. */
    readonly amiParameter: string;
    /** Optional email address that receives the pipelines' notifications. */
    readonly notificationEmail?: string;
    /** Break-glass principals of the CI/CD account that may still reach Terraform state objects. */
    readonly stateAdminArns: readonly string[];
}

export interface TargetStackConfig {
    /** Fully qualified name of the cicd stack, e.g. `organization/cross-account-pipeline/cicd`. */
    readonly cicdStack: string;
    /** Which entry of the cicd stack's `targets` output this stack deploys. */
    readonly targetName: string;
}

/** Reads one raw config value; undefined when unset. */
export type ConfigReader = (key: string) => string | undefined;

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
    singleTargetName: "default",
} as const;

// CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
const RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const key = (name: string): string => `${PROJECT}:${name}`;

const PATTERNS = {
    accountId: { re: /^\d{12}$/, form: "12 digits, e.g. 123456789012" },
    subnetId: { re: /^subnet-[0-9a-f]{8,17}$/, form: "'subnet-' followed by 8 to 17 hex digits" },
    securityGroupId: { re: /^sg-[0-9a-f]{8,17}$/, form: "'sg-' followed by 8 to 17 hex digits" },
    region: { re: /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, form: "an AWS region such as eu-west-1" },
    targetName: {
        re: /^[a-z][a-z0-9-]{0,19}$/,
        form: "1 to 20 lower-case letters, digits or dashes, starting with a letter",
    },
    namePrefix: {
        re: /^[a-z][a-z0-9-]{0,14}$/,
        form: "1 to 15 lower-case letters, digits or dashes, starting with a letter",
    },
    terraformVersion: { re: /^\d+\.\d+\.\d+$/, form: "a release such as 1.11.4" },
    sha256: { re: /^[0-9a-f]{64}$/, form: "64 lower-case hex digits" },
    instanceType: { re: /^[a-z][a-z0-9-]*\.[a-z0-9]+$/, form: "an EC2 instance type such as t3.micro" },
    ssmParameter: { re: /^\/[A-Za-z0-9_.\-/]+$/, form: "an SSM parameter path such as /aws/service/..." },
    email: { re: /^[^@\s]+@[^@\s]+\.[^@\s]+$/, form: "an email address" },
    iamPrincipalArn: {
        re: /^arn:aws[a-z-]*:iam::\d{12}:(role\/[\w+=,.@/-]+|root)$/,
        form: "an IAM role ARN (arn:aws:iam::<account>:role/<name>) or an account root",
    },
    stackName: {
        re: /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
        form: "a CloudFormation stack name: letters, digits and dashes, starting with a letter",
    },
    cicdStack: {
        re: /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/,
        form: "a fully qualified stack name <organization>/<project>/<stack>",
    },
} as const;

type PatternName = keyof typeof PATTERNS;

function check(setting: string, value: string, pattern: PatternName): string {
    const { re, form } = PATTERNS[pattern];
    if (!re.test(value)) {
        throw new ConfigError(`${setting} must be ${form}; got ${JSON.stringify(value)}`);
    }
    return value;
}

function required(read: ConfigReader, name: string, pattern: PatternName, hint: string): string {
    const value = read(key(name));
    if (value === undefined || value.trim() === "") {
        throw new ConfigError(
            `${key(name)} is not set: it must be ${PATTERNS[pattern].form}. ` +
                `Set it with: pulumi config set ${key(name)} ${hint}`,
        );
    }
    return check(key(name), value.trim(), pattern);
}

function optional(read: ConfigReader, name: string, pattern: PatternName, fallback: string): string {
    const value = read(key(name));
    return value === undefined || value.trim() === "" ? fallback : check(key(name), value.trim(), pattern);
}

function optionalInt(
    read: ConfigReader,
    name: string,
    fallback: number,
    allowed: (n: number) => boolean,
    form: string,
): number {
    const raw = read(key(name));
    if (raw === undefined || raw.trim() === "") return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !allowed(n)) {
        throw new ConfigError(`${key(name)} must be ${form}; got ${JSON.stringify(raw)}`);
    }
    return n;
}

function optionalBool(value: unknown, setting: string): boolean {
    if (value === undefined) return false;
    if (typeof value === "boolean") return value;
    if (value === "true" || value === "false") return value === "true";
    throw new ConfigError(`${setting} must be true or false; got ${JSON.stringify(value)}`);
}

/** Parses a config value that may be a JSON/YAML list or a comma-separated string. */
function parseList(raw: string, setting: string): unknown[] {
    const text = raw.trim();
    if (text.startsWith("[")) {
        try {
            const parsed: unknown = JSON.parse(text);
            if (Array.isArray(parsed)) return parsed;
        } catch {
            // fall through to the error below
        }
        throw new ConfigError(`${setting} must be a JSON list; got ${JSON.stringify(raw)}`);
    }
    return text
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
}

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

/** The stack that deploys a target's roles: `target` for the single-target form. */
export function targetStackName(targetName: string): string {
    return targetName === DEFAULTS.singleTargetName ? "target" : `target-${targetName}`;
}

function makeTarget(
    entry: { name: string; accountId: string; subnetId: string; securityGroupId: string; requireApproval: boolean },
    namePrefix: string,
    cfnStackName?: string,
): TargetConfig {
    return {
        ...entry,
        stackName: targetStackName(entry.name),
        stateKey: `${namePrefix}/${entry.name}/terraform.tfstate`,
        cfnStackName: cfnStackName ?? `${namePrefix}-workload-${entry.name}`,
    };
}

function parseTargets(read: ConfigReader, namePrefix: string): TargetConfig[] {
    const rawList = read(key("targets"));
    const singleKeys = ["targetAccountId", "subnetId", "securityGroupId", "cfnStackName", "requireApproval"].filter(
        (k) => read(key(k)) !== undefined,
    );
    if (rawList === undefined || rawList.trim() === "") {
        return [
            makeTarget(
                {
                    name: DEFAULTS.singleTargetName,
                    accountId: required(read, "targetAccountId", "accountId", "123456789012"),
                    subnetId: required(read, "subnetId", "subnetId", "subnet-0123456789abcdef0"),
                    securityGroupId: required(read, "securityGroupId", "securityGroupId", "sg-0123456789abcdef0"),
                    requireApproval: optionalBool(read(key("requireApproval")), key("requireApproval")),
                },
                namePrefix,
                read(key("cfnStackName")) === undefined
                    ? undefined
                    : required(read, "cfnStackName", "stackName", "my-workload"),
            ),
        ];
    }
    if (singleKeys.length > 0) {
        throw new ConfigError(
            `${key("targets")} and the single-target keys (${singleKeys.map(key).join(", ")}) are both set: ` +
                `use one form or the other`,
        );
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(rawList);
    } catch {
        throw new ConfigError(`${key("targets")} must be a list of objects; got ${JSON.stringify(rawList)}`);
    }
    if (!Array.isArray(parsed) || parsed.length === 0) {
        throw new ConfigError(
            `${key("targets")} must be a non-empty list of { name, accountId, subnetId, securityGroupId, requireApproval? }`,
        );
    }
    const targets: TargetConfig[] = [];
    parsed.forEach((entry: unknown, i: number) => {
        const where = `${key("targets")}[${i}]`;
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            throw new ConfigError(
                `${where} must be an object { name, accountId, subnetId, securityGroupId, requireApproval? }`,
            );
        }
        const e = entry as Record<string, unknown>;
        const known = ["name", "accountId", "subnetId", "securityGroupId", "requireApproval"];
        const unknown = Object.keys(e).filter((k) => !known.includes(k));
        if (unknown.length > 0) {
            throw new ConfigError(`${where} has unknown field(s) ${unknown.join(", ")}; expected ${known.join(", ")}`);
        }
        const field = (name: string, pattern: PatternName): string => {
            const v = e[name];
            if (typeof v !== "string") {
                throw new ConfigError(`${where}.${name} is missing: it must be ${PATTERNS[pattern].form}`);
            }
            return check(`${where}.${name}`, v, pattern);
        };
        const name = field("name", "targetName");
        const target = makeTarget(
            {
                name,
                accountId: field("accountId", "accountId"),
                subnetId: field("subnetId", "subnetId"),
                securityGroupId: field("securityGroupId", "securityGroupId"),
                requireApproval: optionalBool(e.requireApproval, `${where}.requireApproval`),
            },
            namePrefix,
        );
        const sameName = targets.find((t) => t.name === target.name);
        if (sameName) throw new ConfigError(`${where} (${name}): the name ${name} is used twice`);
        const sameAccount = targets.find((t) => t.accountId === target.accountId);
        if (sameAccount) {
            throw new ConfigError(
                `${where} (${name}): account ${target.accountId} is already the target ${sameAccount.name}; ` +
                    `each target needs its own account`,
            );
        }
        targets.push(target);
    });
    return targets;
}

/**
 * Reads and validates the whole `cicd` stack config. Pure: tests pass a reader over a plain object.
 * Every error names the key and the expected form.
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
    const notificationEmail = read(key("notificationEmail"));
    const stateAdminsRaw = read(key("stateAdminArns"));
    const stateAdminArns =
        stateAdminsRaw === undefined || stateAdminsRaw.trim() === ""
            ? []
            : parseList(stateAdminsRaw, key("stateAdminArns")).map((v, i) =>
                  check(`${key("stateAdminArns")}[${i}]`, String(v), "iamPrincipalArn"),
              );
    return {
        region,
        methods: parseMethods(read(key("methods"))),
        targets: parseTargets(read, namePrefix),
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
            (n) => n >= 5 && n <= 480,
            "a whole number of minutes from 5 to 480",
        ),
        instanceType: optional(read, "instanceType", "instanceType", DEFAULTS.instanceType),
        amiParameter: optional(read, "amiParameter", "ssmParameter", DEFAULTS.amiParameter),
        notificationEmail:
            notificationEmail === undefined || notificationEmail.trim() === ""
                ? undefined
                : check(key("notificationEmail"), notificationEmail.trim(), "email"),
        stateAdminArns,
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

/** A reader over the stack's Pulumi config (all namespaces). */
export const pulumiConfigReader: ConfigReader = (fullKey) => {
    const [ns, name] = fullKey.split(":", 2);
    const value = new pulumi.Config(ns).get(name);
    return value;
};
