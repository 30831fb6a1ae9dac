import { expect } from "chai";
import { BUILD_ACTIONS } from "../artifacts/cloudFormationCommands";
import { StateBucket } from "../components/stateBucket";
import { ConfigError } from "../config";
import { runStack } from "../stacks";
import { find, ofType, policyOf, useMocks, sid } from "../tools/offline/mocks";
import { CICD_ACCOUNT, CicdRun, readerOf, runCicd, singleTarget, TARGET_ACCOUNT } from "../tools/offline/program";

const PIPELINE = "aws:codepipeline/pipeline:Pipeline";
const statements = (doc: any): any[] => doc.Statement;
const envOf = (action: any): Record<string, string> =>
    Object.fromEntries(JSON.parse(action.configuration.EnvironmentVariables).map((e: any) => [e.name, e.value]));
const variablesOf = (pipeline: any): Record<string, string> =>
    Object.fromEntries(pipeline.inputs.variables.map((v: any) => [v.name, v.defaultValue]));

describe("cicd stack (both methods, the committed example)", () => {
    let run: CicdRun;
    before(async () => {
        run = await runCicd(singleTarget());
    });

    it("registers every component", () => {
        const components = run.mocks.resources
            .filter((r) => r.type.startsWith("cross-account-pipeline:"))
            .map((r) => `${r.type} ${r.name}`);
        expect(components).to.have.members([
            "cross-account-pipeline:cicd:ArtifactBucket artifacts",
            "cross-account-pipeline:cicd:StateBucket terraform-state",
            "cross-account-pipeline:cicd:TerraformDeployer terraform",
            "cross-account-pipeline:cicd:DeploymentPipeline terraform",
            "cross-account-pipeline:cicd:DeploymentPipeline cloudformation",
            "cross-account-pipeline:cicd:PipelineTrigger source-trigger",
            "cross-account-pipeline:cicd:PipelineNotifications notifications",
        ]);
    });

    it("parents every AWS resource to the component that owns it (the Commands log group is the stack's own)", () => {
        const parentName = (urn: string | undefined) => urn?.split("::").pop();
        const aws = run.mocks.resources.filter((r) => r.type.startsWith("aws:"));
        const orphans = aws.filter((r) => r.parent === undefined).map((r) => r.name);
        expect(orphans).to.deep.equal(["cloudformation-commands-logs"]);
        expect(parentName(find(run.mocks, "aws:s3/bucket:Bucket", "terraform-state-bucket").parent)).to.equal(
            "terraform-state",
        );
        expect(find(run.mocks, "aws:codebuild/project:Project", "terraform-project").parent).to.match(
            /TerraformDeployer::terraform$/,
        );
        expect(find(run.mocks, PIPELINE, "cloudformation-pipeline").parent).to.match(
            /DeploymentPipeline::cloudformation$/,
        );
    });

    describe("the state bucket", () => {
        it("has a deterministic name in the CI/CD account, never force-destroyed", () => {
            const b = find(run.mocks, "aws:s3/bucket:Bucket", "terraform-state-bucket");
            expect(b.inputs.bucket).to.equal(`xacct-tfstate-${CICD_ACCOUNT}-eu-west-1`);
            expect(b.inputs.forceDestroy).to.equal(false);
        });
        it("is versioned, SSE-S3 encrypted (not the aws/s3 key), private and owner-enforced", () => {
            expect(
                find(run.mocks, "aws:s3/bucketVersioning:BucketVersioning", "terraform-state-versioning").inputs
                    .versioningConfiguration.status,
            ).to.equal("Enabled");
            const sse = find(
                run.mocks,
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "terraform-state-encryption",
            );
            expect(sse.inputs.rules[0].applyServerSideEncryptionByDefault).to.deep.equal({ sseAlgorithm: "AES256" });
            expect(
                find(
                    run.mocks,
                    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                    "terraform-state-public-access",
                ).inputs,
            ).to.include({
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            });
            expect(
                find(run.mocks, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "terraform-state-ownership")
                    .inputs.rule.objectOwnership,
            ).to.equal("BucketOwnerEnforced");
        });
        it("denies plain HTTP and admits only the target's deploy role to its own state and lock objects", () => {
            const policy = policyOf(find(run.mocks, "aws:s3/bucketPolicy:BucketPolicy", "terraform-state-policy"));
            const bucket = `xacct-tfstate-${CICD_ACCOUNT}-eu-west-1`;
            expect(sid(policy, "DenyInsecureTransport")).to.deep.include({
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            });
            const pin = {
                ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${TARGET_ACCOUNT}:role/xacct-terraform-deploy` },
            };
            expect(sid(policy, "ReadWriteState0")).to.deep.equal({
                Sid: "ReadWriteState0",
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${TARGET_ACCOUNT}:root` },
                Action: ["s3:GetObject", "s3:PutObject"],
                Resource: `arn:aws:s3:::${bucket}/xacct/default/terraform.tfstate`,
                Condition: pin,
            });
            expect(sid(policy, "LockState0").Resource).to.equal(
                `arn:aws:s3:::${bucket}/xacct/default/terraform.tfstate.tflock`,
            );
            expect(sid(policy, "LockState0").Action).to.include("s3:DeleteObject");
            expect(sid(policy, "ReadWriteState0").Action).to.not.include("s3:DeleteObject");
            expect(sid(policy, "ListStateBucket0")).to.deep.include({
                Action: "s3:ListBucket",
                Resource: `arn:aws:s3:::${bucket}`,
                Condition: pin,
            });
        });
        it("denies the state objects to everyone but the deploy roles, administrators of the CI/CD account included", () => {
            const policy = policyOf(find(run.mocks, "aws:s3/bucketPolicy:BucketPolicy", "terraform-state-policy"));
            const deny = sid(policy, "DenyStateObjectsToAllButDeployRoles");
            expect(deny).to.deep.include({
                Effect: "Deny",
                Principal: "*",
                Resource: `arn:aws:s3:::xacct-tfstate-${CICD_ACCOUNT}-eu-west-1/*`,
            });
            expect(deny.Action).to.include.members([
                "s3:GetObject",
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:GetObjectVersion",
            ]);
            expect(deny.Condition).to.deep.equal({
                ArnNotEquals: { "aws:PrincipalArn": [`arn:aws:iam::${TARGET_ACCOUNT}:role/xacct-terraform-deploy`] },
            });
        });
        it("keeps the bucket and its hardening when the stack is destroyed (retainOnDelete on every child)", async () => {
            // Resource options never reach the mock engine; a transformation on the component sees them.
            const seen: { type: string; retain?: boolean }[] = [];
            await useMocks("cicd", { accountId: CICD_ACCOUNT });
            new StateBucket(
                "probe",
                { partition: "aws", bucketName: "probe-bucket", grants: [] },
                {
                    transformations: [
                        (a) => {
                            seen.push({ type: a.type, retain: a.opts.retainOnDelete });
                            return undefined;
                        },
                    ],
                },
            );
            const children = seen.filter((s) => s.type.startsWith("aws:s3/"));
            expect(children.map((c) => c.type)).to.include.members([
                "aws:s3/bucket:Bucket",
                "aws:s3/bucketPolicy:BucketPolicy",
                "aws:s3/bucketVersioning:BucketVersioning",
            ]);
            for (const c of children) expect(c.retain, c.type).to.equal(true);
        });
    });

    describe("the artifact bucket", () => {
        it("is versioned (S3 source actions need it), hardened, and sends events to EventBridge", () => {
            expect(
                find(run.mocks, "aws:s3/bucketVersioning:BucketVersioning", "artifacts-versioning").inputs
                    .versioningConfiguration.status,
            ).to.equal("Enabled");
            expect(
                find(run.mocks, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "artifacts-public-access")
                    .inputs.restrictPublicBuckets,
            ).to.equal(true);
            expect(
                sid(
                    policyOf(find(run.mocks, "aws:s3/bucketPolicy:BucketPolicy", "artifacts-policy")),
                    "DenyInsecureTransport",
                ).Effect,
            ).to.equal("Deny");
            expect(
                find(run.mocks, "aws:s3/bucketNotification:BucketNotification", "artifacts-eventbridge").inputs
                    .eventbridge,
            ).to.equal(true);
        });
        it("holds the source archive the pipelines watch, uploaded by the stack itself", () => {
            const source = find(run.mocks, "aws:s3/bucketObjectv2:BucketObjectv2", "artifacts-source");
            expect(source.inputs.key).to.equal("source/workload.zip");
            expect(run.outputs.sourceKey).to.equal("source/workload.zip");
        });
    });

    describe("the CodeBuild project", () => {
        it("runs an unprivileged standard image with a timeout, the pinned Terraform and its checksum", () => {
            const p = find(run.mocks, "aws:codebuild/project:Project", "terraform-project");
            expect(p.inputs.name).to.equal("xacct-terraform");
            expect(p.inputs.buildTimeout).to.equal(60);
            expect(p.inputs.source).to.deep.equal({ type: "CODEPIPELINE", buildspec: "buildspec.yml" });
            expect(p.inputs.environment).to.deep.include({
                type: "LINUX_CONTAINER",
                privilegedMode: false,
                image: "aws/codebuild/amazonlinux-x86_64-standard:5.0",
            });
            const env = Object.fromEntries(
                p.inputs.environment.environmentVariables.map((e: any) => [e.name, e.value]),
            );
            expect(env).to.deep.equal({
                TF_VERSION: "1.11.4",
                TF_SHA256: "1ce994251c00281d6845f0f268637ba50c0005657eb3cf096b92f753b42ef4dc",
            });
            expect(p.inputs.logsConfig.cloudwatchLogs).to.deep.equal({
                status: "ENABLED",
                groupName: "/aws/codebuild/xacct-terraform",
            });
        });
        it("logs to a group with a retention period", () => {
            expect(find(run.mocks, "aws:cloudwatch/logGroup:LogGroup", "terraform-logs").inputs).to.deep.include({
                name: "/aws/codebuild/xacct-terraform",
                retentionInDays: 30,
            });
        });
        it("has a role trusted by CodeBuild for this project only", () => {
            const role = find(run.mocks, "aws:iam/role:Role", "terraform-codebuild-role");
            const trust = policyOf(role, "assumeRolePolicy");
            expect(trust.Statement).to.deep.equal([
                {
                    Sid: "TrustedService",
                    Effect: "Allow",
                    Action: "sts:AssumeRole",
                    Principal: { Service: "codebuild.amazonaws.com" },
                    Condition: {
                        StringEquals: { "aws:SourceAccount": CICD_ACCOUNT },
                        ArnLike: {
                            "aws:SourceArn": `arn:aws:codebuild:eu-west-1:${CICD_ACCOUNT}:project/xacct-terraform`,
                        },
                    },
                },
            ]);
        });
        it("whose role may read artifacts, write its logs and assume only the target's deploy role — no state access", () => {
            const doc = policyOf(find(run.mocks, "aws:iam/rolePolicy:RolePolicy", "terraform-codebuild-run-terraform"));
            expect(sid(doc, "AssumeTerraformDeployRoles").Resource).to.deep.equal([
                `arn:aws:iam::${TARGET_ACCOUNT}:role/xacct-terraform-deploy`,
            ]);
            expect(sid(doc, "ReadArtifacts").Action).to.deep.equal(["s3:GetObject", "s3:GetObjectVersion"]);
            expect(JSON.stringify(doc)).to.not.include("tfstate");
            expect(statements(doc).map((s) => s.Sid)).to.deep.equal([
                "ReadArtifacts",
                "WriteOwnLogs",
                "AssumeTerraformDeployRoles",
            ]);
        });
    });

    describe("the Terraform pipeline", () => {
        it("is V2, queued, with an S3 source, a destroy guard and one CodeBuild stage", () => {
            const p = find(run.mocks, PIPELINE, "terraform-pipeline");
            expect(p.inputs).to.deep.include({ name: "xacct-terraform", pipelineType: "V2", executionMode: "QUEUED" });
            expect(p.inputs.artifactStores).to.deep.equal([
                { location: `xacct-artifacts-${CICD_ACCOUNT}-eu-west-1`, type: "S3" },
            ]);
            expect(p.inputs.stages.map((s: any) => s.name)).to.deep.equal(["Source", "ApproveDestroy", "Deploy"]);
            const source = p.inputs.stages[0].actions[0];
            expect(source).to.deep.include({ category: "Source", owner: "AWS", provider: "S3", version: "1" });
            expect(source.configuration).to.deep.equal({
                S3Bucket: `xacct-artifacts-${CICD_ACCOUNT}-eu-west-1`,
                S3ObjectKey: "source/workload.zip",
                PollForSourceChanges: "false",
            });
            const deploy = p.inputs.stages[2].actions;
            expect(deploy).to.have.length(1);
            expect(deploy[0]).to.deep.include({
                category: "Build",
                provider: "CodeBuild",
                inputArtifacts: ["source_output"],
            });
            expect(deploy[0].configuration.ProjectName).to.equal("xacct-terraform");
        });
        it("has the seed's pipeline variables with working defaults", () => {
            expect(variablesOf(find(run.mocks, PIPELINE, "terraform-pipeline"))).to.deep.equal({
                TF_ACTION: "apply",
                TFSTATE_BUCKET_NAME: `xacct-tfstate-${CICD_ACCOUNT}-eu-west-1`,
                TARGET_ROLE_SESSION: "xacct-terraform-pipeline",
                TFSTATE_FILE_NAME: "xacct/default/terraform.tfstate",
                TARGET_ROLE_ARN: `arn:aws:iam::${TARGET_ACCOUNT}:role/xacct-terraform-deploy`,
            });
        });
        it("passes the variables and the target to the build", () => {
            const action = find(run.mocks, PIPELINE, "terraform-pipeline").inputs.stages[2].actions[0];
            expect(envOf(action)).to.deep.equal({
                TF_ACTION: "#{variables.TF_ACTION}",
                TFSTATE_BUCKET_NAME: "#{variables.TFSTATE_BUCKET_NAME}",
                TFSTATE_FILE_NAME: "#{variables.TFSTATE_FILE_NAME}",
                TARGET_ROLE_ARN: "#{variables.TARGET_ROLE_ARN}",
                TARGET_ROLE_SESSION: "#{variables.TARGET_ROLE_SESSION}",
                TARGET_ACCOUNT_ID: TARGET_ACCOUNT,
                TARGET_NAME: "default",
            });
        });
        it("asks for an approval before a destroy run, and skips that stage otherwise", () => {
            const guard = find(run.mocks, PIPELINE, "terraform-pipeline").inputs.stages[1];
            expect(guard.actions[0]).to.deep.include({ category: "Approval", provider: "Manual" });
            expect(guard.beforeEntry.condition.result).to.equal("SKIP");
            expect(guard.beforeEntry.condition.rules[0]).to.deep.include({
                ruleTypeId: { category: "Rule", owner: "AWS", provider: "VariableCheck", version: "1" },
            });
            expect(guard.beforeEntry.condition.rules[0].configuration).to.deep.equal({
                Variable: "#{variables.TF_ACTION}",
                Value: "destroy",
                Operator: "EQ",
            });
        });
        it("has a service role that may start only its own project", () => {
            const doc = policyOf(find(run.mocks, "aws:iam/rolePolicy:RolePolicy", "terraform-service-pipeline"));
            expect(sid(doc, "RunOwnBuildProject").Resource).to.equal(
                `arn:aws:codebuild:eu-west-1:${CICD_ACCOUNT}:project/xacct-terraform`,
            );
            expect(JSON.stringify(doc)).to.not.include("sts:AssumeRole");
            const trust = policyOf(find(run.mocks, "aws:iam/role:Role", "terraform-service-role"), "assumeRolePolicy");
            expect(trust.Statement[0].Principal).to.deep.equal({ Service: "codepipeline.amazonaws.com" });
        });
    });

    describe("the CloudFormation pipeline", () => {
        it("is V2 with a Commands action that has its own commands", () => {
            const p = find(run.mocks, PIPELINE, "cloudformation-pipeline");
            expect(p.inputs).to.deep.include({ name: "xacct-cloudformation", pipelineType: "V2" });
            expect(p.inputs.stages.map((s: any) => s.name)).to.deep.equal(["Source", "ApproveDestroy", "Deploy"]);
            const action = p.inputs.stages[2].actions[0];
            expect(action).to.deep.include({
                category: "Compute",
                owner: "AWS",
                provider: "Commands",
                version: "1",
                inputArtifacts: ["source_output"],
            });
            expect(action.commands).to.be.an("array").that.is.not.empty;
            expect(action.roleArn, "the Commands action cannot be a cross-account action").to.equal(undefined);
        });
        it("has the seed's variables, with deploy as the default action", () => {
            expect(variablesOf(find(run.mocks, PIPELINE, "cloudformation-pipeline"))).to.deep.equal({
                BUILD_ACTION: "deploy",
                TARGET_ROLE_ARN: `arn:aws:iam::${TARGET_ACCOUNT}:role/xacct-cloudformation-deploy`,
                BUILD_STACK_NAME: "xacct-workload-default",
                CFN_ROLE_ARN: `arn:aws:iam::${TARGET_ACCOUNT}:role/xacct-cloudformation-execution`,
            });
            expect(BUILD_ACTIONS).to.include("delete-stack");
        });
        it("guards delete-stack runs with an approval", () => {
            const guard = find(run.mocks, PIPELINE, "cloudformation-pipeline").inputs.stages[1];
            expect(guard.beforeEntry.condition.rules[0].configuration).to.deep.equal({
                Variable: "#{variables.BUILD_ACTION}",
                Value: "delete-stack",
                Operator: "EQ",
            });
        });
        it("has a role that writes only its own logs and assumes only the target's CloudFormation deploy role", () => {
            const doc = policyOf(find(run.mocks, "aws:iam/rolePolicy:RolePolicy", "cloudformation-service-pipeline"));
            expect(sid(doc, "WriteOwnLogs").Resource).to.deep.equal([
                `arn:aws:logs:eu-west-1:${CICD_ACCOUNT}:log-group:/aws/codepipeline/xacct-cloudformation`,
                `arn:aws:logs:eu-west-1:${CICD_ACCOUNT}:log-group:/aws/codepipeline/xacct-cloudformation:log-stream:*`,
            ]);
            expect(sid(doc, "AssumeCloudFormationDeployRoles").Resource).to.deep.equal([
                `arn:aws:iam::${TARGET_ACCOUNT}:role/xacct-cloudformation-deploy`,
            ]);
            expect(JSON.stringify(doc)).to.not.include("codebuild:");
        });
        it("pre-creates the Commands action's log group with a retention period", () => {
            expect(
                find(run.mocks, "aws:cloudwatch/logGroup:LogGroup", "cloudformation-commands-logs").inputs,
            ).to.deep.include({ name: "/aws/codepipeline/xacct-cloudformation", retentionInDays: 30 });
        });
    });

    it("starts both pipelines from EventBridge on a new source archive, with a role that may start only them", () => {
        const rule = find(run.mocks, "aws:cloudwatch/eventRule:EventRule", "source-trigger-rule");
        expect(JSON.parse(rule.inputs.eventPattern)).to.deep.equal({
            source: ["aws.s3"],
            "detail-type": ["Object Created"],
            detail: {
                bucket: { name: [`xacct-artifacts-${CICD_ACCOUNT}-eu-west-1`] },
                object: { key: ["source/workload.zip"] },
            },
        });
        expect(ofType(run.mocks, "aws:cloudwatch/eventTarget:EventTarget").map((t) => t.inputs.arn)).to.deep.equal([
            `arn:aws:codepipeline:eu-west-1:${CICD_ACCOUNT}:xacct-terraform`,
            `arn:aws:codepipeline:eu-west-1:${CICD_ACCOUNT}:xacct-cloudformation`,
        ]);
        expect(
            sid(
                policyOf(find(run.mocks, "aws:iam/rolePolicy:RolePolicy", "source-trigger-events-start-pipelines")),
                "StartOwnPipelines",
            ).Action,
        ).to.equal("codepipeline:StartPipelineExecution");
    });

    it("exports what the target stacks need", () => {
        expect(run.outputs).to.deep.include({
            cicdAccountId: CICD_ACCOUNT,
            partition: "aws",
            region: "eu-west-1",
            codeBuildRoleArn: `arn:aws:iam::${CICD_ACCOUNT}:role/xacct-codebuild-terraform`,
        });
        expect(run.outputs.cloudformationPipelineRoleArn).to.equal(
            `arn:aws:iam::${CICD_ACCOUNT}:role/xacct-pipeline-cloudformation`,
        );
        expect(run.outputs.targets.default).to.deep.include({
            stackName: "target",
            accountId: TARGET_ACCOUNT,
            terraformDeployRoleName: "xacct-terraform-deploy",
        });
    });
});

