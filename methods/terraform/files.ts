/** The files of method 1: the inline buildspec, the Terraform CLI configuration, the workload's variables. */
import * as fs from "fs";
import * as path from "path";
import { CicdConfig, TargetConfig } from "../../config";
import { Names } from "../../names";
import { WORKLOAD_TAG_KEY } from "../../policies";
import { PIPELINE_DIR, PinnedFile, repoFile, verifyCommand } from "../pinned";

const WORKLOAD_DIR = path.join(__dirname, "..", "..", "workload", "terraform");

/** The workload's Terraform files (workload/terraform/*.tf), as `terraform/<file>` in the source archive. */
export function workloadFiles(): PinnedFile[] {
    return fs
        .readdirSync(WORKLOAD_DIR)
        .filter((f) => f.endsWith(".tf"))
        .sort()
        .map((f) => repoFile(`workload/terraform/${f}`, `terraform/${f}`));
}

export const tfvarsFile = (target: Pick<TargetConfig, "name">): string =>
    `terraform/targets/${target.name}.tfvars.json`;

/** terraform/targets/<name>.tfvars.json: the Terraform variables of one target. */
export function terraformVariables(
    config: Pick<CicdConfig, "region" | "instanceType" | "amiParameter" | "amiId">,
    names: Names,
    target: Pick<TargetConfig, "accountId" | "subnetId" | "securityGroupId">,
): Record<string, string> {
    const m = names.terraform;
    return {
        region: config.region,
        account_id: target.accountId,
        name_prefix: m.workload,
        workload_tag_key: WORKLOAD_TAG_KEY,
        workload_tag: m.workload,
        subnet_id: target.subnetId,
        security_group_id: target.securityGroupId,
        instance_type: config.instanceType,
        instance_profile_name: m.instanceProfile,
        ami_parameter: config.amiParameter,
        // Empty: the AMI the parameter names when the instance is first created, kept afterwards.
        ami_id: config.amiId ?? "",
    };
}

/** The provider addresses a lock file pins: `registry.terraform.io/hashicorp/aws`, ... */
export function lockedProviders(lockFile: string): string[] {
    const found = [...lockFile.matchAll(/^provider\s+"([^"]+)"\s*\{/gm)].map((m) => m[1]);
    if (found.length === 0) throw new Error("the Terraform lock file pins no provider");
    return found;
}

/**
 * A CLI configuration that installs only the locked providers, and only from their registry
 * (https://developer.hashicorp.com/terraform/cli/config/config-file#provider-installation). A
 * provider named only by the state or by a module ("was not found in any of the search locations")
 * fails `terraform init` before any of its code runs.
 */
export function terraformCliConfig(lockFile: string): string {
    const include = lockedProviders(lockFile)
        .map((p) => `      ${JSON.stringify(p)},`)
        .join("\n");
    return [
        "# Written by the cicd stack; the buildspec checks its SHA-256.",
        "provider_installation {",
        "  direct {",
        "    include = [",
        include,
        "    ]",
        "  }",
        "}",
        "",
    ].join("\n");
}

/** One YAML line: a double-quoted scalar (JSON string syntax is valid YAML). */
const item = (indent: number, command: string): string => `${" ".repeat(indent)}- ${JSON.stringify(command)}`;

/**
 * The buildspec of every Terraform project: the scripts' pins are checked, Terraform is installed,
 * and the step runs (TF_STEP comes from the pipeline action, a literal). The plan's results are read
 * from files into the exported variables, as data (buildspec `env.exported-variables`).
 */
export function buildspec(pinned: readonly PinnedFile[], opts: { artifacts: boolean }): string {
    const gate = [
        `if [ -f .plan/review/changes ]; then`,
        `CHANGES=$(cat .plan/review/changes); APPROVAL=$(cat .plan/review/approval);`,
        `RISK=$(cat .plan/review/risk); SUMMARY=$(cat .plan/review/summary.txt);`,
        `fi;`,
        `if [ -f .plan/sha256 ]; then PLAN_SHA256=$(cat .plan/sha256); fi`,
    ].join(" ");
    const lines = [
        "version: 0.2",
        "env:",
        "  shell: bash",
        "  exported-variables:",
        ...["CHANGES", "APPROVAL", "RISK", "SUMMARY", "PLAN_SHA256"].map((v) => `    - ${v}`),
        "phases:",
        "  install:",
        "    on-failure: ABORT",
        "    commands:",
        item(6, verifyCommand(pinned)),
        item(6, `sh ${PIPELINE_DIR}/tf-step.sh install`),
        "  build:",
        "    on-failure: ABORT",
        "    commands:",
        item(6, `sh ${PIPELINE_DIR}/tf-step.sh "$TF_STEP"`),
        item(6, gate),
    ];
    if (opts.artifacts) {
        lines.push("artifacts:", "  base-directory: .plan", "  files:", item(4, "**/*"));
    }
    return `${lines.join("\n")}\n`;
}
