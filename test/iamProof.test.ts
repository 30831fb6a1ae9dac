/**
 * IAM proof of both methods, offline: the program runs under the Pulumi mocks with the committed
 * example config (Pulumi.cicd.yaml), its real trust, identity and bucket policies are captured
 * (tools/offline/iam/capture.ts), and each hop of tools/offline/iam/hops.ts is evaluated by @cloud-copilot/iam-simulate
 * with identity, trust and resource policies together (tools/offline/iam/evaluate.ts).
 */
import { expect } from "chai";
import { captureProgram, committedExampleConfig, IamModel, stateBucket, target } from "../tools/offline/iam/capture";
import { EvalResult, Evaluator, outsiderPolicies } from "../tools/offline/iam/evaluate";
import { evaluateHops, Group, Hop, HOPS, principalOf, requestOf, textMatrix } from "../tools/offline/iam/hops";
import { withoutConditionKey, withoutEffect } from "../tools/offline/iam/weaken";

/** What the evaluator saw, for failure messages. */
const why = (hop: Hop | string, res: EvalResult): string =>
    `${typeof hop === "string" ? hop : hop.id}: ${res.verdict}; allowed by [${res.allowedBy.join(", ")}], ` +
    `denied by [${res.deniedBy.join(", ")}], identity ${res.identityPolicyNames.join(", ") || "none"}, ` +
    `resource policy ${res.resourcePolicySource ?? "none"}, context ${JSON.stringify(res.context)}`;