describe("cicd stack: choosing methods", () => {
    it("terraform alone: no CloudFormation pipeline, no Commands log group", async () => {
        const run = await runCicd(singleTarget({ "cross-account-pipeline:methods": "terraform" }));
        expect(ofType(run.mocks, PIPELINE).map((p) => p.name)).to.deep.equal(["terraform-pipeline"]);
        expect(ofType(run.mocks, "aws:cloudwatch/logGroup:LogGroup").map((l) => l.name)).to.deep.equal([
            "terraform-logs",
        ]);
        expect(run.outputs.cloudformationPipelineName).to.equal(undefined);
        expect(run.outputs.methods).to.deep.equal(["terraform"]);
    });
    it("cloudformation alone: no state bucket, no CodeBuild project", async () => {
        const run = await runCicd(singleTarget({ "cross-account-pipeline:methods": "cloudformation" }));
        expect(ofType(run.mocks, PIPELINE).map((p) => p.name)).to.deep.equal(["cloudformation-pipeline"]);
        expect(ofType(run.mocks, "aws:codebuild/project:Project")).to.have.length(0);
        expect(ofType(run.mocks, "aws:s3/bucket:Bucket").map((b) => b.name)).to.deep.equal(["artifacts-bucket"]);
        expect(run.outputs.stateBucketName).to.equal(undefined);
    });
});

