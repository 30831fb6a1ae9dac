/**
 * Prints the IAM hop matrix of the committed example config (Pulumi.cicd.yaml) as a Markdown table:
 * the program runs under the test mocks (offline, no AWS access), its real policy documents are
 * captured, and every hop of tools/offline/iam/hops.ts is evaluated with @cloud-copilot/iam-simulate.
 *
 *   npx ts-node --transpile-only scripts/hop-matrix.ts            # Markdown table
 *   npx ts-node --transpile-only scripts/hop-matrix.ts --text     # plain-text table
 *
 * Exits 1 when any hop's verdict differs from what it is expected to be.
 */
import { captureProgram, committedExampleConfig } from "../tools/offline/iam/capture";
import { evaluateHops, markdownMatrix, textMatrix } from "../tools/offline/iam/hops";

async function main(): Promise<number> {
    const model = await captureProgram(committedExampleConfig());
    const rows = await evaluateHops(model);
    const text = process.argv.includes("--text");
    process.stdout.write(`${text ? textMatrix(rows) : markdownMatrix(rows)}\n`);
    const wrong = rows.filter((r) => r.actual !== r.expected);
    const allowed = rows.filter((r) => r.expected === "Allowed").length;
    process.stdout.write(
        `\n${rows.length} hops (${allowed} allowed, ${rows.length - allowed} denied): ` +
            (wrong.length === 0
                ? "every verdict as expected\n"
                : `${wrong.length} NOT as expected: ${wrong.map((r) => r.hop.id).join(", ")}\n`),
    );
    return wrong.length === 0 ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(2);
    },
);
