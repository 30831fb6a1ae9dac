// Tests of scripts/deploy-all.sh (see test/helpers/deployAll.ts): many targets, deploy.
import { expect } from "chai";
import * as path from "path";
import { NS, OUTPUTS, REPO, callsOf, configSets, indexOf, lastIndexOf, opt, run } from "./helpers/deployAll";
import {
    EXPECTED,
    PROFILES,
    STACKS,
    deployArgs,
    entries,
    multiDeployedScenario,
    multiScenario,
    stsProfiles,
    targetsFile,
} from "./helpers/deployAllTargets";

describe("scripts/deploy-all.sh", () => {
    describe("many target accounts (-T TARGETS_FILE)", () => {
        describe("deploy", () => {
            it("checks every profile first, sets the targets list with the profiles' accounts, ups cicd, then each target-<name> in list order with its own profile", async () => {
                const r = await run(deployArgs(targetsFile()), multiScenario());
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

            it("accepts a relative TARGETS_FILE path, and requireApproval false or as a string", async () => {
                const list = entries();
                list[0].requireApproval = false;
                list[2].requireApproval = "true";
                const file = targetsFile(list);
                const r = await run(deployArgs(path.relative(REPO, file)), multiScenario());
                expect(r.status, r.output).to.equal(0);
                const expected = EXPECTED.map((t) => ({ ...t }));
                Object.assign(expected[0], { requireApproval: false });
                expect(JSON.parse(configSets(r, "cicd")[`${NS}:targets`])).to.deep.equal(expected);
            });

            it("removes the single-target keys a torn-down cicd stack still has, before up", async () => {
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
                const r = await run(deployArgs(targetsFile()), s);
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

            it("re-runs idempotently over live stacks with the same accounts, keeping the stack's region", async () => {
                const r = await run(deployArgs(targetsFile()), multiDeployedScenario());
                expect(r.status, r.output).to.equal(0);
                expect(configSets(r, "cicd")["aws:region"]).to.equal("eu-west-2");
                expect(JSON.parse(configSets(r, "cicd")[`${NS}:targets`])).to.deep.equal(EXPECTED);
                expect(callsOf(r, "pulumi", ["up"]).map((c) => [opt(c, "--stack"), c.profile])).to.deep.equal([
                    ["cicd", "ci"],
                    ...STACKS.map((st, i) => [st, PROFILES[i]]),
                ]);
            });

            it("adds a target to a live stack, and warns about a target the file drops", async () => {
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
                const r = await run(deployArgs(targetsFile()), s);
                expect(r.status, r.output).to.equal(0);
                expect(r.stderr).to.match(/drops the target qa \(account 555555555555\).*target-qa/);
                expect(JSON.parse(configSets(r, "cicd")[`${NS}:targets`])).to.deep.equal(EXPECTED);
                expect(callsOf(r, "pulumi", ["up"]).map((c) => opt(c, "--stack"))).to.deep.equal(["cicd", ...STACKS]);
            });

            it("with -p starts the pipelines only after the last target stack is up", async () => {
                const r = await run([...deployArgs(targetsFile()), "-p"], multiScenario());
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
    });
});
