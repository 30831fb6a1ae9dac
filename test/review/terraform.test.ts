/**
 * The risk classifier (review/classify.js) on Terraform plans from test/fixtures/review, written from the
 * documented `terraform show -json` format.
 */
import { expect } from "chai";
import { classifyTerraformPlan } from "../../review/classify";
import { fixture, tf, fired, detailOf } from "./helpers";

describe("review/classify: Terraform plans", () => {
    it("a no-op plan has no changes; drift is reported, not judged", () => {
        const r = tf("tf-noop.json");
        expect(r.kind).to.equal("terraform");
        expect(r.noChanges).to.equal(true);
        expect(r.changes).to.deep.equal({ add: 0, change: 0, destroy: 0, replace: 0 });
        expect(r.resources).to.deep.equal([]);
        expect(r.risks).to.deep.equal([]);
        expect(r.drift).to.deep.equal(["aws_instance.workload"]);
    });

    it("a plan of only reads (data sources) has no changes", () => {
        const plan = fixture("tf-noop.json");
        plan.resource_changes = [
            {
                address: "data.aws_ssm_parameter.ami",
                mode: "data",
                type: "aws_ssm_parameter",
                name: "ami",
                change: { actions: ["read"], before: null, after: { name: "/aws/service/x" }, after_unknown: {} },
                action_reason: "read_because_config_unknown",
            },
        ];
        expect(classifyTerraformPlan(plan).noChanges).to.equal(true);
    });

    it("creating the workload: four adds; the new role, its attachment and the profile broaden", () => {
        const r = tf("tf-create-workload.json");
        expect(r.noChanges).to.equal(false);
        expect(r.changes).to.deep.equal({ add: 4, change: 0, destroy: 0, replace: 0 });
        expect(r.destroyed).to.deep.equal([]);
        expect(r.replaced).to.deep.equal([]);
        expect(fired(r)).to.deep.equal([
            "permissions-broadening aws_iam_instance_profile.instance",
            "permissions-broadening aws_iam_role.instance",
            "permissions-broadening aws_iam_role_policy_attachment.ssm_core",
        ]);
        expect(detailOf(r, "aws_iam_role.instance")).to.contain(
            "trust policy: allows sts:AssumeRole on * to Service:ec2.amazonaws.com",
        );
        expect(detailOf(r, "aws_iam_role_policy_attachment.ssm_core")).to.equal(
            "attaches arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore to role xacct-dev-instance-role",
        );
        expect(detailOf(r, "aws_iam_instance_profile.instance")).to.equal("attaches role xacct-dev-instance-role");
        expect(r.resources.map((x) => x.action)).to.deep.equal(["create", "create", "create", "create"]);
    });

    it("a role policy that widens s3:GetObject to s3:* and adds the bucket is broadening", () => {
        const r = tf("tf-policy-broadening.json");
        expect(r.changes).to.deep.equal({ add: 0, change: 1, destroy: 0, replace: 0 });
        expect(fired(r)).to.deep.equal(["permissions-broadening aws_iam_role_policy.artifacts"]);
        expect(r.risks[0].detail).to.equal(
            "policy: allows s3:* on arn:aws:s3:::xacct-dev-artifacts/*; policy: allows s3:* on arn:aws:s3:::xacct-dev-artifacts",
        );
    });

    it("a role policy that drops an action, shrinks the resource and adds a condition is not broadening", () => {
        const r = tf("tf-policy-narrowing.json");
        expect(r.changes).to.deep.equal({ add: 0, change: 1, destroy: 0, replace: 0 });
        expect(r.risks).to.deep.equal([]);
    });

    it("replacing the instance is a stateful deletion, with the path that forced it", () => {
        const r = tf("tf-instance-replace.json");
        expect(r.changes).to.deep.equal({ add: 0, change: 0, destroy: 0, replace: 1 });
        expect(r.replaced).to.deep.equal(["aws_instance.workload"]);
        expect(r.destroyed).to.deep.equal([]);
        expect(r.resources).to.deep.equal([
            { resource: "aws_instance.workload", type: "aws_instance", action: "replace" },
        ]);
        expect(r.risks).to.deep.equal([
            {
                class: "stateful-deletion",
                resource: "aws_instance.workload",
                detail: "replaced; forced by ami; reason: replace_because_cannot_update",
            },
        ]);
    });

    it("a destroy plan lists every address; only the instance is stateful; deleting IAM is not broadening", () => {
        const r = tf("tf-destroy.json");
        expect(r.changes).to.deep.equal({ add: 0, change: 0, destroy: 4, replace: 0 });
        expect(r.destroyed).to.deep.equal([
            "aws_iam_instance_profile.instance",
            "aws_iam_role.instance",
            "aws_iam_role_policy_attachment.ssm_core",
            "aws_instance.workload",
        ]);
        expect(r.risks).to.deep.equal([
            { class: "stateful-deletion", resource: "aws_instance.workload", detail: "destroyed" },
        ]);
    });

    it("an ingress from 0.0.0.0/0 added to a security group, and a ::/0 ingress rule created, open the network", () => {
        const r = tf("tf-sg-open.json");
        expect(r.risks).to.deep.equal([
            {
                class: "network-opening",
                resource: "aws_security_group.workload",
                detail: "ingress from 0.0.0.0/0 (tcp 22)",
            },
            {
                class: "network-opening",
                resource: "aws_vpc_security_group_ingress_rule.https_v6",
                detail: "ingress from ::/0 (tcp 443)",
            },
        ]);
    });

    it("a group that already allowed 0.0.0.0/0 on 443, a private ingress and an open egress do not open it", () => {
        const r = tf("tf-sg-already-open.json");
        expect(r.changes).to.deep.equal({ add: 1, change: 1, destroy: 0, replace: 0 });
        expect(r.risks).to.deep.equal([]);
    });

    it("an ingress CIDR unknown until apply is network opening (conservative)", () => {
        const plan = fixture("tf-sg-open.json");
        const sg = plan.resource_changes[0].change;
        sg.after.ingress[1].cidr_blocks = [];
        sg.after_unknown = { ingress: [{}, { cidr_blocks: true }] };
        expect(classifyTerraformPlan(plan).risks.map((k) => `${k.resource}: ${k.detail}`)).to.deep.equal([
            "aws_security_group.workload: ingress CIDR unknown until apply (tcp 22)",
            "aws_vpc_security_group_ingress_rule.https_v6: ingress from ::/0 (tcp 443)",
        ]);
    });

    it("a trust policy that gains an account principal is broadening, naming the principal", () => {
        const r = tf("tf-trust-principal.json");
        expect(r.risks).to.deep.equal([
            {
                class: "permissions-broadening",
                resource: "aws_iam_role.deploy",
                detail: "trust policy: allows sts:AssumeRole on * to AWS:arn:aws:iam::222222222222:root",
            },
        ]);
    });

    it("an added iam:PassRole is broadening and marked as PassRole", () => {
        const r = tf("tf-passrole.json");
        expect(r.risks).to.deep.equal([
            {
                class: "permissions-broadening",
                resource: "aws_iam_role_policy.deployer",
                detail: "policy: allows iam:PassRole on arn:aws:iam::111111111111:role/xacct-dev-instance-role [iam:PassRole]",
            },
        ]);
    });

    it("resources with a local-exec provisioner (root and module instance) are code execution", () => {
        const r = tf("tf-local-exec.json");
        expect(r.changes).to.deep.equal({ add: 1, change: 0, destroy: 0, replace: 1 });
        expect(r.risks).to.deep.equal([
            {
                class: "code-execution",
                resource: "terraform_data.bootstrap",
                detail: "local-exec provisioner runs on the build host during apply (command: ./scripts/seed-parameters.sh)",
            },
            {
                class: "code-execution",
                resource: "module.tools.null_resource.notify[0]",
                detail: "local-exec provisioner runs on the build host during apply",
            },
        ]);
    });

    it("a policy unknown until apply is broadening (conservative)", () => {
        const r = tf("tf-unknown-policy.json");
        expect(fired(r)).to.deep.equal(["permissions-broadening aws_iam_role_policy.reports"]);
        expect(r.risks[0].detail).to.equal("policy: unknown until apply; attaches role xacct-dev-instance-role");
    });

    it("a bucket policy that drops its Deny is broadening; keeping the Deny is not", () => {
        const allowRead = {
            Sid: "ReadFromPipeline",
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::999999999999:role/xacct-cicd-pipeline" },
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::xacct-dev-artifacts/*",
        };
        const denyInsecure = {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: ["arn:aws:s3:::xacct-dev-artifacts", "arn:aws:s3:::xacct-dev-artifacts/*"],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        };
        const doc = (...s: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: s });
        const planWith = (after: string) => ({
            format_version: "1.2",
            resource_changes: [
                {
                    address: "aws_s3_bucket_policy.artifacts",
                    mode: "managed",
                    type: "aws_s3_bucket_policy",
                    name: "artifacts",
                    change: {
                        actions: ["update"],
                        before: {
                            bucket: "xacct-dev-artifacts",
                            id: "xacct-dev-artifacts",
                            policy: doc(allowRead, denyInsecure),
                        },
                        after: { bucket: "xacct-dev-artifacts", id: "xacct-dev-artifacts", policy: after },
                        after_unknown: {},
                    },
                },
            ],
        });
        const dropped = classifyTerraformPlan(planWith(doc(allowRead)));
        expect(dropped.risks.map((k) => k.detail)).to.deep.equal([
            "bucket policy: drops Deny s3:* on arn:aws:s3:::xacct-dev-artifacts to *; bucket policy: drops Deny s3:* on arn:aws:s3:::xacct-dev-artifacts/* to *",
        ]);
        const kept = classifyTerraformPlan(planWith(doc(denyInsecure, { ...allowRead, Sid: "Renamed" })));
        expect(kept.risks).to.deep.equal([]);
    });

    it("refuses what is not a plan: a state file, an unsupported format_version, a non-object", () => {
        expect(() => classifyTerraformPlan({ format_version: "1.0", values: { root_module: {} } })).to.throw(
            TypeError,
            /not a plan/,
        );
        expect(() => classifyTerraformPlan({ format_version: "2.0", resource_changes: [] })).to.throw(
            TypeError,
            /format_version/,
        );
        expect(() => classifyTerraformPlan([])).to.throw(TypeError);
    });
});
