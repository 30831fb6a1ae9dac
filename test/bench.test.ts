import { expect } from "chai";
import { parseCicdConfig } from "../config";
import { benchConfig } from "../scripts/bench/config";
import { MAX_BENCH_TARGETS } from "../scripts/bench/stats";
import { buildCicdModel } from "../stacks/cicdModel";
import {
    markdownTable,
    median,
    parseOptions,
    ratioGoal,
    replaceSection,
    section,
    spread,
    summarize,
    usedAwsExports,
} from "../scripts/bench/stats";

describe("bench helpers (scripts/bench/stats.ts)", () => {
    it("takes the median of odd and even counts, whatever the order", () => {
        expect(median([5])).to.equal(5);
        expect(median([3, 1, 2])).to.equal(2);
        expect(median([4, 1, 3, 2])).to.equal(2.5);
        expect(() => median([])).to.throw(/empty/);
    });

    it("summarizes runs as min / median / max, in seconds", () => {
        const s = summarize([1500, 1000, 1250, 4000, 1100]);
        expect(s).to.deep.equal({ runs: 5, min: 1000, median: 1250, max: 4000 });
        expect(spread(s)).to.equal("1.00 / 1.25 / 4.00");
    });

    it("checks a ratio goal against its limit, inclusive", () => {
        expect(ratioGoal("g", 3, 2, 1.5, "").pass).to.equal(true);
        expect(ratioGoal("g", 3.01, 2, 1.5, "").pass).to.equal(false);
        expect(ratioGoal("g", 3, 2, 1.5, "").ratio).to.equal(1.5);
        expect(() => ratioGoal("g", 1, 0, 1.5, "")).to.throw(/positive/);
    });

    it("replaces a generated section and keeps the hand-written text around it", () => {
        const doc = `# T\n\nintro\n\n${section("stacks", "old")}\n\n## Findings\n\nby hand\n`;
        const next = replaceSection(doc, "stacks", "new");
        expect(next).to.equal(`# T\n\nintro\n\n${section("stacks", "new")}\n\n## Findings\n\nby hand\n`);
        expect(replaceSection(doc, "npm-test", "x")).to.equal(undefined);
    });

    it("escapes pipes in Markdown cells", () => {
        expect(markdownTable(["a", "b"], [["x|y", "z"]])).to.equal("| a | b |\n| --- | --- |\n| x\\|y | z |");
    });

    it("parses the command line: defaults, --quick, and mistakes", () => {
        const full = parseOptions([], "/r/BENCHMARKS.md");
        expect(full).to.include({ runs: 5, quick: false, npmTest: false, npmTestOnly: false, out: "/r/BENCHMARKS.md" });
        expect(parseOptions(["--npm-test-only"], "o")).to.include({ npmTest: true, npmTestOnly: true });
        expect(full.targets).to.deep.equal([1, 50, 200]);
        const quick = parseOptions(["--quick"], "/r/BENCHMARKS.md");
        expect(quick).to.include({ runs: 3 });
        expect(quick.targets).to.deep.equal([1, 50]);
        expect(parseOptions(["--quick", "--runs", "7"], "o").runs).to.equal(7);
        expect(parseOptions(["--targets", "200,50"], "o").targets).to.deep.equal([1, 50, 200]);
        expect(parseOptions(["--project", "/tmp/x"], "o").out).to.equal(undefined);
        expect(parseOptions(["--no-write"], "o").out).to.equal(undefined);
        expect(() => parseOptions(["--runs", "0"], "o")).to.throw(/--runs/);
        expect(() => parseOptions(["--runs"], "o")).to.throw(/needs a value/);
        // More targets than AWS's quotas allow would time a config AWS refuses.
        expect(() => parseOptions(["--targets", "245"], "o")).to.throw(
            /from 1 to 244 \(the most targets AWS's quotas allow/,
        );
        expect(() => parseOptions(["--fast"], "o")).to.throw(/unknown option --fast/);
    });

    it("finds the @pulumi/aws classes and functions a source file uses as values, not as types", () => {
        const source = [
            'import * as aws from "@pulumi/aws";',
            "type S = aws.iam.PolicyStatement;",
            "type A = aws.types.input.codepipeline.PipelineStage;",
            'const b = new aws.s3.Bucket("b", {});',
            "const id = await aws.getCallerIdentity({});",
            'const p = new aws.Provider("p", { region: r as aws.Region });',
            "new aws.s3.Bucket(`x`);",
        ].join("\n");
        expect(usedAwsExports([source])).to.deep.equal(["Provider", "getCallerIdentity", "s3.Bucket"]);
    });

    it("times only configs AWS accepts: benchConfig passes every quota check up to the largest count it allows", () => {
        for (const n of [1, 50, 200, MAX_BENCH_TARGETS]) {
            const config = parseCicdConfig((k) => benchConfig(n)[k]);
            expect(config.targets).to.have.length(n);
            expect(() =>
                buildCicdModel({
                    config,
                    partition: "aws",
                    accountId: "111111111111",
                    callerArn: "arn:aws:sts::111111111111:assumed-role/deployer/session",
                }),
            ).to.not.throw();
        }
        // The config of the old bench (no waves) is refused at 50 targets: the stage quota.
        const noWaves = parseCicdConfig(
            (k) =>
                ({
                    ...benchConfig(50),
                    "cross-account-pipeline:targets": JSON.stringify(
                        JSON.parse(benchConfig(50)["cross-account-pipeline:targets"]).map(
                            ({ wave: _w, ...t }: Record<string, unknown>) => t,
                        ),
                    ),
                })[k],
        );
        expect(() =>
            buildCicdModel({
                config: noWaves,
                partition: "aws",
                accountId: "111111111111",
                callerArn: "arn:aws:sts::111111111111:assumed-role/deployer/session",
            }),
        ).to.throw(/stages/);
    });
});
