// Following pipeline runs (-p, and teardown's destroy runs): each stage as it passes, and the manual
// approvals a run waits at, with the plan summary; approved only with a terminal and a yes.
import { expect } from "chai";
import type { Frame, World } from "./helpers/fakes";
import { all, aws, baseWorld, cli, DEPLOY, deployedWorld, first, OUTPUTS, TEARDOWN, ws } from "./helpers/world";

const TF = OUTPUTS.terraformPipelineName;
const CFN = OUTPUTS.cloudFormationPipelineName;
const SUMMARY = "Wave prod: 1 to add, 0 to change, 0 to destroy\nrisk classes: none";

/** A deploy run that waits at Approve-prod in its second frame. */
function waveRun(): Frame[] {
    const passed = { Source: "Succeeded", "Plan-prod": "Succeeded" };
    return [
        { status: "InProgress", stages: { Source: "Succeeded", "Plan-prod": "InProgress" } },
        {
            status: "InProgress",
            stages: { ...passed, "Approve-prod": "InProgress" },
            approval: { stage: "Approve-prod", action: "Approve", token: "tok-prod", customData: SUMMARY },
        },
        { status: "InProgress", stages: { ...passed, "Approve-prod": "Succeeded", "Apply-prod": "InProgress" } },
        { status: "Succeeded", stages: { ...passed, "Approve-prod": "Succeeded", "Apply-prod": "Succeeded" } },
    ];
}
function approvalWorld(): World {
    const w = baseWorld();
    w.executions = { [TF]: waveRun(), [CFN]: ["Succeeded"] };
    return w;
}
const approvals = (r: { calls: any[] }) => all(r as any, aws("PutApprovalResult")).map((c: any) => c.input);

