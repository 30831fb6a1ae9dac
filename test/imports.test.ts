// The program loads @pulumi/aws one service module at a time (aws.ts), never through the package
// index, which loads every AWS service (BENCHMARKS.md, "Where the time goes"). This keeps it so.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { AWS_FUNCTIONS, AWS_USED } from "../scripts/bench/floor";
import { notInFloor, programSources, tsFiles } from "../scripts/bench/sources";
import { usedAwsExports } from "../scripts/bench/stats";

const REPO = path.resolve(__dirname, "..");

/** The module specifiers of a file's static imports and exports. */
function specifiers(text: string): string[] {
    return [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gm)].map((m) => m[1]);
}

describe("imports of @pulumi/aws", () => {
    /** Every TypeScript file of the program, of the projects beside it (oidc/, policypack/), and the scripts. */
    const files = tsFiles(REPO, new Set(["node_modules", "bin", "reports", "workload", "docs", "test"]));

    it("finds the program's files", () => {
        const names = files.map((f) => path.relative(REPO, f));
        for (const f of ["aws.ts", "index.ts", "stacks/cicd.ts", "components/stateBucket.ts", "policypack/rules.ts"]) {
            expect(names).to.include(f);
        }
    });

    it("no file imports the @pulumi/aws package index", () => {
        const offenders = files.filter((f) => specifiers(fs.readFileSync(f, "utf8")).includes("@pulumi/aws"));
        expect(offenders.map((f) => path.relative(REPO, f))).to.deep.equal([]);
        expect(specifiers('import * as aws from "@pulumi/aws";\nexport * as s3 from "@pulumi/aws/s3";')).to.deep.equal([
            "@pulumi/aws",
            "@pulumi/aws/s3",
        ]);
    });

    it("aws.ts exports exactly the service modules the bench floor loads, and every class the program uses is in the floor", () => {
        const text = fs.readFileSync(path.join(REPO, "aws.ts"), "utf8");
        const services = [...text.matchAll(/^export \* as (\w+) from "@pulumi\/aws\/(\w+)";$/gm)].map((m) => {
            expect(m[1]).to.equal(m[2]);
            return m[1];
        });
        expect(services.sort()).to.deep.equal(Object.keys(AWS_USED).sort());
        const functions = [...text.matchAll(/^export \{ (\w+) \} from "@pulumi\/aws\/\w+";$/gm)].map((m) => m[1]);
        expect(functions.sort()).to.deep.equal([...AWS_FUNCTIONS].sort());

        const program = programSources(REPO);
        expect(usedAwsExports(program)).to.include("s3.Bucket");
        expect(notInFloor(program)).to.deep.equal([]);
    });
});

describe("the layout", () => {
    const all = tsFiles(REPO, new Set(["node_modules", "bin", "reports", "docs"]));
    const outsideTests = all.filter((f) => !path.relative(REPO, f).startsWith(`test${path.sep}`));

    it("no file outside test/ imports from test/ (tools live in tools/offline/)", () => {
        const offenders = outsideTests.filter((f) =>
            specifiers(fs.readFileSync(f, "utf8")).some(
                (s) =>
                    s.startsWith(".") &&
                    path.relative(REPO, path.resolve(path.dirname(f), s)).split(path.sep)[0] === "test",
            ),
        );
        expect(outsideTests.length).to.be.greaterThan(100);
        expect(offenders.map((f) => path.relative(REPO, f))).to.deep.equal([]);
    });

    it("no source file is over 400 lines (TypeScript, JavaScript, shell, Terraform)", () => {
        const scripts = (dir: string): string[] =>
            fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
                if (e.name.startsWith(".") || ["node_modules", "bin", "reports"].includes(e.name)) return [];
                const p = path.join(dir, e.name);
                if (e.isDirectory()) return scripts(p);
                return /\.(js|sh|tf)$/.test(e.name) ? [p] : [];
            });
        const lines = (f: string): number => fs.readFileSync(f, "utf8").split("\n").length - 1;
        const long = [...all, ...scripts(REPO)]
            .filter((f) => lines(f) > 400)
            .map((f) => `${path.relative(REPO, f)} (${lines(f)})`);
        expect(long).to.deep.equal([]);
    });

    it("documents every Args property of a component, and the default of every optional one", () => {
        const undocumented: string[] = [];
        const dir = path.join(REPO, "components");
        for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
            const text = fs.readFileSync(path.join(dir, file), "utf8");
            for (const m of text.matchAll(/export interface (\w+Args)[^{]*\{([\s\S]*?)\n\}/g)) {
                // Each top-level property, with the doc comment right above it (or none).
                const lines = m[2].split("\n");
                lines.forEach((line, i) => {
                    const p = /^ {4}readonly (\w+)(\??):/.exec(line);
                    if (p === null) return;
                    const [, name, optional] = p;
                    let j = i - 1;
                    if (j < 0 || !lines[j].trim().endsWith("*/")) {
                        undocumented.push(`${m[1]}.${name}: no doc comment`);
                        return;
                    }
                    while (j > 0 && !lines[j].includes("/**")) j--;
                    const doc = lines.slice(j, i).join(" ");
                    if (optional === "?" && !doc.includes("@default"))
                        undocumented.push(`${m[1]}.${name}: no @default`);
                });
            }
        }
        expect(undocumented).to.deep.equal([]);
    });
});
