// status (reads only), and the pieces the commands share: the resource counter fed by engine events,
// and the object-version pager that empties buckets.
import { expect } from "chai";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { emptyBucket, paginateObjectVersions } from "../../cli/buckets";
import { CliError } from "../../cli/errors";
import { progressPrinter, ResourceCounter } from "../../cli/progress";
import { Reporter } from "../../cli/reporter";
import { engineEvents, FakeIo, fakeAws } from "./helpers/fakes";
import {
    all,
    aws,
    cli,
    deployedWorld,
    baseWorld,
    expectNothingChanged,
    multiDeployedWorld,
    OUTPUTS,
    ws,
} from "./helpers/world";

describe("deploy CLI: status", () => {
    it("says when nothing is deployed (not logged in, no local file backend), and calls no AWS service", async () => {
        const w = baseWorld();
        w.pulumi.loggedIn = false;
        const r = await cli(["status", "-c", "ci"], w);
        expect(r.code, r.output).to.equal(0);
        expect(r.stdout).to.match(
            /Not logged in to a Pulumi backend, and there is no local file backend .*: nothing deployed/,
        );
        expect(all(r, (c) => c.kind === "aws")).to.deep.equal([]);
    });

    it("lists the project's stacks with their resources; without -c, reads no pipeline", async () => {
        const w = multiDeployedWorld();
        w.pulumi.stacks["target-staging"].resources = 0;
        w.pulumi.stacks.other = { resources: 1, config: {}, outputs: {} };
        const r = await cli(["status"], w);
        expect(r.code, r.output).to.equal(0);
        expect(r.stdout).to.match(/stack cicd +20 resources/);
        expect(r.stdout).to.match(/stack target-staging +empty \(destroyed or never deployed\)/);
        expect(r.stdout).not.to.match(/stack other/);
        expect(r.stdout).to.match(/pass -c PROFILE/);
        expect(all(r, (c) => c.kind === "aws")).to.deep.equal([]);
        expectNothingChanged(r);
    });

    it("with -c, shows each pipeline's latest runs (paginated) and the approvals they wait at, with the command", async () => {
        const w = deployedWorld();
        w.history = {
            [OUTPUTS.terraformPipelineName]: ["e5", "e4", "e3", "e2", "e1"].map((id, i) => ({
                pipelineExecutionId: id,
                status: i === 0 ? "InProgress" : "Succeeded",
            })),
        };
        (w as any).waiting = {
            [OUTPUTS.terraformPipelineName]: { stage: "Approve-prod", action: "Approve", token: "tok-9" },
        };
        const r = await cli(["status", "-c", "ci", "--json"], w);
        expect(r.code, r.stderr).to.equal(0);
        const lists = all(r, aws("ListPipelineExecutions"));
        expect(lists.map((c) => [c.input.pipelineName, c.input.maxResults, c.profile, c.region])).to.deep.equal([
            [OUTPUTS.terraformPipelineName, 3, "ci", "eu-west-2"],
            [OUTPUTS.cloudFormationPipelineName, 3, "ci", "eu-west-2"],
        ]);
        const doc = JSON.parse(r.stdout);
        expect(doc.pipelines[0].runs.map((x: any) => [x.executionId, x.status])).to.deep.equal([
            ["e5", "InProgress"],
            ["e4", "Succeeded"],
            ["e3", "Succeeded"],
        ]);
        expect(doc.pipelines[0].waiting).to.deep.equal([
            { stage: "Approve-prod", action: "Approve", token: "tok-9", executionId: "exec-waiting" },
        ]);
        expect(r.stderr).to.match(
            /put-approval-result --profile ci --region eu-west-2 --pipeline-name xacct-terraform --stage-name Approve-prod --action-name Approve --token tok-9/,
        );
        expectNothingChanged(r);
    });

    it("refuses a -c profile of another account than the cicd stack's", async () => {
        const w = deployedWorld();
        w.accounts.ci = "555555555555";
        const r = await cli(["status", "-c", "ci"], w);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(
            /-c 'ci' is account 555555555555, but the cicd stack is deployed in account 111111111111/,
        );
    });

    it("counts a stack's resources from its export when the backend's listing does not say", async () => {
        const w = deployedWorld();
        w.pulumi.noResourceCount = true;
        const r = await cli(["status"], w);
        expect(all(r, ws("export")).map((c) => c.stack)).to.deep.equal(["cicd", "target"]);
        expect(r.stdout).to.match(/stack target +4 resources/);
    });
});

