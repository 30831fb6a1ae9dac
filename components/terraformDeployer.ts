import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { arn, codeBuildRolePolicy, serviceTrust } from "../policies";
import { roleWithPolicies } from "./roleWithPolicies";

export interface TerraformDeployerArgs {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
    readonly projectName: string;
    readonly roleName: string;
    readonly logGroupName: string;
    readonly logRetentionDays: number;
    readonly artifactBucket: string;
    /** The Terraform deploy roles of the targets: the only roles the project may assume. */
    readonly deployRoleArns: readonly string[];
    readonly image: string;
    readonly timeoutMinutes: number;
    readonly terraformVersion: string;
    readonly terraformSha256: string;
}

/**
 * The CodeBuild project that runs Terraform (method 1), with its service role and log group. The
 * buildspec comes from the source archive; the pinned Terraform release and its checksum come from
 * here, so a source upload cannot swap the binary.
 */
export class TerraformDeployer extends pulumi.ComponentResource {
    public readonly projectName: pulumi.Output<string>;
    public readonly projectArn: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: TerraformDeployerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:cicd:TerraformDeployer", name, {}, opts);
        const projectArn = arn.codeBuildProject(args.partition, args.region, args.accountId, args.projectName);
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            {
                name: args.logGroupName,
                retentionInDays: args.logRetentionDays,
            },
            { parent: this },
        );
        const { role, policies } = roleWithPolicies(
            `${name}-codebuild`,
            {
                roleName: args.roleName,
                description:
                    "CodeBuild runs Terraform: reads the source, writes its logs, assumes the target deploy roles",
                trust: serviceTrust({
                    service: "codebuild.amazonaws.com",
                    sourceAccountId: args.accountId,
                    sourceArn: projectArn,
                }),
                policies: {
                    "run-terraform": codeBuildRolePolicy({
                        partition: args.partition,
                        region: args.region,
                        accountId: args.accountId,
                        artifactBucket: args.artifactBucket,
                        logGroupName: args.logGroupName,
                        deployRoleArns: args.deployRoleArns,
                    }),
                },
            },
            this,
        );
        const project = new aws.codebuild.Project(
            `${name}-project`,
            {
                name: args.projectName,
                description: "Runs Terraform in a target account with that account's deploy role",
                serviceRole: role.arn,
                buildTimeout: args.timeoutMinutes,
                queuedTimeout: args.timeoutMinutes,
                artifacts: { type: "CODEPIPELINE" },
                source: { type: "CODEPIPELINE", buildspec: "buildspec.yml" },
                environment: {
                    type: "LINUX_CONTAINER",
                    computeType: "BUILD_GENERAL1_SMALL",
                    image: args.image,
                    imagePullCredentialsType: "CODEBUILD",
                    privilegedMode: false,
                    environmentVariables: [
                        { name: "TF_VERSION", value: args.terraformVersion, type: "PLAINTEXT" },
                        { name: "TF_SHA256", value: args.terraformSha256, type: "PLAINTEXT" },
                    ],
                },
                logsConfig: {
                    cloudwatchLogs: { status: "ENABLED", groupName: logGroup.name },
                    s3Logs: { status: "DISABLED" },
                },
            },
            { parent: this, dependsOn: [...policies, logGroup] },
        );
        this.projectName = project.name;
        this.projectArn = project.arn;
        this.roleArn = role.arn;
        this.registerOutputs({ projectName: this.projectName, projectArn: this.projectArn, roleArn: this.roleArn });
    }
}
