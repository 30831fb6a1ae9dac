import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { notificationTopicPolicy } from "../policies";

/** CodeStar Notifications event types for pipelines (codepipeline-pipeline-*). */
export const PIPELINE_EVENTS = [
    "codepipeline-pipeline-pipeline-execution-failed",
    "codepipeline-pipeline-pipeline-execution-succeeded",
    "codepipeline-pipeline-manual-approval-needed",
] as const;

export interface PipelineNotificationsArgs {
    /** The CI/CD account: only its notification rules may publish to the topic (aws:SourceAccount). */
    readonly accountId: string;
    /** The topic's ARN, known before it exists (the topic policy and the approvals name it). */
    readonly topicArn: string;
    /** The topic's physical name. */
    readonly topicName: string;
    /** Pipelines by short name → ARN. */
    readonly pipelines: Record<string, string>;
    /** An email subscription (the recipient must confirm it). @default none */
    readonly email?: string;
}

/**
 * An SNS topic that receives every pipeline's failures, successes and approval requests through
 * CodeStar notification rules, with a topic policy that admits only CodeStar Notifications for
 * this account.
 */
export class PipelineNotifications extends pulumi.ComponentResource {
    public readonly topicArn: pulumi.Output<string>;

    constructor(name: string, args: PipelineNotificationsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:cicd:PipelineNotifications", name, {}, opts);
        const topic = new aws.sns.Topic(`${name}-topic`, { name: args.topicName }, { parent: this });
        const policy = new aws.sns.TopicPolicy(
            `${name}-topic-policy`,
            {
                arn: topic.arn,
                policy: JSON.stringify(notificationTopicPolicy({ topicArn: args.topicArn, accountId: args.accountId })),
            },
            { parent: this },
        );
        for (const [pipeline, pipelineArn] of Object.entries(args.pipelines)) {
            new aws.codestarnotifications.NotificationRule(
                `${name}-${pipeline}`,
                {
                    name: `${args.topicName}-${pipeline}`.slice(0, 64),
                    resource: pipelineArn,
                    detailType: "BASIC",
                    eventTypeIds: [...PIPELINE_EVENTS],
                    targets: [{ address: topic.arn, type: "SNS" }],
                },
                { parent: this, dependsOn: [policy] },
            );
        }
        if (args.email !== undefined) {
            new aws.sns.TopicSubscription(
                `${name}-email`,
                { topic: topic.arn, protocol: "email", endpoint: args.email },
                { parent: this },
            );
        }
        this.topicArn = topic.arn;
        this.registerOutputs({ topicArn: this.topicArn });
    }
}
