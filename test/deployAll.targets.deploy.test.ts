// Tests of scripts/deploy-all.sh (see test/helpers/deployAll.ts): many targets, deploy.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    CICD,
    NS,
    OUTPUTS,
    REPO,
    Run,
    Scenario,
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
    });
});
