/**
 * Offline validation of a CloudFormation template against the AWS resource specification
 * shipped by `@aws-cdk/aws-service-spec` (the database the AWS CDK generates its L1 constructs from).
 *
 * Pure helper module: no mocha, no AWS calls, no network. The spec database (a gzipped JSON
 * file inside the package) is loaded once and cached for the process.
 */
import { loadAwsServiceSpec, loadAwsServiceSpecSync } from "@aws-cdk/aws-service-spec";
import type { Property, PropertyType, Resource, SpecDatabase, TypeDefinition } from "@aws-cdk/service-spec-types";
import { yamlParse } from "yaml-cfn";

export type { SpecDatabase };

/** A parsed template: plain JSON-like data, intrinsics in their long form (`{ "Fn::Sub": ... }`). */
export type CfnTemplate = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Spec loading (cached)
// ---------------------------------------------------------------------------------------------

let cachedSpec: SpecDatabase | undefined;
let pendingSpec: Promise<SpecDatabase> | undefined;

/** Loads the spec database once per process (a few hundred ms to a few seconds) and caches it. */
export async function loadSpec(): Promise<SpecDatabase> {
    if (cachedSpec) return cachedSpec;
    pendingSpec ??= loadAwsServiceSpec().then((db) => (cachedSpec = db));
    return pendingSpec;
}

/** The cached spec database, loading it synchronously if `loadSpec()` has not run yet. */
export function getSpec(): SpecDatabase {
    cachedSpec ??= loadAwsServiceSpecSync();
    return cachedSpec;
}

/** The spec entry of a CloudFormation resource type (e.g. `AWS::EC2::Instance`), if any. */
export function findResourceType(db: SpecDatabase, cfnType: string): Resource | undefined {
    return db.lookup("resource", "cloudFormationType", "equals", cfnType)[0];
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/** Parses a YAML (or JSON) template with yaml-cfn's schema, so `!Ref`, `!Sub`, `!GetAtt`... parse. */
export function parseTemplate(text: string): CfnTemplate {
    const parsed: unknown = yamlParse(text);
    if (!isPlainObject(parsed)) {
        throw new Error("template is not a YAML/JSON mapping");
    }
    return parsed;
}

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/** https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html */
export const PSEUDO_PARAMETERS: ReadonlySet<string> = new Set([
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
]);

const TOP_LEVEL_SECTIONS = new Set([
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
]);

const RESOURCE_ATTRIBUTES = new Set([
    "Type",
    "Properties",
    "DependsOn",
    "Condition",
    "Metadata",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "UpdatePolicy",
    "CreationPolicy",
]);

/** AWS-specific parameter types (each also valid inside `AWS::SSM::Parameter::Value<...>`). */
const AWS_SPECIFIC_PARAMETER_TYPES = [
    "AWS::EC2::AvailabilityZone::Name",
    "AWS::EC2::Image::Id",
    "AWS::EC2::Instance::Id",
    "AWS::EC2::KeyPair::KeyName",
    "AWS::EC2::SecurityGroup::GroupName",
    "AWS::EC2::SecurityGroup::Id",
    "AWS::EC2::Subnet::Id",
    "AWS::EC2::Volume::Id",
    "AWS::EC2::VPC::Id",
    "AWS::Route53::HostedZone::Id",
];
/** The AWS-specific types that also exist as `List<...>` (there is no list of key pair names). */
const AWS_SPECIFIC_LIST_ELEMENT_TYPES = AWS_SPECIFIC_PARAMETER_TYPES.filter((t) => t !== "AWS::EC2::KeyPair::KeyName");

/**
 * Every valid parameter `Type`:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html
 */
export const VALID_PARAMETER_TYPES: ReadonlySet<string> = new Set([
    "String",
    "Number",
    "List<Number>",
    "CommaDelimitedList",
    ...AWS_SPECIFIC_PARAMETER_TYPES,
    ...AWS_SPECIFIC_LIST_ELEMENT_TYPES.map((t) => `List<${t}>`),
    "AWS::SSM::Parameter::Name",
    "AWS::SSM::Parameter::Value<String>",
    "AWS::SSM::Parameter::Value<List<String>>",
    "AWS::SSM::Parameter::Value<CommaDelimitedList>",
    ...AWS_SPECIFIC_PARAMETER_TYPES.map((t) => `AWS::SSM::Parameter::Value<${t}>`),
    ...AWS_SPECIFIC_LIST_ELEMENT_TYPES.map((t) => `AWS::SSM::Parameter::Value<List<${t}>>`),
]);

/** Resource types whose properties and attributes are free-form. */
function isCustomResourceType(type: string): boolean {
    return type.startsWith("Custom::") || type === "AWS::CloudFormation::CustomResource";
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/** Names declared by the template, used to resolve references. */
interface Scope {
    parameters: Record<string, unknown>;
    resources: Record<string, unknown>;
    conditions: Record<string, unknown>;
    mappings: Record<string, unknown>;
}

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

function checkConditionName(name: unknown, where: string, scope: Scope, problems: string[]): void {
    if (typeof name !== "string" || !(name in scope.conditions)) {
        problems.push(`${where}: ${JSON.stringify(name)} is not a condition`);
    }
}

// ---- properties -------------------------------------------------------------------------------

/** Checks the keys of a mapping against a set of spec properties (of a resource or nested type). */
function checkObject(
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

// ---- references ---------------------------------------------------------------------------------

/** Walks any value and checks every intrinsic reference inside it. */
function checkReferences(
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

// ---- helpers ------------------------------------------------------------------------------------

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The intrinsic function name if `value` is `{ Ref: ... }` or `{ "Fn::X": ... }`. */
function intrinsicName(value: unknown): string | undefined {
    if (!isPlainObject(value)) return undefined;
    const keys = Object.keys(value);
    if (keys.length !== 1) return undefined;
    const key = keys[0];
    return key === "Ref" || key.startsWith("Fn::") ? key : undefined;
}

function isNoValue(value: unknown): boolean {
    return isPlainObject(value) && value.Ref === "AWS::NoValue";
}

function describe(value: unknown): string {
    if (Array.isArray(value)) return "a list";
    if (isPlainObject(value)) return "a mapping";
    return JSON.stringify(value) ?? String(value);
}
