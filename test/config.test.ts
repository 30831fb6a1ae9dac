import { expect } from "chai";
import { ConfigError, DEFAULTS, parseCicdConfig, parseMethods, parseTargetConfig, targetStackName } from "../config";
import { manyTargets, readerOf, singleTarget } from "../tools/offline/program";

const parse = (values: Record<string, string>) => parseCicdConfig(readerOf(values));
const failsWith = (values: Record<string, string>, ...fragments: string[]): void => {
    let error: unknown;
    try {
        parse(values);
    } catch (e) {
        error = e;
    }
    expect(error, `expected a ConfigError mentioning ${fragments.join(", ")}`).to.be.instanceOf(ConfigError);
    for (const f of fragments) expect((error as Error).message).to.include(f);
};

describe("config: the cicd stack", () => {
    it("accepts the committed single-target example and fills the defaults", () => {
        const c = parse(singleTarget());
        expect(c.region).to.equal("eu-west-1");
        expect(c.methods).to.deep.equal(["terraform", "cloudformation"]);
        expect(c.namePrefix).to.equal("xacct");
        expect(c.logRetentionDays).to.equal(30);
        expect(c.terraformVersion).to.equal(DEFAULTS.terraformVersion);
        expect(c.targets).to.have.length(1);
        expect(c.targets[0]).to.deep.include({
            name: "default",
            stackName: "target",
            accountId: "222222222222",
            subnetId: "subnet-0123456789abcdef0",
            securityGroupId: "sg-0123456789abcdef0",
            requireApproval: false,
            stateKey: "xacct/222222222222/terraform.tfstate",
            wave: "default",
            cfnStackName: "xacct-workload-default",
        });
    });

    describe("refuses each bad input with the key and the expected form", () => {
        it("a missing target account", () =>
            failsWith(
                singleTarget({ "cross-account-pipeline:targetAccountId": undefined }),
                "cross-account-pipeline:targetAccountId is not set",
                "12 digits",
            ));
        it("an account id that is not 12 digits", () =>
            failsWith(
                singleTarget({ "cross-account-pipeline:targetAccountId": "12345" }),
                "cross-account-pipeline:targetAccountId must be 12 digits",
                '"12345"',
            ));
        it("an account id with letters", () =>
            failsWith(
                singleTarget({ "cross-account-pipeline:targetAccountId": "12345678901a" }),
                "targetAccountId must be 12 digits",
            ));
        it("a missing subnet", () =>
            failsWith(
                singleTarget({ "cross-account-pipeline:subnetId": undefined }),
                "cross-account-pipeline:subnetId is not set",
                "'subnet-'",
            ));
        it("a malformed subnet", () =>
            failsWith(
                singleTarget({ "cross-account-pipeline:subnetId": "subnet-XYZ" }),
                "cross-account-pipeline:subnetId must be 'subnet-' followed by 8 to 17 hex digits",
            ));
        it("a malformed security group", () =>
            failsWith(
                singleTarget({ "cross-account-pipeline:securityGroupId": "sg-1" }),
                "cross-account-pipeline:securityGroupId must be 'sg-'",
            ));
        it("a missing security group", () =>
            failsWith(
                singleTarget({ "cross-account-pipeline:securityGroupId": undefined }),
                "securityGroupId is not set",
            ));
        it("a missing region", () => failsWith(singleTarget({ "aws:region": undefined }), "aws:region is not set"));
        it("a malformed region", () =>
            failsWith(singleTarget({ "aws:region": "Europe" }), "aws:region must be an AWS region"));
        it("an unknown method", () =>
            failsWith(
                singleTarget({ "cross-account-pipeline:methods": "terraform,pulumi" }),
                "cross-account-pipeline:methods must list one or both of terraform, cloudformation",
                '"pulumi"',
            ));
        it("an empty method list", () =>
            failsWith(singleTarget({ "cross-account-pipeline:methods": "[]" }), "must list at least one"));
        it("a retention CloudWatch does not offer", () =>
            failsWith(
                singleTarget({ "cross-account-pipeline:logRetentionDays": "10" }),
                "cross-account-pipeline:logRetentionDays must be one of CloudWatch's retention periods",
            ));
        it("a bad name prefix", () =>
            failsWith(
                singleTarget({ "cross-account-pipeline:namePrefix": "Upper_Case" }),
                "cross-account-pipeline:namePrefix must be",
            ));
        it("a terraform version without its checksum", () =>
            failsWith(
                singleTarget({ "cross-account-pipeline:terraformVersion": "1.12.0" }),
                "cross-account-pipeline:terraformSha256 must be set too",
            ));
        it("a malformed checksum", () =>
            failsWith(
                singleTarget({ "cross-account-pipeline:terraformSha256": "abc" }),
                "terraformSha256 must be 64 lower-case hex digits",
            ));
        it("a CodeBuild timeout out of range, or longer than the one hour a chained role session lasts", () => {
            failsWith(
                singleTarget({ "cross-account-pipeline:codeBuildTimeoutMinutes": "1000" }),
                "codeBuildTimeoutMinutes must be a whole number of minutes from 5 to 60",
            );
            failsWith(singleTarget({ "cross-account-pipeline:codeBuildTimeoutMinutes": "61" }), "role chaining");
        });
        it("a bad CloudFormation stack name", () =>
            failsWith(
                singleTarget({ "cross-account-pipeline:cfnStackName": "1-bad name" }),
                "cross-account-pipeline:cfnStackName must be a CloudFormation stack name",
            ));
        it("a break-glass state admin that is not a role ARN", () =>
            failsWith(
                singleTarget({ "cross-account-pipeline:stateAdminArns": "arn:aws:iam::111111111111:user/alice" }),
                "cross-account-pipeline:stateAdminArns[0] must be an IAM role ARN",
            ));
        it("a bad notification email", () =>
            failsWith(
                singleTarget({ "cross-account-pipeline:notificationEmail": "nobody" }),
                "notificationEmail must be an email address",
            ));
    });

    it("accepts methods as a comma list or a JSON list, and removes duplicates", () => {
        expect(parseMethods("cloudformation")).to.deep.equal(["cloudformation"]);
        expect(parseMethods('["terraform","terraform"]')).to.deep.equal(["terraform"]);
        expect(parseMethods(undefined)).to.deep.equal(["terraform", "cloudformation"]);
    });

    describe("a list of targets", () => {
        it("keeps the list order, names the stacks target-<name>, and gives each its own state key and stack name", () => {
            const c = parse(manyTargets(3, [3]));
            expect(c.targets.map((t) => t.name)).to.deep.equal(["t1", "t2", "t3"]);
            expect(c.targets.map((t) => t.stackName)).to.deep.equal(["target-t1", "target-t2", "target-t3"]);
            expect(new Set(c.targets.map((t) => t.stateKey)).size).to.equal(3);
            expect(new Set(c.targets.map((t) => t.cfnStackName)).size).to.equal(3);
            expect(c.targets.map((t) => t.requireApproval)).to.deep.equal([false, false, true]);
        });
        it("refuses duplicate names, naming the entry", () => {
            const list = JSON.parse(manyTargets(2)["cross-account-pipeline:targets"]);
            list[1].name = "t1";
            failsWith(
                { "aws:region": "eu-west-1", "cross-account-pipeline:targets": JSON.stringify(list) },
                "cross-account-pipeline:targets[1] (t1)",
                "used twice",
            );
        });
        it("refuses duplicate accounts, naming both entries", () => {
            const list = JSON.parse(manyTargets(2)["cross-account-pipeline:targets"]);
            list[1].accountId = list[0].accountId;
            failsWith(
                { "aws:region": "eu-west-1", "cross-account-pipeline:targets": JSON.stringify(list) },
                "targets[1] (t2)",
                "already the target t1",
            );
        });
        it("refuses a bad entry, naming its field", () => {
            const list = JSON.parse(manyTargets(2)["cross-account-pipeline:targets"]);
            list[1].subnetId = "subnet-nothex!";
            failsWith(
                { "aws:region": "eu-west-1", "cross-account-pipeline:targets": JSON.stringify(list) },
                "cross-account-pipeline:targets[1].subnetId must be 'subnet-'",
            );
        });
        it("refuses an entry without an account", () => {
            const list = JSON.parse(manyTargets(1)["cross-account-pipeline:targets"]);
            delete list[0].accountId;
            failsWith(
                { "aws:region": "eu-west-1", "cross-account-pipeline:targets": JSON.stringify(list) },
                "targets[0].accountId is missing",
            );
        });
        it("refuses unknown fields and non-boolean approvals", () => {
            const list = JSON.parse(manyTargets(1)["cross-account-pipeline:targets"]);
            failsWith(
                {
                    "aws:region": "eu-west-1",
                    "cross-account-pipeline:targets": JSON.stringify([{ ...list[0], acount: "x" }]),
                },
                "targets[0] has unknown field(s) acount",
            );
            failsWith(
                {
                    "aws:region": "eu-west-1",
                    "cross-account-pipeline:targets": JSON.stringify([{ ...list[0], requireApproval: "yes" }]),
                },
                "targets[0].requireApproval must be true or false",
            );
        });
        it("refuses a name that cannot make a stack name", () => {
            const list = JSON.parse(manyTargets(1)["cross-account-pipeline:targets"]);
            failsWith(
                {
                    "aws:region": "eu-west-1",
                    "cross-account-pipeline:targets": JSON.stringify([{ ...list[0], name: "Prod_EU" }]),
                },
                "targets[0].name must be 1 to 20 lower-case letters",
            );
        });
        it("refuses an empty list and a list that is not JSON", () => {
            failsWith(
                { "aws:region": "eu-west-1", "cross-account-pipeline:targets": "[]" },
                "must be a non-empty list",
            );
            failsWith(
                { "aws:region": "eu-west-1", "cross-account-pipeline:targets": "dev,prod" },
                "must be a list of objects",
            );
        });
        it("refuses the list and the single-target keys together", () => {
            failsWith(
                { ...manyTargets(1), "cross-account-pipeline:subnetId": "subnet-0123456789abcdef0" },
                "use one form or the other",
            );
        });
    });
});

