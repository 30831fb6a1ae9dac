/**
 * Method 1's IAM documents: the CI/CD account's per-target build roles, and the target account's
 * plan and deploy roles. One role per target and step: the role that plans dev reaches nothing of
 * prod, so the stage order and prod's approval are enforced by IAM, not by the pipeline alone.
 */
import {
    ArtifactScope,
    artifactBucketIdentity,
    artifactKeyPrefix,
    arn,
    assumeOnly,
    doc,
    Document,
    readRunRecord,
    readSourceArtifact,
    Statement,
    writeReports,
} from "../../policies";

export interface BuildRoleArgs extends ArtifactScope {
    /** The log group all of the method's builds write to, and this project's stream prefix. */
    readonly logGroup: string;
    readonly logStreamPrefix: string;
    /** Pipelines whose source artifact the build reads: deployment and drift. */
    readonly sourcePipelines: readonly string[];
    readonly sourceArtifact: string;
    /** The deployment pipeline: its run record holds TF_ACTION and the plan's SHA-256. */
    readonly pipelineName: string;
    /** The one role this build may assume, in its target account. */
    readonly targetRoleArn: string;
}

const buildLogs = (p: BuildRoleArgs): Statement => {
    const group = arn.logGroup(p.partition, p.region, p.accountId, p.logGroup);
    return {
        Sid: "WriteOwnLogStreams",
        Effect: "Allow",
        Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        // CodeBuild names each build's stream <streamName prefix>/<build id>.
        Resource: [group, `${group}:log-stream:${p.logStreamPrefix}/*`],
    };
};

/** The plan build of one target: reads the source, writes its plan artifact and reports, plans as the plan role. */
export function planBuildRolePolicy(
    p: BuildRoleArgs & {
        /** Its output artifacts: the plan (deployment pipeline) and the drift check (drift pipeline). */
        readonly outputs: readonly { readonly pipeline: string; readonly artifact: string }[];
        readonly reportPrefix: string;
        readonly topicArn: string;
    },
): Document {
    return doc(
        buildLogs(p),
        readSourceArtifact(p, p.sourcePipelines, p.sourceArtifact),
        {
            Sid: "WriteOwnPlanArtifacts",
            Effect: "Allow",
            Action: "s3:PutObject",
            Resource: p.outputs.map((o) =>
                arn.object(p.partition, p.bucket, `${artifactKeyPrefix(o.pipeline, o.artifact)}/*`),
            ),
        },
        writeReports(p, p.reportPrefix),
        artifactBucketIdentity(p),
        readRunRecord(p, [p.pipelineName], false),
        assumeOnly("AssumeOwnTargetPlanRole", [p.targetRoleArn]),
        {
            Sid: "ReportDrift",
            Effect: "Allow",
            Action: "sns:Publish",
            Resource: p.topicArn,
        },
    );
}

/** The apply build of one target: reads the source and its own reviewed plan, applies as the deploy role. */
export function applyBuildRolePolicy(p: BuildRoleArgs & { readonly planArtifact: string }): Document {
    return doc(
        buildLogs(p),
        readSourceArtifact(p, p.sourcePipelines, p.sourceArtifact),
        {
            Sid: "ReadOwnPlanArtifact",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:GetObjectVersion"],
            Resource: arn.object(p.partition, p.bucket, `${artifactKeyPrefix(p.pipelineName, p.planArtifact)}/*`),
        },
        artifactBucketIdentity(p),
        readRunRecord(p, [p.pipelineName], true),
        assumeOnly("AssumeOwnTargetDeployRole", [p.targetRoleArn]),
    );
}
