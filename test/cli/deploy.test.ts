// The deploy CLI (cli/), single-target form: what deploy-all.sh's deploy did, on the Automation API.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import {
    aws,
    all,
    baseWorld,
    cli,
    configSet,
    DEPLOY,
    deployedWorld,
    first,
    last,
    NS,
    OUTPUTS,
    SG,
    stackOps,
    SUBNET,
    TARGET,
    tmpDir,
    ws,
} from "./helpers/world";

describe("deploy CLI: deploy (single target)", () => {
    it("checks both profiles, then configures and deploys cicd with the cicd profile, then target with the target profile", async () => {
        const r = await cli(DEPLOY, baseWorld());
        expect(r.code, r.output).to.equal(0);

        const stsCicd = first(r, aws("GetCallerIdentity", "ci"));
        const stsTarget = first(r, aws("GetCallerIdentity", "tg"));
        const selectCicd = first(r, ws("createOrSelect", "cicd"));
        const setCicd = last(r, ws("setAllConfig", "cicd"));
        const upCicd = first(r, ws("up", "cicd"));
        const selectTarget = first(r, ws("createOrSelect", "target"));
        const setTarget = first(r, ws("setAllConfig", "target"));
        const upTarget = first(r, ws("up", "target"));
        const order = [stsCicd, stsTarget, selectCicd, setCicd, upCicd, selectTarget, setTarget, upTarget];
        expect(
            order.every((i) => i >= 0),
            JSON.stringify(order),
        ).to.equal(true);
        expect([...order].sort((a, b) => a - b)).to.deep.equal(order);

        expect(stackOps(r, "up")).to.deep.equal([
            ["cicd", "ci"],
            ["target", "tg"],
        ]);
        expect(configSet(r, "cicd")).to.deep.equal({
            "aws:region": "eu-west-1", // the cicd profile's region
            [`${NS}:targetAccountId`]: TARGET, // the target profile's account
            [`${NS}:subnetId`]: SUBNET,
            [`${NS}:securityGroupId`]: SG,
            [`${NS}:methods`]: "terraform,cloudformation",
        });
        expect(configSet(r, "target")).to.deep.equal({
            "aws:region": "eu-west-1",
            [`${NS}:cicdStack`]: `organization/${NS}/cicd`,
        });
        // The outputs after the last up, and the next step; no -p: no pipeline started.
        expect(last(r, ws("outputs", "cicd"))).to.be.greaterThan(upTarget);
        expect(r.stdout).to.include("start-pipeline-execution --name xacct-terraform --profile ci --region eu-west-1");
        expect(r.stdout).to.include("start-pipeline-execution --name xacct-cloudformation");
        expect(all(r, (c) => c.kind === "aws" && (c as any).service === "codepipeline")).to.deep.equal([]);
        // A resource counter per stack, from the engine events.
        expect(r.stdout).to.match(/cicd: 5 create \(3 s\)/);
        expect(r.stdout).to.match(/target: 5 create \(3 s\)/);
    });

    it("with a terminal and no -y, asks once with a summary and changes nothing when refused", async () => {
        const r = await cli(DEPLOY, baseWorld(), { interactive: true, answers: ["n"] });
        expect(r.stdout).to.match(/target account +222222222222 \(profile tg\), stack target/);
        expect(r.questions).to.deep.equal(["Proceed? [y/N] "]);
        expect(r.stdout).to.include("Aborted: nothing changed.");
        expect(r.code).to.equal(1);
        expect(first(r, aws("GetCallerIdentity")), "the profiles were checked before asking").to.be.greaterThan(-1);
        expect(
            all(r, (c) => c.kind === "ws" && ["createOrSelect", "setAllConfig", "up", "login"].includes(c.op)),
        ).to.deep.equal([]);
    });

    it("with a terminal, goes on when the answer is yes; -y asks nothing", async () => {
        const yes = await cli(DEPLOY, baseWorld(), { interactive: true, answers: ["yes"] });
        expect(yes.code, yes.output).to.equal(0);
        expect(stackOps(yes, "up")).to.have.length(2);
        const flag = await cli([...DEPLOY, "-y"], baseWorld(), { interactive: true });
        expect(flag.code, flag.output).to.equal(0);
        expect(flag.questions).to.deep.equal([]);
    });

    it("passes -r, -m, -s and -o through to the stacks' config", async () => {
        const r = await cli(
            [...DEPLOY, "-r", "us-west-2", "-m", "cloudformation", "-s", "MyWorkload", "-o", "acme"],
            baseWorld(),
        );
        expect(r.code, r.output).to.equal(0);
        expect(configSet(r, "cicd")).to.include({
            "aws:region": "us-west-2",
            [`${NS}:methods`]: "cloudformation",
            [`${NS}:cfnStackName`]: "MyWorkload",
        });
        expect(configSet(r, "target")).to.deep.equal({
            "aws:region": "us-west-2",
            [`${NS}:cicdStack`]: `acme/${NS}/cicd`,
        });
        expect(all(r, aws("GetCallerIdentity")).map((c: any) => c.region)).to.deep.equal(["us-west-2", "us-west-2"]);
    });

    it("passes the cicd stack's approval policy and drift schedule through, and accepts a region of any partition", async () => {
        const args = [...DEPLOY, "-r", "us-iso-east-1", "--approval-policy", "risk", "--drift-schedule", "off"];
        const r = await cli(args, baseWorld());
        expect(r.code, r.output).to.equal(0);
        expect(configSet(r, "cicd")).to.include({
            "aws:region": "us-iso-east-1",
            [`${NS}:approvalPolicy`]: "risk",
            [`${NS}:driftSchedule`]: "off",
        });
    });

    it("does not set cfnStackName without -s", async () => {
        const r = await cli(DEPLOY, baseWorld());
        expect(configSet(r, "cicd")).not.to.have.property(`${NS}:cfnStackName`);
    });

    it("re-runs idempotently over existing stacks (same accounts), keeping the stack's region", async () => {
        const w = deployedWorld();
        const r = await cli(DEPLOY, w);
        expect(r.code, r.output).to.equal(0);
        expect(configSet(r, "cicd")["aws:region"]).to.equal("eu-west-2");
        expect(stackOps(r, "up").map(([s]) => s)).to.deep.equal(["cicd", "target"]);
        const again = await cli(DEPLOY, w);
        expect(again.code, again.output).to.equal(0);
        expect(w.pulumi.stacks.cicd.config).to.deep.include({ [`${NS}:targetAccountId`]: TARGET });
    });

    it("redeploys over a torn-down (empty) cicd stack whose config is stale: new account and region allowed", async () => {
        const w = baseWorld();
        w.pulumi.stacks.cicd = {
            resources: 0,
            config: { "aws:region": "us-east-1", [`${NS}:targetAccountId`]: "333333333333" },
            outputs: {},
        };
        const r = await cli([...DEPLOY, "-r", "eu-central-1"], w);
        expect(r.code, r.output).to.equal(0);
        expect(configSet(r, "cicd")).to.include({ "aws:region": "eu-central-1", [`${NS}:targetAccountId`]: TARGET });
    });

    it("without -m keeps the methods of a live cicd stack", async () => {
        const w = deployedWorld();
        w.pulumi.stacks.cicd.config[`${NS}:methods`] = "terraform";
        const r = await cli(DEPLOY, w);
        expect(configSet(r, "cicd")[`${NS}:methods`]).to.equal("terraform");
    });

    it("warns when -m drops a method whose pipeline exists (its workload would stay behind)", async () => {
        const r = await cli([...DEPLOY, "-m", "terraform"], deployedWorld());
        expect(r.code, r.output).to.equal(0);
        expect(r.stderr).to.match(/drops the cloudformation method/);
        expect(r.stderr).not.to.match(/drops the terraform method/);
        expect(configSet(r, "cicd")[`${NS}:methods`]).to.equal("terraform");
    });

    it("ignores static AWS credentials in the environment, with a warning, so that the profiles decide", async () => {
        const r = await cli(DEPLOY, baseWorld(), {
            env: { AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s", AWS_PROFILE: "other" },
        });
        expect(r.code, r.output).to.equal(0);
        expect(r.stderr).to.match(/ignoring AWS_ACCESS_KEY_ID from the environment/);
        expect(r.stderr).to.match(/ignoring AWS_SECRET_ACCESS_KEY/);
        expect(r.env).not.to.have.any.keys("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE");
    });

    it("--json prints one JSON document on stdout, and the human text on stderr", async () => {
        const r = await cli([...DEPLOY, "--json"], baseWorld());
        expect(r.code, r.output).to.equal(0);
        const doc = JSON.parse(r.stdout);
        expect(doc).to.deep.include({ command: "deploy", ok: true, warnings: [] });
        expect(doc.plan).to.deep.include({ region: "eu-west-1", methods: "terraform,cloudformation" });
        expect(doc.stacks.map((s: any) => [s.stack, s.operation, s.profile, s.changes])).to.deep.equal([
            ["cicd", "up", "ci", { create: 5 }],
            ["target", "up", "tg", { create: 5 }],
        ]);
        expect(doc.outputs).to.deep.include({ terraformPipelineName: OUTPUTS.terraformPipelineName });
        expect(r.stderr).to.include("==> Deployment plan");
    });

    it("--json reports a failure too, with its message and exit status", async () => {
        const w = baseWorld();
        w.pulumi.failUp = ["target"];
        const r = await cli([...DEPLOY, "--json"], w);
        expect(r.code).to.equal(1);
        const doc = JSON.parse(r.stdout);
        expect(doc.ok).to.equal(false);
        expect(doc.error.message).to.match(/pulumi up of stack target \(profile tg\) failed:\nboom in target/);
        expect(doc.error.exitCode).to.equal(1);
    });

    describe("state backend", () => {
        it("uses the local file backend when not logged in, says so, and logs in to it once confirmed, before up", async () => {
            const w = baseWorld();
            w.pulumi.loggedIn = false;
            const r = await cli(DEPLOY, w);
            expect(r.code, r.output).to.equal(0);
            const url = `file://${r.stateDir}`;
            expect(all(r, ws("useBackend")).map((c: any) => c.url)).to.deep.equal([url]);
            expect(all(r, ws("login")).map((c: any) => c.url)).to.deep.equal([url]);
            expect(fs.existsSync(r.stateDir)).to.equal(true);
            expect(r.stdout).to.match(/Not logged in to a Pulumi backend: using the local file backend file:\/\//);
            expect(first(r, ws("useBackend"))).to.be.lessThan(first(r, ws("listStacks")));
            expect(first(r, ws("login"))).to.be.lessThan(first(r, ws("createOrSelect")));
        });

        it("does not log in when already logged in, nor create the state directory", async () => {
            const r = await cli(DEPLOY, baseWorld());
            expect(all(r, ws("login"))).to.deep.equal([]);
            expect(all(r, ws("useBackend"))).to.deep.equal([]);
            expect(fs.existsSync(r.stateDir)).to.equal(false);
        });

        it("accepts PULUMI_CONFIG_PASSPHRASE_FILE instead of the passphrase", async () => {
            const file = path.join(tmpDir(), "pass");
            fs.writeFileSync(file, "secret\n");
            const r = await cli(DEPLOY, baseWorld(), {
                env: { PULUMI_CONFIG_PASSPHRASE: undefined, PULUMI_CONFIG_PASSPHRASE_FILE: file },
            });
            expect(r.code, r.output).to.equal(0);
        });

        it("needs no passphrase with Pulumi Cloud, and warns that -o names the organization", async () => {
            const w = baseWorld();
            w.pulumi.url = "https://api.pulumi.com";
            const r = await cli(DEPLOY, w, { env: { PULUMI_CONFIG_PASSPHRASE: undefined } });
            expect(r.code, r.output).to.equal(0);
            expect(r.stderr).to.match(/pass -o ORG if it is not 'organization'/);
            const withOrg = await cli([...DEPLOY, "-o", "acme"], w, { env: { PULUMI_CONFIG_PASSPHRASE: undefined } });
            expect(withOrg.stderr).not.to.match(/pass -o ORG/);
        });
    });
});
