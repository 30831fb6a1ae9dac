/**
 * IAM proof of both methods, offline: the program runs under the Pulumi mocks with two targets (dev
 * and prod), its real trust, identity and bucket policies are captured (tools/offline/iam/capture.ts),
 * and each hop of tools/offline/iam/hops is evaluated by @cloud-copilot/iam-simulate with identity,
 * trust and resource policies together, for A = dev and B = prod, and again for A = prod and B = dev.
 */
import { expect } from "chai";
import { captureProgram, IamModel, stateBucket } from "../tools/offline/iam/capture";
import { EvalResult, Evaluator, outsiderPolicies } from "../tools/offline/iam/evaluate";
import { evaluateHops, Group, HOPS, Pair, requestOf } from "../tools/offline/iam/hops";
import { withoutConditionKey, withoutEffect } from "../tools/offline/iam/weaken";
import { proofConfig } from "../tools/offline/program";

/** Removes a condition key from those of a role's policies that use it. */
const weakenAll = (policies: readonly { policy: any }[], key: string) =>
    policies.map((p) => (JSON.stringify(p.policy).includes(key) ? withoutConditionKey(p.policy, key) : p.policy));

const why = (what: string, res: EvalResult | undefined): string =>
    res === undefined
        ? what
        : `${what}: ${res.verdict}; allowed by [${res.allowedBy.join(", ")}], denied by [${res.deniedBy.join(", ")}], ` +
          `identity ${res.identityPolicyNames.join(", ") || "none"}, resource policy ${res.resourcePolicySource ?? "none"}`;

