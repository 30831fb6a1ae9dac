/** A refusal or failure the user must act on: the message alone is printed, then the CLI exits with `exitCode`. */
export class CliError extends Error {
    constructor(
        message: string,
        readonly exitCode = 1,
    ) {
        super(message);
        this.name = "CliError";
    }
}

/** A malformed command line: the message and the command's usage are printed, exit status 2. */
export class UsageError extends CliError {
    constructor(message: string) {
        super(message, 2);
        this.name = "UsageError";
    }
}

/** The message of anything thrown, without a stack trace for the errors we expect. */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
