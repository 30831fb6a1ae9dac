/**
 * Method 2's step script (methods/cloudformation/scripts/cfn-step.sh) through each target's real
 * Commands actions: the commands the pipeline declares, one shell per command, with only the
 * environment carried over, and a stateful stand-in for CloudFormation. Change set, review, then
 * execute exactly that change set; deletion; drift.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { callsOf } from "../helpers/codebuild";
import { World } from "../helpers/fakeAws";
import { actionOf, modelOf, pipelineOf, runCommandsAction, stageOf, targetOf, worldFor } from "../helpers/simulate";
import { proofConfig } from "../../tools/offline/program";

const FIX = path.join(__dirname, "..", "fixtures", "review");
const changes = (name: string): unknown[] =>
    (JSON.parse(fs.readFileSync(path.join(FIX, `${name}.json`), "utf8")) as { Changes: unknown[] }).Changes;
const model = modelOf(proofConfig());
const prod = targetOf(model, "prod");
const pipeline = pipelineOf(model, "xacct-cloudformation");
const action = (stage: string, name: string) => actionOf(stageOf(pipeline, stage), name);
const planAction = action("Plan-prod", "Plan-prod");
const applyAction = action("Apply-prod", "Apply-prod");
const driftAction = actionOf(stageOf(pipelineOf(model, "xacct-cloudformation-drift"), "Drift-prod"), "Drift-prod");
const world = (buildAction = "deploy", status = "NONE", next = "cfn-add-workload"): World => {
    const w = worldFor(model, prod);
    w.runVariables.BUILD_ACTION = buildAction;
    w.stack.status = status;
    w.stack.nextChanges = next === "" ? [] : changes(next);
    return w;
};
const cfnCalls = (r: { calls: { tool: string; args: readonly string[] }[] }) =>
    callsOf(r.calls as never, "aws").filter((c) => c.startsWith("cloudformation"));
const op = (r: Parameters<typeof cfnCalls>[0], name: string) =>
    cfnCalls(r).filter((c) => c.startsWith(`cloudformation ${name}`));
const PLAN_ROLE = `arn:aws:iam::${prod.accountId}:role/xacct-cloudformation-plan`;
const DEPLOY_ROLE = `arn:aws:iam::${prod.accountId}:role/xacct-cloudformation-deploy`;
const EXEC_ROLE = `arn:aws:iam::${prod.accountId}:role/xacct-cloudformation-execution`;

/** Plans, records the plan's outputs as CodePipeline would, and returns the world for the apply. */
async function planned(w: World) {
    const p = await runCommandsAction(model, planAction, { world: w });
    expect(p.status, p.stderr).to.equal(0);
    w.actionExecutions.push({
        stageName: "Plan-prod",
        actionName: "Plan-prod",
        status: "Succeeded",
        lastUpdateTime: "2026-11-28T10:00:00Z",
        outputVariables: p.exported,
    });
    return p;
}

