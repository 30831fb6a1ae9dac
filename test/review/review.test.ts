/**
 * The deployment-review risk classifier (review/classify.js): Terraform plans and CloudFormation change
 * sets from test/fixtures/review (written from the documented `terraform show -json` and
 * DescribeChangeSet formats), the summary line, the report, the approval decision, and the CLI as the
 * pipeline runs it.
 */
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    classifyChangeSet,
    classifyTerraformPlan,
    globCovers,
    policyBroadening,
    type Review,
    type Risk,
} from "../../review/classify";
import { approvalDecision, renderReport, summaryLine } from "../../review/report";

const FIXTURES = path.join(__dirname, "..", "fixtures", "review");
const CLASSIFY = path.join(__dirname, "..", "..", "review", "cli.js");
const fixture = (name: string): any => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8"));
const tf = (name: string): Review => classifyTerraformPlan(fixture(name));
const cfn = (name: string): Review => classifyChangeSet(fixture(name));
/** class + resource of each risk, in order. */
const fired = (r: Review): string[] => r.risks.map((k) => `${k.class} ${k.resource}`);
const detailOf = (r: Review, resource: string): string => r.risks.find((k) => k.resource === resource)?.detail ?? "";

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

describe("review/classify: CloudFormation change sets", () => {
    it("an empty change set (the FAILED 'didn't contain changes' one) has no changes", () => {
        const r = cfn("cfn-empty.json");
        expect(r.kind).to.equal("cloudformation");
        expect(r.noChanges).to.equal(true);
        expect(r.changes).to.deep.equal({ add: 0, change: 0, destroy: 0, replace: 0 });
        expect(r.risks).to.deep.equal([]);
    });

    it("a change set that FAILED for another reason is refused", () => {
        const failed = { ...fixture("cfn-empty.json"), StatusReason: "Template format error: unsupported structure." };
        expect(() => classifyChangeSet(failed)).to.throw(TypeError, /FAILED: Template format error/);
    });

    it("adding the workload: three adds; the new role and the instance profile broaden", () => {
        const r = cfn("cfn-add-workload.json");
        expect(r.changes).to.deep.equal({ add: 3, change: 0, destroy: 0, replace: 0 });
        expect(fired(r)).to.deep.equal([
            "permissions-broadening InstanceProfile",
            "permissions-broadening InstanceRole",
        ]);
        expect(detailOf(r, "InstanceRole")).to.equal(
            "trust policy: allows sts:AssumeRole on * to Service:ec2.amazonaws.com; attaches managed policy arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        );
        expect(detailOf(r, "InstanceProfile")).to.equal("attaches role xacct-dev-instance-role");
    });

    it("Modify with Replacement True on AWS::EC2::Instance is a stateful deletion", () => {
        const r = cfn("cfn-instance-replace.json");
        expect(r.changes).to.deep.equal({ add: 0, change: 0, destroy: 0, replace: 1 });
        expect(r.replaced).to.deep.equal(["Instance"]);
        expect(r.risks).to.deep.equal([
            { class: "stateful-deletion", resource: "Instance", detail: "replaced; PolicyAction ReplaceAndDelete" },
        ]);
    });

    it("Replacement Conditional counts as a replacement; Remove of a bucket is a deletion even when retained", () => {
        const cs = fixture("cfn-instance-replace.json");
        cs.Changes[0].ResourceChange.Replacement = "Conditional";
        cs.Changes.push({
            Type: "Resource",
            ResourceChange: {
                PolicyAction: "Retain",
                Action: "Remove",
                LogicalResourceId: "ReportsBucket",
                PhysicalResourceId: "xacct-dev-reports-1a2b3c",
                ResourceType: "AWS::S3::Bucket",
                Scope: [],
                Details: [],
                BeforeContext: JSON.stringify({ Properties: { BucketName: "xacct-dev-reports-1a2b3c" } }),
            },
        });
        const r = classifyChangeSet(cs);
        expect(r.changes).to.deep.equal({ add: 0, change: 0, destroy: 1, replace: 1 });
        expect(r.destroyed).to.deep.equal(["ReportsBucket"]);
        expect(r.resources.map((x) => x.action)).to.deep.equal(["replace (conditional)", "delete"]);
        expect(r.risks.map((k) => k.detail)).to.deep.equal([
            "may be replaced (Replacement Conditional); PolicyAction ReplaceAndDelete",
            "removed; PolicyAction Retain",
        ]);
    });

    it("an inline role policy that adds s3:PutObject and a bucket (BeforeContext/AfterContext) is broadening", () => {
        const r = cfn("cfn-role-broadening.json");
        expect(r.changes).to.deep.equal({ add: 0, change: 1, destroy: 0, replace: 0 });
        expect(r.risks).to.deep.equal([
            {
                class: "permissions-broadening",
                resource: "InstanceRole",
                detail:
                    "inline policy: allows s3:GetObject on arn:aws:s3:::xacct-shared-data/*; " +
                    "inline policy: allows s3:PutObject on arn:aws:s3:::xacct-dev-artifacts/*; " +
                    "inline policy: allows s3:PutObject on arn:aws:s3:::xacct-shared-data/*",
            },
        ]);
    });

    it("an inline role policy that drops an action and adds a condition is not broadening", () => {
        const r = cfn("cfn-role-narrowing.json");
        expect(r.changes).to.deep.equal({ add: 0, change: 1, destroy: 0, replace: 0 });
        expect(r.risks).to.deep.equal([]);
    });

    it("without property values a Modify of a role is treated as broadening", () => {
        const cs = fixture("cfn-role-narrowing.json");
        delete cs.Changes[0].ResourceChange.BeforeContext;
        delete cs.Changes[0].ResourceChange.AfterContext;
        expect(classifyChangeSet(cs).risks.map((k) => k.detail)).to.deep.equal([
            "property values not in the change set (describe it with --include-property-values); treated as broadening",
        ]);
    });

    it("a security group gaining an ingress from 0.0.0.0/0 opens the network", () => {
        const r = cfn("cfn-sg-open.json");
        expect(r.risks).to.deep.equal([
            { class: "network-opening", resource: "WorkloadSecurityGroup", detail: "ingress from 0.0.0.0/0 (tcp 22)" },
        ]);
    });

    it("a custom resource and a Lambda function being added are code execution", () => {
        const r = cfn("cfn-custom-resource.json");
        expect(fired(r)).to.deep.equal(["code-execution AmiLookupFunction", "code-execution AmiLookup"]);
        expect(detailOf(r, "AmiLookup")).to.contain("Create request");
    });
});

describe("review/classify: the policy diff", () => {
    it("glob containment: a literal wildcard in the narrow glob is only covered by *", () => {
        expect(globCovers("s3:get*", "s3:getobject")).to.equal(true);
        expect(globCovers("s3:get*", "s3:get*")).to.equal(true);
        expect(globCovers("s3:getobject", "s3:get*")).to.equal(false);
        expect(globCovers("s3:*", "*")).to.equal(false);
        expect(globCovers("a?c", "abc")).to.equal(true);
        expect(globCovers("a?c", "a*c")).to.equal(false);
        expect(globCovers("arn:aws:s3:::b/*", "arn:aws:s3:::b/logs/?")).to.equal(true);
    });

    it("NotAction gains everything; a before NotAction covers only the identical statement", () => {
        const notIam = { Effect: "Allow", NotAction: "iam:*", Resource: "*" };
        expect(
            policyBroadening(
                [{ Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] }],
                [{ Statement: notIam }],
            ),
        ).to.deep.equal(["allows * on * (NotAction/NotResource/NotPrincipal: treated as broad)"]);
        expect(policyBroadening([{ Statement: [notIam] }], [{ Statement: { ...notIam, Sid: "Same" } }])).to.deep.equal(
            [],
        );
        expect(
            policyBroadening(
                [{ Statement: [notIam] }],
                [{ Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: "*" } }],
            ),
        ).to.deep.equal(["allows s3:GetObject on *"]);
    });

    it("removing a condition or loosening its values is broadening; tightening is not", () => {
        const s = (cond?: object) => ({
            Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*", Condition: cond }],
        });
        const two = { StringEquals: { "aws:PrincipalAccount": ["111111111111", "222222222222"] } };
        const one = { StringEquals: { "aws:PrincipalAccount": "111111111111" } };
        expect(policyBroadening([s(one)], [s()])).to.deep.equal([
            "allows s3:GetObject on * with fewer or looser conditions",
        ]);
        expect(policyBroadening([s(one)], [s(two)])).to.have.length(1);
        expect(policyBroadening([s(two)], [s(one)])).to.deep.equal([]);
        expect(policyBroadening([s()], [s(one)])).to.deep.equal([]);
    });

    it("an account principal covers that account's roles; actions compare case-insensitively", () => {
        const trust = (aws: string, action = "sts:AssumeRole") => ({
            Statement: [{ Effect: "Allow", Principal: { AWS: aws }, Action: action }],
        });
        expect(
            policyBroadening([trust("111111111111")], [trust("arn:aws:iam::111111111111:role/x", "STS:assumerole")]),
        ).to.deep.equal([]);
        expect(policyBroadening([trust("arn:aws:iam::111111111111:role/x")], [trust("111111111111")])).to.deep.equal([
            "allows sts:AssumeRole on * to AWS:arn:aws:iam::111111111111:root",
        ]);
    });

    it("a document that is not JSON is treated as broadening", () => {
        expect(policyBroadening([], ['{"Statement": ['])).to.deep.equal([
            "a policy document is not valid JSON (treated as broadening)",
        ]);
    });
});

