import { expect } from "chai";
import { PIPELINE_EVENTS } from "../components/pipelineNotifications";
import { find, ofType, policyOf } from "../tools/offline/mocks";
import { CICD_ACCOUNT, manyTargets, runCicd, runTarget, singleTarget } from "../tools/offline/program";

const PIPELINE = "aws:codepipeline/pipeline:Pipeline";
const actionNames = (stage: any): string[] => stage.actions.map((a: any) => `${a.runOrder}:${a.name}`);

for (const n of [1, 2, 5]) {
    describe(`many targets: ${n}`, () => {
        // Approvals before the last target only (prod-like), and before target 2 when there are 5.
        const approvals = n === 5 ? [2, 5] : [n];
        let run: Awaited<ReturnType<typeof runCicd>>;
        before(async () => {
            run = await runCicd(manyTargets(n, approvals));
        });

        for (const [pipelineName, actionName] of [
            ["terraform-pipeline", "Terraform"],
            ["cloudformation-pipeline", "CloudFormation"],
        ]) {
            it(`${pipelineName}: one stage per target, in list order, after the source and the destroy guard`, () => {
                const stages = find(run.mocks, PIPELINE, pipelineName).inputs.stages;
                expect(stages.map((s: any) => s.name)).to.deep.equal([
                    "Source",
                    "ApproveDestroy",
                    ...Array.from({ length: n }, (_, i) => `Deploy-t${i + 1}`),
                ]);
            });
            it(`${pipelineName}: a manual approval before each target that requires one, and only there`, () => {
                const stages = find(run.mocks, PIPELINE, pipelineName).inputs.stages.slice(2);
                stages.forEach((stage: any, i: number) => {
                    const expected = approvals.includes(i + 1) ? ["1:Approve", `2:${actionName}`] : [`1:${actionName}`];
                    expect(actionNames(stage), stage.name).to.deep.equal(expected);
                });
            });
        }

        it("gives each target its own state key and role in the Terraform stages", () => {
            const p = find(run.mocks, PIPELINE, "terraform-pipeline");
            const vars = Object.fromEntries(p.inputs.variables.map((v: any) => [v.name, v.defaultValue]));
            const keys = Array.from({ length: n }, (_, i) => vars[`TFSTATE_FILE_NAME_T${i + 1}`]);
            expect(keys).to.deep.equal(Array.from({ length: n }, (_, i) => `xacct/t${i + 1}/terraform.tfstate`));
            p.inputs.stages.slice(2).forEach((stage: any, i: number) => {
                const action = stage.actions.find((a: any) => a.name === "Terraform");
                const env = Object.fromEntries(
                    JSON.parse(action.configuration.EnvironmentVariables).map((e: any) => [e.name, e.value]),
                );
                expect(env).to.deep.include({
                    TFSTATE_FILE_NAME: `#{variables.TFSTATE_FILE_NAME_T${i + 1}}`,
                    TARGET_ROLE_ARN: `#{variables.TARGET_ROLE_ARN_T${i + 1}}`,
                    TARGET_NAME: `t${i + 1}`,
                    TARGET_ACCOUNT_ID: `3000000000${String(i + 1).padStart(2, "0")}`,
                });
            });
        });

        it("gives each target its own CloudFormation stack name, roles and parameters file", () => {
            const p = find(run.mocks, PIPELINE, "cloudformation-pipeline");
            const vars = Object.fromEntries(p.inputs.variables.map((v: any) => [v.name, v.defaultValue]));
            const stacks = Array.from({ length: n }, (_, i) => vars[`BUILD_STACK_NAME_T${i + 1}`]);
            expect(new Set(stacks).size).to.equal(n);
            p.inputs.stages.slice(2).forEach((stage: any, i: number) => {
                const text = stage.actions.find((a: any) => a.name === "CloudFormation").commands.join("\n");
                expect(text)
                    .to.include(`#{variables.TARGET_ROLE_ARN_T${i + 1}}`)
                    .and.include(`parameters-t${i + 1}.json`);
                expect(text).to.include(`TARGET_ACCOUNT_ID="3000000000${String(i + 1).padStart(2, "0")}"`);
            });
        });

        it("lets the CI/CD roles assume exactly the targets' deploy roles", () => {
            const codebuild = policyOf(
                find(run.mocks, "aws:iam/rolePolicy:RolePolicy", "terraform-codebuild-run-terraform"),
            );
            const assume = codebuild.Statement.find((s: any) => s.Sid === "AssumeTerraformDeployRoles");
            expect(assume.Resource).to.deep.equal(
                Array.from(
                    { length: n },
                    (_, i) => `arn:aws:iam::3000000000${String(i + 1).padStart(2, "0")}:role/xacct-terraform-deploy`,
                ),
            );
        });

        it("exports one target contract per stack target-<name>", () => {
            expect(Object.values(run.outputs.targets).map((t: any) => t.stackName)).to.deep.equal(
                Array.from({ length: n }, (_, i) => `target-t${i + 1}`),
            );
        });

        it("every target stack deploys against the shared cicd outputs", async () => {
            for (let i = 1; i <= n; i++) {
                const t = await runTarget(manyTargets(n, approvals), { stack: `target-t${i}`, cicd: run });
                expect(t.outputs.accountId).to.equal(`3000000000${String(i).padStart(2, "0")}`);
                const state = policyOf(
                    find(t.mocks, "aws:iam/rolePolicy:RolePolicy", "terraform-deploy-terraform-state"),
                );
                expect(JSON.stringify(state)).to.include(`xacct/t${i}/terraform.tfstate`);
                for (let j = 1; j <= n; j++) if (j !== i) expect(JSON.stringify(state)).to.not.include(`xacct/t${j}/`);
            }
        });
    });
}

