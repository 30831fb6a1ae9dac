// End to end: the real scripts/deploy-all.sh execs the real CLI, whose Automation API runs a recording
// `pulumi` stand-in found on PATH (test/fixtures/cli/bin/pulumi), and whose AWS SDK clients resolve
// the profiles from a credentials file and call STS at a local endpoint (AWS_ENDPOINT_URL) served by
// this test. Nothing in the CLI knows it is under test.
import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { CICD, NS, SG, SUBNET, TARGET, tmpDir } from "./helpers/world";

const REPO = path.resolve(__dirname, "..", "..");
const SCRIPT = path.join(REPO, "scripts", "deploy-all.sh");
const STANDIN_BIN = path.join(REPO, "test", "fixtures", "cli", "bin");
const KEYS: Record<string, string> = { AKIAE2ECICD000000000: CICD, AKIAE2ETARGET0000000: TARGET };

/** STS GetCallerIdentity, answering with the account of the request's access key (SigV4 Credential=). */
function stsEndpoint(seen: string[]): Promise<{ url: string; close: () => void }> {
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d: Buffer) => (body += d.toString()));
        req.on("end", () => {
            const key = /Credential=([A-Z0-9]+)\//.exec(req.headers.authorization ?? "")?.[1] ?? "";
            seen.push(`${key} ${new URLSearchParams(body).get("Action")}`);
            const account = KEYS[key];
            res.writeHead(account ? 200 : 403, { "content-type": "text/xml" });
            res.end(
                account
                    ? `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
                          `<Arn>arn:aws:iam::${account}:user/e2e</Arn><UserId>AIDAE2E</UserId><Account>${account}</Account>` +
                          `</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
                    : `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>unknown key</Message></Error></ErrorResponse>`,
            );
        });
    });
    return new Promise((resolve) =>
        server.listen(0, "127.0.0.1", () =>
            resolve({
                url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
                close: () => server.close(),
            }),
        ),
    );
}

function run(
    args: string[],
    env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn("bash", [SCRIPT, ...args], { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), 55000);
        child.on("error", reject);
        child.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout, stderr });
        });
    });
}

