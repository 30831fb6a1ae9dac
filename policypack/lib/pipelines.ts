// CodePipeline pipelines as declared: walking their stages and actions, and the variable references
// in the values of an action.
import { isUnknown, knownString, objects, Props, show } from "./values";

export interface ActionAt {
    readonly pipeline: string;
    readonly stage: Props;
    readonly action: Props;
    /** `Pipeline <name>, stage <stage>, action <action>` for messages. */
    readonly where: string;
}

/** Every action of a pipeline's known stages (an unknown stage list or action list yields none). */
export const actionsOf = (pipelineName: string, props: Props): ActionAt[] =>
    objects(props.stages).flatMap((stage) =>
        objects(stage.actions).map((action) => ({
            pipeline: pipelineName,
            stage,
            action,
            where: `Pipeline ${pipelineName}, stage ${show(stage.name)}, action ${show(action.name)}`,
        })),
    );

/** A reference `#{namespace.variable}` in a value. */
export interface VariableReference {
    readonly text: string;
    readonly namespace: string;
    readonly variable: string;
}

/** The variable references in a string (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html). */
export const variableReferences = (value: string): VariableReference[] =>
    [...value.matchAll(/#\{\s*([^.}\s]+)\.([^}]*)\}/g)].map((m) => ({
        text: m[0],
        namespace: m[1],
        variable: m[2].trim(),
    }));

/** The known strings of an action's `commands` with their 1-based positions (unknown ones are skipped). */
export const knownCommands = (action: Props): { index: number; command: string }[] =>
    (Array.isArray(action.commands) ? (action.commands as unknown[]) : []).flatMap((c, i) =>
        typeof c === "string" && !isUnknown(c) ? [{ index: i + 1, command: c }] : [],
    );

/** The action's configuration value of `key`, when known. */
export const configurationValue = (action: Props, key: string): string | undefined => {
    const configuration = action.configuration;
    if (configuration === null || typeof configuration !== "object" || Array.isArray(configuration)) return undefined;
    return knownString((configuration as Props)[key]);
};

/** `NAME=value` assignments in a shell command (`export A='x' B=y`): what a Commands action sets. */
export const shellAssignments = (command: string): { name: string; value: string }[] =>
    [...command.matchAll(/(?:^|[\s;&|])([A-Za-z_][A-Za-z0-9_]*)=('([^']*)'|"([^"]*)"|([^\s;&|]*))/g)].map((m) => ({
        name: m[1],
        value: m[3] ?? m[4] ?? m[5] ?? "",
    }));
