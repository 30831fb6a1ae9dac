/**
 * The offline plan of the committed stacks (Pulumi.cicd.yaml, Pulumi.target.yaml): every resource
 * and document an independent run of the program records is in the report, in both formats.
 */
import { expect } from "chai";
import * as path from "path";
import { buildPlan, PlanResult } from "../../tools/offline/plan/build";
import { parseParentUrn } from "../../tools/offline/plan/documents";
import { PLAN_LABEL } from "../../tools/offline/plan/types";
import { Recorded } from "../../tools/offline/mocks";
import { CICD_ACCOUNT, runCicd, runTarget, TARGET_ACCOUNT } from "../../tools/offline/program";
import { committedExampleConfig } from "../../tools/offline/stackConfig";
import { HOPS } from "../../tools/offline/iam/hops";

const REPO = path.join(__dirname, "..", "..");

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

const countOf = (resources: readonly Recorded[], ...types: string[]): number =>
    resources.filter((r) => types.includes(r.type)).length;

describe("plan: an offline report of what the committed stacks declare", function () {
    this.timeout(120_000);
    let cicd: PlanResult;
    let target: PlanResult;
    before(async () => {
        cicd = await buildPlan("cicd", { configDir: REPO });
        target = await buildPlan("target", { configDir: REPO });
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
        expect(cicd.json.config).to.deep.equal(committedExampleConfig());
        expect(target.json.config).to.deep.equal({
            "cross-account-pipeline:cicdStack": "organization/cross-account-pipeline/cicd",
        });
    });

    it("lists every resource of both stacks with its type, parent component and provider", async () => {
        const cicdRun = await runCicd(committedExampleConfig());
        expectEveryResource(cicd, cicdRun.mocks.resources);
        const targetRun = await runTarget(committedExampleConfig());
        expectEveryResource(target, targetRun.mocks.resources);
        const role = target.json.resources.find((r) => r.name === "terraform-deploy-role")!;
        expect(role.parent).to.include({
            type: "cross-account-pipeline:target:CrossAccountRole",
            name: "terraform-deploy",
        });
        expect(role.provider).to.equal("target");
        expect(role.accountId).to.equal(TARGET_ACCOUNT);
        expect(cicd.json.summary).to.include({
            resources: cicdRun.mocks.resources.length,
            components: cicdRun.mocks.resources.filter((r) => r.type.startsWith("cross-account-pipeline:")).length,
        });
    });

    it("picks readable key inputs (mock IDs resolved to names), and keeps every input in the JSON", () => {
        const byName = (name: string) => cicd.json.resources.find((r) => r.name === name)!;
        expect(byName("tf-plan-default-project").keyInputs).to.include({
            name: "xacct-tf-plan-default",
            image: "aws/codebuild/amazonlinux-x86_64-standard:5.0",
            privileged: "off",
            serviceRole: `xacct-tf-plan-${TARGET_ACCOUNT}`,
        });
        expect(byName("terraform-pipeline").keyInputs).to.include({ pipelineType: "V2", name: "xacct-terraform" });
        expect(byName("terraform-pipeline").keyInputs.stages).to.equal(
            "Source [S3] → ApproveDestroy [Manual] (skip unless TF_ACTION=destroy) → Plan [CodeBuild] → Apply [CodeBuild]",
        );
        expect(byName("cfn-apply-default-role").keyInputs.trustedBy).to.equal(
            `arn:aws:iam::${CICD_ACCOUNT}:role/xacct-pipeline-cloudformation (through ${CICD_ACCOUNT}, pinned by aws:PrincipalArn)`,
        );
        expect(byName("terraform-state-versioning").keyInputs).to.include({
            bucket: `xacct-tfstate-${CICD_ACCOUNT}-eu-west-1`,
            status: "Enabled",
        });
        expect(byName("cloudformation-pipeline").inputs.stages).to.be.an("array").with.length(4);
        expect(cicd.markdown).to.include("image: `aws/codebuild/amazonlinux-x86_64-standard:5.0`");
        const profile = target.json.resources.find((r) => r.name === "terraform-instance-profile")!;
        expect(profile.keyInputs).to.include({ name: "xacct-tf-instance-profile", role: "xacct-tf-instance-role" });
    });

    it("renders every IAM document: each role's trust and inline policies, the bucket and topic policies", async () => {
        const cicdRun = await runCicd(committedExampleConfig());
        const targetRun = await runTarget(committedExampleConfig());
        const documents = (rs: readonly Recorded[]): number =>
            countOf(
                rs,
                "aws:iam/role:Role",
                "aws:iam/rolePolicy:RolePolicy",
                "aws:s3/bucketPolicy:BucketPolicy",
                "aws:sns/topicPolicy:TopicPolicy",
            );
        expect(cicd.json.iamDocuments).to.have.length(documents(cicdRun.mocks.resources));
        expect(target.json.iamDocuments).to.have.length(documents(targetRun.mocks.resources));

        // The Terraform deploy role trusts only this target's apply principal, through the CI/CD root.
        const applyPrincipal = `arn:aws:iam::${CICD_ACCOUNT}:role/xacct-tf-apply-${TARGET_ACCOUNT}`;
        expect(docOf(target, "trust policy", "xacct-terraform-deploy").Statement).to.deep.equal([
            {
                Sid: "OnlyThisAccountsTerraformApplyBuild",
                Effect: "Allow",
                Action: "sts:AssumeRole",
                Principal: { AWS: `arn:aws:iam::${CICD_ACCOUNT}:root` },
                Condition: { ArnEquals: { "aws:PrincipalArn": applyPrincipal } },
            },
        ]);
        const section = target.markdown.slice(target.markdown.indexOf("### Role `xacct-terraform-deploy`"));
        expect(section).to.include("Trust policy (who may assume it)");
        expect(section).to.include(`"aws:PrincipalArn": "${applyPrincipal}"`);
        expect(section.indexOf("```json")).to.be.greaterThan(0);
        expect(docOf(target, "trust policy", "xacct-cloudformation-execution").Statement[0].Principal).to.deep.equal({
            Service: "cloudformation.amazonaws.com",
        });
        const state = docOf(cicd, "bucket policy", `xacct-tfstate-${CICD_ACCOUNT}-eu-west-1`);
        expect(state.Statement.map((s: any) => s.Sid)).to.include("DenyInsecureTransport");
        expect(docOf(cicd, "topic policy", "xacct-pipeline-notifications").Statement[0].Principal).to.deep.equal({
            Service: "codestar-notifications.amazonaws.com",
        });
        expect(cicd.markdown).to.include(`### Bucket \`xacct-artifacts-${CICD_ACCOUNT}-eu-west-1\``);
        expect(cicd.markdown).to.include("### Topic `xacct-pipeline-notifications`");
    });

    it("shows each pipeline's stages, entry conditions and critical path (cicd only)", () => {
        expect(cicd.json.pipelines.map((p) => [p.name, p.method, p.kind])).to.deep.equal([
            ["xacct-terraform", "terraform", "deploy"],
            ["xacct-terraform-drift", "terraform", "drift"],
            ["xacct-cloudformation", "cloudformation", "deploy"],
            ["xacct-cloudformation-drift", "cloudformation", "drift"],
        ]);
        const tf = cicd.json.pipelines[0];
        expect(tf.stages.map((s) => s.name)).to.deep.equal(["Source", "ApproveDestroy", "Plan", "Apply"]);
        expect(tf.stages[1].condition).to.equal("skip unless TF_ACTION=destroy");
        // Source, the destroy approval, plan, apply: one after another.
        expect(tf.criticalPath).to.equal(4);
        expect(cicd.markdown).to.include("| `xacct-terraform` | terraform deploy | 4 | 4 | 4 |");
        expect(target.json.pipelines).to.deep.equal([]);
    });

    it("evaluates every hop for the one target: all as expected, the cross-target ones not applicable", () => {
        const crossTarget = HOPS.filter((h) => h.needs?.other === true).map((h) => h.id);
        expect(crossTarget.length).to.be.greaterThan(10);
        for (const plan of [cicd, target]) {
            expect(plan.json.hopMatrices).to.have.length(1);
            const m = plan.json.hopMatrices[0];
            expect(m).to.include({ targetStack: "target", targetName: "default", targetAccountId: TARGET_ACCOUNT });
            expect(m.otherName).to.equal(undefined);
            expect(m.rows.map((r) => r.id)).to.deep.equal(HOPS.map((h) => h.id));
            expect(m.rows.filter((r) => r.skipped !== undefined).map((r) => r.id)).to.deep.equal(crossTarget);
            expect(m.rows.filter((r) => !r.asExpected)).to.deep.equal([]);
            expect(m.rows.find((r) => r.id === "m1-plan-assume")).to.include({
                expected: "Allowed",
                actual: "Allowed",
            });
            expect(plan.json.summary).to.include({
                hops: HOPS.length,
                hopsEvaluated: HOPS.length - crossTarget.length,
                hopsAllAsExpected: true,
            });
            expect(plan.markdown).to.include("**every verdict as expected**");
            expect(plan.markdown).to.include("n/a (needs a second target)");
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
            expect(mermaid).to.include('subgraph c_cicd_BuildProject_tf_plan_default["BuildProject tf-plan-default"]');
            expect(mermaid).to.include(
                'subgraph c_target_CrossAccountRole_terraform_deploy["CrossAccountRole terraform-deploy"]',
            );
            // Trust, from the captured documents: each step's own principal may assume its own role.
            expect(mermaid).to.include(
                'n_cicd_tf_apply_default_role == "may assume (cross-account)" ==> n_target_terraform_deploy_role',
            );
            expect(mermaid).to.include(
                'n_cicd_cfn_apply_default_role == "may assume (cross-account)" ==> n_target_cloudformation_deploy_role',
            );
            expect(mermaid).to.include(
                'svc_cloudformation_amazonaws_com -- "may assume" --> n_target_cloudformation_execution_role',
            );
            expect(mermaid).to.include(
                'n_cicd_terraform_pipeline -- "CodeBuild action Apply/Apply" --> n_cicd_tf_apply_default_project',
            );
            // A Commands action runs as its own role, not the pipeline's.
            expect(mermaid).to.include(
                'n_cicd_cloudformation_pipeline_Apply_Apply -. "runs as" .-> n_cicd_cfn_apply_default_role',
            );
            expect(mermaid).to.match(
                /n_target_cloudformation_deploy_role -\. "iam:PassRole to cloudformation\.amazonaws\.com" \.-> n_target_cloudformation_execution_role/,
            );
        }
        expect(cicd.json.mermaid).to.include("· stack cicd · this report");
        expect(target.json.mermaid).to.include("· stack target (target default) · this report");
    });

    it("produces JSON for tools: plain data whose summary counts what it holds", () => {
        for (const plan of [cicd, target]) {
            expect(JSON.parse(JSON.stringify(plan.json))).to.deep.equal(plan.json);
            expect(plan.json.summary.resources).to.equal(plan.json.resources.length);
            expect(plan.json.summary.iamDocuments).to.equal(plan.json.iamDocuments.length);
            expect(plan.json.summary.hops).to.equal(plan.json.hopMatrices.reduce((n, m) => n + m.rows.length, 0));
        }
    });
});
