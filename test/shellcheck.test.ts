import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { cloudFormationCommands } from "../artifacts/cloudFormationCommands";
import { WORKLOAD_DIR } from "../artifacts/sourceArchive";

const hasShellcheck = spawnSync("shellcheck", ["--version"]).status === 0;

/** Lints a shell text; returns shellcheck's findings (empty when clean). */
function shellcheck(text: string, shell: "sh" | "bash"): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "xacct-sc-")), `extracted.${shell}`);
    fs.writeFileSync(file, `#!/bin/${shell}\n${text}\n`);
    const r = spawnSync("shellcheck", ["--shell", shell, "--format", "gcc", file], { encoding: "utf8" });
    return r.stdout + r.stderr;
}

describe("shellcheck over the shell the pipelines run", function () {
    before(function () {
        if (!hasShellcheck) {
            if (process.env.CI) throw new Error("shellcheck is not installed; .ci/run installs it");
            this.skip();
        }
    });

    it("the buildspec's commands (bash), with CodeBuild's environment declared", () => {
        const buildspec = parse(fs.readFileSync(path.join(WORKLOAD_DIR, "buildspec.yml"), "utf8"));
        const vars = [
            "TF_VERSION",
            "TF_SHA256",
            "TF_ACTION",
            "TFSTATE_BUCKET_NAME",
            "TFSTATE_FILE_NAME",
            "TARGET_ROLE_ARN",
            "TARGET_ROLE_SESSION",
            "TARGET_ACCOUNT_ID",
            "TARGET_NAME",
            "AWS_REGION",
        ];
        const header = vars.map((v) => `: "\${${v}:?}"`).join("\n");
        const body = ["install", "pre_build", "build"]
            .flatMap((p) => buildspec.phases[p].commands as string[])
            .join("\n");
        expect(shellcheck(`${header}\n${body}`, "bash")).to.equal("");
    });

    it("the Commands action's commands (POSIX sh), with the pipeline-variable syntax stood in for", () => {
        const commands = cloudFormationCommands({
            suffix: "_PROD",
            targetAccountId: "222222222222",
            parametersFile: "cloudformation/parameters-prod.json",
            templateFile: "cloudformation/template.yaml",
        });
        const text = commands.join("\n").replace(/#\{variables\.([A-Z0-9_]+)\}/g, "pipeline-variable-$1");
        expect(text).to.not.include("#{");
        expect(shellcheck(text, "sh")).to.equal("");
    });

    it("catches a real problem (the check can fail)", () => {
        expect(shellcheck("rm -rf $DIR/*", "sh")).to.include("SC2115");
    });
});