describe("CloudFormation step script: plan", () => {
    it("creates a CREATE change set with the execution role for a new stack, deleting it on a failed create", async () => {
        const w = world();
        const r = await runCommandsAction(model, planAction, { world: w });
        expect(r.status, r.stderr).to.equal(0);
        const [create] = op(r, "create-change-set");
        expect(create)
            .to.include("--change-set-name run-8c1f3a2e-0000-4000-8000-000000000001")
            .and.include("--change-set-type CREATE --on-stack-failure DELETE")
            .and.include(`--role-arn ${EXEC_ROLE}`)
            .and.include("--template-body file://cloudformation/template.yaml")
            .and.include("--capabilities CAPABILITY_NAMED_IAM");
        // A first create takes the AMI the parameter names today.
        expect(w.stack.changeSets[0].parameters).to.deep.include({
            ParameterKey: "ImageId",
            ParameterValue: "ami-0123456789abcdef0",
        });
        expect(r.exported.CHANGES).to.equal("yes");
        expect(r.exported.PLAN_SHA256).to.match(/^[0-9a-f]{64}$/);
        // Every CloudFormation call was the target's plan role's.
        const identities = new Set(r.calls.filter((c) => c.args[0] === "cloudformation").map((c) => c.identity));
        expect([...identities]).to.deep.equal([PLAN_ROLE]);
    });

    it("updates an existing stack through an UPDATE change set that keeps the stack's own AMI", async () => {
        const w = world("deploy", "UPDATE_COMPLETE", "cfn-instance-replace");
        const r = await runCommandsAction(model, planAction, { world: w });
        expect(r.status, r.stderr).to.equal(0);
        expect(op(r, "create-change-set")[0])
            .to.include("--change-set-type UPDATE")
            .and.not.include("--on-stack-failure");
        expect(w.stack.changeSets[0].parameters).to.deep.include({ ParameterKey: "ImageId", UsePreviousValue: true });
        expect(callsOf(r.calls, "aws").some((c) => c.startsWith("ssm"))).to.equal(false);
        expect(r.exported).to.deep.include({ CHANGES: "yes", APPROVAL: "required" });
        expect(r.exported.RISK).to.include("stateful-deletion");
    });

    it("deletes an empty change set and says there are no changes: no approval, nothing to apply", async () => {
        const w = world("deploy", "UPDATE_COMPLETE", "");
        const r = await runCommandsAction(model, planAction, { world: w });
        expect(r.status, r.stderr).to.equal(0);
        expect(r.exported).to.deep.include({ CHANGES: "no", APPROVAL: "not-required" });
        expect(op(r, "delete-change-set")).to.have.length(1);
        expect(w.stack.changeSets).to.deep.equal([]);
    });

    it("removes the unexecuted change sets of earlier runs", async () => {
        const w = world("deploy", "UPDATE_COMPLETE", "cfn-instance-replace");
        w.stack.changeSets.push({
            name: "run-old",
            id: "x",
            type: "UPDATE",
            status: "CREATE_COMPLETE",
            executionStatus: "AVAILABLE",
            changes: [],
            parameters: [],
        });
        const r = await runCommandsAction(model, planAction, { world: w });
        expect(r.status, r.stderr).to.equal(0);
        expect(op(r, "delete-change-set")).to.deep.equal([
            "cloudformation delete-change-set --stack-name xacct-workload-prod --change-set-name run-old",
        ]);
    });

    it("never creates over a stack it could not read: AccessDenied on describe-stacks stops the run", async () => {
        const w = world();
        w.stack.describeError =
            "An error occurred (AccessDenied) when calling the DescribeStacks operation: not authorized";
        const r = await runCommandsAction(model, planAction, { world: w });
        expect(r.status).to.not.equal(0);
        expect(r.stderr).to.include("not 'does not exist': not guessing");
        expect(op(r, "create-change-set")).to.deep.equal([]);
    });

    const stuck: [string, string][] = [
        ["DELETE_FAILED", "run the pipeline with BUILD_ACTION=delete-stack again"],
        ["ROLLBACK_FAILED", "Delete the leftover resources"],
        ["UPDATE_ROLLBACK_FAILED", "continue-update-rollback"],
        ["UPDATE_IN_PROGRESS", "is busy"],
        ["ROLLBACK_COMPLETE", "run the pipeline once with BUILD_ACTION=delete-stack"],
    ];
    for (const [status, remedy] of stuck) {
        it(`refuses a stack in ${status} with what to do, and changes nothing`, async () => {
            const r = await runCommandsAction(model, planAction, { world: world("deploy", status) });
            expect(r.status).to.not.equal(0);
            expect(r.stderr).to.include(remedy);
            expect(op(r, "create-change-set")).to.deep.equal([]);
        });
    }
});

describe("CloudFormation step script: execute exactly the reviewed change set", () => {
    it("executes the reviewed change set by its ID, as the target's deploy role, and waits for it", async () => {
        const w = world();
        await planned(w);
        const r = await runCommandsAction(model, applyAction, { world: w });
        expect(r.status, r.stderr).to.equal(0);
        expect(w.stack.executed).to.deep.equal([w.stack.changeSets[0].id]);
        expect(op(r, "execute-change-set")).to.deep.equal([
            `cloudformation execute-change-set --change-set-name ${w.stack.changeSets[0].id}`,
        ]);
        expect(op(r, "wait")[0]).to.include("stack-create-complete");
        const identities = new Set(r.calls.filter((c) => c.args[0] === "cloudformation").map((c) => c.identity));
        expect([...identities]).to.deep.equal([DEPLOY_ROLE]);
        expect(op(r, "create-change-set")).to.deep.equal([]);
    });

    it("refuses a change set that is not the reviewed one (replaced under the same name), executing nothing", async () => {
        const w = world();
        await planned(w);
        w.stack.changeSets[0].changes = changes("cfn-sg-open");
        const r = await runCommandsAction(model, applyAction, { world: w });
        expect(r.status).to.not.equal(0);
        expect(r.stderr).to.include("is not the one that was reviewed");
        expect(w.stack.executed).to.deep.equal([]);
    });

    it("applies nothing when the reviewed plan had no changes", async () => {
        const w = world("deploy", "UPDATE_COMPLETE", "");
        await planned(w);
        const r = await runCommandsAction(model, applyAction, { world: w });
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout).to.include("nothing to apply");
        expect(cfnCalls(r)).to.deep.equal([]);
    });

    it("prints the stack's failed events when the stack fails (a function of the script, not of the shell)", async () => {
        const w = world();
        await planned(w);
        w.stack.waitStack = "fail";
        const r = await runCommandsAction(model, applyAction, { world: w });
        expect(r.status).to.not.equal(0);
        expect(r.stderr).to.include("Creating xacct-workload-prod failed").and.include("CREATE_FAILED");
    });
});

