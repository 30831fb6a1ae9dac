import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "../config";
import {
    buildPlan,
    exitCodeFor,
    PLAN_LABEL,
    PlanResult,
    PlanUsageError,
    readStackConfig,
    summaryLine,
} from "../scripts/plan";
import { parseParentUrn } from "../tools/offline/plan/report";
import { Recorded } from "../tools/offline/mocks";
import { CICD_ACCOUNT, runCicd, runTarget, TARGET_ACCOUNT } from "../tools/offline/program";
import { committedExampleConfig } from "../tools/offline/iam/capture";
import { HOPS } from "../tools/offline/iam/hops";

const REPO = path.join(__dirname, "..");

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

/** A repo root with only the given stack config files. */
const repoWith = (files: Record<string, string>): string => {
    const dir = tempDir("plan-repo-");
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
};

const docOf = (plan: PlanResult, kind: string, owner: string, policyName?: string): any => {
    const found = plan.json.iamDocuments.filter(
        (d) => d.kind === kind && d.owner.name === owner && (policyName === undefined || d.policyName === policyName),
    );
    expect(found, `${kind} of ${owner}`).to.have.length(1);
    return found[0].document;
};

/** Every resource of an independent run is in the plan, with its type and parent, in both formats. */
function expectEveryResource(plan: PlanResult, recorded: readonly Recorded[]): void {
    expect(plan.json.resources).to.have.length(recorded.length);
    for (const r of recorded) {
        const parent = r.parent === undefined ? undefined : parseParentUrn(r.parent);
        const inPlan = plan.json.resources.filter((p) => p.type === r.type && p.name === r.name);
        expect(inPlan, `${r.type} ${r.name}`).to.have.length(1);
        expect(inPlan[0].parent?.name).to.equal(parent?.name);
        expect(inPlan[0].parent?.type).to.equal(parent?.type);
        const shortParent = parent === undefined ? "—" : `${parent.type.split(":").pop()} \`${parent.name}\``;
        expect(plan.markdown).to.include(
            `| \`${r.type}\` | \`${r.name}\`${inPlan[0].component ? " (component)" : ""} | ${shortParent} |`,
        );
    }
}

