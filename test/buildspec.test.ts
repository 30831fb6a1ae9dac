import { expect } from "chai";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { tfvarsFile, WORKLOAD_DIR } from "../artifacts/sourceArchive";
import { runCommands } from "./helpers/shell";

const buildspec = parse(fs.readFileSync(path.join(WORKLOAD_DIR, "buildspec.yml"), "utf8"));
const phases = ["install", "pre_build", "build"] as const;
const allCommands = (): string[] => phases.flatMap((p) => buildspec.phases[p].commands as string[]);
const FAKE_ZIP_SHA = createHash("sha256").update("fake terraform zip").digest("hex");

function runBuild(env: Record<string, string>) {
    const src = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-src-"));
    fs.mkdirSync(path.join(src, "terraform", "targets"), { recursive: true });
    fs.writeFileSync(path.join(src, tfvarsFile({ name: "default" })), "{}");
    const r = runCommands(
        allCommands(),
        {
            TF_VERSION: "1.11.4",
            TF_SHA256: FAKE_ZIP_SHA,
            TF_ACTION: "apply",
            TFSTATE_BUCKET_NAME: "xacct-tfstate-111111111111-eu-west-1",
            TFSTATE_FILE_NAME: "xacct/default/terraform.tfstate",
            TARGET_ROLE_ARN: "arn:aws:iam::222222222222:role/xacct-terraform-deploy",
            TARGET_ROLE_SESSION: "xacct-terraform-pipeline",
            TARGET_ACCOUNT_ID: "222222222222",
            TARGET_NAME: "default",
            AWS_REGION: "eu-west-1",
            ...env,
        },
        { shell: "bash", cwd: src },
    );
    fs.rmSync(src, { recursive: true, force: true });
    return r;
}
const terraformCalls = (calls: string[]) => calls.filter((c) => c.startsWith("terraform "));

describe("buildspec (method 1)", () => {
    it("is version 0.2, uses bash, and aborts on the first failed command of every phase", () => {
        expect(buildspec.version).to.equal(0.2);
        expect(buildspec.env.shell).to.equal("bash");
        for (const p of phases) expect(buildspec.phases[p]["on-failure"], p).to.equal("ABORT");
    });

    it("downloads the pinned Terraform, verifies its checksum, assumes the role, then init, validate, plan and apply the saved plan", () => {
        const r = runBuild({});
        expect(r.status, r.stderr).to.equal(0);
        expect(r.calls[0]).to.equal(
            "curl -fsSL --retry 3 -o /tmp/terraform.zip https://releases.hashicorp.com/terraform/1.11.4/terraform_1.11.4_linux_amd64.zip",
        );
        const assume = r.calls.findIndex((c) => c.startsWith("aws sts assume-role"));
        const init = r.calls.findIndex((c) => c.startsWith("terraform -chdir=terraform init"));
        expect(assume).to.be.greaterThan(0);
        expect(init, "the role is assumed before init: only the target role touches state").to.be.greaterThan(assume);
        expect(r.calls[assume]).to.include(
            "--role-arn arn:aws:iam::222222222222:role/xacct-terraform-deploy --role-session-name xacct-terraform-pipeline",
        );
        expect(terraformCalls(r.calls)).to.deep.equal([
            "terraform version",
            "terraform -chdir=terraform init -input=false -backend-config=bucket=xacct-tfstate-111111111111-eu-west-1 -backend-config=key=xacct/default/terraform.tfstate -backend-config=region=eu-west-1",
            "terraform -chdir=terraform validate",
            "terraform -chdir=terraform plan -input=false -var-file=targets/default.tfvars.json -out=tfplan",
            "terraform -chdir=terraform apply -input=false -auto-approve tfplan",
        ]);
    });

    it("plans a destroy when TF_ACTION is destroy", () => {
        const r = runBuild({ TF_ACTION: "destroy" });
        expect(r.status, r.stderr).to.equal(0);
        expect(terraformCalls(r.calls)).to.include(
            "terraform -chdir=terraform plan -input=false -destroy -var-file=targets/default.tfvars.json -out=tfplan",
        );
    });

    it("refuses a Terraform download whose checksum does not match, before running anything", () => {
        const r = runBuild({ TF_SHA256: "0".repeat(64) });
        expect(r.status).to.not.equal(0);
        expect(r.calls.filter((c) => !c.startsWith("curl"))).to.deep.equal([]);
    });

    it("refuses an unknown TF_ACTION before assuming any role", () => {
        const r = runBuild({ TF_ACTION: "plan" });
        expect(r.status).to.not.equal(0);
        expect(r.stderr).to.include("TF_ACTION must be apply or destroy; got 'plan'");
        expect(r.calls.some((c) => c.startsWith("aws "))).to.equal(false);
    });

    it("stops with a hint when the deploy role cannot be assumed", () => {
        const r = runBuild({ STUB_ASSUME: "fail" });
        expect(r.status).to.not.equal(0);
        expect(r.stderr).to.include("Has the target stack been deployed");
        expect(terraformCalls(r.calls)).to.deep.equal(["terraform version"]);
    });

    it("stops when the assumed credentials are for another account", () => {
        const r = runBuild({ STUB_ACCOUNT: "999999999999" });
        expect(r.status).to.not.equal(0);
        expect(r.stderr).to.include("Expected account 222222222222, running as 999999999999");
        expect(terraformCalls(r.calls)).to.deep.equal(["terraform version"]);
    });

    it("fails the build, without applying, when the plan fails", () => {
        const r = runBuild({ STUB_TERRAFORM_FAIL: "plan" });
        expect(r.status).to.not.equal(0);
        expect(terraformCalls(r.calls).some((c) => c.includes(" apply "))).to.equal(false);
    });
});
