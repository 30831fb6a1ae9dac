// The policy pack as a whole: its rules, their configuration, its package, and the program passing
// every rule in every view (single target with its target stack, and three targets in two waves).
import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";
import { rules } from "../../policypack/rules";
import { check, isStackPolicy, programStacks, Res, Stacks, T, VIEWS } from "./helpers";

const PACKDIR = path.resolve(__dirname, "..", "..", "policypack");

/** The rules and their config keys with defaults: what docs/policy-pack.md documents. */
const EXPECTED: Record<string, Record<string, number>> = {
    "s3-bucket-encrypted": {},
    "s3-bucket-public-access-blocked": {},
    "s3-bucket-tls-only": {},
    "s3-state-bucket-protected": {},
    "s3-bucket-owner-enforced": {},
    "s3-bucket-no-force-destroy": {},
    "s3-bucket-policy-not-public": {},
    "iam-no-wildcard-admin": {},
    "iam-no-passrole-on-any-role": {},
    "iam-no-assume-any-role": {},
    "iam-trust-not-public": {},
    "iam-cross-account-trust-pinned": {},
    "iam-cross-account-role-session-duration": { maxSessionSeconds: 3600 },
    "iam-no-shared-deploy-principal": {},
    "codepipeline-v2": {},
    "codepipeline-no-variables-in-shell": {},
    "codepipeline-timeout-only-on-approvals": {},
    "codebuild-not-privileged": {},
    "codebuild-build-timeout": { maxMinutes: 60 },
    "codebuild-no-plaintext-secrets": {},
    "aws-quotas": {},
    "cloudwatch-log-group-retention": { minRetentionDays: 1 },
};

