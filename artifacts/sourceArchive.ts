import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { CicdConfig, TargetConfig } from "../config";
import { Names } from "../names";
import { WORKLOAD_TAG_KEY } from "../policies";

/** The workload files in this repository: what the pipelines deploy. */
export const WORKLOAD_DIR = path.join(__dirname, "..", "workload");
export const TEMPLATE_FILE = "cloudformation/template.yaml";
export const parametersFile = (target: Pick<TargetConfig, "name">): string =>
    `cloudformation/parameters-${target.name}.json`;
export const tfvarsFile = (target: Pick<TargetConfig, "name">): string =>
    `terraform/targets/${target.name}.tfvars.json`;

/** terraform/targets/<name>.tfvars.json: the Terraform variables of one target. */
export function terraformVariables(config: CicdConfig, names: Names, target: TargetConfig): Record<string, string> {
    return {
        region: config.region,
        account_id: target.accountId,
        name_prefix: names.terraformWorkload,
        workload_tag_key: WORKLOAD_TAG_KEY,
        workload_tag: names.terraformWorkload,
        subnet_id: target.subnetId,
        security_group_id: target.securityGroupId,
        instance_type: config.instanceType,
        ami_parameter: config.amiParameter,
    };
}

/** cloudformation/parameters-<name>.json, in the `--parameters file://` form. */
export function cloudFormationParameters(
    config: CicdConfig,
    names: Names,
    target: TargetConfig,
): { ParameterKey: string; ParameterValue: string }[] {
    const values: Record<string, string> = {
        NamePrefix: names.cloudFormationWorkload,
        WorkloadTagKey: WORKLOAD_TAG_KEY,
        WorkloadTag: names.cloudFormationWorkload,
        SubnetId: target.subnetId,
        SecurityGroupId: target.securityGroupId,
        InstanceType: config.instanceType,
        ImageId: config.amiParameter,
    };
    return Object.entries(values).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
}

const listFiles = (dir: string): string[] =>
    fs
        .readdirSync(path.join(WORKLOAD_DIR, dir))
        .filter((f) => !f.startsWith("."))
        .filter((f) => fs.statSync(path.join(WORKLOAD_DIR, dir, f)).isFile())
        .sort()
        .map((f) => `${dir}/${f}`);

/**
 * The source archive's text, path → content, for the chosen methods. Generated per-target files
 * (tfvars, CloudFormation parameters) come from the validated config, so the pipelines need no
 * separate upload step and nobody edits files by hand.
 */
export function sourceArchiveContents(config: CicdConfig, names: Names): Record<string, string> {
    const files: Record<string, string> = {};
    const read = (rel: string): string => fs.readFileSync(path.join(WORKLOAD_DIR, rel), "utf8");
    if (config.methods.includes("terraform")) {
        files["buildspec.yml"] = read("buildspec.yml");
        for (const rel of listFiles("terraform").filter((f) => f.endsWith(".tf"))) files[rel] = read(rel);
        for (const target of config.targets) {
            files[tfvarsFile(target)] = `${JSON.stringify(terraformVariables(config, names, target), null, 2)}\n`;
        }
    }
    if (config.methods.includes("cloudformation")) {
        files[TEMPLATE_FILE] = read(TEMPLATE_FILE);
        for (const target of config.targets) {
            files[parametersFile(target)] =
                `${JSON.stringify(cloudFormationParameters(config, names, target), null, 2)}\n`;
        }
    }
    return files;
}

export function sourceArchiveAssets(contents: Record<string, string>): Record<string, pulumi.asset.Asset> {
    return Object.fromEntries(Object.entries(contents).map(([p, text]) => [p, new pulumi.asset.StringAsset(text)]));
}
