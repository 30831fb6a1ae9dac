// Legacy: this file is cicd.ts as it was at commit 46b8648, before the trust-boundary fixes, kept verbatim
// so that the attack tests can show each attack succeeding against the old code. Not used by the program.
import { arn, doc, Document, Statement } from "./document";

const artifactRead = (partition: string, bucket: string): Statement => ({
    Sid: "ReadArtifacts",
    Effect: "Allow",
    Action: ["s3:GetObject", "s3:GetObjectVersion"],
    Resource: arn.object(partition, bucket, "*"),
});

const writeLogs = (partition: string, region: string, accountId: string, logGroupName: string): Statement => ({
    Sid: "WriteOwnLogs",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: [
        arn.logGroup(partition, region, accountId, logGroupName),
        `${arn.logGroup(partition, region, accountId, logGroupName)}:log-stream:*`,
    ],
});

const assumeOnly = (sid: string, roleArns: readonly string[]): Statement => ({
    Sid: sid,
    Effect: "Allow",
    Action: "sts:AssumeRole",
    Resource: [...roleArns],
});

/**
 * The CodeBuild role (method 1): read the source artifact, write its own log group, assume the
 * targets' Terraform deploy roles. It has no access to the state bucket: the buildspec assumes the
 * deploy role before `terraform init`, so only that role ever touches state.
 */
export const codeBuildRolePolicy = (p: {
    partition: string;
    region: string;
    accountId: string;
    artifactBucket: string;
    logGroupName: string;
    deployRoleArns: readonly string[];
}): Document =>
    doc(
        artifactRead(p.partition, p.artifactBucket),
        writeLogs(p.partition, p.region, p.accountId, p.logGroupName),
        assumeOnly("AssumeTerraformDeployRoles", p.deployRoleArns),
    );

/**
 * A pipeline's service role: run the S3 source action and store artifacts, plus what its deploy
 * action needs — start its one CodeBuild project (method 1), or write its own log group and
 * assume the CloudFormation deploy roles from inside the Commands action (method 2).
 */
export const pipelineRolePolicy = (p: {
    partition: string;
    region: string;
    accountId: string;
    artifactBucket: string;
    codeBuildProjectName?: string;
    commandsLogGroupName?: string;
    assumableRoleArns?: readonly string[];
    notificationTopicArn?: string;
}): Document => {
    const statements: Statement[] = [
        {
            Sid: "SourceAndArtifactStore",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            Resource: arn.object(p.partition, p.artifactBucket, "*"),
        },
        {
            Sid: "SourceBucketVersioning",
            Effect: "Allow",
            Action: ["s3:GetBucketVersioning", "s3:GetBucketLocation"],
            Resource: arn.bucket(p.partition, p.artifactBucket),
        },
    ];
    if (p.codeBuildProjectName !== undefined) {
        statements.push({
            Sid: "RunOwnBuildProject",
            Effect: "Allow",
            Action: ["codebuild:StartBuild", "codebuild:BatchGetBuilds", "codebuild:StopBuild"],
            Resource: arn.codeBuildProject(p.partition, p.region, p.accountId, p.codeBuildProjectName),
        });
    }
    if (p.commandsLogGroupName !== undefined) {
        statements.push(writeLogs(p.partition, p.region, p.accountId, p.commandsLogGroupName));
    }
    if (p.assumableRoleArns !== undefined && p.assumableRoleArns.length > 0) {
        statements.push(assumeOnly("AssumeCloudFormationDeployRoles", p.assumableRoleArns));
    }
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
