// Pipelines: CodePipeline V2, nothing a run's starter can set reaches a shell or a JSON document,
// and action timeouts only where the API takes them.
import type { Policies } from "@pulumi/policy";
import { resourcePolicy, TYPES } from "./lib/policies";
import { actionsOf, configurationValue, knownCommands, variableReferences, VariableReference } from "./lib/pipelines";
import { isUnknown, knownString, named, show } from "./lib/values";

const codePipelineV2 = resourcePolicy(
    {
        name: "codepipeline-v2",
        description:
            'CodePipeline pipelines are pipelineType "V2" (variables, stage conditions, the Commands action; V1 is the default when unset).',
    },
    [TYPES.pipeline],
    (p, args, reportViolation) => {
        const type = p.pipelineType;
        if (isUnknown(type) || type === "V2") return;
        reportViolation(
            `${named("Pipeline", p.name, args)} has pipelineType ${type === undefined ? "unset (V1)" : show(type)}; it must be V2`,
        );
    },
);

/** What a reference lets in, or undefined for the pipeline's own system variables (`#{codepipeline.…}`). */
const intruder = (r: VariableReference): string | undefined => {
    if (r.namespace === "codepipeline") return undefined;
    if (r.namespace === "variables") return "a pipeline variable, which whoever starts a run can set";
    return `an output variable of the action with namespace ${r.namespace}, which that action computes from what it read`;
};

const codePipelineNoVariablesInShell = resourcePolicy(
    {
        name: "codepipeline-no-variables-in-shell",
        description:
            "No pipeline variable (#{variables.X}) and no action output variable (#{<namespace>.X}, any namespace but codepipeline) " +
            "in a Commands action's commands or a CodeBuild action's EnvironmentVariables: CodePipeline pastes the value in, so a value " +
            "supplied for a run would be parsed as shell or as JSON. Such values belong in stage conditions (VariableCheck), approvals, " +
            "or are read as data by the build.",
    },
    [TYPES.pipeline],
    (p, args, reportViolation) => {
        for (const a of actionsOf(knownString(p.name) ?? args.name, p)) {
            const places: { what: string; value: string; parsedAs: string }[] = [];
            if (a.action.provider === "Commands") {
                for (const { index, command } of knownCommands(a.action)) {
                    places.push({ what: `command ${index}`, value: command, parsedAs: "shell" });
                }
            } else if (a.action.provider === "CodeBuild") {
                const json = configurationValue(a.action, "EnvironmentVariables");
                if (json !== undefined) places.push({ what: "EnvironmentVariables", value: json, parsedAs: "JSON" });
            }
            for (const place of places) {
                for (const r of variableReferences(place.value)) {
                    const why = intruder(r);
                    if (why === undefined) continue;
                    reportViolation(
                        `${a.where} (${show(a.action.provider)}): ${place.what} references ${r.text}, ${why}; ` +
                            `its value would be parsed as ${place.parsedAs}. Use it in a stage condition or an approval, or let the build read it as data`,
                    );
                }
            }
        }
    },
);

/** The API accepts timeoutInMinutes on manual approvals only (ActionDeclaration), 5 to 86400 minutes. */
const APPROVAL_TIMEOUT = { minimum: 5, maximum: 86400 };

const codePipelineTimeoutOnlyOnApprovals = resourcePolicy(
    {
        name: "codepipeline-timeout-only-on-approvals",
        description:
            "timeoutInMinutes is set only on manual approval actions (category Approval, provider Manual), from 5 to 86400 minutes: " +
            "the CodePipeline API accepts it nowhere else (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionDeclaration.html).",
    },
    [TYPES.pipeline],
    (p, args, reportViolation) => {
        for (const a of actionsOf(knownString(p.name) ?? args.name, p)) {
            const timeout = a.action.timeoutInMinutes;
            if (timeout === undefined || timeout === null || isUnknown(timeout)) continue;
            const { category, provider } = a.action;
            if (isUnknown(category) || isUnknown(provider)) continue;
            if (category !== "Approval" || provider !== "Manual") {
                reportViolation(
                    `${a.where} (${show(category)}/${show(provider)}) sets timeoutInMinutes ${show(timeout)}; ` +
                        `only a manual approval (Approval/Manual) may have one`,
                );
            } else if (
                typeof timeout !== "number" ||
                timeout < APPROVAL_TIMEOUT.minimum ||
                timeout > APPROVAL_TIMEOUT.maximum
            ) {
                reportViolation(
                    `${a.where} sets timeoutInMinutes ${show(timeout)}; an approval's must be from ${APPROVAL_TIMEOUT.minimum} to ${APPROVAL_TIMEOUT.maximum} minutes`,
                );
            }
        }
    },
);

export const pipelinePolicies: Policies = [
    codePipelineV2,
    codePipelineNoVariablesInShell,
    codePipelineTimeoutOnlyOnApprovals,
];
