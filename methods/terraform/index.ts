/**
 * Method 1: CodeBuild runs Terraform in each target account; the state stays in the CI/CD account.
 *
 * Per target, two CodeBuild projects with a role each: the plan build (which also checks drift) may
 * assume only the target's read-only plan role; the apply build may assume only the target's deploy
 * role, and applies only the plan that was reviewed. The buildspec is inline in each project, and the
 * scripts it runs are pinned by SHA-256, with the Terraform lock file and the CLI configuration that
 * admits only the locked providers.
 */
import { arn, serviceTrust } from "../../policies";
import { pipelineRolePolicy } from "../../policies/pipeline";
import { targetNames, waveStages } from "../../names";
import { stateKeyPrefix, TargetConfig, Wave } from "../../config";
import { PIPELINE_DIR, PinnedFile, repoFile, SHARED_PINNED } from "../pinned";
import {
    approvalLink,
    reportLinkBase,
    REVIEW_PINNED,
    reviewAction,
    reviewRoleSpec,
    targetReportPrefix,
} from "../review";
import {
    destroyGuardStage,
    pipelineServiceRole,
    SOURCE_ARTIFACT,
    sourceStage,
    waveDeploymentStages,
    waveDriftStages,
} from "../stages";
import { terraformTargetRoles } from "./targetRoles";
import type {
    ActionSpec,
    CicdContext,
    CicdMethodPart,
    DeploymentMethod,
    PipelineSpec,
    ProjectSpec,
    RoleSpec,
} from "../types";
import { buildspec, terraformCliConfig, terraformVariables, tfvarsFile, workloadFiles } from "./files";
import { applyBuildRolePolicy, planBuildRolePolicy } from "./policies";

export const TERRAFORM_PINNED = (lockFile: PinnedFile): PinnedFile[] => [
    ...SHARED_PINNED,
    repoFile("methods/terraform/scripts/tf-step.sh", `${PIPELINE_DIR}/tf-step.sh`),
    { path: `${PIPELINE_DIR}/terraformrc`, content: terraformCliConfig(lockFile.content) },
    lockFile,
];

export const LOCK_FILE = (): PinnedFile =>
    repoFile("workload/terraform/.terraform.lock.hcl", "terraform/.terraform.lock.hcl");

function codeBuildAction(name: string, project: string, step: string, inputs: string[], output?: string): ActionSpec {
    return {
        name,
        category: "Build",
        owner: "AWS",
        provider: "CodeBuild",
        version: "1",
        inputArtifacts: inputs,
        ...(output !== undefined ? { outputArtifacts: [output] } : {}),
        configuration: {
            ProjectName: project,
            ...(inputs.length > 1 ? { PrimarySource: SOURCE_ARTIFACT } : {}),
            // Literals and the execution id only: nothing a person starting a run can set reaches
            // this JSON (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html).
            EnvironmentVariables: JSON.stringify([
                { name: "TF_STEP", value: step, type: "PLAINTEXT" },
                { name: "PIPELINE_EXECUTION_ID", value: "#{codepipeline.PipelineExecutionId}", type: "PLAINTEXT" },
            ]),
        },
    };
}

