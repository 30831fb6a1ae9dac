// The deploy CLI with a targets file (-T): one target-<name> stack per target account, in list order.
import { expect } from "chai";
import {
    all,
    aws,
    baseWorld,
    cli,
    configSet,
    EXPECTED,
    entries,
    first,
    last,
    multiDeployedWorld,
    NS,
    OUTPUTS,
    PROFILES,
    stackOps,
    STACKS,
    targetsFile,
    ws,
} from "./helpers/world";

const deployArgs = (file: string): string[] => ["deploy", "-c", "ci", "-T", file];

describe("deploy CLI: many target accounts (-T), deploy", () => {
    it("checks every profile first, sets the targets list with the profiles' accounts, ups cicd, then each target-<name> in list order with its own profile", async () => {
        const r = await cli(deployArgs(targetsFile()), baseWorld());
        expect(r.code, r.output).to.equal(0);

        // Every STS check comes first, before any stack is touched.
        expect(all(r, aws("GetCallerIdentity")).map((c: any) => c.profile)).to.deep.equal(["ci", ...PROFILES]);
        expect(last(r, aws("GetCallerIdentity"))).to.be.lessThan(first(r, ws("listStacks")));

        // The cicd config: the list with the accounts the profiles resolved to; no single-target keys.
        const cicd = configSet(r, "cicd");
        expect(Object.keys(cicd).sort()).to.deep.equal(["aws:region", `${NS}:methods`, `${NS}:targets`]);
        expect(JSON.parse(cicd[`${NS}:targets`])).to.deep.equal(EXPECTED);
        expect(cicd["aws:region"]).to.equal("eu-west-1");
        expect(all(r, ws("removeAllConfig"))).to.deep.equal([]);

        // up cicd, then target-dev, target-staging, target-prod, each configured first, with its own profile.
        expect(stackOps(r, "up")).to.deep.equal([["cicd", "ci"], ...STACKS.map((s, i) => [s, PROFILES[i]])]);
        let previous = first(r, ws("up", "cicd"));
        expect(last(r, ws("setAllConfig", "cicd"))).to.be.lessThan(previous);
        for (const stack of STACKS) {
            const select = first(r, ws("createOrSelect", stack));
            const set = first(r, ws("setAllConfig", stack));
            const up = first(r, ws("up", stack));
            expect(previous, stack).to.be.lessThan(select);
            expect(select, stack).to.be.lessThan(set);
            expect(set, stack).to.be.lessThan(up);
            expect(configSet(r, stack), stack).to.deep.equal({
                "aws:region": "eu-west-1",
                [`${NS}:cicdStack`]: `organization/${NS}/cicd`,
            });
            previous = up;
        }
        expect(r.calls.some((c: any) => c.stack === "target")).to.equal(false);
        expect(r.stdout).to.match(/target 3\/3 +prod: account 444444444444 \(profile prd\), stack target-prod/);
        expect(r.stdout).to.match(
            /workload +prod: subnet subnet-0cccccccccccccccc, security group sg-0cccccccccccccccc, manual approval first/,
        );
        expect(last(r, ws("outputs", "cicd"))).to.be.greaterThan(previous);
    });

    it("writes requireApproval only when the file sets it (false, or as a string), and waves as given", async () => {
        const list = entries();
        list[0].requireApproval = false;
        list[2].requireApproval = "true";
        list[1].wave = "pre";
        list[2].wave = "pre";
        const r = await cli(deployArgs(targetsFile(list)), baseWorld());
        expect(r.code, r.output).to.equal(0);
        const expected = EXPECTED.map((t) => ({ ...t }));
        Object.assign(expected[0], { requireApproval: false });
        Object.assign(expected[1], { wave: "pre" });
        Object.assign(expected[2], { wave: "pre" });
        expect(JSON.parse(configSet(r, "cicd")[`${NS}:targets`])).to.deep.equal(expected);
    });

    it("accepts what the stack config accepts: a target named default (its stack is target)", async () => {
        const list = entries();
        list[0].name = "default";
        const r = await cli(deployArgs(targetsFile(list)), baseWorld());
        expect(r.code, r.output).to.equal(0);
        expect(JSON.parse(configSet(r, "cicd")[`${NS}:targets`])[0].name).to.equal("default");
        expect(stackOps(r, "up")[1]).to.deep.equal(["target", "dev"]);
    });

    it("removes the single-target keys a torn-down cicd stack still has, before setting the list", async () => {
        const w = baseWorld();
        w.pulumi.stacks.cicd = {
            resources: 0,
            config: {
                "aws:region": "eu-west-1",
                [`${NS}:targetAccountId`]: "999999999999",
                [`${NS}:subnetId`]: "subnet-0123456789abcdef0",
                [`${NS}:securityGroupId`]: "sg-0123456789abcdef0",
                [`${NS}:cfnStackName`]: "OldWorkload",
            },
            outputs: {},
        };
        const r = await cli(deployArgs(targetsFile()), w);
        expect(r.code, r.output).to.equal(0);
        expect(all(r, ws("removeAllConfig")).map((c: any) => [c.stack, c.keys])).to.deep.equal([
            ["cicd", ["targetAccountId", "subnetId", "securityGroupId", "cfnStackName"].map((k) => `${NS}:${k}`)],
        ]);
        expect(first(r, ws("removeAllConfig"))).to.be.lessThan(first(r, ws("up")));
        expect(Object.keys(w.pulumi.stacks.cicd.config).sort()).to.deep.equal([
            "aws:region",
            `${NS}:methods`,
            `${NS}:targets`,
        ]);
    });

    it("also removes the single-target keys a new stack gets from Pulumi.cicd.yaml", async () => {
        const w = baseWorld();
        w.pulumi.stackFiles.cicd = {
            [`${NS}:targetAccountId`]: "222222222222",
            [`${NS}:subnetId`]: "subnet-0123456789abcdef0",
        };
        const r = await cli(deployArgs(targetsFile()), w);
        expect(r.code, r.output).to.equal(0);
        expect(all(r, ws("removeAllConfig")).map((c: any) => c.keys)).to.deep.equal([
            [`${NS}:targetAccountId`, `${NS}:subnetId`],
        ]);
    });

    it("re-runs idempotently over live stacks with the same accounts, keeping the stack's region", async () => {
        const r = await cli(deployArgs(targetsFile()), multiDeployedWorld());
        expect(r.code, r.output).to.equal(0);
        expect(configSet(r, "cicd")["aws:region"]).to.equal("eu-west-2");
        expect(JSON.parse(configSet(r, "cicd")[`${NS}:targets`])).to.deep.equal(EXPECTED);
        expect(stackOps(r, "up")).to.deep.equal([["cicd", "ci"], ...STACKS.map((s, i) => [s, PROFILES[i]])]);
    });

    it("adds a target to a live stack, and warns about a target the file drops", async () => {
        const w = multiDeployedWorld();
        const qa = {
            name: "qa",
            accountId: "555555555555",
            subnetId: "subnet-0dddddddddddddddd",
            securityGroupId: "sg-0dddddddddddddddd",
        };
        w.pulumi.stacks.cicd.config[`${NS}:targets`] = JSON.stringify([
            ...EXPECTED.filter((t) => t.name !== "prod"),
            qa,
        ]);
        const r = await cli(deployArgs(targetsFile()), w);
        expect(r.code, r.output).to.equal(0);
        expect(r.stderr).to.match(/drops the target qa \(account 555555555555\).*target-qa/);
        expect(JSON.parse(configSet(r, "cicd")[`${NS}:targets`])).to.deep.equal(EXPECTED);
        expect(stackOps(r, "up").map(([s]) => s)).to.deep.equal(["cicd", ...STACKS]);
    });

    it("with -p starts the pipelines only after the last target stack is up", async () => {
        const r = await cli([...deployArgs(targetsFile()), "-p"], baseWorld());
        expect(r.code, r.output).to.equal(0);
        const starts = all(r, aws("StartPipelineExecution"));
        expect(starts.map((c: any) => [c.input.name, c.input.variables, c.profile])).to.deep.equal([
            [OUTPUTS.terraformPipelineName, undefined, "ci"],
            [OUTPUTS.cloudFormationPipelineName, undefined, "ci"],
        ]);
        expect(first(r, aws("StartPipelineExecution"))).to.be.greaterThan(first(r, ws("up", "target-prod")));
    });
});
