import { createHash } from "crypto";
import { CicdConfig, Method, SINGLE_TARGET_NAME, TargetConfig, Wave } from "./config";

/**
 * Every physical name this program chooses, derived once from the config. Names are derived from the
 * prefix and the target's name or account, never from a target's position, so adding, removing or
 * reordering targets never renames another target's roles, projects, stages, state key or stack.
 *
 * Principals in the CI/CD account are named by the target's ACCOUNT ID (`<prefix>-tf-apply-<account>`):
 * a target account's roles trust exactly that name, so the same template fits every account of an
 * organization (the `org` stack writes `${AWS::AccountId}` there).
 */
export interface MethodNames {
    /** The deployment pipeline, and the drift pipeline that only plans. */
    readonly pipeline: string;
    readonly pipelineRole: string;
    readonly driftPipeline: string;
    readonly driftPipelineRole: string;
    /** Role of the Commands action that sums up a wave's plans for its approval. */
    readonly reviewRole: string;
    /** Log group of the method's builds: CodeBuild's for terraform, the Commands action's for cloudformation. */
    readonly logGroup: string;
    /** Method 2 only: the drift pipeline's Commands log group (the name is fixed by CodePipeline). */
    readonly driftLogGroup: string;
    /** Roles in every target account. */
    readonly planRole: string;
    readonly deployRole: string;
    /** Physical-name prefix and tag value of the workload this method builds. */
    readonly workload: string;
    /** The workload's instance role and profile, created by the target stack (the workload only passes it). */
    readonly instanceRole: string;
    readonly instanceProfile: string;
}

export interface Names {
    readonly stateBucket: string;
    readonly artifactBucket: string;
    readonly sourceKey: string;
    /** Prefix of the review reports in the artifact bucket: `reviews/<pipeline>/<target>/<execution>/`. */
    readonly reviewPrefix: string;
    readonly triggerRole: string;
    readonly driftTriggerRole: string;
    readonly notificationTopic: string;
    /** Method 2: CloudFormation builds the workload with this role, in each target account. */
    readonly cloudFormationExecutionRole: string;
    readonly terraform: MethodNames;
    readonly cloudformation: MethodNames;
}

/** The short method tag used in per-target names: `tf` or `cfn`. */
export const METHOD_TAG: Record<Method, string> = { terraform: "tf", cloudformation: "cfn" };

export function deriveNames(config: Pick<CicdConfig, "namePrefix" | "region">, cicdAccountId: string): Names {
    const p = config.namePrefix;
    const method = (m: Method, deployRole: string, planRole: string, workload: string): MethodNames => ({
        pipeline: `${p}-${m}`,
        pipelineRole: `${p}-pipeline-${m}`,
        driftPipeline: `${p}-${m}-drift`,
        driftPipelineRole: `${p}-pipeline-${m}-drift`,
        reviewRole: `${p}-${METHOD_TAG[m]}-review`,
        logGroup: m === "terraform" ? `/aws/codebuild/${p}-terraform` : `/aws/codepipeline/${p}-${m}`,
        driftLogGroup: `/aws/codepipeline/${p}-${m}-drift`,
        planRole,
        deployRole,
        workload,
        instanceRole: `${workload}-instance-role`,
        instanceProfile: `${workload}-instance-profile`,
    });
    return {
        stateBucket: `${p}-tfstate-${cicdAccountId}-${config.region}`,
        artifactBucket: `${p}-artifacts-${cicdAccountId}-${config.region}`,
        sourceKey: "source/workload.zip",
        reviewPrefix: "reviews",
        triggerRole: `${p}-start-pipelines`,
        driftTriggerRole: `${p}-start-drift-runs`,
        notificationTopic: `${p}-pipeline-notifications`,
        cloudFormationExecutionRole: `${p}-cloudformation-execution`,
        terraform: method("terraform", `${p}-terraform-deploy`, `${p}-terraform-plan`, `${p}-tf`),
        cloudformation: method("cloudformation", `${p}-cloudformation-deploy`, `${p}-cloudformation-plan`, `${p}-cfn`),
    };
}

/** Names of one target's pieces of one method. */
export interface TargetNames {
    /** CI/CD-account principals of this target: only they reach the target's plan and deploy roles. */
    readonly planPrincipal: string;
    readonly applyPrincipal: string;
    /** Method 1: the CodeBuild projects (one per step, so that the drift pipeline can start only plans). */
    readonly planProject: string;
    readonly applyProject: string;
    /** Pipeline actions, their variable namespace and the plan's output artifact. */
    readonly planAction: string;
    readonly applyAction: string;
    readonly driftAction: string;
    readonly planNamespace: string;
    /** Output artifacts of the plan and the drift check: unique in their first 10 characters (artifactKeyPrefix). */
    readonly planArtifact: string;
    readonly driftArtifact: string;
}

/**
 * An artifact name that is unique in its first 10 characters, which is all CodePipeline keeps in the
 * artifact's S3 key: a letter and 9 base-36 digits of the target name's SHA-256. Stable per name.
 */
export function artifactName(kind: "P" | "D", targetName: string): string {
    const digits = BigInt(`0x${createHash("sha256").update(targetName).digest("hex").slice(0, 16)}`).toString(36);
    return `${kind}${digits.padStart(9, "0").slice(-9)}`;
}

export function targetNames(
    config: Pick<CicdConfig, "namePrefix">,
    method: Method,
    target: Pick<TargetConfig, "name" | "accountId">,
): TargetNames {
    const p = config.namePrefix;
    const tag = METHOD_TAG[method];
    const single = target.name === SINGLE_TARGET_NAME;
    return {
        planPrincipal: principalName(p, method, "plan", target.accountId),
        applyPrincipal: principalName(p, method, "apply", target.accountId),
        planProject: `${p}-${tag}-plan-${target.name}`,
        applyProject: `${p}-${tag}-apply-${target.name}`,
        planAction: single ? "Plan" : `Plan-${target.name}`,
        applyAction: single ? "Apply" : `Apply-${target.name}`,
        driftAction: single ? "Drift" : `Drift-${target.name}`,
        planNamespace: `plan-${target.name}`,
        planArtifact: artifactName("P", target.name),
        driftArtifact: artifactName("D", target.name),
    };
}

/** The CI/CD-account role of one step of one method for one target account. */
export const principalName = (prefix: string, method: Method, step: "plan" | "apply", accountId: string): string =>
    `${prefix}-${METHOD_TAG[method]}-${step}-${accountId}`;

/** Stage names of a wave; the single-target form keeps short names. */
export function waveStages(wave: Pick<Wave, "name">): { plan: string; approve: string; apply: string; drift: string } {
    const single = wave.name === SINGLE_TARGET_NAME;
    const suffix = single ? "" : `-${wave.name}`;
    return {
        plan: `Plan${suffix}`,
        approve: `Approve${suffix}`,
        apply: `Apply${suffix}`,
        drift: `Drift${suffix}`,
    };
}

/** Variable namespace of a wave's review action. */
export const reviewNamespace = (wave: Pick<Wave, "name">): string => `review-${wave.name}`;
