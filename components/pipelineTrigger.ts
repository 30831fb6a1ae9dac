import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceTrust, startPipelinePolicy } from "../policies";
import { roleWithPolicies } from "./roleWithPolicies";

export interface PipelineTriggerArgs {
    readonly accountId: string;
    readonly roleName: string;
    readonly bucketName: pulumi.Input<string>;
    readonly sourceKey: string;
    /** Pipelines to start, by ARN (plain strings: the names are known up front). */
    readonly pipelineArns: readonly string[];
}

/**
 * Starts the pipelines when a new version of the source archive lands in the bucket: an EventBridge
 * rule on S3 "Object Created" for that one key, with a role that may start only these pipelines.
 */
export class PipelineTrigger extends pulumi.ComponentResource {
    public readonly ruleArn: pulumi.Output<string>;

    constructor(name: string, args: PipelineTriggerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:cicd:PipelineTrigger", name, {}, opts);
        const { role, policies } = roleWithPolicies(
            `${name}-events`,
            {
                roleName: args.roleName,
                description: "EventBridge starts the deployment pipelines on a new source archive",
                trust: serviceTrust({ service: "events.amazonaws.com", sourceAccountId: args.accountId }),
                policies: { "start-pipelines": startPipelinePolicy({ pipelineArns: args.pipelineArns }) },
            },
            this,
        );
        const rule = new aws.cloudwatch.EventRule(
            `${name}-rule`,
            {
                description: "A new source archive starts the deployment pipelines",
                eventPattern: pulumi.jsonStringify({
                    source: ["aws.s3"],
                    "detail-type": ["Object Created"],
                    detail: { bucket: { name: [args.bucketName] }, object: { key: [args.sourceKey] } },
                }),
            },
            { parent: this },
        );
        args.pipelineArns.forEach((pipelineArn, i) => {
            new aws.cloudwatch.EventTarget(
                `${name}-target-${i}`,
                {
                    rule: rule.name,
                    arn: pipelineArn,
                    roleArn: role.arn,
                },
                { parent: this, dependsOn: policies },
            );
        });
        this.ruleArn = rule.arn;
        this.registerOutputs({ ruleArn: this.ruleArn });
    }
}
