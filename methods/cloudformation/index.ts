/**
 * Method 2: a CodePipeline Commands action assumes a role in each target account and drives the
 * workload's CloudFormation stack through change sets, with an execution role that alone may build
 * the workload; the stack (and its state) stays in the target account.
 *
 * Per target, two action roles in the CI/CD account: the plan action's may assume only the target's
 * plan role (change sets, drift), the apply action's only the target's deploy role (execute the
 * reviewed change set, or delete the stack).
 */
import { CicdConfig, TargetConfig, Wave } from "../../config";
import { Names, targetNames, waveStages } from "../../names";
import { arn, crossAccountTrust, WORKLOAD_TAG_KEY } from "../../policies";
import { pipelineRolePolicy } from "../../policies/pipeline";
import { PIPELINE_DIR, PinnedFile, repoFile, SHARED_PINNED, verifyCommand } from "../pinned";
import {
    approvalLink,
    exportCommands,
    readGateCommand,
    reportLinkBase,
    REVIEW_PINNED,
    reviewAction,
    targetReportPrefix,
    reviewRoleSpec,
} from "../review";
import {
    destroyGuardStage,
    GATE_VARIABLES,
    SOURCE_ARTIFACT,
    sourceStage,
    waveDeploymentStages,
    waveDriftStages,
    pipelineServiceRole,
} from "../stages";
import { cloudFormationTargetRoles } from "./targetRoles";
import type { ActionSpec, CicdContext, CicdMethodPart, DeploymentMethod, PipelineSpec, RoleSpec } from "../types";
import { applyActionRolePolicy, planActionRolePolicy } from "./policies";

export const TEMPLATE_FILE = "cloudformation/template.yaml";
export const parametersFile = (target: Pick<TargetConfig, "name">): string =>
    `cloudformation/parameters-${target.name}.json`;

export const CLOUDFORMATION_PINNED: readonly PinnedFile[] = [
    ...SHARED_PINNED,
    repoFile("methods/cloudformation/scripts/cfn-step.sh", `${PIPELINE_DIR}/cfn-step.sh`),
];

/** cloudformation/parameters-<name>.json, in the `--parameters file://` form. */
export function cloudFormationParameters(
    config: Pick<CicdConfig, "instanceType" | "amiId">,
    names: Names,
    target: Pick<TargetConfig, "subnetId" | "securityGroupId">,
): { ParameterKey: string; ParameterValue: string }[] {
    const m = names.cloudformation;
    const values: Record<string, string> = {
        NamePrefix: m.workload,
        WorkloadTagKey: WORKLOAD_TAG_KEY,
        WorkloadTag: m.workload,
        SubnetId: target.subnetId,
        SecurityGroupId: target.securityGroupId,
        InstanceType: config.instanceType,
        InstanceProfileName: m.instanceProfile,
        // Without an amiId, the plan step resolves the AMI parameter on a first create and keeps the
        // stack's own AMI on updates (cfn-step.sh).
        ...(config.amiId !== undefined ? { ImageId: config.amiId } : {}),
    };
    return Object.entries(values).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
}

