// Tests of scripts/deploy-all.sh. The script runs for real, under bash, with stand-ins for the
// `pulumi` and `aws` CLIs first on PATH (test/fixtures/bin). The stand-ins log every call to
// $STUB_LOG and answer from a JSON scenario file ($STUB_SCENARIO) that they update like a backend
// would. Everything the script writes goes under a temporary directory (HOME, TMPDIR, the file
// backend), never into the repository.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO = path.resolve(__dirname, "..");
const SCRIPT = path.join("scripts", "deploy-all.sh");
const STUBS = path.join(REPO, "test", "fixtures", "bin");

const CICD = "111111111111";
const TARGET = "222222222222";
const SUBNET = "subnet-0123456789abcdef0";
const SG = "sg-0123456789abcdef0";
const DEPLOY = ["-c", "ci", "-t", "tg", "-n", SUBNET, "-g", SG];
const TEARDOWN = ["-d", "-c", "ci", "-t", "tg"];
const NS = "cross-account-pipeline";

interface Call {
    tool: "pulumi" | "aws";
    args: string[];
    profile: string | null;
    input?: { Objects: { Key: string; VersionId: string }[]; Quiet: boolean };
}

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
    output: string;
    calls: Call[];
    scenario: Scenario;
    tmp: string;
}

type Json = Record<string, unknown>;
interface Scenario extends Json {
    pulumi: {
        loggedIn: boolean;
        backendUrl?: string;
        stacks: Record<
            string,
            { resources?: number; config?: Record<string, string>; outputs?: Record<string, string> }
        >;
        upOutputs?: Record<string, Record<string, string>>;
    };
}

const OUTPUTS = {
    terraformPipelineName: "xacct-terraform",
    cloudformationPipelineName: "xacct-cloudformation",
    artifactBucketName: "xacct-artifacts-111111111111",
    stateBucketName: "xacct-tfstate-111111111111",
};

/** A CI/CD profile, a target profile in another account, logged in to a file backend, no stacks. */
function baseScenario(): Scenario {
    return {
        accounts: { ci: CICD, tg: TARGET },
        regions: { ci: "eu-west-1", tg: "us-east-1" },
        pulumi: {
            loggedIn: true,
            backendUrl: "file:///somewhere/state",
            stacks: {},
            upOutputs: { cicd: { ...OUTPUTS }, target: {} },
        },
        executions: {},
    };
}

/** Both stacks deployed: what teardown starts from. */
function deployedScenario(): Scenario {
    const s = baseScenario();
    s.pulumi.stacks = {
        cicd: {
            resources: 12,
            config: { "aws:region": "eu-west-2", [`${NS}:targetAccountId`]: TARGET },
            outputs: { ...OUTPUTS },
        },
        target: { resources: 4, config: { "aws:region": "eu-west-2" } },
    };
    s.executions = {
        [OUTPUTS.terraformPipelineName]: ["InProgress", "InProgress", "Succeeded"],
        [OUTPUTS.cloudformationPipelineName]: ["InProgress", "Succeeded"],
    };
    s.pageSize = 2; // forces several list/delete rounds
    s.buckets = {
        [OUTPUTS.artifactBucketName]: {
            versions: [
                { Key: "source/a.zip", VersionId: "v1" },
                { Key: "source/a.zip", VersionId: "v2" },
                { Key: "build/b.zip", VersionId: "null" },
            ],
            deleteMarkers: [{ Key: "source/a.zip", VersionId: "m1" }],
        },
        [OUTPUTS.stateBucketName]: {
            versions: [
                { Key: "xacct/default/terraform.tfstate", VersionId: "s1" },
                { Key: "xacct/default/terraform.tfstate", VersionId: "s2" },
            ],
            deleteMarkers: [],
        },
    };
    return s;
}