describe("policy pack: the pack", function () {
    let stacks: Stacks;
    before(async function () {
        this.timeout(120_000); // runs the program three times under mocks
        stacks = await programStacks();
    });

    it("has these uniquely named rules, each described, mandatory except the general forceDestroy advice", function () {
        expect(rules.map((r) => r.name)).to.deep.equal(Object.keys(EXPECTED));
        for (const r of rules) {
            expect(r.description, r.name).to.be.a("string").that.is.not.empty;
            expect(r.enforcementLevel, r.name).to.equal(
                r.name === "s3-bucket-no-force-destroy" ? "advisory" : "mandatory",
            );
        }
    });

    it("declares each threshold in configSchema: an integer with a default inside its bounds", function () {
        for (const r of rules) {
            const props = r.configSchema?.properties ?? {};
            const defaults = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, s.default]));
            expect(defaults, r.name).to.deep.equal(EXPECTED[r.name]);
            for (const [k, s] of Object.entries(props)) {
                expect(s.type, `${r.name}.${k}`).to.equal("integer");
                expect(s.description, `${r.name}.${k}`).to.be.a("string").that.is.not.empty;
                expect(s.default).to.be.within(s.minimum!, s.maximum!);
            }
        }
    });

    it("is a Node.js policy pack with its own lockfile, from the registry only", function () {
        const pkg = JSON.parse(fs.readFileSync(path.join(PACKDIR, "package.json"), "utf8"));
        expect(pkg.name).to.equal("cross-account-pipeline-policy");
        expect(pkg.version, "PolicyPack reads the version from package.json").to.be.a("string").that.is.not.empty;
        expect(pkg.dependencies).to.deep.equal({ "@pulumi/policy": "^1.21.0", "@pulumi/pulumi": "~3.248.0" });
        expect(pkg.devDependencies).to.include({ typescript: "~5.9", "ts-node": "^10.9.2" });
        const lock = JSON.parse(fs.readFileSync(path.join(PACKDIR, "package-lock.json"), "utf8"));
        expect(lock.name).to.equal(pkg.name);
        expect(lock.lockfileVersion).to.equal(3);
        expect(lock.packages[""].dependencies).to.deep.equal(pkg.dependencies);
        expect(lock.packages[""].devDependencies).to.deep.equal(pkg.devDependencies);
        for (const [name, entry] of Object.entries(lock.packages as Record<string, any>)) {
            if (name === "") continue;
            expect(entry.integrity, name).to.match(/^sha512-/);
            if (entry.resolved !== undefined)
                expect(entry.resolved, name).to.match(/^https:\/\/registry\.npmjs\.org\//);
        }
        expect(lock.packages["node_modules/@pulumi/policy"].version).to.match(/^1\.2\d\./);
        expect(fs.readFileSync(path.join(PACKDIR, "PulumiPolicy.yaml"), "utf8")).to.match(/^runtime: nodejs$/m);
    });

    it("index.ts only assembles the pack, and the tsconfig compiles ../quotas.ts (dependency-free) with it", function () {
        expect(fs.readFileSync(path.join(PACKDIR, "index.ts"), "utf8")).to.match(
            /new PolicyPack\("cross-account-pipeline", \{[\s\S]*policies: rules,\s*\}\);\s*$/,
        );
        const tsconfig = JSON.parse(fs.readFileSync(path.join(PACKDIR, "tsconfig.json"), "utf8"));
        expect(tsconfig.include).to.include("../quotas.ts");
        expect(tsconfig.compilerOptions.strict).to.equal(true);
        const quotas = fs.readFileSync(path.join(PACKDIR, "..", "quotas.ts"), "utf8");
        expect(quotas).not.to.match(/^\s*import\b|\brequire\(/m);
        expect(fs.readFileSync(path.join(PACKDIR, "quotas.ts"), "utf8")).to.match(/from "\.\.\/quotas";/);
    });

    it("keeps every source file under 400 lines, one file per domain", function () {
        const files = ["index.ts", "rules.ts", ...fs.readdirSync(PACKDIR).filter((f) => f.endsWith(".ts"))];
        const lib = fs.readdirSync(path.join(PACKDIR, "lib")).map((f) => path.join("lib", f));
        for (const f of new Set([...files, ...lib])) {
            const lines = fs.readFileSync(path.join(PACKDIR, f), "utf8").split("\n").length;
            expect(lines, f).to.be.at.most(400);
        }
        for (const domain of ["storage", "iam", "pipeline", "build", "quotas", "logs"]) {
            expect(fs.existsSync(path.join(PACKDIR, `${domain}.ts`)), domain).to.equal(true);
        }
    });

    it("the program registers the resources the rules are about", function () {
        const count = (rs: Res[], type: string) => rs.filter((r) => r.type === type).length;
        expect(count(stacks.cicd, T.bucket)).to.equal(2);
        expect(count(stacks.cicd, T.pipeline)).to.equal(4);
        expect(count(stacks.cicd, T.project)).to.equal(2);
        expect(count(stacks.fleet, T.project)).to.equal(6);
        expect(count(stacks.cicd, T.logGroup)).to.be.at.least(3);
        expect(count(stacks.cicd, T.role)).to.be.at.least(10);
        expect(count(stacks.target, T.role)).to.be.at.least(6);
        const commands = stacks.fleet
            .filter((r) => r.type === T.pipeline)
            .flatMap((r) => r.inputs.stages.flatMap((s: any) => s.actions))
            .filter((a: any) => a.provider === "Commands");
        expect(commands.map((a: any) => a.name)).to.include.members([
            "Plan-dev",
            "Apply-prod-b",
            "Drift-prod-a",
            "Review",
        ]);
    });

    describe("the program passes every rule, in every view", function () {
        for (const policy of rules) {
            it(policy.name, async function () {
                for (const [stack, resources] of Object.entries(stacks)) {
                    for (const view of VIEWS) {
                        if (!isStackPolicy(policy) && view === "aws") continue; // resource policies see inputs
                        expect(
                            await check(policy.name, resources, { view }),
                            `${stack} stack, ${view} view`,
                        ).to.deep.equal([]);
                    }
                }
            });
        }
    });
});
