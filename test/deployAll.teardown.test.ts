// Tests of scripts/deploy-all.sh (see test/helpers/deployAll.ts): teardown.
import { expect } from "chai";
import {
    Json,
    NS,
    OUTPUTS,
    TARGET,
    TEARDOWN,
    callsOf,
    deployedScenario,
    expectNothingChanged,
    indexOf,
    lastIndexOf,
    opt,
    run,
} from "./helpers/deployAll";

describe("scripts/deploy-all.sh", () => {
    describe("teardown (-d)", () => {
        it("destroys the workload through the pipelines, then target, empties the artifact bucket, then cicd; keeps the state bucket", async () => {
            const r = await run(TEARDOWN, deployedScenario());
            expect(r.status, r.output).to.equal(0);

            const starts = callsOf(r, "aws", ["codepipeline", "start-pipeline-execution"]);
            expect(
                starts.map((c) => [opt(c, "--name"), opt(c, "--variables"), c.profile, opt(c, "--region")]),
            ).to.deep.equal([
                [OUTPUTS.terraformPipelineName, "name=TF_ACTION,value=destroy", "ci", "eu-west-2"],
                [OUTPUTS.cloudformationPipelineName, "name=BUILD_ACTION,value=delete-stack", "ci", "eu-west-2"],
            ]);
            const lastPoll = lastIndexOf(r, "aws", ["codepipeline", "get-pipeline-execution"]);
            expect(callsOf(r, "aws", ["codepipeline", "get-pipeline-execution"])).to.have.length(5); // waited to the end

            const destroys = callsOf(r, "pulumi", ["destroy"]);
            expect(destroys.map((c) => [c.args, c.profile])).to.deep.equal([
                [["destroy", "--yes", "--stack", "target"], "tg"],
                [["destroy", "--yes", "--stack", "cicd"], "ci"],
            ]);
            const destroyTarget = indexOf(r, "pulumi", ["destroy", "--yes", "--stack", "target"]);
            const destroyCicd = indexOf(r, "pulumi", ["destroy", "--yes", "--stack", "cicd"]);
            const firstDelete = indexOf(r, "aws", ["s3api", "delete-objects"]);
            const lastDelete = lastIndexOf(r, "aws", ["s3api", "delete-objects"]);
            expect(lastPoll).to.be.lessThan(destroyTarget);
            expect(destroyTarget).to.be.lessThan(firstDelete);
            expect(lastDelete).to.be.lessThan(destroyCicd);
            // The state bucket's name was read before the cicd stack was destroyed.
            expect(indexOf(r, "pulumi", ["stack", "output", "--stack", "cicd", "stateBucketName"])).to.be.lessThan(
                destroyCicd,
            );

            // Every version and delete marker of the artifact bucket (and only that bucket) was deleted.
            const deletes = callsOf(r, "aws", ["s3api", "delete-objects"]);
            expect(
                deletes.every((c) => opt(c, "--bucket") === OUTPUTS.artifactBucketName && c.profile === "ci"),
            ).to.equal(true);
            expect(deletes.length).to.equal(2); // page size 2 in the scenario
            const deleted = deletes.flatMap((c) => c.input!.Objects.map((o) => `${o.Key}@${o.VersionId}`)).sort();
            expect(deleted).to.deep.equal([
                "build/b.zip@null",
                "source/a.zip@m1",
                "source/a.zip@v1",
                "source/a.zip@v2",
            ]);
            expect((r.scenario.buckets as Json)[OUTPUTS.artifactBucketName]).to.deep.include({
                versions: [],
                deleteMarkers: [],
            });

            // The state bucket is kept and named.
            expect(callsOf(r, "aws", ["s3api", "delete-bucket"])).to.deep.equal([]);
            expect(r.calls.some((c) => opt(c, "--bucket") === OUTPUTS.stateBucketName)).to.equal(false);
            expect(r.stdout).to.match(new RegExp(`Kept the Terraform state bucket s3://${OUTPUTS.stateBucketName}`));
        });

        it("with -P -y also empties and deletes the state bucket after destroying cicd", async () => {
            const r = await run([...TEARDOWN, "-P", "-y"], deployedScenario());
            expect(r.status, r.output).to.equal(0);
            const destroyCicd = indexOf(r, "pulumi", ["destroy", "--yes", "--stack", "cicd"]);
            const stateCalls = r.calls
                .map((c, i) => ({ c, i }))
                .filter(({ c }) => opt(c, "--bucket") === OUTPUTS.stateBucketName);
            expect(stateCalls.length).to.be.greaterThan(0);
            expect(stateCalls.every(({ i }) => i > destroyCicd)).to.equal(true);
            const deleteBucket = callsOf(r, "aws", ["s3api", "delete-bucket"]);
            expect(deleteBucket.map((c) => [opt(c, "--bucket"), c.profile])).to.deep.equal([
                [OUTPUTS.stateBucketName, "ci"],
            ]);
            expect(r.scenario.buckets).not.to.have.property(OUTPUTS.stateBucketName);
        });

        it("says how to approve a destroy run waiting at the pipeline's ApproveDestroy guard, and waits", async () => {
            const s = deployedScenario();
            s.approvals = [OUTPUTS.terraformPipelineName];
            const r = await run(TEARDOWN, s);
            expect(r.status, r.output).to.equal(0);
            expect(r.stdout).to.match(/xacct-terraform is waiting for the manual approval ApproveDestroy/);
            expect(r.stdout).to.match(
                /aws codepipeline put-approval-result --profile ci --region eu-west-2 --pipeline-name xacct-terraform --stage-name ApproveDestroy --action-name ApproveDestroy --token token-xacct-terraform/,
            );
            expect(r.stdout).not.to.match(/xacct-cloudformation is waiting/);
            // -y (stdin is not a terminal): nobody to ask, so the script does not approve by itself.
            expect(callsOf(r, "aws", ["codepipeline", "put-approval-result"])).to.deep.equal([]);
            // The approval is reported once, not on every poll.
            const states = callsOf(r, "aws", ["codepipeline", "get-pipeline-state"]).filter(
                (c) => opt(c, "--name") === OUTPUTS.terraformPipelineName,
            );
            expect(states).to.have.length(1);
            expect(indexOf(r, "pulumi", ["destroy"])).to.be.greaterThan(
                lastIndexOf(r, "aws", ["codepipeline", "get-pipeline-execution"]),
            );
        });

        it("stops before any pulumi destroy when a workload destroy run fails", async () => {
            const s = deployedScenario();
            (s.executions as Json)[OUTPUTS.terraformPipelineName] = ["InProgress", "Failed"];
            const r = await run(TEARDOWN, s);
            expect(r.status).to.not.equal(0);
            expect(r.stderr).to.match(/NOT destroyed/);
            expect(r.stderr).to.match(/xacct-terraform/);
            expect(callsOf(r, "pulumi", ["destroy"])).to.deep.equal([]);
            expect(callsOf(r, "aws", ["s3api", "delete-objects"])).to.deep.equal([]);
        });

        it("with -f goes on after a failed workload destroy run", async () => {
            const s = deployedScenario();
            (s.executions as Json)[OUTPUTS.cloudformationPipelineName] = ["Stopped"];
            const r = await run([...TEARDOWN, "-f"], s);
            expect(r.status, r.output).to.equal(0);
            expect(callsOf(r, "pulumi", ["destroy"]).map((c) => opt(c, "--stack"))).to.deep.equal(["target", "cicd"]);
        });

        it("resumes after a failure: an already destroyed target stack means no destroy runs and no target destroy", async () => {
            const s = deployedScenario();
            s.pulumi.stacks.target = { resources: 0, config: {} };
            const r = await run(TEARDOWN, s);
            expect(r.status, r.output).to.equal(0);
            expect(callsOf(r, "aws", ["codepipeline"])).to.deep.equal([]);
            expect(callsOf(r, "pulumi", ["destroy"]).map((c) => opt(c, "--stack"))).to.deep.equal(["cicd"]);
            expect(callsOf(r, "aws", ["s3api", "delete-objects"]).length).to.be.greaterThan(0);
        });

        it("has nothing to do when both stacks are already destroyed or missing", async () => {
            const s = deployedScenario();
            s.pulumi.stacks = { cicd: { resources: 0, config: { [`${NS}:targetAccountId`]: TARGET } } };
            const r = await run(TEARDOWN, s);
            expect(r.status, r.output).to.equal(0);
            expectNothingChanged(r);
        });
    });
});
