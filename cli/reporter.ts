import type { Io } from "./ports";

/** What `--json` prints: one document on stdout when the command ends, whatever the outcome. */
export interface JsonResult {
    command: string;
    ok: boolean;
    error?: { message: string; exitCode: number };
    warnings: string[];
    [key: string]: unknown;
}

/**
 * Everything the CLI tells the user goes through here. Human text goes to stdout, or to stderr with
 * `--json`, where stdout carries only the final JSON document. Warnings and errors always go to stderr.
 */
export class Reporter {
    readonly result: JsonResult;
    private progressShown = false;

    constructor(
        private readonly io: Io,
        readonly prog: string,
        readonly json: boolean,
        command: string,
    ) {
        this.result = { command, ok: false, warnings: [] };
    }

    /** Whether the human stream is a terminal (progress lines are redrawn in place). */
    get tty(): boolean {
        return this.json ? this.io.stderrIsTTY : this.io.stdoutIsTTY;
    }

    private human(text: string): void {
        this.clearProgress();
        if (this.json) this.io.stderr(text);
        else this.io.stdout(text);
    }

    info(message: string): void {
        this.human(`==> ${message}\n`);
    }
    note(message: string): void {
        this.human(`    ${message}\n`);
    }
    line(message = ""): void {
        this.human(`${message}\n`);
    }
    warn(message: string): void {
        this.clearProgress();
        this.result.warnings.push(message);
        this.io.stderr(`${this.prog}: warning: ${message}\n`);
    }
    error(message: string): void {
        this.clearProgress();
        this.io.stderr(`${this.prog}: error: ${message}\n`);
    }

    /** A progress line: redrawn in place on a terminal, else printed as a line. */
    progress(message: string): void {
        if (this.tty) {
            const text = `\r\x1b[K    ${message}`;
            if (this.json) this.io.stderr(text);
            else this.io.stdout(text);
            this.progressShown = true;
        } else {
            this.note(message);
        }
    }
    /** Erases the progress line, so that what comes next takes its place. */
    private clearProgress(): void {
        if (!this.progressShown) return;
        this.progressShown = false;
        if (this.json) this.io.stderr("\r\x1b[K");
        else this.io.stdout("\r\x1b[K");
    }

    /** Asks a yes/no question; only "y" or "yes" (any case) is a yes. */
    async confirm(question: string): Promise<boolean> {
        this.clearProgress();
        const answer = await this.io.ask(`${question} [y/N] `, this.json);
        return answer !== undefined && /^(y|yes)$/i.test(answer.trim());
    }

    /** Ends the command: with --json, prints the result document on stdout. */
    finish(ok: boolean, error?: { message: string; exitCode: number }): void {
        this.clearProgress();
        this.result.ok = ok;
        if (error !== undefined) this.result.error = error;
        if (this.json) this.io.stdout(`${JSON.stringify(this.result, null, 2)}\n`);
    }
}