describe("review/classify: the broadening verdict agrees with @cloud-copilot/iam-simulate", () => {
    const account = "111111111111";
    const roleArn = `arn:aws:iam::${account}:role/xacct-dev-instance-role`;
    const simulate = async (policy: string, action: string, resource: string, context: Record<string, string>) => {
        const simulation: Simulation = {
            request: {
                principal: `arn:aws:sts::${account}:assumed-role/xacct-dev-instance-role/review`,
                action,
                resource: { resource, accountId: account },
                contextVariables: {
                    "aws:PrincipalArn": roleArn,
                    "aws:PrincipalAccount": account,
                    "aws:SecureTransport": "true",
                    ...context,
                },
            },
            identityPolicies: [{ name: "artifacts", policy: JSON.parse(policy) }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
        };
        const response = await runSimulation(simulation, { simulationMode: "Strict" });
        if (response.resultType !== "single") throw new Error(`unexpected simulation: ${JSON.stringify(response)}`);
        return response.overallResult;
    };
    const policies = (name: string): { before: string; after: string } => {
        const change = fixture(name).resource_changes[0].change;
        return { before: change.before.policy, after: change.after.policy };
    };

    it("broadening: the after policy allows s3:PutObject that the before policy did not", async () => {
        const { before, after } = policies("tf-policy-broadening.json");
        expect(tf("tf-policy-broadening.json").risks[0].class).to.equal("permissions-broadening");
        const object = "arn:aws:s3:::xacct-dev-artifacts/releases/app.zip";
        expect(await simulate(after, "s3:PutObject", object, {})).to.equal("Allowed");
        expect(await simulate(before, "s3:PutObject", object, {})).to.equal("ImplicitlyDenied");
    });

    it("narrowing: what the after policy allows, the before allowed; the reverse does not hold", async () => {
        const { before, after } = policies("tf-policy-narrowing.json");
        expect(tf("tf-policy-narrowing.json").risks).to.deep.equal([]);
        const release = "arn:aws:s3:::xacct-dev-artifacts/releases/app.zip";
        expect(await simulate(after, "s3:GetObject", release, {})).to.equal("Allowed");
        expect(await simulate(before, "s3:GetObject", release, {})).to.equal("Allowed");
        const put = { "s3:x-amz-server-side-encryption": "AES256" };
        expect(await simulate(before, "s3:PutObject", release, put)).to.equal("Allowed");
        expect(await simulate(after, "s3:PutObject", release, put)).to.equal("ImplicitlyDenied");
    });
});

/** A review with many long-named risks of every class. */
function busyReview(): Review {
    const risks: Risk[] = [];
    const classes = ["permissions-broadening", "stateful-deletion", "network-opening", "code-execution"] as const;
    classes.forEach((cls, i) => {
        for (let j = 0; j < 5; j++) {
            risks.push({
                class: cls,
                resource: `module.layer${i}.aws_resource_type.some_long_resource_name[${j}]`,
                detail: "x",
            });
        }
    });
    return {
        kind: "terraform",
        changes: { add: 12, change: 3, destroy: 4, replace: 5 },
        noChanges: false,
        destroyed: [],
        replaced: [],
        risks,
        resources: [],
    };
}

describe("review/classify: summaryLine", () => {
    it("reads counts and risks, or 'no changes'", () => {
        expect(summaryLine(tf("tf-instance-replace.json"), { target: "dev", maxLength: 500 })).to.equal(
            "dev: +0 ~0 -0 -/+1; risk: stateful-deletion (aws_instance.workload)",
        );
        expect(summaryLine(tf("tf-policy-narrowing.json"), { target: "dev", maxLength: 500 })).to.equal(
            "dev: +0 ~1 -0 -/+0; risk: none",
        );
        expect(summaryLine(tf("tf-noop.json"), { target: "prod", maxLength: 500 })).to.equal("prod: no changes");
    });

    it("never exceeds maxLength; lists shrink to '+N more' and the counts stay intact", () => {
        const review = busyReview();
        const full = summaryLine(review, { target: "dev", maxLength: 10_000 });
        expect(full).to.not.contain("more");
        for (let max = 1; max <= full.length + 5; max++) {
            const line = summaryLine(review, { target: "dev", maxLength: max });
            expect(line.length, `maxLength ${max}`).to.be.at.most(max);
            expect(line).to.match(/^[\x20-\x7e]*$/);
            if (max >= "dev: +12 ~3 -4 -/+5".length) expect(line.startsWith("dev: +12 ~3 -4 -/+5")).to.equal(true);
        }
        expect(summaryLine(review, { target: "dev", maxLength: 200 })).to.equal(
            "dev: +12 ~3 -4 -/+5; risk: permissions-broadening (5), stateful-deletion (5), network-opening (5), code-execution (5)",
        );
        const mid = summaryLine(review, { target: "dev", maxLength: 400 });
        expect(mid).to.match(/module\.layer0\.aws_resource_type\.some_long_resource_name\[0\], \+[1-4] more\)/);
        expect(summaryLine(review, { target: "dev", maxLength: 60 })).to.equal(
            "dev: +12 ~3 -4 -/+5; risk: permissions-broadening, +3 more",
        );
    });

    it("is printable ASCII only: newlines, unicode and emoji become '?'", () => {
        const review = tf("tf-instance-replace.json");
        const evil: Review = {
            ...review,
            risks: [{ class: "stateful-deletion", resource: 'aws_instance.w["a\nb"\u00e9\u{1F680}]', detail: "" }],
        };
        expect(summaryLine(evil, { target: "d\u00e9v", maxLength: 500 })).to.equal(
            'd?v: +0 ~0 -0 -/+1; risk: stateful-deletion (aws_instance.w["a?b"??])',
        );
    });
});

