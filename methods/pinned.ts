/**
 * Build logic that travels in the source archive but cannot be changed by whoever uploads it: the
 * cicd stack computes each file's SHA-256 and writes the check into the CodeBuild project's inline
 * buildspec or the Commands action's text, both of which only the cicd stack controls. An archive
 * whose scripts differ fails that check before anything runs.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** The folder of the pinned files inside the source archive. */
export const PIPELINE_DIR = ".pipeline";

export interface PinnedFile {
    /** Path inside the source archive. */
    readonly path: string;
    readonly content: string;
}

export const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

const REPO = path.join(__dirname, "..");

/** A file of this repository, pinned at `archivePath` in the source archive. */
export function repoFile(repoPath: string, archivePath: string): PinnedFile {
    return { path: archivePath, content: fs.readFileSync(path.join(REPO, repoPath), "utf8") };
}

/** The review tool (review/*.js), run as `node .pipeline/cli.js`. */
export const REVIEW_TOOL = ["cli", "classify", "iamDiff", "report", "wave"] as const;

/** The pipeline's shared scripts: every step script sources common.sh and runs the review tool. */
export const SHARED_PINNED: readonly PinnedFile[] = [
    repoFile("methods/scripts/common.sh", `${PIPELINE_DIR}/common.sh`),
    ...REVIEW_TOOL.map((f) => repoFile(`review/${f}.js`, `${PIPELINE_DIR}/${f}.js`)),
];

/**
 * One POSIX shell line that fails unless every pinned file has its pinned content. Paths and hashes
 * are [A-Za-z0-9._/-] only, so they need no quoting.
 */
export function verifyCommand(files: readonly PinnedFile[]): string {
    for (const f of files) {
        if (!/^[A-Za-z0-9._/-]+$/.test(f.path)) throw new Error(`pinned path ${f.path} needs quoting`);
    }
    const lines = files.map((f) => `${sha256(f.content)}  ${f.path}`).join("\\n");
    return (
        `printf '${lines}\\n' | sha256sum -c --quiet - || ` +
        `{ echo "The source archive's pipeline scripts are not the ones this pipeline pins: run pulumi up on the cicd stack to upload them" >&2; exit 1; }`
    );
}

/** Single-quotes a value for POSIX sh. */
export const shQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;
