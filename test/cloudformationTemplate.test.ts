/**
 * Offline check of workload/cloudformation/template.yaml against the AWS resource specification
 * (@aws-cdk/aws-service-spec). No AWS access needed.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { CfnTemplate, SpecDatabase, loadSpec, parseTemplate, validateTemplate } from "./cfnSpec";

const TEMPLATE_PATH = path.join(__dirname, "..", "workload", "cloudformation", "template.yaml");

type Obj = Record<string, any>;

describe("workload CloudFormation template vs. the AWS resource specification", function () {
    let spec: SpecDatabase;
    let template: CfnTemplate;

    before(async function () {
        this.timeout(60_000); // loading the spec DB takes a moment
        spec = await loadSpec();
        template = parseTemplate(fs.readFileSync(TEMPLATE_PATH, "utf8"));
    });

    /** A deep copy of the real template, to mutate in memory. */
    function copy(): Obj {
        return structuredClone<Obj>(template);
    }

    /** Logical id of the single resource of a given type. */
    function logicalIdOf(t: Obj, type: string): string {
        const ids = Object.entries(t.Resources as Obj)
            .filter(([, r]) => (r as Obj).Type === type)
            .map(([id]) => id);
        expect(ids, `resources of type ${type}`).to.have.lengthOf(1);
        return ids[0];
    }

    /** Asserts that `problems` has an entry mentioning every fragment. */
    function expectProblem(problems: string[], ...fragments: string[]): void {
        const hit = problems.find((p) => fragments.every((f) => p.includes(f)));
        expect(hit, `a problem mentioning ${fragments.join(" + ")}; got:\n${problems.join("\n")}`).to.be.a("string");
    }

    describe("the real template", function () {
        it("parses the short-form intrinsics", function () {
            const instance = (template.Resources as Obj)[logicalIdOf(template, "AWS::EC2::Instance")];
            expect(instance.Properties.ImageId).to.deep.equal({ Ref: "ImageId" });
            const outputs = template.Outputs as Obj;
            expect(outputs.InstanceProfileArn.Value)
                .to.have.property("Fn::GetAtt")
                .that.is.an("array")
                .with.lengthOf(2);
        });

        it("validates against the spec with zero problems", function () {
            expect(validateTemplate(template, spec)).to.deep.equal([]);
        });

        it("contains an EC2 instance, an IAM role and an instance profile", function () {
            const types = Object.values(template.Resources as Obj).map((r) => (r as Obj).Type);
            expect(types).to.include.members(["AWS::EC2::Instance", "AWS::IAM::Role", "AWS::IAM::InstanceProfile"]);
        });

        it("takes the instance's ImageId from an SSM-parameter AMI parameter", function () {
            const params = template.Parameters as Obj;
            const instance = (template.Resources as Obj)[logicalIdOf(template, "AWS::EC2::Instance")];
            const ref = instance.Properties.ImageId?.Ref;
            expect(ref, "ImageId is a !Ref").to.be.a("string");
            expect(params).to.have.property(ref);
            expect(params[ref].Type).to.equal("AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>");
        });

        it("takes the subnet and the security group from parameters", function () {
            const params = template.Parameters as Obj;
            const instance = (template.Resources as Obj)[logicalIdOf(template, "AWS::EC2::Instance")];

            expect(params).to.have.property("SubnetId");
            expect(params).to.have.property("SecurityGroupId");

            const subnetRef = instance.Properties.SubnetId?.Ref;
            expect(subnetRef, "SubnetId is a !Ref").to.be.a("string");
            expect(params[subnetRef]?.Type).to.equal("AWS::EC2::Subnet::Id");

            const sgRefs = (instance.Properties.SecurityGroupIds as Obj[]).map((sg) => sg?.Ref);
            expect(sgRefs, "SecurityGroupIds are !Refs").to.have.length.greaterThan(0);
            for (const sgRef of sgRefs) {
                expect(sgRef, "SecurityGroupIds entry is a !Ref").to.be.a("string");
                expect(params[sgRef]?.Type).to.equal("AWS::EC2::SecurityGroup::Id");
            }
            expect(sgRefs).to.include("SecurityGroupId");
        });
    });

    describe("the validator catches mutated copies", function () {
        it("an unknown resource type", function () {
            const t = copy();
            const id = logicalIdOf(t, "AWS::EC2::Instance");
            t.Resources[id].Type = "AWS::EC2::Instanze";
            expectProblem(validateTemplate(t, spec), `Resources.${id}`, "unknown resource type", "AWS::EC2::Instanze");
        });

        it("an unknown top-level property", function () {
            const t = copy();
            const id = logicalIdOf(t, "AWS::EC2::Instance");
            t.Resources[id].Properties.ImageIdd = "ami-12345678";
            expectProblem(
                validateTemplate(t, spec),
                `Resources.${id}.Properties.ImageIdd`,
                "unknown property",
                "AWS::EC2::Instance",
            );
        });

        it("unknown nested properties (MetadataOptions, BlockDeviceMappings[].Ebs, Tags[])", function () {
            const t = copy();
            const instanceId = logicalIdOf(t, "AWS::EC2::Instance");
            const roleId = logicalIdOf(t, "AWS::IAM::Role");
            const instance = t.Resources[instanceId].Properties;
            instance.MetadataOptions.HttpTokenz = "required";
            instance.BlockDeviceMappings[0].Ebs.Encryptd = true;
            t.Resources[roleId].Properties.Tags[0].Kee = "x";

            const problems = validateTemplate(t, spec);
            expectProblem(problems, `${instanceId}.Properties.MetadataOptions.HttpTokenz`, "unknown property");
            expectProblem(problems, `${instanceId}.Properties.BlockDeviceMappings[0].Ebs.Encryptd`, "unknown property");
            expectProblem(problems, `${roleId}.Properties.Tags[0].Kee`, "unknown property");
            expect(problems).to.have.lengthOf(3);
        });

        it("a nested value outside the spec's allowed values", function () {
            const t = copy();
            const id = logicalIdOf(t, "AWS::EC2::Instance");
            t.Resources[id].Properties.MetadataOptions.HttpTokens = "requierd";
            expectProblem(validateTemplate(t, spec), "MetadataOptions.HttpTokens", "requierd", "allowed values");
        });

        it("a missing required property (role without AssumeRolePolicyDocument)", function () {
            const t = copy();
            const id = logicalIdOf(t, "AWS::IAM::Role");
            delete t.Resources[id].Properties.AssumeRolePolicyDocument;
            expectProblem(
                validateTemplate(t, spec),
                `Resources.${id}.Properties`,
                "missing required",
                "AssumeRolePolicyDocument",
            );
        });

        it("a missing required nested property (tag without Value)", function () {
            const t = copy();
            const id = logicalIdOf(t, "AWS::EC2::Instance");
            delete t.Resources[id].Properties.Tags[0].Value;
            expectProblem(validateTemplate(t, spec), `Resources.${id}.Properties.Tags[0]`, "missing required", "Value");
        });

        it("a !Ref to a name that does not exist", function () {
            const t = copy();
            const id = logicalIdOf(t, "AWS::EC2::Instance");
            t.Resources[id].Properties.SubnetId = { Ref: "NoSuchSubnet" };
            expectProblem(validateTemplate(t, spec), `Resources.${id}.Properties.SubnetId`, "NoSuchSubnet");
        });

        it("a !Sub variable that does not exist", function () {
            const t = copy();
            const id = logicalIdOf(t, "AWS::IAM::Role");
            t.Resources[id].Properties.RoleName = { "Fn::Sub": "${NamePrefx}-${AWS::Region}-role" };
            const problems = validateTemplate(t, spec);
            expectProblem(problems, `Resources.${id}.Properties.RoleName`, "NamePrefx");
            expect(problems.join("\n")).not.to.include("AWS::Region");
        });

        it("a !GetAtt of an attribute the resource type does not have", function () {
            const t = copy();
            t.Outputs.InstanceProfileArn.Value = { "Fn::GetAtt": ["InstanceProfile", "Nope"] };
            expectProblem(
                validateTemplate(t, spec),
                "Outputs.InstanceProfileArn",
                "InstanceProfile.Nope",
                "AWS::IAM::InstanceProfile",
                "Arn",
            );
        });

        it("a !GetAtt of a resource that does not exist (also inside !Sub)", function () {
            const t = copy();
            t.Outputs.InstanceProfileArn.Value = { "Fn::GetAtt": ["Ghost", "Arn"] };
            t.Outputs.InstanceId.Value = { "Fn::Sub": "${Phantom.Arn}" };
            const problems = validateTemplate(t, spec);
            expectProblem(problems, "Outputs.InstanceProfileArn", "Ghost", "not a resource");
            expectProblem(problems, "Outputs.InstanceId", "Phantom", "not a resource");
        });

        it("an invalid parameter type", function () {
            const t = copy();
            t.Parameters.SubnetId.Type = "AWS::EC2::Subnet::ID";
            t.Parameters.ImageId.Type = "AWS::SSM::Parameter::Value<AWS::EC2::Image>";
            const problems = validateTemplate(t, spec);
            expectProblem(problems, "Parameters.SubnetId", "AWS::EC2::Subnet::ID");
            expectProblem(problems, "Parameters.ImageId", "AWS::SSM::Parameter::Value<AWS::EC2::Image>");
        });

        it("leaves the real template untouched", function () {
            copy().Resources = {};
            expect(validateTemplate(template, spec)).to.deep.equal([]);
        });
    });
});
