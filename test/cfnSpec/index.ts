/**
 * Offline validation of a CloudFormation template against the AWS resource specification
 * shipped by `@aws-cdk/aws-service-spec` (the database the AWS CDK generates its L1 constructs from).
 *
 * Pure helper module: no mocha, no AWS calls, no network. The spec database (a gzipped JSON
 * file inside the package) is loaded once and cached for the process.
 *
 * This file is the public entry point (`import ... from "./cfnSpec"`); the implementation is split into:
 * - `spec.ts`: loading (cached) and lookup of the spec database, template parsing;
 * - `constants.ts`: pseudo parameters, template sections, resource attributes, parameter types;
 * - `validate.ts`: `validateTemplate`, the top-level checks of sections, parameters and resources;
 * - `properties.ts`: property values against their spec types (nested types, lists, maps, tags);
 * - `references.ts`: `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::If`, `Fn::FindInMap` and conditions;
 * - `values.ts`: small predicates on parsed template values.
 */
export type { CfnTemplate, SpecDatabase } from "./spec";
export { findResourceType, getSpec, loadSpec, parseTemplate } from "./spec";
export { PSEUDO_PARAMETERS, VALID_PARAMETER_TYPES } from "./constants";
export { validateTemplate } from "./validate";
