/**
 * The AWS limits this program's resources must fit, as data: each with its documented value and the
 * page that documents it. The cicd and target stacks check what they are about to declare against
 * them before declaring anything, and the policy pack checks the same limits at preview time.
 *
 * No imports: the policy pack (a separate project) loads this file as it is.
 */

export interface Quota {
    readonly service: string;
    /** What is limited, as the documentation says it. */
    readonly what: string;
    readonly limit: number;
    readonly unit: string;
    readonly url: string;
    /** A default that AWS raises on request (Service Quotas), rather than a fixed limit. */
    readonly adjustable: boolean;
}

const CODEPIPELINE = "https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html";
const CODEPIPELINE_API = "https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionDeclaration.html";
const IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html";

export const QUOTAS = {
    stagesPerPipeline: {
        service: "CodePipeline",
        what: "stages per pipeline",
        limit: 50,
        unit: "stages",
        url: CODEPIPELINE,
        adjustable: false,
    },
    actionsPerStage: {
        service: "CodePipeline",
        what: "actions per stage",
        limit: 50,
        unit: "actions",
        url: CODEPIPELINE,
        adjustable: false,
    },
    actionsPerPipeline: {
        service: "CodePipeline",
        what: "actions per pipeline",
        limit: 500,
        unit: "actions",
        url: CODEPIPELINE,
        adjustable: false,
    },
    variablesPerPipeline: {
        service: "CodePipeline",
        what: "pipeline-level variables per pipeline",
        limit: 50,
        unit: "variables",
        url: "https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PipelineDeclaration.html",
        adjustable: false,
    },
    actionConfigurationValue: {
        service: "CodePipeline",
        what: "characters in an action configuration value",
        limit: 1000,
        unit: "characters",
        url: CODEPIPELINE,
        adjustable: false,
    },
    commandsPerAction: {
        service: "CodePipeline",
        what: "commands in a Commands action",
        limit: 50,
        unit: "commands",
        url: "https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-Commands.html",
        adjustable: false,
    },
    commandLength: {
        service: "CodePipeline",
        what: "characters in one command of a Commands action",
        limit: 1000,
        unit: "characters",
        url: CODEPIPELINE_API,
        adjustable: false,
    },
    outputVariablesPerCommandsAction: {
        service: "CodePipeline",
        what: "output variables of a Commands action",
        limit: 15,
        unit: "variables",
        url: CODEPIPELINE_API,
        adjustable: false,
    },
    bucketPolicy: {
        service: "S3",
        what: "size of a bucket policy",
        limit: 20 * 1024,
        unit: "bytes",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html",
        adjustable: false,
    },
    inlinePoliciesPerRole: {
        service: "IAM",
        what: "characters in all inline policies of one role together (white space not counted)",
        limit: 10240,
        unit: "characters",
        url: IAM,
        adjustable: false,
    },
    trustPolicy: {
        service: "IAM",
        what: "characters in a role trust policy (white space not counted)",
        limit: 2048,
        unit: "characters",
        url: IAM,
        adjustable: true,
    },
    rolesPerAccount: {
        service: "IAM",
        what: "roles per account",
        limit: 1000,
        unit: "roles",
        url: IAM,
        adjustable: true,
    },
    targetsPerRule: {
        service: "EventBridge",
        what: "targets per rule",
        limit: 5,
        unit: "targets",
        url: "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html",
        adjustable: false,
    },
    codeBuildProjects: {
        service: "CodeBuild",
        what: "build projects per Region",
        limit: 5000,
        unit: "projects",
        url: "https://docs.aws.amazon.com/codebuild/latest/userguide/limits.html",
        adjustable: true,
    },
} as const satisfies Record<string, Quota>;

export type QuotaId = keyof typeof QUOTAS;

/** How much of one quota one thing needs. */
export interface Usage {
    readonly quota: QuotaId;
    /** What needs it: "pipeline xacct-terraform", "role xacct-tf-plan-123456789012", ... */
    readonly subject: string;
    readonly used: number;
    /** What would fit, in the caller's terms (waves, a second cicd stack, ...). */
    readonly hint?: string;
}

