/**
 * The whole cicd stack as plain data, computed from the validated config before any resource is
 * declared: pipelines with their stages and actions, every role with its documents, the CodeBuild
 * projects, the buckets' policies, the source archive's files and the contract for the target stacks.
 * The AWS quotas are checked here, on exactly what the components will declare.
 */
import { CicdConfig, ConfigError, PROJECT, TargetConfig } from "../config";
import { CicdContract, CONTRACT_VERSION, TargetContract } from "../contract";
import { METHODS } from "../methods";
import type { CicdMethodPart, PipelineSpec, ProjectSpec, RoleSpec } from "../methods/types";
import { deriveNames, Names, targetNames } from "../names";
import {
    arn,
    artifactBucketPolicy,
    deployerPrincipalArns,
    Document,
    serviceTrust,
    startPipelinePolicy,
    stateBucketPolicy,
} from "../policies";
import { bucketPolicyUsage, exceeds, pipelineUsages, QUOTAS, quotaMessage, roleUsages, Usage } from "../quotas";

export interface TriggerSpec {
    readonly key: string;
    readonly ruleName: string;
    readonly roleName: string;
    readonly description: string;
    readonly pipelineArns: readonly string[];
    /** An EventBridge schedule expression, or undefined for the source-archive trigger. */
    readonly schedule?: string;
    readonly role: RoleSpec;
}

export interface CicdModel {
    readonly config: CicdConfig;
    readonly names: Names;
    readonly partition: string;
    readonly accountId: string;
    readonly topicArn: string;
    readonly parts: readonly CicdMethodPart[];
    readonly pipelines: readonly PipelineSpec[];
    /** Action roles (method 2's per-target roles, the review roles). */
    readonly roles: readonly RoleSpec[];
    readonly projects: readonly ProjectSpec[];
    readonly logGroups: readonly string[];
    readonly artifactBucketPolicy: Document;
    readonly stateBucketPolicy?: Document;
    /** Prefixes of the artifact bucket whose objects expire after artifactRetentionDays. */
    readonly expiringArtifactPrefixes: readonly string[];
    readonly sourceFiles: Readonly<Record<string, string>>;
    readonly triggers: readonly TriggerSpec[];
    readonly contract: CicdContract;
}

export interface CicdModelArgs {
    readonly config: CicdConfig;
    readonly partition: string;
    readonly accountId: string;
    /** The caller identity ARN of whoever runs `pulumi up`: it keeps managing the state bucket's settings. */
    readonly callerArn: string;
}

function contractTarget(t: TargetConfig, parts: readonly CicdMethodPart[]): TargetContract {
    return {
        name: t.name,
        stackName: t.stackName,
        accountId: t.accountId,
        wave: t.wave,
        subnetId: t.subnetId,
        securityGroupId: t.securityGroupId,
        stateKey: t.stateKey,
        cfnStackName: t.cfnStackName,
        roles: Object.assign(
            {},
            ...parts.map((p): Readonly<Record<string, string>> => p.targets[t.name] ?? {}),
        ) as Record<string, string>,
    };
}

