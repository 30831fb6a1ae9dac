// The deploy CLI with a targets file (-T): teardown in reverse order, and the file's refusals, which
// use the stack config's own checks (config/targets.ts) and words.
import { expect } from "chai";
import type { World } from "./helpers/fakes";
import {
    all,
    aws,
    baseWorld,
    CICD,
    cli,
    DEPLOY,
    DEV,
    EXPECTED,
    Entry,
    entries,
    expectNothingChanged,
    first,
    last,
    multiDeployedWorld,
    NS,
    OUTPUTS,
    PROFILES,
    stackOps,
    STACKS,
    TARGET,
    targetsFile,
    ws,
} from "./helpers/world";

const teardownArgs = (file: string): string[] => ["teardown", "-c", "ci", "-T", file];
const QA = {
    name: "qa",
    accountId: "555555555555",
    subnetId: "subnet-0dddddddddddddddd",
    securityGroupId: "sg-0dddddddddddddddd",
};

describe("deploy CLI: many target accounts (-T), teardown", () => {
    it("runs the destroy runs, then destroys target-prod, target-staging, target-dev with their profiles, empties the artifact bucket, destroys cicd", async () => {
        const w = multiDeployedWorld();
        const r = await cli(teardownArgs(targetsFile()), w);
        expect(r.code, r.output).to.equal(0);
        expect(all(r, aws("GetCallerIdentity")).map((c: any) => c.profile)).to.deep.equal(["ci", ...PROFILES]);
        expect(
            all(r, aws("StartPipelineExecution")).map((c: any) => [c.input.name, c.input.variables[0].name, c.profile]),
        ).to.deep.equal([
            [OUTPUTS.terraformPipelineName, "TF_ACTION", "ci"],
            [OUTPUTS.cloudFormationPipelineName, "BUILD_ACTION", "ci"],
        ]);
        expect(stackOps(r, "destroy")).to.deep.equal([
            ["target-prod", "prd"],
            ["target-staging", "stg"],
            ["target-dev", "dev"],
            ["cicd", "ci"],
        ]);
        expect(last(r, aws("GetPipelineExecution"))).to.be.lessThan(first(r, ws("destroy")));
        expect(first(r, ws("destroy", "target-dev"))).to.be.lessThan(first(r, aws("DeleteObjects")));
        expect(last(r, aws("DeleteObjects"))).to.be.lessThan(first(r, ws("destroy", "cicd")));
        expect(all(r, aws("DeleteObjects")).every((c: any) => c.input.Bucket === OUTPUTS.artifactBucketName)).to.equal(
            true,
        );
        expect(all(r, aws("DeleteBucket"))).to.deep.equal([]);
        for (const st of [...STACKS, "cicd"]) expect(w.pulumi.stacks[st].resources, st).to.equal(0);
    });

    it("resumes after a failure: with target-prod already destroyed, no destroy runs, then staging, dev, cicd", async () => {
        const w = multiDeployedWorld();
        w.pulumi.stacks["target-prod"].resources = 0;
        const r = await cli(teardownArgs(targetsFile()), w);
        expect(r.code, r.output).to.equal(0);
        expect(all(r, (c: any) => c.service === "codepipeline")).to.deep.equal([]);
        expect(stackOps(r, "destroy")).to.deep.equal([
            ["target-staging", "stg"],
            ["target-dev", "dev"],
            ["cicd", "ci"],
        ]);
        expect(r.stdout).to.match(/target-prod already destroyed/);
    });

    it("stops before any pulumi destroy when a workload destroy run fails", async () => {
        const w = multiDeployedWorld();
        w.executions[OUTPUTS.terraformPipelineName] = ["InProgress", "Failed"];
        const r = await cli(teardownArgs(targetsFile()), w);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(/NOT destroyed \(that would orphan the workload in the target accounts\)/);
        expect(stackOps(r, "destroy")).to.deep.equal([]);
    });

    it("refuses, changing nothing, when the live cicd stack has a target the file does not list whose stack is not destroyed", async () => {
        const w = multiDeployedWorld();
        w.pulumi.stacks.cicd.config[`${NS}:targets`] = JSON.stringify([...EXPECTED, QA]);
        w.pulumi.stacks["target-qa"] = { resources: 4, config: {}, outputs: {} };
        const r = await cli(teardownArgs(targetsFile()), w);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(/also deploys the target qa \(account 555555555555\).*target-qa is not destroyed/);
        expectNothingChanged(r);
    });

    it("skips the destroy runs when a target the file does not list has its stack destroyed already (its roles are gone)", async () => {
        const w = multiDeployedWorld();
        w.pulumi.stacks.cicd.config[`${NS}:targets`] = JSON.stringify([...EXPECTED, QA]);
        w.pulumi.stacks["target-qa"] = { resources: 0, config: {}, outputs: {} };
        const r = await cli(teardownArgs(targetsFile()), w);
        expect(r.code, r.output).to.equal(0);
        expect(all(r, aws("StartPipelineExecution"))).to.deep.equal([]);
        expect(stackOps(r, "destroy").map(([s]) => s)).to.deep.equal([...STACKS].reverse().concat("cicd"));
    });
});

