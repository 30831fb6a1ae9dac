import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import type { PipelineSpec } from "../methods/types";
import { roleWithPolicies } from "./roleWithPolicies";

export interface DeploymentPipelineArgs {
    /** The pipeline as plain data (methods/stages.ts): its role, variables and stages. */
    readonly spec: PipelineSpec;
    /** The artifact store (also the S3 source's bucket). */
    readonly artifactBucket: pulumi.Input<string>;
    /** Resources the pipeline must wait for: its action roles, projects and log groups. @default none */
    readonly dependsOn?: pulumi.Resource[];
}

/**
 * A CodePipeline V2: V2 is required for pipeline variables, stage conditions and the Commands action.
 * Runs are QUEUED, never superseded, so that a deployment is never overtaken half-way through its
 * waves. Its service role runs no code: each action's own role (or CodeBuild project) does.
 */
export class DeploymentPipeline extends pulumi.ComponentResource {
    public readonly pipelineName: pulumi.Output<string>;
    public readonly pipelineArn: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: DeploymentPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:cicd:DeploymentPipeline", name, {}, opts);
        const { spec } = args;
        const { role, policies } = roleWithPolicies(
            `${name}-service`,
            {
                roleName: spec.role.name,
                description: spec.role.description,
                trust: spec.role.trust,
                policies: spec.role.policies,
            },
            this,
        );
        const pipeline = new aws.codepipeline.Pipeline(
            `${name}-pipeline`,
            {
                name: spec.name,
                pipelineType: "V2",
                executionMode: "QUEUED",
                roleArn: role.arn,
                artifactStores: [{ location: args.artifactBucket, type: "S3" }],
                variables: spec.variables.map((v) => ({ ...v })),
                stages: spec.stages.map((s) => ({
                    name: s.name,
                    ...(s.beforeEntry !== undefined
                        ? {
                              beforeEntry: {
                                  condition: {
                                      result: s.beforeEntry.condition.result,
                                      rules: s.beforeEntry.condition.rules.map((r) => ({
                                          ...r,
                                          ruleTypeId: { ...r.ruleTypeId },
                                          configuration: { ...r.configuration },
                                      })),
                                  },
                              },
                          }
                        : {}),
                    actions: s.actions.map((a) => ({
                        name: a.name,
                        category: a.category,
                        owner: a.owner,
                        provider: a.provider,
                        version: a.version,
                        runOrder: a.runOrder,
                        configuration: a.configuration === undefined ? undefined : { ...a.configuration },
                        commands: a.commands === undefined ? undefined : [...a.commands],
                        inputArtifacts: a.inputArtifacts === undefined ? undefined : [...a.inputArtifacts],
                        outputArtifacts: a.outputArtifacts === undefined ? undefined : [...a.outputArtifacts],
                        outputVariables: a.outputVariables === undefined ? undefined : [...a.outputVariables],
                        namespace: a.namespace,
                        roleArn: a.roleArn,
                    })),
                })),
            },
            { parent: this, dependsOn: [...policies, ...(args.dependsOn ?? [])] },
        );
        this.pipelineName = pipeline.name;
        this.pipelineArn = pipeline.arn;
        this.roleArn = role.arn;
        this.registerOutputs({ pipelineName: this.pipelineName, pipelineArn: this.pipelineArn, roleArn: this.roleArn });
    }
}
