/**
 * Method 2's IAM documents: the CI/CD account's per-target action roles of the Commands actions, and
 * the target account's plan and deploy roles. The deploy role builds nothing itself; the execution
 * role does, and only CloudFormation may assume it.
 */
import {
    ArtifactScope,
    arn,
    assumeOnly,
    commandsLogs,
    doc,
    Document,
    readRunRecord,
    readSourceArtifact,
    Statement,
    writeReports,
} from "../../policies";

export interface ActionRoleArgs extends ArtifactScope {
    /** The Commands log groups of the pipelines this role's actions run in. */
    readonly logGroups: readonly string[];
    readonly sourcePipelines: readonly string[];
    readonly sourceArtifact: string;
    /** The deployment pipeline: its run record holds BUILD_ACTION and the plan's digest. */
    readonly pipelineName: string;
    /** The one role this action may assume, in its target account. */
    readonly targetRoleArn: string;
}

/** The plan (and drift) action of one target. */
export function planActionRolePolicy(p: ActionRoleArgs & { reportPrefix: string; topicArn: string }): Document {
    return doc(
        commandsLogs(p, "CommandsLogs", p.logGroups),
        readSourceArtifact(p, p.sourcePipelines, p.sourceArtifact),
        writeReports(p, p.reportPrefix),
        readRunRecord(p, [p.pipelineName], false),
        assumeOnly("AssumeOwnTargetPlanRole", [p.targetRoleArn]),
        { Sid: "ReportDrift", Effect: "Allow", Action: "sns:Publish", Resource: p.topicArn },
    );
}

/** The apply action of one target. */
export function applyActionRolePolicy(p: ActionRoleArgs): Document {
    return doc(
        commandsLogs(p, "CommandsLogs", p.logGroups),
        readSourceArtifact(p, p.sourcePipelines, p.sourceArtifact),
        readRunRecord(p, [p.pipelineName], true),
        assumeOnly("AssumeOwnTargetDeployRole", [p.targetRoleArn]),
    );
}

export interface StackScope {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
    /** The workload stack (a wildcard pattern in the org template). */
    readonly stackName: string;
    readonly executionRoleArn: string;
    readonly amiParameter: string;
}

const stackArn = (s: StackScope): string => arn.stack(s.partition, s.region, s.accountId, s.stackName);
/** Change sets of this pipeline are named run-<execution id>. */
const changeSetArn = (s: StackScope): string =>
    `arn:${s.partition}:cloudformation:${s.region}:${s.accountId}:changeSet/run-*/*`;

const passExecutionRole = (s: StackScope): Statement => ({
    Sid: "PassExecutionRoleToCloudFormationOnly",
    Effect: "Allow",
    Action: "iam:PassRole",
    Resource: s.executionRoleArn,
    Condition: { StringEquals: { "iam:PassedToService": "cloudformation.amazonaws.com" } },
});

/**
 * CloudFormation validates AWS::EC2::Subnet::Id and AWS::EC2::SecurityGroup::Id parameters with the
 * caller's credentials, so the caller needs these reads (and an SSM read to resolve the AMI).
 */
const validateParameters = (s: StackScope): Statement[] => [
    {
        Sid: "ValidateNetworkParameters",
        Effect: "Allow",
        // Describe calls support no resource-level permissions.
        Action: ["ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeImages"],
        Resource: "*",
    },
    {
        Sid: "ResolveAmiParameter",
        Effect: "Allow",
        Action: ["ssm:GetParameter", "ssm:GetParameters"],
        Resource: arn.ssmPublicParameter(s.partition, s.region, s.amiParameter),
    },
];

/**
 * The target's plan role: propose a change set (always with the execution role), describe it, remove
 * its own stale ones, and detect drift. It can neither execute a change set nor delete the stack.
 * Drift detection reads every resource of the stack with the caller's rights
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/detect-drift-stack.html), hence the
 * EC2 reads.
 */
export function cloudFormationPlanPolicy(s: StackScope): Document {
    return doc(
        {
            Sid: "ProposeChangeSetsWithTheExecutionRole",
            Effect: "Allow",
            Action: "cloudformation:CreateChangeSet",
            Resource: stackArn(s),
            Condition: {
                ArnEquals: { "cloudformation:RoleArn": s.executionRoleArn },
                StringLike: { "cloudformation:ChangeSetName": "run-*" },
            },
        },
        {
            Sid: "ReviewTheWorkloadStack",
            Effect: "Allow",
            Action: [
                "cloudformation:DescribeChangeSet",
                "cloudformation:DeleteChangeSet",
                "cloudformation:ListChangeSets",
                "cloudformation:DescribeStacks",
                "cloudformation:DescribeStackEvents",
                "cloudformation:DescribeStackResources",
                "cloudformation:DetectStackDrift",
                "cloudformation:DescribeStackResourceDrifts",
            ],
            Resource: [stackArn(s), changeSetArn(s)],
        },
        {
            Sid: "ReadDriftDetectionStatus",
            Effect: "Allow",
            // No resource-level permissions for this call.
            Action: "cloudformation:DescribeStackDriftDetectionStatus",
            Resource: "*",
        },
        passExecutionRole(s),
        ...validateParameters(s),
        {
            Sid: "ReadWorkloadForDrift",
            Effect: "Allow",
            Action: "ec2:Describe*",
            Resource: "*",
        },
    );
}

/**
 * The target's deploy role: execute a reviewed change set of the workload stack, or delete the stack
 * with the execution role. It builds nothing itself and cannot propose a change set.
 */
export function cloudFormationDeployPolicy(s: StackScope): Document {
    return doc(
        {
            Sid: "ExecuteReviewedChangeSets",
            Effect: "Allow",
            Action: "cloudformation:ExecuteChangeSet",
            Resource: [stackArn(s), changeSetArn(s)],
            Condition: { StringLike: { "cloudformation:ChangeSetName": "run-*" } },
        },
        {
            Sid: "DeleteTheWorkloadStackWithTheExecutionRole",
            Effect: "Allow",
            Action: "cloudformation:DeleteStack",
            Resource: stackArn(s),
            Condition: { ArnEquals: { "cloudformation:RoleArn": s.executionRoleArn } },
        },
        {
            Sid: "FollowTheWorkloadStack",
            Effect: "Allow",
            Action: [
                "cloudformation:DescribeChangeSet",
                "cloudformation:DescribeStacks",
                "cloudformation:DescribeStackEvents",
                "cloudformation:DescribeStackResources",
            ],
            Resource: [stackArn(s), changeSetArn(s)],
        },
        passExecutionRole(s),
        ...validateParameters(s),
    );
}
