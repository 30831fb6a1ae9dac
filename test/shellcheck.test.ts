import { expect } from "chai";
import { spawnSync } from "child_process";
import * as path from "path";

const hasShellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
const REPO = path.join(__dirname, "..");

/** shellcheck's findings for files of the repository (empty when clean). */
function shellcheck(files: string[], shell?: "sh" | "bash"): string {
    const r = spawnSync("shellcheck", ["-x", ...(shell ? ["--shell", shell] : []), "--format", "gcc", ...files], {
        cwd: REPO,
        encoding: "utf8",
    });
    return r.stdout + r.stderr;
}

describe("shellcheck over the shell the pipelines and the deploy entry run", function () {
    before(function () {
        if (!hasShellcheck) {
            if (process.env.CI) throw new Error("shellcheck is not installed; .ci/run installs it");
            this.skip();
        }
    });

    it("the pipeline's step scripts (POSIX sh), following what they source", () => {
        expect(
            shellcheck(
                [
                    "methods/scripts/common.sh",
                    "methods/scripts/review.sh",
                    "methods/terraform/scripts/tf-step.sh",
                    "methods/cloudformation/scripts/cfn-step.sh",
                ],
                "sh",
            ),
        ).to.equal("");
    });

    it("the deploy entry point and the test stand-ins (bash)", () => {
        expect(shellcheck(["scripts/deploy-all.sh", "test/fixtures/pipeline-bin/stand-in"], "bash")).to.equal("");
    });

    it("catches a real problem (the check can fail)", () => {
        const r = spawnSync("shellcheck", ["--shell", "sh", "-"], { input: "rm -rf $DIR/*\n", encoding: "utf8" });
        expect(r.stdout).to.include("SC2115");
    });
});
