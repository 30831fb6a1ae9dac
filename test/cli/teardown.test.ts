// The deploy CLI's teardown, single-target form: the orphan-free order deploy-all.sh -d had.
import { expect } from "chai";
import {
    all,
    aws,
    cli,
    deployedWorld,
    expectNothingChanged,
    first,
    last,
    NS,
    OUTPUTS,
    stackOps,
    TARGET,
    TEARDOWN,
    ws,
} from "./helpers/world";

const deletedKeys = (calls: any[]): string[] =>
    calls.flatMap((c) => c.input.Delete.Objects.map((o: any) => `${o.Key}@${o.VersionId}`)).sort();

describe("deploy CLI: teardown (single target)", () => {
    it("destroys the workload through the pipelines, then target, empties the artifact bucket, then cicd; keeps the state bucket", async () => {
        const w = deployedWorld();
        const r = await cli(TEARDOWN, w);
        expect(r.code, r.output).to.equal(0);

        const starts = all(r, aws("StartPipelineExecution"));
        expect(starts.map((c: any) => [c.input.name, c.input.variables, c.profile, c.region])).to.deep.equal([
            [OUTPUTS.terraformPipelineName, [{ name: "TF_ACTION", value: "destroy" }], "ci", "eu-west-2"],
            [OUTPUTS.cloudFormationPipelineName, [{ name: "BUILD_ACTION", value: "delete-stack" }], "ci", "eu-west-2"],
        ]);
        expect(all(r, aws("GetPipelineExecution"))).to.have.length(5); // followed each run to its end
        expect(stackOps(r, "destroy")).to.deep.equal([
            ["target", "tg"],
            ["cicd", "ci"],
        ]);
        const lastPoll = last(r, aws("GetPipelineExecution"));
        const destroyTarget = first(r, ws("destroy", "target"));
        const firstDelete = first(r, aws("DeleteObjects"));
        const lastDelete = last(r, aws("DeleteObjects"));
        const destroyCicd = first(r, ws("destroy", "cicd"));
        expect(lastPoll).to.be.lessThan(destroyTarget);
        expect(destroyTarget).to.be.lessThan(firstDelete);
        expect(lastDelete).to.be.lessThan(destroyCicd);
        // The bucket names were read from the outputs before the cicd stack was destroyed.
        expect(first(r, ws("outputs", "cicd"))).to.be.lessThan(destroyCicd);

        // Every version and delete marker of the artifact bucket, and only that bucket, in pages.
        const deletes = all(r, aws("DeleteObjects"));
        expect(deletes.every((c: any) => c.input.Bucket === OUTPUTS.artifactBucketName && c.profile === "ci")).to.equal(
            true,
        );
        expect(deletes).to.have.length(2); // page size 2
        expect(deletedKeys(deletes)).to.deep.equal([
            "build/b.zip@null",
            "source/a.zip@m1",
            "source/a.zip@v1",
            "source/a.zip@v2",
        ]);
        expect(w.buckets[OUTPUTS.artifactBucketName]).to.deep.equal({ versions: [], deleteMarkers: [] });

        // The state bucket is kept, untouched, and named.
        expect(all(r, aws("DeleteBucket"))).to.deep.equal([]);
        expect(r.calls.some((c: any) => c.input?.Bucket === OUTPUTS.stateBucketName)).to.equal(false);
        expect(r.stdout).to.include(`Kept the Terraform state bucket s3://${OUTPUTS.stateBucketName}`);
        expect(r.stdout).to.match(/'pulumi stack rm <stack>' removes one[^\n]*\n +target cicd/);
    });

    it("with -P -y also empties and deletes the state bucket, after destroying cicd", async () => {
        const w = deployedWorld();
        const r = await cli([...TEARDOWN, "-P", "-y"], w);
        expect(r.code, r.output).to.equal(0);
        const destroyCicd = first(r, ws("destroy", "cicd"));
        const stateCalls = r.calls
            .map((c: any, i) => ({ c, i }))
            .filter(({ c }) => c.input?.Bucket === OUTPUTS.stateBucketName);
        expect(stateCalls.length).to.be.greaterThan(0);
        expect(stateCalls.every(({ i }) => i > destroyCicd)).to.equal(true);
        expect(all(r, aws("DeleteBucket")).map((c: any) => [c.input.Bucket, c.profile])).to.deep.equal([
            [OUTPUTS.stateBucketName, "ci"],
        ]);
        expect(w.buckets).not.to.have.property(OUTPUTS.stateBucketName);
    });

    it("purges only with -P, and with a terminal asks first: refused, the state bucket is kept", async () => {
        const r = await cli([...TEARDOWN, "-P"], deployedWorld(), { interactive: true, answers: ["y", "n"] });
        expect(r.code, r.output).to.equal(0);
        expect(r.questions).to.deep.equal([
            "Proceed? [y/N] ",
            `Delete the state bucket s3://${OUTPUTS.stateBucketName} and every version of the Terraform state? [y/N] `,
        ]);
        expect(all(r, aws("DeleteBucket"))).to.deep.equal([]);
        expect(r.stdout).to.include(`kept the state bucket s3://${OUTPUTS.stateBucketName}`);
    });

    it("stops before any pulumi destroy when a workload destroy run fails", async () => {
        const w = deployedWorld();
        w.executions[OUTPUTS.terraformPipelineName] = ["InProgress", "Failed"];
        const r = await cli(TEARDOWN, w);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(/pipeline xacct-terraform execution \S+ did not succeed \(Failed\)/);
        expect(r.stderr).to.match(/NOT destroyed \(that would orphan the workload in account 222222222222\)/);
        expect(stackOps(r, "destroy")).to.deep.equal([]);
        expect(all(r, aws("DeleteObjects"))).to.deep.equal([]);
    });

    it("stops when a destroy run cannot even start", async () => {
        const w = deployedWorld();
        w.failStart = [OUTPUTS.cloudFormationPipelineName];
        const r = await cli(TEARDOWN, w);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(/could not start pipeline xacct-cloudformation/);
        expect(stackOps(r, "destroy")).to.deep.equal([]);
    });

    it("with -f goes on after a failed workload destroy run", async () => {
        const w = deployedWorld();
        w.executions[OUTPUTS.cloudFormationPipelineName] = ["Stopped"];
        const r = await cli([...TEARDOWN, "-f"], w);
        expect(r.code, r.output).to.equal(0);
        expect(r.stderr).to.match(/going on because of -f/);
        expect(stackOps(r, "destroy").map(([s]) => s)).to.deep.equal(["target", "cicd"]);
    });

    it("resumes after a failure: an already destroyed target stack means no destroy runs and no target destroy", async () => {
        const w = deployedWorld();
        w.pulumi.stacks.target.resources = 0;
        const r = await cli(TEARDOWN, w);
        expect(r.code, r.output).to.equal(0);
        expect(all(r, (c: any) => c.service === "codepipeline")).to.deep.equal([]);
        expect(stackOps(r, "destroy").map(([s]) => s)).to.deep.equal(["cicd"]);
        expect(all(r, aws("DeleteObjects")).length).to.be.greaterThan(0);
        expect(r.stdout).to.match(/Step 1\/4: the target stack is already destroyed: no workload destroy runs/);
    });

    it("re-runs idempotently: a second teardown has nothing left to do", async () => {
        const w = deployedWorld();
        expect((await cli(TEARDOWN, w)).code).to.equal(0);
        w.log.length = 0;
        const again = await cli(TEARDOWN, w);
        expect(again.code, again.output).to.equal(0);
        expectNothingChanged(again);
    });

    it("has nothing to do when both stacks are already destroyed or missing", async () => {
        const w = deployedWorld();
        w.pulumi.stacks = { cicd: { resources: 0, config: { [`${NS}:targetAccountId`]: TARGET }, outputs: {} } };
        const r = await cli(TEARDOWN, w);
        expect(r.code, r.output).to.equal(0);
        expectNothingChanged(r);
    });

    it("refuses when the target stack exists but cicd is gone (no pipelines to destroy the workload), unless -f", async () => {
        const w = deployedWorld();
        w.pulumi.stacks.cicd = { resources: 0, config: {}, outputs: {} };
        const r = await cli(TEARDOWN, w);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(/the stack\(s\) target exist but the cicd stack is gone/);
        expectNothingChanged(r);
        const forced = await cli([...TEARDOWN, "-f"], w);
        expect(forced.code, forced.output).to.equal(0);
        expect(stackOps(forced, "destroy")).to.deep.equal([["target", "tg"]]);
    });

    it("with -P, warns when the state bucket's name is not known any more", async () => {
        const w = deployedWorld();
        w.pulumi.stacks = {};
        const r = await cli([...TEARDOWN, "-P"], w);
        expect(r.code, r.output).to.equal(0);
        expect(r.stderr).to.match(/-P: the state bucket's name is not known any more/);
    });

    it("--json reports each destroyed stack, the runs and the buckets", async () => {
        const r = await cli([...TEARDOWN, "--json"], deployedWorld());
        expect(r.code, r.output).to.equal(0);
        const doc = JSON.parse(r.stdout);
        expect(doc).to.deep.include({ command: "teardown", ok: true });
        expect(doc.stacks.map((s: any) => [s.stack, s.operation])).to.deep.equal([
            ["target", "destroy"],
            ["cicd", "destroy"],
        ]);
        expect(doc.pipelines.map((p: any) => [p.pipeline, p.purpose, p.status])).to.deep.equal([
            [OUTPUTS.terraformPipelineName, "destroy", "Succeeded"],
            [OUTPUTS.cloudFormationPipelineName, "destroy", "Succeeded"],
        ]);
        expect(doc.artifactBucket).to.deep.equal({ name: OUTPUTS.artifactBucketName, deleted: 4 });
        expect(doc.stateBucket).to.deep.equal({ name: OUTPUTS.stateBucketName, removed: false });
    });
});