export function buildCicdModel(a: CicdModelArgs): CicdModel {
    const { config, partition, accountId } = a;
    const clash = config.targets.find((t) => t.accountId === accountId);
    if (clash) {
        throw new ConfigError(
            `The target ${clash.name} (${PROJECT}:${clash.name === "default" ? "targetAccountId" : "targets"}) is ${accountId}, ` +
                `the account this cicd stack is being deployed into: a target must be a separate account`,
        );
    }
    const names = deriveNames(config, accountId);
    const region = config.region;
    const topicArn = arn.topic(partition, region, accountId, names.notificationTopic);
    const parts = config.methods.map((m) => METHODS[m].cicd({ config, names, partition, accountId, topicArn }));
    const pipelines = parts.flatMap((p) => p.pipelines);
    const useTerraform = config.methods.includes("terraform");

    const trigger = (
        key: string,
        roleName: string,
        ps: PipelineSpec[],
        description: string,
        schedule?: string,
    ): TriggerSpec => {
        const ruleName =
            schedule === undefined ? `${config.namePrefix}-source-uploaded` : `${config.namePrefix}-drift-schedule`;
        const pipelineArns = ps.map((p) => arn.pipeline(partition, region, accountId, p.name));
        return {
            key,
            ruleName,
            roleName,
            description,
            pipelineArns,
            ...(schedule !== undefined ? { schedule } : {}),
            role: {
                key: `${key}-events`,
                name: roleName,
                description,
                // EventBridge sends the rule's ARN and account as aws:SourceArn / aws:SourceAccount.
                trust: serviceTrust({
                    service: "events.amazonaws.com",
                    sourceAccountId: accountId,
                    sourceArn: arn.rule(partition, region, accountId, ruleName),
                }),
                policies: { "start-pipelines": startPipelinePolicy({ pipelineArns }) },
            },
        };
    };
    const deployPipelines = pipelines.filter((p) => p.trigger === "source");
    const driftPipelines = pipelines.filter((p) => p.trigger === "schedule");
    const triggers = [
        trigger(
            "source-trigger",
            names.triggerRole,
            deployPipelines,
            "EventBridge starts the deployment pipelines on a new source archive",
        ),
        ...(config.driftSchedule !== undefined && driftPipelines.length > 0
            ? [
                  trigger(
                      "drift-schedule",
                      names.driftTriggerRole,
                      driftPipelines,
                      "EventBridge starts the drift checks on their schedule",
                      config.driftSchedule,
                  ),
              ]
            : []),
    ];
    const stateBucketPolicyDoc = useTerraform
        ? stateBucketPolicy({
              partition,
              bucket: names.stateBucket,
              namePrefix: config.namePrefix,
              stateRoleNames: [names.terraform.planRole, names.terraform.deployRole],
              targetAccountIds: config.targets.map((t) => t.accountId),
              ...(config.organizationId !== undefined ? { organizationId: config.organizationId } : {}),
              adminPrincipalArns: config.stateAdminArns,
              deployerPrincipalArns: deployerPrincipalArns(partition, a.callerArn),
          })
        : undefined;
    const sourceFiles = Object.assign(
        {},
        ...parts.map((p): Readonly<Record<string, string>> => p.sourceFiles),
    ) as Record<string, string>;
    const targets = Object.fromEntries(config.targets.map((t) => [t.name, contractTarget(t, parts)]));
    const model: CicdModel = {
        config,
        names,
        partition,
        accountId,
        topicArn,
        parts,
        pipelines,
        roles: parts.flatMap((p) => p.roles),
        projects: parts.flatMap((p) => p.projects),
        logGroups: parts.flatMap((p) => p.logGroups),
        artifactBucketPolicy: artifactBucketPolicy({ partition, bucket: names.artifactBucket }),
        ...(stateBucketPolicyDoc !== undefined ? { stateBucketPolicy: stateBucketPolicyDoc } : {}),
        expiringArtifactPrefixes: [
            ...new Set([...pipelines.map((p) => `${p.name.slice(0, 20)}/`), `${names.reviewPrefix}/`]),
        ],
        sourceFiles,
        triggers,
        contract: {
            version: CONTRACT_VERSION,
            partition,
            region,
            cicdAccountId: accountId,
            namePrefix: config.namePrefix,
            methods: [...config.methods],
            instanceType: config.instanceType,
            amiParameter: config.amiParameter,
            ...(config.amiId !== undefined ? { amiId: config.amiId } : {}),
            ...(useTerraform ? { stateBucketName: names.stateBucket } : {}),
            targets,
        },
    };
    checkArtifactNames(config);
    checkCicdQuotas(model);
    return model;
}

/** Per-target artifact names must differ in the 10 characters CodePipeline keeps (names.ts). */
function checkArtifactNames(config: CicdConfig): void {
    const seen = new Map<string, string>();
    for (const t of config.targets) {
        const id = targetNames(config, "terraform", t).planArtifact;
        const other = seen.get(id);
        if (other !== undefined) {
            throw new ConfigError(
                `${PROJECT}:targets: the targets ${other} and ${t.name} get the same artifact name ${id}: rename one of them`,
            );
        }
        seen.set(id, t.name);
    }
}

