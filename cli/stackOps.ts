import { CliError, messageOf } from "./errors";
import type { Deps, Workspace } from "./ports";
import { progressPrinter, ResourceCounter } from "./progress";
import type { Reporter } from "./reporter";

export interface StackRecord {
    stack: string;
    operation: "up" | "destroy";
    profile: string;
    changes?: Record<string, number>;
}

/** `pulumi up` or `pulumi destroy` of one stack with one profile, with a resource counter. */
export async function operate(
    ws: Workspace,
    deps: Deps,
    rep: Reporter,
    operation: "up" | "destroy",
    stack: string,
    profile: string,
): Promise<StackRecord> {
    const counter = new ResourceCounter(stack);
    const onEvent = progressPrinter(counter, (line) => rep.progress(line), { tty: rep.tty, now: deps.now });
    const record: StackRecord = { stack, operation, profile };
    const stacks = (rep.result.stacks ??= []) as StackRecord[];
    stacks.push(record);
    try {
        await ws[operation](stack, { profile, onEvent });
    } catch (e) {
        const detail = counter.errors.length > 0 ? counter.errors.join("\n") : messageOf(e);
        throw new CliError(
            `pulumi ${operation} of stack ${stack} (profile ${profile}) failed:\n${detail}\n` +
                "Fix the cause and run the same command again: every step can be run again",
        );
    }
    if (counter.summary !== undefined) record.changes = counter.summary.changes;
    rep.note(counter.finalLine());
    return record;
}
