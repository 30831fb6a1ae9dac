/**
 * The stage layout both methods share, as plain data.
 *
 * Deployment pipeline: Source → ApproveDestroy (skipped unless the run destroys) → for each wave, in
 * the order the waves first appear in `targets`:
 *   Plan-<wave>     every target's plan in parallel (runOrder 1); with an approval and more than one
 *                   target, a Review action sums the plans up (runOrder 2)
 *   Approve-<wave>  only when a target of the wave asks for approval; skipped (an entry condition)
 *                   unless the gate says APPROVAL=required, i.e. a plan has changes (and, with
 *                   approvalPolicy "risk", a risk class fired)
 *   Apply-<wave>    every target applies exactly its reviewed plan, in parallel; in a wave with an
 *                   approval the stage is skipped unless the gate says CHANGES=yes, and elsewhere an
 *                   apply whose plan has no changes ends at once.
 * Drift pipeline: Source → Drift-<wave> per wave, plans only.
 *
 * A stage entry condition holds one condition whose rules must all pass (AND), and SKIP engages when
 * they do not (https://docs.aws.amazon.com/codepipeline/latest/userguide/stage-conditions.html). A wave
 * needs "any target has changes" (OR), so a wave of several targets gets a Review action that reads
 * the plans' results as data and exports one gate; a wave of one target uses its plan's own variables.
 */
import { Wave } from "../config";
import { reviewNamespace, waveStages } from "../names";
import { arn, serviceTrust } from "../policies";
import type { ActionSpec, RoleSpec, StageSpec } from "./types";

/** The variables a plan (or a wave's review) exports for the wave's gate and its approval. */
export const GATE_VARIABLES = ["CHANGES", "APPROVAL", "SUMMARY"] as const;

export const SOURCE_ARTIFACT = "source_output";

export interface WaveBuilders {
    plan(target: Wave["targets"][number]): ActionSpec;
    apply(target: Wave["targets"][number]): ActionSpec;
    drift(target: Wave["targets"][number]): ActionSpec;
    /** The Review action of a wave of several targets with an approval. */
    review(wave: Wave): ActionSpec;
}

export function sourceStage(bucket: string, key: string): StageSpec {
    return {
        name: "Source",
        actions: [
            {
                name: "Source",
                category: "Source",
                owner: "AWS",
                provider: "S3",
                version: "1",
                outputArtifacts: [SOURCE_ARTIFACT],
                configuration: {
                    S3Bucket: bucket,
                    S3ObjectKey: key,
                    // EventBridge starts the pipeline (see PipelineTrigger); polling is legacy.
                    PollForSourceChanges: "false",
                },
            },
        ],
    };
}

/** A manual approval action. CustomData and the link may hold variables of earlier actions. */
export function approvalAction(
    name: string,
    customData: string,
    link: string | undefined,
    topicArn: string,
): ActionSpec {
    return {
        name,
        category: "Approval",
        owner: "AWS",
        provider: "Manual",
        version: "1",
        configuration: {
            CustomData: customData,
            NotificationArn: topicArn,
            ...(link !== undefined ? { ExternalEntityLink: link } : {}),
        },
    };
}

const variableCheck = (name: string, variable: string, value: string): StageSpec["beforeEntry"] => ({
    condition: {
        result: "SKIP",
        rules: [
            {
                name,
                ruleTypeId: { category: "Rule", owner: "AWS", provider: "VariableCheck", version: "1" },
                configuration: { Variable: variable, Value: value, Operator: "EQ" },
            },
        ],
    },
});

/** The whole-run guard: a destroy run waits for a human before any target is touched. */
export function destroyGuardStage(variable: string, value: string, topicArn: string): StageSpec {
    return {
        name: "ApproveDestroy",
        beforeEntry: variableCheck("OnlyForDestroyRuns", `#{variables.${variable}}`, value),
        actions: [
            approvalAction(
                "ApproveDestroy",
                `${variable}=${value}: this run plans the destruction of the workload in every target; each wave's plan is reviewed again before it applies`,
                undefined,
                topicArn,
            ),
        ],
    };
}

/** The namespace whose CHANGES / APPROVAL / SUMMARY gate a wave: its single plan, or its review. */
export function gateNamespace(wave: Wave, planNamespace: (t: Wave["targets"][number]) => string): string {
    return wave.targets.length === 1 ? planNamespace(wave.targets[0]) : reviewNamespace(wave);
}

export interface DeploymentStagesArgs {
    readonly waves: readonly Wave[];
    readonly builders: WaveBuilders;
    readonly planNamespace: (t: Wave["targets"][number]) => string;
    readonly topicArn: string;
    /** The console link to a wave's full review report (its execution id is a variable). */
    readonly reportLink: (wave: Wave) => string;
}

export function waveDeploymentStages(a: DeploymentStagesArgs): StageSpec[] {
    return a.waves.flatMap((wave): StageSpec[] => {
        const names = waveStages(wave);
        const plans = wave.targets.map((t) => ({ ...a.builders.plan(t), runOrder: 1 }));
        const applies = wave.targets.map((t) => ({ ...a.builders.apply(t), runOrder: 1 }));
        if (!wave.requireApproval) {
            return [
                { name: names.plan, actions: plans },
                { name: names.apply, actions: applies },
            ];
        }
        const gate = gateNamespace(wave, a.planNamespace);
        const review = wave.targets.length > 1 ? [{ ...a.builders.review(wave), runOrder: 2 }] : [];
        return [
            { name: names.plan, actions: [...plans, ...review] },
            {
                name: names.approve,
                beforeEntry: variableCheck("OnlyWhenApprovalIsRequired", `#{${gate}.APPROVAL}`, "required"),
                actions: [
                    approvalAction("Approve", `Wave ${wave.name}: #{${gate}.SUMMARY}`, a.reportLink(wave), a.topicArn),
                ],
            },
            {
                name: names.apply,
                beforeEntry: variableCheck("OnlyWhenThereAreChanges", `#{${gate}.CHANGES}`, "yes"),
                actions: applies,
            },
        ];
    });
}

export function waveDriftStages(waves: readonly Wave[], builders: WaveBuilders): StageSpec[] {
    return waves.map((wave) => ({
        name: waveStages(wave).drift,
        actions: wave.targets.map((t) => ({ ...builders.drift(t), runOrder: 1 })),
    }));
}

/**
 * A run's sequential steps: each stage contributes one step per distinct runOrder. Approval and
 * entry-skipped stages count, since a run may wait there.
 */
export function criticalPath(stages: readonly StageSpec[]): {
    steps: number;
    byStage: { stage: string; steps: number }[];
} {
    const byStage = stages.map((s) => ({
        stage: s.name,
        steps: new Set(s.actions.map((x) => x.runOrder ?? 1)).size,
    }));
    return { steps: byStage.reduce((n, s) => n + s.steps, 0), byStage };
}

/** A pipeline's service role: only CodePipeline, for this pipeline of this account, may assume it. */
export function pipelineServiceRole(
    scope: { readonly partition: string; readonly region: string; readonly accountId: string },
    key: string,
    name: string,
    pipeline: string,
    policy: RoleSpec["policies"][string],
): RoleSpec {
    return {
        key,
        name,
        description: `Service role of the ${pipeline} pipeline`,
        trust: serviceTrust({
            service: "codepipeline.amazonaws.com",
            sourceAccountId: scope.accountId,
            sourceArn: arn.pipeline(scope.partition, scope.region, scope.accountId, pipeline),
        }),
        policies: { pipeline: policy },
    };
}