describe("deploy CLI: following pipeline runs", () => {
    it("with -p starts each pipeline after the target stack is up, and follows each to success with the cicd profile", async () => {
        const w = baseWorld();
        w.executions = { [TF]: ["InProgress", "InProgress", "Succeeded"], [CFN]: ["InProgress", "Succeeded"] };
        const r = await cli([...DEPLOY, "-p"], w);
        expect(r.code, r.output).to.equal(0);
        expect(first(r, aws("StartPipelineExecution"))).to.be.greaterThan(first(r, ws("up", "target")));
        const polls = all(r, aws("GetPipelineExecution"));
        expect(polls.map((c: any) => c.input.pipelineName)).to.deep.equal([TF, TF, TF, CFN, CFN]);
        expect(polls.every((c: any) => c.profile === "ci" && c.region === "eu-west-1")).to.equal(true);
        expect(polls[0].input.pipelineExecutionId).to.equal(`${TF}-exec-1`);
        // Each status change is printed once.
        expect(r.stdout.match(/xacct-terraform xacct-terraform-exec-1: InProgress/g)).to.have.length(1);
        expect(r.stdout).to.match(/12:00:00 xacct-terraform xacct-terraform-exec-1: Succeeded/);
        expect(r.stdout).to.include(
            "console: https://eu-west-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/xacct-terraform/executions/xacct-terraform-exec-1/timeline?region=eu-west-1",
        );
        expect(r.stdout).to.match(/Deployment complete: the pipelines succeeded/);
    });

    it("shows each stage of the run as it passes, once per change", async () => {
        const r = await cli([...DEPLOY, "-p", "-y"], approvalWorld());
        expect(r.code, r.output).to.equal(0);
        const stages = r.stdout.match(/xacct-terraform stage \S+: \S+/g);
        expect(stages).to.deep.equal([
            "xacct-terraform stage Source: Succeeded",
            "xacct-terraform stage Plan-prod: InProgress",
            "xacct-terraform stage Plan-prod: Succeeded",
            "xacct-terraform stage Approve-prod: InProgress",
            "xacct-terraform stage Approve-prod: Succeeded",
            "xacct-terraform stage Apply-prod: InProgress",
            "xacct-terraform stage Apply-prod: Succeeded",
        ]);
    });

    it("with -p only runs the pipelines the stack has; reads cloudFormationPipelineName, else the deprecated alias", async () => {
        const w = baseWorld();
        w.pulumi.upOutputs.cicd = { terraformPipelineName: TF };
        const one = await cli([...DEPLOY, "-m", "terraform", "-p"], w);
        expect(all(one, aws("StartPipelineExecution")).map((c: any) => c.input.name)).to.deep.equal([TF]);

        const legacy = baseWorld();
        legacy.pulumi.upOutputs.cicd = { cloudformationPipelineName: "old-cfn" };
        const old = await cli([...DEPLOY, "-p"], legacy);
        expect(all(old, aws("StartPipelineExecution")).map((c: any) => c.input.name)).to.deep.equal(["old-cfn"]);

        const both = baseWorld();
        both.pulumi.upOutputs.cicd = { cloudformationPipelineName: "old-cfn", cloudFormationPipelineName: "new-cfn" };
        const preferred = await cli([...DEPLOY, "-p"], both);
        expect(all(preferred, aws("StartPipelineExecution")).map((c: any) => c.input.name)).to.deep.equal(["new-cfn"]);
    });

    it("with -p exits non-zero when a run fails", async () => {
        const w = baseWorld();
        w.executions = { [CFN]: ["InProgress", "Failed"] };
        const r = await cli([...DEPLOY, "-p"], w);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(/xacct-cloudformation .*did not succeed \(Failed\)/);
        expect(r.stderr).to.match(/a pipeline run did not succeed/);
    });

    describe("approvals", () => {
        it("prints the approval's summary and, with a terminal and a yes, approves it with PutApprovalResult", async () => {
            const r = await cli([...DEPLOY, "-p"], approvalWorld(), { interactive: true, answers: ["y", "y"] });
            expect(r.code, r.output).to.equal(0);
            expect(r.questions).to.deep.equal([
                "Proceed? [y/N] ",
                "Approve Approve-prod of xacct-terraform (the changes above) now? [y/N] ",
            ]);
            expect(r.stdout).to.match(/xacct-terraform is waiting for the manual approval Approve-prod \(Approve\)/);
            expect(r.stdout).to.include(
                "      | Wave prod: 1 to add, 0 to change, 0 to destroy\n      | risk classes: none\n",
            );
            expect(approvals(r)).to.deep.equal([
                {
                    pipelineName: TF,
                    stageName: "Approve-prod",
                    actionName: "Approve",
                    token: "tok-prod",
                    result: { summary: "Approved by deploy-cli deploy", status: "Approved" },
                },
            ]);
            // The summary came from the run's action executions, through the paginator (a later page).
            const lists = all(r, aws("ListActionExecutions"));
            expect(lists.length).to.be.greaterThan(1);
            expect(lists[0].input.filter).to.deep.equal({ pipelineExecutionId: `${TF}-exec-1` });
        });

        it("never approves with -y alone: prints the console link and the exact command, once, and waits", async () => {
            const r = await cli([...DEPLOY, "-p", "-y"], approvalWorld(), { interactive: true });
            expect(r.code, r.output).to.equal(0);
            expect(r.questions).to.deep.equal([]);
            expect(approvals(r)).to.deep.equal([]);
            expect(r.stdout.match(/waiting for the manual approval/g)).to.have.length(1);
            expect(r.stdout).to.include(
                "aws codepipeline put-approval-result --profile ci --region eu-west-1 --pipeline-name xacct-terraform " +
                    "--stage-name Approve-prod --action-name Approve --token tok-prod --result summary=deploy,status=Approved",
            );
            expect(r.stdout).to.match(
                /approve it in the console \(https:\/\/eu-west-1\.console\.aws\.amazon\.com\/\S+xacct-terraform-exec-1/,
            );
        });

        it("without a terminal, never approves either; answered no, says how to approve and waits", async () => {
            const none = await cli([...DEPLOY, "-p"], approvalWorld());
            expect(approvals(none)).to.deep.equal([]);
            const no = await cli([...DEPLOY, "-p"], approvalWorld(), { interactive: true, answers: ["y", "n"] });
            expect(no.code, no.output).to.equal(0);
            expect(approvals(no)).to.deep.equal([]);
            expect(no.stdout).to.match(/put-approval-result .*--token tok-prod/);
        });

        it("says so when the approval cannot be given, prints how to give it, and goes on waiting", async () => {
            const w = approvalWorld();
            w.failApproval = true;
            const r = await cli([...DEPLOY, "-p"], w, { interactive: true, answers: ["y", "y"] });
            expect(r.code, r.output).to.equal(0);
            expect(approvals(r)).to.have.length(1);
            expect(r.stderr).to.match(
                /could not approve Approve-prod of xacct-terraform \(InvalidApprovalTokenException: .*\); approve it in the console/,
            );
            expect(r.stdout).to.match(/put-approval-result .*--token tok-prod/);
        });

        it("at a teardown's ApproveDestroy with -y: says how to approve it, once, and waits for the run", async () => {
            const w = deployedWorld();
            w.executions[TF] = [
                {
                    status: "InProgress",
                    stages: { Source: "Succeeded", ApproveDestroy: "InProgress" },
                    approval: { stage: "ApproveDestroy", action: "ApproveDestroy", token: "token-xacct-terraform" },
                },
                {
                    status: "InProgress",
                    stages: { Source: "Succeeded", ApproveDestroy: "InProgress" },
                    approval: { stage: "ApproveDestroy", action: "ApproveDestroy", token: "token-xacct-terraform" },
                },
                { status: "Succeeded", stages: { Source: "Succeeded", ApproveDestroy: "Succeeded" } },
            ];
            const r = await cli(TEARDOWN, w);
            expect(r.code, r.output).to.equal(0);
            expect(
                r.stdout.match(
                    /xacct-terraform is waiting for the manual approval ApproveDestroy \(the pipeline's guard against destroy runs\)/g,
                ),
            ).to.have.length(1);
            expect(r.stdout).to.include(
                "aws codepipeline put-approval-result --profile ci --region eu-west-2 --pipeline-name xacct-terraform --stage-name ApproveDestroy " +
                    "--action-name ApproveDestroy --token token-xacct-terraform --result summary=destroy,status=Approved",
            );
            expect(r.stdout).not.to.match(/xacct-cloudformation is waiting/);
            expect(approvals(r)).to.deep.equal([]);
            expect(first(r, ws("destroy"))).to.be.greaterThan(first(r, aws("GetPipelineExecution")));
        });

        it("at a teardown's ApproveDestroy with a terminal: asks, and approves it on a yes", async () => {
            const w = deployedWorld();
            w.executions[TF] = [
                {
                    status: "InProgress",
                    stages: { ApproveDestroy: "InProgress" },
                    approval: { stage: "ApproveDestroy", action: "ApproveDestroy", token: "t1" },
                },
                "Succeeded",
            ];
            const r = await cli(TEARDOWN, w, { interactive: true, answers: ["y", "y"] });
            expect(r.code, r.output).to.equal(0);
            expect(r.questions[1]).to.equal("Approve destroying the workload with xacct-terraform now? [y/N] ");
            expect(approvals(r).map((a: any) => [a.stageName, a.actionName, a.token, a.result.summary])).to.deep.equal([
                ["ApproveDestroy", "ApproveDestroy", "t1", "Approved by deploy-cli destroy"],
            ]);
        });

        it("--json records each run, its stages and its approvals", async () => {
            const r = await cli([...DEPLOY, "-p", "--json"], approvalWorld(), {
                interactive: true,
                answers: ["y", "y"],
            });
            expect(r.code, r.stderr).to.equal(0);
            const doc = JSON.parse(r.stdout);
            expect(doc.pipelines[0]).to.deep.include({
                pipeline: TF,
                purpose: "deploy",
                executionId: `${TF}-exec-1`,
                status: "Succeeded",
            });
            expect(doc.pipelines[0].stages).to.deep.include({ "Approve-prod": "Succeeded", "Apply-prod": "Succeeded" });
            expect(doc.pipelines[0].approvals).to.deep.equal([
                { stage: "Approve-prod", action: "Approve", summary: SUMMARY, approved: true },
            ]);
            expect(r.stderr).to.include("Approve Approve-prod of xacct-terraform (the changes above) now? [y/N] ");
        });
    });
});