const tmpDirs: string[] = [];
after(() => {
    for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

function run(
    args: string[],
    scenario: Scenario,
    opts: { env?: Record<string, string | undefined>; path?: string } = {},
): Run {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-all-"));
    tmpDirs.push(tmp);
    const scenarioFile = path.join(tmp, "scenario.json");
    const log = path.join(tmp, "calls.jsonl");
    fs.writeFileSync(scenarioFile, JSON.stringify(scenario));
    fs.mkdirSync(path.join(tmp, "home"));
    fs.mkdirSync(path.join(tmp, "tmp"));
    const env: Record<string, string> = {
        PATH: opts.path ?? `${STUBS}${path.delimiter}${process.env.PATH ?? ""}`,
        HOME: path.join(tmp, "home"),
        TMPDIR: path.join(tmp, "tmp"),
        LANG: "C",
        STUB_LOG: log,
        STUB_SCENARIO: scenarioFile,
        PULUMI_STATE_DIR: path.join(tmp, "state"),
        PULUMI_CONFIG_PASSPHRASE: "test-passphrase",
        POLL_SECONDS: "0",
    };
    for (const [k, v] of Object.entries(opts.env ?? {})) {
        if (v === undefined) delete env[k];
        else env[k] = v;
    }
    // stdin is a pipe, not a terminal: the script must assume -y.
    const r = spawnSync("bash", [SCRIPT, ...args], { cwd: REPO, env, input: "", encoding: "utf8", timeout: 60000 });
    const calls: Call[] = fs.existsSync(log)
        ? fs
              .readFileSync(log, "utf8")
              .trim()
              .split("\n")
              .filter(Boolean)
              .map((l) => JSON.parse(l) as Call)
        : [];
    return {
        status: r.status,
        stdout: r.stdout,
        stderr: r.stderr,
        output: r.stdout + r.stderr,
        calls,
        scenario: JSON.parse(fs.readFileSync(scenarioFile, "utf8")) as Scenario,
        tmp,
    };
}

/** Index of the first call whose arguments start with `prefix` (and match the profile if given). */
function indexOf(r: Run, tool: Call["tool"], prefix: string[], profile?: string): number {
    return r.calls.findIndex(
        (c) =>
            c.tool === tool &&
            prefix.every((a, i) => c.args[i] === a) &&
            (profile === undefined || c.profile === profile),
    );
}
function lastIndexOf(r: Run, tool: Call["tool"], prefix: string[]): number {
    let last = -1;
    r.calls.forEach((c, i) => {
        if (c.tool === tool && prefix.every((a, j) => c.args[j] === a)) last = i;
    });
    return last;
}
function callsOf(r: Run, tool: Call["tool"], prefix: string[]): Call[] {
    return r.calls.filter((c) => c.tool === tool && prefix.every((a, i) => c.args[i] === a));
}
/** The value of `--name value` in a call. */
function opt(c: Call, name: string): string | undefined {
    const i = c.args.indexOf(name);
    return i >= 0 ? c.args[i + 1] : undefined;
}
function configSets(r: Run, stack: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const c of callsOf(r, "pulumi", ["config", "set", "--stack", stack])) out[c.args[4]] = c.args[5];
    return out;
}
/** No state was changed: no pulumi up/destroy/config set or rm/login, no pipeline run, no S3 delete. */
function expectNothingChanged(r: Run): void {
    const changing = r.calls.filter(
        (c) =>
            (c.tool === "pulumi" &&
                (["up", "destroy", "login"].includes(c.args[0]) ||
                    (c.args[0] === "config" && ["set", "rm"].includes(c.args[1])))) ||
            (c.tool === "pulumi" && c.args[0] === "stack" && c.args[1] === "select") ||
            (c.tool === "aws" && ["start-pipeline-execution", "delete-objects", "delete-bucket"].includes(c.args[1])),
    );
    expect(changing, JSON.stringify(changing)).to.deep.equal([]);
}

describe("scripts/deploy-all.sh", () => {
    describe("deploy", () => {
        it("checks both profiles, configures and deploys cicd with the cicd profile, then target with the target profile", () => {
            const r = run(DEPLOY, baseScenario());
            expect(r.status, r.output).to.equal(0);

            const stsCicd = indexOf(r, "aws", ["sts", "get-caller-identity"], "ci");
            const stsTarget = indexOf(r, "aws", ["sts", "get-caller-identity"], "tg");
            const firstSet = indexOf(r, "pulumi", ["config", "set"]);
            const selectCicd = indexOf(r, "pulumi", ["stack", "select", "--create", "cicd"]);
            const upCicd = indexOf(r, "pulumi", ["up"]);
            const selectTarget = indexOf(r, "pulumi", ["stack", "select", "--create", "target"]);
            const firstTargetSet = indexOf(r, "pulumi", ["config", "set", "--stack", "target"]);
            const upTarget = lastIndexOf(r, "pulumi", ["up"]);
            for (const i of [
                stsCicd,
                stsTarget,
                firstSet,
                selectCicd,
                upCicd,
                selectTarget,
                firstTargetSet,
                upTarget,
            ]) {
                expect(i).to.be.greaterThan(-1);
            }
            expect(stsCicd).to.be.lessThan(firstSet);
            expect(stsTarget).to.be.lessThan(firstSet);
            expect(selectCicd).to.be.lessThan(firstSet);
            expect(lastIndexOf(r, "pulumi", ["config", "set", "--stack", "cicd"])).to.be.lessThan(upCicd);
            expect(upCicd).to.be.lessThan(selectTarget);
            expect(selectTarget).to.be.lessThan(firstTargetSet);
            expect(lastIndexOf(r, "pulumi", ["config", "set", "--stack", "target"])).to.be.lessThan(upTarget);

            const ups = callsOf(r, "pulumi", ["up"]);
            expect(ups.map((c) => [c.args, c.profile])).to.deep.equal([
                [["up", "--yes", "--stack", "cicd"], "ci"],
                [["up", "--yes", "--stack", "target"], "tg"],
            ]);

            expect(configSets(r, "cicd")).to.deep.equal({
                "aws:region": "eu-west-1", // the cicd profile's region
                [`${NS}:targetAccountId`]: TARGET, // the TARGET profile's account
                [`${NS}:subnetId`]: SUBNET,
                [`${NS}:securityGroupId`]: SG,
                [`${NS}:methods`]: "terraform,cloudformation",
            });
            expect(configSets(r, "target")).to.deep.equal({
                "aws:region": "eu-west-1",
                [`${NS}:cicdStack`]: `organization/${NS}/cicd`,
            });

            // Outputs and the next step.
            expect(indexOf(r, "pulumi", ["stack", "output", "--stack", "cicd"])).to.be.greaterThan(upTarget);
            expect(r.stdout).to.include("start-pipeline-execution --name xacct-terraform");
            expect(r.stdout).to.include("start-pipeline-execution --name xacct-cloudformation");
            expect(callsOf(r, "aws", ["codepipeline"])).to.deep.equal([]); // no -p: nothing started
            expect(r.output).not.to.match(/npm ci/); // node_modules exists
        });

        it("with a terminal and no -y, asks once with a summary and changes nothing when refused", function () {
            // `script` (util-linux) gives the script a terminal on stdin.
            if (spawnSync("sh", ["-c", "command -v script"]).status !== 0) this.skip();
            const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-all-tty-"));
            tmpDirs.push(tmp);
            const scenarioFile = path.join(tmp, "scenario.json");
            const log = path.join(tmp, "calls.jsonl");
            fs.writeFileSync(scenarioFile, JSON.stringify(baseScenario()));
            const r = spawnSync("script", ["-qec", `bash ${SCRIPT} ${DEPLOY.join(" ")}`, "/dev/null"], {
                cwd: REPO,
                input: "n\n",
                encoding: "utf8",
                env: {
                    PATH: `${STUBS}${path.delimiter}${process.env.PATH ?? ""}`,
                    HOME: tmp,
                    TMPDIR: tmp,
                    STUB_LOG: log,
                    STUB_SCENARIO: scenarioFile,
                    PULUMI_CONFIG_PASSPHRASE: "test-passphrase",
                },
            });
            expect(r.stdout).to.match(/target account +222222222222 \(profile tg\)/);
            expect(r.stdout.match(/Proceed\? \[y\/N\]/g)).to.have.length(1);
            expect(r.stdout).to.include("Aborted: nothing changed.");
            expect(r.status).to.not.equal(0);
            const calls = fs
                .readFileSync(log, "utf8")
                .trim()
                .split("\n")
                .map((l) => JSON.parse(l) as Call);
            expect(
                calls.filter(
                    (c) => ["up", "destroy"].includes(c.args[0]) || c.args[1] === "set" || c.args[1] === "select",
                ),
            ).to.deep.equal([]);
        });

        it("passes -r, -m, -s and -o through to the stacks' config", () => {
            const r = run(
                [...DEPLOY, "-r", "us-west-2", "-m", "cloudformation", "-s", "MyWorkload", "-o", "acme"],
                baseScenario(),
            );
            expect(r.status, r.output).to.equal(0);
            expect(configSets(r, "cicd")).to.include({
                "aws:region": "us-west-2",
                [`${NS}:methods`]: "cloudformation",
                [`${NS}:cfnStackName`]: "MyWorkload",
            });
            expect(configSets(r, "target")).to.deep.equal({
                "aws:region": "us-west-2",
                [`${NS}:cicdStack`]: `acme/${NS}/cicd`,
            });
            expect(indexOf(r, "aws", ["configure", "get", "region"])).to.equal(-1);
        });

        it("does not set cfnStackName without -s", () => {
            const r = run(DEPLOY, baseScenario());
            expect(r.status, r.output).to.equal(0);
            expect(configSets(r, "cicd")).not.to.have.property(`${NS}:cfnStackName`);
        });

        it("re-runs idempotently over existing stacks (same target account)", () => {
            const s = deployedScenario();
            const r = run(DEPLOY, s);
            expect(r.status, r.output).to.equal(0);
            // The existing stack's region wins over the profile's when -r is not given.
            expect(configSets(r, "cicd")["aws:region"]).to.equal("eu-west-2");
            expect(callsOf(r, "pulumi", ["up"]).map((c) => opt(c, "--stack"))).to.deep.equal(["cicd", "target"]);
        });

        it("redeploys over a torn-down (empty) cicd stack whose config is stale: new account and region allowed", () => {
            const s = baseScenario();
            s.pulumi.stacks.cicd = {
                resources: 0,
                config: { "aws:region": "us-east-1", [`${NS}:targetAccountId`]: "333333333333" },
            };
            const r = run([...DEPLOY, "-r", "eu-central-1"], s);
            expect(r.status, r.output).to.equal(0);
            expect(configSets(r, "cicd")).to.include({
                "aws:region": "eu-central-1",
                [`${NS}:targetAccountId`]: TARGET,
            });
        });

        it("without -m keeps the methods of an existing cicd stack", () => {
            const s = deployedScenario();
            s.pulumi.stacks.cicd.config![`${NS}:methods`] = "terraform";
            const r = run(DEPLOY, s);
            expect(r.status, r.output).to.equal(0);
            expect(configSets(r, "cicd")[`${NS}:methods`]).to.equal("terraform");
        });

        it("warns when -m drops a method whose pipeline exists (its workload would stay behind)", () => {
            const r = run([...DEPLOY, "-m", "terraform"], deployedScenario());
            expect(r.status, r.output).to.equal(0);
            expect(r.stderr).to.match(/drops the cloudformation method/);
            expect(configSets(r, "cicd")[`${NS}:methods`]).to.equal("terraform");
        });

        it("with -p starts each pipeline after the target stack is up and follows it to success", () => {
            const s = baseScenario();
            s.executions = {
                [OUTPUTS.terraformPipelineName]: ["InProgress", "InProgress", "Succeeded"],
                [OUTPUTS.cloudformationPipelineName]: ["InProgress", "Succeeded"],
            };
            const r = run([...DEPLOY, "-p"], s);
            expect(r.status, r.output).to.equal(0);
            const upTarget = indexOf(r, "pulumi", ["up", "--yes", "--stack", "target"]);
            const starts = callsOf(r, "aws", ["codepipeline", "start-pipeline-execution"]);
            expect(starts.map((c) => [opt(c, "--name"), opt(c, "--variables"), c.profile])).to.deep.equal([
                [OUTPUTS.terraformPipelineName, undefined, "ci"],
                [OUTPUTS.cloudformationPipelineName, undefined, "ci"],
            ]);
            expect(indexOf(r, "aws", ["codepipeline", "start-pipeline-execution"])).to.be.greaterThan(upTarget);
            const polls = callsOf(r, "aws", ["codepipeline", "get-pipeline-execution"]);
            expect(polls.map((c) => opt(c, "--pipeline-name"))).to.deep.equal([
                OUTPUTS.terraformPipelineName,
                OUTPUTS.terraformPipelineName,
                OUTPUTS.terraformPipelineName,
                OUTPUTS.cloudformationPipelineName,
                OUTPUTS.cloudformationPipelineName,
            ]);
            expect(polls.every((c) => c.profile === "ci" && opt(c, "--region") === "eu-west-1")).to.equal(true);
            expect(opt(polls[0], "--pipeline-execution-id")).to.equal(`${OUTPUTS.terraformPipelineName}-exec-1`);
            // Status changes are printed once each.
            expect(r.stdout.match(/xacct-terraform \S+: InProgress/g)).to.have.length(1);
            expect(r.stdout).to.match(/xacct-terraform \S+: Succeeded/);
        });

        it("with -p only runs the pipelines the stack has (one method)", () => {
            const s = baseScenario();
            s.pulumi.upOutputs = { cicd: { terraformPipelineName: OUTPUTS.terraformPipelineName }, target: {} };
            const r = run([...DEPLOY, "-m", "terraform", "-p"], s);
            expect(r.status, r.output).to.equal(0);
            const starts = callsOf(r, "aws", ["codepipeline", "start-pipeline-execution"]);
            expect(starts.map((c) => opt(c, "--name"))).to.deep.equal([OUTPUTS.terraformPipelineName]);
        });

        it("with -p exits non-zero when a run fails", () => {
            const s = baseScenario();
            s.executions = { [OUTPUTS.cloudformationPipelineName]: ["InProgress", "Failed"] };
            const r = run([...DEPLOY, "-p"], s);
            expect(r.status).to.not.equal(0);
            expect(r.stderr).to.match(/xacct-cloudformation .*did not succeed/);
        });
    });

    describe("state backend", () => {
        it("logs in to the local file backend when not logged in, and says so", () => {
            const s = baseScenario();
            s.pulumi.loggedIn = false;
            const r = run(DEPLOY, s);
            expect(r.status, r.output).to.equal(0);
            const stateDir = path.join(r.tmp, "state");
            const logins = callsOf(r, "pulumi", ["login"]);
            expect(logins.map((c) => c.args)).to.deep.equal([["login", `file://${stateDir}`]]);
            expect(fs.existsSync(stateDir)).to.equal(true);
            expect(r.stdout).to.match(/Not logged in.*file backend/);
            expect(indexOf(r, "pulumi", ["login"])).to.be.lessThan(indexOf(r, "pulumi", ["up"]));
        });

        it("does not log in when already logged in", () => {
            const r = run(DEPLOY, baseScenario());
            expect(r.status, r.output).to.equal(0);
            expect(callsOf(r, "pulumi", ["login"])).to.deep.equal([]);
            expect(fs.existsSync(path.join(r.tmp, "state"))).to.equal(false);
        });

        it("accepts PULUMI_CONFIG_PASSPHRASE_FILE instead of the passphrase", () => {
            const s = baseScenario();
            s.pulumi.loggedIn = false;
            const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-all-pass-"));
            tmpDirs.push(tmp);
            fs.writeFileSync(path.join(tmp, "pass"), "secret\n");
            const r = run(DEPLOY, s, {
                env: { PULUMI_CONFIG_PASSPHRASE: undefined, PULUMI_CONFIG_PASSPHRASE_FILE: path.join(tmp, "pass") },
            });
            expect(r.status, r.output).to.equal(0);
        });

        it("needs no passphrase with a Pulumi Cloud backend", () => {
            const s = baseScenario();
            s.pulumi.backendUrl = "https://api.pulumi.com";
            const r = run([...DEPLOY, "-o", "acme"], s, { env: { PULUMI_CONFIG_PASSPHRASE: undefined } });
            expect(r.status, r.output).to.equal(0);
        });
    });

    describe("teardown (-d)", () => {
        it("destroys the workload through the pipelines, then target, empties the artifact bucket, then cicd; keeps the state bucket", () => {
            const r = run(TEARDOWN, deployedScenario());
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

        it("with -P -y also empties and deletes the state bucket after destroying cicd", () => {
            const r = run([...TEARDOWN, "-P", "-y"], deployedScenario());
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

        it("says how to approve a destroy run waiting at the pipeline's ApproveDestroy guard, and waits", () => {
            const s = deployedScenario();
            s.approvals = [OUTPUTS.terraformPipelineName];
            const r = run(TEARDOWN, s);
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

        it("stops before any pulumi destroy when a workload destroy run fails", () => {
            const s = deployedScenario();
            (s.executions as Json)[OUTPUTS.terraformPipelineName] = ["InProgress", "Failed"];
            const r = run(TEARDOWN, s);
            expect(r.status).to.not.equal(0);
            expect(r.stderr).to.match(/NOT destroyed/);
            expect(r.stderr).to.match(/xacct-terraform/);
            expect(callsOf(r, "pulumi", ["destroy"])).to.deep.equal([]);
            expect(callsOf(r, "aws", ["s3api", "delete-objects"])).to.deep.equal([]);
        });

        it("with -f goes on after a failed workload destroy run", () => {
            const s = deployedScenario();
            (s.executions as Json)[OUTPUTS.cloudformationPipelineName] = ["Stopped"];
            const r = run([...TEARDOWN, "-f"], s);
            expect(r.status, r.output).to.equal(0);
            expect(callsOf(r, "pulumi", ["destroy"]).map((c) => opt(c, "--stack"))).to.deep.equal(["target", "cicd"]);
        });

        it("resumes after a failure: an already destroyed target stack means no destroy runs and no target destroy", () => {
            const s = deployedScenario();
            s.pulumi.stacks.target = { resources: 0, config: {} };
            const r = run(TEARDOWN, s);
            expect(r.status, r.output).to.equal(0);
            expect(callsOf(r, "aws", ["codepipeline"])).to.deep.equal([]);
            expect(callsOf(r, "pulumi", ["destroy"]).map((c) => opt(c, "--stack"))).to.deep.equal(["cicd"]);
            expect(callsOf(r, "aws", ["s3api", "delete-objects"]).length).to.be.greaterThan(0);
        });

        it("has nothing to do when both stacks are already destroyed or missing", () => {
            const s = deployedScenario();
            s.pulumi.stacks = { cicd: { resources: 0, config: { [`${NS}:targetAccountId`]: TARGET } } };
            const r = run(TEARDOWN, s);
            expect(r.status, r.output).to.equal(0);
            expectNothingChanged(r);
        });
    });

    describe("refusals: non-zero exit, a message naming the problem, no change", () => {
        const cases: {
            name: string;
            args: string[];
            scenario?: (s: Scenario) => void;
            env?: Record<string, string | undefined>;
            code?: number;
            message: RegExp;
        }[] = [
            { name: "unknown flag", args: [...DEPLOY, "-x"], code: 2, message: /unknown option -x/ },
            {
                name: "flag without its value",
                args: ["-c", "ci", "-t", "tg", "-n", SUBNET, "-g"],
                code: 2,
                message: /-g needs a value/,
            },
            { name: "stray argument", args: [...DEPLOY, "extra"], code: 2, message: /unexpected argument/ },
            {
                name: "missing -c",
                args: ["-t", "tg", "-n", SUBNET, "-g", SG],
                code: 2,
                message: /-c PROFILE is required/,
            },
            {
                name: "missing -t",
                args: ["-c", "ci", "-n", SUBNET, "-g", SG],
                code: 2,
                message: /-t PROFILE is required/,
            },
            {
                name: "missing -n",
                args: ["-c", "ci", "-t", "tg", "-g", SG],
                code: 2,
                message: /-n SUBNET_ID is required/,
            },
            {
                name: "missing -g",
                args: ["-c", "ci", "-t", "tg", "-n", SUBNET],
                code: 2,
                message: /-g SECURITY_GROUP_ID is required/,
            },
            { name: "missing -t with -d", args: ["-d", "-c", "ci"], code: 2, message: /-t PROFILE is required/ },
            {
                name: "bad subnet",
                args: ["-c", "ci", "-t", "tg", "-n", "subnet-XYZ", "-g", SG],
                code: 2,
                message: /-n: 'subnet-XYZ' is not a subnet id/,
            },
            {
                name: "bad security group",
                args: ["-c", "ci", "-t", "tg", "-n", SUBNET, "-g", "sg-12"],
                code: 2,
                message: /-g: 'sg-12' is not a security group id/,
            },
            {
                name: "bad region",
                args: [...DEPLOY, "-r", "europe"],
                code: 2,
                message: /-r: 'europe' is not an AWS region/,
            },
            { name: "bad methods", args: [...DEPLOY, "-m", "terraform,cdk"], code: 2, message: /-m: 'terraform,cdk'/ },
            { name: "bad stack name", args: [...DEPLOY, "-s", "1-bad_name"], code: 2, message: /-s: '1-bad_name'/ },
            { name: "-P without -d", args: [...DEPLOY, "-P"], code: 2, message: /-P is only valid with -d/ },
            { name: "-p with -d", args: [...TEARDOWN, "-p"], code: 2, message: /-p cannot be combined with -d/ },
            {
                name: "cicd profile that does not resolve",
                args: ["-c", "nope", "-t", "tg", "-n", SUBNET, "-g", SG],
                message: /-c: profile 'nope' does not resolve/,
            },
            {
                name: "target profile that does not resolve",
                args: ["-c", "ci", "-t", "nope", "-n", SUBNET, "-g", SG],
                message: /-t: profile 'nope' does not resolve/,
            },
            {
                name: "both profiles in the same account",
                args: DEPLOY,
                scenario: (s) => ((s.accounts as Record<string, string>).tg = CICD),
                message: /same account \(111111111111\)/,
            },
            {
                name: "target profile in another account than the cicd stack's targetAccountId",
                args: DEPLOY,
                scenario: (s) => {
                    s.pulumi.stacks.cicd = { resources: 3, config: { [`${NS}:targetAccountId`]: "333333333333" } };
                },
                message: /account 222222222222, but the cicd stack deploys into .*targetAccountId=333333333333/,
            },
            {
                name: "teardown with a target profile in another account than the cicd stack's",
                args: TEARDOWN,
                scenario: (s) => {
                    s.pulumi.stacks.cicd = { resources: 3, config: { [`${NS}:targetAccountId`]: "333333333333" } };
                },
                message: /targetAccountId=333333333333/,
            },
            {
                name: "-r different from the existing cicd stack's region",
                args: [...DEPLOY, "-r", "us-east-1"],
                scenario: (s) => {
                    s.pulumi.stacks.cicd = { resources: 3, config: { "aws:region": "eu-west-1" } };
                },
                message: /-r us-east-1 differs from the region of the existing cicd stack \(eu-west-1\)/,
            },
            {
                name: "no region anywhere",
                args: DEPLOY,
                scenario: (s) => {
                    s.regions = {};
                },
                message: /no region: pass -r REGION/,
            },
            {
                name: "no passphrase with a file backend (not logged in)",
                args: DEPLOY,
                scenario: (s) => {
                    s.pulumi.loggedIn = false;
                },
                env: { PULUMI_CONFIG_PASSPHRASE: undefined },
                message: /PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE/,
            },
            {
                name: "no passphrase with a file backend (logged in)",
                args: DEPLOY,
                env: { PULUMI_CONFIG_PASSPHRASE: undefined },
                message: /PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE/,
            },
        ];
        for (const c of cases) {
            it(c.name, () => {
                const s = baseScenario();
                c.scenario?.(s);
                const r = run(c.args, s, { env: c.env });
                if (c.code !== undefined) expect(r.status, r.output).to.equal(c.code);
                else expect(r.status, r.output).to.not.equal(0);
                expect(r.stderr).to.match(c.message);
                expectNothingChanged(r);
                if (c.code === 2) expect(r.stderr).to.include("Usage:");
            });
        }

        /** A PATH with every command of the current PATH except `missing`, and the stand-ins. */
        function pathWithout(missing: string): string {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-all-path-"));
            tmpDirs.push(dir);
            for (const tool of ["pulumi", "aws"]) {
                if (tool !== missing) fs.symlinkSync(path.join(STUBS, tool), path.join(dir, tool));
            }
            for (const d of (process.env.PATH ?? "").split(path.delimiter)) {
                if (!d || !fs.existsSync(d) || path.resolve(d) === STUBS) continue;
                for (const name of fs.readdirSync(d)) {
                    if (name === "pulumi" || name === "aws" || fs.existsSync(path.join(dir, name))) continue;
                    fs.symlinkSync(path.join(d, name), path.join(dir, name));
                }
            }
            return dir;
        }
        for (const tool of ["pulumi", "aws"]) {
            it(`missing ${tool} CLI`, () => {
                const r = run(DEPLOY, baseScenario(), { path: pathWithout(tool) });
                expect(r.status).to.not.equal(0);
                expect(r.stderr).to.match(new RegExp(`required tool\\(s\\) not found on PATH: ${tool}`));
                expectNothingChanged(r);
                expect(r.calls.filter((call) => call.tool === tool)).to.deep.equal([]);
            });
        }
    });

    describe("many target accounts (-T TARGETS_FILE)", () => {
        const DEV = "222222222222";
        const STAGING = "333333333333";
        const PROD = "444444444444";
        interface Entry {
            name: string;
            profile: string;
            subnetId: string;
            securityGroupId: string;
            requireApproval?: unknown;
        }
        /** dev, staging, prod: profiles dev, stg, prd; an approval before prod. */
        function entries(): Entry[] {
            return [
                {
                    name: "dev",
                    profile: "dev",
                    subnetId: "subnet-0aaaaaaaaaaaaaaaa",
                    securityGroupId: "sg-0aaaaaaaaaaaaaaaa",
                },
                {
                    name: "staging",
                    profile: "stg",
                    subnetId: "subnet-0bbbbbbbbbbbbbbbb",
                    securityGroupId: "sg-0bbbbbbbbbbbbbbbb",
                },
                {
                    name: "prod",
                    profile: "prd",
                    subnetId: "subnet-0cccccccccccccccc",
                    securityGroupId: "sg-0cccccccccccccccc",
                    requireApproval: true,
                },
            ];
        }
        /** What the cicd stack's cross-account-pipeline:targets must hold for entries(). */
        const EXPECTED = [
            {
                name: "dev",
                accountId: DEV,
                subnetId: "subnet-0aaaaaaaaaaaaaaaa",
                securityGroupId: "sg-0aaaaaaaaaaaaaaaa",
            },
            {
                name: "staging",
                accountId: STAGING,
                subnetId: "subnet-0bbbbbbbbbbbbbbbb",
                securityGroupId: "sg-0bbbbbbbbbbbbbbbb",
            },
            {
                name: "prod",
                accountId: PROD,
                subnetId: "subnet-0cccccccccccccccc",
                securityGroupId: "sg-0cccccccccccccccc",
                requireApproval: true,
            },
        ];
        const STACKS = ["target-dev", "target-staging", "target-prod"];
        const PROFILES = ["dev", "stg", "prd"];

        /** Writes a targets file (a value as JSON, a string as is) outside the repository; returns its path. */
        function targetsFile(content: unknown = entries()): string {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-all-targets-"));
            tmpDirs.push(dir);
            const file = path.join(dir, "targets.json");
            fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
            return file;
        }
        /** The CI/CD profile and one profile per target account; no stacks. */
        function multiScenario(): Scenario {
            const s = baseScenario();
            s.accounts = { ci: CICD, dev: DEV, stg: STAGING, prd: PROD };
            return s;
        }
        /** cicd and the three target stacks deployed: what teardown starts from. */
        function multiDeployedScenario(): Scenario {
            const s = deployedScenario();
            s.accounts = { ci: CICD, dev: DEV, stg: STAGING, prd: PROD };
            s.pulumi.stacks = {
                cicd: {
                    resources: 20,
                    config: { "aws:region": "eu-west-2", [`${NS}:targets`]: JSON.stringify(EXPECTED) },
                    outputs: { ...OUTPUTS },
                },
                ...Object.fromEntries(
                    STACKS.map((st) => [st, { resources: 4, config: { "aws:region": "eu-west-2" } }]),
                ),
            };
            return s;
        }
        const deployArgs = (file: string): string[] => ["-c", "ci", "-T", file];
        const teardownArgs = (file: string): string[] => ["-d", "-c", "ci", "-T", file];
        const stsProfiles = (r: Run): (string | null)[] =>
            callsOf(r, "aws", ["sts", "get-caller-identity"]).map((c) => c.profile);

        describe("deploy", () => {
            it("checks every profile first, sets the targets list with the profiles' accounts, ups cicd, then each target-<name> in list order with its own profile", () => {
                const r = run(deployArgs(targetsFile()), multiScenario());
                expect(r.status, r.output).to.equal(0);

                // All the sts checks come first, before any pulumi call.
                expect(stsProfiles(r)).to.deep.equal(["ci", ...PROFILES]);
                const lastSts = lastIndexOf(r, "aws", ["sts", "get-caller-identity"]);
                expect(lastSts).to.be.lessThan(r.calls.findIndex((c) => c.tool === "pulumi"));

                // The cicd config: the list with the accounts the profiles resolved to; no single-target keys.
                const cicdSets = configSets(r, "cicd");
                expect(Object.keys(cicdSets).sort()).to.deep.equal(["aws:region", `${NS}:methods`, `${NS}:targets`]);
                expect(JSON.parse(cicdSets[`${NS}:targets`])).to.deep.equal(EXPECTED);
                expect(cicdSets["aws:region"]).to.equal("eu-west-1");
                expect(callsOf(r, "pulumi", ["config", "rm"])).to.deep.equal([]);
                expect(JSON.parse(r.scenario.pulumi.stacks.cicd.config![`${NS}:targets`])).to.deep.equal(EXPECTED);

                // up cicd, then target-dev, target-staging, target-prod, each with its own profile.
                expect(callsOf(r, "pulumi", ["up"]).map((c) => [c.args, c.profile])).to.deep.equal([
                    [["up", "--yes", "--stack", "cicd"], "ci"],
                    [["up", "--yes", "--stack", "target-dev"], "dev"],
                    [["up", "--yes", "--stack", "target-staging"], "stg"],
                    [["up", "--yes", "--stack", "target-prod"], "prd"],
                ]);
                let previous = indexOf(r, "pulumi", ["up", "--yes", "--stack", "cicd"]);
                expect(lastIndexOf(r, "pulumi", ["config", "set", "--stack", "cicd"])).to.be.lessThan(previous);
                for (const stack of STACKS) {
                    const select = indexOf(r, "pulumi", ["stack", "select", "--create", stack]);
                    const firstSet = indexOf(r, "pulumi", ["config", "set", "--stack", stack]);
                    const lastSet = lastIndexOf(r, "pulumi", ["config", "set", "--stack", stack]);
                    const up = indexOf(r, "pulumi", ["up", "--yes", "--stack", stack]);
                    expect(previous, stack).to.be.lessThan(select);
                    expect(select, stack).to.be.lessThan(firstSet);
                    expect(lastSet, stack).to.be.lessThan(up);
                    expect(configSets(r, stack), stack).to.deep.equal({
                        "aws:region": "eu-west-1",
                        [`${NS}:cicdStack`]: `organization/${NS}/cicd`,
                    });
                    previous = up;
                }
                // No stack of the single-target form.
                expect(r.calls.some((c) => c.tool === "pulumi" && c.args.includes("target"))).to.equal(false);
                expect(r.stdout).to.match(/target 3\/3 +prod: account 444444444444 \(profile prd\), stack target-prod/);
                expect(indexOf(r, "pulumi", ["stack", "output", "--stack", "cicd"])).to.be.greaterThan(previous);
            });

            it("accepts a relative TARGETS_FILE path, and requireApproval false or as a string", () => {
                const list = entries();
                list[0].requireApproval = false;
                list[2].requireApproval = "true";
                const file = targetsFile(list);
                const r = run(deployArgs(path.relative(REPO, file)), multiScenario());
                expect(r.status, r.output).to.equal(0);
                const expected = EXPECTED.map((t) => ({ ...t }));
                Object.assign(expected[0], { requireApproval: false });
                expect(JSON.parse(configSets(r, "cicd")[`${NS}:targets`])).to.deep.equal(expected);
            });

            it("removes the single-target keys a torn-down cicd stack still has, before up", () => {
                const s = multiScenario();
                s.pulumi.stacks.cicd = {
                    resources: 0,
                    config: {
                        "aws:region": "eu-west-1",
                        [`${NS}:targetAccountId`]: "999999999999",
                        [`${NS}:subnetId`]: "subnet-0123456789abcdef0",
                        [`${NS}:securityGroupId`]: "sg-0123456789abcdef0",
                        [`${NS}:cfnStackName`]: "OldWorkload",
                    },
                };
                const r = run(deployArgs(targetsFile()), s);
                expect(r.status, r.output).to.equal(0);
                const rms = callsOf(r, "pulumi", ["config", "rm"]);
                expect(rms.map((c) => c.args)).to.deep.equal(
                    ["targetAccountId", "subnetId", "securityGroupId", "cfnStackName"].map((k) => [
                        "config",
                        "rm",
                        "--stack",
                        "cicd",
                        `${NS}:${k}`,
                    ]),
                );
                expect(lastIndexOf(r, "pulumi", ["config", "rm"])).to.be.lessThan(indexOf(r, "pulumi", ["up"]));
                expect(Object.keys(r.scenario.pulumi.stacks.cicd.config!).sort()).to.deep.equal([
                    "aws:region",
                    `${NS}:methods`,
                    `${NS}:targets`,
                ]);
            });

            it("re-runs idempotently over live stacks with the same accounts, keeping the stack's region", () => {
                const r = run(deployArgs(targetsFile()), multiDeployedScenario());
                expect(r.status, r.output).to.equal(0);
                expect(configSets(r, "cicd")["aws:region"]).to.equal("eu-west-2");
                expect(JSON.parse(configSets(r, "cicd")[`${NS}:targets`])).to.deep.equal(EXPECTED);
                expect(callsOf(r, "pulumi", ["up"]).map((c) => [opt(c, "--stack"), c.profile])).to.deep.equal([
                    ["cicd", "ci"],
                    ...STACKS.map((st, i) => [st, PROFILES[i]]),
                ]);
            });

            it("adds a target to a live stack, and warns about a target the file drops", () => {
                const s = multiDeployedScenario();
                const live = [
                    ...EXPECTED,
                    {
                        name: "qa",
                        accountId: "555555555555",
                        subnetId: "subnet-0dddddddddddddddd",
                        securityGroupId: "sg-0dddddddddddddddd",
                    },
                ];
                s.pulumi.stacks.cicd.config![`${NS}:targets`] = JSON.stringify(live.filter((t) => t.name !== "prod"));
                const r = run(deployArgs(targetsFile()), s);
                expect(r.status, r.output).to.equal(0);
                expect(r.stderr).to.match(/drops the target qa \(account 555555555555\).*target-qa/);
                expect(JSON.parse(configSets(r, "cicd")[`${NS}:targets`])).to.deep.equal(EXPECTED);
                expect(callsOf(r, "pulumi", ["up"]).map((c) => opt(c, "--stack"))).to.deep.equal(["cicd", ...STACKS]);
            });

            it("with -p starts the pipelines only after the last target stack is up", () => {
                const r = run([...deployArgs(targetsFile()), "-p"], multiScenario());
                expect(r.status, r.output).to.equal(0);
                const starts = callsOf(r, "aws", ["codepipeline", "start-pipeline-execution"]);
                expect(starts.map((c) => [opt(c, "--name"), c.profile])).to.deep.equal([
                    [OUTPUTS.terraformPipelineName, "ci"],
                    [OUTPUTS.cloudformationPipelineName, "ci"],
                ]);
                expect(indexOf(r, "aws", ["codepipeline", "start-pipeline-execution"])).to.be.greaterThan(
                    indexOf(r, "pulumi", ["up", "--yes", "--stack", "target-prod"]),
                );
            });
        });

        describe("teardown", () => {
            it("runs the destroy runs, then destroys target-prod, target-staging, target-dev with their profiles, empties the artifact bucket, destroys cicd", () => {
                const r = run(teardownArgs(targetsFile()), multiDeployedScenario());
                expect(r.status, r.output).to.equal(0);
                expect(stsProfiles(r)).to.deep.equal(["ci", ...PROFILES]);

                const starts = callsOf(r, "aws", ["codepipeline", "start-pipeline-execution"]);
                expect(starts.map((c) => [opt(c, "--name"), opt(c, "--variables"), c.profile])).to.deep.equal([
                    [OUTPUTS.terraformPipelineName, "name=TF_ACTION,value=destroy", "ci"],
                    [OUTPUTS.cloudformationPipelineName, "name=BUILD_ACTION,value=delete-stack", "ci"],
                ]);
                expect(callsOf(r, "pulumi", ["destroy"]).map((c) => [c.args, c.profile])).to.deep.equal([
                    [["destroy", "--yes", "--stack", "target-prod"], "prd"],
                    [["destroy", "--yes", "--stack", "target-staging"], "stg"],
                    [["destroy", "--yes", "--stack", "target-dev"], "dev"],
                    [["destroy", "--yes", "--stack", "cicd"], "ci"],
                ]);
                const lastPoll = lastIndexOf(r, "aws", ["codepipeline", "get-pipeline-execution"]);
                const firstDestroy = indexOf(r, "pulumi", ["destroy"]);
                const destroyDev = indexOf(r, "pulumi", ["destroy", "--yes", "--stack", "target-dev"]);
                const firstDelete = indexOf(r, "aws", ["s3api", "delete-objects"]);
                const lastDelete = lastIndexOf(r, "aws", ["s3api", "delete-objects"]);
                const destroyCicd = indexOf(r, "pulumi", ["destroy", "--yes", "--stack", "cicd"]);
                expect(lastPoll).to.be.lessThan(firstDestroy);
                expect(destroyDev).to.be.lessThan(firstDelete);
                expect(lastDelete).to.be.lessThan(destroyCicd);
                expect(
                    callsOf(r, "aws", ["s3api", "delete-objects"]).every(
                        (c) => opt(c, "--bucket") === OUTPUTS.artifactBucketName,
                    ),
                ).to.equal(true);
                expect(callsOf(r, "aws", ["s3api", "delete-bucket"])).to.deep.equal([]);
                for (const st of [...STACKS, "cicd"]) expect(r.scenario.pulumi.stacks[st].resources, st).to.equal(0);
            });

            it("resumes after a failure: with target-prod already destroyed, no destroy runs, then staging, dev, cicd", () => {
                const s = multiDeployedScenario();
                s.pulumi.stacks["target-prod"].resources = 0;
                const r = run(teardownArgs(targetsFile()), s);
                expect(r.status, r.output).to.equal(0);
                expect(callsOf(r, "aws", ["codepipeline"])).to.deep.equal([]);
                expect(callsOf(r, "pulumi", ["destroy"]).map((c) => [opt(c, "--stack"), c.profile])).to.deep.equal([
                    ["target-staging", "stg"],
                    ["target-dev", "dev"],
                    ["cicd", "ci"],
                ]);
                expect(r.stdout).to.match(/target-prod already destroyed/);
            });

            it("stops before any pulumi destroy when a workload destroy run fails", () => {
                const s = multiDeployedScenario();
                (s.executions as Json)[OUTPUTS.terraformPipelineName] = ["InProgress", "Failed"];
                const r = run(teardownArgs(targetsFile()), s);
                expect(r.status).to.not.equal(0);
                expect(r.stderr).to.match(/NOT destroyed/);
                expect(callsOf(r, "pulumi", ["destroy"])).to.deep.equal([]);
            });

            it("refuses, changing nothing, when the live cicd stack has a target the file does not list whose stack is not destroyed", () => {
                const s = multiDeployedScenario();
                const live = [
                    ...EXPECTED,
                    {
                        name: "qa",
                        accountId: "555555555555",
                        subnetId: "subnet-0dddddddddddddddd",
                        securityGroupId: "sg-0dddddddddddddddd",
                    },
                ];
                s.pulumi.stacks.cicd.config![`${NS}:targets`] = JSON.stringify(live);
                s.pulumi.stacks["target-qa"] = { resources: 4, config: {} };
                const r = run(teardownArgs(targetsFile()), s);
                expect(r.status).to.equal(1);
                expect(r.stderr).to.match(
                    /also deploys the target qa \(account 555555555555\).*target-qa is not destroyed/,
                );
                expectNothingChanged(r);
            });
        });

        describe("refusals: non-zero exit, a message naming the problem, no up/destroy/config change", () => {
            const withEntry = (i: number, change: Partial<Entry> & Record<string, unknown>): Entry[] => {
                const list = entries();
                Object.assign(list[i], change);
                return list;
            };
            const cases: {
                name: string;
                args?: (file: string) => string[];
                content?: unknown;
                scenario?: (s: Scenario) => void;
                code?: number;
                message: RegExp;
                /** The file is refused before any profile is checked. */
                noCalls?: boolean;
            }[] = [
                {
                    name: "-T with -t",
                    args: (f) => ["-c", "ci", "-T", f, "-t", "tg"],
                    code: 2,
                    message: /-T cannot be combined with -t/,
                    noCalls: true,
                },
                {
                    name: "-T with -n and -g",
                    args: (f) => ["-c", "ci", "-n", SUBNET, "-g", SG, "-T", f],
                    code: 2,
                    message: /-T cannot be combined with -n -g/,
                    noCalls: true,
                },
                {
                    name: "-T with -s",
                    args: (f) => ["-c", "ci", "-T", f, "-s", "MyWorkload"],
                    code: 2,
                    message: /-s cannot be combined with -T/,
                    noCalls: true,
                },
                {
                    name: "-T with -t when tearing down",
                    args: (f) => ["-d", "-c", "ci", "-t", "tg", "-T", f],
                    code: 2,
                    message: /-T cannot be combined with -t/,
                    noCalls: true,
                },
                {
                    name: "a TARGETS_FILE that does not exist",
                    args: (f) => ["-c", "ci", "-T", `${f}.missing`],
                    code: 2,
                    message: /-T: '.*targets\.json\.missing' is not a readable file/,
                    noCalls: true,
                },
                {
                    name: "bad JSON",
                    content: '[{ "name": "dev", ',
                    message: /-T .*targets\.json: not valid JSON/,
                    noCalls: true,
                },
                {
                    name: "not a list",
                    content: { name: "dev" },
                    message: /must be a non-empty JSON list/,
                    noCalls: true,
                },
                { name: "an empty list", content: [], message: /must be a non-empty JSON list/, noCalls: true },
                {
                    name: "an entry that is not an object",
                    content: [...entries(), "qa"],
                    message: /entry \[3\] must be an object/,
                    noCalls: true,
                },
                {
                    name: "duplicate name",
                    content: withEntry(2, { name: "dev" }),
                    message: /entry \[2\] \(dev\): the name dev is used twice \(also entry \[0\]\)/,
                    noCalls: true,
                },
                {
                    name: "bad name",
                    content: withEntry(1, { name: "Staging" }),
                    message: /entry \[1\]: name "Staging" is not a target name/,
                    noCalls: true,
                },
                {
                    name: "the reserved name default",
                    content: withEntry(1, { name: "default" }),
                    message: /entry \[1\] \(default\): the name default is reserved/,
                    noCalls: true,
                },
                {
                    name: "bad subnet in an entry",
                    content: withEntry(1, { subnetId: "subnet-XYZ" }),
                    message: /entry \[1\] \(staging\): subnetId "subnet-XYZ" is not a subnet id/,
                    noCalls: true,
                },
                {
                    name: "bad security group in an entry",
                    content: withEntry(2, { securityGroupId: "sg-12" }),
                    message: /entry \[2\] \(prod\): securityGroupId "sg-12" is not a security group id/,
                    noCalls: true,
                },
                {
                    name: "an entry without a profile",
                    content: withEntry(0, { profile: undefined }),
                    message: /entry \[0\] \(dev\): "profile" is missing/,
                    noCalls: true,
                },
                {
                    name: "an unknown field (accountId comes from the profile)",
                    content: withEntry(0, { accountId: DEV }),
                    message: /entry \[0\] \(dev\): unknown field\(s\) accountId/,
                    noCalls: true,
                },
                {
                    name: "bad requireApproval",
                    content: withEntry(2, { requireApproval: "yes" }),
                    message: /entry \[2\] \(prod\): requireApproval must be true or false/,
                    noCalls: true,
                },
                {
                    name: "duplicate account",
                    scenario: (s) => ((s.accounts as Record<string, string>).prd = DEV),
                    message:
                        /-T targets dev \(profile 'dev'\) and prod \(profile 'prd'\) are the same account \(222222222222\)/,
                },
                {
                    name: "a target in the CI/CD account",
                    scenario: (s) => ((s.accounts as Record<string, string>).stg = CICD),
                    message: /-T target staging: profile 'stg' is the CI\/CD account \(111111111111/,
                },
                {
                    name: "a profile that does not resolve",
                    content: withEntry(1, { profile: "nope" }),
                    message: /-T target staging: profile 'nope' does not resolve/,
                },
                {
                    name: "a profile in another account than the live cicd stack has for that target",
                    scenario: (s) => {
                        const live = EXPECTED.map((t) => (t.name === "prod" ? { ...t, accountId: "555555555555" } : t));
                        s.pulumi.stacks.cicd = { resources: 9, config: { [`${NS}:targets`]: JSON.stringify(live) } };
                    },
                    message:
                        /-T target prod: profile 'prd' is account 444444444444, but the cicd stack deploys prod into account 555555555555/,
                },
                {
                    name: "teardown with a profile in another account than the live cicd stack has for that target",
                    args: (f) => ["-d", "-c", "ci", "-T", f],
                    scenario: (s) => {
                        const live = EXPECTED.map((t) => (t.name === "dev" ? { ...t, accountId: "555555555555" } : t));
                        s.pulumi.stacks.cicd = { resources: 9, config: { [`${NS}:targets`]: JSON.stringify(live) } };
                    },
                    message:
                        /-T target dev: profile 'dev' is account 222222222222, but the cicd stack deploys dev into account 555555555555/,
                },
                {
                    name: "a live cicd stack of the single-target form",
                    scenario: (s) => {
                        s.pulumi.stacks.cicd = { resources: 9, config: { [`${NS}:targetAccountId`]: TARGET } };
                    },
                    message:
                        /deployed with the single-target form \(cross-account-pipeline:targetAccountId=222222222222\)/,
                },
                {
                    name: "-t over a cicd stack of the multi-target form",
                    args: () => DEPLOY,
                    scenario: (s) => {
                        s.pulumi.stacks.cicd = {
                            resources: 0,
                            config: { [`${NS}:targets`]: JSON.stringify(EXPECTED) },
                        };
                    },
                    message: /uses the multi-target form .* with -T TARGETS_FILE instead of -t/,
                },
            ];
            for (const c of cases) {
                it(c.name, () => {
                    const s = multiScenario();
                    (s.accounts as Record<string, string>).tg = TARGET;
                    c.scenario?.(s);
                    const file = targetsFile(c.content ?? entries());
                    const r = run((c.args ?? deployArgs)(file), s);
                    if (c.code !== undefined) expect(r.status, r.output).to.equal(c.code);
                    else expect(r.status, r.output).to.equal(1);
                    expect(r.stderr).to.match(c.message);
                    expectNothingChanged(r);
                    if (c.code === 2) expect(r.stderr).to.include("Usage:");
                    if (c.noCalls) expect(r.calls, JSON.stringify(r.calls)).to.deep.equal([]);
                });
            }
        });
    });

    it("-h prints the usage and exits 0", () => {
        const r = run(["-h"], baseScenario());
        expect(r.status).to.equal(0);
        expect(r.stdout).to.include("Usage:");
        for (const flag of ["-c", "-t", "-T", "-n", "-g", "-s", "-r", "-m", "-o", "-p", "-d", "-f", "-P", "-y", "-h"]) {
            expect(r.stdout).to.include(`  ${flag} `);
        }
        expect(r.calls).to.deep.equal([]);
    });

    it("is shellcheck-clean, and so are the stand-ins", function () {
        const which = spawnSync("sh", ["-c", "command -v shellcheck"], { encoding: "utf8" });
        if (which.status !== 0) this.skip();
        const files = fs.readdirSync(STUBS).map((f) => path.join("test", "fixtures", "bin", f));
        const r = spawnSync("shellcheck", [SCRIPT, ...files], { cwd: REPO, encoding: "utf8" });
        expect(r.status, r.stdout + r.stderr).to.equal(0);
    });
});