/** The largest wave, and what would fit, for the hints of the pipeline quotas. */
function waveHints(config: CicdConfig): Partial<Record<keyof typeof QUOTAS, string>> {
    const n = config.targets.length;
    const waves = config.waves.length;
    const approvalWaves = config.waves.filter((w) => w.requireApproval).length;
    const maxWave = Math.max(...config.waves.map((w) => w.targets.length));
    const stagesLeft = QUOTAS.stagesPerPipeline.limit - 2;
    return {
        stagesPerPipeline:
            `${n} targets in ${waves} waves (${approvalWaves} with an approval) need 2 stages per wave, 3 with an ` +
            `approval, plus Source and ApproveDestroy; group the targets into waves (a target entry's "wave"): ` +
            `at most ${Math.floor(stagesLeft / 3)} waves with approvals, or ${Math.floor(stagesLeft / 2)} without, fit`,
        actionsPerStage:
            `the largest wave has ${maxWave} targets; a wave's plan stage holds a plan per target (and a review ` +
            `action with an approval), so waves of up to ${QUOTAS.actionsPerStage.limit} targets fit ` +
            `(${QUOTAS.actionsPerStage.limit - 1} in a wave with an approval): split this wave`,
        actionsPerPipeline:
            `${n} targets need ${2 * n} plan and apply actions, plus reviews and approvals; ` +
            `at most ${Math.floor((QUOTAS.actionsPerPipeline.limit - 2) / 2) - approvalWaves} targets fit in one pipeline ` +
            `with these waves: split the targets across two cicd stacks (each with its own namePrefix)`,
        variablesPerPipeline: "the pipelines declare a fixed number of variables; this is a bug, please report it",
    };
}

function usagesOf(model: CicdModel): Usage[] {
    const { config } = model;
    const hints = waveHints(config);
    const roles: RoleSpec[] = [
        ...model.pipelines.map((p) => p.role),
        ...model.projects.map((p) => p.role),
        ...model.roles,
        ...model.triggers.map((t) => t.role),
    ];
    const perTarget = 2 * config.methods.length;
    const fixed = roles.length - config.targets.length * perTarget;
    return [
        ...model.pipelines.flatMap((p) => pipelineUsages(p, hints)),
        ...roles.flatMap((r) =>
            roleUsages(
                r.name,
                JSON.stringify(r.trust),
                Object.values(r.policies).map((d) => JSON.stringify(d)),
            ),
        ),
        {
            quota: "rolesPerAccount",
            subject: "this cicd stack",
            used: roles.length,
            hint:
                `each target needs ${perTarget} roles here (one per step and method) besides ${fixed} ` +
                `shared ones; ask AWS to raise the quota, use one method, or split the targets across two cicd stacks ` +
                `(the count leaves out roles this account already has)`,
        },
        {
            quota: "codeBuildProjects",
            subject: "this cicd stack",
            used: model.projects.length,
            hint: "each target needs 2 CodeBuild projects (plan, apply); the count leaves out this account's other projects",
        },
        ...model.triggers.map((t) => ({
            quota: "targetsPerRule" as const,
            subject: `the EventBridge rule of ${t.key}`,
            used: t.pipelineArns.length,
        })),
        ...(model.stateBucketPolicy !== undefined
            ? [
                  bucketPolicyUsage(
                      model.names.stateBucket,
                      JSON.stringify(model.stateBucketPolicy),
                      `without ${PROJECT}:organizationId the policy names each target account once; set organizationId ` +
                          `to admit the organization with one condition, whatever the number of targets`,
                  ),
              ]
            : []),
        bucketPolicyUsage(model.names.artifactBucket, JSON.stringify(model.artifactBucketPolicy)),
    ];
}

/** Refuses a model that AWS would refuse, naming the quota, what is needed and what would fit. */
export function checkCicdQuotas(model: CicdModel): void {
    const over = usagesOf(model).filter(exceeds);
    if (over.length > 0) {
        const more = over.length > 1 ? ` (and ${over.length - 1} more over their quotas)` : "";
        throw new ConfigError(`${quotaMessage(over[0])}${more}`);
    }
}

export { usagesOf as cicdUsages };
