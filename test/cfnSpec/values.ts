/**
 * Small predicates and descriptions of parsed template values (plain JSON-like data with
 * intrinsics in their long form), shared by the validator's modules.
 */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The intrinsic function name if `value` is `{ Ref: ... }` or `{ "Fn::X": ... }`. */
export function intrinsicName(value: unknown): string | undefined {
    if (!isPlainObject(value)) return undefined;
    const keys = Object.keys(value);
    if (keys.length !== 1) return undefined;
    const key = keys[0];
    return key === "Ref" || key.startsWith("Fn::") ? key : undefined;
}

export function isNoValue(value: unknown): boolean {
    return isPlainObject(value) && value.Ref === "AWS::NoValue";
}

export function describe(value: unknown): string {
    if (Array.isArray(value)) return "a list";
    if (isPlainObject(value)) return "a mapping";
    return JSON.stringify(value) ?? String(value);
}
