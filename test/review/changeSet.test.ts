/**
 * The risk classifier (review/classify.js) on CloudFormation change sets (the DescribeChangeSet format),
 * and its policy diff.
 */
import { expect } from "chai";
import { classifyChangeSet, globCovers, policyBroadening } from "../../review/classify";
import { fixture, cfn, fired, detailOf } from "./helpers";

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
