import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { Document, serviceTrust } from "../policies";
import { roleWithPolicies } from "./roleWithPolicies";

type StageAction = aws.types.input.codepipeline.PipelineStageAction;
type Stage = aws.types.input.codepipeline.PipelineStage;

/** One deployment stage: the action that deploys one target, after an approval where required. */
export interface TargetStage {
    readonly stageName: string;
    readonly requireApproval: boolean;
    /** The deploy action (CodeBuild or Commands); runOrder is set here. */
    readonly action: StageAction;
}

export interface PipelineVariable {
    readonly name: string;
    readonly defaultValue: string;
    readonly description: string;
}

export interface DeploymentPipelineArgs {
    readonly accountId: string;
    readonly pipelineName: string;
    readonly roleName: string;
    /** The service role's permissions. */
    readonly rolePolicy: Document;
    readonly artifactBucket: pulumi.Input<string>;
    readonly sourceKey: string;
    readonly variables: readonly PipelineVariable[];
    readonly stages: readonly TargetStage[];
    /**
     * The destroy guard: when `variable` equals `value` (a destroy run), a manual approval stage
     * runs before any target is touched; otherwise the stage is skipped (an entry condition).
     */
    readonly destroyGuard: { readonly variable: string; readonly value: string };
    /** Resources the pipeline must wait for (e.g. a log group with its retention). */
    readonly dependsOn?: pulumi.Resource[];
}

/**
 * A CodePipeline V2 with an S3 source and one stage per target, in order. V2 is required for
 * pipeline variables, stage conditions and the Commands action. Runs are QUEUED, never
 * superseded, so that a deployment is never overtaken half-way through the targets.
 */
export class DeploymentPipeline extends pulumi.ComponentResource {
    public readonly pipelineName: pulumi.Output<string>;
    public readonly pipelineArn: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: DeploymentPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:cicd:DeploymentPipeline", name, {}, opts);
        const { role, policies } = roleWithPolicies(
            `${name}-service`,
            {
                roleName: args.roleName,
                description: `Service role of the ${args.pipelineName} pipeline`,
                trust: serviceTrust({ service: "codepipeline.amazonaws.com", sourceAccountId: args.accountId }),
                policies: { pipeline: args.rolePolicy },
            },
            this,
        );

        const sourceStage: Stage = {
            name: "Source",
            actions: [
                {
                    name: "Source",
                    category: "Source",
                    owner: "AWS",
                    provider: "S3",
                    version: "1",
                    outputArtifacts: ["source_output"],
                    configuration: {
                        S3Bucket: args.artifactBucket,
                        S3ObjectKey: args.sourceKey,
                        // EventBridge starts the pipeline (see PipelineTrigger); polling is legacy.
                        PollForSourceChanges: "false",
                    },
                },
            ],
        };
        const guardStage: Stage = {
            name: "ApproveDestroy",
            beforeEntry: {
                condition: {
                    result: "SKIP",
                    rules: [
                        {
                            name: "OnlyForDestroyRuns",
                            ruleTypeId: { category: "Rule", owner: "AWS", provider: "VariableCheck", version: "1" },
                            configuration: {
                                Variable: `#{variables.${args.destroyGuard.variable}}`,
                                Value: args.destroyGuard.value,
                                Operator: "EQ",
                            },
                        },
                    ],
                },
            },
            actions: [
                {
                    name: "ApproveDestroy",
                    category: "Approval",
                    owner: "AWS",
                    provider: "Manual",
                    version: "1",
                    configuration: {
                        CustomData: `${args.destroyGuard.variable}=${args.destroyGuard.value}: this run destroys the workload in every target`,
                    },
                },
            ],
        };
        const targetStages: Stage[] = args.stages.map((s) => ({
            name: s.stageName,
            actions: [
                ...(s.requireApproval
                    ? [
                          {
                              name: "Approve",
                              category: "Approval",
                              owner: "AWS",
                              provider: "Manual",
                              version: "1",
                              runOrder: 1,
                              configuration: { CustomData: `Approve deployment to ${s.stageName}` },
                          },
                      ]
                    : []),
                { ...s.action, runOrder: s.requireApproval ? 2 : 1 },
            ],
        }));

        const pipeline = new aws.codepipeline.Pipeline(
            `${name}-pipeline`,
            {
                name: args.pipelineName,
                pipelineType: "V2",
                executionMode: "QUEUED",
                roleArn: role.arn,
                artifactStores: [{ location: args.artifactBucket, type: "S3" }],
                variables: args.variables.map((v) => ({ ...v })),
                stages: [sourceStage, guardStage, ...targetStages],
            },
            { parent: this, dependsOn: [...policies, ...(args.dependsOn ?? [])] },
        );

        this.pipelineName = pipeline.name;
        this.pipelineArn = pipeline.arn;
        this.roleArn = role.arn;
        this.registerOutputs({ pipelineName: this.pipelineName, pipelineArn: this.pipelineArn, roleArn: this.roleArn });
    }
}
