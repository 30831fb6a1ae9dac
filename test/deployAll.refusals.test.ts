// Tests of scripts/deploy-all.sh (see test/helpers/deployAll.ts): refusals.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    CICD,
    DEPLOY,
    NS,
    SG,
    STUBS,
    SUBNET,
    Scenario,
    TEARDOWN,
    baseScenario,
    expectNothingChanged,
    run,
    tmpDirs,
} from "./helpers/deployAll";

describe("scripts/deploy-all.sh", () => {
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
            it(c.name, async () => {
                const s = baseScenario();
                c.scenario?.(s);
                const r = await run(c.args, s, { env: c.env });
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
            it(`missing ${tool} CLI`, async () => {
                const r = await run(DEPLOY, baseScenario(), { path: pathWithout(tool) });
                expect(r.status).to.not.equal(0);
                expect(r.stderr).to.match(new RegExp(`required tool\\(s\\) not found on PATH: ${tool}`));
                expectNothingChanged(r);
                expect(r.calls.filter((call) => call.tool === tool)).to.deep.equal([]);
            });
        }
    });
});
