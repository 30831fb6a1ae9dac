/**
 * `validateTemplate`: the entry point of the validator. Checks the template's top-level sections,
 * parameters and resources, then hands property values to `properties.ts` and every place where
 * intrinsic references may appear to `references.ts`.
 */
import type { SpecDatabase } from "@aws-cdk/service-spec-types";
import { isCustomResourceType, RESOURCE_ATTRIBUTES, TOP_LEVEL_SECTIONS, VALID_PARAMETER_TYPES } from "./constants";
import { checkObject } from "./properties";
import { checkConditionName, checkReferences, type Scope } from "./references";
import { type CfnTemplate, findResourceType, getSpec } from "./spec";
import { isPlainObject } from "./values";

/**
 * Validates a parsed template against the spec and returns human-readable problems
 * (an empty list means the template passed every check):
 * - every resource `Type` exists in the spec;
 * - every property (recursively through nested property types, lists, maps and tags) is known,
 *   has the right shape (object / list / scalar), and literal strings are in the spec's allowed values;
 * - every required property (of the resource and of nested types) is present;
 * - every `Ref`, `Fn::GetAtt`, `Fn::Sub` variable names a parameter, resource or pseudo parameter,
 *   and `Fn::GetAtt` attributes are ones the spec lists for the resource's type;
 * - `DependsOn`, `Condition`, `Fn::If`, `Fn::FindInMap` name existing resources / conditions / mappings;
 * - every parameter `Type` is a valid CloudFormation parameter type.
 */
export function validateTemplate(template: unknown, db: SpecDatabase = getSpec()): string[] {
    const problems: string[] = [];
    if (!isPlainObject(template)) {
        return ["template is not a mapping"];
    }

    for (const key of Object.keys(template)) {
        if (!TOP_LEVEL_SECTIONS.has(key)) problems.push(`unknown top-level section "${key}"`);
    }

    const scope: Scope = {
        parameters: sectionOf(template, "Parameters", problems),
        resources: sectionOf(template, "Resources", problems),
        conditions: sectionOf(template, "Conditions", problems),
        mappings: sectionOf(template, "Mappings", problems),
    };
    if (Object.keys(scope.resources).length === 0) {
        problems.push("template has no Resources");
    }

    // Names must be unique across Parameters and Resources.
    for (const name of Object.keys(scope.parameters)) {
        if (name in scope.resources) problems.push(`"${name}" is both a parameter and a resource`);
    }

    // Parameters
    for (const [name, param] of Object.entries(scope.parameters)) {
        const where = `Parameters.${name}`;
        if (!isPlainObject(param)) {
            problems.push(`${where}: must be a mapping`);
            continue;
        }
        if (typeof param.Type !== "string") {
            problems.push(`${where}: missing parameter Type`);
        } else if (!VALID_PARAMETER_TYPES.has(param.Type)) {
            problems.push(`${where}: invalid parameter Type "${param.Type}"`);
        }
    }

    // Resources
    for (const [logicalId, resource] of Object.entries(scope.resources)) {
        const where = `Resources.${logicalId}`;
        if (!isPlainObject(resource)) {
            problems.push(`${where}: must be a mapping`);
            continue;
        }
        for (const key of Object.keys(resource)) {
            if (!RESOURCE_ATTRIBUTES.has(key)) problems.push(`${where}: unknown resource attribute "${key}"`);
        }
        checkDependsOn(resource.DependsOn, `${where}.DependsOn`, scope, problems);
        if (resource.Condition !== undefined) {
            checkConditionName(resource.Condition, `${where}.Condition`, scope, problems);
        }

        const type = resource.Type;
        if (typeof type !== "string") {
            problems.push(`${where}: missing resource Type`);
            continue;
        }
        if (resource.Properties !== undefined && !isPlainObject(resource.Properties)) {
            problems.push(`${where}.Properties: must be a mapping`);
            continue;
        }
        const properties = resource.Properties ?? {};
        if (isCustomResourceType(type)) {
            if (!("ServiceToken" in properties)) {
                problems.push(
                    `${where}.Properties: missing required property "ServiceToken" of custom resource ${type}`,
                );
            }
            continue;
        }
        const spec = findResourceType(db, type);
        if (!spec) {
            problems.push(`${where}: unknown resource type "${type}" (not in the AWS resource specification)`);
            continue;
        }
        checkObject(db, properties, spec.properties, type, `${where}.Properties`, problems);
    }

    // References everywhere they may appear.
    for (const [logicalId, resource] of Object.entries(scope.resources)) {
        if (!isPlainObject(resource)) continue;
        for (const key of ["Properties", "Metadata", "UpdatePolicy", "CreationPolicy"]) {
            if (resource[key] !== undefined) {
                checkReferences(db, resource[key], `Resources.${logicalId}.${key}`, scope, problems);
            }
        }
    }
    for (const [name, output] of Object.entries(sectionOf(template, "Outputs", problems))) {
        if (isPlainObject(output) && !("Value" in output)) problems.push(`Outputs.${name}: missing Value`);
        if (isPlainObject(output) && output.Condition !== undefined) {
            checkConditionName(output.Condition, `Outputs.${name}.Condition`, scope, problems);
        }
        checkReferences(db, output, `Outputs.${name}`, scope, problems);
    }
    for (const [name, condition] of Object.entries(scope.conditions)) {
        checkReferences(db, condition, `Conditions.${name}`, scope, problems, true);
    }

    return problems;
}

function sectionOf(template: CfnTemplate, key: string, problems: string[]): Record<string, unknown> {
    const section = template[key];
    if (section === undefined || section === null) return {};
    if (!isPlainObject(section)) {
        problems.push(`${key}: must be a mapping`);
        return {};
    }
    return section;
}

function checkDependsOn(dependsOn: unknown, where: string, scope: Scope, problems: string[]): void {
    if (dependsOn === undefined) return;
    const names = Array.isArray(dependsOn) ? dependsOn : [dependsOn];
    for (const name of names) {
        if (typeof name !== "string") {
            problems.push(`${where}: must be a resource name or a list of them`);
        } else if (!(name in scope.resources)) {
            problems.push(`${where}: "${name}" is not a resource`);
        }
    }
}
