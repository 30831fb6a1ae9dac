/**
 * The plan's other forms and its refusals: a fleet (examples/fleet), a target-<name> stack, the org
 * stack, a method turned off, a proof that bites, config it refuses, and the command line.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, parseCicdConfig } from "../../config";
import { exitCodeFor } from "../../scripts/plan";
import { buildPlan, planHopMatrices, planSummary, PlanUsageError } from "../../tools/offline/plan/build";
import { summaryLine } from "../../tools/offline/plan/markdown";
import { PLAN_LABEL } from "../../tools/offline/plan/types";
import { captureProgram, IamModel } from "../../tools/offline/iam/capture";
import { HOPS } from "../../tools/offline/iam/hops";
import { withoutConditionKey } from "../../tools/offline/iam/weaken";
import { proofConfig, readerOf } from "../../tools/offline/program";
import { readStackConfig } from "../../tools/offline/stackConfig";

const REPO = path.join(__dirname, "..", "..");
const FLEET = path.join(REPO, "examples", "fleet");

const rejection = async (p: Promise<unknown>): Promise<Error> => {
    try {
        await p;
    } catch (err) {
        return err as Error;
    }
    throw new Error("expected a rejection");
};

const temporary: string[] = [];
const tempDir = (prefix: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    temporary.push(dir);
    return dir;
};

/** A config directory with only the given stack config files. */
const dirWith = (files: Record<string, string>): string => {
    const dir = tempDir("plan-config-");
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
};

const TWO_TARGETS = [
    "config:",
    "  aws:region: eu-west-1",
    "  cross-account-pipeline:targets:",
    "    - { name: staging, accountId: '333333333333', subnetId: subnet-0123456789abcdef0, securityGroupId: sg-0123456789abcdef0 }",
    "    - { name: prod, accountId: '444444444444', subnetId: subnet-0123456789abcdef1, securityGroupId: sg-0123456789abcdef1, requireApproval: true }",
].join("\n");

const plan = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
    spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/plan.ts", ...args], {
        cwd: REPO,
        env,
        encoding: "utf8",
    });