describe("many targets: the single-target form keeps working", () => {
    it("is one target named default, with the seed's variable names and a stage called Deploy", async () => {
        const run = await runCicd(singleTarget());
        const p = find(run.mocks, PIPELINE, "terraform-pipeline");
        expect(p.inputs.stages.map((s: any) => s.name)).to.deep.equal(["Source", "ApproveDestroy", "Deploy"]);
        expect(p.inputs.variables.map((v: any) => v.name)).to.include.members([
            "TF_ACTION",
            "TARGET_ROLE_ARN",
            "TFSTATE_FILE_NAME",
        ]);
        expect(Object.keys(run.outputs.targets)).to.deep.equal(["default"]);
    });
    it("takes requireApproval on the single target too", async () => {
        const run = await runCicd(singleTarget({ "cross-account-pipeline:requireApproval": "true" }));
        expect(actionNames(find(run.mocks, PIPELINE, "terraform-pipeline").inputs.stages[2])).to.deep.equal([
            "1:Approve",
            "2:Terraform",
        ]);
    });
});

describe("notifications", () => {
    it("send both pipelines' failures, successes and approval requests to one topic that only CodeStar Notifications may publish to", async () => {
        const run = await runCicd(singleTarget({ "cross-account-pipeline:notificationEmail": "platform@example.com" }));
        const rules = ofType(run.mocks, "aws:codestarnotifications/notificationRule:NotificationRule");
        expect(rules.map((r) => r.inputs.resource)).to.deep.equal([
            `arn:aws:codepipeline:eu-west-1:${CICD_ACCOUNT}:xacct-terraform`,
            `arn:aws:codepipeline:eu-west-1:${CICD_ACCOUNT}:xacct-cloudformation`,
        ]);
        for (const r of rules) expect(r.inputs.eventTypeIds).to.deep.equal([...PIPELINE_EVENTS]);
        const policy = policyOf(find(run.mocks, "aws:sns/topicPolicy:TopicPolicy", "notifications-topic-policy"));
        expect(policy.Statement).to.deep.equal([
            {
                Sid: "CodeStarNotificationsPublish",
                Effect: "Allow",
                Principal: { Service: "codestar-notifications.amazonaws.com" },
                Action: "sns:Publish",
                Resource: `arn:aws:sns:eu-west-1:${CICD_ACCOUNT}:xacct-pipeline-notifications`,
                Condition: { StringEquals: { "aws:SourceAccount": CICD_ACCOUNT } },
            },
        ]);
        expect(
            find(run.mocks, "aws:sns/topicSubscription:TopicSubscription", "notifications-email").inputs,
        ).to.deep.include({ protocol: "email", endpoint: "platform@example.com" });
    });
    it("has no email subscription unless one is configured", async () => {
        const run = await runCicd(singleTarget());
        expect(ofType(run.mocks, "aws:sns/topicSubscription:TopicSubscription")).to.have.length(0);
    });
});
