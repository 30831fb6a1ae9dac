/**
 * ATTACK: someone with s3:PutObject on source/workload.zip uploads an archive that rewrites the build:
 * its own buildspec.yml, a changed step script, another lock file, or a provider that only the state
 * names. Before: each CodeBuild project read `buildspec.yml` from the archive. Now: the buildspec is
 * inline in the project, every script and the lock file are pinned by SHA-256, and Terraform may
 * install only the locked providers.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { lockedProviders, terraformCliConfig } from "../../methods/terraform/files";
import { proofConfig } from "../../tools/offline/program";
import { runBuildspec, sourceDir } from "../helpers/codebuild";
import { TerraformScenario } from "../helpers/fakeTools";
import { modelOf, runTerraformAction, targetOf, worldFor } from "../helpers/simulate";

const model = modelOf(proofConfig());
const dev = targetOf(model, "dev");

describe("ATTACK: the uploaded archive rewrites the build", () => {
    it("before: a project whose buildspec is a file of the archive runs whatever the archive's buildspec.yml says", async () => {
        const m = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "xacct-pwn-")), "pwned");
        const evil = `version: 0.2\nphases:\n  build:\n    commands:\n      - touch ${m}\n`;
        const dir = sourceDir({ "buildspec.yml": evil });
        // CodeBuild with `source.buildspec: buildspec.yml` (the old TerraformDeployer) reads that file.
        await runBuildspec(fs.readFileSync(path.join(dir, "buildspec.yml"), "utf8"), { cwd: dir, env: {}, tools: {} });
        expect(fs.existsSync(m)).to.equal(true);
    });

    it("now: every project's buildspec is inline text, so an archive's buildspec.yml is never read", async () => {
        for (const p of model.projects) {
            const spec = parse(p.buildspec) as { version: number; phases: unknown };
            expect(spec.version, p.name).to.equal(0.2);
            expect(p.buildspec, p.name).to.include("sha256sum -c");
        }
        const m = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "xacct-pwn-")), "pwned");
        const files = {
            ...model.sourceFiles,
            "buildspec.yml": `version: 0.2\nphases:\n  build:\n    commands:\n      - touch ${m}\n`,
        };
        const w = worldFor(model, dev);
        w.runVariables.TF_ACTION = "apply";
        const tf: TerraformScenario = {
            planJson: JSON.parse(
                fs.readFileSync(path.join(__dirname, "..", "fixtures", "review", "tf-noop.json"), "utf8"),
            ),
            apply: "ok",
            applied: [],
        };
        const r = await runTerraformAction(model, dev, "plan", { world: w, tf, source: sourceDir(files) });
        expect(r.status, r.stderr).to.equal(0);
        expect(fs.existsSync(m)).to.equal(false);
    });

    it("now: Terraform installs only the providers of the pinned lock file, and the lock file may not change", () => {
        const lock = model.sourceFiles["terraform/.terraform.lock.hcl"];
        expect(lockedProviders(lock)).to.deep.equal(["registry.terraform.io/hashicorp/aws"]);
        const rc = model.sourceFiles[".pipeline/terraformrc"];
        expect(rc).to.equal(terraformCliConfig(lock));
        expect(rc).to.include('include = [\n      "registry.terraform.io/hashicorp/aws",\n    ]');
        // A provider named only by the state or a module (hashicorp/external runs a program at plan
        // time) is in no installation method, so `terraform init` refuses it before it runs.
        expect(rc).to.not.include("external").and.not.include("*");
        for (const p of model.projects) expect(p.buildspec).to.include("terraform/.terraform.lock.hcl");
    });
});