describe("plan: an offline report of what a stack declares", function () {
    this.timeout(120_000);
    let cicd: PlanResult;
    let target: PlanResult;
    before(async () => {
        cicd = await buildPlan("cicd", { repoRoot: REPO });
        target = await buildPlan("target", { repoRoot: REPO });
    });
    after(() => {
        for (const dir of temporary.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("says plainly what it is: what the program declares, not a diff against live state", () => {
        for (const plan of [cicd, target]) {
            expect(plan.json.label).to.equal(PLAN_LABEL);
            expect(PLAN_LABEL).to.equal("What the program declares, not a diff against live state");
            expect(plan.markdown).to.include(`> **${PLAN_LABEL}.**`);
            expect(plan.markdown).to.include("No credentials, no Pulumi CLI, no AWS call");
            expect(plan.markdown).to.match(new RegExp(`CI/CD account \\| \`${CICD_ACCOUNT}\`: placeholder`));
            expect(plan.json.accounts.find((a) => a.role === "cicd")).to.include({
                accountId: CICD_ACCOUNT,
                placeholder: true,
            });
            expect(plan.json.accounts.find((a) => a.role === "target")).to.include({
                accountId: TARGET_ACCOUNT,
                placeholder: false,
            });
        }
        expect(cicd.json.configFiles).to.deep.equal(["Pulumi.cicd.yaml"]);
        expect(target.json.configFiles).to.deep.equal(["Pulumi.target.yaml", "Pulumi.cicd.yaml"]);
    });

    it("reads the committed config as Pulumi hands it to the program", () => {
        expect(cicd.json.config).to.deep.equal(committedExampleConfig());
        expect(target.json.config).to.deep.equal({
            "cross-account-pipeline:cicdStack": "organization/cross-account-pipeline/cicd",
        });
    });

    it("lists every resource of the cicd stack with its type and parent component", async () => {
        const run = await runCicd(committedExampleConfig());
        expectEveryResource(cicd, run.mocks.resources);
        const types = new Set(cicd.json.resources.map((r) => r.type));
        for (const t of [
            "cross-account-pipeline:cicd:ArtifactBucket",
            "cross-account-pipeline:cicd:StateBucket",
            "cross-account-pipeline:cicd:TerraformDeployer",
            "cross-account-pipeline:cicd:DeploymentPipeline",
            "cross-account-pipeline:cicd:PipelineNotifications",
            "cross-account-pipeline:cicd:PipelineTrigger",
            "aws:s3/bucket:Bucket",
            "aws:s3/bucketPolicy:BucketPolicy",
            "aws:iam/role:Role",
            "aws:iam/rolePolicy:RolePolicy",
            "aws:codebuild/project:Project",
            "aws:codepipeline/pipeline:Pipeline",
            "aws:cloudwatch/logGroup:LogGroup",
            "aws:sns/topicPolicy:TopicPolicy",
        ]) {
            expect(types, t).to.include(t);
        }
    });

    it("lists every resource of the target stack with its type and parent component", async () => {
        const run = await runTarget(committedExampleConfig());
        expectEveryResource(target, run.mocks.resources);
        const role = target.json.resources.find((r) => r.name === "terraform-deploy-role")!;
        expect(role.parent).to.include({
            type: "cross-account-pipeline:target:CrossAccountRole",
            name: "terraform-deploy",
        });
        expect(role.provider).to.equal("target");
        expect(role.accountId).to.equal(TARGET_ACCOUNT);
    });

    it("picks readable key inputs, and keeps every input in the JSON", () => {
        const byName = (name: string) => cicd.json.resources.find((r) => r.name === name)!;
        expect(byName("terraform-project").keyInputs).to.include({
            image: "aws/codebuild/amazonlinux-x86_64-standard:5.0",
            privileged: "off",
            timeout: "60 min",
            serviceRole: "xacct-codebuild-terraform",
        });
        expect(byName("terraform-pipeline").keyInputs).to.include({ pipelineType: "V2", name: "xacct-terraform" });
        expect(byName("terraform-pipeline").keyInputs.stages).to.equal(
            "Source [S3] → ApproveDestroy [Manual] (skip unless TF_ACTION=destroy) → Deploy [Terraform: CodeBuild]",
        );
        expect(byName("cloudformation-pipeline").keyInputs.stages).to.include("Deploy [CloudFormation: Commands]");
        expect(byName("terraform-logs").keyInputs).to.include({ retention: "30 days" });
        expect(byName("terraform-codebuild-role").keyInputs).to.include({ name: "xacct-codebuild-terraform" });
        // Mock IDs are shown as the bucket they stand for.
        expect(byName("terraform-state-versioning").keyInputs).to.include({
            bucket: "xacct-tfstate-111111111111-eu-west-1",
            status: "Enabled",
        });
        expect(byName("cloudformation-pipeline").inputs.stages).to.be.an("array").with.length(3);
        expect(cicd.markdown).to.include("image: `aws/codebuild/amazonlinux-x86_64-standard:5.0`");
    });

    it("renders every IAM document: trust and inline policies of each role, the bucket and topic policies", async () => {
        const run = await runCicd(committedExampleConfig());
        const count = (type: string): number => run.mocks.resources.filter((r) => r.type === type).length;
        expect(cicd.json.iamDocuments).to.have.length(
            count("aws:iam/role:Role") +
                count("aws:iam/rolePolicy:RolePolicy") +
                count("aws:s3/bucketPolicy:BucketPolicy") +
                count("aws:sns/topicPolicy:TopicPolicy"),
        );
        expect(cicd.json.summary.iamDocuments).to.equal(11);
        expect(target.json.summary.iamDocuments).to.equal(7);

        const codeBuildRoleArn = `arn:aws:iam::${CICD_ACCOUNT}:role/xacct-codebuild-terraform`;
        const trust = docOf(target, "trust policy", "xacct-terraform-deploy");
        expect(trust.Statement).to.deep.equal([
            {
                Sid: "OnlyTheTerraformCodeBuildRole",
                Effect: "Allow",
                Action: "sts:AssumeRole",
                Principal: { AWS: `arn:aws:iam::${CICD_ACCOUNT}:root` },
                Condition: { ArnEquals: { "aws:PrincipalArn": codeBuildRoleArn } },
            },
        ]);
        // Rendered as fenced JSON under the role's heading.
        const section = target.markdown.slice(target.markdown.indexOf("### Role `xacct-terraform-deploy`"));
        expect(section).to.include("Trust policy (who may assume it)");
        expect(section).to.include(`"aws:PrincipalArn": "${codeBuildRoleArn}"`);
        expect(section.indexOf("```json")).to.be.greaterThan(0);

        expect(
            docOf(target, "inline role policy", "xacct-terraform-deploy", "terraform-state").Statement.map(
                (s: any) => s.Sid,
            ),
        ).to.deep.equal(["ListStateBucket", "ReadWriteOwnState", "LockOwnState"]);
        expect(docOf(target, "trust policy", "xacct-cloudformation-execution").Statement[0].Principal).to.deep.equal({
            Service: "cloudformation.amazonaws.com",
        });
        expect(
            docOf(cicd, "bucket policy", "xacct-tfstate-111111111111-eu-west-1").Statement.map((s: any) => s.Sid),
        ).to.include("DenyInsecureTransport");
        expect(docOf(cicd, "topic policy", "xacct-pipeline-notifications").Statement[0].Principal).to.deep.equal({
            Service: "codestar-notifications.amazonaws.com",
        });
        for (const role of [
            "xacct-codebuild-terraform",
            "xacct-pipeline-terraform",
            "xacct-pipeline-cloudformation",
            "xacct-start-pipelines",
        ]) {
            docOf(cicd, "trust policy", role);
            expect(cicd.markdown).to.include(`### Role \`${role}\``);
        }
        expect(cicd.markdown).to.include("### Bucket `xacct-artifacts-111111111111-eu-west-1`");
        expect(cicd.markdown).to.include("### Topic `xacct-pipeline-notifications`");
    });

    it("evaluates every hop of the IAM proof for the stack pair: all as expected", () => {
        for (const plan of [cicd, target]) {
            expect(plan.json.hopMatrices).to.have.length(1);
            const m = plan.json.hopMatrices[0];
            expect(m).to.include({
                cicdStack: "cicd",
                targetStack: "target",
                targetName: "default",
                targetAccountId: TARGET_ACCOUNT,
            });
            expect(m.rows.map((r) => r.id)).to.deep.equal(HOPS.map((h) => h.id));
            expect(m.rows.filter((r) => !r.asExpected || r.skipped !== undefined)).to.deep.equal([]);
            expect(m.rows.find((r) => r.id === "m1-assume")).to.include({ expected: "Allowed", actual: "Allowed" });
            expect(m.rows.find((r) => r.id === "cicd-admin-assume-tf")).to.include({
                expected: "ImplicitlyDenied",
                actual: "ImplicitlyDenied",
            });
            expect(plan.json.summary).to.include({
                hops: HOPS.length,
                hopsEvaluated: HOPS.length,
                hopsAllAsExpected: true,
            });
            expect(plan.markdown).to.include("**every verdict as expected**");
            expect(plan.markdown).to.include(`${HOPS.length} hops all as expected`);
        }
    });

    it("draws a Mermaid flowchart of both accounts, the components, and the trust edges", () => {
        for (const plan of [cicd, target]) {
            const block = /```mermaid\n([\s\S]*?)\n```/.exec(plan.markdown);
            expect(block, "a mermaid block").to.not.equal(null);
            const mermaid = block![1];
            expect(mermaid).to.equal(plan.json.mermaid);
            expect(mermaid.split("\n")[0]).to.equal("flowchart LR");
            expect(mermaid).to.match(
                new RegExp(`subgraph acct_cicd\\["CI/CD account ${CICD_ACCOUNT} \\(placeholder\\)`),
            );
            expect(mermaid).to.match(new RegExp(`subgraph acct_target\\["Target account ${TARGET_ACCOUNT}`));
            expect(mermaid).to.include('subgraph c_cicd_TerraformDeployer_terraform["TerraformDeployer terraform"]');
            expect(mermaid).to.include(
                'subgraph c_target_CrossAccountRole_terraform_deploy["CrossAccountRole terraform-deploy"]',
            );
            // Trust, from the captured documents: the CodeBuild role may assume the Terraform deploy role.
            expect(mermaid).to.include(
                'n_cicd_terraform_codebuild_role == "may assume (cross-account)" ==> n_target_terraform_deploy_role',
            );
            expect(mermaid).to.include(
                'n_cicd_cloudformation_service_role == "may assume (cross-account)" ==> n_target_cloudformation_deploy_role',
            );
            expect(mermaid).to.include(
                'svc_cloudformation_amazonaws_com -- "may assume" --> n_target_cloudformation_execution_role',
            );
            expect(mermaid).to.include(
                'n_cicd_terraform_pipeline -- "CodeBuild action Deploy/Terraform" --> n_cicd_terraform_project',
            );
            expect(mermaid).to.include('n_cicd_cloudformation_pipeline -- "Commands action" --> ');
            expect(mermaid).to.match(
                /n_target_cloudformation_deploy_role -\. "iam:PassRole to cloudformation\.amazonaws\.com" \.-> n_target_cloudformation_execution_role/,
            );
        }
        expect(cicd.json.mermaid).to.include("· stack cicd · this report");
        expect(target.json.mermaid).to.include("· stack target (target default) · this report");
    });

    it("produces JSON for tools: plain data with a summary", () => {
        for (const plan of [cicd, target]) {
            expect(JSON.parse(JSON.stringify(plan.json))).to.deep.equal(plan.json);
            expect(plan.json.summary.resources).to.equal(plan.json.resources.length);
        }
        expect(cicd.json.summary).to.include({ resources: 43, components: 7 });
        expect(target.json.summary).to.include({ resources: 12, components: 3 });
    });

    it("says in its one-line summary which hops are not as expected", () => {
        const summary = { ...cicd.json.summary, hopsNotAsExpected: ["m1-assume"], hopsAllAsExpected: false };
        expect(summaryLine({ stack: "cicd", summary })).to.equal(
            "plan cicd: 43 resources (7 components), 11 IAM documents, 1 of 87 hops NOT as expected (m1-assume)",
        );
    });

    it("refuses an unknown stack, and a stack without its committed config file", async () => {
        const unknown = await rejection(buildPlan("prod", { repoRoot: REPO }));
        expect(unknown).to.be.instanceOf(PlanUsageError);
        expect(unknown.message).to.match(
            /^Unknown stack "prod": this program has the stacks "cicd", "target" and "target-<name>"/,
        );
        expect(exitCodeFor(unknown)).to.equal(2);

        const missing = await rejection(buildPlan("target-nowhere", { repoRoot: REPO }));
        expect(missing).to.be.instanceOf(PlanUsageError);
        expect(missing.message).to.include("No Pulumi.target-nowhere.yaml");
        expect(exitCodeFor(missing)).to.equal(2);
    });

    it("stops at a config error with the program's own message (exit 1)", async () => {
        const repo = repoWith({
            "Pulumi.cicd.yaml":
                "config:\n  aws:region: eu-west-1\n  cross-account-pipeline:targetAccountId: '12345'\n  cross-account-pipeline:subnetId: subnet-0123456789abcdef0\n  cross-account-pipeline:securityGroupId: sg-0123456789abcdef0\n",
        });
        const err = await rejection(buildPlan("cicd", { repoRoot: repo }));
        expect(err).to.be.instanceOf(ConfigError);
        expect(err.message).to.include("cross-account-pipeline:targetAccountId must be 12 digits");
        expect(exitCodeFor(err)).to.equal(1);
    });

    it("reads structured YAML config (lists, numbers) as JSON strings, and refuses secrets it cannot decrypt", () => {
        const repo = repoWith({
            "Pulumi.cicd.yaml": [
                "config:",
                "  aws:region: eu-west-1",
                "  cross-account-pipeline:logRetentionDays: 14",
                "  cross-account-pipeline:methods: [terraform]",
                "  cross-account-pipeline:targets:",
                "    - { name: prod, accountId: '333333333333', subnetId: subnet-0123456789abcdef0, securityGroupId: sg-0123456789abcdef0 }",
            ].join("\n"),
            "Pulumi.target-x.yaml": "config:\n  cross-account-pipeline:token:\n    secure: v1:abc\n",
        });
        const config = readStackConfig(repo, "cicd");
        expect(config.values["cross-account-pipeline:logRetentionDays"]).to.equal("14");
        expect(config.values["cross-account-pipeline:methods"]).to.equal('["terraform"]');
        expect(JSON.parse(config.values["cross-account-pipeline:targets"])).to.deep.equal([
            {
                name: "prod",
                accountId: "333333333333",
                subnetId: "subnet-0123456789abcdef0",
                securityGroupId: "sg-0123456789abcdef0",
            },
        ]);
        expect(() => readStackConfig(repo, "target-x")).to.throw(ConfigError, /is a secret/);
    });

    it("with one method off, marks that method's hops not applicable and evaluates the rest", async () => {
        const repo = repoWith({
            "Pulumi.cicd.yaml": [
                "config:",
                "  aws:region: eu-west-1",
                "  cross-account-pipeline:logRetentionDays: 14",
                "  cross-account-pipeline:methods: [terraform]",
                "  cross-account-pipeline:targets:",
                "    - { name: prod, accountId: '333333333333', subnetId: subnet-0123456789abcdef0, securityGroupId: sg-0123456789abcdef0 }",
            ].join("\n"),
        });
        const plan = await buildPlan("cicd", { repoRoot: repo });
        expect(plan.json.resources.find((r) => r.name === "terraform-logs")!.keyInputs.retention).to.equal("14 days");
        expect(plan.json.resources.filter((r) => r.name.startsWith("cloudformation"))).to.deep.equal([]);
        const rows = plan.json.hopMatrices[0].rows;
        expect(rows.find((r) => r.id === "m1-assume")).to.include({ actual: "Allowed", asExpected: true });
        expect(rows.find((r) => r.id === "m2-assume")).to.include({ skipped: "methods: terraform" });
        expect(rows.find((r) => r.id === "target-admin-assume-cfn")).to.include({ skipped: "methods: terraform" });
        expect(plan.json.summary.hopsAllAsExpected).to.equal(true);
        expect(plan.json.summary.hopsEvaluated).to.be.within(1, HOPS.length - 1);
        expect(plan.json.mermaid).to.include("Target account 333333333333 · stack target-prod (target prod)");
    });

    it("plans a target-<name> stack of a many-target config against its own account", async () => {
        const repo = repoWith({
            "Pulumi.cicd.yaml": [
                "config:",
                "  aws:region: eu-west-1",
                "  cross-account-pipeline:targets:",
                "    - name: staging",
                "      accountId: '333333333333'",
                "      subnetId: subnet-0123456789abcdef0",
                "      securityGroupId: sg-0123456789abcdef0",
                "    - name: prod",
                "      accountId: '444444444444'",
                "      subnetId: subnet-0123456789abcdef1",
                "      securityGroupId: sg-0123456789abcdef1",
                "      requireApproval: true",
            ].join("\n"),
            "Pulumi.target-prod.yaml":
                "config:\n  cross-account-pipeline:cicdStack: my-org/cross-account-pipeline/cicd\n",
        });
        const plan = await buildPlan("target-prod", { repoRoot: repo });
        expect(plan.json.accounts.filter((a) => a.role === "target")).to.deep.equal([
            {
                role: "target",
                accountId: "444444444444",
                stack: "target-prod",
                targetName: "prod",
                source: "from cross-account-pipeline:targets in Pulumi.cicd.yaml",
                placeholder: false,
            },
        ]);
        expect(plan.json.resources.find((r) => r.type === "pulumi:pulumi:StackReference")!.keyInputs).to.deep.equal({
            name: "my-org/cross-account-pipeline/cicd",
        });
        expect(plan.json.hopMatrices.map((m) => [m.targetStack, m.targetAccountId])).to.deep.equal([
            ["target-prod", "444444444444"],
        ]);
        expect(plan.json.summary.hopsAllAsExpected).to.equal(true);
        expect(plan.json.mermaid).to.match(
            /subgraph acct_target_prod\["Target account 444444444444 · stack target-prod \(target prod\) · this report"\]/,
        );
    });

    it("runs as a CLI on a clean environment: no AWS variables, no Pulumi CLI, files written to --out", () => {
        const out = tempDir("plan-out-");
        const env = Object.fromEntries(
            Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_") && !k.startsWith("PULUMI_")),
        );
        // Only node's own directory and the system's: no `pulumi` on PATH.
        env.PATH = [path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter);
        const res = spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "scripts/plan.ts", "target", "--out", out],
            {
                cwd: REPO,
                env,
                encoding: "utf8",
            },
        );
        expect(res.status, res.stderr).to.equal(0);
        const md = path.join(out, "plan-target.md");
        const json = path.join(out, "plan-target.json");
        expect(res.stdout).to.include(md);
        expect(res.stdout).to.include(
            "plan target: 12 resources (3 components), 7 IAM documents, 87 hops all as expected",
        );
        expect(fs.readFileSync(md, "utf8")).to.include(`> **${PLAN_LABEL}.**`);
        const written = JSON.parse(fs.readFileSync(json, "utf8"));
        expect(written).to.include({ stack: "target", label: PLAN_LABEL });
        expect(written.summary.hopsAllAsExpected).to.equal(true);
    });

    it("exits 2 on an unknown stack from the CLI, with the message and no stack trace", () => {
        const res = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/plan.ts", "prod"], {
            cwd: REPO,
            encoding: "utf8",
        });
        expect(res.status).to.equal(2);
        expect(res.stderr.trim()).to.match(/^plan: Unknown stack "prod"/);
        expect(res.stderr).to.not.match(/\n\s+at /);
    });
});