describe("deploy CLI: resource counter", () => {
    const pre = (urn: string, op = "create", type = "aws:s3:Bucket"): EngineEvent =>
        ({ sequence: 0, timestamp: 0, resourcePreEvent: { metadata: { op, urn, type, provider: "" } } }) as any;
    const post = (urn: string, op = "create", type = "aws:s3:Bucket"): EngineEvent =>
        ({ sequence: 0, timestamp: 0, resOutputsEvent: { metadata: { op, urn, type, provider: "" } } }) as any;

    it("counts finished and running resources and what changed, leaving out the stack and providers", () => {
        const c = new ResourceCounter("cicd");
        c.add(pre("s", "create", "pulumi:pulumi:Stack"));
        c.add(pre("p", "create", "pulumi:providers:aws"));
        for (const [urn, op] of [
            ["a", "create"],
            ["b", "update"],
            ["c", "same"],
            ["d", "create"],
        ])
            c.add(pre(urn, op));
        for (const [urn, op] of [
            ["a", "create"],
            ["b", "update"],
            ["c", "same"],
        ])
            c.add(post(urn, op));
        expect(c.line()).to.equal("cicd: 3 resources done, 1 in progress (1 created, 1 updated)");
        c.add({
            sequence: 0,
            timestamp: 0,
            resOpFailedEvent: { metadata: { op: "create", urn: "d", type: "t" }, status: 1, steps: 1 },
        } as any);
        expect(c.line()).to.equal("cicd: 3 resources done (1 created, 1 updated, 1 failed)");
        c.add({
            sequence: 0,
            timestamp: 0,
            diagnosticEvent: { message: "error: AccessDenied\n", color: "never", severity: "error" },
        });
        expect(c.errors).to.deep.equal(["error: AccessDenied"]);
        c.add({
            sequence: 0,
            timestamp: 0,
            summaryEvent: {
                maybeCorrupt: false,
                durationSeconds: 41.6,
                resourceChanges: { create: 1, update: 1, same: 1 },
                policyPacks: {},
            },
        });
        expect(c.finalLine()).to.equal("cicd: 1 create, 1 update, 1 same (42 s), 1 failed");
    });

    it("prints every change on a terminal, and at most one line per interval in a log", () => {
        const events = engineEvents("cicd", 3, "create");
        const tty: string[] = [];
        const onTty = progressPrinter(new ResourceCounter("cicd"), (l) => tty.push(l), { tty: true, now: () => 0 });
        events.forEach(onTty);
        expect(tty).to.have.length(6);
        expect(tty[5]).to.equal("cicd: 3 resources done (3 created)");
        const log: string[] = [];
        let now = 0;
        const onLog = progressPrinter(new ResourceCounter("cicd"), (l) => log.push(l), {
            tty: false,
            now: () => now,
            everyMs: 1000,
        });
        onLog(events[0]);
        now = 1500;
        onLog(events[1]);
        onLog(events[2]);
        expect(log).to.deep.equal(["cicd: 1 resource done (1 created)"]);
    });
});

describe("deploy CLI: reporter", () => {
    it("redraws progress in place on a terminal, and the next line replaces it", () => {
        const io = new FakeIo(false, [], true);
        const rep = new Reporter(io, "t", false, "deploy");
        rep.progress("cicd: 1 resource done");
        rep.progress("cicd: 2 resources done");
        rep.note("cicd: 2 create (1 s)");
        expect(io.out).to.equal(
            "\r\x1b[K    cicd: 1 resource done\r\x1b[K    cicd: 2 resources done\r\x1b[K    cicd: 2 create (1 s)\n",
        );
    });

    it("prints progress as lines in a log; with --json, every human line goes to stderr and stdout gets one document", () => {
        const io = new FakeIo(false);
        const rep = new Reporter(io, "t", false, "deploy");
        rep.progress("a");
        rep.progress("b");
        expect(io.out).to.equal("    a\n    b\n");
        const jsonIo = new FakeIo(false);
        const json = new Reporter(jsonIo, "t", true, "deploy");
        json.info("step");
        json.warn("careful");
        json.finish(true);
        expect(jsonIo.err).to.equal("==> step\nt: warning: careful\n");
        expect(JSON.parse(jsonIo.out)).to.deep.equal({ command: "deploy", ok: true, warnings: ["careful"] });
    });
});

describe("deploy CLI: emptying a versioned bucket", () => {
    const reporter = (): Reporter => new Reporter(new FakeIo(false), "t", false, "teardown");

    it("pages through every version and delete marker with KeyMarker and VersionIdMarker", async () => {
        const w = deployedWorld();
        w.pageSize = 1;
        const s3 = fakeAws(w).s3("ci", "eu-west-2");
        const seen: string[] = [];
        for await (const page of paginateObjectVersions(s3, { Bucket: OUTPUTS.artifactBucketName })) {
            for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
                seen.push(`${v.Key}@${v.VersionId}`);
            }
            if (seen.length > 10) break; // a pager that ignores the markers would never end
        }
        expect(seen).to.deep.equal(["source/a.zip@v1", "source/a.zip@v2", "build/b.zip@null", "source/a.zip@m1"]);
        const markers = all({ calls: w.log } as any, aws("ListObjectVersions")).map((c) => [
            c.input.KeyMarker,
            c.input.VersionIdMarker,
        ]);
        expect(markers).to.deep.equal([
            [undefined, undefined],
            ["source/a.zip", "v1"],
            ["source/a.zip", "v2"],
            ["build/b.zip", "null"],
        ]);
    });

    it("fails naming the objects it could not delete, and refuses a name that is not a bucket's", async () => {
        const w = deployedWorld();
        w.undeletable = ["build/b.zip"];
        const rep = reporter();
        const err = await emptyBucket(fakeAws(w).s3("ci", "eu-west-2"), OUTPUTS.artifactBucketName, rep).catch(
            (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(CliError);
        expect((err as Error).message).to.match(
            /1 object version\(s\) of s3:\/\/xacct-artifacts-\S+ could not be deleted/,
        );
        const bad = await emptyBucket(fakeAws(w).s3("ci", "eu-west-2"), "Not_A_Bucket", rep).catch((e: unknown) => e);
        expect((bad as Error).message).to.equal("refusing to empty 'Not_A_Bucket': not a bucket name");
    });
});
