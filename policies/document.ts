import * as aws from "../aws";

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
    topic: (partition: string, region: string, accountId: string, name: string): string =>
        `arn:${partition}:sns:${region}:${accountId}:${name}`,
    rule: (partition: string, region: string, accountId: string, name: string): string =>
        `arn:${partition}:events:${region}:${accountId}:rule/${name}`,
    instanceProfile: (partition: string, accountId: string, name: string): string =>
        `arn:${partition}:iam::${accountId}:instance-profile/${name}`,
};

/**
 * The key prefix under which CodePipeline stores an action's output artifact in the artifact store:
 * the first 20 characters of the pipeline name, then the first 10 of the artifact name, then a random
 * id (`myPipeline/SourceArti/KEYEXAMPLE`). AWS shows this layout in its examples (CodePipeline User
 * Guide, "Monitoring pipelines with EventBridge" event sample; AWS CLI `list-action-executions` and
 * `codebuild batch-get-builds` examples) and says names are truncated ("Pipeline artifact folder
 * names appear to be truncated", CodePipeline troubleshooting), without stating the lengths.
 * Per-target artifact names are therefore unique in their first 10 characters (names.ts).
 */
export const artifactKeyPrefix = (pipelineName: string, artifactName: string): string =>
    `${pipelineName.slice(0, 20)}/${artifactName.slice(0, 10)}`;
