// Tests of scripts/deploy-all.sh (see test/helpers/deployAll.ts): deploy.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    DEPLOY,
    NS,
    OUTPUTS,
    REPO,
    SCRIPT,
    SG,
    STUBS,
    SUBNET,
    TARGET,
    baseScenario,
    callsOf,
    configSets,
    deployedScenario,
    indexOf,
    lastIndexOf,
    opt,
    run,
    tmpDirs,
} from "./helpers/deployAll";

describe("scripts/deploy-all.sh", () => {
    describe("deploy", () => {
        it("checks both profiles, configures and deploys cicd with the cicd profile, then target with the target profile", async () => {
            const r = await run(DEPLOY, baseScenario());
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

        it("with a terminal and no -y, asks once with a summary and changes nothing when refused", async function () {
            // `script` (util-linux) gives the script a terminal on stdin.
            if (spawnSync("sh", ["-c", "command -v script"]).status !== 0) this.skip();
            const r = await run(DEPLOY, baseScenario(), { terminal: "n\n" });
            expect(r.stdout).to.match(/target account +222222222222 \(profile tg\)/);
            expect(r.stdout.match(/Proceed\? \[y\/N\]/g)).to.have.length(1);
            expect(r.stdout).to.include("Aborted: nothing changed.");
            expect(r.status).to.not.equal(0);
            expect(r.calls.length, "the script checked the profiles before asking").to.be.greaterThan(0);
            expect(
                r.calls.filter(
                    (c) => ["up", "destroy"].includes(c.args[0]) || c.args[1] === "set" || c.args[1] === "select",
                ),
            ).to.deep.equal([]);
        });

        it("passes -r, -m, -s and -o through to the stacks' config", async () => {
            const r = await run(
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

        it("does not set cfnStackName without -s", async () => {
            const r = await run(DEPLOY, baseScenario());
            expect(r.status, r.output).to.equal(0);
            expect(configSets(r, "cicd")).not.to.have.property(`${NS}:cfnStackName`);
        });

        it("re-runs idempotently over existing stacks (same target account)", async () => {
            const s = deployedScenario();
            const r = await run(DEPLOY, s);
            expect(r.status, r.output).to.equal(0);
            // The existing stack's region wins over the profile's when -r is not given.
            expect(configSets(r, "cicd")["aws:region"]).to.equal("eu-west-2");
            expect(callsOf(r, "pulumi", ["up"]).map((c) => opt(c, "--stack"))).to.deep.equal(["cicd", "target"]);
        });

        it("redeploys over a torn-down (empty) cicd stack whose config is stale: new account and region allowed", async () => {
            const s = baseScenario();
            s.pulumi.stacks.cicd = {
                resources: 0,
                config: { "aws:region": "us-east-1", [`${NS}:targetAccountId`]: "333333333333" },
            };
            const r = await run([...DEPLOY, "-r", "eu-central-1"], s);
            expect(r.status, r.output).to.equal(0);
            expect(configSets(r, "cicd")).to.include({
                "aws:region": "eu-central-1",
                [`${NS}:targetAccountId`]: TARGET,
            });
        });

        it("without -m keeps the methods of an existing cicd stack", async () => {
            const s = deployedScenario();
            s.pulumi.stacks.cicd.config![`${NS}:methods`] = "terraform";
            const r = await run(DEPLOY, s);
            expect(r.status, r.output).to.equal(0);
            expect(configSets(r, "cicd")[`${NS}:methods`]).to.equal("terraform");
        });

        it("warns when -m drops a method whose pipeline exists (its workload would stay behind)", async () => {
            const r = await run([...DEPLOY, "-m", "terraform"], deployedScenario());
            expect(r.status, r.output).to.equal(0);
            expect(r.stderr).to.match(/drops the cloudformation method/);
            expect(configSets(r, "cicd")[`${NS}:methods`]).to.equal("terraform");
        });

        it("with -p starts each pipeline after the target stack is up and follows it to success", async () => {
            const s = baseScenario();
            s.executions = {
                [OUTPUTS.terraformPipelineName]: ["InProgress", "InProgress", "Succeeded"],
                [OUTPUTS.cloudformationPipelineName]: ["InProgress", "Succeeded"],
            };
            const r = await run([...DEPLOY, "-p"], s);
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

        it("with -p only runs the pipelines the stack has (one method)", async () => {
            const s = baseScenario();
            s.pulumi.upOutputs = { cicd: { terraformPipelineName: OUTPUTS.terraformPipelineName }, target: {} };
            const r = await run([...DEPLOY, "-m", "terraform", "-p"], s);
            expect(r.status, r.output).to.equal(0);
            const starts = callsOf(r, "aws", ["codepipeline", "start-pipeline-execution"]);
            expect(starts.map((c) => opt(c, "--name"))).to.deep.equal([OUTPUTS.terraformPipelineName]);
        });

        it("with -p exits non-zero when a run fails", async () => {
            const s = baseScenario();
            s.executions = { [OUTPUTS.cloudformationPipelineName]: ["InProgress", "Failed"] };
            const r = await run([...DEPLOY, "-p"], s);
            expect(r.status).to.not.equal(0);
            expect(r.stderr).to.match(/xacct-cloudformation .*did not succeed/);
        });
    });

    describe("state backend", () => {
        it("logs in to the local file backend when not logged in, and says so", async () => {
            const s = baseScenario();
            s.pulumi.loggedIn = false;
            const r = await run(DEPLOY, s);
            expect(r.status, r.output).to.equal(0);
            const stateDir = path.join(r.tmp, "state");
            const logins = callsOf(r, "pulumi", ["login"]);
            expect(logins.map((c) => c.args)).to.deep.equal([["login", `file://${stateDir}`]]);
            expect(fs.existsSync(stateDir)).to.equal(true);
            expect(r.stdout).to.match(/Not logged in.*file backend/);
            expect(indexOf(r, "pulumi", ["login"])).to.be.lessThan(indexOf(r, "pulumi", ["up"]));
        });

        it("does not log in when already logged in", async () => {
            const r = await run(DEPLOY, baseScenario());
            expect(r.status, r.output).to.equal(0);
            expect(callsOf(r, "pulumi", ["login"])).to.deep.equal([]);
            expect(fs.existsSync(path.join(r.tmp, "state"))).to.equal(false);
        });

        it("accepts PULUMI_CONFIG_PASSPHRASE_FILE instead of the passphrase", async () => {
            const s = baseScenario();
            s.pulumi.loggedIn = false;
            const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-all-pass-"));
            tmpDirs.push(tmp);
            fs.writeFileSync(path.join(tmp, "pass"), "secret\n");
            const r = await run(DEPLOY, s, {
                env: { PULUMI_CONFIG_PASSPHRASE: undefined, PULUMI_CONFIG_PASSPHRASE_FILE: path.join(tmp, "pass") },
            });
            expect(r.status, r.output).to.equal(0);
        });

        it("needs no passphrase with a Pulumi Cloud backend", async () => {
            const s = baseScenario();
            s.pulumi.backendUrl = "https://api.pulumi.com";
            const r = await run([...DEPLOY, "-o", "acme"], s, { env: { PULUMI_CONFIG_PASSPHRASE: undefined } });
            expect(r.status, r.output).to.equal(0);
        });
    });

    it("-h prints the usage and exits 0", async () => {
        const r = await run(["-h"], baseScenario());
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
