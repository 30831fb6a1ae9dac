// S3 buckets and their configuration resources, as a stack policy sees them.
import type { PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { oneOf, PolicyBase, stackPolicy, TYPES } from "./policies";
import { knownString, Props, raw } from "./values";

export interface BucketInfo {
    readonly resource: PolicyResource;
    readonly props: Props;
    /** The physical name, when known. */
    readonly name: string | undefined;
    /** How the bucket is named in messages. */
    readonly label: string;
}

export const bucketsOf = (resources: readonly PolicyResource[]): BucketInfo[] =>
    resources
        .filter((r) => oneOf(TYPES.bucket, r.type))
        .map((r) => {
            const props = raw(r.props);
            const name = knownString(props.bucket);
            return { resource: r, props, name, label: name !== undefined ? `${r.name} (${name})` : r.name };
        });

export interface Child {
    readonly resource: PolicyResource;
    readonly props: Props;
}

export interface Children {
    /** The configuration resources of each bucket, by bucket URN. */
    readonly of: (b: BucketInfo) => Child[];
    /**
     * Configuration resources whose bucket could not be worked out (an unknown `bucket` and no
     * property dependency): while there are any, a bucket "without" one is not reported.
     */
    readonly unresolved: number;
    /** The bucket of a configuration resource, when it could be worked out. */
    readonly bucketOf: (c: Child) => BucketInfo | undefined;
}

/**
 * Relates configuration resources (versioning, encryption, ...) to their buckets. A child belongs
 * to a bucket when its `bucket` input depends on that bucket (property dependencies: works in
 * preview, when the bucket id is still unknown), or when its known `bucket` value is the bucket's
 * name or id (after an update, the id of an S3 bucket is its name).
 */
export const childrenOf = (
    resources: readonly PolicyResource[],
    buckets: BucketInfo[],
    types: readonly string[],
): Children => {
    const byUrn = new Map<string, Child[]>(buckets.map((b) => [b.resource.urn, []]));
    const owners = new Map<string, BucketInfo>();
    let unresolved = 0;
    for (const r of resources.filter((x) => oneOf(types, x.type))) {
        const props = raw(r.props);
        const deps = (r.propertyDependencies?.bucket ?? []).filter((d) => byUrn.has(d.urn));
        let owner: BucketInfo | undefined = buckets.find((b) => deps.some((d) => d.urn === b.resource.urn));
        const value = props.bucket;
        if (owner === undefined && knownString(value) !== undefined) {
            owner = buckets.find((b) => value === b.name || value === knownString(b.props.id));
        }
        if (owner !== undefined) {
            byUrn.get(owner.resource.urn)?.push({ resource: r, props });
            owners.set(r.urn, owner);
        } else if (knownString(value) === undefined) unresolved += 1;
        // A known name that matches no bucket here configures a bucket outside this stack.
    }
    return { of: (b) => byUrn.get(b.resource.urn) ?? [], unresolved, bucketOf: (c) => owners.get(c.resource.urn) };
};

/** The Terraform state bucket: its name (or prefix) contains `-tfstate-`. */
export const isStateBucket = (props: Props): boolean =>
    [props.bucket, props.bucketPrefix].some((v) => knownString(v)?.includes("-tfstate-") === true);

/** A stack policy over the buckets of a stack; not applicable to stacks without buckets. */
export const overBuckets = (
    base: PolicyBase,
    validate: (buckets: BucketInfo[], resources: PolicyResource[], reportViolation: ReportViolation) => void,
): StackValidationPolicy =>
    stackPolicy(base, (args: StackValidationArgs, reportViolation: ReportViolation) => {
        const buckets = bucketsOf(args.resources);
        if (buckets.length === 0) args.notApplicable("no S3 buckets in this stack");
        validate(buckets, args.resources, reportViolation);
    });
