// The deploy-all stand-ins' wire: test/fixtures/bin/stub (bash, /dev/tcp) and the server in
// test/helpers/stubCli.ts. The deploy-all suites trust that a call arrives with its arguments
// unchanged and that the answer comes back byte for byte; this shows it.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { STUBS, readCalls, spawnAsync } from "./helpers/deployAll";
import { encodeReply, parseRequest, stubPort } from "./helpers/stubCli";

describe("deploy-all test stand-ins (client and server)", () => {
    let dir: string;
    let env: Record<string, string>;
    beforeEach(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "stub-wire-"));
        env = {
            PATH: `${STUBS}${path.delimiter}${process.env.PATH ?? ""}`,
            HOME: dir, // bash on a socket for stdin reads ~/.bashrc (it takes itself for rshd)
            STUB_PORT: String(await stubPort()),
            STUB_LOG: path.join(dir, "calls.jsonl"),
            STUB_SCENARIO: path.join(dir, "scenario.json"),
        };
        fs.writeFileSync(
            env.STUB_SCENARIO,
            JSON.stringify({
                accounts: { "pröfile with space": "123456789012" },
                pulumi: { loggedIn: true, stacks: { s: { config: { "a:b": "x y\nz ü" } } } },
            }),
        );
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const sh = (script: string, extra: Record<string, string> = {}) =>
        spawnAsync("bash", ["-c", script], { cwd: dir, env: { ...env, ...extra }, input: "" });

    it("passes arguments with spaces, newlines and UTF-8 unchanged, and the profile as set", async () => {
        const r =
            await sh(`AWS_PROFILE='pröfile with space' aws sts get-caller-identity --query 'Account' --output "te xt
"`);
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout).to.equal("123456789012\n");
        expect(readCalls(env.STUB_LOG)).to.deep.equal([
            {
                tool: "aws",
                args: ["sts", "get-caller-identity", "--query", "Account", "--output", "te xt\n"],
                profile: "pröfile with space",
            },
        ]);
    });

    it("returns stdout byte for byte, and tells an unset AWS_PROFILE (null) from an empty one", async () => {
        const r = await sh(`out=$(pulumi config get a:b --stack s); printf '[%s]' "$out"; AWS_PROFILE= pulumi whoami`);
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout).to.equal("[x y\nz ü]User: stub-user\n");
        expect(readCalls(env.STUB_LOG).map((c) => c.profile)).to.deep.equal([null, ""]);
    });

    it("returns the exit code and stderr of a failing call, and logs it too", async () => {
        const r = await sh(`pulumi config get missing --stack s; echo "rc=$?"`);
        expect(r.stdout).to.equal("rc=255\n");
        expect(r.stderr).to.equal("error: configuration key 'missing' not found for stack 's'\n");
        expect(readCalls(env.STUB_LOG)).to.have.length(1);
        const unsupported = await sh("aws ec2 describe-instances");
        expect(unsupported.status).to.equal(2);
        expect(unsupported.stderr).to.match(/stub aws: unsupported command: ec2 describe-instances/);
    });

    it("refuses to run without STUB_PORT, saying so", async () => {
        const r = await sh("pulumi whoami", { STUB_PORT: "" });
        expect(r.status).to.equal(70);
        expect(r.stderr).to.match(/stub pulumi: STUB_PORT is not set/);
        expect(fs.existsSync(env.STUB_LOG)).to.equal(false);
    });

    it("parses a request only once it is complete, and frames a reply by byte counts", () => {
        const wire = Buffer.from(["aws", "", "", "/l", "/s", "/cwd", "2", "sts", "ü", ""].join("\0"));
        expect(parseRequest(wire.subarray(0, wire.length - 2))).to.equal(undefined);
        expect(parseRequest(wire)).to.deep.equal({
            tool: "aws",
            args: ["sts", "ü"],
            profile: null,
            log: "/l",
            scenarioFile: "/s",
            cwd: "/cwd",
        });
        expect(encodeReply({ code: 3, stdout: "ü\n", stderr: "e" }).toString("utf8")).to.equal("3 3 1\nü\ne");
    });
});
