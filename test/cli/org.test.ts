// Org mode (-A PROFILE, -O OU_IDS): cicd, then the org stack (the target roles as a service-managed
// StackSet) from the management account or a delegated StackSets administrator.
import { expect } from "chai";
import {
    all,
    aws,
    baseWorld,
    CICD,
    cli,
    configSet,
    deployedWorld,
    DEV,
    EXPECTED,
    expectNothingChanged,
    first,
    last,
    MGMT,
    NS,
    OUTPUTS,
    stackOps,
    STACKS,
    targetsFile,
    ws,
} from "./helpers/world";

const OU = "ou-ab12-cdef3456";
const ROOT = "r-ab12";
/** The targets file of org mode: accountId instead of profile. */
const orgEntries = (): Record<string, unknown>[] => EXPECTED.map(({ accountId, ...rest }) => ({ ...rest, accountId }));
const deployArgs = (file: string, ...more: string[]): string[] => [
    "deploy",
    "-c",
    "ci",
    "-A",
    "mgmt",
    "-O",
    `${OU},${ROOT}`,
    "-T",
    file,
    ...more,
];

function orgDeployedWorld() {
    const w = deployedWorld();
    w.pulumi.stacks = {
        cicd: {
            resources: 20,
            config: { "aws:region": "eu-west-2", [`${NS}:targets`]: JSON.stringify(EXPECTED) },
            outputs: { ...OUTPUTS, region: "eu-west-2" },
        },
        org: { resources: 3, config: {}, outputs: {} },
    };
    return w;
}

