/**
 * The critical path of a run (the steps that run one after another) for 200 targets in 8 waves, as
 * `npm run plan` reports it: counted on the pipelines the program declares, and checked against the
 * count worked out by hand from the wave layout (methods/stages.ts).
 */
import { expect } from "chai";
import { parseCicdConfig } from "../../config";
import { criticalPath } from "../../methods/stages";
import { buildCicdModel } from "../../stacks/cicdModel";
import { manyTargets } from "../../tools/offline/program";
import { CALLER } from "../helpers/simulate";

const N = 200;
const WAVES = 8;
const SIZE = N / WAVES;

/** 200 targets in 8 waves of 25; the targets listed in `approving` ask for approval. */
function deploySteps(approvingWaves: readonly number[]): { steps: number[]; byHand: number } {
    const approvals = approvingWaves.map((w) => (w - 1) * SIZE + 1);
    const config = parseCicdConfig((k) => manyTargets(N, approvals, {}, SIZE)[k]);
    const model = buildCicdModel({ config, partition: "aws", accountId: "111111111111", callerArn: CALLER });
    const deploy = model.pipelines.filter((p) => p.trigger === "source");
    expect(deploy).to.have.length(2);
    // By hand: Source and ApproveDestroy, then per wave its plans (all at once), the wave's review
    // when it has an approval and several targets, the approval, and its applies (all at once).
    const perWave = (w: number): number => (approvingWaves.includes(w) ? (SIZE > 1 ? 4 : 3) : 2);
    const byHand = 2 + Array.from({ length: WAVES }, (_, i) => perWave(i + 1)).reduce((a, b) => a + b, 0);
    return { steps: deploy.map((p) => criticalPath(p.stages).steps), byHand };
}

describe("scale: the critical path of 200 targets in 8 waves", () => {
    it("without approvals: 2 steps per wave, plus 2 (18), whatever the number of targets per wave", () => {
        const { steps, byHand } = deploySteps([]);
        expect(byHand).to.equal(18);
        expect(steps).to.deep.equal([byHand, byHand]);
    });

    it("with approvals in half of the waves: 26, within the goal of 3 steps per wave plus 3 (27)", () => {
        const { steps, byHand } = deploySteps([5, 6, 7, 8]);
        expect(byHand).to.equal(26);
        expect(steps).to.deep.equal([byHand, byHand]);
        expect(byHand).to.be.at.most(3 * WAVES + 3);
    });

    it("with an approval in every wave: 34, over that goal (a wave's review is a step of its own)", () => {
        // A stage entry condition's rules are ANDed, and "some target has changes" is an OR: a wave of
        // several targets needs its Review action before the approval can be skipped or shown.
        const { steps, byHand } = deploySteps([1, 2, 3, 4, 5, 6, 7, 8]);
        expect(byHand).to.equal(34);
        expect(steps).to.deep.equal([byHand, byHand]);
        expect(byHand).to.be.greaterThan(3 * WAVES + 3);
    });
});
