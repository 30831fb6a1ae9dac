import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import type { ProjectSpec } from "../methods/types";
import { roleWithPolicies } from "./roleWithPolicies";

export interface BuildProjectArgs {
    /** The project as plain data: name, inline buildspec, environment, role, logs (methods/terraform). */
    readonly spec: ProjectSpec;
    /** The log group the project writes to, created with its retention by the stack. */
    readonly logGroup: pulumi.Resource;
}

/**
 * A CodeBuild project with its own service role, for one step of one target. The buildspec is inline
 * (the source archive cannot replace it) and the environment holds the target's identity as literals.
 */
export class BuildProject extends pulumi.ComponentResource {
    public readonly projectName: pulumi.Output<string>;
    public readonly projectArn: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: BuildProjectArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:cicd:BuildProject", name, {}, opts);
        const { spec } = args;
        const { role, policies } = roleWithPolicies(
            name,
            {
                roleName: spec.role.name,
                description: spec.role.description,
                trust: spec.role.trust,
                policies: spec.role.policies,
            },
            this,
        );
        const project = new aws.codebuild.Project(
            `${name}-project`,
            {
                name: spec.name,
                description: spec.description,
                serviceRole: role.arn,
                // Role chaining caps the target role's session at one hour (config.ts refuses more).
                buildTimeout: spec.timeoutMinutes,
                queuedTimeout: spec.timeoutMinutes,
                artifacts: { type: "CODEPIPELINE" },
                source: { type: "CODEPIPELINE", buildspec: spec.buildspec },
                environment: {
                    type: "LINUX_CONTAINER",
                    computeType: "BUILD_GENERAL1_SMALL",
                    image: spec.image,
                    imagePullCredentialsType: "CODEBUILD",
                    privilegedMode: false,
                    environmentVariables: Object.entries(spec.environment).map(([n, value]) => ({
                        name: n,
                        value,
                        type: "PLAINTEXT",
                    })),
                },
                logsConfig: {
                    cloudwatchLogs: {
                        status: "ENABLED",
                        groupName: spec.logGroupName,
                        streamName: spec.logStreamPrefix,
                    },
                    s3Logs: { status: "DISABLED" },
                },
            },
            { parent: this, dependsOn: [...policies, args.logGroup] },
        );
        this.projectName = project.name;
        this.projectArn = project.arn;
        this.roleArn = role.arn;
        this.registerOutputs({ projectName: this.projectName, projectArn: this.projectArn, roleArn: this.roleArn });
    }
}