describe("deploy CLI: org mode", () => {
    it("deploys cicd with the targets' accounts, then the org stack with the org profile; no target stacks", async () => {
        const r = await cli(
            deployArgs(targetsFile(orgEntries()), "--call-as", "SELF", "--max-concurrent-percentage", "50"),
            baseWorld(),
        );
        expect(r.code, r.output).to.equal(0);
        // Only the cicd and org profiles go through STS: the targets' accounts come from the file.
        expect(all(r, aws("GetCallerIdentity")).map((c: any) => c.profile)).to.deep.equal(["ci", "mgmt"]);
        expect(JSON.parse(configSet(r, "cicd")[`${NS}:targets`])).to.deep.equal(EXPECTED);
        expect(stackOps(r, "up")).to.deep.equal([
            ["cicd", "ci"],
            ["org", "mgmt"],
        ]);
        expect(configSet(r, "org")).to.deep.equal({
            "aws:region": "eu-west-1",
            [`${NS}:cicdStack`]: `organization/${NS}/cicd`,
            [`${NS}:organizationalUnitIds`]: JSON.stringify([OU, ROOT]),
            [`${NS}:callAs`]: "SELF",
            [`${NS}:maxConcurrentPercentage`]: "50",
        });
        expect(first(r, ws("createOrSelect", "org"))).to.be.greaterThan(first(r, ws("up", "cicd")));
        expect(r.calls.some((c: any) => typeof c.stack === "string" && c.stack.startsWith("target"))).to.equal(false);
        expect(r.stdout).to.match(
            /org stack +StackSet of the target roles in ou-ab12-cdef3456, r-ab12, from account 999999999999 \(profile mgmt, callAs SELF\)/,
        );
    });

    it("refuses a management account among the targets with callAs SELF, and accepts a delegated administrator's", async () => {
        const list = orgEntries();
        list[0].accountId = MGMT;
        const r = await cli(deployArgs(targetsFile(list)), baseWorld());
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(
            /-T target dev: account 999999999999 is the account of -A 'mgmt' \(the management account with --call-as SELF\)/,
        );
        expectNothingChanged(r);
        const delegated = await cli(deployArgs(targetsFile(list), "--call-as", "DELEGATED_ADMIN"), baseWorld());
        expect(delegated.code, delegated.output).to.equal(0);
    });

    it("refuses while a target stack deployed with a profile still has resources (its roles would collide)", async () => {
        const w = baseWorld();
        w.pulumi.stacks["target-dev"] = { resources: 4, config: {}, outputs: {} };
        const r = await cli(deployArgs(targetsFile(orgEntries())), w);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(/the stack target-dev has resources \(target roles deployed with a profile\)/);
        expectNothingChanged(r);
    });

    const refusals: {
        name: string;
        args: (f: string) => string[];
        content?: unknown;
        code: number;
        message: RegExp;
    }[] = [
        {
            name: "a profile entry in org mode",
            args: (f) => deployArgs(f),
            content: [{ ...EXPECTED[0], profile: "dev" }],
            code: 1,
            message: /\[0\] has unknown field\(s\) profile; expected name, accountId/,
        },
        {
            name: "an entry without its accountId",
            args: (f) => deployArgs(f),
            content: [{ ...EXPECTED[0], accountId: undefined }],
            code: 1,
            message: /\[0\]\.accountId is missing: it must be 12 digits/,
        },
        {
            name: "a malformed accountId",
            args: (f) => deployArgs(f),
            content: [{ ...EXPECTED[0], accountId: "12" }],
            code: 1,
            message: /\[0\]\.accountId must be 12 digits, e\.g\. 123456789012; got "12"/,
        },
        {
            name: "a target in the CI/CD account",
            args: (f) => deployArgs(f),
            content: [{ ...EXPECTED[0], accountId: CICD }],
            code: 1,
            message: /-T target dev: account 111111111111 is the CI\/CD account/,
        },
        {
            name: "a bad OU id",
            args: (f) => ["deploy", "-c", "ci", "-A", "mgmt", "-O", "ou-x", "-T", f],
            code: 2,
            message:
                /-O\/--org\[0\] must be an organizational unit ID \(ou-xxxx-xxxxxxxx\) or a root ID \(r-xxxx\); got "ou-x"/,
        },
        {
            name: "an OU listed twice",
            args: (f) => ["deploy", "-c", "ci", "-A", "mgmt", "-O", `${OU},${OU}`, "-T", f],
            code: 2,
            message: /-O\/--org lists ou-ab12-cdef3456 twice/,
        },
        {
            name: "-A without -O",
            args: (f) => ["deploy", "-c", "ci", "-A", "mgmt", "-T", f],
            code: 2,
            message: /-A\/--org-profile needs -O\/--org OU_IDS/,
        },
        {
            name: "-A without -T",
            args: () => ["deploy", "-c", "ci", "-A", "mgmt", "-O", OU],
            code: 2,
            message: /-A\/--org-profile needs -T TARGETS_FILE/,
        },
        {
            name: "-A with -t",
            args: (f) => [...deployArgs(f), "-t", "tg"],
            code: 2,
            message: /-A\/--org-profile cannot be combined with -t/,
        },
        {
            name: "a bad rollout percentage",
            args: (f) => deployArgs(f, "--failure-tolerance-percentage", "101"),
            code: 2,
            message: /--failure-tolerance-percentage must be a whole percentage from 0 to 100; got '101'/,
        },
        {
            name: "a bad callAs",
            args: (f) => deployArgs(f, "--call-as", "ME"),
            code: 2,
            message: /--call-as must be one of SELF, DELEGATED_ADMIN; got 'ME'/,
        },
        {
            name: "an org profile that does not resolve",
            args: (f) => ["deploy", "-c", "ci", "-A", "nope", "-O", OU, "-T", f],
            code: 1,
            message: /-A\/--org-profile: profile 'nope' does not resolve/,
        },
    ];
    for (const c of refusals) {
        it(`refuses ${c.name}`, async () => {
            const r = await cli(c.args(targetsFile(c.content ?? orgEntries())), baseWorld());
            expect(r.code, r.output).to.equal(c.code);
            expect(r.stderr).to.match(c.message);
            expectNothingChanged(r);
        });
    }

    it("tears down: destroy runs, then the org stack with the org profile, the artifact bucket, then cicd (no -T needed)", async () => {
        const w = orgDeployedWorld();
        const r = await cli(["teardown", "-c", "ci", "-A", "mgmt"], w);
        expect(r.code, r.output).to.equal(0);
        expect(all(r, aws("StartPipelineExecution"))).to.have.length(2);
        expect(stackOps(r, "destroy")).to.deep.equal([
            ["org", "mgmt"],
            ["cicd", "ci"],
        ]);
        expect(last(r, aws("GetPipelineExecution"))).to.be.lessThan(first(r, ws("destroy", "org")));
        expect(first(r, ws("destroy", "org"))).to.be.lessThan(first(r, aws("DeleteObjects")));
        expect(last(r, aws("DeleteObjects"))).to.be.lessThan(first(r, ws("destroy", "cicd")));
        expect(r.stdout).to.match(/steps +workload destroy runs, destroy org, empty artifact bucket, destroy cicd/);
    });

    it("resumes a teardown whose org stack is already destroyed: no destroy runs", async () => {
        const w = orgDeployedWorld();
        w.pulumi.stacks.org.resources = 0;
        const r = await cli(["teardown", "-c", "ci", "-A", "mgmt"], w);
        expect(r.code, r.output).to.equal(0);
        expect(all(r, aws("StartPipelineExecution"))).to.deep.equal([]);
        expect(stackOps(r, "destroy")).to.deep.equal([["cicd", "ci"]]);
        expect(r.stdout).to.match(/Step 1\/4: the org stack is already destroyed: no workload destroy runs/);
    });

    it("a profile-mode teardown refuses while the org stack is live", async () => {
        const w = orgDeployedWorld();
        w.pulumi.stacks = {
            ...w.pulumi.stacks,
            ...Object.fromEntries(STACKS.map((s) => [s, { resources: 0, config: {}, outputs: {} }])),
        };
        const r = await cli(["teardown", "-c", "ci", "-T", targetsFile()], w);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(/the org stack has resources/);
        expectNothingChanged(r);
    });

    it("checks a -T file given to an org teardown against the live stack", async () => {
        const list = orgEntries();
        list[0].accountId = "555555555555";
        const r = await cli(["teardown", "-c", "ci", "-A", "mgmt", "-T", targetsFile(list)], orgDeployedWorld());
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(
            new RegExp(`-T target dev: account 555555555555, but the cicd stack deploys dev into account ${DEV}`),
        );
    });
});