export const cloudformation: DeploymentMethod = {
    id: "cloudformation",

    cicd(ctx: CicdContext): CicdMethodPart {
        const { config, names, partition, accountId, topicArn } = ctx;
        const m = names.cloudformation;
        const region = config.region;
        const scope = { partition, region, accountId, bucket: names.artifactBucket };
        const linkBase = reportLinkBase(partition, region, names.artifactBucket);
        const pipelineRoleArn = arn.role(partition, accountId, m.pipelineRole);
        const driftRoleArn = arn.role(partition, accountId, m.driftPipelineRole);
        const reviewRoleArn = arn.role(partition, accountId, m.reviewRole);
        const drift = config.driftSchedule !== undefined;
        const roles: RoleSpec[] = [];
        const targetsOut: Record<string, Record<string, string>> = {};
        const p = config.namePrefix;

        const literals = (t: TargetConfig, step: "plan" | "apply" | "drift"): Record<string, string> => {
            const n = targetNames(config, "cloudformation", t);
            return {
                TARGET_NAME: t.name,
                TARGET_STACK: t.stackName,
                TARGET_ACCOUNT_ID: t.accountId,
                TARGET_ROLE_ARN: arn.role(partition, t.accountId, step === "apply" ? m.deployRole : m.planRole),
                STACK_NAME: t.cfnStackName,
                CFN_ROLE_ARN: arn.role(partition, t.accountId, names.cloudFormationExecutionRole),
                PIPELINE_NAME: m.pipeline,
                PIPELINE_EXECUTION_ID: "#{codepipeline.PipelineExecutionId}",
                REVIEW_BUCKET: names.artifactBucket,
                REVIEW_PREFIX: targetReportPrefix(names.reviewPrefix, m.pipeline, t.name),
                REVIEW_LINK_BASE: linkBase,
                TEMPLATE_FILE,
                PARAMETERS_FILE: parametersFile(t),
                AMI_PARAMETER: config.amiParameter,
                ...(step === "apply"
                    ? { PLAN_STAGE: waveStages({ name: t.wave }).plan, PLAN_ACTION: n.planAction }
                    : {
                          REQUIRE_APPROVAL: String(t.requireApproval),
                          APPROVAL_POLICY: config.approvalPolicy,
                          TOPIC_ARN: topicArn,
                      }),
            };
        };
        const commandsAction = (t: TargetConfig, step: "plan" | "apply" | "drift"): ActionSpec => {
            const n = targetNames(config, "cloudformation", t);
            const dir = `.review-${t.name}/review`;
            return {
                name: step === "plan" ? n.planAction : step === "apply" ? n.applyAction : n.driftAction,
                category: "Compute",
                owner: "AWS",
                provider: "Commands",
                version: "1",
                // The action's own role: only this target's, never the pipeline's (action-level roleArn,
                // assumed through the pipeline's role).
                roleArn: arn.role(partition, accountId, step === "apply" ? n.applyPrincipal : n.planPrincipal),
                inputArtifacts: [SOURCE_ARTIFACT],
                ...(step === "plan"
                    ? { namespace: n.planNamespace, outputVariables: [...GATE_VARIABLES, "RISK", "PLAN_SHA256"] }
                    : {}),
                commands: [
                    `cd "\${CODEBUILD_SRC_DIR:-.}"`,
                    verifyCommand(CLOUDFORMATION_PINNED),
                    ...exportCommands(literals(t, step)),
                    `sh ${PIPELINE_DIR}/cfn-step.sh ${step}`,
                    ...(step === "plan" ? [readGateCommand(dir, { PLAN_SHA256: `${dir}/digest` })] : []),
                ],
            };
        };

        for (const t of config.targets) {
            const n = targetNames(config, "cloudformation", t);
            const common = {
                ...scope,
                sourceArtifact: SOURCE_ARTIFACT,
                pipelineName: m.pipeline,
            };
            roles.push(
                {
                    key: `cfn-plan-${t.name}`,
                    name: n.planPrincipal,
                    description: `Plans (change sets) and checks drift of the workload stack in ${t.name} (${t.accountId}) only`,
                    trust: crossAccountTrust({
                        sid: "OnlyThisMethodsPipelines",
                        partition,
                        trustedAccountId: accountId,
                        trustedRoleArn: drift ? [pipelineRoleArn, driftRoleArn] : pipelineRoleArn,
                    }),
                    policies: {
                        plan: planActionRolePolicy({
                            ...common,
                            logGroups: drift ? [m.logGroup, m.driftLogGroup] : [m.logGroup],
                            sourcePipelines: drift ? [m.pipeline, m.driftPipeline] : [m.pipeline],
                            targetRoleArn: arn.role(partition, t.accountId, m.planRole),
                            reportPrefix: targetReportPrefix(names.reviewPrefix, m.pipeline, t.name),
                            topicArn,
                        }),
                    },
                },
                {
                    key: `cfn-apply-${t.name}`,
                    name: n.applyPrincipal,
                    description: `Executes the reviewed change set of the workload stack in ${t.name} (${t.accountId}) only`,
                    trust: crossAccountTrust({
                        sid: "OnlyThisMethodsDeploymentPipeline",
                        partition,
                        trustedAccountId: accountId,
                        trustedRoleArn: pipelineRoleArn,
                    }),
                    policies: {
                        apply: applyActionRolePolicy({
                            ...common,
                            logGroups: [m.logGroup],
                            sourcePipelines: [m.pipeline],
                            targetRoleArn: arn.role(partition, t.accountId, m.deployRole),
                        }),
                    },
                },
            );
            targetsOut[t.name] = {
                cloudFormationPlanRoleName: m.planRole,
                cloudFormationPlanRoleArn: arn.role(partition, t.accountId, m.planRole),
                cloudFormationDeployRoleName: m.deployRole,
                cloudFormationDeployRoleArn: arn.role(partition, t.accountId, m.deployRole),
                cloudFormationExecutionRoleName: names.cloudFormationExecutionRole,
                cloudFormationExecutionRoleArn: arn.role(partition, t.accountId, names.cloudFormationExecutionRole),
                cloudFormationPlanPrincipalArn: arn.role(partition, accountId, n.planPrincipal),
                cloudFormationApplyPrincipalArn: arn.role(partition, accountId, n.applyPrincipal),
            };
        }

        const builders = {
            plan: (t: TargetConfig) => commandsAction(t, "plan"),
            apply: (t: TargetConfig) => commandsAction(t, "apply"),
            drift: (t: TargetConfig) => commandsAction(t, "drift"),
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
        const planPrincipals = arn.role(partition, accountId, `${p}-cfn-plan-*`);
        const applyPrincipals = arn.role(partition, accountId, `${p}-cfn-apply-*`);
        const pipelines: PipelineSpec[] = [
            {
                key: "cloudformation",
                name: m.pipeline,
                role: pipelineServiceRole(
                    scope,
                    "cloudformation-service",
                    m.pipelineRole,
                    m.pipeline,
                    pipelineRolePolicy({
                        ...scope,
                        pipelineName: m.pipeline,
                        sourceKey: names.sourceKey,
                        actionRoleArns: [planPrincipals, applyPrincipals, reviewRoleArn],
                        commandsLogGroup: m.logGroup,
                        notificationTopicArn: topicArn,
                    }),
                ),
                variables: [
                    {
                        name: "BUILD_ACTION",
                        defaultValue: "deploy",
                        description:
                            "deploy (create or update through a reviewed change set), or delete-stack (after an approval)",
                    },
                ],
                stages: [
                    sourceStage(names.artifactBucket, names.sourceKey),
                    destroyGuardStage("BUILD_ACTION", "delete-stack", topicArn),
                    ...waveDeploymentStages({
                        waves: config.waves,
                        builders,
                        planNamespace: (t) => targetNames(config, "cloudformation", t).planNamespace,
                        topicArn,
                        reportLink: (w) => approvalLink(linkBase, names.reviewPrefix, m.pipeline, w),
                    }),
                ],
                trigger: "source",
            },
        ];
        if (drift) {
            pipelines.push({
                key: "cloudformation-drift",
                name: m.driftPipeline,
                role: pipelineServiceRole(
                    scope,
                    "cloudformation-drift-service",
                    m.driftPipelineRole,
                    m.driftPipeline,
                    pipelineRolePolicy({
                        ...scope,
                        pipelineName: m.driftPipeline,
                        sourceKey: names.sourceKey,
                        // Plan roles only: the drift pipeline cannot reach a deploy role.
                        actionRoleArns: [planPrincipals],
                        commandsLogGroup: m.driftLogGroup,
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
        roles.push(
            reviewRoleSpec({
                ...scope,
                key: "cloudformation-review",
                name: m.reviewRole,
                what: "change sets",
                sid: "OnlyTheCloudFormationPipeline",
                reviews: names.reviewPrefix,
                pipeline: m.pipeline,
                pipelineRoleArn,
                logGroup: m.logGroup,
            }),
        );
        const sourceFiles: Record<string, string> = {};
        for (const f of [...CLOUDFORMATION_PINNED, ...REVIEW_PINNED]) sourceFiles[f.path] = f.content;
        sourceFiles[TEMPLATE_FILE] = repoFile(`workload/${TEMPLATE_FILE}`, TEMPLATE_FILE).content;
        for (const t of config.targets) {
            sourceFiles[parametersFile(t)] = `${JSON.stringify(cloudFormationParameters(config, names, t), null, 2)}\n`;
        }
        return {
            method: "cloudformation",
            pipelines,
            roles,
            projects: [],
            logGroups: drift ? [m.logGroup, m.driftLogGroup] : [m.logGroup],
            sourceFiles,
            targets: targetsOut,
        };
    },

    targetRoles: cloudFormationTargetRoles,
};
