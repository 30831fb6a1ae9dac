import { CicdConfig, DEFAULTS, TargetConfig } from "./config";

/**
 * Every physical name this program chooses, derived once from the config. The cicd stack exports
 * the ones the target stacks need, so both sides agree without guessing and without a cycle.
 */
export interface Names {
    readonly stateBucket: string;
    readonly artifactBucket: string;
    readonly sourceKey: string;
    readonly codeBuildProject: string;
    readonly codeBuildRole: string;
    readonly codeBuildLogGroup: string;
    readonly terraformPipeline: string;
    readonly terraformPipelineRole: string;
    readonly cloudFormationPipeline: string;
    readonly cloudFormationPipelineRole: string;
    /** CodePipeline writes the Commands action's logs here; the name is fixed by the service. */
    readonly cloudFormationLogGroup: string;
    readonly triggerRole: string;
    readonly notificationTopic: string;
    /** Roles in every target account. */
    readonly terraformDeployRole: string;
    readonly cloudFormationDeployRole: string;
    readonly cloudFormationExecutionRole: string;
    /** Physical-name prefix and tag value of the workload each method builds. */
    readonly terraformWorkload: string;
    readonly cloudFormationWorkload: string;
}

export function deriveNames(config: Pick<CicdConfig, "namePrefix" | "region">, cicdAccountId: string): Names {
    const p = config.namePrefix;
    return {
        stateBucket: `${p}-tfstate-${cicdAccountId}-${config.region}`,
        artifactBucket: `${p}-artifacts-${cicdAccountId}-${config.region}`,
        sourceKey: "source/workload.zip",
        codeBuildProject: `${p}-terraform`,
        codeBuildRole: `${p}-codebuild-terraform`,
        codeBuildLogGroup: `/aws/codebuild/${p}-terraform`,
        terraformPipeline: `${p}-terraform`,
        terraformPipelineRole: `${p}-pipeline-terraform`,
        cloudFormationPipeline: `${p}-cloudformation`,
        cloudFormationPipelineRole: `${p}-pipeline-cloudformation`,
        cloudFormationLogGroup: `/aws/codepipeline/${p}-cloudformation`,
        triggerRole: `${p}-start-pipelines`,
        notificationTopic: `${p}-pipeline-notifications`,
        terraformDeployRole: `${p}-terraform-deploy`,
        cloudFormationDeployRole: `${p}-cloudformation-deploy`,
        cloudFormationExecutionRole: `${p}-cloudformation-execution`,
        terraformWorkload: `${p}-tf`,
        cloudFormationWorkload: `${p}-cfn`,
    };
}

/**
 * Suffix of a target's pipeline variables and stage names: none for the single-target form, so that
 * it keeps the seed's names (TARGET_ROLE_ARN, ...); `_DEV` for a target named `dev`.
 */
export const variableSuffix = (target: Pick<TargetConfig, "name">): string =>
    target.name === DEFAULTS.singleTargetName ? "" : `_${target.name.toUpperCase().replace(/-/g, "_")}`;

export const stageName = (target: Pick<TargetConfig, "name">): string =>
    target.name === DEFAULTS.singleTargetName ? "Deploy" : `Deploy-${target.name}`;
