/**
 * The review CLI (review/cli.js) as the pipeline runs it.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CLASSIFY, FIXTURES, tf } from "./helpers";

describe("review/classify: the CLI", () => {
    const dirs: string[] = [];
    const tmp = (): string => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-review-"));
        dirs.push(dir);
        return dir;
    };
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
    const run = (...args: string[]) => spawnSync(process.execPath, [CLASSIFY, ...args], { encoding: "utf8" });
    const read = (dir: string, name: string) => fs.readFileSync(path.join(dir, name), "utf8");

    it("writes review.json, summary.txt, report.md, changes, approval and risk for a Terraform plan", () => {
        const out = path.join(tmp(), "review");
        const input = path.join(FIXTURES, "tf-instance-replace.json");
        const r = run("terraform", input, "--target", "dev", "--out", out, "--policy", "risk");
        expect(r.stderr).to.equal("");
        expect(r.status).to.equal(0);
        expect(fs.readdirSync(out).sort()).to.deep.equal(
            ["approval", "changes", "report.md", "review.json", "risk", "summary.txt"].sort(),
        );
        expect(JSON.parse(read(out, "review.json"))).to.deep.equal(
            JSON.parse(JSON.stringify(tf("tf-instance-replace.json"))),
        );
        expect(read(out, "summary.txt")).to.equal(
            "dev: +0 ~0 -0 -/+1; risk: stateful-deletion (aws_instance.workload)\n",
        );
        expect(read(out, "report.md").split("\n")[0]).to.equal("# Deployment review: dev");
        expect(read(out, "changes")).to.equal("yes\n");
        expect(read(out, "approval")).to.equal("required\n");
        expect(read(out, "risk")).to.equal("stateful-deletion\n");
    });

    it("an empty change set: no changes, approval not required, risk none", () => {
        const out = tmp();
        const r = run("cloudformation", path.join(FIXTURES, "cfn-empty.json"), "--target", "prod", "--out", out);
        expect(r.status).to.equal(0);
        expect(read(out, "changes")).to.equal("no\n");
        expect(read(out, "approval")).to.equal("not-required\n");
        expect(read(out, "risk")).to.equal("none\n");
        expect(read(out, "summary.txt")).to.equal("prod: no changes\n");
    });

    it("policy and approval flags: several classes, approval off, a short summary", () => {
        const out = tmp();
        const input = path.join(FIXTURES, "tf-create-workload.json");
        const r = run(
            "terraform",
            input,
            "--target",
            "dev",
            "--out",
            out,
            "--require-approval",
            "false",
            "--max-summary",
            "40",
        );
        expect(r.status).to.equal(0);
        expect(read(out, "approval")).to.equal("not-required\n");
        expect(read(out, "risk")).to.equal("permissions-broadening\n");
        expect(read(out, "summary.txt")).to.equal("dev: +4 ~0 -0 -/+0; risk: 1 class\n");
        const safe = tmp();
        const narrowing = path.join(FIXTURES, "cfn-role-narrowing.json");
        expect(run("cloudformation", narrowing, "--target", "dev", "--out", safe, "--policy", "risk").status).to.equal(
            0,
        );
        expect(read(safe, "approval")).to.equal("not-required\n");
        expect(run("cloudformation", narrowing, "--target", "dev", "--out", safe).status).to.equal(0);
        expect(read(safe, "approval")).to.equal("required\n");
    });

    for (const target of ["Dev", "-dev", "1dev", "dev_1", "../dev", "dev;rm", "d".repeat(21), ""]) {
        it(`refuses the target name ${JSON.stringify(target)} (exit 2, nothing written)`, () => {
            const out = path.join(tmp(), "review");
            const r = run("terraform", path.join(FIXTURES, "tf-noop.json"), "--target", target, "--out", out);
            expect(r.status).to.equal(2);
            expect(r.stderr).to.equal("review: --target must match ^[a-z][a-z0-9-]{0,19}$\n");
            expect(fs.existsSync(out)).to.equal(false);
        });
    }

    it("refuses invalid JSON, an unreadable file, a non-plan and a bad usage with exit 2 and one line", () => {
        const dir = tmp();
        const bad = path.join(dir, "bad.json");
        fs.writeFileSync(bad, '{"format_version": "1.2", ');
        const out = path.join(dir, "out");
        const cases: [string[], RegExp][] = [
            [["terraform", bad, "--target", "dev", "--out", out], /^review: the input is not valid JSON\n$/],
            [
                ["terraform", path.join(dir, "missing.json"), "--target", "dev", "--out", out],
                /^review: cannot read the input file \(ENOENT\)\n$/,
            ],
            [
                ["cloudformation", path.join(FIXTURES, "tf-noop.json"), "--target", "dev", "--out", out],
                /^review: the input is not a change set: .*\n$/,
            ],
            [
                ["terraform", path.join(FIXTURES, "cfn-empty.json"), "--target", "dev", "--out", out],
                /^review: the input is not a plan: .*\n$/,
            ],
            [["pulumi", bad, "--target", "dev", "--out", out], /^review: unknown command pulumi; .*\n$/],
            [["terraform", bad, "--target", "dev"], /^review: --out is required\n$/],
            [
                ["terraform", bad, "--target", "dev", "--out", out, "--policy", "always"],
                /^review: --policy must be changes or risk\n$/,
            ],
            [
                ["terraform", bad, "--target", "dev", "--out", out, "--bogus", "1"],
                /^review: unknown or incomplete option --bogus\n$/,
            ],
        ];
        for (const [args, stderr] of cases) {
            const r = run(...args);
            expect(r.status, args.join(" ")).to.equal(2);
            expect(r.stderr, args.join(" ")).to.match(stderr);
            expect(r.stderr.split("\n")).to.have.length(2);
        }
        expect(fs.existsSync(out)).to.equal(false);
    });
});
