import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { ActionRole } from "../components/actionRole";
import { ArtifactBucket } from "../components/artifactBucket";
import { BuildProject } from "../components/buildProject";
import { DeploymentPipeline } from "../components/deploymentPipeline";
import { PipelineNotifications } from "../components/pipelineNotifications";
import { PipelineTrigger } from "../components/pipelineTrigger";
import { StateBucket } from "../components/stateBucket";
import { CicdConfig } from "../config";
import { CicdContract, TargetContract } from "../contract";
import { arn } from "../policies";
import { buildCicdModel } from "./cicdModel";

export interface CicdOutputs {
    /** What the target and org stacks read (contract.ts); checked when it is read. */
    readonly contractVersion: number;
    readonly contract: CicdContract;
    readonly cicdAccountId: string;
    readonly partition: string;
    readonly region: string;
    readonly methods: string[];
    readonly namePrefix: string;
    readonly artifactBucketName: pulumi.Output<string>;
    readonly sourceKey: string;
    readonly notificationTopicArn: pulumi.Output<string>;
    readonly stateBucketName?: pulumi.Output<string>;
    readonly terraformPipelineName?: pulumi.Output<string>;
    readonly terraformDriftPipelineName?: pulumi.Output<string>;
    readonly cloudFormationPipelineName?: pulumi.Output<string>;
    readonly cloudFormationDriftPipelineName?: pulumi.Output<string>;
    /** Deprecated alias of cloudFormationPipelineName (version 1's name); removed in the next release. */
    readonly cloudformationPipelineName?: pulumi.Output<string>;
    /** Per target, keyed by target name (the contract's targets). */
    readonly targets: Record<string, TargetContract>;
}

/**
 * The CI/CD account: the source/artifact bucket, and per chosen method its pipelines (deployment and
 * drift), its per-target principals (CodeBuild projects or action roles) and, for Terraform, the state
 * bucket. Everything is computed first as plain data (cicdModel.ts) and checked against the AWS
 * quotas; only then is any resource declared.
 */
export async function cicdStack(config: CicdConfig): Promise<CicdOutputs> {
    const [identity, partitionResult] = await Promise.all([aws.getCallerIdentity({}), aws.getPartition({})]);
    const model = buildCicdModel({
        config,
        partition: partitionResult.partition,
        accountId: identity.accountId,
        callerArn: identity.arn,
    });
    const { names, partition, accountId } = model;

    const artifacts = new ArtifactBucket("artifacts", {
        bucketName: names.artifactBucket,
        policy: model.artifactBucketPolicy,
        sourceKey: names.sourceKey,
        sourceFiles: model.sourceFiles,
        retentionDays: config.artifactRetentionDays,
        expiringPrefixes: model.expiringArtifactPrefixes,
    });
    const state =
        model.stateBucketPolicy !== undefined
            ? new StateBucket("terraform-state", {
                  bucketName: names.stateBucket,
                  policy: model.stateBucketPolicy,
                  noncurrentVersionDays: config.stateVersionRetentionDays,
              })
            : undefined;

    // The log groups CodeBuild and the Commands action write to, created here with a retention.
    const logGroups = new Map(
        model.logGroups.map((name) => [
            name,
            new aws.cloudwatch.LogGroup(`logs${name.replace(/\//g, "-")}`, {
                name,
                retentionInDays: config.logRetentionDays,
            }),
        ]),
    );
    const actionRoles = model.roles.map((spec) => new ActionRole(spec.key, { spec }));
    const projects = model.projects.map(
        (spec) => new BuildProject(spec.key, { spec, logGroup: logGroups.get(spec.logGroupName)! }),
    );
    const ready: pulumi.Resource[] = [...actionRoles.flatMap((r) => r.ready), ...projects, ...logGroups.values()];
    const pipelines = new Map(
        model.pipelines.map((spec) => [
            spec.name,
            new DeploymentPipeline(
                spec.key,
                { spec, artifactBucket: artifacts.bucketName, dependsOn: ready },
                { dependsOn: [artifacts] },
            ),
        ]),
    );

    const notifications = new PipelineNotifications(
        "notifications",
        {
            accountId,
            topicName: names.notificationTopic,
            topicArn: model.topicArn,
            pipelines: Object.fromEntries(
                model.pipelines.map((p) => [p.key, arn.pipeline(partition, config.region, accountId, p.name)]),
            ),
            ...(config.notificationEmail !== undefined ? { email: config.notificationEmail } : {}),
        },
        { dependsOn: [...pipelines.values()] },
    );
    for (const spec of model.triggers) {
        new PipelineTrigger(spec.key, {
            spec,
            ...(spec.schedule === undefined
                ? { source: { bucketName: artifacts.bucketName, key: names.sourceKey } }
                : {}),
            dependsOn: [...pipelines.values()],
        });
    }

    const pipelineName = (name: string): pulumi.Output<string> | undefined => pipelines.get(name)?.pipelineName;
    const cfnPipeline = pipelineName(names.cloudformation.pipeline);
    const optional = <T>(key: string, value: T | undefined): Record<string, T> =>
        value === undefined ? {} : { [key]: value };
    return {
        contractVersion: model.contract.version,
        contract: model.contract,
        cicdAccountId: accountId,
        partition,
        region: config.region,
        methods: [...config.methods],
        namePrefix: config.namePrefix,
        artifactBucketName: artifacts.bucketName,
        sourceKey: names.sourceKey,
        notificationTopicArn: notifications.topicArn,
        ...optional("stateBucketName", state?.bucketName),
        ...optional("terraformPipelineName", pipelineName(names.terraform.pipeline)),
        ...optional("terraformDriftPipelineName", pipelineName(names.terraform.driftPipeline)),
        ...optional("cloudFormationPipelineName", cfnPipeline),
        ...optional("cloudFormationDriftPipelineName", pipelineName(names.cloudformation.driftPipeline)),
        ...optional("cloudformationPipelineName", cfnPipeline),
        targets: { ...model.contract.targets },
    };
}
