// The command line: `deploy`, `teardown` and `status`, parsed with commander, then checked in full
// before anything else happens. A malformed command line is a UsageError (exit status 2). The short
// flags are those of scripts/deploy-all.sh, which maps its own flags onto these (-d is `teardown`).
import { Command, CommanderError, Option } from "commander";
import { UsageError } from "./errors";
import { checkFlag, checkProfile, deployOptions, ParseContext, Raw, teardownOptions } from "./optionValues";

export type { ParseContext };

export type Mode = "single" | "multi" | "org";

export interface CommonOptions {
    readonly prog: string;
    readonly json: boolean;
    /** -y given, or nobody to ask (stdin is not a terminal). */
    readonly yes: boolean;
    readonly cicdProfile: string;
    /** single: -t; multi: -T with profiles; org: -A, and -T with account IDs. */
    readonly mode: Mode;
    readonly targetProfile?: string;
    /** Absolute path of -T, and the path as given (for messages). */
    readonly targetsFile?: { readonly path: string; readonly label: string };
    readonly orgProfile?: string;
    readonly region?: string;
    readonly pollSeconds: number;
}

export interface DeployOptions extends CommonOptions {
    readonly command: "deploy";
    readonly subnetId?: string;
    readonly securityGroupId?: string;
    readonly cfnStackName?: string;
    /** Normalized (`terraform,cloudformation`); undefined keeps the live stack's methods. */
    readonly methods?: string;
    readonly pulumiOrg: string;
    readonly pulumiOrgGiven: boolean;
    readonly follow: boolean;
    /** Org mode: the organizational units or roots the StackSet deploys to. */
    readonly organizationalUnitIds?: readonly string[];
    /** Optional keys passed through to the cicd stack (approvalPolicy, driftSchedule). */
    readonly cicdSettings: Readonly<Record<string, string>>;
    /** Optional keys passed through to the org stack (callAs, rollout). */
    readonly orgSettings: Readonly<Record<string, string>>;
}

export interface TeardownOptions extends CommonOptions {
    readonly command: "teardown";
    readonly force: boolean;
    readonly purgeState: boolean;
}

export interface StatusOptions {
    readonly command: "status";
    readonly prog: string;
    readonly json: boolean;
    readonly cicdProfile?: string;
    readonly region?: string;
}

export type Options = DeployOptions | TeardownOptions | StatusOptions;

/** What parsing produced: options to run, or text to print and an exit status (help, usage error). */
export type Parsed = { options: Options } | { exit: number; stdout?: string; stderr?: string; message?: string };

/** Options of both deploy and teardown; `only` ones are hidden where they do not apply, and refused or ignored there. */
function addOptions(cmd: Command, kind: "deploy" | "teardown"): Command {
    const opt = (flags: string, description: string, on: "both" | "deploy" | "teardown" = "both"): void => {
        cmd.addOption(new Option(flags, description).hideHelp(on !== "both" && on !== kind));
    };
    opt("-c, --cicd-profile <profile>", "AWS profile of the CI/CD account (required)");
    opt("-t, --target-profile <profile>", "AWS profile of the target account (single-target form)");
    opt(
        "-T, --targets-file <file>",
        'several target accounts: a JSON list of { "name", "profile", "subnetId", "securityGroupId", ' +
            '"requireApproval"?, "wave"? } (with -A: "accountId" instead of "profile"), deployed in list order',
    );
    opt("-n, --subnet-id <id>", "subnet of the sample workload, subnet-... (single-target form)", "deploy");
    opt("-g, --security-group-id <id>", "security group of the sample workload, sg-... (single-target form)", "deploy");
    opt("-s, --cfn-stack-name <name>", "CloudFormation stack of the workload (single-target form)", "deploy");
    opt("-r, --region <region>", "AWS region (default: the live cicd stack's, else the CI/CD profile's)");
    opt(
        "-m, --methods <methods>",
        "terraform, cloudformation or both (default: the live stack's, else both)",
        "deploy",
    );
    opt("-o, --pulumi-org <org>", "Pulumi organization of the cicd stack reference (default: organization)", "deploy");
    opt("-p, --follow", "start the pipelines after deploying, and follow them to the end", "deploy");
    opt("-O, --org <ids>", "org mode: organizational unit or root IDs (ou-..., r-...), comma-separated", "deploy");
    opt(
        "-A, --org-profile <profile>",
        "org mode: AWS profile of the Organizations management account or a delegated StackSets administrator; " +
            "the target roles are one StackSet (stack org) instead of one stack per target",
    );
    opt("--call-as <who>", "org mode: SELF (management account) or DELEGATED_ADMIN", "deploy");
    opt("--max-concurrent-percentage <n>", "org mode: StackSet rollout, accounts at once (1-100)", "deploy");
    opt("--failure-tolerance-percentage <n>", "org mode: StackSet rollout, failures tolerated (0-100)", "deploy");
    opt("--region-concurrency-type <type>", "org mode: SEQUENTIAL or PARALLEL", "deploy");
    opt("--approval-policy <policy>", "cicd: when a wave's approval waits, on any change or only on risk", "deploy");
    opt("--drift-schedule <expr>", "cicd: schedule of the drift runs: rate(...), cron(...) or off", "deploy");
    opt("-f, --force", "go on past a failed workload destroy run (may orphan the workload)", "teardown");
    opt("-P, --purge-state", "also empty and delete the Terraform state bucket (kept by default)", "teardown");
    opt("-y, --yes", "do not ask for confirmation (assumed when stdin is not a terminal); never approves a run");
    opt("--json", "print one JSON document with the results on stdout (human text goes to stderr)");
    opt("--poll-seconds <n>", "seconds between pipeline status checks (default: $POLL_SECONDS, else 15)");
    cmd.addOption(new Option("--prog <name>").hideHelp());
    return cmd;
}

