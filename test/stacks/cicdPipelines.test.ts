import { expect } from "chai";
import { find, ofType, policyOf, sid } from "../../tools/offline/mocks";
import { CICD_ACCOUNT, CicdRun, proofConfig, PROD_ACCOUNT, runCicd } from "../../tools/offline/program";

// The pipelines the cicd stack declares, as CodePipeline receives them.
const PIPELINE = "aws:codepipeline/pipeline:Pipeline";
const pipeline = (run: CicdRun, name: string) => ofType(run.mocks, PIPELINE).find((p) => p.inputs.name === name)!;
const stage = (p: any, name: string) => (p.inputs.stages as any[]).find((s) => s.name === name);
const envOf = (action: any): Record<string, string> =>
    Object.fromEntries(JSON.parse(action.configuration.EnvironmentVariables).map((e: any) => [e.name, e.value]));
const rolePolicy = (run: CicdRun, component: string) =>
    policyOf(find(run.mocks, "aws:iam/rolePolicy:RolePolicy", `${component}-pipeline`));

describe("cicd stack: the pipelines", () => {
    let run: CicdRun;
    before(async () => {
        run = await runCicd(proofConfig());
    });

    it("are V2 and queued, with an S3 source started by EventBridge, not polling", () => {
        for (const p of ofType(run.mocks, PIPELINE)) {
            expect(p.inputs, p.inputs.name).to.deep.include({ pipelineType: "V2", executionMode: "QUEUED" });
            const source = p.inputs.stages[0].actions[0];
            expect(source.configuration).to.deep.equal({
                S3Bucket: `xacct-artifacts-${CICD_ACCOUNT}-eu-west-1`,
                S3ObjectKey: "source/workload.zip",
                PollForSourceChanges: "false",
            });
        }
    });

    it("run each wave as plan, approval (only where asked), apply: dev then prod", () => {
        for (const name of ["xacct-terraform", "xacct-cloudformation"]) {
            expect(
                pipeline(run, name).inputs.stages.map((s: any) => s.name),
                name,
            ).to.deep.equal([
                "Source",
                "ApproveDestroy",
                "Plan-dev",
                "Apply-dev",
                "Plan-prod",
                "Approve-prod",
                "Apply-prod",
            ]);
        }
        const approve = stage(pipeline(run, "xacct-terraform"), "Approve-prod");
        expect(approve.beforeEntry.condition).to.deep.equal({
            result: "SKIP",
            rules: [
                {
                    name: "OnlyWhenApprovalIsRequired",
                    ruleTypeId: { category: "Rule", owner: "AWS", provider: "VariableCheck", version: "1" },
                    configuration: { Variable: "#{plan-prod.APPROVAL}", Value: "required", Operator: "EQ" },
                },
            ],
        });
        expect(approve.actions[0].configuration).to.deep.equal({
            CustomData: "Wave prod: #{plan-prod.SUMMARY}",
            NotificationArn: `arn:aws:sns:eu-west-1:${CICD_ACCOUNT}:xacct-pipeline-notifications`,
            ExternalEntityLink: `https://console.aws.amazon.com/s3/object/xacct-artifacts-${CICD_ACCOUNT}-eu-west-1?region=eu-west-1&prefix=reviews/xacct-terraform/prod/#{codepipeline.PipelineExecutionId}/report.md`,
        });
    });

    it("guard destroy runs with an approval that is skipped unless the run destroys", () => {
        for (const [name, variable, value] of [
            ["xacct-terraform", "TF_ACTION", "destroy"],
            ["xacct-cloudformation", "BUILD_ACTION", "delete-stack"],
        ]) {
            const guard = stage(pipeline(run, name), "ApproveDestroy");
            expect(guard.beforeEntry.condition.rules[0].configuration).to.deep.equal({
                Variable: `#{variables.${variable}}`,
                Value: value,
                Operator: "EQ",
            });
            expect(pipeline(run, name).inputs.variables.map((v: any) => v.name)).to.deep.equal([variable]);
        }
    });

    it("set timeoutInMinutes on no action: the API accepts it on Manual approvals only", () => {
        for (const p of ofType(run.mocks, PIPELINE)) {
            for (const s of p.inputs.stages)
                for (const a of s.actions) expect(a.timeoutInMinutes, `${p.inputs.name}/${a.name}`).to.equal(undefined);
        }
    });

    it("give each Terraform action its target's project, and the apply its reviewed plan as a second input", () => {
        const p = pipeline(run, "xacct-terraform");
        const plan = stage(p, "Plan-prod").actions[0];
        expect(plan).to.deep.include({
            name: "Plan-prod",
            namespace: "plan-prod",
            category: "Build",
            provider: "CodeBuild",
        });
        expect(plan.configuration.ProjectName).to.equal("xacct-tf-plan-prod");
        expect(envOf(plan)).to.deep.equal({
            TF_STEP: "plan",
            PIPELINE_EXECUTION_ID: "#{codepipeline.PipelineExecutionId}",
        });
        const apply = stage(p, "Apply-prod").actions[0];
        expect(apply.configuration.ProjectName).to.equal("xacct-tf-apply-prod");
        expect(apply.inputArtifacts).to.deep.equal(["source_output", plan.outputArtifacts[0]]);
        expect(apply.configuration.PrimarySource).to.equal("source_output");
        expect(plan.outputArtifacts[0]).to.match(/^P[0-9a-z]{9}$/);
    });

    it("give each CloudFormation action its own target's action role", () => {
        const p = pipeline(run, "xacct-cloudformation");
        expect(stage(p, "Plan-prod").actions[0].roleArn).to.equal(
            `arn:aws:iam::${CICD_ACCOUNT}:role/xacct-cfn-plan-${PROD_ACCOUNT}`,
        );
        expect(stage(p, "Apply-prod").actions[0].roleArn).to.equal(
            `arn:aws:iam::${CICD_ACCOUNT}:role/xacct-cfn-apply-${PROD_ACCOUNT}`,
        );
        expect(stage(p, "Plan-prod").actions[0].outputVariables).to.deep.equal([
            "CHANGES",
            "APPROVAL",
            "SUMMARY",
            "RISK",
            "PLAN_SHA256",
        ]);
        for (const s of p.inputs.stages.slice(2))
            for (const a of s.actions) if (a.provider === "Commands") expect(a.commands.length).to.be.at.most(50);
    });

    it("check drift with plans only: the drift pipelines start plan projects and plan roles, on a schedule", () => {
        const tf = pipeline(run, "xacct-terraform-drift");
        expect(tf.inputs.stages.map((s: any) => s.name)).to.deep.equal(["Source", "Drift-dev", "Drift-prod"]);
        const drift = stage(tf, "Drift-prod").actions[0];
        expect(drift.configuration.ProjectName).to.equal("xacct-tf-plan-prod");
        expect(envOf(drift).TF_STEP).to.equal("drift");
        expect(sid(rolePolicy(run, "terraform-drift-service"), "RunOwnBuildProjects").Resource).to.deep.equal([
            `arn:aws:codebuild:eu-west-1:${CICD_ACCOUNT}:project/xacct-tf-plan-*`,
        ]);
        expect(sid(rolePolicy(run, "cloudformation-drift-service"), "AssumeOwnActionRoles").Resource).to.equal(
            `arn:aws:iam::${CICD_ACCOUNT}:role/xacct-cfn-plan-*`,
        );
        const schedule = ofType(run.mocks, "aws:cloudwatch/eventRule:EventRule").find(
            (r) => r.inputs.name === "xacct-drift-schedule",
        )!;
        expect(schedule.inputs.scheduleExpression).to.equal("rate(1 day)");
        const targets = ofType(run.mocks, "aws:cloudwatch/eventTarget:EventTarget").filter((t) =>
            t.name.startsWith("drift-schedule-"),
        );
        expect(targets.map((t) => t.inputs.arn).sort()).to.deep.equal([
            `arn:aws:codepipeline:eu-west-1:${CICD_ACCOUNT}:xacct-cloudformation-drift`,
            `arn:aws:codepipeline:eu-west-1:${CICD_ACCOUNT}:xacct-terraform-drift`,
        ]);
    });

    it("start the deployment pipelines when a new source archive lands, and only them", () => {
        const rule = ofType(run.mocks, "aws:cloudwatch/eventRule:EventRule").find(
            (r) => r.inputs.name === "xacct-source-uploaded",
        )!;
        expect(JSON.parse(rule.inputs.eventPattern)).to.deep.equal({
            source: ["aws.s3"],
            "detail-type": ["Object Created"],
            detail: {
                bucket: { name: [`xacct-artifacts-${CICD_ACCOUNT}-eu-west-1`] },
                object: { key: ["source/workload.zip"] },
            },
        });
        const start = policyOf(
            find(run.mocks, "aws:iam/rolePolicy:RolePolicy", "source-trigger-events-start-pipelines"),
        );
        expect(sid(start, "StartOwnPipelines").Resource).to.deep.equal([
            `arn:aws:codepipeline:eu-west-1:${CICD_ACCOUNT}:xacct-terraform`,
            `arn:aws:codepipeline:eu-west-1:${CICD_ACCOUNT}:xacct-cloudformation`,
        ]);
    });

    it("give each pipeline role what its actions need, as documented, and nothing that reaches a target", () => {
        const cfn = rolePolicy(run, "cloudformation-service");
        // action-reference-S3 "Service role permissions: S3 source action"
        expect(sid(cfn, "ReadSource").Action).to.deep.equal([
            "s3:GetObject",
            "s3:GetObjectVersion",
            "s3:GetObjectTagging",
            "s3:GetObjectVersionTagging",
        ]);
        expect(sid(cfn, "SourceBucket").Action).to.deep.equal([
            "s3:GetBucketVersioning",
            "s3:GetBucketAcl",
            "s3:GetBucketLocation",
        ]);
        // action-reference-Commands "Service role policy permissions"
        expect(sid(cfn, "CommandsLogs").Action).to.deep.equal([
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ]);
        // approvals-service-role-permissions: sns:Publish for NotificationArn
        expect(sid(cfn, "PublishApprovalRequests").Resource).to.equal(
            `arn:aws:sns:eu-west-1:${CICD_ACCOUNT}:xacct-pipeline-notifications`,
        );
        expect(sid(cfn, "AssumeOwnActionRoles").Resource).to.deep.equal([
            `arn:aws:iam::${CICD_ACCOUNT}:role/xacct-cfn-plan-*`,
            `arn:aws:iam::${CICD_ACCOUNT}:role/xacct-cfn-apply-*`,
            `arn:aws:iam::${CICD_ACCOUNT}:role/xacct-cfn-review`,
        ]);
        for (const doc of [cfn, rolePolicy(run, "terraform-service")]) {
            for (const s of doc.Statement) expect(JSON.stringify(s.Resource)).to.not.include(PROD_ACCOUNT);
        }
    });

    it("notify failures, successes and approvals of every pipeline to one topic", () => {
        const rules = ofType(run.mocks, "aws:codestarnotifications/notificationRule:NotificationRule");
        expect(rules.map((r) => r.inputs.resource.split(":").pop()).sort()).to.deep.equal([
            "xacct-cloudformation",
            "xacct-cloudformation-drift",
            "xacct-terraform",
            "xacct-terraform-drift",
        ]);
    });
});
