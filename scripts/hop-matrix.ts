/**
 * Prints the IAM hop matrix of a two-target example (dev and prod, both methods) as a Markdown table:
 * the program runs under the mock engine (offline, no AWS access), its real policy documents are
 * captured, and every hop of tools/offline/iam/hops is evaluated with @cloud-copilot/iam-simulate,
 * with A = dev and B = prod.
 *
 *   npm run hop-matrix
 *
 * Exits 1 when any hop's verdict differs from what it is expected to be.
 */
import { captureProgram } from "../tools/offline/iam/capture";
import { evaluateHops, markdownMatrix, matrixSummary } from "../tools/offline/iam/hops";
import { proofConfig } from "../tools/offline/program";

async function main(): Promise<number> {
    const model = await captureProgram(proofConfig());
    const rows = await evaluateHops(model);
    process.stdout.write(`${markdownMatrix(rows)}\n`);
    const s = matrixSummary(rows);
    process.stdout.write(
        `\n${s.evaluated} hops (${s.allowed} allowed, ${s.denied} denied): ` +
            (s.wrong.length === 0
                ? "every verdict as expected\n"
                : `${s.wrong.length} NOT as expected: ${s.wrong.map((r) => r.hop.id).join(", ")}\n`),
    );
    return s.wrong.length === 0 ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(2);
    },
);