export const terraform: DeploymentMethod = {
    id: "terraform",

    cicd(ctx: CicdContext): CicdMethodPart {
        const { config, names, partition, accountId, topicArn } = ctx;
        const m = names.terraform;
        const region = config.region;
        const scope = { partition, region, accountId, bucket: names.artifactBucket };
        const lock = LOCK_FILE();
        const pinned = TERRAFORM_PINNED(lock);
        const linkBase = reportLinkBase(partition, region, names.artifactBucket);
        const reviewRoleArn = arn.role(partition, accountId, m.reviewRole);
        const sourcePipelines = [m.pipeline, m.driftPipeline];
        const projects: ProjectSpec[] = [];
        const targetsOut: Record<string, Record<string, string>> = {};

        for (const t of config.targets) {
            const n = targetNames(config, "terraform", t);
            const planRoleArn = arn.role(partition, t.accountId, m.planRole);
            const deployRoleArn = arn.role(partition, t.accountId, m.deployRole);
            const reportPrefix = targetReportPrefix(names.reviewPrefix, m.pipeline, t.name);
            const env = {
                TARGET_NAME: t.name,
                TARGET_STACK: t.stackName,
                TARGET_ACCOUNT_ID: t.accountId,
                TFSTATE_BUCKET: names.stateBucket,
                TFSTATE_KEY: t.stateKey,
                TFSTATE_WORKSPACE_PREFIX: `${stateKeyPrefix(config.namePrefix, t.accountId)}/workspaces`,
                TFSTATE_REGION: region,
                TF_VERSION: config.terraformVersion,
                TF_SHA256: config.terraformSha256,
                PIPELINE_NAME: m.pipeline,
                REVIEW_BUCKET: names.artifactBucket,
                REVIEW_PREFIX: reportPrefix,
                REVIEW_LINK_BASE: linkBase,
            };
            const buildRole = (
                key: string,
                name: string,
                project: string,
                policy: RoleSpec["policies"][string],
            ): RoleSpec => ({
                key,
                name,
                description: `CodeBuild project ${project}: ${key.includes("plan") ? "plans" : "applies"} Terraform in ${t.name} (${t.accountId}) only`,
                trust: serviceTrust({
                    service: "codebuild.amazonaws.com",
                    sourceAccountId: accountId,
                    sourceArn: arn.codeBuildProject(partition, region, accountId, project),
                }),
                policies: { "run-terraform": policy },
            });
            const common = {
                ...scope,
                logGroup: m.logGroup,
                sourcePipelines,
                sourceArtifact: SOURCE_ARTIFACT,
                pipelineName: m.pipeline,
            };
            projects.push(
                {
                    key: `tf-plan-${t.name}`,
                    name: n.planProject,
                    description: `Plans Terraform in target ${t.name} (${t.accountId}) with its read-only plan role; also checks drift`,
                    role: buildRole(
                        `tf-plan-${t.name}`,
                        n.planPrincipal,
                        n.planProject,
                        planBuildRolePolicy({
                            ...common,
                            logStreamPrefix: n.planProject,
                            targetRoleArn: planRoleArn,
                            outputs: [
                                { pipeline: m.pipeline, artifact: n.planArtifact },
                                { pipeline: m.driftPipeline, artifact: n.driftArtifact },
                            ],
                            reportPrefix,
                            topicArn,
                        }),
                    ),
                    buildspec: buildspec(pinned, { artifacts: true }),
                    environment: {
                        ...env,
                        TARGET_ROLE_ARN: planRoleArn,
                        REQUIRE_APPROVAL: String(t.requireApproval),
                        APPROVAL_POLICY: config.approvalPolicy,
                        TOPIC_ARN: topicArn,
                    },
                    image: config.codeBuildImage,
                    timeoutMinutes: config.codeBuildTimeoutMinutes,
                    logGroupName: m.logGroup,
                    logStreamPrefix: n.planProject,
                },
                {
                    key: `tf-apply-${t.name}`,
                    name: n.applyProject,
                    description: `Applies the reviewed Terraform plan in target ${t.name} (${t.accountId}) with its deploy role`,
                    role: buildRole(
                        `tf-apply-${t.name}`,
                        n.applyPrincipal,
                        n.applyProject,
                        applyBuildRolePolicy({
                            ...common,
                            logStreamPrefix: n.applyProject,
                            targetRoleArn: deployRoleArn,
                            planArtifact: n.planArtifact,
                        }),
                    ),
                    buildspec: buildspec(pinned, { artifacts: false }),
                    environment: {
                        ...env,
                        TARGET_ROLE_ARN: deployRoleArn,
                        PLAN_STAGE: waveStages({ name: t.wave }).plan,
                        PLAN_ACTION: n.planAction,
                        PLAN_ARTIFACT: n.planArtifact,
                    },
                    image: config.codeBuildImage,
                    timeoutMinutes: config.codeBuildTimeoutMinutes,
                    logGroupName: m.logGroup,
                    logStreamPrefix: n.applyProject,
                },
            );
            targetsOut[t.name] = {
                terraformPlanRoleName: m.planRole,
                terraformPlanRoleArn: planRoleArn,
                terraformDeployRoleName: m.deployRole,
                terraformDeployRoleArn: deployRoleArn,
                terraformPlanPrincipalArn: arn.role(partition, accountId, n.planPrincipal),
                terraformApplyPrincipalArn: arn.role(partition, accountId, n.applyPrincipal),
                terraformPlanProject: n.planProject,
                terraformApplyProject: n.applyProject,
            };
        }

        const tn = (t: TargetConfig) => targetNames(config, "terraform", t);
        const builders = {
            plan: (t: TargetConfig) => ({
                ...codeBuildAction(tn(t).planAction, tn(t).planProject, "plan", [SOURCE_ARTIFACT], tn(t).planArtifact),
                namespace: tn(t).planNamespace,
            }),
            apply: (t: TargetConfig) =>
                codeBuildAction(tn(t).applyAction, tn(t).applyProject, "apply", [SOURCE_ARTIFACT, tn(t).planArtifact]),
            drift: (t: TargetConfig) =>
                codeBuildAction(tn(t).driftAction, tn(t).planProject, "drift", [SOURCE_ARTIFACT], tn(t).driftArtifact),
            review: (w: Wave) =>
                reviewAction({
                    wave: w,
                    pipelineName: m.pipeline,
                    roleArn: reviewRoleArn,
                    bucket: names.artifactBucket,
                    reviews: names.reviewPrefix,
                    linkBase,
                }),
        };
        const p = config.namePrefix;
        const deployment: PipelineSpec = {
            key: "terraform",
            name: m.pipeline,
            role: pipelineServiceRole(
                scope,
                "terraform-service",
                m.pipelineRole,
                m.pipeline,
                pipelineRolePolicy({
                    ...scope,
                    pipelineName: m.pipeline,
                    sourceKey: names.sourceKey,
                    codeBuildProjects: [`${p}-tf-plan-*`, `${p}-tf-apply-*`],
                    actionRoleArns: [reviewRoleArn],
                    commandsLogGroup: `/aws/codepipeline/${m.pipeline}`,
                    notificationTopicArn: topicArn,
                }),
            ),
            variables: [
                {
                    name: "TF_ACTION",
                    defaultValue: "apply",
                    description:
                        "apply, or destroy to remove the workload (after an approval; each wave's destroy plan is reviewed too)",
                },
            ],
            stages: [
                sourceStage(names.artifactBucket, names.sourceKey),
                destroyGuardStage("TF_ACTION", "destroy", topicArn),
                ...waveDeploymentStages({
                    waves: config.waves,
                    builders,
                    planNamespace: (t) => tn(t).planNamespace,
                    topicArn,
                    reportLink: (w) => approvalLink(linkBase, names.reviewPrefix, m.pipeline, w),
                }),
            ],
            trigger: "source",
        };
        const pipelines: PipelineSpec[] = [deployment];
        if (config.driftSchedule !== undefined) {
            pipelines.push({
                key: "terraform-drift",
                name: m.driftPipeline,
                role: pipelineServiceRole(
                    scope,
                    "terraform-drift-service",
                    m.driftPipelineRole,
                    m.driftPipeline,
                    pipelineRolePolicy({
                        ...scope,
                        pipelineName: m.driftPipeline,
                        sourceKey: names.sourceKey,
                        // Plans only: the drift pipeline cannot start an apply project.
                        codeBuildProjects: [`${p}-tf-plan-*`],
                    }),
                ),
                variables: [],
                stages: [
                    sourceStage(names.artifactBucket, names.sourceKey),
                    ...waveDriftStages(config.waves, builders),
                ],
                trigger: "schedule",
            });
        }
        const reviewRole = reviewRoleSpec({
            ...scope,
            key: "terraform-review",
            name: m.reviewRole,
            what: "Terraform plans",
            sid: "OnlyTheTerraformPipeline",
            reviews: names.reviewPrefix,
            pipeline: m.pipeline,
            pipelineRoleArn: arn.role(partition, accountId, m.pipelineRole),
            logGroup: `/aws/codepipeline/${m.pipeline}`,
        });
        const sourceFiles: Record<string, string> = {};
        for (const f of [...pinned, ...REVIEW_PINNED]) sourceFiles[f.path] = f.content;
        for (const f of workloadFiles()) sourceFiles[f.path] = f.content;
        for (const t of config.targets) {
            sourceFiles[tfvarsFile(t)] = `${JSON.stringify(terraformVariables(config, names, t), null, 2)}\n`;
        }
        return {
            method: "terraform",
            pipelines,
            roles: [reviewRole],
            projects,
            logGroups: [m.logGroup, `/aws/codepipeline/${m.pipeline}`],
            sourceFiles,
            targets: targetsOut,
        };
    },

    targetRoles: terraformTargetRoles,
};