describe("IAM proof: every hop of both methods, and every denial around them", function () {
    this.timeout(60_000);
    let model: IamModel;
    let evaluator: Evaluator;

    before(async function () {
        model = await captureProgram(committedExampleConfig());
        evaluator = new Evaluator(model);
    });

    describe("the captured documents", function () {
        it("are the program's own: the CI/CD roles and the three target roles, each with trust and inline policies, and the state bucket's policy", function () {
            const cicdRoles = [...model.roles.values()].filter((r) => r.stack === "cicd");
            const targetRoles = [...model.roles.values()].filter((r) => r.stack === target(model).stack);
            expect(cicdRoles.map((r) => r.arn)).to.include.members([
                model.cicd.codeBuildRoleArn,
                model.cicd.terraformPipelineRoleArn,
                model.cicd.cloudformationPipelineRoleArn,
            ]);
            expect(targetRoles.map((r) => r.arn)).to.have.members([
                target(model).contract.terraformDeployRoleArn,
                target(model).contract.cloudFormationDeployRoleArn,
                target(model).contract.cloudFormationExecutionRoleArn,
            ]);
            for (const r of model.roles.values()) {
                expect(r.policies, `${r.arn} has inline policies`).to.not.be.empty;
                expect(r.trust.Statement, `${r.arn} has a trust policy`).to.not.be.empty;
            }
            expect(stateBucket(model).policy, "the state bucket's policy").to.not.equal(undefined);
        });

        it("are all in the matrix: every role the program creates is a principal or a resource of some hop", function () {
            const seen = new Set<string>();
            for (const hop of HOPS) {
                const req = requestOf(model, hop);
                seen.add(req.principal);
                seen.add(req.resource);
            }
            const missing = [...model.roles.keys()].filter((arn) => !seen.has(arn));
            expect(missing, "roles no hop mentions").to.deep.equal([]);
        });

        it("has unique hop ids", function () {
            const ids = HOPS.map((h) => h.id);
            expect(new Set(ids).size).to.equal(ids.length);
        });
    });

    const groups = [...new Set(HOPS.map((h) => h.group))] as Group[];
    for (const group of groups) {
        describe(group, function () {
            for (const hop of HOPS.filter((h) => h.group === group)) {
                it(`${hop.title} (${hop.expected})`, async function () {
                    const req = requestOf(model, hop);
                    const res = await evaluator.evaluate(req);
                    expect(res.verdict, why(hop, res)).to.equal(hop.expected);
                    const principal = principalOf(model, hop.principal);
                    if (
                        hop.expected === "Allowed" &&
                        res.analysis.sameAccount === false &&
                        principal.identityPolicies === undefined &&
                        !principal.arn.endsWith(".amazonaws.com")
                    ) {
                        // Cross-account: both the identity policy and the resource policy must say yes.
                        expect(
                            res.allowedBy.some((s) => s.startsWith("identity:")),
                            why(hop, res),
                        ).to.equal(true);
                        expect(
                            res.allowedBy.some((s) => s.startsWith("resource:")),
                            why(hop, res),
                        ).to.equal(true);
                    }
                    if (principal.identityPolicies !== undefined && hop.expected !== "Allowed") {
                        // An administrator's own policy allows everything: the denial is the resource side's.
                        expect(res.analysis.identityAnalysis?.result, why(hop, res)).to.equal("Allowed");
                        expect(res.resourcePolicySource, why(hop, res)).to.be.a("string");
                    }
                });
            }
        });
    }

    describe("the hop matrix", function () {
        it("prints every hop (principal, action, resource, expected, actual) and every row is as expected", async function () {
            const rows = await evaluateHops(model);
            console.log(`\n${textMatrix(rows)}\n`);
            expect(rows).to.have.lengthOf(HOPS.length);
            const wrong = rows.filter((r) => r.actual !== r.expected).map((r) => why(r.hop, r.result));
            expect(wrong, "rows whose verdict is not the expected one").to.deep.equal([]);
            for (const group of ["method 1", "method 2"] as Group[]) {
                expect(
                    rows.filter((r) => r.hop.group === group && r.actual === "Allowed"),
                    `${group} has allowed hops`,
                ).to.not.be.empty;
            }
            expect(rows.filter((r) => r.actual !== "Allowed").length, "denials").to.be.greaterThan(rows.length / 2);
        });
    });

    describe("the proof bites: weaken a captured document in memory and the verdict flips", function () {
        const admin = (account: string) => ({
            principal: `arn:${model.partition}:iam::${account}:role/Admin`,
            identityPolicies: [outsiderPolicies.administratorAccess()],
        });

        it("without aws:PrincipalArn in the Terraform deploy role's trust, a CI/CD administrator IS let in", async function () {
            const role = model.roles.get(target(model).contract.terraformDeployRoleArn)!;
            const req = { ...admin(model.cicdAccountId), action: "sts:AssumeRole", resource: role.arn };
            const real = await evaluator.evaluate(req);
            expect(real.verdict, why("real trust", real)).to.equal("ImplicitlyDenied");
            const weak = await evaluator.evaluate({
                ...req,
                resourcePolicy: withoutConditionKey(role.trust, "aws:PrincipalArn"),
            });
            expect(weak.verdict, why("weakened trust", weak)).to.equal("Allowed");
        });

        it("without aws:PrincipalArn in the CloudFormation deploy role's trust, the CodeBuild role IS let in", async function () {
            const role = model.roles.get(target(model).contract.cloudFormationDeployRoleArn)!;
            // The CodeBuild role's own policy names only the Terraform deploy roles: widen it too, so
            // that the trust policy is the only thing left to decide.
            const req = {
                principal: model.cicd.codeBuildRoleArn as string,
                identityPolicies: [outsiderPolicies.administratorAccess()],
                action: "sts:AssumeRole",
                resource: role.arn,
            };
            expect((await evaluator.evaluate(req)).verdict).to.equal("ImplicitlyDenied");
            const weak = await evaluator.evaluate({
                ...req,
                resourcePolicy: withoutConditionKey(role.trust, "aws:PrincipalArn"),
            });
            expect(weak.verdict, why("weakened trust", weak)).to.equal("Allowed");
        });

        it("the evaluator really checks aws:PrincipalArn: with another value in the context, the CodeBuild role is refused", async function () {
            const req = {
                principal: model.cicd.codeBuildRoleArn as string,
                action: "sts:AssumeRole",
                resource: target(model).contract.terraformDeployRoleArn as string,
            };
            expect((await evaluator.evaluate(req)).verdict).to.equal("Allowed");
            const res = await evaluator.evaluate({
                ...req,
                context: { "aws:PrincipalArn": `arn:${model.partition}:iam::${model.cicdAccountId}:role/someone-else` },
            });
            expect(res.verdict, why("spoofed context", res)).to.equal("ImplicitlyDenied");
        });

        it("the evaluator refuses a context key the library would silently drop, and an ARN it cannot type", async function () {
            const base = {
                principal: target(model).contract.terraformDeployRoleArn as string,
                action: "s3:GetObject",
                resource: `${stateBucket(model).arn}/${target(model).contract.stateKey}`,
            };
            let error: unknown;
            try {
                await evaluator.evaluate({ ...base, context: { "ec2:InstanceType": "t3.micro" } });
            } catch (e) {
                error = e;
            }
            expect(String(error)).to.match(/ignores ec2:instancetype/i);
            error = undefined;
            try {
                await evaluator.evaluate({ ...base, action: "cloudformation:CreateStack" });
            } catch (e) {
                error = e;
            }
            expect(String(error)).to.match(/rejected/);
        });

        it("without the bucket policy's denials and aws:PrincipalArn pin, a target administrator IS let into the state", async function () {
            const bucket = stateBucket(model);
            const req = {
                ...admin(target(model).accountId),
                action: "s3:GetObject",
                resource: `${bucket.arn}/${target(model).contract.stateKey}`,
            };
            expect((await evaluator.evaluate(req)).verdict).to.equal("ExplicitlyDenied");
            const weak = await evaluator.evaluate({
                ...req,
                resourcePolicy: withoutConditionKey(withoutEffect(bucket.policy!, "Deny"), "aws:PrincipalArn"),
            });
            expect(weak.verdict, why("weakened bucket policy", weak)).to.equal("Allowed");
        });

        it("without the Deny to all but the deploy roles, a CI/CD administrator IS let into the state", async function () {
            const bucket = stateBucket(model);
            const req = {
                ...admin(model.cicdAccountId),
                action: "s3:PutObject",
                resource: `${bucket.arn}/${target(model).contract.stateKey}`,
            };
            expect((await evaluator.evaluate(req)).verdict).to.equal("ExplicitlyDenied");
            const weak = await evaluator.evaluate({ ...req, resourcePolicy: withoutEffect(bucket.policy!, "Deny") });
            expect(weak.verdict, why("no deny", weak)).to.equal("Allowed");
        });

        it("without the bucket policy's Deny, plain HTTP IS allowed", async function () {
            const bucket = stateBucket(model);
            const req = {
                principal: target(model).contract.terraformDeployRoleArn as string,
                action: "s3:GetObject",
                resource: `${bucket.arn}/${target(model).contract.stateKey}`,
                context: { "aws:SecureTransport": "false" },
            };
            expect((await evaluator.evaluate(req)).verdict).to.equal("ExplicitlyDenied");
            const weak = await evaluator.evaluate({ ...req, resourcePolicy: withoutEffect(bucket.policy!, "Deny") });
            expect(weak.verdict, why("no TLS statement", weak)).to.equal("Allowed");
        });

        it("without iam:PassedToService, the deploy role IS able to pass the execution role to Lambda", async function () {
            const deploy = model.roles.get(target(model).contract.cloudFormationDeployRoleArn)!;
            const req = {
                principal: deploy.arn,
                action: "iam:PassRole",
                resource: target(model).contract.cloudFormationExecutionRoleArn as string,
                context: { "iam:PassedToService": "lambda.amazonaws.com" },
            };
            expect((await evaluator.evaluate(req)).verdict).to.equal("ImplicitlyDenied");
            const weak = await evaluator.evaluate({
                ...req,
                identityPolicies: deploy.policies.map((p) => withoutConditionKey(p.policy, "iam:PassedToService")),
            });
            expect(weak.verdict, why("no PassedToService", weak)).to.equal("Allowed");
        });

        it("without iam:PolicyARN, the execution role IS able to attach AdministratorAccess", async function () {
            const exec = model.roles.get(target(model).contract.cloudFormationExecutionRoleArn)!;
            const hop = HOPS.find((h) => h.id === "cloudFormationExecutionRole-attach-admin")!;
            const req = requestOf(model, hop);
            expect((await evaluator.evaluate(req)).verdict).to.equal("ImplicitlyDenied");
            const weak = await evaluator.evaluate({
                ...req,
                identityPolicies: exec.policies.map((p) => withoutConditionKey(p.policy, "iam:PolicyARN")),
            });
            expect(weak.verdict, why("no PolicyARN", weak)).to.equal("Allowed");
        });

        it("cross-account takes both sides: the trust alone does not let the CodeBuild role in without its identity policy", async function () {
            const res = await evaluator.evaluate({
                principal: model.cicd.codeBuildRoleArn,
                identityPolicies: [],
                action: "sts:AssumeRole",
                resource: target(model).contract.terraformDeployRoleArn,
            });
            expect(
                res.allowedBy.some((s) => s.startsWith("resource:")),
                why("no identity policy", res),
            ).to.equal(true);
            expect(res.verdict, why("no identity policy", res)).to.equal("ImplicitlyDenied");
        });

        it("cross-account takes both sides: the bucket policy alone does not let the deploy role in without its identity policy", async function () {
            const res = await evaluator.evaluate({
                principal: target(model).contract.terraformDeployRoleArn,
                identityPolicies: [],
                action: "s3:GetObject",
                resource: `${stateBucket(model).arn}/${target(model).contract.stateKey}`,
            });
            expect(
                res.allowedBy.some((s) => s.startsWith("resource:")),
                why("no identity policy", res),
            ).to.equal(true);
            expect(res.verdict, why("no identity policy", res)).to.equal("ImplicitlyDenied");
        });
    });

    describe("least-privilege gaps found and fixed", function () {
        // FINDING: the state bucket's policy (policies/buckets.ts, stateBucketPolicy) only *allows*
        // each target's deploy role; it never denies anybody else. For a principal in the bucket's
        // own account (the CI/CD account) an identity-policy allow is enough, so any CI/CD principal
        // with s3:GetObject/PutObject on * — an administrator, or any role with broad S3 rights — can
        // read every target's Terraform state (which may hold secrets) and overwrite it or its lock.
        // Fix (in policies/buckets.ts): a Deny on the state and lock objects (s3:GetObject,
        // s3:PutObject, s3:DeleteObject, ...) with Condition ArnNotEquals aws:PrincipalArn = the
        // deploy roles (plus, if wanted, an explicit break-glass role).
        it("an administrator of the CI/CD account cannot read or overwrite the Terraform state", async function () {
            const bucket = stateBucket(model);
            for (const action of ["s3:GetObject", "s3:PutObject"]) {
                for (const key of [target(model).contract.stateKey, `${target(model).contract.stateKey}.tflock`]) {
                    const res = await evaluator.evaluate({
                        principal: `arn:${model.partition}:iam::${model.cicdAccountId}:role/Admin`,
                        identityPolicies: [outsiderPolicies.administratorAccess()],
                        action,
                        resource: `${bucket.arn}/${key}`,
                    });
                    // Was Allowed before the state bucket policy denied all but the deploy roles.
                    expect(res.verdict, why(`cicd admin ${action} ${key}`, res)).to.not.equal("Allowed");
                }
            }
        });
    });
});