describe("plan: a fleet, the other stacks, and refusals", function () {
    this.timeout(180_000);
    after(() => {
        for (const dir of temporary.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("plans the committed fleet example: every target as A, rollout by wave, critical path as the waves add up", async () => {
        const fleet = await buildPlan("cicd", { configDir: FLEET });
        const config = parseCicdConfig(readerOf(readStackConfig(FLEET, "cicd").values));
        expect(config.targets.length).to.be.at.least(50);
        const waves = [...new Set(config.targets.map((t) => t.wave))];
        expect(waves).to.have.length(8);

        // One matrix per target, each with the next target as B; every verdict as expected.
        expect(fleet.json.hopMatrices.map((m) => m.targetName)).to.deep.equal(config.targets.map((t) => t.name));
        expect(fleet.json.hopMatrices.every((m) => m.otherName !== undefined && m.otherName !== m.targetName)).to.equal(
            true,
        );
        expect(fleet.json.summary).to.include({
            hops: HOPS.length * config.targets.length,
            hopsEvaluated: HOPS.length * config.targets.length,
            hopsAllAsExpected: true,
        });

        // Per wave: plan, apply; a wave with an approval adds the approval, and a review when it has several targets.
        const stepsOf = (wave: string): number => {
            const members = config.targets.filter((t) => t.wave === wave);
            if (!members.some((t) => t.requireApproval)) return 2;
            return members.length > 1 ? 4 : 3;
        };
        const expected = 2 + waves.reduce((n, w) => n + stepsOf(w), 0);
        for (const p of fleet.json.pipelines.filter((x) => x.kind === "deploy")) {
            expect(p.criticalPath, p.name).to.equal(expected);
        }
        for (const p of fleet.json.pipelines.filter((x) => x.kind === "drift")) {
            expect(p.criticalPath, p.name).to.equal(1 + waves.length);
        }

        // Too many targets to draw resource by resource: the rollout, one box per wave, in order.
        const boxes = [...fleet.json.mermaid.matchAll(/subgraph wave_(\w+)\["wave ([^:]+): (\d+) targets?/g)];
        expect(boxes.map((b) => b[2])).to.deep.equal(waves);
        expect(boxes.map((b) => Number(b[3]))).to.deep.equal(
            waves.map((w) => config.targets.filter((t) => t.wave === w).length),
        );
        expect(fleet.json.mermaid).to.include("plan + review → approve (conditional) → apply (conditional)");
        expect(fleet.markdown).to.include("### Every other target as A");
        expect(fleet.markdown).to.include(`| Target accounts | and ${config.targets.length - 10} more`);
    });

    it("plans a target-<name> stack against its own account, with the next target as B", async () => {
        const dir = dirWith({
            "Pulumi.cicd.yaml": TWO_TARGETS,
            "Pulumi.target-prod.yaml":
                "config:\n  cross-account-pipeline:cicdStack: my-org/cross-account-pipeline/cicd\n",
        });
        const prod = await buildPlan("target-prod", { configDir: dir });
        expect(prod.json.accounts.filter((a) => a.role === "target")).to.deep.equal([
            {
                role: "target",
                accountId: "444444444444",
                stack: "target-prod",
                targetName: "prod",
                source: "from cross-account-pipeline:targets in Pulumi.cicd.yaml",
                placeholder: false,
            },
        ]);
        expect(prod.json.resources.every((r) => r.stack === "target-prod")).to.equal(true);
        expect(prod.json.resources.find((r) => r.type === "pulumi:pulumi:StackReference")!.keyInputs).to.deep.equal({
            name: "my-org/cross-account-pipeline/cicd",
        });
        expect(prod.json.hopMatrices.map((m) => [m.targetName, m.targetAccountId, m.otherName])).to.deep.equal([
            ["prod", "444444444444", "staging"],
        ]);
        expect(prod.json.summary).to.include({ hopsEvaluated: HOPS.length, hopsAllAsExpected: true });
        expect(prod.json.mermaid).to.match(
            /subgraph acct_target_prod\["Target account 444444444444 · stack target-prod \(target prod\) · this report"\]/,
        );
    });

    it("plans the org stack: the StackSet, and the roles its template creates in every account", async () => {
        const org = await buildPlan("org", { configDir: REPO });
        expect(org.json.accounts.map((a) => a.role)).to.deep.equal(["cicd", "org"]);
        const set = org.json.resources.find((r) => r.type === "aws:cloudformation/stackSet:StackSet")!;
        expect(set.keyInputs).to.include({ permissionModel: "SERVICE_MANAGED" });
        const template = JSON.parse(set.inputs.templateBody as string);
        const roles = Object.values<any>(template.Resources).filter((r) => r.Type === "AWS::IAM::Role");
        const policies = roles.reduce((n, r) => n + (r.Properties.Policies ?? []).length, 0);
        expect(roles.length).to.be.greaterThan(3);
        expect(org.json.iamDocuments.filter((d) => d.kind === "StackSet template trust policy")).to.have.length(
            roles.length,
        );
        expect(org.json.iamDocuments.filter((d) => d.kind === "StackSet template inline policy")).to.have.length(
            policies,
        );
        expect(org.json.hopMatrices).to.deep.equal([]);
        expect(org.markdown).to.include("test/org/orgIam.test.ts");
        expect(summaryLine(org.json)).to.match(
            /^plan org: \d+ resources \(1 components\), \d+ IAM documents, no hop matrix$/,
        );
    });

    it("with one method off, marks that method's hops not applicable and evaluates the rest", async () => {
        const dir = dirWith({
            "Pulumi.cicd.yaml": `${TWO_TARGETS}\n  cross-account-pipeline:methods: [terraform]\n  cross-account-pipeline:logRetentionDays: 14\n`,
        });
        const tf = await buildPlan("cicd", { configDir: dir });
        expect(
            tf.json.resources.filter((r) => r.name.startsWith("cfn-") || r.name.startsWith("cloudformation")),
        ).to.deep.equal([]);
        const rows = tf.json.hopMatrices[0].rows;
        expect(rows.find((r) => r.id === "m1-plan-assume")).to.include({ actual: "Allowed", asExpected: true });
        expect(rows.find((r) => r.id === "drift-cfn-execute")).to.include({ skipped: "methods: terraform" });
        expect(tf.json.summary.hopsAllAsExpected).to.equal(true);
        expect(tf.json.summary.hopsEvaluated).to.be.within(1, 2 * HOPS.length - 1);
    });

    it("bites: a trust policy without its aws:PrincipalArn pin is reported as hops NOT as expected", async () => {
        const model = await captureProgram(proofConfig());
        const prod = model.targets.find((t) => t.name === "prod")!;
        const deployArn = prod.contract.roles.terraformDeployRoleArn as string;
        const roles = new Map(model.roles);
        const role = roles.get(deployArn)!;
        roles.set(deployArn, { ...role, trust: withoutConditionKey(role.trust, "aws:PrincipalArn") });
        const weakened: IamModel = { ...model, roles };
        const sound = await planHopMatrices(model, ["dev", "prod"]);
        const broken = await planHopMatrices(weakened, ["dev", "prod"]);
        expect(planSummary([], [], sound).hopsAllAsExpected).to.equal(true);
        const summary = planSummary([], [], broken);
        expect(summary.hopsAllAsExpected).to.equal(false);
        // An administrator of the CI/CD account may now assume prod's deploy role; dev's principals still
        // may not (their own policies name only dev's roles).
        expect(summary.hopsNotAsExpected).to.deep.equal(["prod:outsider-cicd-admin-assume"]);
        expect(summaryLine({ stack: "cicd", summary })).to.equal(
            `plan cicd: 0 resources (0 components), 0 IAM documents, 1 of ${summary.hopsEvaluated} hops NOT as expected (prod:outsider-cicd-admin-assume)`,
        );
    });

    it("refuses an unknown stack, a missing config file (exit 2), and stops at a config error with its message (exit 1)", async () => {
        const unknown = await rejection(buildPlan("prod", { configDir: REPO }));
        expect(unknown).to.be.instanceOf(PlanUsageError);
        expect(unknown.message).to.match(
            /^Unknown stack "prod": this program has the stacks "cicd", "target", "target-<name>"/,
        );
        expect(exitCodeFor(unknown)).to.equal(2);
        const missing = await rejection(buildPlan("target-nowhere", { configDir: REPO }));
        expect(missing).to.be.instanceOf(PlanUsageError);
        expect(missing.message).to.include("No Pulumi.target-nowhere.yaml");
        expect(exitCodeFor(missing)).to.equal(2);

        const dir = dirWith({
            "Pulumi.cicd.yaml":
                "config:\n  aws:region: eu-west-1\n  cross-account-pipeline:targetAccountId: '12345'\n  cross-account-pipeline:subnetId: subnet-0123456789abcdef0\n  cross-account-pipeline:securityGroupId: sg-0123456789abcdef0\n",
        });
        const err = await rejection(buildPlan("cicd", { configDir: dir }));
        expect(err).to.be.instanceOf(ConfigError);
        expect(err.message).to.include("cross-account-pipeline:targetAccountId must be 12 digits");
        expect(exitCodeFor(err)).to.equal(1);
    });

    it("reads structured YAML config as JSON strings, and refuses secrets it cannot decrypt", () => {
        const dir = dirWith({
            "Pulumi.cicd.yaml": `${TWO_TARGETS}\n  cross-account-pipeline:logRetentionDays: 14\n  cross-account-pipeline:methods: [terraform]\n`,
            "Pulumi.target-x.yaml": "config:\n  cross-account-pipeline:token:\n    secure: v1:abc\n",
        });
        const config = readStackConfig(dir, "cicd");
        expect(config.values["cross-account-pipeline:logRetentionDays"]).to.equal("14");
        expect(config.values["cross-account-pipeline:methods"]).to.equal('["terraform"]');
        expect(JSON.parse(config.values["cross-account-pipeline:targets"])[1]).to.deep.equal({
            name: "prod",
            accountId: "444444444444",
            subnetId: "subnet-0123456789abcdef1",
            securityGroupId: "sg-0123456789abcdef1",
            requireApproval: true,
        });
        expect(() => readStackConfig(dir, "target-x")).to.throw(ConfigError, /is a secret/);
    });

    it("runs as a CLI on a clean environment (no AWS variables, no Pulumi CLI), from --config-dir, to --out", () => {
        const out = tempDir("plan-out-");
        const env = Object.fromEntries(
            Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_") && !k.startsWith("PULUMI_")),
        );
        env.PATH = [path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter);
        const dir = dirWith({ "Pulumi.cicd.yaml": TWO_TARGETS });
        const res = plan(["cicd", "--config-dir", dir, "--out", out], env);
        expect(res.status, res.stderr).to.equal(0);
        expect(res.stdout).to.include(path.join(out, "plan-cicd.md"));
        expect(res.stdout).to.match(
            /plan cicd: \d+ resources \(\d+ components\), \d+ IAM documents, \d+ hops all as expected/,
        );
        expect(fs.readFileSync(path.join(out, "plan-cicd.md"), "utf8")).to.include(`> **${PLAN_LABEL}.**`);
        const written = JSON.parse(fs.readFileSync(path.join(out, "plan-cicd.json"), "utf8"));
        expect(written).to.include({ stack: "cicd", label: PLAN_LABEL });
        expect(written.hopMatrices.map((m: any) => m.targetName)).to.deep.equal(["staging", "prod"]);
    });

    it("exits 2 with the message and no stack trace on an unknown stack or a missing --config-dir", () => {
        for (const args of [["prod"], ["cicd", "--config-dir", "/nonexistent/dir"], ["cicd", "--config-dir"]]) {
            const res = plan(args);
            expect(res.status, args.join(" ")).to.equal(2);
            expect(res.stderr.trim()).to.match(/^plan: (Unknown stack "prod"|--config-dir)/);
            expect(res.stderr).to.not.match(/\n\s+at /);
        }
    });
});
