import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import type { TriggerSpec } from "../stacks/cicdModel";
import { roleWithPolicies } from "./roleWithPolicies";

export interface PipelineTriggerArgs {
    /** The trigger as plain data: its role, the pipelines it starts, and a schedule (or none). */
    readonly spec: TriggerSpec;
    /** Without a schedule: the bucket and key whose new versions start the pipelines. @default none (a schedule trigger) */
    readonly source?: { readonly bucketName: pulumi.Input<string>; readonly key: string };
    /** Resources the targets wait for (the pipelines). @default none */
    readonly dependsOn?: pulumi.Resource[];
}

/**
 * Starts pipelines: on a new version of the source archive (an EventBridge rule on S3 "Object
 * Created" for that one key), or on a schedule (the drift checks). Its role may start only these
 * pipelines, and only EventBridge on behalf of this rule may assume it.
 */
export class PipelineTrigger extends pulumi.ComponentResource {
    public readonly ruleArn: pulumi.Output<string>;

    constructor(name: string, args: PipelineTriggerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:cicd:PipelineTrigger", name, {}, opts);
        const { spec } = args;
        const { role, policies } = roleWithPolicies(
            `${name}-events`,
            {
                roleName: spec.role.name,
                description: spec.role.description,
                trust: spec.role.trust,
                policies: spec.role.policies,
            },
            this,
        );
        const rule = new aws.cloudwatch.EventRule(
            `${name}-rule`,
            {
                name: spec.ruleName,
                description: spec.description,
                ...(spec.schedule !== undefined
                    ? { scheduleExpression: spec.schedule }
                    : {
                          eventPattern: pulumi.jsonStringify({
                              source: ["aws.s3"],
                              "detail-type": ["Object Created"],
                              detail: {
                                  bucket: { name: [args.source?.bucketName] },
                                  object: { key: [args.source?.key] },
                              },
                          }),
                      }),
            },
            { parent: this },
        );
        spec.pipelineArns.forEach((pipelineArn) => {
            // Named by the pipeline, not by position: adding a pipeline never renames another's target.
            new aws.cloudwatch.EventTarget(
                `${name}-${pipelineArn.split(":").pop()}`,
                { rule: rule.name, arn: pipelineArn, roleArn: role.arn },
                { parent: this, dependsOn: [...policies, ...(args.dependsOn ?? [])] },
            );
        });
        this.ruleArn = rule.arn;
        this.registerOutputs({ ruleArn: this.ruleArn });
    }
}
