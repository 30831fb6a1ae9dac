// What the deploy CLI needs from the outside world, as narrow interfaces: the Pulumi backend (through
// the Automation API, cli/automation.ts), the AWS SDK clients (cli/awsClients.ts) and the terminal.
// The tests pass fakes that record every call (test/cli/helpers).
import type { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import type { S3Client } from "@aws-sdk/client-s3";
import type { STSClient } from "@aws-sdk/client-sts";
import type { EngineEvent } from "@pulumi/pulumi/automation";

/** One stack of the backend, as `pulumi stack ls --json` lists it. */
export interface StackSummary {
    readonly name: string;
    /** Absent when the backend does not say (the CLI then exports the stack to count). */
    readonly resourceCount?: number;
}

/** Who is logged in, and where. */
export interface Identity {
    readonly user: string;
    /** The backend URL: https://api.pulumi.com, s3://..., file://... */
    readonly url?: string;
}

export interface OperationOptions {
    /** AWS_PROFILE for the Pulumi program and the AWS provider: the account this stack deploys into. */
    readonly profile: string;
    /** Engine events as they happen (resource counter, diagnostics). */
    readonly onEvent?: (event: EngineEvent) => void;
}

/** The few Automation API calls the CLI makes (LocalWorkspace and Stack, over the repository's program). */
export interface Workspace {
    /** The Pulumi CLI's version (the Automation API runs `pulumi version` to find it). */
    readonly pulumiVersion: string;
    /** undefined when nobody is logged in (`pulumi whoami` fails). */
    whoAmI(): Promise<Identity | undefined>;
    /** Uses this backend for every later call of this workspace (PULUMI_BACKEND_URL), without logging in. */
    useBackend(url: string): void;
    /** `pulumi login <url>`: the Automation API has no login, so this runs the same CLI directly. */
    login(url: string): Promise<void>;
    listStacks(): Promise<StackSummary[]>;
    /** The number of resources in the stack's last checkpoint (`pulumi stack export`). */
    exportedResourceCount(stack: string): Promise<number>;
    createOrSelectStack(stack: string): Promise<void>;
    /** The stack's config, plain values (secrets shown). The stack must exist. */
    getAllConfig(stack: string): Promise<Record<string, string>>;
    setAllConfig(stack: string, config: Record<string, string>): Promise<void>;
    removeAllConfig(stack: string, keys: string[]): Promise<void>;
    up(stack: string, opts: OperationOptions): Promise<void>;
    destroy(stack: string, opts: OperationOptions): Promise<void>;
    /** The stack's outputs, plain values. The stack must exist. */
    outputs(stack: string): Promise<Record<string, unknown>>;
}

/** AWS SDK v3 clients for a profile (credentials and, unless given, region from ~/.aws/config). */
export interface AwsClients {
    sts(profile: string, region: string | undefined): STSClient;
    codePipeline(profile: string, region: string): CodePipelineClient;
    s3(profile: string, region: string): S3Client;
    /** The profile's region (AWS_REGION, else the profile's `region`); undefined when there is none. */
    profileRegion(profile: string): Promise<string | undefined>;
}

/** The terminal. */
export interface Io {
    stdout(text: string): void;
    stderr(text: string): void;
    /** stdin is a terminal: someone can answer questions. */
    readonly interactive: boolean;
    /** stdout (or, in --json mode, stderr) is a terminal: progress lines may be redrawn. */
    readonly stdoutIsTTY: boolean;
    readonly stderrIsTTY: boolean;
    /** Prints the question (on stderr in --json mode, else stdout) and reads one line; undefined at end of input. */
    ask(question: string, toStderr: boolean): Promise<string | undefined>;
}

export interface Deps {
    /**
     * Creates the workspace; fails with a CliError when the pulumi CLI is missing. Its pulumi commands
     * inherit process.env, which is `env` below outside the tests.
     */
    readonly workspace: () => Promise<Workspace>;
    readonly aws: AwsClients;
    readonly io: Io;
    /** The environment: read for passphrases and POLL_SECONDS; static AWS credentials are removed from it. */
    readonly env: NodeJS.ProcessEnv;
    /** The current directory, for a relative -T path. */
    readonly cwd: string;
    /** The repository root: the Pulumi project, and the default file backend under it. */
    readonly repoRoot: string;
    readonly sleep: (ms: number) => Promise<void>;
    readonly now: () => number;
}