describe("review/classify: renderReport", () => {
    it("has the counts, the risks with details, the lists and a per-resource table", () => {
        const md = renderReport(tf("tf-create-workload.json"), { target: "dev" });
        expect(md.split("\n")[0]).to.equal("# Deployment review: dev");
        expect(md).to.contain("| 4 | 0 | 0 | 0 |");
        expect(md).to.contain(
            "- **permissions-broadening** aws\\_iam\\_role\\_policy\\_attachment.ssm\\_core: attaches arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore to role xacct-dev-instance-role",
        );
        expect(md).to.contain("## Destroyed\n\nNone.");
        expect(md).to.contain("| aws\\_instance.workload | aws\\_instance | create | - |");
        expect(md).to.contain("| aws\\_iam\\_role.instance | aws\\_iam\\_role | create | permissions-broadening |");
    });

    it("escapes table-breaking characters and uses the given title", () => {
        const review: Review = {
            ...tf("tf-instance-replace.json"),
            resources: [{ resource: "a|b\nc", type: "aws_instance", action: "replace" }],
        };
        const md = renderReport(review, { target: "dev", title: "Plan for dev" });
        expect(md.split("\n")[0]).to.equal("# Plan for dev");
        expect(md).to.contain("| a\\|b c | aws\\_instance | replace | - |");
        expect(renderReport(tf("tf-noop.json"), { target: "dev" })).to.contain("No changes.");
    });
});

