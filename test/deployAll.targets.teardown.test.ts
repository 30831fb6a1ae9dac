// Tests of scripts/deploy-all.sh (see test/helpers/deployAll.ts): many targets, teardown and refusals.
import { expect } from "chai";
import {
    CICD,
    DEPLOY,
    Json,
    NS,
    OUTPUTS,
    SG,
    SUBNET,
    Scenario,
    TARGET,
    callsOf,
    expectNothingChanged,
    indexOf,
    lastIndexOf,
    opt,
    run,
} from "./helpers/deployAll";
import {
    DEV,
    EXPECTED,
    Entry,
    PROFILES,
    STACKS,
    deployArgs,
    entries,
    multiDeployedScenario,
    multiScenario,
    stsProfiles,
    targetsFile,
    teardownArgs,
} from "./helpers/deployAllTargets";

describe("scripts/deploy-all.sh", () => {
    describe("many target accounts (-T TARGETS_FILE)", () => {
        describe("teardown", () => {
            it("runs the destroy runs, then destroys target-prod, target-staging, target-dev with their profiles, empties the artifact bucket, destroys cicd", async () => {
                const r = await run(teardownArgs(targetsFile()), multiDeployedScenario());
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

            it("resumes after a failure: with target-prod already destroyed, no destroy runs, then staging, dev, cicd", async () => {
                const s = multiDeployedScenario();
                s.pulumi.stacks["target-prod"].resources = 0;
                const r = await run(teardownArgs(targetsFile()), s);
                expect(r.status, r.output).to.equal(0);
                expect(callsOf(r, "aws", ["codepipeline"])).to.deep.equal([]);
                expect(callsOf(r, "pulumi", ["destroy"]).map((c) => [opt(c, "--stack"), c.profile])).to.deep.equal([
                    ["target-staging", "stg"],
                    ["target-dev", "dev"],
                    ["cicd", "ci"],
                ]);
                expect(r.stdout).to.match(/target-prod already destroyed/);
            });

            it("stops before any pulumi destroy when a workload destroy run fails", async () => {
                const s = multiDeployedScenario();
                (s.executions as Json)[OUTPUTS.terraformPipelineName] = ["InProgress", "Failed"];
                const r = await run(teardownArgs(targetsFile()), s);
                expect(r.status).to.not.equal(0);
                expect(r.stderr).to.match(/NOT destroyed/);
                expect(callsOf(r, "pulumi", ["destroy"])).to.deep.equal([]);
            });

            it("refuses, changing nothing, when the live cicd stack has a target the file does not list whose stack is not destroyed", async () => {
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
                const r = await run(teardownArgs(targetsFile()), s);
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
                it(c.name, async () => {
                    const s = multiScenario();
                    (s.accounts as Record<string, string>).tg = TARGET;
                    c.scenario?.(s);
                    const file = targetsFile(c.content ?? entries());
                    const r = await run((c.args ?? deployArgs)(file), s);
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
});
