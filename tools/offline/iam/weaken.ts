/**
 * In-memory edits of captured documents, for the tests that show the proof bites: each returns a
 * deep copy and fails when it finds nothing to change, so a weakening cannot silently be a no-op.
 */
import { cloneDoc, PolicyDoc, statementsOf } from "./capture";

/** Removes one condition key from every statement's Condition block. */
export function withoutConditionKey(doc: PolicyDoc, key: string): PolicyDoc {
    const copy = cloneDoc(doc);
    let removed = 0;
    for (const s of statementsOf(copy)) {
        const condition = s.Condition as Record<string, Record<string, unknown>> | undefined;
        if (condition === undefined) continue;
        for (const [op, block] of Object.entries(condition)) {
            for (const k of Object.keys(block)) {
                if (k.toLowerCase() === key.toLowerCase()) {
                    delete block[k];
                    removed += 1;
                }
            }
            if (Object.keys(block).length === 0) delete condition[op];
        }
        if (Object.keys(condition).length === 0) delete s.Condition;
    }
    if (removed === 0) throw new Error(`weaken: no condition on ${key} to remove`);
    return copy;
}

/** Drops every statement with the given effect. */
export function withoutEffect(doc: PolicyDoc, effect: "Allow" | "Deny"): PolicyDoc {
    const copy = cloneDoc(doc);
    const before = statementsOf(copy);
    const kept = before.filter((s) => s.Effect !== effect);
    if (kept.length === before.length) throw new Error(`weaken: no ${effect} statement to remove`);
    copy.Statement = kept;
    return copy;
}
