import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * Runs a list of one-line commands the way CodeBuild and the Commands action do: one shell, in
 * order, stopping at the first command that fails. External programs (aws, terraform, curl) are
 * stand-ins that record every call, one line each, and answer from the STUB_* environment.
 */
export interface ShellRun {
    readonly status: number;
    readonly stdout: string;
    readonly stderr: string;
    /** Each stand-in call: "<tool> <args...>". */
    readonly calls: string[];
}

const STUBS: Record<string, string> = {
    aws: `#!/bin/sh
echo "aws $*" >> "$STUB_LOG"
case "$1 $2" in
  "sts assume-role") [ "\${STUB_ASSUME:-ok}" = ok ] || { echo "AccessDenied" >&2; exit 254; }; printf 'AKIAEXAMPLE\\tsecret\\ttoken\\n' ;;
  "sts get-caller-identity") echo "\${STUB_ACCOUNT:-222222222222}" ;;
  "cloudformation describe-stacks") [ "\${STUB_STATUS:-NONE}" = NONE ] && { echo "Stack does not exist" >&2; exit 254; }; echo "$STUB_STATUS" ;;
  "cloudformation create-stack") [ "\${STUB_CREATE:-ok}" = ok ] || { echo "create failed" >&2; exit 254; }; echo '{"StackId":"arn:stack"}' ;;
  "cloudformation update-stack")
     case "\${STUB_UPDATE:-ok}" in ok) echo '{"StackId":"arn:stack"}' ;; noop) echo "An error occurred (ValidationError) when calling the UpdateStack operation: No updates are to be performed." >&2; exit 254 ;; *) echo "update failed" >&2; exit 254 ;; esac ;;
  "cloudformation delete-stack") ;;
  "cloudformation wait") [ "\${STUB_WAIT:-ok}" = ok ] || { echo "Waiter failed: ROLLBACK_COMPLETE" >&2; exit 255; } ;;
  "cloudformation describe-stack-events") echo "Instance CREATE_FAILED not authorized" ;;
esac
`,
    terraform: `#!/bin/sh
echo "terraform $*" >> "$STUB_LOG"
[ -n "\${STUB_TERRAFORM_FAIL:-}" ] && [ "$STUB_TERRAFORM_FAIL" = "$2" ] && exit 1
exit 0
`,
    curl: `#!/bin/sh
echo "curl $*" >> "$STUB_LOG"
out=""
while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift ;; esac; shift; done
printf 'fake terraform zip' > "$out"
`,
    unzip: `#!/bin/sh
echo "unzip $*" >> "$STUB_LOG"
`,
};

export function runCommands(
    commands: readonly string[],
    env: Record<string, string>,
    opts: { shell?: string; cwd?: string } = {},
): ShellRun {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-shell-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    for (const [name, text] of Object.entries(STUBS)) {
        fs.writeFileSync(path.join(bin, name), text, { mode: 0o755 });
    }
    const log = path.join(dir, "calls.log");
    fs.writeFileSync(log, "");
    // Each command, then stop at its failure: CodeBuild's on-failure ABORT.
    const script = commands
        .map((c) => `${c}\nrc=$?; if [ $rc -ne 0 ]; then echo "COMMAND FAILED ($rc)" >&2; exit $rc; fi`)
        .join("\n");
    const result = spawnSync(opts.shell ?? "sh", ["-c", script], {
        cwd: opts.cwd ?? dir,
        env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, STUB_LOG: log, ...env },
        encoding: "utf8",
    });
    const calls = fs
        .readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l !== "");
    fs.rmSync(dir, { recursive: true, force: true });
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, calls };
}

/** Replaces CodePipeline's #{variables.X} with values, as the service does before the shell runs. */
export const substituteVariables = (commands: readonly string[], values: Record<string, string>): string[] =>
    commands.map((c) =>
        c.replace(/#\{variables\.([A-Z0-9_]+)\}/g, (_, name: string) => {
            if (!(name in values)) throw new Error(`no value for pipeline variable ${name}`);
            return values[name];
        }),
    );
