/**
 * Loading of the AWS resource specification database (`@aws-cdk/aws-service-spec`, cached once per
 * process), resource type lookup, and parsing of YAML/JSON templates with CloudFormation's short-form tags.
 */
import { loadAwsServiceSpec, loadAwsServiceSpecSync } from "@aws-cdk/aws-service-spec";
import type { Resource, SpecDatabase } from "@aws-cdk/service-spec-types";
import { yamlParse } from "yaml-cfn";
import { isPlainObject } from "./values";

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
