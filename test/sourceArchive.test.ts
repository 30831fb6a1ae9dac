import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { cloudFormationParameters, parametersFile, TEMPLATE_FILE } from "../methods/cloudformation";
import { terraformVariables, tfvarsFile } from "../methods/terraform/files";
import { deriveNames } from "../names";
import { manyTargets, singleTarget } from "../tools/offline/program";
import { modelOf } from "./helpers/simulate";
import { parseTemplate } from "./cfnSpec";

// The source archive the cicd stack uploads: the workload, a generated file per target, and the
// pipeline scripts the buildspecs and Commands pin by SHA-256.
const WORKLOAD = path.join(__dirname, "..", "workload");

describe("source archive", () => {
    it("holds the Terraform files, the template, a generated file per target, and the pinned pipeline scripts", () => {
        expect(Object.keys(modelOf(singleTarget()).sourceFiles)).to.include.members([
            "terraform/main.tf",
            "terraform/variables.tf",
            "terraform/versions.tf",
            "terraform/outputs.tf",
            "terraform/.terraform.lock.hcl",
            "terraform/targets/default.tfvars.json",
            TEMPLATE_FILE,
            "cloudformation/parameters-default.json",
            ".pipeline/common.sh",
            ".pipeline/tf-step.sh",
            ".pipeline/cfn-step.sh",
            ".pipeline/review.sh",
            ".pipeline/terraformrc",
            ".pipeline/cli.js",
            ".pipeline/classify.js",
            ".pipeline/iamDiff.js",
            ".pipeline/report.js",
            ".pipeline/wave.js",
        ]);
    });

    it("holds only the chosen method's files", () => {
        const tf = Object.keys(modelOf(singleTarget({ "cross-account-pipeline:methods": "terraform" })).sourceFiles);
        expect(tf.filter((f) => f.startsWith("cloudformation/") || f.endsWith("cfn-step.sh"))).to.deep.equal([]);
        const cfn = Object.keys(
            modelOf(singleTarget({ "cross-account-pipeline:methods": "cloudformation" })).sourceFiles,
        );
        expect(
            cfn.filter((f) => f.startsWith("terraform/") || f.endsWith("tf-step.sh") || f.endsWith("terraformrc")),
        ).to.deep.equal([]);
    });

    it("generates one tfvars and one parameters file per target, from that target's config", () => {
        const model = modelOf(manyTargets(3));
        for (const t of model.config.targets) {
            expect(JSON.parse(model.sourceFiles[tfvarsFile(t)])).to.deep.include({
                account_id: t.accountId,
                subnet_id: t.subnetId,
                security_group_id: t.securityGroupId,
                instance_profile_name: "xacct-tf-instance-profile",
                ami_id: "",
            });
            const params = Object.fromEntries(
                JSON.parse(model.sourceFiles[parametersFile(t)]).map((p: any) => [p.ParameterKey, p.ParameterValue]),
            );
            expect(params).to.deep.include({
                SubnetId: t.subnetId,
                SecurityGroupId: t.securityGroupId,
                InstanceProfileName: "xacct-cfn-instance-profile",
            });
            expect(params.ImageId).to.equal(undefined);
        }
    });

    it("pins the AMI for both workloads when amiId is configured", () => {
        const model = modelOf(singleTarget({ "cross-account-pipeline:amiId": "ami-0123456789abcdef0" }));
        expect(JSON.parse(model.sourceFiles["terraform/targets/default.tfvars.json"]).ami_id).to.equal(
            "ami-0123456789abcdef0",
        );
        expect(JSON.parse(model.sourceFiles["cloudformation/parameters-default.json"])).to.deep.include({
            ParameterKey: "ImageId",
            ParameterValue: "ami-0123456789abcdef0",
        });
    });

    it("gives the template exactly the parameters it declares (ImageId from the plan step unless amiId is set)", () => {
        const template = parseTemplate(fs.readFileSync(path.join(WORKLOAD, TEMPLATE_FILE), "utf8")) as any;
        const names = deriveNames({ namePrefix: "xacct", region: "eu-west-1" }, "111111111111");
        const t = modelOf(singleTarget()).config.targets[0];
        const given = cloudFormationParameters({ instanceType: "t3.micro" }, names, t).map((p) => p.ParameterKey);
        expect([...given, "ImageId"].sort()).to.deep.equal(Object.keys(template.Parameters).sort());
        expect(template.Parameters.ImageId.Type).to.equal("AWS::EC2::Image::Id");
    });

    it("gives Terraform exactly the variables variables.tf declares", () => {
        const tf = fs.readFileSync(path.join(WORKLOAD, "terraform", "variables.tf"), "utf8");
        const declared = [...tf.matchAll(/^variable "([a-z_]+)"/gm)].map((m) => m[1]).sort();
        const names = deriveNames({ namePrefix: "xacct", region: "eu-west-1" }, "111111111111");
        const t = modelOf(singleTarget()).config.targets[0];
        expect(
            Object.keys(
                terraformVariables({ region: "eu-west-1", instanceType: "t3.micro", amiParameter: "/p" }, names, t),
            ).sort(),
        ).to.deep.equal(declared);
    });

    it("keeps the instance's AMI unless amiId changes, and creates no IAM role in the workload", () => {
        const main = fs.readFileSync(path.join(WORKLOAD, "terraform", "main.tf"), "utf8");
        expect(main)
            .to.include("ignore_changes       = [ami]")
            .and.include("replace_triggered_by = [terraform_data.ami_pin]");
        expect(main).to.not.match(/resource "aws_iam_/);
        expect(main).to.include("allowed_account_ids = [var.account_id]");
        const versions = fs.readFileSync(path.join(WORKLOAD, "terraform", "versions.tf"), "utf8");
        expect(versions).to.match(/backend "s3" \{[^}]*use_lockfile\s*=\s*true/);
    });
});