describe("review/classify: approvalDecision", () => {
    const noChanges = tf("tf-noop.json");
    const safe = tf("tf-policy-narrowing.json");
    const risky = tf("tf-instance-replace.json");
    const cases: [string, Review, boolean, "changes" | "risk", string, string][] = [
        ["no changes, policy changes", noChanges, true, "changes", "not-required", "no changes"],
        ["no changes, policy risk", noChanges, true, "risk", "not-required", "no changes"],
        ["approval off", risky, false, "changes", "not-required", "approval is not required for this target"],
        ["approval off, risky", risky, false, "risk", "not-required", "approval is not required for this target"],
        ["changes, policy changes", safe, true, "changes", "required", "changes: +0 ~1 -0 -/+0"],
        ["changes without risk, policy risk", safe, true, "risk", "not-required", "no risk class fired"],
        ["risk, policy risk", risky, true, "risk", "required", "risk: stateful-deletion"],
    ];
    for (const [name, review, requireApproval, policy, approval, reason] of cases) {
        it(name, () => {
            expect(approvalDecision(review, { requireApproval, policy })).to.deep.equal({ approval, reason });
        });
    }
});

describe("review/classify: the CLI", () => {
    const dirs: string[] = [];
    const tmp = (): string => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-review-"));
        dirs.push(dir);
        return dir;
    };
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
    const run = (...args: string[]) => spawnSync(process.execPath, [CLASSIFY, ...args], { encoding: "utf8" });
    const read = (dir: string, name: string) => fs.readFileSync(path.join(dir, name), "utf8");

    it("writes review.json, summary.txt, report.md, changes, approval and risk for a Terraform plan", () => {
        const out = path.join(tmp(), "review");
        const input = path.join(FIXTURES, "tf-instance-replace.json");
        const r = run("terraform", input, "--target", "dev", "--out", out, "--policy", "risk");
        expect(r.stderr).to.equal("");
        expect(r.status).to.equal(0);
        expect(fs.readdirSync(out).sort()).to.deep.equal(
            ["approval", "changes", "report.md", "review.json", "risk", "summary.txt"].sort(),
        );
        expect(JSON.parse(read(out, "review.json"))).to.deep.equal(
            JSON.parse(JSON.stringify(tf("tf-instance-replace.json"))),
        );
        expect(read(out, "summary.txt")).to.equal(
            "dev: +0 ~0 -0 -/+1; risk: stateful-deletion (aws_instance.workload)\n",
        );
        expect(read(out, "report.md").split("\n")[0]).to.equal("# Deployment review: dev");
        expect(read(out, "changes")).to.equal("yes\n");
        expect(read(out, "approval")).to.equal("required\n");
        expect(read(out, "risk")).to.equal("stateful-deletion\n");
    });

    it("an empty change set: no changes, approval not required, risk none", () => {
        const out = tmp();
        const r = run("cloudformation", path.join(FIXTURES, "cfn-empty.json"), "--target", "prod", "--out", out);
        expect(r.status).to.equal(0);
        expect(read(out, "changes")).to.equal("no\n");
        expect(read(out, "approval")).to.equal("not-required\n");
        expect(read(out, "risk")).to.equal("none\n");
        expect(read(out, "summary.txt")).to.equal("prod: no changes\n");
    });

    it("policy and approval flags: several classes, approval off, a short summary", () => {
        const out = tmp();
        const input = path.join(FIXTURES, "tf-create-workload.json");
        const r = run(
            "terraform",
            input,
            "--target",
            "dev",
            "--out",
            out,
            "--require-approval",
            "false",
            "--max-summary",
            "40",
        );
        expect(r.status).to.equal(0);
        expect(read(out, "approval")).to.equal("not-required\n");
        expect(read(out, "risk")).to.equal("permissions-broadening\n");
        expect(read(out, "summary.txt")).to.equal("dev: +4 ~0 -0 -/+0; risk: 1 class\n");
        const safe = tmp();
        const narrowing = path.join(FIXTURES, "cfn-role-narrowing.json");
        expect(run("cloudformation", narrowing, "--target", "dev", "--out", safe, "--policy", "risk").status).to.equal(
            0,
        );
        expect(read(safe, "approval")).to.equal("not-required\n");
        expect(run("cloudformation", narrowing, "--target", "dev", "--out", safe).status).to.equal(0);
        expect(read(safe, "approval")).to.equal("required\n");
    });

    for (const target of ["Dev", "-dev", "1dev", "dev_1", "../dev", "dev;rm", "d".repeat(21), ""]) {
        it(`refuses the target name ${JSON.stringify(target)} (exit 2, nothing written)`, () => {
            const out = path.join(tmp(), "review");
            const r = run("terraform", path.join(FIXTURES, "tf-noop.json"), "--target", target, "--out", out);
            expect(r.status).to.equal(2);
            expect(r.stderr).to.equal("review: --target must match ^[a-z][a-z0-9-]{0,19}$\n");
            expect(fs.existsSync(out)).to.equal(false);
        });
    }

    it("refuses invalid JSON, an unreadable file, a non-plan and a bad usage with exit 2 and one line", () => {
        const dir = tmp();
        const bad = path.join(dir, "bad.json");
        fs.writeFileSync(bad, '{"format_version": "1.2", ');
        const out = path.join(dir, "out");
        const cases: [string[], RegExp][] = [
            [["terraform", bad, "--target", "dev", "--out", out], /^review: the input is not valid JSON\n$/],
            [
                ["terraform", path.join(dir, "missing.json"), "--target", "dev", "--out", out],
                /^review: cannot read the input file \(ENOENT\)\n$/,
            ],
            [
                ["cloudformation", path.join(FIXTURES, "tf-noop.json"), "--target", "dev", "--out", out],
                /^review: the input is not a change set: .*\n$/,
            ],
            [
                ["terraform", path.join(FIXTURES, "cfn-empty.json"), "--target", "dev", "--out", out],
                /^review: the input is not a plan: .*\n$/,
            ],
            [["pulumi", bad, "--target", "dev", "--out", out], /^review: unknown command pulumi; .*\n$/],
            [["terraform", bad, "--target", "dev"], /^review: --out is required\n$/],
            [
                ["terraform", bad, "--target", "dev", "--out", out, "--policy", "always"],
                /^review: --policy must be changes or risk\n$/,
            ],
            [
                ["terraform", bad, "--target", "dev", "--out", out, "--bogus", "1"],
                /^review: unknown or incomplete option --bogus\n$/,
            ],
        ];
        for (const [args, stderr] of cases) {
            const r = run(...args);
            expect(r.status, args.join(" ")).to.equal(2);
            expect(r.stderr, args.join(" ")).to.match(stderr);
            expect(r.stderr.split("\n")).to.have.length(2);
        }
        expect(fs.existsSync(out)).to.equal(false);
    });
});
