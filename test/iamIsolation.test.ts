/**
 * IAM isolation between five targets: for every ordered pair (A, B), no principal of A's stages
 * reaches a role of B, and no role of A reaches B's state, whatever A's administrator writes into A's
 * identity policies. The documents are the program's own, captured under mocks.
 */
import { expect } from "chai";
import { captureProgram, IamModel } from "../tools/offline/iam/capture";
import { allPairs, evaluateHops, HOPS } from "../tools/offline/iam/hops";
import { manyTargets } from "../tools/offline/program";

describe("IAM isolation between 5 targets, every ordered pair", function () {
    this.timeout(120_000);
    let model: IamModel;
    before(async function () {
        model = await captureProgram(manyTargets(5, [3, 5], {}, 2));
    });

    it("captures 5 targets, each with its own principals in the CI/CD account", function () {
        expect(model.targets.map((t) => t.name)).to.deep.equal(["t1", "t2", "t3", "t4", "t5"]);
    });

    it("denies every cross-target hop for all 20 ordered pairs", async function () {
        const cross = HOPS.filter((h) => h.needs?.other === true);
        expect(cross.length).to.be.at.least(20);
        let checked = 0;
        for (const pair of allPairs(model.targets)) {
            const rows = await evaluateHops(model, cross, pair);
            for (const r of rows) {
                expect(r.actual, `${pair.self.name} → ${pair.other!.name}: ${r.hop.title}`).to.equal(r.expected);
                checked += 1;
            }
        }
        expect(checked).to.equal(20 * cross.length);
    });

    it("still allows each target its own hops (the isolation is not a broken pipeline)", async function () {
        const own = HOPS.filter((h) => h.group === "method 1" || h.group === "method 2");
        for (const t of model.targets) {
            const rows = await evaluateHops(model, own, { self: t });
            for (const r of rows) expect(r.actual, `${t.name}: ${r.hop.title}`).to.equal("Allowed");
        }
    });
});
