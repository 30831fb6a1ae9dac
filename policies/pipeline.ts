import { arn, artifactKeyPrefix, doc, Document, Statement } from "./document";

/** Where one pipeline's artifacts and review reports live in the artifact bucket. */
export interface ArtifactScope {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
    readonly bucket: string;
}

/**
 * The CloudWatch Logs rights of a Commands action: CodePipeline writes to
 * /aws/codepipeline/<pipeline> and may create it (action-reference-Commands, "Service role policy
 * permissions"). The group exists already (the stack creates it with a retention period).
 */
export const commandsLogs = (s: ArtifactScope, sid: string, groups: readonly string[]): Statement => ({
    Sid: sid,
    Effect: "Allow",
    Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: groups.flatMap((g) => {
        const group = arn.logGroup(s.partition, s.region, s.accountId, g);
        return [group, `${group}:*`];
    }),
});

/** Read the source artifact of these pipelines (the S3 source action's output, `source_output`). */
export const readSourceArtifact = (
    s: ArtifactScope,
    pipelines: readonly string[],
    sourceArtifact: string,
): Statement => ({
    Sid: "ReadSourceArtifact",
    Effect: "Allow",
    Action: ["s3:GetObject", "s3:GetObjectVersion"],
    Resource: pipelines.map((p) => arn.object(s.partition, s.bucket, `${artifactKeyPrefix(p, sourceArtifact)}/*`)),
});

/** The bucket-level reads CodeBuild and CodePipeline make on an artifact store. */
export const artifactBucketIdentity = (s: ArtifactScope): Statement => ({
    Sid: "ArtifactBucketIdentity",
    Effect: "Allow",
    Action: ["s3:GetBucketAcl", "s3:GetBucketLocation"],
    Resource: arn.bucket(s.partition, s.bucket),
});

/** Write review reports under one prefix of the artifact bucket. */
export const writeReports = (s: ArtifactScope, prefix: string): Statement => ({
    Sid: "WriteReviewReports",
    Effect: "Allow",
    Action: "s3:PutObject",
    Resource: arn.object(s.partition, s.bucket, `${prefix}/*`),
});

/** Read this run's record: its variables (GetPipelineExecution) and, optionally, its actions' outputs. */
export const readRunRecord = (s: ArtifactScope, pipelines: readonly string[], actionOutputs: boolean): Statement => ({
    Sid: actionOutputs ? "ReadRunVariablesAndActionOutputs" : "ReadRunVariables",
    Effect: "Allow",
    Action: actionOutputs
        ? ["codepipeline:GetPipelineExecution", "codepipeline:ListActionExecutions"]
        : "codepipeline:GetPipelineExecution",
    Resource: pipelines.map((p) => arn.pipeline(s.partition, s.region, s.accountId, p)),
});

export const assumeOnly = (sid: string, roleArns: readonly string[]): Statement => ({
    Sid: sid,
    Effect: "Allow",
    Action: "sts:AssumeRole",
    Resource: roleArns.length === 1 ? roleArns[0] : [...roleArns],
});

export interface PipelineRolePolicyArgs extends ArtifactScope {
    readonly pipelineName: string;
    readonly sourceKey: string;
    /** CodeBuild projects the pipeline may start (name patterns: constant size whatever the targets). */
    readonly codeBuildProjects?: readonly string[];
    /** Roles the pipeline assumes for its actions (action-level roleArn), as ARN patterns. */
    readonly actionRoleArns?: readonly string[];
    /** The pipeline runs Commands actions: their log group. */
    readonly commandsLogGroup?: string;
    /** The topic its approvals notify. */
    readonly notificationTopicArn?: string;
}

/**
 * A pipeline's service role. It runs no code itself: it reads the S3 source (the permissions the S3
 * source action documents, action-reference-S3 "Service role permissions"), keeps its own artifacts,
 * starts its own CodeBuild projects, assumes the action roles of its Commands actions, and publishes
 * its approvals. Its own actions' roles do the work.
 */
export const pipelineRolePolicy = (p: PipelineRolePolicyArgs): Document => {
    const statements: Statement[] = [
        {
            Sid: "ReadSource",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectVersionTagging"],
            Resource: arn.object(p.partition, p.bucket, p.sourceKey),
        },
        {
            Sid: "SourceBucket",
            Effect: "Allow",
            Action: ["s3:GetBucketVersioning", "s3:GetBucketAcl", "s3:GetBucketLocation"],
            Resource: arn.bucket(p.partition, p.bucket),
        },
        {
            Sid: "OwnArtifacts",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            Resource: arn.object(p.partition, p.bucket, `${p.pipelineName.slice(0, 20)}/*`),
        },
    ];
    if (p.codeBuildProjects !== undefined && p.codeBuildProjects.length > 0) {
        statements.push({
            Sid: "RunOwnBuildProjects",
            Effect: "Allow",
            Action: ["codebuild:StartBuild", "codebuild:BatchGetBuilds", "codebuild:StopBuild"],
            Resource: p.codeBuildProjects.map((n) => arn.codeBuildProject(p.partition, p.region, p.accountId, n)),
        });
    }
    if (p.actionRoleArns !== undefined && p.actionRoleArns.length > 0) {
        statements.push(assumeOnly("AssumeOwnActionRoles", p.actionRoleArns));
    }
    if (p.commandsLogGroup !== undefined) statements.push(commandsLogs(p, "CommandsLogs", [p.commandsLogGroup]));
    if (p.notificationTopicArn !== undefined) {
        statements.push({
            Sid: "PublishApprovalRequests",
            Effect: "Allow",
            Action: "sns:Publish",
            Resource: p.notificationTopicArn,
        });
    }
    return doc(...statements);
};

/**
 * The Review action of a wave: reads this run's plan results from CodePipeline and writes the wave's
 * report. It reaches no target account.
 */
export const reviewRolePolicy = (
    p: ArtifactScope & {
        pipelineName: string;
        logGroup: string;
        reportPrefix: string;
        sourcePipelines: readonly string[];
        sourceArtifact: string;
    },
): Document =>
    doc(
        readRunRecord(p, [p.pipelineName], true),
        readSourceArtifact(p, p.sourcePipelines, p.sourceArtifact),
        writeReports(p, p.reportPrefix),
        commandsLogs(p, "CommandsLogs", [p.logGroup]),
    );

/** EventBridge may start these pipelines, and nothing else. */
export const startPipelinePolicy = (p: { pipelineArns: readonly string[] }): Document =>
    doc({
        Sid: "StartOwnPipelines",
        Effect: "Allow",
        Action: "codepipeline:StartPipelineExecution",
        Resource: [...p.pipelineArns],
    });

/**
 * The notification topic's policy: only CodeStar Notifications, on behalf of this account, may
 * publish; nothing else may publish or change it (topic owner rights stay with the account).
 */
export const notificationTopicPolicy = (p: { topicArn: string; accountId: string }): Document =>
    doc({
        Sid: "CodeStarNotificationsPublish",
        Effect: "Allow",
        Principal: { Service: "codestar-notifications.amazonaws.com" },
        Action: "sns:Publish",
        Resource: p.topicArn,
        Condition: { StringEquals: { "aws:SourceAccount": p.accountId } },
    });
