import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import {
    cloudFormationParameters,
    parametersFile,
    sourceArchiveContents,
    TEMPLATE_FILE,
    terraformVariables,
    tfvarsFile,
    WORKLOAD_DIR,
} from "../artifacts/sourceArchive";
import { parseCicdConfig } from "../config";
import { deriveNames } from "../names";
import { parseTemplate } from "./cfnSpec";
import { manyTargets, readerOf, singleTarget } from "../tools/offline/program";

const configOf = (values: Record<string, string>) => parseCicdConfig(readerOf(values));
const names = (values: Record<string, string>) => deriveNames(configOf(values), "111111111111");

describe("source archive", () => {
    it("holds the buildspec, the Terraform files, the template and a generated file per target for both methods", () => {
        const files = Object.keys(sourceArchiveContents(configOf(singleTarget()), names(singleTarget())));
        expect(files).to.include.members([
            "buildspec.yml",
            "terraform/main.tf",
            "terraform/variables.tf",
            "terraform/versions.tf",
            "terraform/outputs.tf",
            "terraform/targets/default.tfvars.json",
            TEMPLATE_FILE,
            "cloudformation/parameters-default.json",
        ]);
    });
    it("holds only the chosen method's files", () => {
        const tf = singleTarget({ "cross-account-pipeline:methods": "terraform" });
        expect(
            Object.keys(sourceArchiveContents(configOf(tf), names(tf))).filter((f) => f.startsWith("cloudformation/")),
        ).to.deep.equal([]);
        const cfn = singleTarget({ "cross-account-pipeline:methods": "cloudformation" });
        expect(
            Object.keys(sourceArchiveContents(configOf(cfn), names(cfn))).filter(
                (f) => f.startsWith("terraform/") || f === "buildspec.yml",
            ),
        ).to.deep.equal([]);
    });
    it("generates one tfvars and one parameters file per target, from that target's config", () => {
        const cfg = manyTargets(3);
        const contents = sourceArchiveContents(configOf(cfg), names(cfg));
        for (const t of configOf(cfg).targets) {
            expect(JSON.parse(contents[tfvarsFile(t)])).to.deep.include({
                account_id: t.accountId,
                subnet_id: t.subnetId,
                security_group_id: t.securityGroupId,
            });
            const params = Object.fromEntries(
                JSON.parse(contents[parametersFile(t)]).map((p: any) => [p.ParameterKey, p.ParameterValue]),
            );
            expect(params).to.deep.include({ SubnetId: t.subnetId, SecurityGroupId: t.securityGroupId });
        }
    });
    it("gives the template exactly the parameters it declares (none missing, none unknown)", () => {
        const template = parseTemplate(fs.readFileSync(path.join(WORKLOAD_DIR, TEMPLATE_FILE), "utf8")) as any;
        const declared = Object.keys(template.Parameters).sort();
        const cfg = configOf(singleTarget());
        const given = cloudFormationParameters(cfg, names(singleTarget()), cfg.targets[0])
            .map((p) => p.ParameterKey)
            .sort();
        expect(given).to.deep.equal(declared);
    });
    it("gives Terraform exactly the variables variables.tf declares", () => {
        const tf = fs.readFileSync(path.join(WORKLOAD_DIR, "terraform", "variables.tf"), "utf8");
        const declared = [...tf.matchAll(/^variable "([a-z_]+)"/gm)].map((m) => m[1]).sort();
        const cfg = configOf(singleTarget());
        expect(Object.keys(terraformVariables(cfg, names(singleTarget()), cfg.targets[0])).sort()).to.deep.equal(
            declared,
        );
    });
    it("configures a partial S3 backend with a lock file, and refuses other accounts in the provider", () => {
        const versions = fs.readFileSync(path.join(WORKLOAD_DIR, "terraform", "versions.tf"), "utf8");
        expect(versions).to.match(/backend "s3" \{[^}]*use_lockfile\s*=\s*true/);
        expect(versions).to.not.match(/backend "s3" \{[^}]*\bbucket\s*=/);
        const main = fs.readFileSync(path.join(WORKLOAD_DIR, "terraform", "main.tf"), "utf8");
        expect(main).to.include("allowed_account_ids = [var.account_id]");
        expect(main).to.include('data "aws_ssm_parameter" "ami"');
    });
});
