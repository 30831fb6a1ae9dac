/**
 * Many targets in pipelines that AWS accepts: every quota holds at 1, 16, 17, 50 and 200 targets with
 * both methods and at the documented maximum, and one more target than the maximum is refused with a
 * message that names the quota, what is needed and what would fit.
 */
import { expect } from "chai";
import { ConfigError, parseCicdConfig } from "../../config";
import { METHODS } from "../../methods";
import { exceeds, QUOTAS, roleUsages } from "../../quotas";
import { capacity, fleetConfig, refusal } from "../../stacks/capacity";
import { buildCicdModel, cicdUsages } from "../../stacks/cicdModel";
import { targetContext } from "../../stacks/target";
import { manyTargets } from "../../tools/offline/program";
import { CALLER, modelOf } from "../helpers/simulate";

const build = (values: Record<string, string>) =>
    buildCicdModel({
        config: parseCicdConfig((k) => values[k]),
        partition: "aws",
        accountId: "111111111111",
        callerArn: CALLER,
    });
const refused = (values: Record<string, string>): string => {
    try {
        build(values);
    } catch (e) {
        expect(e).to.be.instanceOf(ConfigError);
        return (e as Error).message;
    }
    throw new Error("expected a refusal");
};

/** The maximum number of targets, as docs/scale.md documents it. */
export const DOCUMENTED_MAXIMUM = [
    { methods: ["terraform"], approvals: false, max: 249 },
    { methods: ["terraform"], approvals: true, max: 244 },
    { methods: ["cloudformation"], approvals: false, max: 249 },
    { methods: ["cloudformation"], approvals: true, max: 244 },
    { methods: ["terraform", "cloudformation"], approvals: false, max: 248 },
    { methods: ["terraform", "cloudformation"], approvals: true, max: 244 },
] as const;

describe("scale: every quota holds", () => {
    for (const n of [1, 16, 17, 50, 200]) {
        it(`at ${n} targets with both methods, in waves of 25 with approvals in every other wave`, () => {
            const values = manyTargets(
                n,
                Array.from({ length: n }, (_, i) => i + 1).filter((i) => i % 50 === 1),
                {},
                25,
            );
            const model = build(values);
            const over = cicdUsages(model).filter(exceeds);
            expect(over, JSON.stringify(over)).to.deep.equal([]);
            // And the target side: each role's trust and inline policies, for one target.
            const t = model.contract.targets[model.config.targets[n - 1].name];
            const ctx = targetContext(model.contract, t);
            for (const m of model.config.methods) {
                for (const r of METHODS[m].targetRoles(ctx)) {
                    const u = roleUsages(
                        r.name,
                        JSON.stringify(r.trust),
                        Object.values(r.policies).map((d) => JSON.stringify(d)),
                    );
                    expect(u.filter(exceeds), r.name).to.deep.equal([]);
                }
            }
        });
    }

    for (const d of DOCUMENTED_MAXIMUM) {
        it(`at the documented maximum, ${d.max} targets (${d.methods.join(" + ")}, ${d.approvals ? "an approval in every wave" : "no approvals"}), and not one more`, () => {
            expect(refusal(d.max, d.methods, d.approvals), "the maximum").to.equal(undefined);
            const over = refusal(d.max + 1, d.methods, d.approvals);
            expect(over).to.be.a("string");
            expect(over).to.match(/needs \d+ (actions|roles); (CodePipeline|IAM) allows at most/);
        });
    }

    it("finds the same maximum by searching as the documented one (the quota checks decide, not a formula)", function () {
        this.timeout(120000);
        const c = capacity(["terraform", "cloudformation"], false);
        expect(c.maxTargets).to.equal(248);
        expect(c.refusedBy).to.include(
            "this cicd stack needs 1004 roles; IAM allows at most 1000 roles per account by default",
        );
    });
});

describe("scale: refusals name the quota, what is needed and what would fit", () => {
    it("200 targets without waves: the stage quota, and how many waves fit", () => {
        expect(refused(manyTargets(200))).to.equal(
            "pipeline xacct-terraform needs 402 stages; CodePipeline allows at most 50 stages per pipeline " +
                `(${QUOTAS.stagesPerPipeline.url}). 200 targets in 200 waves (0 with an approval) need 2 stages per wave, ` +
                '3 with an approval, plus Source and ApproveDestroy; group the targets into waves (a target entry\'s "wave"): ' +
                "at most 16 waves with approvals, or 24 without, fit (and 3 more over their quotas)",
        );
    });

    it("a wave of 60: the actions-per-stage quota, and the largest wave that fits", () => {
        expect(refused(manyTargets(60, [], {}, 60)))
            .to.include(
                "stage Plan-w1 of pipeline xacct-terraform needs 60 actions; CodePipeline allows at most 50 actions per stage",
            )
            .and.include("waves of up to 50 targets fit (49 in a wave with an approval): split this wave");
    });

    it("1,000 targets in waves of 49: the actions-per-pipeline quota, and a second cicd stack", () => {
        expect(refused(fleetConfig(1000, ["terraform"], false, 49)))
            .to.include("needs 2002 actions; CodePipeline allows at most 500 actions per pipeline")
            .and.include("split the targets across two cicd stacks");
    });

    it("both methods at 249 targets: the account's role quota, what each target needs, and the ways out", () => {
        expect(refused(fleetConfig(249, ["terraform", "cloudformation"], false)))
            .to.include("this cicd stack needs 1004 roles; IAM allows at most 1000 roles per account by default")
            .and.include("each target needs 4 roles here");
    });
});

describe("scale: documents AWS limits per document stay the same size", () => {
    const size = (n: number, extra: Record<string, string> = {}) => {
        const m = modelOf(manyTargets(n, [], extra, 25));
        return {
            variables: m.pipelines.map((p) => p.variables.length),
            stateBucketPolicy: JSON.stringify(m.stateBucketPolicy).length,
            pipelineRole: JSON.stringify(m.pipelines[0].role.policies).length,
        };
    };

    it("the pipeline variables: one per pipeline at 1 and at 200 targets", () => {
        expect(size(1).variables).to.deep.equal(size(200).variables);
    });

    it("the pipeline roles' policies: the same at 1 and at 200 targets (patterns, not lists)", () => {
        expect(size(200).pipelineRole).to.equal(size(1).pipelineRole);
    });

    it("the state bucket policy: the same at 1 and 200 targets with organizationId; one account root per target without", () => {
        const org = { "cross-account-pipeline:organizationId": "o-a1b2c3d4e5" };
        expect(size(200, org).stateBucketPolicy).to.equal(size(1, org).stateBucketPolicy);
        const perTarget = (size(200).stateBucketPolicy - size(1).stateBucketPolicy) / 199;
        expect(perTarget).to.equal('"arn:aws:iam::300000000002:root",'.length);
        expect(size(200).stateBucketPolicy).to.be.below(QUOTAS.bucketPolicy.limit / 2);
    });
});
