// Scenarios for the deploy CLI's tests, and a harness that runs the CLI (cli/run.ts) against the
// fakes and returns what it printed and every call it made, in order.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CliError } from "../../../cli/errors";
import { runCli } from "../../../cli/run";
import { Call, FakeIo, FakeWorkspace, fakeAws, World } from "./fakes";

export const NS = "cross-account-pipeline";
export const CICD = "111111111111";
export const TARGET = "222222222222";
export const DEV = "222222222222";
export const STAGING = "333333333333";
export const PROD = "444444444444";
export const MGMT = "999999999999";
export const SUBNET = "subnet-0123456789abcdef0";
export const SG = "sg-0123456789abcdef0";
export const DEPLOY = ["deploy", "-c", "ci", "-t", "tg", "-n", SUBNET, "-g", SG];
export const TEARDOWN = ["teardown", "-c", "ci", "-t", "tg"];
export const STACKS = ["target-dev", "target-staging", "target-prod"];
export const PROFILES = ["dev", "stg", "prd"];

export const OUTPUTS = {
    cicdAccountId: CICD,
    region: "eu-west-1",
    terraformPipelineName: "xacct-terraform",
    cloudFormationPipelineName: "xacct-cloudformation",
    artifactBucketName: "xacct-artifacts-111111111111-eu-west-1",
    stateBucketName: "xacct-tfstate-111111111111-eu-west-1",
};

/** A CI/CD profile and a target profile in another account, logged in to a file backend, no stacks. */
export function baseWorld(): World {
    return {
        pulumi: {
            loggedIn: true,
            url: "file:///somewhere/state",
            stacks: {},
            upOutputs: { cicd: { ...OUTPUTS } },
            stackFiles: {},
        },
        accounts: { ci: CICD, tg: TARGET, dev: DEV, stg: STAGING, prd: PROD, mgmt: MGMT },
        regions: { ci: "eu-west-1", tg: "us-east-1" },
        executions: {},
        buckets: {},
        log: [],
    };
}

/** cicd and target deployed (region eu-west-2): what a single-target teardown starts from. */
export function deployedWorld(): World {
    const w = baseWorld();
    w.pulumi.stacks = {
        cicd: {
            resources: 12,
            config: { "aws:region": "eu-west-2", [`${NS}:targetAccountId`]: TARGET },
            outputs: { ...OUTPUTS, region: "eu-west-2" },
        },
        target: { resources: 4, config: { "aws:region": "eu-west-2" }, outputs: {} },
    };
    w.executions = {
        [OUTPUTS.terraformPipelineName]: ["InProgress", "InProgress", "Succeeded"],
        [OUTPUTS.cloudFormationPipelineName]: ["InProgress", "Succeeded"],
    };
    w.pageSize = 2; // several list/delete rounds
    w.buckets = {
        [OUTPUTS.artifactBucketName]: {
            versions: [
                { Key: "source/a.zip", VersionId: "v1" },
                { Key: "source/a.zip", VersionId: "v2" },
                { Key: "build/b.zip", VersionId: "null" },
            ],
            deleteMarkers: [{ Key: "source/a.zip", VersionId: "m1" }],
        },
        [OUTPUTS.stateBucketName]: {
            versions: [
                { Key: "xacct/222222222222/terraform.tfstate", VersionId: "s1" },
                { Key: "xacct/222222222222/terraform.tfstate", VersionId: "s2" },
            ],
            deleteMarkers: [],
        },
    };
    return w;
}

export interface Entry {
    name: string;
    profile?: string;
    accountId?: string;
    subnetId: string;
    securityGroupId: string;
    requireApproval?: unknown;
    wave?: string;
    [k: string]: unknown;
}
/** dev, staging, prod: profiles dev, stg, prd; an approval before prod. */
export function entries(): Entry[] {
    return [
        { name: "dev", profile: "dev", subnetId: "subnet-0aaaaaaaaaaaaaaaa", securityGroupId: "sg-0aaaaaaaaaaaaaaaa" },
        {
            name: "staging",
            profile: "stg",
            subnetId: "subnet-0bbbbbbbbbbbbbbbb",
            securityGroupId: "sg-0bbbbbbbbbbbbbbbb",
        },
        {
            name: "prod",
            profile: "prd",
            subnetId: "subnet-0cccccccccccccccc",
            securityGroupId: "sg-0cccccccccccccccc",
            requireApproval: true,
        },
    ];
}
/** What the cicd stack's targets config must hold for entries(). */
export const EXPECTED = [
    { name: "dev", accountId: DEV, subnetId: "subnet-0aaaaaaaaaaaaaaaa", securityGroupId: "sg-0aaaaaaaaaaaaaaaa" },
    {
        name: "staging",
        accountId: STAGING,
        subnetId: "subnet-0bbbbbbbbbbbbbbbb",
        securityGroupId: "sg-0bbbbbbbbbbbbbbbb",
    },
    {
        name: "prod",
        accountId: PROD,
        subnetId: "subnet-0cccccccccccccccc",
        securityGroupId: "sg-0cccccccccccccccc",
        requireApproval: true,
    },
];

