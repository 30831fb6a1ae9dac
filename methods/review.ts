/**
 * What both methods share around a wave's review: where reports go, the console link an approval
 * carries, and the Review action that sums up a wave of several targets.
 */
import { Wave } from "../config";
import { reviewNamespace, waveStages } from "../names";
import { PIPELINE_DIR, PinnedFile, repoFile, shQuote, SHARED_PINNED, verifyCommand } from "./pinned";
import { GATE_VARIABLES, SOURCE_ARTIFACT } from "./stages";
import { crossAccountTrust } from "../policies";
import { reviewRolePolicy } from "../policies/pipeline";
import type { ActionSpec, RoleSpec } from "./types";

export const REVIEW_PINNED: readonly PinnedFile[] = [
    ...SHARED_PINNED,
    repoFile("methods/scripts/review.sh", `${PIPELINE_DIR}/review.sh`),
];

/** The S3 console host of a partition. */
export function consoleHost(partition: string): string {
    if (partition === "aws-cn") return "console.amazonaws.cn";
    if (partition === "aws-us-gov") return "console.amazonaws-us-gov.com";
    return "console.aws.amazon.com";
}

/** `https://<console>/s3/object/<bucket>?region=<region>&prefix=`: a report's key goes after it. */
export const reportLinkBase = (partition: string, region: string, bucket: string): string =>
    `https://${consoleHost(partition)}/s3/object/${bucket}?region=${region}&prefix=`;

/** Reports of one target: `<reviews>/<pipeline>/<target>/<execution id>/report.md`. */
export const targetReportPrefix = (reviews: string, pipeline: string, target: string): string =>
    `${reviews}/${pipeline}/${target}`;

/** Reports of a wave's review (target names never start with "_"). */
export const waveReportPrefix = (reviews: string, pipeline: string, wave: string): string =>
    `${reviews}/${pipeline}/_waves/${wave}`;

/** The link of a wave's approval: its single target's report, or the wave's review report. */
export function approvalLink(base: string, reviews: string, pipeline: string, wave: Wave): string {
    const prefix =
        wave.targets.length === 1
            ? targetReportPrefix(reviews, pipeline, wave.targets[0].name)
            : waveReportPrefix(reviews, pipeline, wave.name);
    return `${base}${prefix}/#{codepipeline.PipelineExecutionId}/report.md`;
}

/** `export A='x' B='y'` lines, each under the Commands action's 1,000 characters per command. */
export function exportCommands(values: Readonly<Record<string, string>>, max = 1000): string[] {
    const lines: string[] = [];
    let line = "export";
    for (const [k, v] of Object.entries(values)) {
        if (!/^[A-Z_][A-Z0-9_]*$/.test(k)) throw new Error(`bad variable name ${k}`);
        const item = ` ${k}=${v.startsWith("#{codepipeline.") ? v : shQuote(v)}`;
        if (line.length + item.length > max) {
            lines.push(line);
            line = "export";
        }
        line += item;
    }
    if (line !== "export") lines.push(line);
    return lines;
}

/** The Commands action's last command: the gate variables from the review files, read as data. */
export const readGateCommand = (dir: string, extra: Readonly<Record<string, string>> = {}): string =>
    [
        ...GATE_VARIABLES.map((v) => `${v}=$(cat ${dir}/${v === "SUMMARY" ? "summary.txt" : v.toLowerCase()})`),
        `RISK=$(cat ${dir}/risk)`,
        ...Object.entries(extra).map(([k, f]) => `${k}=$(cat ${f})`),
    ].join(" && ");

export function reviewAction(a: {
    wave: Wave;
    pipelineName: string;
    roleArn: string;
    bucket: string;
    reviews: string;
    linkBase: string;
}): ActionSpec {
    return {
        name: "Review",
        category: "Compute",
        owner: "AWS",
        provider: "Commands",
        version: "1",
        roleArn: a.roleArn,
        inputArtifacts: [SOURCE_ARTIFACT],
        namespace: reviewNamespace(a.wave),
        outputVariables: [...GATE_VARIABLES, "RISK"],
        commands: [
            `cd "\${CODEBUILD_SRC_DIR:-.}"`,
            verifyCommand(REVIEW_PINNED),
            ...exportCommands({
                PIPELINE_NAME: a.pipelineName,
                PIPELINE_EXECUTION_ID: "#{codepipeline.PipelineExecutionId}",
                PLAN_STAGE: waveStages(a.wave).plan,
                WAVE_NAME: a.wave.name,
                REVIEW_BUCKET: a.bucket,
                REVIEW_PREFIX: waveReportPrefix(a.reviews, a.pipelineName, a.wave.name),
                REVIEW_LINK_BASE: a.linkBase,
                TARGET_REPORT_BASE: `${a.linkBase}${a.reviews}/${a.pipelineName}/`,
            }),
            `sh ${PIPELINE_DIR}/review.sh`,
            readGateCommand(".review-wave"),
        ],
    };
}

export interface ReviewRoleArgs {
    readonly key: string;
    readonly name: string;
    /** What the role sums up: "Terraform plans", "change sets". */
    readonly what: string;
    readonly sid: string;
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
    readonly bucket: string;
    readonly reviews: string;
    readonly pipeline: string;
    readonly pipelineRoleArn: string;
    /** The Commands log group of the pipeline. */
    readonly logGroup: string;
}

/** The role of a wave's Review action: reads the run's plans as data, writes the wave's report, reaches no target. */
export function reviewRoleSpec(a: ReviewRoleArgs): RoleSpec {
    return {
        key: a.key,
        name: a.name,
        description: `Sums up a wave's ${a.what} for its approval in ${a.pipeline}; reaches no target`,
        trust: crossAccountTrust({
            sid: a.sid,
            partition: a.partition,
            trustedAccountId: a.accountId,
            trustedRoleArn: a.pipelineRoleArn,
        }),
        policies: {
            review: reviewRolePolicy({
                partition: a.partition,
                region: a.region,
                accountId: a.accountId,
                bucket: a.bucket,
                pipelineName: a.pipeline,
                logGroup: a.logGroup,
                reportPrefix: `${a.reviews}/${a.pipeline}/_waves`,
                sourcePipelines: [a.pipeline],
                sourceArtifact: SOURCE_ARTIFACT,
            }),
        },
    };
}
