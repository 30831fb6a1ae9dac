// The deploy CLI refuses, naming the flag or the problem, before it changes anything.
import { expect } from "chai";
import * as path from "path";
import type { World } from "./helpers/fakes";
import {
    baseWorld,
    CICD,
    cli,
    DEPLOY,
    deployedWorld,
    expectNothingChanged,
    NS,
    SG,
    SUBNET,
    TEARDOWN,
    targetsFile,
    tmpDir,
} from "./helpers/world";

describe("deploy CLI: refusals (non-zero exit, a message naming the problem, no change)", () => {
    const cases: {
        name: string;
        args: string[];
        world?: (w: World) => void;
        env?: Record<string, string | undefined>;
        code?: number;
        message: RegExp;
    }[] = [
        { name: "unknown flag", args: [...DEPLOY, "-x"], code: 2, message: /unknown option '-x'/ },
        {
            name: "flag without its value",
            args: ["deploy", "-c", "ci", "-t", "tg", "-n", SUBNET, "-g"],
            code: 2,
            message: /'-g, --security-group-id <id>' argument missing/,
        },
        { name: "stray argument", args: [...DEPLOY, "extra"], code: 2, message: /too many arguments/ },
        { name: "no command", args: ["-c", "ci"], code: 2, message: /unknown option '-c'/ },
        {
            name: "missing -c",
            args: ["deploy", "-t", "tg", "-n", SUBNET, "-g", SG],
            code: 2,
            message: /-c PROFILE is required/,
        },
        {
            name: "a flag where -c's profile should be",
            args: ["deploy", "-c", "-y", "-t", "tg", "-n", SUBNET, "-g", SG],
            code: 2,
            message: /-c needs a profile name; got '-y'/,
        },
        {
            name: "missing -t",
            args: ["deploy", "-c", "ci", "-n", SUBNET, "-g", SG],
            code: 2,
            message: /-t PROFILE is required/,
        },
        {
            name: "missing -n",
            args: ["deploy", "-c", "ci", "-t", "tg", "-g", SG],
            code: 2,
            message: /-n SUBNET_ID is required/,
        },
        {
            name: "missing -g",
            args: ["deploy", "-c", "ci", "-t", "tg", "-n", SUBNET],
            code: 2,
            message: /-g SECURITY_GROUP_ID is required/,
        },
        {
            name: "missing -t with teardown",
            args: ["teardown", "-c", "ci"],
            code: 2,
            message: /-t PROFILE is required/,
        },
        {
            name: "bad subnet",
            args: ["deploy", "-c", "ci", "-t", "tg", "-n", "subnet-XYZ", "-g", SG],
            code: 2,
            message: /-n must be 'subnet-' followed by 8 to 17 hex digits; got "subnet-XYZ"/,
        },
        {
            name: "bad security group",
            args: ["deploy", "-c", "ci", "-t", "tg", "-n", SUBNET, "-g", "sg-12"],
            code: 2,
            message: /-g must be 'sg-' followed by 8 to 17 hex digits; got "sg-12"/,
        },
        {
            name: "bad region",
            args: [...DEPLOY, "-r", "europe"],
            code: 2,
            message: /-r must be an AWS region such as eu-west-1; got "europe"/,
        },
        {
            name: "bad methods",
            args: [...DEPLOY, "-m", "terraform,cdk"],
            code: 2,
            message: /-m: .*methods must list one or both of terraform, cloudformation; got "cdk"/,
        },
        { name: "empty methods", args: [...DEPLOY, "-m", ""], code: 2, message: /-m needs a value/ },
        {
            name: "bad stack name",
            args: [...DEPLOY, "-s", "1-bad_name"],
            code: 2,
            message: /-s must be a CloudFormation stack name/,
        },
        {
            name: "bad Pulumi organization",
            args: [...DEPLOY, "-o", "a b"],
            code: 2,
            message: /-o: 'a b' is not a Pulumi organization name/,
        },
        { name: "-P with deploy", args: [...DEPLOY, "-P"], code: 2, message: /-P is only valid with teardown \(-d\)/ },
        { name: "-f with deploy", args: [...DEPLOY, "-f"], code: 2, message: /-f is only valid with teardown \(-d\)/ },
        {
            name: "-p with teardown",
            args: [...TEARDOWN, "-p"],
            code: 2,
            message: /-p cannot be combined with teardown \(-d\)/,
        },
        {
            name: "-T with -t",
            args: ["deploy", "-c", "ci", "-t", "tg", "-T", "x.json"],
            code: 2,
            message: /-T cannot be combined with -t/,
        },
        {
            name: "-s with -T",
            args: ["deploy", "-c", "ci", "-T", "x.json", "-s", "Name"],
            code: 2,
            message: /-s cannot be combined with -T/,
        },
        {
            name: "-T file that does not exist",
            args: ["deploy", "-c", "ci", "-T", "/nonexistent/targets.json"],
            code: 2,
            message: /-T: '\/nonexistent\/targets.json' is not a readable file/,
        },
        {
            name: "POLL_SECONDS that is not a number",
            args: DEPLOY,
            env: { POLL_SECONDS: "soon" },
            code: 2,
            message: /POLL_SECONDS must be a whole number of seconds; got 'soon'/,
        },
        {
            name: "bad approval policy",
            args: [...DEPLOY, "--approval-policy", "never"],
            code: 2,
            message: /--approval-policy must be one of changes, risk; got 'never'/,
        },
        {
            name: "bad drift schedule",
            args: [...DEPLOY, "--drift-schedule", "daily"],
            code: 2,
            message: /--drift-schedule must be rate\(<n> <minutes\|hours\|days>\)/,
        },
        {
            name: "-O without -A",
            args: [...DEPLOY, "-O", "r-ab12"],
            code: 2,
            message: /-O\/--org needs -A\/--org-profile PROFILE/,
        },
        {
            name: "org rollout flags outside org mode",
            args: [...DEPLOY, "--call-as", "SELF"],
            code: 2,
            message: /--call-as only apply in org mode/,
        },
        {
            name: "cicd profile that does not resolve",
            args: ["deploy", "-c", "nope", "-t", "tg", "-n", SUBNET, "-g", SG],
            message:
                /-c: profile 'nope' does not resolve to AWS credentials \(GetCallerIdentity failed: Could not resolve credentials using profile: \[nope\]/,
        },
        {
            name: "target profile that does not resolve",
            args: ["deploy", "-c", "ci", "-t", "nope", "-n", SUBNET, "-g", SG],
            message: /-t: profile 'nope' does not resolve.*aws sso login --profile nope/,
        },
        {
            name: "both profiles in the same account",
            args: DEPLOY,
            world: (w) => void (w.accounts.tg = CICD),
            message: /-c 'ci' and -t 'tg' are the same account \(111111111111\)/,
        },
        {
            name: "a target profile in another account than the live cicd stack's targetAccountId",
            args: DEPLOY,
            world: (w) =>
                void (w.pulumi.stacks.cicd = {
                    resources: 3,
                    config: { [`${NS}:targetAccountId`]: "333333333333" },
                    outputs: {},
                }),
            message: /-t 'tg' is account 222222222222, but the cicd stack deploys into .*targetAccountId=333333333333/,
        },
        {
            name: "teardown with a target profile in another account than the live cicd stack's",
            args: TEARDOWN,
            world: (w) =>
                void (w.pulumi.stacks.cicd = {
                    resources: 3,
                    config: { [`${NS}:targetAccountId`]: "333333333333" },
                    outputs: {},
                }),
            message: /targetAccountId=333333333333/,
        },
        {
            name: "a cicd profile in another account than the live cicd stack's (its cicdAccountId output)",
            args: DEPLOY,
            world: (w) => {
                Object.assign(w, { ...deployedWorld(), log: w.log });
                w.accounts.ci = "555555555555";
            },
            message: /-c 'ci' is account 555555555555, but the cicd stack is deployed in account 111111111111/,
        },
        {
            name: "-r different from the live cicd stack's region",
            args: [...DEPLOY, "-r", "us-east-1"],
            world: (w) =>
                void (w.pulumi.stacks.cicd = { resources: 3, config: { "aws:region": "eu-west-1" }, outputs: {} }),
            message: /-r us-east-1 differs from the region of the existing cicd stack \(eu-west-1\)/,
        },
        {
            name: "no region anywhere",
            args: DEPLOY,
            world: (w) => void (w.regions = {}),
            message: /no region: pass -r REGION/,
        },
        {
            name: "a live org stack (the roles come from its StackSet) with a profile form",
            args: DEPLOY,
            world: (w) => void (w.pulumi.stacks.org = { resources: 3, config: {}, outputs: {} }),
            message: /the org stack has resources: the target roles come from its StackSet/,
        },
        {
            name: "no passphrase with a file backend (not logged in)",
            args: DEPLOY,
            world: (w) => void (w.pulumi.loggedIn = false),
            env: { PULUMI_CONFIG_PASSPHRASE: undefined },
            message: /PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE/,
        },
        {
            name: "no passphrase with a file backend (logged in)",
            args: DEPLOY,
            env: { PULUMI_CONFIG_PASSPHRASE: undefined },
            message: /self-managed Pulumi backend \(file:\/\/\/somewhere\/state\) encrypts/,
        },
        {
            name: "an unreadable passphrase file",
            args: DEPLOY,
            env: { PULUMI_CONFIG_PASSPHRASE_FILE: "/nonexistent/pass" },
            message: /PULUMI_CONFIG_PASSPHRASE_FILE=\/nonexistent\/pass is not a readable file/,
        },
        {
            name: "missing pulumi CLI",
            args: DEPLOY,
            world: (w) => void (w.pulumi.missing = true),
            message: /required tool not found on PATH: pulumi/,
        },
    ];
    for (const c of cases) {
        it(c.name, async () => {
            const w = baseWorld();
            c.world?.(w);
            const r = await cli(c.args, w, { env: c.env });
            expect(r.code, r.output).to.equal(c.code ?? 1);
            expect(r.stderr).to.match(c.message);
            expectNothingChanged(r);
            if (c.code === 2) {
                expect(r.stderr).to.include("Usage:");
                expect(r.calls, "a bad command line is refused before any call").to.deep.equal([]);
            }
        });
    }

    it("checks every profile before the backend, and the backend before any stack", async () => {
        const w = baseWorld();
        w.accounts.tg = CICD;
        const r = await cli(DEPLOY, w);
        expect(r.code).to.equal(1);
        expect(r.calls.filter((c) => c.kind === "ws").map((c) => c.op)).to.deep.equal(["version"]);
    });

    it("under scripts/deploy-all.sh (--prog), names the script and points to its usage", async () => {
        const r = await cli([...DEPLOY, "-r", "europe", "--prog", "deploy-all.sh"], baseWorld());
        expect(r.code).to.equal(2);
        expect(r.stderr).to.match(/^deploy-all.sh: -r must be an AWS region/);
        expect(r.stderr).to.include("Usage: see 'deploy-all.sh -h'");
    });

    it("-h prints the usage of a command and exits 0 without any call", async () => {
        for (const command of ["deploy", "teardown", "status"]) {
            const r = await cli([command, "-h"], baseWorld());
            expect(r.code).to.equal(0);
            expect(r.stdout).to.match(new RegExp(`^Usage: deploy-cli ${command} \\[options\\]`));
            expect(r.calls).to.deep.equal([]);
        }
        const deploy = await cli(["deploy", "-h"], baseWorld());
        for (const flag of ["-c", "-t", "-T", "-n", "-g", "-s", "-r", "-m", "-o", "-p", "-O", "-A", "-y", "--json"]) {
            expect(deploy.stdout).to.include(`  ${flag}`);
        }
        const teardown = await cli(["teardown", "-h"], baseWorld());
        expect(teardown.stdout).to.match(/-P, --purge-state/);
        expect(teardown.stdout).not.to.match(/--subnet-id/);
    });

    it("--json prints one document for a malformed command line too", async () => {
        const r = await cli([...DEPLOY, "-r", "europe", "--json"], baseWorld());
        expect(r.code).to.equal(2);
        expect(JSON.parse(r.stdout)).to.deep.equal({
            command: "deploy",
            ok: false,
            error: { message: '-r must be an AWS region such as eu-west-1; got "europe"', exitCode: 2 },
            warnings: [],
        });
    });

    it("warns that deploy-only flags are ignored by teardown, and goes on", async () => {
        const r = await cli([...TEARDOWN, "-n", SUBNET, "-m", "terraform"], baseWorld());
        expect(r.code, r.output).to.equal(0);
        expect(r.stderr).to.match(/-n is ignored with teardown \(-d\)/);
        expect(r.stderr).to.match(/-m is ignored with teardown \(-d\)/);
    });

    it("resolves a relative -T path from the current directory", async () => {
        const file = targetsFile();
        const r = await cli(["deploy", "-c", "ci", "-T", path.basename(file)], baseWorld(), {
            cwd: path.dirname(file),
        });
        expect(r.code, r.output).to.equal(0);
        const elsewhere = await cli(["deploy", "-c", "ci", "-T", path.basename(file)], baseWorld(), { cwd: tmpDir() });
        expect(elsewhere.code).to.equal(2);
    });
});