const ENV_HELP = `
Environment: PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (self-managed backends),
PULUMI_STATE_DIR (file backend when not logged in; default <repo>/.pulumi-state), POLL_SECONDS.
scripts/deploy-all.sh takes the same short flags, with -d for teardown. See docs/operations.md.`;

export function buildProgram(prog: string): Command {
    const program = new Command(prog)
        .description("Deploys, tears down or shows the cross-account pipeline's stacks (Pulumi Automation API)")
        .helpOption("-h, --help", "show this help")
        .exitOverride()
        .showHelpAfterError(false);
    addOptions(
        program
            .command("deploy")
            .description(
                "Deploys the stack cicd (CI/CD account), then the stack target, each target-<name> in list order, " +
                    "or (org mode) the stack org; with -p runs the pipelines",
            ),
        "deploy",
    ).addHelpText("after", ENV_HELP);
    addOptions(
        program
            .command("teardown")
            .description(
                "Destroys the workload (pipeline destroy runs), the target stacks in reverse order (or org), " +
                    "empties the artifact bucket, destroys cicd; keeps the Terraform state bucket unless -P",
            ),
        "teardown",
    ).addHelpText("after", ENV_HELP);
    program
        .command("status")
        .description("Shows the stacks, the pipelines' latest runs and any approval they wait for (changes nothing)")
        .option("-c, --cicd-profile <profile>", "AWS profile of the CI/CD account (to read the pipelines)")
        .option("-r, --region <region>", "AWS region (default: the cicd stack's)")
        .option("--json", "print one JSON document on stdout")
        .addOption(new Option("--prog <name>").hideHelp());
    for (const c of program.commands) c.exitOverride().helpOption("-h, --help", "show this help");
    return program;
}

/**
 * Parses and checks the command line. Warnings about ignored flags go to `warn`. Never throws for a
 * bad command line: it returns what to print and the exit status instead.
 */
export function parseCommandLine(argv: readonly string[], ctx: ParseContext, warn: (message: string) => void): Parsed {
    let prog = ctx.prog;
    const hidden = argv.indexOf("--prog");
    if (hidden >= 0 && argv[hidden + 1] !== undefined) prog = argv[hidden + 1];
    const program = buildProgram(prog);
    let out = "";
    let err = "";
    const capture = (c: Command): void => {
        c.configureOutput({
            writeOut: (s) => (out += s),
            writeErr: (s) => (err += s),
            outputError: () => undefined,
        });
    };
    capture(program);
    program.commands.forEach(capture);
    let chosen: Command | undefined;
    for (const c of program.commands) c.action((_opts: unknown, cmd: Command) => void (chosen = cmd));
    try {
        program.parse([...argv], { from: "user" });
    } catch (e) {
        if (!(e instanceof CommanderError)) throw e;
        if (e.code === "commander.helpDisplayed" || e.code === "commander.help" || e.code === "commander.version") {
            return { exit: 0, stdout: out };
        }
        const message = e.message.replace(/^error: /, "");
        const cmd = chosen ?? findCommand(program, argv) ?? program;
        return { exit: 2, message, stderr: usageText(prog, prog !== ctx.prog, message, cmd) };
    }
    if (chosen === undefined) {
        const message = "a command is required: deploy, teardown or status";
        return { exit: 2, message, stderr: `${prog}: ${message}\n\n${program.helpInformation()}` };
    }
    const raw = chosen.opts<Raw>();
    const name = chosen.name();
    const context = { ...ctx, prog };
    try {
        if (name === "status") {
            if (raw.cicdProfile !== undefined) checkProfile("-c", raw.cicdProfile, "");
            return {
                options: {
                    command: "status",
                    prog,
                    json: raw.json === true,
                    ...(raw.cicdProfile !== undefined ? { cicdProfile: raw.cicdProfile } : {}),
                    ...(raw.region !== undefined ? { region: checkFlag("-r", raw.region, "region") } : {}),
                },
            };
        }
        return {
            options: name === "deploy" ? deployOptions(raw, context) : teardownOptions(raw, context, warn),
        };
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        return { exit: 2, message: e.message, stderr: usageText(prog, prog !== ctx.prog, e.message, chosen) };
    }
}

/**
 * A usage error: the message, then the command's help; under scripts/deploy-all.sh (which passes
 * --prog), a pointer to the script's own usage instead, since its flags are the ones the user typed.
 */
function usageText(prog: string, wrapped: boolean, message: string, cmd: Command): string {
    return wrapped
        ? `${prog}: ${message}\n\nUsage: see '${prog} -h'\n`
        : `${prog}: ${message}\n\n${cmd.helpInformation()}`;
}

function findCommand(program: Command, argv: readonly string[]): Command | undefined {
    return program.commands.find((c) => argv.includes(c.name()));
}
