/**
 * Checks of resource properties against the spec: known names, required properties, and the shape
 * of each value (nested property types, lists, maps, tags, unions, allowed string values).
 */
import type { Property, PropertyType, SpecDatabase, TypeDefinition } from "@aws-cdk/service-spec-types";
import { describe, intrinsicName, isNoValue, isPlainObject } from "./values";

/** Checks the keys of a mapping against a set of spec properties (of a resource or nested type). */
export function checkObject(
    db: SpecDatabase,
    value: Record<string, unknown>,
    properties: Record<string, Property>,
    typeName: string,
    where: string,
    problems: string[],
): void {
    for (const [name, propValue] of Object.entries(value)) {
        const prop = properties[name];
        if (!prop) {
            problems.push(`${where}.${name}: unknown property "${name}" of ${typeName}`);
            continue;
        }
        checkValue(db, propValue, prop.type, typeName, `${where}.${name}`, problems);
    }
    for (const [name, prop] of Object.entries(properties)) {
        if (prop.required && !(name in value)) {
            problems.push(`${where}: missing required property "${name}" of ${typeName}`);
        }
    }
}

/** Checks a property value against its spec type. Intrinsic functions are not type-checked. */
function checkValue(
    db: SpecDatabase,
    value: unknown,
    type: PropertyType,
    ownerType: string,
    where: string,
    problems: string[],
): void {
    const intrinsic = intrinsicName(value);
    if (intrinsic !== undefined) {
        // `Fn::If [cond, a, b]`: each branch must itself be a valid value.
        const args = (value as Record<string, unknown>)[intrinsic];
        if (intrinsic === "Fn::If" && Array.isArray(args) && args.length === 3) {
            for (const i of [1, 2]) {
                if (!isNoValue(args[i])) checkValue(db, args[i], type, ownerType, `${where}[Fn::If ${i}]`, problems);
            }
        }
        return;
    }

    switch (type.type) {
        case "ref": {
            const def = tryGetTypeDefinition(db, type.reference.$ref);
            if (!def) return;
            const defName = `${ownerType}.${def.name}`;
            if (!isPlainObject(value)) {
                problems.push(`${where}: expected a ${defName} mapping, got ${describe(value)}`);
                return;
            }
            checkObject(db, value, def.properties, defName, where, problems);
            return;
        }
        case "tag":
            if (!isPlainObject(value)) {
                problems.push(`${where}: expected a tag mapping {Key, Value}, got ${describe(value)}`);
                return;
            }
            for (const key of Object.keys(value)) {
                if (key !== "Key" && key !== "Value")
                    problems.push(`${where}.${key}: unknown property "${key}" of Tag`);
            }
            for (const key of ["Key", "Value"]) {
                if (!(key in value)) problems.push(`${where}: missing required property "${key}" of Tag`);
            }
            return;
        case "array":
            if (!Array.isArray(value)) {
                problems.push(`${where}: expected a list, got ${describe(value)}`);
                return;
            }
            value.forEach((element, i) => {
                if (!isNoValue(element)) checkValue(db, element, type.element, ownerType, `${where}[${i}]`, problems);
            });
            return;
        case "map":
            if (!isPlainObject(value)) {
                problems.push(`${where}: expected a mapping, got ${describe(value)}`);
                return;
            }
            for (const [key, element] of Object.entries(value)) {
                checkValue(db, element, type.element, ownerType, `${where}.${key}`, problems);
            }
            return;
        case "union": {
            // Valid if any member accepts it; otherwise report against the first member of the right shape.
            const attempts = type.types.map((member) => {
                const memberProblems: string[] = [];
                checkValue(db, value, member, ownerType, where, memberProblems);
                return memberProblems;
            });
            if (attempts.some((p) => p.length === 0)) return;
            const shaped = attempts.find((p) => !p.some((msg) => msg.startsWith(`${where}: expected`)));
            problems.push(...(shaped ?? attempts[0] ?? []));
            return;
        }
        case "json":
            return;
        case "string":
            if (isPlainObject(value) || Array.isArray(value)) {
                problems.push(`${where}: expected a string, got ${describe(value)}`);
            } else if (type.allowedValues && typeof value === "string" && !type.allowedValues.includes(value)) {
                problems.push(
                    `${where}: "${value}" is not one of the allowed values ${JSON.stringify(type.allowedValues)}`,
                );
            }
            return;
        default:
            // number, integer, boolean, date-time, null: CloudFormation coerces scalars; reject structures.
            if (isPlainObject(value) || Array.isArray(value)) {
                problems.push(`${where}: expected a ${type.type}, got ${describe(value)}`);
            }
            return;
    }
}

function tryGetTypeDefinition(db: SpecDatabase, id: string): TypeDefinition | undefined {
    try {
        return db.get("typeDefinition", id);
    } catch {
        return undefined;
    }
}
