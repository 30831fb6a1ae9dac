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
            expect(instance.Properties.Tags[0].Value).to.deep.equal({ "Fn::Sub": "${NamePrefix}-instance" });
        });

        it("validates against the spec with zero problems", function () {
            expect(validateTemplate(template, spec)).to.deep.equal([]);
        });

        it("contains the EC2 instance only: its role and profile belong to the target stack", function () {
            const types = Object.values(template.Resources as Obj).map((r) => (r as Obj).Type);
            expect(types).to.deep.equal(["AWS::EC2::Instance"]);
            const instance = (template.Resources as Obj)[logicalIdOf(template, "AWS::EC2::Instance")];
            expect(instance.Properties.IamInstanceProfile).to.deep.equal({ Ref: "InstanceProfileName" });
        });

        it("takes the instance's AMI as a plain image id, so that an update can keep it (UsePreviousValue)", function () {
            const params = template.Parameters as Obj;
            const instance = (template.Resources as Obj)[logicalIdOf(template, "AWS::EC2::Instance")];
            const ref = instance.Properties.ImageId?.Ref;
            expect(ref, "ImageId is a !Ref").to.be.a("string");
            expect(params).to.have.property(ref);
            expect(params[ref].Type).to.equal("AWS::EC2::Image::Id");
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
            const instance = t.Resources[instanceId].Properties;
            instance.MetadataOptions.HttpTokenz = "required";
            instance.BlockDeviceMappings[0].Ebs.Encryptd = true;
            instance.Tags[0].Kee = "x";

            const problems = validateTemplate(t, spec);
            expectProblem(problems, `${instanceId}.Properties.MetadataOptions.HttpTokenz`, "unknown property");
            expectProblem(problems, `${instanceId}.Properties.BlockDeviceMappings[0].Ebs.Encryptd`, "unknown property");
            expectProblem(problems, `${instanceId}.Properties.Tags[0].Kee`, "unknown property");
            expect(problems).to.have.lengthOf(3);
        });

        it("a nested value outside the spec's allowed values", function () {
            const t = copy();
            const id = logicalIdOf(t, "AWS::EC2::Instance");
            t.Resources[id].Properties.MetadataOptions.HttpTokens = "requierd";
            expectProblem(validateTemplate(t, spec), "MetadataOptions.HttpTokens", "requierd", "allowed values");
        });

        it("a missing required property (a role without AssumeRolePolicyDocument)", function () {
            const t = copy();
            t.Resources.ExtraRole = { Type: "AWS::IAM::Role", Properties: { RoleName: "x" } };
            expectProblem(
                validateTemplate(t, spec),
                "Resources.ExtraRole.Properties",
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
            const id = logicalIdOf(t, "AWS::EC2::Instance");
            t.Resources[id].Properties.Tags[0].Value = { "Fn::Sub": "${NamePrefx}-${AWS::Region}-instance" };
            const problems = validateTemplate(t, spec);
            expectProblem(problems, `Resources.${id}.Properties.Tags[0].Value`, "NamePrefx");
            expect(problems.join("\n")).not.to.include("AWS::Region");
        });

        it("a !GetAtt of an attribute the resource type does not have", function () {
            const t = copy();
            const id = logicalIdOf(t, "AWS::EC2::Instance");
            t.Outputs.InstanceId.Value = { "Fn::GetAtt": [id, "Nope"] };
            expectProblem(validateTemplate(t, spec), "Outputs.InstanceId", `${id}.Nope`, "AWS::EC2::Instance");
        });

        it("a !GetAtt of a resource that does not exist (also inside !Sub)", function () {
            const t = copy();
            t.Outputs.InstanceId.Value = { "Fn::GetAtt": ["Ghost", "Arn"] };
            t.Outputs.ImageId.Value = { "Fn::Sub": "${Phantom.Arn}" };
            const problems = validateTemplate(t, spec);
            expectProblem(problems, "Outputs.InstanceId", "Ghost", "not a resource");
            expectProblem(problems, "Outputs.ImageId", "Phantom", "not a resource");
        });

        it("an invalid parameter type", function () {
            const t = copy();
            t.Parameters.SubnetId.Type = "AWS::EC2::Subnet::ID";
            t.Parameters.ImageId.Type = "AWS::EC2::Image::ID";
            const problems = validateTemplate(t, spec);
            expectProblem(problems, "Parameters.SubnetId", "AWS::EC2::Subnet::ID");
            expectProblem(problems, "Parameters.ImageId", "AWS::EC2::Image::ID");
        });

        it("leaves the real template untouched", function () {
            copy().Resources = {};
            expect(validateTemplate(template, spec)).to.deep.equal([]);
        });
    });
});