describe("IAM proof: every hop of both methods, and every trust boundary around them", function () {
    this.timeout(60_000);
    let model: IamModel;
    let evaluator: Evaluator;
    let forward: Pair;
    let backward: Pair;

    before(async function () {
        model = await captureProgram(proofConfig());
        evaluator = new Evaluator(model);
        forward = { self: model.targets[0], other: model.targets[1] };
        backward = { self: model.targets[1], other: model.targets[0] };
    });

    it("mentions every role the program creates, as a principal or a resource of some hop", function () {
        const seen = new Set<string>();
        for (const pair of [forward, backward]) {
            for (const hop of HOPS) {
                const req = requestOf(model, hop, pair);
                seen.add(req.principal);
                seen.add(req.resource);
            }
        }
        const missing = [...model.roles.keys()].filter((arn) => !seen.has(arn));
        // The drift trigger only starts pipelines, the source trigger too; both are proven by their documents.
        expect(missing.filter((a) => !/xacct-start-(pipelines|drift-runs)$/.test(a))).to.deep.equal([]);
        expect(new Set(HOPS.map((h) => h.id)).size).to.equal(HOPS.length);
    });

    for (const direction of ["dev → prod", "prod → dev"]) {
        const groups = [...new Set(HOPS.map((h) => h.group))] as Group[];
        for (const group of groups) {
            it(`${direction}: ${group}`, async function () {
                const pair = direction === "dev → prod" ? forward : backward;
                const rows = await evaluateHops(
                    model,
                    HOPS.filter((h) => h.group === group),
                    pair,
                );
                for (const r of rows) {
                    expect(r.skipped, r.hop.id).to.equal(undefined);
                    expect(r.actual, why(`${r.hop.id}: ${r.hop.title}`, r.result)).to.equal(r.expected);
                    if (
                        r.expected === "Allowed" &&
                        r.result?.analysis.sameAccount === false &&
                        !r.principal.includes("amazonaws.com")
                    ) {
                        // Cross-account: both the identity policy and the resource policy must say yes.
                        expect(
                            r.result.allowedBy.some((s) => s.startsWith("identity:")),
                            why(r.hop.id, r.result),
                        ).to.equal(true);
                        expect(
                            r.result.allowedBy.some((s) => s.startsWith("resource:")),
                            why(r.hop.id, r.result),
                        ).to.equal(true);
                    }
                }
                expect(rows.length, group).to.be.greaterThan(0);
            });
        }
    }

    describe("the proof bites: weaken a captured document in memory and the verdict flips", function () {
        const roleOf = (arn: string) => model.roles.get(arn)!;
        const prodRoles = () => model.targets[1].contract.roles as Record<string, string>;
        const devRoles = () => model.targets[0].contract.roles as Record<string, string>;

        it("without aws:PrincipalArn in prod's deploy role trust, and with the old shared grant, dev's apply build IS let in", async function () {
            const prodDeploy = roleOf(prodRoles().terraformDeployRoleArn);
            const req = {
                principal: devRoles().terraformApplyPrincipalArn,
                identityPolicies: [outsiderPolicies.administratorAccess()],
                action: "sts:AssumeRole",
                resource: prodDeploy.arn,
            };
            const real = await evaluator.evaluate(req);
            expect(real.verdict, why("real trust", real)).to.equal("ImplicitlyDenied");
            const weak = await evaluator.evaluate({
                ...req,
                resourcePolicy: withoutConditionKey(prodDeploy.trust, "aws:PrincipalArn"),
            });
            expect(weak.verdict, why("weakened trust", weak)).to.equal("Allowed");
        });

        it("without the prefix denials, dev's deploy role with its policy rewritten to s3:* IS let into prod's state", async function () {
            const bucket = stateBucket(model);
            const req = {
                principal: devRoles().terraformDeployRoleArn,
                identityPolicies: [
                    { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] },
                ],
                action: "s3:GetObject",
                resource: `${bucket.arn}/${model.targets[1].contract.stateKey}`,
            };
            expect((await evaluator.evaluate(req)).verdict).to.equal("ExplicitlyDenied");
            // Remove only the denials: the Allow is still confined to the caller's own prefix.
            const noDeny = withoutEffect(bucket.policy!, "Deny");
            expect(
                (await evaluator.evaluate({ ...req, resourcePolicy: noDeny })).verdict,
                "the prefix Allow alone",
            ).to.equal("ImplicitlyDenied");
            // And replace the policy variable by a wildcard: now the Allow covers prod's prefix.
            const wild = JSON.parse(JSON.stringify(noDeny).split("${aws:PrincipalAccount}").join("*"));
            const weak = await evaluator.evaluate({ ...req, resourcePolicy: wild });
            expect(weak.verdict, why("no denials, no policy variable", weak)).to.equal("Allowed");
        });

        it("without the Deny to all but the target roles, a CI/CD administrator IS let into the state", async function () {
            const bucket = stateBucket(model);
            const req = {
                principal: `arn:aws:iam::${model.cicdAccountId}:role/Admin`,
                identityPolicies: [outsiderPolicies.administratorAccess()],
                action: "s3:PutObject",
                resource: `${bucket.arn}/${model.targets[0].contract.stateKey}`,
            };
            expect((await evaluator.evaluate(req)).verdict).to.equal("ExplicitlyDenied");
            expect(
                (await evaluator.evaluate({ ...req, resourcePolicy: withoutEffect(bucket.policy!, "Deny") })).verdict,
            ).to.equal("Allowed");
        });

        it("without iam:PassedToService, the deploy role IS able to pass the instance role to Lambda", async function () {
            const deploy = roleOf(devRoles().terraformDeployRoleArn);
            const req = {
                principal: deploy.arn,
                action: "iam:PassRole",
                resource: `arn:aws:iam::${model.targets[0].accountId}:role/xacct-tf-instance-role`,
                context: { "iam:PassedToService": "lambda.amazonaws.com" },
            };
            expect((await evaluator.evaluate(req)).verdict).to.equal("ImplicitlyDenied");
            const weak = await evaluator.evaluate({
                ...req,
                identityPolicies: weakenAll(deploy.policies, "iam:PassedToService"),
            });
            expect(weak.verdict, why("no PassedToService", weak)).to.equal("Allowed");
        });

        it("without cloudformation:RoleArn, the plan role IS able to propose a change set that runs with its own rights", async function () {
            const plan = roleOf(devRoles().cloudFormationPlanRoleArn);
            const req = {
                principal: plan.arn,
                action: "cloudformation:CreateChangeSet",
                resource: `arn:aws:cloudformation:eu-west-1:${model.targets[0].accountId}:stack/xacct-workload-dev/x`,
                context: { "cloudformation:ChangeSetName": "run-1" },
            };
            expect((await evaluator.evaluate(req)).verdict).to.equal("ImplicitlyDenied");
            const weak = await evaluator.evaluate({
                ...req,
                identityPolicies: weakenAll(plan.policies, "cloudformation:RoleArn"),
            });
            expect(weak.verdict, why("no RoleArn", weak)).to.equal("Allowed");
        });

        it("the evaluator checks aws:PrincipalArn itself: with another value in the context, dev's own build is refused", async function () {
            const req = {
                principal: devRoles().terraformApplyPrincipalArn,
                action: "sts:AssumeRole",
                resource: devRoles().terraformDeployRoleArn,
            };
            expect((await evaluator.evaluate(req)).verdict).to.equal("Allowed");
            const spoofed = await evaluator.evaluate({
                ...req,
                context: { "aws:PrincipalArn": `arn:aws:iam::${model.cicdAccountId}:role/someone-else` },
            });
            expect(spoofed.verdict).to.equal("ImplicitlyDenied");
        });

        it("cross-account takes both sides: prod's trust alone does not let prod's own build in without its identity policy", async function () {
            const res = await evaluator.evaluate({
                principal: prodRoles().terraformApplyPrincipalArn,
                identityPolicies: [],
                action: "sts:AssumeRole",
                resource: prodRoles().terraformDeployRoleArn,
            });
            expect(
                res.allowedBy.some((s) => s.startsWith("resource:")),
                why("trust", res),
            ).to.equal(true);
            expect(res.verdict).to.equal("ImplicitlyDenied");
        });
    });
});
