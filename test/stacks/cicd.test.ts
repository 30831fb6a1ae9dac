import { expect } from "chai";
import { StateBucket } from "../../components/stateBucket";
import { ConfigError } from "../../config";
import { CONTRACT_VERSION } from "../../contract";
import { runStack } from "../../stacks";
import { find, ofType, policyOf, sid, useMocks } from "../../tools/offline/mocks";
import {
    CICD_ACCOUNT,
    CicdRun,
    proofConfig,
    PROD_ACCOUNT,
    readerOf,
    runCicd,
    singleTarget,
    TARGET_ACCOUNT,
} from "../../tools/offline/program";

// The cicd stack under mocks: components, buckets, per-target projects and roles, outputs, refusals.
// The pipelines' structure is in cicdPipelines.test.ts.
const PROJECT = "aws:codebuild/project:Project";
const ROLE = "aws:iam/role:Role";

describe("cicd stack (two targets, both methods)", () => {
    let run: CicdRun;
    before(async () => {
        run = await runCicd(proofConfig());
    });

    it("registers its components: buckets, a project and an action role per target and step, pipelines, triggers", () => {
        const components = run.mocks.resources
            .filter((r) => r.type.startsWith("cross-account-pipeline:"))
            .map((r) => `${r.type.split(":").pop()} ${r.name}`);
        expect(components).to.have.members([
            "ArtifactBucket artifacts",
            "StateBucket terraform-state",
            "BuildProject tf-plan-dev",
            "BuildProject tf-apply-dev",
            "BuildProject tf-plan-prod",
            "BuildProject tf-apply-prod",
            "ActionRole terraform-review",
            "ActionRole cfn-plan-dev",
            "ActionRole cfn-apply-dev",
            "ActionRole cfn-plan-prod",
            "ActionRole cfn-apply-prod",
            "ActionRole cloudformation-review",
            "DeploymentPipeline terraform",
            "DeploymentPipeline terraform-drift",
            "DeploymentPipeline cloudformation",
            "DeploymentPipeline cloudformation-drift",
            "PipelineTrigger source-trigger",
            "PipelineTrigger drift-schedule",
            "PipelineNotifications notifications",
        ]);
    });

    it("parents every AWS resource to its component, but the log groups, which the stack creates with a retention", () => {
        const orphans = run.mocks.resources.filter((r) => r.type.startsWith("aws:") && r.parent === undefined);
        expect(orphans.map((r) => r.inputs.name).sort()).to.deep.equal([
            "/aws/codebuild/xacct-terraform",
            "/aws/codepipeline/xacct-cloudformation",
            "/aws/codepipeline/xacct-cloudformation-drift",
            "/aws/codepipeline/xacct-terraform",
        ]);
        for (const g of orphans) expect(g.inputs.retentionInDays, g.inputs.name).to.equal(30);
        expect(find(run.mocks, PROJECT, "tf-apply-prod-project").parent).to.match(/BuildProject::tf-apply-prod$/);
    });

    describe("the state bucket", () => {
        it("has a deterministic name, is never force-destroyed, and keeps 10 versions plus 90 days of history", () => {
            const b = find(run.mocks, "aws:s3/bucket:Bucket", "terraform-state-bucket");
            expect(b.inputs).to.deep.include({
                bucket: `xacct-tfstate-${CICD_ACCOUNT}-eu-west-1`,
                forceDestroy: false,
            });
            const rules = find(
                run.mocks,
                "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                "terraform-state-lifecycle",
            ).inputs.rules;
            expect(rules[0].noncurrentVersionExpiration).to.deep.equal({
                noncurrentDays: 90,
                newerNoncurrentVersions: 10,
            });
        });

        it("is versioned, SSE-S3, private and owner-enforced, and its versioning and lifecycle follow its policy", () => {
            expect(
                find(run.mocks, "aws:s3/bucketVersioning:BucketVersioning", "terraform-state-versioning").inputs
                    .versioningConfiguration,
            ).to.deep.equal({ status: "Enabled" });
            const sse = find(
                run.mocks,
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "terraform-state-encryption",
            );
            expect(sse.inputs.rules[0].applyServerSideEncryptionByDefault).to.deep.equal({ sseAlgorithm: "AES256" });
            const pab = find(
                run.mocks,
                "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                "terraform-state-public-access",
            );
            expect(pab.inputs).to.deep.include({
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            });
        });

        it("admits each target account to its own prefix only, with one statement whatever the number of targets", () => {
            const policy = policyOf(find(run.mocks, "aws:s3/bucketPolicy:BucketPolicy", "terraform-state-policy"));
            const allow = sid(policy, "TargetRolesUseOwnPrefix");
            expect(allow.Principal).to.deep.equal({
                AWS: [`arn:aws:iam::${TARGET_ACCOUNT}:root`, `arn:aws:iam::${PROD_ACCOUNT}:root`],
            });
            expect(allow.Resource).to.deep.equal([
                `arn:aws:s3:::xacct-tfstate-${CICD_ACCOUNT}-eu-west-1`,
                `arn:aws:s3:::xacct-tfstate-${CICD_ACCOUNT}-eu-west-1/xacct/\${aws:PrincipalAccount}/*`,
            ]);
            expect(allow.Condition.ArnLike["aws:PrincipalArn"]).to.deep.equal([
                "arn:aws:iam::*:role/xacct-terraform-plan",
                "arn:aws:iam::*:role/xacct-terraform-deploy",
            ]);
            // The deployer keeps managing the bucket's settings.
            expect(sid(policy, "DenyBucketSettingsChanges").Condition.ArnNotLike["aws:PrincipalArn"]).to.deep.equal([
                `arn:aws:iam::${CICD_ACCOUNT}:role/deployer`,
                `arn:aws:iam::${CICD_ACCOUNT}:role/*/deployer`,
            ]);
        });

        it("keeps the bucket and all of its hardening when the stack is destroyed (retainOnDelete on every child)", async () => {
            const seen: { type: string; retain?: boolean }[] = [];
            await useMocks("cicd", { accountId: CICD_ACCOUNT });
            new StateBucket(
                "probe",
                {
                    bucketName: "probe-bucket",
                    policy: { Version: "2012-10-17", Statement: [] },
                    noncurrentVersionDays: 90,
                },
                { transformations: [(a) => (seen.push({ type: a.type, retain: a.opts.retainOnDelete }), undefined)] },
            );
            const children = seen.filter((s) => s.type.startsWith("aws:s3/"));
            expect(children.map((c) => c.type)).to.include.members([
                "aws:s3/bucket:Bucket",
                "aws:s3/bucketPolicy:BucketPolicy",
                "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            ]);
            for (const c of children) expect(c.retain, c.type).to.equal(true);
        });
    });

    describe("the artifact bucket", () => {
        it("expires pipeline artifacts and review reports after 30 days, never the source archive", () => {
            const rules = find(
                run.mocks,
                "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                "artifacts-lifecycle",
            ).inputs.rules as any[];
            expect(rules[0].noncurrentVersionExpiration).to.deep.equal({ noncurrentDays: 30 });
            const prefixes = rules.slice(1).map((r) => [r.filter.prefix, r.expiration.days]);
            expect(prefixes).to.deep.equal([
                ["xacct-terraform/", 30],
                // CodePipeline keeps the first 20 characters of a pipeline name in artifact keys.
                ["xacct-terraform-drif/", 30],
                ["xacct-cloudformation/", 30],
                ["reviews/", 30],
            ]);
            for (const [p] of prefixes) expect("source/workload.zip".startsWith(p as string)).to.equal(false);
        });

        it("holds the source archive the pipelines watch, uploaded by the stack itself", () => {
            const source = find(run.mocks, "aws:s3/bucketObjectv2:BucketObjectv2", "artifacts-source");
            expect(source.inputs).to.deep.include({ key: "source/workload.zip", contentType: "application/zip" });
            expect(source.inputs.source.__pulumiArchive).to.equal(true);
        });
    });

    describe("the CodeBuild projects (method 1)", () => {
        it("one per target and step, unprivileged, timed out within the hour a chained session lasts, logging to one group", () => {
            const projects = ofType(run.mocks, PROJECT);
            expect(projects.map((p) => p.inputs.name).sort()).to.deep.equal([
                "xacct-tf-apply-dev",
                "xacct-tf-apply-prod",
                "xacct-tf-plan-dev",
                "xacct-tf-plan-prod",
            ]);
            for (const p of projects) {
                expect(p.inputs.environment.privilegedMode, p.name).to.equal(false);
                expect(p.inputs.buildTimeout, p.name).to.equal(60);
                expect(p.inputs.logsConfig.cloudwatchLogs).to.deep.equal({
                    status: "ENABLED",
                    groupName: "/aws/codebuild/xacct-terraform",
                    streamName: p.inputs.name,
                });
                expect(p.inputs.source.buildspec, p.name).to.match(/^version: 0\.2\n/);
            }
        });

        it("holds its target's identity as literals in its own environment", () => {
            const env = Object.fromEntries(
                (
                    find(run.mocks, PROJECT, "tf-apply-prod-project").inputs.environment.environmentVariables as any[]
                ).map((e) => [e.name, e.value]),
            );
            expect(env).to.deep.include({
                TARGET_NAME: "prod",
                TARGET_ACCOUNT_ID: PROD_ACCOUNT,
                TARGET_ROLE_ARN: `arn:aws:iam::${PROD_ACCOUNT}:role/xacct-terraform-deploy`,
                TFSTATE_KEY: `xacct/${PROD_ACCOUNT}/terraform.tfstate`,
                PLAN_STAGE: "Plan-prod",
                PLAN_ACTION: "Plan-prod",
            });
        });

        it("has a role named by the target's account, trusted by CodeBuild for that project only", () => {
            const r = find(run.mocks, ROLE, "tf-plan-prod-role");
            expect(r.inputs.name).to.equal(`xacct-tf-plan-${PROD_ACCOUNT}`);
            expect(policyOf(r, "assumeRolePolicy").Statement[0].Condition).to.deep.equal({
                StringEquals: { "aws:SourceAccount": CICD_ACCOUNT },
                ArnLike: { "aws:SourceArn": `arn:aws:codebuild:eu-west-1:${CICD_ACCOUNT}:project/xacct-tf-plan-prod` },
            });
        });
    });

    it("exports the contract the target stacks read, camelCase names, and the old name as an alias", () => {
        const o = run.outputs;
        expect(o.contractVersion).to.equal(CONTRACT_VERSION);
        expect(o.contract.version).to.equal(CONTRACT_VERSION);
        expect(Object.keys(o.contract.targets)).to.deep.equal(["dev", "prod"]);
        expect(o.contract.targets.prod.roles).to.deep.include({
            terraformApplyPrincipalArn: `arn:aws:iam::${CICD_ACCOUNT}:role/xacct-tf-apply-${PROD_ACCOUNT}`,
            cloudFormationExecutionRoleArn: `arn:aws:iam::${PROD_ACCOUNT}:role/xacct-cloudformation-execution`,
        });
        expect(o).to.deep.include({
            terraformPipelineName: "xacct-terraform",
            terraformDriftPipelineName: "xacct-terraform-drift",
            cloudFormationPipelineName: "xacct-cloudformation",
            cloudformationPipelineName: "xacct-cloudformation",
            cloudFormationDriftPipelineName: "xacct-cloudformation-drift",
        });
        expect(o.targets).to.deep.equal(o.contract.targets);
    });
});

describe("cicd stack: choosing methods and turning drift off", () => {
    it("terraform alone: no CloudFormation pipeline or action roles; cloudformation alone: no state bucket or projects", async () => {
        const tf = await runCicd(singleTarget({ "cross-account-pipeline:methods": "terraform" }));
        expect(ofType(tf.mocks, "aws:codepipeline/pipeline:Pipeline").map((p) => p.inputs.name)).to.have.members([
            "xacct-terraform",
            "xacct-terraform-drift",
        ]);
        expect(ofType(tf.mocks, "cross-account-pipeline:cicd:ActionRole").map((r) => r.name)).to.deep.equal([
            "terraform-review",
        ]);
        const cfn = await runCicd(singleTarget({ "cross-account-pipeline:methods": "cloudformation" }));
        expect(ofType(cfn.mocks, PROJECT)).to.deep.equal([]);
        expect(ofType(cfn.mocks, "aws:s3/bucket:Bucket").map((b) => b.name)).to.deep.equal(["artifacts-bucket"]);
        expect(cfn.outputs.stateBucketName).to.equal(undefined);
    });

    it("driftSchedule off: no drift pipelines and no schedule", async () => {
        const r = await runCicd(singleTarget({ "cross-account-pipeline:driftSchedule": "off" }));
        expect(ofType(r.mocks, "aws:codepipeline/pipeline:Pipeline").map((p) => p.inputs.name)).to.have.members([
            "xacct-terraform",
            "xacct-cloudformation",
        ]);
        expect(ofType(r.mocks, "aws:cloudwatch/eventRule:EventRule").map((x) => x.inputs.name)).to.deep.equal([
            "xacct-source-uploaded",
        ]);
    });
});

describe("cicd stack: refusals before any resource", () => {
    it("refuses a target that is the CI/CD account itself", async () => {
        const mocks = await useMocks("cicd", { accountId: CICD_ACCOUNT });
        let err: unknown;
        try {
            await runStack("cicd", readerOf(singleTarget({ "cross-account-pipeline:targetAccountId": CICD_ACCOUNT })));
        } catch (e) {
            err = e;
        }
        expect(err).to.be.instanceOf(ConfigError);
        expect((err as Error).message).to.include("a target must be a separate account");
        expect(mocks.resources.filter((r) => r.type !== "pulumi:pulumi:StackReference")).to.deep.equal([]);
    });

    it("refuses an unknown stack name, naming the stacks it knows", async () => {
        await useMocks("prod", { accountId: CICD_ACCOUNT });
        let err: unknown;
        try {
            await runStack("prod", readerOf({}));
        } catch (e) {
            err = e;
        }
        expect((err as Error).message)
            .to.include('Unknown stack "prod"')
            .and.include('"cicd"')
            .and.include('"target-<name>"');
    });
});