describe("cicd stack: refusals before any resource", () => {
    it("refuses a target that is the CI/CD account itself", async () => {
        const mocks = await useMocks("cicd", { accountId: TARGET_ACCOUNT });
        let error: unknown;
        try {
            await runStack("cicd", readerOf(singleTarget()));
        } catch (e) {
            error = e;
        }
        expect(error).to.be.instanceOf(ConfigError);
        expect((error as Error).message).to.include("a target must be a separate account");
        expect(mocks.resources).to.have.length(0);
    });
    it("refuses bad config without declaring anything", async () => {
        const mocks = await useMocks("cicd", { accountId: CICD_ACCOUNT });
        let error: unknown;
        try {
            await runStack("cicd", readerOf(singleTarget({ "cross-account-pipeline:subnetId": "subnet-1" })));
        } catch (e) {
            error = e;
        }
        expect((error as Error).message).to.include("cross-account-pipeline:subnetId must be");
        expect(mocks.resources).to.have.length(0);
        expect(mocks.invokes).to.have.length(0);
    });
    it("refuses an unknown stack name, naming it", async () => {
        await useMocks("staging", { accountId: CICD_ACCOUNT });
        let error: unknown;
        try {
            await runStack("staging", readerOf({}));
        } catch (e) {
            error = e;
        }
        expect(error).to.be.instanceOf(ConfigError);
        expect((error as Error).message).to.include('Unknown stack "staging"');
    });
});
