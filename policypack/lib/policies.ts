// Building policies: resource types, configuration with defaults, and the shape of a resource policy.
import type {
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { knownString, Props, raw } from "./values";

export const TYPES = {
    bucket: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
    versioning: ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
    encryption: [
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    ],
    publicAccessBlock: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
    bucketPolicy: ["aws:s3/bucketPolicy:BucketPolicy"],
    ownership: ["aws:s3/bucketOwnershipControls:BucketOwnershipControls"],
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    /** Resources whose `policy` input is an identity-based policy document. */
    identityPolicies: [
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/policy:Policy",
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/groupPolicy:GroupPolicy",
    ],
    pipeline: "aws:codepipeline/pipeline:Pipeline",
    project: "aws:codebuild/project:Project",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
} as const;

export const oneOf = (types: readonly string[], type: string): boolean => types.includes(type);

// ---------------------------------------------------------------------------------------------
// Configuration

/** An integer setting of a policy's configSchema: its default, bounds and what it means. */
export interface IntegerSetting {
    readonly description: string;
    readonly default: number;
    readonly minimum: number;
    readonly maximum: number;
}

/** The configSchema of integer settings (the engine fills in the defaults and checks the bounds). */
export const integerSchema = (settings: Readonly<Record<string, IntegerSetting>>): PolicyConfigSchema => ({
    properties: Object.fromEntries(
        Object.entries(settings).map(([key, s]): [string, PolicyConfigJSONSchema] => [
            key,
            { type: "integer", description: s.description, default: s.default, minimum: s.minimum, maximum: s.maximum },
        ]),
    ),
});

/**
 * The effective integer settings: the configured value where it is an integer within bounds, else
 * the default. The engine applies the schema's defaults and validates a config file before the
 * policies run; this keeps a rule right when it gets no config at all (tests, older engines).
 */
export function integerConfig<K extends string>(
    settings: Readonly<Record<K, IntegerSetting>>,
    args: Pick<ResourceValidationArgs, "getConfig">,
): Record<K, number> {
    const given = args.getConfig<Partial<Record<K, unknown>>>();
    const out = {} as Record<K, number>;
    for (const key of Object.keys(settings) as K[]) {
        const s = settings[key];
        const v = given[key];
        out[key] =
            Number.isInteger(v) && (v as number) >= s.minimum && (v as number) <= s.maximum ? (v as number) : s.default;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Policy shapes

export interface PolicyBase {
    readonly name: string;
    readonly description: string;
    readonly enforcementLevel?: EnforcementLevel;
    readonly configSchema?: PolicyConfigSchema;
}

/** A resource policy over a set of types, with the properties unwrapped from the preview proxy. */
export const resourcePolicy = (
    base: PolicyBase,
    types: readonly string[],
    validate: (props: Props, args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
): ResourceValidationPolicy => ({
    enforcementLevel: "mandatory",
    ...base,
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!types.includes(args.type)) args.notApplicable(`applies to ${types.join(", ")}`);
        validate(raw(args.props), args, reportViolation);
    },
});

/** A stack policy: mandatory unless said otherwise. */
export const stackPolicy = (
    base: PolicyBase,
    validate: (args: StackValidationArgs, reportViolation: ReportViolation) => void,
): StackValidationPolicy => ({
    enforcementLevel: "mandatory",
    ...base,
    validateStack: validate,
});

/** A resource of a stack with its plain properties. */
export interface Found {
    readonly resource: PolicyResource;
    readonly props: Props;
}

export const resourcesOf = (resources: readonly PolicyResource[], types: readonly string[]): Found[] =>
    resources.filter((r) => types.includes(r.type)).map((resource) => ({ resource, props: raw(resource.props) }));

/**
 * The resource among `candidates` that a property of `r` refers to: through the property's
 * dependencies (works in preview, when the value is still unknown), or by its known value compared
 * with what `keys` says identifies a candidate (its name, ARN or id).
 */
export function referenced(
    r: Found,
    property: string,
    candidates: readonly Found[],
    keys: (c: Found) => (string | undefined)[],
): Found | undefined {
    const deps = r.resource.propertyDependencies?.[property] ?? [];
    const byDependency = candidates.find((c) => deps.some((d) => d.urn === c.resource.urn));
    if (byDependency !== undefined) return byDependency;
    const value = knownString(r.props[property]);
    if (value === undefined) return undefined;
    return candidates.find((c) => keys(c).includes(value));
}
