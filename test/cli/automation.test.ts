// The Workspace port on the real Automation API (cli/automation.ts), against the recording `pulumi`
// stand-in (test/fixtures/cli/bin/pulumi): which commands each call runs, and what the CLI makes of
// the answers.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { createWorkspace } from "../../cli/automation";
import { CliError } from "../../cli/errors";
import { tmpDir } from "./helpers/world";

const REPO = path.resolve(__dirname, "..", "..");
const STANDIN_BIN = path.join(REPO, "test", "fixtures", "cli", "bin");

/** Runs `f` with these variables in process.env (the Automation API's child processes inherit it). */
async function withEnv<T>(vars: Record<string, string>, f: () => Promise<T>): Promise<T> {
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    Object.assign(process.env, vars);
    try {
        return await f();
    } finally {
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
    }
}

describe("deploy CLI: the Automation API workspace", () => {
    it("says which tool is missing when there is no pulumi on PATH", async () => {
        const err = await withEnv({ PATH: tmpDir() }, () => createWorkspace(REPO).catch((e: unknown) => e));
        expect(err).to.be.instanceOf(CliError);
        expect((err as Error).message).to.match(/^required tool not found on PATH: pulumi/);
    });

    it("maps the port's calls onto the pulumi commands, with the backend and profile in their environment", async () => {
        const dir = tmpDir();
        const state = path.join(dir, "state.json");
        const log = path.join(dir, "calls.jsonl");
        fs.writeFileSync(
            state,
            JSON.stringify({
                loggedIn: false,
                stacks: {
                    cicd: { resources: 2, config: { "aws:region": "eu-west-1", "p:a": "1" }, outputs: { o: "v" } },
                },
                upOutputs: {},
            }),
        );
        const vars = {
            PATH: `${STANDIN_BIN}${path.delimiter}${process.env.PATH}`,
            STANDIN_STATE: state,
            STANDIN_LOG: log,
        };
        await withEnv(vars, async () => {
            const ws = await createWorkspace(REPO);
            expect(ws.pulumiVersion).to.equal("3.248.0");
            expect(await ws.whoAmI()).to.equal(undefined);
            ws.useBackend("file:///tmp/b");
            expect(await ws.whoAmI()).to.deep.equal({ user: "stand-in", url: "file:///tmp/b" });
            expect(await ws.listStacks()).to.deep.equal([{ name: "cicd", resourceCount: 2 }]);
            expect(await ws.exportedResourceCount("cicd")).to.equal(2);
            expect(await ws.getAllConfig("cicd")).to.deep.equal({ "aws:region": "eu-west-1", "p:a": "1" });
            await ws.removeAllConfig("cicd", ["p:a"]);
            expect(await ws.outputs("cicd")).to.deep.equal({ o: "v" });
            await ws.createOrSelectStack("target");
            await ws.up("target", { profile: "tg" });
            await ws.login("file:///tmp/b");
            const failure = await ws.getAllConfig("nope").catch((e: unknown) => e);
            expect((failure as Error).message).to.match(
                /^pulumi config --stack nope failed:\n.*no stack named 'nope' found/s,
            );
        });
        const calls = fs
            .readFileSync(log, "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l));
        expect(calls.map((c: any) => c.args.filter((a: string) => a !== "--non-interactive").join(" "))).to.deep.equal([
            "version",
            "whoami --json",
            "whoami --json",
            "stack ls --json",
            "stack export --show-secrets --stack cicd",
            "config --show-secrets --json --stack cicd",
            "config rm-all --stack cicd p:a",
            "stack output --json --stack cicd",
            "stack output --json --show-secrets --stack cicd",
            "stack select --stack target",
            "stack init target",
            "up --yes --skip-preview --exec-kind auto.local --stack target",
            "stack output --json --stack target",
            "stack output --json --show-secrets --stack target",
            "stack history --json --show-secrets --page-size 1 --page 1 --stack target",
            "login file:///tmp/b",
            "config --show-secrets --json --stack nope",
        ]);
        expect(calls.slice(2).every((c: any) => c.env.PULUMI_BACKEND_URL === "file:///tmp/b")).to.equal(true);
        // AWS_PROFILE is set for the operation (and the reads that finish it), and only then.
        expect(calls.map((c: any) => c.env.AWS_PROFILE).filter((p: unknown) => p !== null)).to.deep.equal([
            "tg",
            "tg",
            "tg",
            "tg",
        ]);
        expect(calls[calls.length - 2].env.AWS_PROFILE).to.equal(null);
    });
});
