import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";

/** Steps that change nothing, and the engine's own bookkeeping, are not worth counting as changes. */
const QUIET_OPS: readonly OpType[] = ["same", "read", "refresh", "discard"];
const VERBS: Partial<Record<OpType, string>> = {
    create: "created",
    update: "updated",
    delete: "deleted",
    replace: "replaced",
    "create-replacement": "replaced",
    import: "imported",
};

/**
 * Turns the engine events of one `pulumi up` or `destroy` into a resource counter: how many resources
 * the engine has finished, how many it is working on, and what changed. Pure: feed it events, read
 * `line()`; the caller decides when to print.
 */
export class ResourceCounter {
    private readonly started = new Set<string>();
    private readonly finished = new Set<string>();
    private readonly failed = new Set<string>();
    private readonly changes = new Map<string, number>();
    /** Error diagnostics (the program's refusals, a provider's errors), in order. */
    readonly errors: string[] = [];
    /** The engine's own summary, once the operation ends. */
    summary?: { changes: Record<string, number>; seconds: number };

    constructor(readonly stack: string) {}

    /** Returns true when the event changed what line() says. */
    add(event: EngineEvent): boolean {
        if (event.resourcePreEvent && !event.resourcePreEvent.planning) {
            const m = event.resourcePreEvent.metadata;
            if (m.type === "pulumi:pulumi:Stack" || m.type.startsWith("pulumi:providers:")) return false;
            this.started.add(m.urn);
            return true;
        }
        if (event.resOutputsEvent && !event.resOutputsEvent.planning) {
            const m = event.resOutputsEvent.metadata;
            if (!this.started.has(m.urn) || this.finished.has(m.urn)) return false;
            this.finished.add(m.urn);
            if (!QUIET_OPS.includes(m.op)) {
                const verb = VERBS[m.op] ?? m.op;
                this.changes.set(verb, (this.changes.get(verb) ?? 0) + 1);
            }
            return true;
        }
        if (event.resOpFailedEvent) {
            this.failed.add(event.resOpFailedEvent.metadata.urn);
            return true;
        }
        if (event.diagnosticEvent?.severity === "error" && !event.diagnosticEvent.ephemeral) {
            const text = event.diagnosticEvent.message.replace(/\s+$/, "");
            if (text !== "") this.errors.push(text);
            return false;
        }
        if (event.summaryEvent) {
            const changes: Record<string, number> = {};
            for (const [op, n] of Object.entries(event.summaryEvent.resourceChanges ?? {})) {
                if (n !== undefined && n > 0) changes[op] = n;
            }
            this.summary = { changes, seconds: event.summaryEvent.durationSeconds };
            return true;
        }
        return false;
    }

    get done(): number {
        return this.finished.size;
    }
    get inProgress(): number {
        return this.started.size - this.finished.size - this.failed.size;
    }

    private changeText(): string {
        const parts = [...this.changes].map(([verb, n]) => `${n} ${verb}`);
        if (this.failed.size > 0) parts.push(`${this.failed.size} failed`);
        return parts.length > 0 ? ` (${parts.join(", ")})` : "";
    }

    /** e.g. `cicd: 12 resources done, 3 in progress (5 created, 1 updated)` */
    line(): string {
        const busy = this.inProgress > 0 ? `, ${this.inProgress} in progress` : "";
        return `${this.stack}: ${this.done} resource${this.done === 1 ? "" : "s"} done${busy}${this.changeText()}`;
    }

    /** The last line: the engine's summary when there is one. */
    finalLine(): string {
        if (this.summary === undefined) return this.line();
        const parts = Object.entries(this.summary.changes).map(([op, n]) => `${n} ${op}`);
        const what = parts.length > 0 ? parts.join(", ") : "no resources";
        return `${this.stack}: ${what} (${Math.round(this.summary.seconds)} s)${this.failed.size > 0 ? `, ${this.failed.size} failed` : ""}`;
    }
}

/**
 * Prints a counter's progress: every event on a terminal (the line is redrawn in place), else at most
 * one line every `everyMs` so that a log stays readable.
 */
export function progressPrinter(
    counter: ResourceCounter,
    print: (line: string) => void,
    opts: { tty: boolean; now: () => number; everyMs?: number },
): (event: EngineEvent) => void {
    const every = opts.everyMs ?? 10000;
    let last = opts.now();
    return (event) => {
        if (!counter.add(event) || event.summaryEvent) return;
        const now = opts.now();
        if (opts.tty || now - last >= every) {
            last = now;
            print(counter.line());
        }
    };
}
