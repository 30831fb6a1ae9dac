// Legacy: this file is document.ts as it was at commit 46b8648, before the trust-boundary fixes, kept verbatim
// so that the attack tests can show each attack succeeding against the old code. Not used by the program.
import * as aws from "../../../aws";

/** The IAM policy language version every document here uses. */
export const VERSION = "2012-10-17";

export type Statement = aws.iam.PolicyStatement;
export type Document = aws.iam.PolicyDocument;

export const doc = (...statements: Statement[]): Document => ({ Version: VERSION, Statement: statements });

/** ARN builders. Every ARN carries the partition: never a literal `arn:aws:`. */
export const arn = {
    role: (partition: string, accountId: string, name: string): string =>
        `arn:${partition}:iam::${accountId}:role/${name}`,
    accountRoot: (partition: string, accountId: string): string => `arn:${partition}:iam::${accountId}:root`,
    bucket: (partition: string, bucket: string): string => `arn:${partition}:s3:::${bucket}`,
    object: (partition: string, bucket: string, key: string): string => `arn:${partition}:s3:::${bucket}/${key}`,
    logGroup: (partition: string, region: string, accountId: string, name: string): string =>
        `arn:${partition}:logs:${region}:${accountId}:log-group:${name}`,
    codeBuildProject: (partition: string, region: string, accountId: string, name: string): string =>
        `arn:${partition}:codebuild:${region}:${accountId}:project/${name}`,
    pipeline: (partition: string, region: string, accountId: string, name: string): string =>
        `arn:${partition}:codepipeline:${region}:${accountId}:${name}`,
    stack: (partition: string, region: string, accountId: string, name: string): string =>
        `arn:${partition}:cloudformation:${region}:${accountId}:stack/${name}/*`,
    ssmPublicParameter: (partition: string, region: string, path: string): string =>
        `arn:${partition}:ssm:${region}::parameter${path}`,
};