export const exceeds = (u: Usage): boolean => u.used > QUOTAS[u.quota].limit;

/** "pipeline xacct-terraform needs 402 stages; CodePipeline allows at most 50 stages per pipeline (url). hint" */
export function quotaMessage(u: Usage): string {
    const q: Quota = QUOTAS[u.quota];
    return (
        `${u.subject} needs ${u.used} ${q.unit}; ${q.service} allows at most ${q.limit} ${q.what}` +
        `${q.adjustable ? " by default" : ""} (${q.url})${u.hint !== undefined ? `. ${u.hint}` : ""}`
    );
}

/** The first usage over its quota, or undefined. */
export const firstExceeded = (usages: readonly Usage[]): Usage | undefined => usages.find(exceeds);

/** IAM counts policy characters without white space. */
export const iamLength = (json: string): number => json.replace(/\s/g, "").length;

/** A pipeline as CodePipeline declares it (structurally: a PipelineSpec, or a pipeline's preview inputs). */
export interface PipelineLike {
    readonly name: string;
    readonly variables?: readonly unknown[];
    readonly stages: readonly {
        readonly name: string;
        readonly actions: readonly {
            readonly name: string;
            readonly provider?: string;
            readonly configuration?: Readonly<Record<string, unknown>>;
            readonly commands?: readonly string[];
            readonly outputVariables?: readonly string[];
        }[];
    }[];
}

/** Everything a pipeline declaration uses of CodePipeline's limits, each with the caller's hint. */
export function pipelineUsages(p: PipelineLike, hints: Partial<Record<QuotaId, string>> = {}): Usage[] {
    const subject = `pipeline ${p.name}`;
    const usage = (quota: QuotaId, what: string, used: number): Usage => ({
        quota,
        subject: what,
        used,
        ...(hints[quota] !== undefined ? { hint: hints[quota] } : {}),
    });
    const actions = p.stages.flatMap((s) => s.actions.map((a) => ({ stage: s.name, ...a })));
    const usages: Usage[] = [
        usage("stagesPerPipeline", subject, p.stages.length),
        usage("actionsPerPipeline", subject, actions.length),
        usage("variablesPerPipeline", subject, p.variables?.length ?? 0),
        ...p.stages.map((s) => usage("actionsPerStage", `stage ${s.name} of ${subject}`, s.actions.length)),
    ];
    for (const a of actions) {
        const where = `action ${a.stage}/${a.name} of ${subject}`;
        for (const [key, value] of Object.entries(a.configuration ?? {})) {
            if (typeof value === "string")
                usages.push(usage("actionConfigurationValue", `${key} of ${where}`, value.length));
        }
        if (a.commands !== undefined) {
            usages.push(usage("commandsPerAction", where, a.commands.length));
            a.commands.forEach((c, i) => usages.push(usage("commandLength", `command ${i + 1} of ${where}`, c.length)));
        }
        if (a.outputVariables !== undefined) {
            usages.push(usage("outputVariablesPerCommandsAction", where, a.outputVariables.length));
        }
    }
    return usages;
}

/** A role's trust and inline policies against IAM's size limits. */
export function roleUsages(name: string, trustJson: string, inlinePolicyJsons: readonly string[]): Usage[] {
    return [
        { quota: "trustPolicy", subject: `the trust policy of role ${name}`, used: iamLength(trustJson) },
        {
            quota: "inlinePoliciesPerRole",
            subject: `the inline policies of role ${name}`,
            used: inlinePolicyJsons.reduce((n, j) => n + iamLength(j), 0),
        },
    ];
}

/** A bucket policy against S3's size limit (its UTF-8 bytes). */
export const bucketPolicyUsage = (bucket: string, policyJson: string, hint?: string): Usage => ({
    quota: "bucketPolicy",
    subject: `the policy of bucket ${bucket}`,
    used: new TextEncoder().encode(policyJson).length,
    ...(hint !== undefined ? { hint } : {}),
});
