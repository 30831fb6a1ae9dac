// Reading resource properties the way the analyzer hands them over.
//
// Every rule reads resource *inputs* (resource policies) or *outputs* (stack policies). During
// `pulumi preview` some values are unknown; the engine marks them with sentinel strings and wraps
// the properties in a proxy that throws on access to one. The rules unwrap the proxy and treat an
// unknown value leniently: a check that depends on it is skipped rather than failed (the same rules
// run again on `pulumi up`, when the values are known).

/** The sentinels the engine uses for values not known during preview (@pulumi/policy proxy.js). */
const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string (what the engine sends for every unknown)
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** The value the engine sends for an unknown string; exported for tests. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const isUnknown = (v: unknown): boolean => typeof v === "string" && UNKNOWN_SENTINELS.has(v);

/** True when an unknown value occurs anywhere inside `v`. */
export const containsUnknown = (v: unknown): boolean => {
    if (isUnknown(v)) return true;
    if (Array.isArray(v)) return v.some(containsUnknown);
    if (v !== null && typeof v === "object") return Object.values(v as Record<string, unknown>).some(containsUnknown);
    return false;
};

/** Resource properties, and any JSON object inside them: read as `unknown`, narrowed before use. */
export type Props = Record<string, unknown>;

export const isObject = (v: unknown): v is Props => v !== null && typeof v === "object" && !Array.isArray(v);

/** The objects of an array (anything else: none). */
export const objects = (v: unknown): Props[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** A string, or the strings of an array (anything else: none). */
export const strings = (v: unknown): string[] => {
    if (typeof v === "string") return [v];
    if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
    return [];
};

/** A value for a message. */
export const show = (v: unknown): string => (typeof v === "string" ? v : (JSON.stringify(v) ?? "undefined"));

/** A known, non-empty string, or undefined (absent or unknown). */
export const knownString = (v: unknown): string | undefined =>
    typeof v === "string" && v !== "" && !isUnknown(v) ? v : undefined;

/**
 * The plain properties behind the analyzer's unknown-checking proxy, so that reading an unknown
 * value yields its sentinel instead of throwing. Plain objects (tests) are returned as they are.
 * If a future @pulumi/policy renames the hook, the proxy comes back and an unknown value makes the
 * engine report "can't run policy during preview" (advisory): degraded, never a false pass.
 */
export const raw = (props: unknown): Props => {
    if (!isObject(props)) return {};
    const target = props["__getSpecialProxyTarget"];
    return isObject(target) ? target : props;
};

/** How a resource is named in messages: its physical name when known, else its Pulumi name. */
export const named = (kind: string, physical: unknown, args: { name: string }): string =>
    `${kind} ${knownString(physical) ?? args.name}`;

/** A JSON document given as a string (what JSON.stringify produces) or as an object; undefined if unknown or absent. */
export const jsonText = (v: unknown): string | undefined => {
    if (v === undefined || v === null || isUnknown(v)) return undefined;
    if (typeof v === "string") return v;
    return containsUnknown(v) ? undefined : JSON.stringify(v);
};

/** The 12-digit account of an ARN (`arn:<partition>:<service>:<region>:<account>:...`), if literal. */
export const arnAccount = (arn: string): string | undefined => {
    const account = arn.split(":")[4];
    return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
};

/** The name of an IAM role from its ARN (the last path segment), or undefined for something else. */
export const roleNameOfArn = (arn: string): string | undefined => {
    const m = /^arn:[^:]+:iam::[^:]*:role\/(?:.*\/)?([^/]+)$/.exec(arn);
    return m === null ? undefined : m[1];
};
