/**
 * Checks of intrinsic references (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::If`, `Fn::FindInMap`,
 * `Condition`): each must name a parameter, resource, pseudo parameter, condition or mapping the
 * template declares, and `Fn::GetAtt` attributes must be ones the spec lists for the resource's type.
 */
import type { SpecDatabase } from "@aws-cdk/service-spec-types";
import { isCustomResourceType, PSEUDO_PARAMETERS } from "./constants";
import { findResourceType } from "./spec";
import { describe, intrinsicName, isPlainObject } from "./values";

/** Names declared by the template, used to resolve references. */
export interface Scope {
    parameters: Record<string, unknown>;
    resources: Record<string, unknown>;
    conditions: Record<string, unknown>;
    mappings: Record<string, unknown>;
}

export function checkConditionName(name: unknown, where: string, scope: Scope, problems: string[]): void {
    if (typeof name !== "string" || !(name in scope.conditions)) {
        problems.push(`${where}: ${JSON.stringify(name)} is not a condition`);
    }
}

/** Walks any value and checks every intrinsic reference inside it. */
export function checkReferences(
    db: SpecDatabase,
    value: unknown,
    where: string,
    scope: Scope,
    problems: string[],
    inConditions = false,
): void {
    if (Array.isArray(value)) {
        value.forEach((v, i) => checkReferences(db, v, `${where}[${i}]`, scope, problems, inConditions));
        return;
    }
    if (!isPlainObject(value)) return;

    // `{ Condition: Name }` is an intrinsic only inside the Conditions section (Fn::And / Or / Not).
    const intrinsic =
        intrinsicName(value) ?? (inConditions && Object.keys(value).join() === "Condition" ? "Condition" : undefined);
    const args = intrinsic !== undefined ? value[intrinsic] : undefined;
    switch (intrinsic) {
        case "Ref":
            if (typeof args !== "string") {
                problems.push(`${where}: !Ref needs a name, got ${describe(args)}`);
            } else if (!(args in scope.parameters) && !(args in scope.resources) && !PSEUDO_PARAMETERS.has(args)) {
                problems.push(`${where}: !Ref ${args}: "${args}" is not a parameter, resource or pseudo parameter`);
            }
            return;
        case "Fn::GetAtt": {
            let logicalId: unknown;
            let attribute: unknown;
            if (typeof args === "string") {
                const dot = args.indexOf(".");
                [logicalId, attribute] = dot < 0 ? [args, undefined] : [args.slice(0, dot), args.slice(dot + 1)];
            } else if (Array.isArray(args) && args.length === 2) {
                [logicalId, attribute] = args;
                checkReferences(db, attribute, `${where}[1]`, scope, problems);
            }
            if (typeof logicalId !== "string" || attribute === undefined) {
                problems.push(`${where}: !GetAtt needs "Resource.Attribute", got ${JSON.stringify(args)}`);
                return;
            }
            checkGetAtt(db, logicalId, attribute, `${where}: !GetAtt`, scope, problems);
            return;
        }
        case "Fn::Sub": {
            let text: unknown = args;
            const locals = new Set<string>();
            if (Array.isArray(args)) {
                text = args[0];
                const vars = args[1];
                if (args.length !== 2 || !isPlainObject(vars)) {
                    problems.push(`${where}: !Sub list form must be [string, {variables}]`);
                } else {
                    for (const [name, v] of Object.entries(vars)) {
                        locals.add(name);
                        checkReferences(db, v, `${where}.${name}`, scope, problems);
                    }
                }
            }
            if (typeof text !== "string") {
                problems.push(`${where}: !Sub needs a string, got ${describe(text)}`);
                return;
            }
            for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
                const variable = match[1].trim();
                if (variable.startsWith("!")) continue; // ${!Literal} escape
                if (locals.has(variable) || variable in scope.parameters || variable in scope.resources) continue;
                if (PSEUDO_PARAMETERS.has(variable)) continue;
                const dot = variable.indexOf(".");
                if (dot > 0) {
                    checkGetAtt(
                        db,
                        variable.slice(0, dot),
                        variable.slice(dot + 1),
                        `${where}: !Sub \${${variable}}:`,
                        scope,
                        problems,
                    );
                    continue;
                }
                problems.push(
                    `${where}: !Sub \${${variable}}: "${variable}" is not a parameter, resource, pseudo parameter or !Sub variable`,
                );
            }
            return;
        }
        case "Fn::If":
            if (Array.isArray(args) && args.length === 3) {
                checkConditionName(args[0], `${where}: !If`, scope, problems);
                checkReferences(db, args.slice(1), where, scope, problems, inConditions);
            } else {
                problems.push(`${where}: !If needs [condition, valueIfTrue, valueIfFalse]`);
            }
            return;
        case "Condition":
            checkConditionName(args, `${where}: Condition`, scope, problems);
            return;
        case "Fn::FindInMap":
            if (Array.isArray(args) && typeof args[0] === "string" && !(args[0] in scope.mappings)) {
                problems.push(`${where}: !FindInMap: "${args[0]}" is not a mapping`);
            }
            checkReferences(db, args, where, scope, problems, inConditions);
            return;
        default:
            for (const [key, v] of Object.entries(value)) {
                const at = intrinsic !== undefined ? where : `${where}.${key}`;
                checkReferences(db, v, at, scope, problems, inConditions);
            }
    }
}

function checkGetAtt(
    db: SpecDatabase,
    logicalId: string,
    attribute: unknown,
    prefix: string,
    scope: Scope,
    problems: string[],
): void {
    const label = `${prefix} ${logicalId}.${typeof attribute === "string" ? attribute : JSON.stringify(attribute)}`;
    const resource = scope.resources[logicalId];
    if (!isPlainObject(resource)) {
        problems.push(`${label}: "${logicalId}" is not a resource`);
        return;
    }
    if (typeof attribute !== "string" || typeof resource.Type !== "string") return; // dynamic or already reported
    const type = resource.Type;
    if (isCustomResourceType(type)) return;
    if (type === "AWS::CloudFormation::Stack" && attribute.startsWith("Outputs.")) return;
    const spec = findResourceType(db, type);
    if (!spec) return; // unknown type is reported by the resource check
    if (!(attribute in spec.attributes)) {
        const known = Object.keys(spec.attributes);
        problems.push(
            `${label}: ${type} has no attribute "${attribute}" (attributes: ${known.length ? known.join(", ") : "none"})`,
        );
    }
}
