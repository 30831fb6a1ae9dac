/** Types for review/cli.js. */
/** Runs the review tool with these arguments; returns the exit code. */
export declare function main(argv: string[]): number;
