// The parts of @pulumi/aws this program uses, one service module at a time. The package index
// (`import * as aws from "@pulumi/aws"`) loads every AWS service: 263 more modules in every
// `pulumi up`, and 2,500 more declaration files for tsc, ESLint and a type-checking ts-node
// (BENCHMARKS.md, "Where the time goes"). The code imports this file as `aws` and keeps writing
// `aws.s3.Bucket`; a service or function not exported here is a compile error, so add it here (and to
// AWS_USED in scripts/bench/floor.ts, which `npm run bench` checks).
//
// The index also registers the `aws` provider package for rehydrating provider references that
// arrive inside resource references; this program receives none (its StackReference outputs are
// plain strings), so it does not need that.
export * as cloudformation from "@pulumi/aws/cloudformation";
export * as cloudwatch from "@pulumi/aws/cloudwatch";
export * as codebuild from "@pulumi/aws/codebuild";
export * as codepipeline from "@pulumi/aws/codepipeline";
export * as codestarnotifications from "@pulumi/aws/codestarnotifications";
export * as iam from "@pulumi/aws/iam";
export * as s3 from "@pulumi/aws/s3";
export * as sns from "@pulumi/aws/sns";
export { getCallerIdentity } from "@pulumi/aws/getCallerIdentity";
export { getPartition } from "@pulumi/aws/getPartition";
export { Provider } from "@pulumi/aws/provider";
export type { Region } from "@pulumi/aws/types/enums";
export type * as types from "@pulumi/aws/types";