describe("scripts/deploy-all.sh end to end (recording pulumi stand-in, local STS)", () => {
    it("deploys cicd then target with their profiles through the CLI and the Automation API", async () => {
        const tmp = tmpDir();
        const seen: string[] = [];
        const sts = await stsEndpoint(seen);
        try {
            fs.writeFileSync(
                path.join(tmp, "credentials"),
                "[ci]\naws_access_key_id = AKIAE2ECICD000000000\naws_secret_access_key = x\n" +
                    "[tg]\naws_access_key_id = AKIAE2ETARGET0000000\naws_secret_access_key = x\n",
            );
            fs.writeFileSync(
                path.join(tmp, "config"),
                "[profile ci]\nregion = eu-west-1\n[profile tg]\nregion = us-east-1\n",
            );
            const stateFile = path.join(tmp, "state.json");
            const outputs = {
                terraformPipelineName: "xacct-terraform",
                cloudFormationPipelineName: "xacct-cloudformation",
            };
            fs.writeFileSync(stateFile, JSON.stringify({ loggedIn: false, stacks: {}, upOutputs: { cicd: outputs } }));
            const log = path.join(tmp, "calls.jsonl");
            const env = {
                PATH: [STANDIN_BIN, path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
                HOME: tmp,
                LANG: "C",
                AWS_CONFIG_FILE: path.join(tmp, "config"),
                AWS_SHARED_CREDENTIALS_FILE: path.join(tmp, "credentials"),
                AWS_ENDPOINT_URL: sts.url,
                AWS_ACCESS_KEY_ID: "AKIASTATIC", // ignored, with a warning: the profiles decide
                AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
                PULUMI_CONFIG_PASSPHRASE: "e2e",
                PULUMI_STATE_DIR: path.join(tmp, "pulumi-state"),
                STANDIN_LOG: log,
                STANDIN_STATE: stateFile,
            };
            const r = await run(["-c", "ci", "-t", "tg", "-n", SUBNET, "-g", SG, "-s", "E2eWorkload"], env);
            const output = `${r.stdout}\n${r.stderr}`;
            expect(r.status, output).to.equal(0);

            // STS saw both profiles' keys (from the credentials file, not the static key in the environment).
            expect(seen).to.deep.equal([
                "AKIAE2ECICD000000000 GetCallerIdentity",
                "AKIAE2ETARGET0000000 GetCallerIdentity",
            ]);
            expect(r.stderr).to.match(/deploy-all.sh: warning: ignoring AWS_ACCESS_KEY_ID from the environment/);

            const calls = fs
                .readFileSync(log, "utf8")
                .trim()
                .split("\n")
                .map((l) => JSON.parse(l) as { args: string[]; env: Record<string, string | boolean | null> });
            const cmd = (c: { args: string[] }): string => c.args.filter((a) => a !== "--non-interactive").join(" ");
            const backend = `file://${path.join(tmp, "pulumi-state")}`;
            // The Automation API runs every command non-interactively; after the login check fails, the
            // CLI points every later call at the local file backend.
            expect(calls.every((c) => c.args.includes("--non-interactive") || c.args[0] === "version")).to.equal(true);
            expect(calls.slice(0, 2).map(cmd)).to.deep.equal(["version", "whoami --json"]);
            expect(calls.slice(2).every((c) => c.env.PULUMI_BACKEND_URL === backend)).to.equal(true);
            const at = (command: string): number =>
                calls.findIndex((c) => cmd(c) === command || cmd(c).startsWith(`${command} `));
            const ups = calls.filter((c) => c.args[0] === "up");
            expect(ups.map((c) => [c.args[c.args.indexOf("--stack") + 1], c.env.AWS_PROFILE])).to.deep.equal([
                ["cicd", "ci"],
                ["target", "tg"],
            ]);
            expect(ups[0].args).to.include.members(["--yes", "--skip-preview", "--exec-kind", "auto.local"]);
            expect(ups[0].args[ups[0].args.indexOf("--event-log") + 1]).to.match(/^tcp:\/\/127\.0\.0\.1:\d+$/);
            const order = [
                at("login"),
                at("stack select --stack cicd"),
                at("stack init cicd"),
                at("config set-all --stack cicd"),
                at("up --yes --skip-preview --exec-kind auto.local --event-log"),
                at("stack init target"),
                at("config set-all --stack target"),
            ];
            expect(
                order.every((i) => i >= 0),
                JSON.stringify(order),
            ).to.equal(true);
            expect([...order].sort((a, b) => a - b)).to.deep.equal(order);
            expect(calls[at("login")].args.slice(0, 2)).to.deep.equal(["login", backend]);
            expect(calls.indexOf(ups[1])).to.be.greaterThan(at("config set-all --stack target"));
            const setAll = (stack: string): string[] =>
                calls
                    .find((c) => cmd(c).startsWith(`config set-all --stack ${stack}`))!
                    .args.filter((_, i, all) => all[i - 1] === "--plaintext");
            expect(setAll("cicd")).to.deep.equal([
                "aws:region=eu-west-1",
                `${NS}:targetAccountId=${TARGET}`,
                `${NS}:subnetId=${SUBNET}`,
                `${NS}:securityGroupId=${SG}`,
                `${NS}:cfnStackName=E2eWorkload`,
                `${NS}:methods=terraform,cloudformation`,
            ]);
            expect(setAll("target")).to.deep.equal(["aws:region=eu-west-1", `${NS}:cicdStack=organization/${NS}/cicd`]);
            expect(calls.every((c) => c.env.PULUMI_CONFIG_PASSPHRASE === true)).to.equal(true);

            // The resource counter came from the engine events streamed over gRPC; then the next step.
            expect(r.stdout).to.match(/cicd: 3 create \(1 s\)/);
            expect(r.stdout).to.match(/target: 3 create \(1 s\)/);
            expect(r.stdout).to.include(
                "aws codepipeline start-pipeline-execution --name xacct-terraform --profile ci --region eu-west-1",
            );
        } finally {
            sts.close();
        }
    });

    it("-h prints the script's usage with every flag, and a bad flag exits 2 with it, without node", () => {
        const help = spawnSync("bash", [SCRIPT, "-h"], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
        expect(help.status).to.equal(0);
        for (const flag of [
            "-c",
            "-t",
            "-T",
            "-A",
            "-O",
            "-n",
            "-g",
            "-s",
            "-r",
            "-m",
            "-o",
            "-p",
            "-d",
            "-f",
            "-P",
            "-y",
            "-j",
            "-h",
        ]) {
            expect(help.stdout).to.include(`  ${flag} `);
        }
        const bad = spawnSync("bash", [SCRIPT, "-c", "ci", "-x"], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
        expect(bad.status).to.equal(2);
        expect(bad.stderr).to.match(/^deploy-all.sh: unknown option -x\n\nUsage:/);
    });

    it("is shellcheck-clean, and short", function () {
        if (spawnSync("sh", ["-c", "command -v shellcheck"]).status !== 0) this.skip();
        const r = spawnSync("shellcheck", [SCRIPT], { encoding: "utf8" });
        expect(r.status, r.stdout + r.stderr).to.equal(0);
        const text = fs.readFileSync(SCRIPT, "utf8");
        expect(text).not.to.match(/node -e|JSON\.parse/);
        expect(text.split("\n").length).to.be.lessThan(130);
    });
});