describe("deploy CLI: many target accounts (-T), refusals", () => {
    const withEntry = (i: number, change: Partial<Entry> & Record<string, unknown>): Entry[] => {
        const list = entries();
        Object.assign(list[i], change);
        return list;
    };
    const cases: {
        name: string;
        args?: (file: string) => string[];
        content?: unknown;
        world?: (w: World) => void;
        message: RegExp;
        /** Refused before any profile is checked or any pulumi command runs. */
        noCalls?: boolean;
    }[] = [
        {
            name: "not valid JSON",
            content: "[{",
            message: /-T \S+ must be a list of objects; got "\[\{"/,
            noCalls: true,
        },
        {
            name: "not a list",
            content: { name: "dev" },
            message: /must be a non-empty list of \{ name, accountId/,
            noCalls: true,
        },
        { name: "an empty list", content: [], message: /must be a non-empty list/, noCalls: true },
        {
            name: "an entry that is not an object",
            content: [...entries(), "qa"],
            message: /\[3\] must be an object \{ name, profile, subnetId/,
            noCalls: true,
        },
        {
            name: "duplicate name",
            content: withEntry(2, { name: "dev", profile: "other" }),
            message: /\[2\] \(dev\): the name dev is used twice/,
            noCalls: true,
        },
        {
            name: "duplicate profile",
            content: withEntry(2, { profile: "dev" }),
            message: /\[2\] \(prod\): profile dev is already the target dev; each target needs its own account/,
            noCalls: true,
        },
        {
            name: "bad name",
            content: withEntry(1, { name: "Staging" }),
            message:
                /\[1\]\.name must be 1 to 20 lower-case letters, digits or dashes, starting with a letter; got "Staging"/,
            noCalls: true,
        },
        {
            name: "bad subnet in an entry",
            content: withEntry(1, { subnetId: "subnet-XYZ" }),
            message: /\[1\]\.subnetId must be 'subnet-' followed by 8 to 17 hex digits; got "subnet-XYZ"/,
            noCalls: true,
        },
        {
            name: "bad security group in an entry",
            content: withEntry(2, { securityGroupId: "sg-12" }),
            message: /\[2\]\.securityGroupId must be 'sg-' followed by 8 to 17 hex digits; got "sg-12"/,
            noCalls: true,
        },
        {
            name: "an entry without a profile",
            content: withEntry(0, { profile: undefined }),
            message: /\[0\]\.profile is missing: it must be a non-empty string/,
            noCalls: true,
        },
        {
            name: "an unknown field (accountId comes from the profile)",
            content: withEntry(0, { accountId: DEV }),
            message: /\[0\] has unknown field\(s\) accountId; expected name, profile, subnetId/,
            noCalls: true,
        },
        {
            name: "bad requireApproval",
            content: withEntry(2, { requireApproval: "yes" }),
            message: /\[2\]\.requireApproval must be true or false; got "yes"/,
            noCalls: true,
        },
        {
            name: "a wave named like a target that has no wave",
            content: withEntry(2, { wave: "dev" }),
            message: /\[2\] \(prod\) joins the wave "dev", which is also the name of the target dev/,
            noCalls: true,
        },
        {
            name: "duplicate account",
            world: (w) => void (w.accounts.prd = DEV),
            message:
                /-T targets dev \(profile 'dev'\) and prod \(profile 'prd'\) are the same account \(222222222222\)/,
        },
        {
            name: "a target in the CI/CD account",
            world: (w) => void (w.accounts.stg = CICD),
            message: /-T target staging: profile 'stg' is the CI\/CD account \(111111111111/,
        },
        {
            name: "a profile that does not resolve",
            content: withEntry(1, { profile: "nope" }),
            message: /-T target staging: profile 'nope' does not resolve/,
        },
        {
            name: "a profile in another account than the live cicd stack has for that target",
            world: (w) => {
                const live = EXPECTED.map((t) => (t.name === "prod" ? { ...t, accountId: "555555555555" } : t));
                w.pulumi.stacks.cicd = {
                    resources: 9,
                    config: { [`${NS}:targets`]: JSON.stringify(live) },
                    outputs: {},
                };
            },
            message:
                /-T target prod: profile 'prd' is account 444444444444, but the cicd stack deploys prod into account 555555555555/,
        },
        {
            name: "teardown with a profile in another account than the live cicd stack has for that target",
            args: teardownArgs,
            world: (w) => {
                const live = EXPECTED.map((t) => (t.name === "dev" ? { ...t, accountId: "555555555555" } : t));
                w.pulumi.stacks.cicd = {
                    resources: 9,
                    config: { [`${NS}:targets`]: JSON.stringify(live) },
                    outputs: {},
                };
            },
            message:
                /-T target dev: profile 'dev' is account 222222222222, but the cicd stack deploys dev into account 555555555555/,
        },
        {
            name: "a live cicd stack of the single-target form",
            world: (w) =>
                void (w.pulumi.stacks.cicd = {
                    resources: 9,
                    config: { [`${NS}:targetAccountId`]: TARGET },
                    outputs: {},
                }),
            message: /deployed with the single-target form \(cross-account-pipeline:targetAccountId=222222222222\)/,
        },
        {
            name: "-t over a cicd stack of the multi-target form, even a torn-down one",
            args: () => DEPLOY,
            world: (w) =>
                void (w.pulumi.stacks.cicd = {
                    resources: 0,
                    config: { [`${NS}:targets`]: JSON.stringify(EXPECTED) },
                    outputs: {},
                }),
            message: /uses the multi-target form .* with -T TARGETS_FILE instead of -t/,
        },
        {
            name: "a live cicd stack whose targets config cannot be read",
            world: (w) =>
                void (w.pulumi.stacks.cicd = { resources: 9, config: { [`${NS}:targets`]: "[{}]" }, outputs: {} }),
            message: /cannot read the cicd stack's cross-account-pipeline:targets\[0\]\.name is missing/,
        },
    ];
    for (const c of cases) {
        it(c.name, async () => {
            const w = baseWorld();
            c.world?.(w);
            const r = await cli(
                (c.args ?? ((f) => ["deploy", "-c", "ci", "-T", f]))(targetsFile(c.content ?? entries())),
                w,
            );
            expect(r.code, r.output).to.equal(1);
            expect(r.stderr).to.match(c.message);
            expectNothingChanged(r);
            if (c.noCalls) expect(r.calls, JSON.stringify(r.calls)).to.deep.equal([]);
        });
    }
});