/** cicd and the three target stacks deployed. */
export function multiDeployedWorld(): World {
    const w = deployedWorld();
    w.pulumi.stacks = {
        cicd: {
            resources: 20,
            config: { "aws:region": "eu-west-2", [`${NS}:targets`]: JSON.stringify(EXPECTED) },
            outputs: { ...OUTPUTS, region: "eu-west-2" },
        },
        ...Object.fromEntries(
            STACKS.map((st) => [st, { resources: 4, config: { "aws:region": "eu-west-2" }, outputs: {} }]),
        ),
    };
    return w;
}

export const tmpDirs: string[] = [];
after(() => {
    for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});
export function tmpDir(): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-cli-"));
    tmpDirs.push(d);
    return d;
}
/** Writes a targets file (a value as JSON, a string as is); returns its path. */
export function targetsFile(content: unknown = entries()): string {
    const file = path.join(tmpDir(), "targets.json");
    fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
    return file;
}

export interface Run {
    code: number;
    stdout: string;
    stderr: string;
    output: string;
    calls: Call[];
    questions: string[];
    world: World;
    env: NodeJS.ProcessEnv;
    stateDir: string;
}

/** Runs the CLI. Without `interactive`, stdin is not a terminal: the CLI must assume -y. */
export async function cli(
    args: string[],
    world: World,
    opts: { interactive?: boolean; answers?: string[]; env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<Run> {
    const stateDir = path.join(tmpDir(), "state");
    const env: NodeJS.ProcessEnv = { PULUMI_CONFIG_PASSPHRASE: "test", PULUMI_STATE_DIR: stateDir, POLL_SECONDS: "0" };
    for (const [k, v] of Object.entries(opts.env ?? {})) {
        if (v === undefined) delete env[k];
        else env[k] = v;
    }
    const io = new FakeIo(opts.interactive ?? false, opts.answers ?? []);
    let polls = 0;
    const code = await runCli(args, {
        workspace: () => {
            world.log.push({ kind: "ws", op: "version" });
            if (world.pulumi.missing) return Promise.reject(new CliError("required tool not found on PATH: pulumi"));
            return Promise.resolve(new FakeWorkspace(world));
        },
        aws: fakeAws(world),
        io,
        env,
        cwd: opts.cwd ?? process.cwd(),
        repoRoot: "/nonexistent-repo",
        // Polls never wait; a CLI that polls on and on fails the test rather than hanging it.
        sleep: () => (++polls > 500 ? Promise.reject(new Error("the CLI polled 500 times")) : Promise.resolve()),
        now: () => Date.UTC(2025, 0, 1, 12, 0, 0),
    });
    return {
        code,
        stdout: io.out,
        stderr: io.err,
        output: io.out + io.err,
        calls: world.log,
        questions: io.questions,
        world,
        env,
        stateDir,
    };
}

type Pred = (c: Call) => boolean;
export const ws =
    (op: string, stack?: string): Pred =>
    (c) =>
        c.kind === "ws" && c.op === op && (stack === undefined || c.stack === stack);
export const aws =
    (op: string, profile?: string): Pred =>
    (c) =>
        c.kind === "aws" && c.op === `${op}Command` && (profile === undefined || c.profile === profile);
export const first = (r: Run, p: Pred): number => r.calls.findIndex(p);
export const last = (r: Run, p: Pred): number =>
    r.calls.map((c, i) => (p(c) ? i : -1)).reduce((a, b) => Math.max(a, b), -1);
/** The calls matching `p` (typed loosely: tests read their inputs). */
export const all = <T = any>(r: Run, p: Pred): T[] => r.calls.filter(p) as T[];
/** The config a stack was given, merged over every setAllConfig call. */
export function configSet(r: Run, stack: string): Record<string, string> {
    return Object.assign({}, ...all<Extract<Call, { kind: "ws" }>>(r, ws("setAllConfig", stack)).map((c) => c.config));
}
export const stackOps = (r: Run, op: "up" | "destroy"): [string | undefined, string | undefined][] =>
    all<Extract<Call, { kind: "ws" }>>(r, ws(op)).map((c) => [c.stack, c.profile]);

const CHANGING_WS = ["createOrSelect", "setAllConfig", "removeAllConfig", "up", "destroy", "login"];
const CHANGING_AWS = [
    "StartPipelineExecutionCommand",
    "PutApprovalResultCommand",
    "DeleteObjectsCommand",
    "DeleteBucketCommand",
];
/** No state was changed: no stack, config, login, pipeline run, approval or S3 deletion. */
export function expectNothingChanged(r: Run): void {
    const changing = r.calls.filter(
        (c) => (c.kind === "ws" && CHANGING_WS.includes(c.op)) || (c.kind === "aws" && CHANGING_AWS.includes(c.op)),
    );
    expect(changing, JSON.stringify(changing)).to.deep.equal([]);
}
