import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { ConfigError, DEFAULTS, parseCicdConfig, parseMethods, pulumiConfigReader } from "../config";
import { manyTargets, readerOf, singleTarget } from "../tools/offline/program";

// The finer points of config parsing: trimming, empty values, ranges, and every message's wording.
const parse = (values: Record<string, string>) => parseCicdConfig(readerOf(values));
const message = (values: Record<string, string>): string => {
    try {
        parse(values);
    } catch (e) {
        expect(e).to.be.instanceOf(ConfigError);
        expect((e as Error).name).to.equal("ConfigError");
        return (e as Error).message;
    }
    throw new Error("expected a ConfigError");
};
const K = (name: string) => `cross-account-pipeline:${name}`;
const entries = (n: number) => JSON.parse(manyTargets(n)[K("targets")]) as Record<string, unknown>[];
const withTargets = (list: unknown) => ({ "aws:region": "eu-west-1", [K("targets")]: JSON.stringify(list) });

describe("config details", () => {
    it("trims surrounding blanks from every value", () => {
        const c = parse({
            "aws:region": " eu-west-1 ",
            [K("targetAccountId")]: " 222222222222 ",
            [K("subnetId")]: " subnet-0123456789abcdef0 ",
            [K("securityGroupId")]: " sg-0123456789abcdef0 ",
            [K("instanceType")]: " t3.small ",
            [K("notificationEmail")]: " ops@example.com ",
            [K("codeBuildImage")]: " aws/codebuild/standard:7.0 ",
            [K("methods")]: " terraform , cloudformation ,",
        });
        expect(c.region).to.equal("eu-west-1");
        expect(c.targets[0]).to.deep.include({
            accountId: "222222222222",
            subnetId: "subnet-0123456789abcdef0",
            securityGroupId: "sg-0123456789abcdef0",
        });
        expect(c.instanceType).to.equal("t3.small");
        expect(c.notificationEmail).to.equal("ops@example.com");
        expect(c.codeBuildImage).to.equal("aws/codebuild/standard:7.0");
        expect(c.methods).to.deep.equal(["terraform", "cloudformation"]);
    });

    it("treats blank optional values as unset", () => {
        const c = parse(
            singleTarget({
                [K("instanceType")]: " ",
                [K("amiParameter")]: "",
                [K("notificationEmail")]: " ",
                [K("codeBuildImage")]: " ",
                [K("logRetentionDays")]: " ",
                [K("codeBuildTimeoutMinutes")]: "",
                [K("methods")]: " ",
                [K("stateAdminArns")]: " ",
                [K("targets")]: " ",
            }),
        );
        expect(c.notificationEmail).to.equal(undefined);
        expect(c).to.deep.include({
            instanceType: DEFAULTS.instanceType,
            amiParameter: DEFAULTS.amiParameter,
            codeBuildImage: DEFAULTS.codeBuildImage,
            logRetentionDays: 30,
            codeBuildTimeoutMinutes: 60,
        });
        expect(c.methods).to.deep.equal(["terraform", "cloudformation"]);
        expect(c.stateAdminArns).to.deep.equal([]);
        expect(c.targets).to.have.length(1);
    });

    it("treats blank required values as missing, with a hint to set them", () => {
        expect(message(singleTarget({ [K("subnetId")]: "  " }))).to.equal(
            `${K("subnetId")} is not set: it must be 'subnet-' followed by 8 to 17 hex digits. Set it with: pulumi config set ${K("subnetId")} subnet-0123456789abcdef0`,
        );
        expect(message(singleTarget({ "aws:region": " " })))
            .to.include("aws:region is not set")
            .and.include("pulumi config set aws:region eu-west-1");
    });

    it("accepts exactly CloudWatch's retention periods, as whole numbers", () => {
        expect(parse(singleTarget({ [K("logRetentionDays")]: "14" })).logRetentionDays).to.equal(14);
        expect(parse(singleTarget({ [K("logRetentionDays")]: "3653" })).logRetentionDays).to.equal(3653);
        for (const bad of ["15", "30 days", "x30", "-30", "3.5"])
            expect(message(singleTarget({ [K("logRetentionDays")]: bad })), bad)
                .to.include(`${K("logRetentionDays")} must be one of`)
                .and.include(JSON.stringify(bad));
    });

    it("bounds the CodeBuild timeout at 5 and 60 minutes, inclusive: role chaining ends a session after an hour", () => {
        expect(parse(singleTarget({ [K("codeBuildTimeoutMinutes")]: "5" })).codeBuildTimeoutMinutes).to.equal(5);
        expect(parse(singleTarget({ [K("codeBuildTimeoutMinutes")]: "60" })).codeBuildTimeoutMinutes).to.equal(60);
        for (const bad of ["4", "61", "480", "0"])
            expect(message(singleTarget({ [K("codeBuildTimeoutMinutes")]: bad })), bad)
                .to.include("from 5 to 60")
                .and.include("caps at one hour");
    });

    it("reads requireApproval on the single target as true or false only", () => {
        expect(parse(singleTarget({ [K("requireApproval")]: "true" })).targets[0].requireApproval).to.equal(true);
        expect(parse(singleTarget({ [K("requireApproval")]: "false" })).targets[0].requireApproval).to.equal(false);
        expect(message(singleTarget({ [K("requireApproval")]: "yes" }))).to.equal(
            `${K("requireApproval")} must be true or false; got "yes"`,
        );
    });

    it("takes a custom CloudFormation stack name for the single target", () => {
        expect(parse(singleTarget({ [K("cfnStackName")]: "CfnCrossAccount" })).targets[0].cfnStackName).to.equal(
            "CfnCrossAccount",
        );
    });

    it("refuses a method list that is not a list of known names", () => {
        expect(() => parseMethods("[terraform")).to.throw(
            ConfigError,
            `${K("methods")} must be a JSON list; got "[terraform"`,
        );
        expect(() => parseMethods("[1]")).to.throw(
            ConfigError,
            "must list one or both of terraform, cloudformation; got 1",
        );
        expect(() => parseMethods(",")).to.throw(
            ConfigError,
            `${K("methods")} must list at least one of terraform, cloudformation`,
        );
        expect(parseMethods('["cloudformation", "terraform"]')).to.deep.equal(["cloudformation", "terraform"]);
    });

    it("needs a checksum with a custom Terraform version, and accepts one", () => {
        expect(message(singleTarget({ [K("terraformVersion")]: "1.12.0" }))).to.equal(
            `${K("terraformVersion")} is 1.12.0, so ${K("terraformSha256")} must be set too (the SHA-256 of terraform_1.12.0_linux_amd64.zip from HashiCorp's SHA256SUMS)`,
        );
        const c = parse(singleTarget({ [K("terraformVersion")]: "1.12.0", [K("terraformSha256")]: "a".repeat(64) }));
        expect(c).to.deep.include({ terraformVersion: "1.12.0", terraformSha256: "a".repeat(64) });
        expect(parse(singleTarget({ [K("terraformSha256")]: "b".repeat(64) })).terraformSha256).to.equal(
            "b".repeat(64),
        );
    });

    it("reads break-glass state admins as a list", () => {
        const a = "arn:aws:iam::111111111111:role/BreakGlass";
        expect(
            parse(singleTarget({ [K("stateAdminArns")]: JSON.stringify([a, "arn:aws:iam::111111111111:root"]) }))
                .stateAdminArns,
        ).to.deep.equal([a, "arn:aws:iam::111111111111:root"]);
        expect(parse(singleTarget({ [K("stateAdminArns")]: a })).stateAdminArns).to.deep.equal([a]);
    });

    it("validates the instance type and the AMI parameter", () => {
        expect(message(singleTarget({ [K("instanceType")]: "large" }))).to.include(
            `${K("instanceType")} must be an EC2 instance type`,
        );
        expect(message(singleTarget({ [K("amiParameter")]: "ami-123" }))).to.include(
            `${K("amiParameter")} must be an SSM parameter path`,
        );
    });

    describe("target lists", () => {
        it("refuses entries that are not objects", () => {
            for (const bad of [1, null, ["x"], "dev"]) {
                expect(message(withTargets([bad])), JSON.stringify(bad)).to.equal(
                    `${K("targets")}[0] must be an object { name, accountId, subnetId, securityGroupId, requireApproval?, wave? }`,
                );
            }
        });
        it("says which single-target keys clash with a list", () => {
            for (const single of [
                "targetAccountId",
                "subnetId",
                "securityGroupId",
                "cfnStackName",
                "requireApproval",
            ]) {
                expect(message({ ...manyTargets(1), [K(single)]: "x" }), single)
                    .to.include(`(${K(single)})`)
                    .and.include("use one form or the other");
            }
        });
        it("words each list error exactly", () => {
            expect(message(withTargets({ name: "dev" }))).to.equal(
                `${K("targets")} must be a non-empty list of { name, accountId, subnetId, securityGroupId, requireApproval?, wave? }`,
            );
            expect(message({ "aws:region": "eu-west-1", [K("targets")]: "{" })).to.equal(
                `${K("targets")} must be a list of objects; got "{"`,
            );
            const list = entries(2);
            list[1].accountId = list[0].accountId;
            expect(message(withTargets(list))).to.equal(
                `${K("targets")}[1] (t2): account 300000000001 is already the target t1; each target needs its own account`,
            );
            expect(message(withTargets([{ ...entries(1)[0], region: "x" }]))).to.equal(
                `${K("targets")}[0] has unknown field(s) region; expected name, accountId, subnetId, securityGroupId, requireApproval, wave`,
            );
            expect(
                parse(withTargets([{ ...entries(1)[0], requireApproval: "false" }])).targets[0].requireApproval,
            ).to.equal(false);
        });
    });

    it("reads the stack's Pulumi config through pulumiConfigReader", async () => {
        pulumi.runtime.setAllConfig({
            "aws:region": "eu-central-1",
            "cross-account-pipeline:subnetId": "subnet-0123456789abcdef0",
        });
        expect(pulumiConfigReader("aws:region")).to.equal("eu-central-1");
        expect(pulumiConfigReader("cross-account-pipeline:subnetId")).to.equal("subnet-0123456789abcdef0");
        expect(pulumiConfigReader("cross-account-pipeline:nothing")).to.equal(undefined);
        pulumi.runtime.setAllConfig({});
        await Promise.resolve();
    });
});
