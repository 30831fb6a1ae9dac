/**
 * The program's source files, and which @pulumi/aws exports they use that the floor does not load.
 * Shared by `npm run bench` (it refuses to compare against a floor that is too low) and
 * test/imports.test.ts.
 */
import * as fs from "fs";
import * as path from "path";
import { AWS_FUNCTIONS, AWS_USED } from "./floor";
import { usedAwsExports } from "./stats";

/** Folders that hold no program code of the root project: tests, scripts, the other projects, output. */
export const NOT_PROGRAM: ReadonlySet<string> = new Set([
    "node_modules",
    "test",
    "scripts",
    "oidc",
    "policypack",
    "bin",
    "reports",
    "workload",
    "docs",
]);

/** The paths of the TypeScript sources below `dir` (no declaration files), skipping hidden and `skip` folders. */
export function tsFiles(dir: string, skip: ReadonlySet<string>): string[] {
    const files: string[] = [];
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.name.startsWith(".") || skip.has(e.name)) continue;
        const p = path.join(dir, e.name);
        if (e.isDirectory()) files.push(...tsFiles(p, skip));
        else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) files.push(p);
    }
    return files;
}

/** The texts of the program's own source files. */
export function programSources(project: string): string[] {
    return tsFiles(project, NOT_PROGRAM).map((f) => fs.readFileSync(f, "utf8"));
}

/** The @pulumi/aws classes and functions the sources use that scripts/bench/floor.ts does not load. */
export function notInFloor(sources: readonly string[]): string[] {
    const inFloor = new Set([
        ...Object.entries(AWS_USED).flatMap(([svc, names]) => names.map((n) => `${svc}.${n}`)),
        ...AWS_FUNCTIONS,
    ]);
    return usedAwsExports(sources).filter((e) => !inFloor.has(e));
}