describe("CloudFormation step script: delete-stack runs and drift", () => {
    it("reviews what the deletion removes, then deletes with the execution role only what was reviewed", async () => {
        const w = world("delete-stack", "UPDATE_COMPLETE");
        w.stack.resources = [
            {
                LogicalResourceId: "Instance",
                PhysicalResourceId: "i-0abc",
                ResourceType: "AWS::EC2::Instance",
                ResourceStatus: "UPDATE_COMPLETE",
            },
        ];
        const p = await planned(w);
        expect(p.exported).to.deep.include({ CHANGES: "yes", APPROVAL: "required", RISK: "stateful-deletion" });
        const r = await runCommandsAction(model, applyAction, { world: w });
        expect(r.status, r.stderr).to.equal(0);
        expect(op(r, "delete-stack")).to.deep.equal([
            `cloudformation delete-stack --stack-name xacct-workload-prod --role-arn ${EXEC_ROLE}`,
        ]);
        expect(w.stack.deleted).to.equal(true);
    });

    it("refuses to delete a stack whose resources changed since the deletion was reviewed", async () => {
        const w = world("delete-stack", "UPDATE_COMPLETE");
        w.stack.resources = [
            {
                LogicalResourceId: "Instance",
                PhysicalResourceId: "i-0abc",
                ResourceType: "AWS::EC2::Instance",
                ResourceStatus: "UPDATE_COMPLETE",
            },
        ];
        await planned(w);
        w.stack.resources.push({
            LogicalResourceId: "Bucket",
            PhysicalResourceId: "b",
            ResourceType: "AWS::S3::Bucket",
            ResourceStatus: "CREATE_COMPLETE",
        });
        const r = await runCommandsAction(model, applyAction, { world: w });
        expect(r.status).to.not.equal(0);
        expect(r.stderr).to.include("changed since its deletion was reviewed");
        expect(w.stack.deleted).to.equal(false);
    });

    it("detects drift with the plan role and reports a drifted stack to the topic; an in-sync stack stays quiet", async () => {
        const quiet = world("deploy", "UPDATE_COMPLETE");
        const q = await runCommandsAction(model, driftAction, { world: quiet });
        expect(q.status, q.stderr).to.equal(0);
        expect(quiet.messages).to.deep.equal([]);
        const w = world("deploy", "UPDATE_COMPLETE");
        w.stack.drift = [
            {
                LogicalResourceId: "Instance",
                ResourceType: "AWS::EC2::Instance",
                StackResourceDriftStatus: "MODIFIED",
                PropertyDifferences: [
                    {
                        PropertyPath: "/InstanceType",
                        ExpectedValue: "t3.micro",
                        ActualValue: "t3.large",
                        DifferenceType: "NOT_EQUAL",
                    },
                ],
            },
        ];
        const r = await runCommandsAction(model, driftAction, { world: w });
        expect(r.status, r.stderr).to.equal(0);
        expect(w.messages.map((x) => x.subject)).to.deep.equal(["Drift in target prod"]);
        expect(w.messages[0].message).to.include("prod: +0 ~1 -0 -/+0");
        expect(new Set(r.calls.filter((c) => c.args[0] === "cloudformation").map((c) => c.identity))).to.deep.equal(
            new Set([PLAN_ROLE]),
        );
        expect(op(r, "execute-change-set").concat(op(r, "delete-stack"))).to.deep.equal([]);
    });
});
