import * as pulumi from "@pulumi/pulumi";

/** The project name, as in Pulumi.yaml: also the config namespace. */
export const PROJECT = "cross-account-pipeline";

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

/** Reads one raw config value; undefined when unset. */
export type ConfigReader = (key: string) => string | undefined;

/** `cross-account-pipeline:<name>`. */
export const key = (name: string): string => `${PROJECT}:${name}`;

export const PATTERNS = {
    accountId: { re: /^\d{12}$/, form: "12 digits, e.g. 123456789012" },
    subnetId: { re: /^subnet-[0-9a-f]{8,17}$/, form: "'subnet-' followed by 8 to 17 hex digits" },
    securityGroupId: { re: /^sg-[0-9a-f]{8,17}$/, form: "'sg-' followed by 8 to 17 hex digits" },
    region: { re: /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, form: "an AWS region such as eu-west-1" },
    targetName: {
        re: /^[a-z][a-z0-9-]{0,19}$/,
        form: "1 to 20 lower-case letters, digits or dashes, starting with a letter",
    },
    waveName: {
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
    amiId: { re: /^ami-[0-9a-f]{8,17}$/, form: "'ami-' followed by 8 to 17 hex digits" },
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
    organizationId: { re: /^o-[a-z0-9]{10,32}$/, form: "an AWS Organizations ID such as o-a1b2c3d4e5" },
    // Organizations API: OrganizationalUnitId ^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$, root ^r-[0-9a-z]{4,32}$
    // (https://docs.aws.amazon.com/organizations/latest/APIReference/API_OrganizationalUnit.html).
    organizationalUnitId: {
        re: /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/,
        form: "an organizational unit ID (ou-xxxx-xxxxxxxx) or a root ID (r-xxxx)",
    },
    // EventBridge schedule expressions: rate(value unit) or cron(6 fields)
    // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html).
    schedule: {
        re: /^(rate\([1-9]\d{0,4} (minute|minutes|hour|hours|day|days)\)|cron\((\S+ ){5}\S+\)|off)$/,
        form: "rate(<n> <minutes|hours|days>), cron(<6 fields>) or off",
    },
} as const;

export type PatternName = keyof typeof PATTERNS;

export function check(setting: string, value: string, pattern: PatternName): string {
    const { re, form } = PATTERNS[pattern];
    if (!re.test(value)) {
        throw new ConfigError(`${setting} must be ${form}; got ${JSON.stringify(value)}`);
    }
    return value;
}

const blank = (v: string | undefined): v is undefined => v === undefined || v.trim() === "";

export function required(read: ConfigReader, name: string, pattern: PatternName, hint: string): string {
    const value = read(key(name));
    if (blank(value)) {
        throw new ConfigError(
            `${key(name)} is not set: it must be ${PATTERNS[pattern].form}. ` +
                `Set it with: pulumi config set ${key(name)} ${hint}`,
        );
    }
    return check(key(name), value.trim(), pattern);
}

export function optional(read: ConfigReader, name: string, pattern: PatternName, fallback: string): string {
    const value = read(key(name));
    return blank(value) ? fallback : check(key(name), value.trim(), pattern);
}

export function optionalOrUndefined(read: ConfigReader, name: string, pattern: PatternName): string | undefined {
    const value = read(key(name));
    return blank(value) ? undefined : check(key(name), value.trim(), pattern);
}

export function optionalInt(
    read: ConfigReader,
    name: string,
    fallback: number,
    allowed: (n: number) => boolean,
    form: string,
    why = "",
): number {
    const raw = read(key(name));
    if (blank(raw)) return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !allowed(n)) {
        throw new ConfigError(`${key(name)} must be ${form}; got ${JSON.stringify(raw)}${why}`);
    }
    return n;
}

export function optionalBool(value: unknown, setting: string): boolean {
    if (value === undefined) return false;
    if (typeof value === "boolean") return value;
    if (value === "true" || value === "false") return value === "true";
    throw new ConfigError(`${setting} must be true or false; got ${JSON.stringify(value)}`);
}

export function optionalChoice<T extends string>(
    read: ConfigReader,
    name: string,
    choices: readonly T[],
    fallback: T,
): T {
    const raw = read(key(name));
    if (blank(raw)) return fallback;
    const v = raw.trim();
    if (!(choices as readonly string[]).includes(v)) {
        throw new ConfigError(`${key(name)} must be one of ${choices.join(", ")}; got ${JSON.stringify(raw)}`);
    }
    return v as T;
}

/** Parses a config value that may be a JSON/YAML list or a comma-separated string. */
export function parseList(raw: string, setting: string): unknown[] {
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

/** A reader over the stack's Pulumi config (all namespaces). */
export const pulumiConfigReader: ConfigReader = (fullKey) => {
    const [ns, name] = fullKey.split(":", 2);
    const value = new pulumi.Config(ns).get(name);
    return value;
};
