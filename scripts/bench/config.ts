/**
 * The config every measurement of `npm run bench` evaluates: n targets in waves of 25, with an
 * approval in every other wave, as the scale tests use. A config AWS accepts at every n the bench
 * allows (scripts/bench/stats.ts MAX_BENCH_TARGETS): a pipeline without waves stops at 16 targets.
 */
import { manyTargets } from "../../tools/offline/program";

export const WAVE_SIZE = 25;

export function benchConfig(targets: number): Record<string, string> {
    const approvals = Array.from({ length: targets }, (_, i) => i + 1).filter((i) => i % (2 * WAVE_SIZE) === 1);
    return manyTargets(targets, approvals, {}, WAVE_SIZE);
}