describe("config: target stacks", () => {
    it("reads the default cicd stack reference the way a self-managed backend names it", () => {
        expect(parseTargetConfig(readerOf({}), "target")).to.deep.equal({
            cicdStack: "organization/cross-account-pipeline/cicd",
            targetName: "default",
        });
    });
    it("maps target-<name> to the target <name> and takes a configured cicd stack", () => {
        expect(
            parseTargetConfig(
                readerOf({ "cross-account-pipeline:cicdStack": "acme/cross-account-pipeline/cicd" }),
                "target-prod",
            ),
        ).to.deep.equal({
            cicdStack: "acme/cross-account-pipeline/cicd",
            targetName: "prod",
        });
        expect(targetStackName("prod")).to.equal("target-prod");
        expect(targetStackName("default")).to.equal("target");
    });
    it("refuses a cicd stack name that is not <org>/<project>/<stack>", () => {
        expect(() => parseTargetConfig(readerOf({ "cross-account-pipeline:cicdStack": "cicd" }), "target")).to.throw(
            ConfigError,
            "cross-account-pipeline:cicdStack must be a fully qualified stack name",
        );
    });
    it("refuses a target stack whose name cannot be a target", () => {
        expect(() => parseTargetConfig(readerOf({}), "target-Bad_Name")).to.throw(
            ConfigError,
            'the stack name "target-Bad_Name"',
        );
    });
});
