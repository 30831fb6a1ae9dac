/**
 * Multi-target isolation, with 1, 2 and 5 targets: the cicd stack and every target-t<i> stack run
 * under the mocks, their real policies are captured, and @cloud-copilot/iam-simulate decides.
 * A target's Terraform deploy role touches only its own state key and lock — refused on every other
 * target's by the bucket policy and by its identity policy, each on its own — and a target's roles
 * accept only the CI/CD roles, never another target's roles.
 */
import { expect } from "chai";
import { manyTargets } from "../tools/offline/program";
import { captureProgram, CapturedTarget, IamModel, PolicyDoc, stateBucket, statementsOf } from "../tools/offline/iam/capture";
import { EvalRequest, EvalResult, Evaluator, Verdict } from "../tools/offline/iam/evaluate";

const STATE_ACTIONS = ["s3:GetObject", "s3:PutObject"] as const;

const allowAll = (action: string): PolicyDoc => ({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: action, Resource: "*" }],
});

/** A bucket policy that lets a whole account do anything with the bucket's objects. */
const bucketOpenTo = (m: IamModel, accountId: string): PolicyDoc => ({
    Version: "2012-10-17",
    Statement: [
        {
            Effect: "Allow",
            Principal: { AWS: `arn:${m.partition}:iam::${accountId}:root` },
            Action: "s3:*",
            Resource: [stateBucket(m).arn, `${stateBucket(m).arn}/*`],
        },
    ],
});

const keysOf = (t: CapturedTarget): string[] => [t.contract.stateKey, `${t.contract.stateKey}.tflock`];

/** Target roles of a target, from its own outputs. */
const rolesOf = (t: CapturedTarget): string[] =>
    ["terraformDeployRoleArn", "cloudFormationDeployRoleArn", "cloudFormationExecutionRoleArn"].map(
        (k) => t.outputs[k] as string,
    );

for (const n of [1, 2, 5]) {
    describe(`IAM isolation between targets: ${n} target${n === 1 ? "" : "s"}`, function () {
        this.timeout(120_000);
        let model: IamModel;
        let evaluator: Evaluator;
        /** Every evaluation that went against expectations, with what the evaluator saw. */
        let check: (label: string, req: EvalRequest, expected: Verdict | "denied") => Promise<EvalResult>;
        let failures: string[];

        before(async function () {
            model = await captureProgram(manyTargets(n));
            evaluator = new Evaluator(model);
        });

        beforeEach(function () {
            failures = [];
            check = async (label, req, expected) => {
                const res = await evaluator.evaluate(req);
                const ok = expected === "denied" ? res.verdict !== "Allowed" : res.verdict === expected;
                if (!ok)
                    failures.push(
                        `${label}: expected ${expected}, got ${res.verdict} (allowed by ${res.allowedBy.join(", ") || "nothing"})`,
                    );
                return res;
            };
        });

        it(`captures ${n} target stack(s), each with its own account, state key and three roles`, function () {
            expect(model.targets.map((t) => t.stack)).to.deep.equal(
                Array.from({ length: n }, (_, i) => `target-t${i + 1}`),
            );
            expect(new Set(model.targets.map((t) => t.accountId)).size).to.equal(n);
            expect(new Set(model.targets.map((t) => t.contract.stateKey)).size).to.equal(n);
            for (const t of model.targets) {
                const own = [...model.roles.values()].filter((r) => r.stack === t.stack);
                expect(own.map((r) => r.arn)).to.have.members(rolesOf(t));
                expect(own.every((r) => r.accountId === t.accountId)).to.equal(true);
            }
        });

        it("each target's Terraform deploy role reads and writes its own state and lock, and lists the bucket", async function () {
            const bucket = stateBucket(model);
            for (const t of model.targets) {
                for (const key of keysOf(t)) {
                    for (const action of STATE_ACTIONS) {
                        await check(
                            `${t.name} ${action} ${key}`,
                            { principal: t.contract.terraformDeployRoleArn, action, resource: `${bucket.arn}/${key}` },
                            "Allowed",
                        );
                    }
                }
                await check(
                    `${t.name} unlock`,
                    {
                        principal: t.contract.terraformDeployRoleArn,
                        action: "s3:DeleteObject",
                        resource: `${bucket.arn}/${keysOf(t)[1]}`,
                    },
                    "Allowed",
                );
                await check(
                    `${t.name} list`,
                    {
                        principal: t.contract.terraformDeployRoleArn,
                        action: "s3:ListBucket",
                        resource: bucket.arn,
                        context: { "s3:prefix": t.contract.stateKey },
                    },
                    "Allowed",
                );
            }
            expect(failures).to.deep.equal([]);
        });

        /** Every (own target, other key) pair: other targets' keys, and a key no target owns. */
        const foreignKeys = (m: IamModel, t: CapturedTarget): string[] => [
            ...m.targets.filter((o) => o.name !== t.name).flatMap(keysOf),
            `${m.cicd.namePrefix}/not-a-target/terraform.tfstate`,
            `${m.cicd.namePrefix}/not-a-target/terraform.tfstate.tflock`,
        ];

        it("no target's Terraform deploy role touches another target's state or lock (the real policies)", async function () {
            const bucket = stateBucket(model);
            let checked = 0;
            for (const t of model.targets) {
                for (const key of foreignKeys(model, t)) {
                    for (const action of [...STATE_ACTIONS, "s3:DeleteObject"]) {
                        await check(
                            `${t.name} ${action} ${key}`,
                            { principal: t.contract.terraformDeployRoleArn, action, resource: `${bucket.arn}/${key}` },
                            "ImplicitlyDenied",
                        );
                        checked += 1;
                    }
                }
            }
            expect(failures).to.deep.equal([]);
            expect(checked).to.equal(n * ((n - 1) * 2 + 2) * 3);
        });

        it("the bucket policy alone refuses it: with the deploy role's identity widened to s3:* on *", async function () {
            const bucket = stateBucket(model);
            for (const t of model.targets) {
                for (const key of foreignKeys(model, t)) {
                    for (const action of STATE_ACTIONS) {
                        await check(
                            `${t.name} ${action} ${key} (identity s3:*)`,
                            {
                                principal: t.contract.terraformDeployRoleArn,
                                identityPolicies: [allowAll("s3:*")],
                                action,
                                resource: `${bucket.arn}/${key}`,
                            },
                            "denied",
                        );
                    }
                }
                // The widened identity still reaches the role's own state: the bucket policy is what decides.
                await check(
                    `${t.name} own state (identity s3:*)`,
                    {
                        principal: t.contract.terraformDeployRoleArn,
                        identityPolicies: [allowAll("s3:*")],
                        action: "s3:GetObject",
                        resource: `${bucket.arn}/${t.contract.stateKey}`,
                    },
                    "Allowed",
                );
            }
            expect(failures).to.deep.equal([]);
        });

        it("its identity policy alone refuses it: with the bucket open to the deploy role's whole account", async function () {
            const bucket = stateBucket(model);
            for (const t of model.targets) {
                const open = bucketOpenTo(model, t.accountId);
                for (const key of foreignKeys(model, t)) {
                    for (const action of STATE_ACTIONS) {
                        await check(
                            `${t.name} ${action} ${key} (bucket open)`,
                            {
                                principal: t.contract.terraformDeployRoleArn,
                                resourcePolicy: open,
                                action,
                                resource: `${bucket.arn}/${key}`,
                            },
                            "denied",
                        );
                    }
                }
                await check(
                    `${t.name} own state (bucket open)`,
                    {
                        principal: t.contract.terraformDeployRoleArn,
                        resourcePolicy: open,
                        action: "s3:GetObject",
                        resource: `${bucket.arn}/${t.contract.stateKey}`,
                    },
                    "Allowed",
                );
            }
            expect(failures).to.deep.equal([]);
        });

        it("each target's roles trust only the CI/CD roles (or CloudFormation), by their documents", function () {
            const cicdRoot = `arn:${model.partition}:iam::${model.cicdAccountId}:root`;
            const trusted = [model.cicd.codeBuildRoleArn, model.cicd.cloudformationPipelineRoleArn];
            for (const t of model.targets) {
                for (const arn of rolesOf(t)) {
                    for (const s of statementsOf(model.roles.get(arn)!.trust)) {
                        expect(s.Effect, arn).to.equal("Allow");
                        if (s.Principal.Service !== undefined) {
                            expect(s.Principal, arn).to.deep.equal({ Service: "cloudformation.amazonaws.com" });
                            continue;
                        }
                        expect(s.Principal, arn).to.deep.equal({ AWS: cicdRoot });
                        const pinned = s.Condition?.ArnEquals?.["aws:PrincipalArn"];
                        expect(trusted, `${arn} pins aws:PrincipalArn to a CI/CD role`).to.include(pinned);
                        for (const other of model.targets.filter((o) => o.name !== t.name)) {
                            expect(JSON.stringify(s), `${arn} names nothing of ${other.name}`).to.not.include(
                                other.accountId,
                            );
                        }
                    }
                }
            }
        });

        it("each target's deploy roles accept their CI/CD role, and no other CI/CD role", async function () {
            const cicdRoles = [...model.roles.values()].filter((r) => r.stack === "cicd").map((r) => r.arn);
            for (const t of model.targets) {
                const entries: [string, string][] = [
                    [t.contract.terraformDeployRoleArn, model.cicd.codeBuildRoleArn],
                    [t.contract.cloudFormationDeployRoleArn, model.cicd.cloudformationPipelineRoleArn],
                ];
                for (const [deployRole, allowed] of entries) {
                    await check(
                        `${allowed} → ${deployRole}`,
                        { principal: allowed, action: "sts:AssumeRole", resource: deployRole },
                        "Allowed",
                    );
                    for (const other of cicdRoles.filter((r) => r !== allowed)) {
                        // Even with sts:AssumeRole on *, the trust policy refuses.
                        await check(
                            `${other} → ${deployRole}`,
                            {
                                principal: other,
                                identityPolicies: [allowAll("sts:AssumeRole")],
                                action: "sts:AssumeRole",
                                resource: deployRole,
                            },
                            "denied",
                        );
                    }
                }
                await check(
                    `cicd roles → ${t.name} execution role`,
                    {
                        principal: model.cicd.cloudformationPipelineRoleArn,
                        identityPolicies: [allowAll("sts:AssumeRole")],
                        action: "sts:AssumeRole",
                        resource: t.contract.cloudFormationExecutionRoleArn,
                    },
                    "denied",
                );
            }
            expect(failures).to.deep.equal([]);
        });

        it("no role of another target can assume this target's roles, even with sts:AssumeRole on *", async function () {
            let checked = 0;
            for (const t of model.targets) {
                for (const other of model.targets.filter((o) => o.name !== t.name)) {
                    for (const principal of rolesOf(other)) {
                        for (const resource of rolesOf(t)) {
                            await check(
                                `${principal} → ${resource}`,
                                {
                                    principal,
                                    identityPolicies: [allowAll("sts:AssumeRole")],
                                    action: "sts:AssumeRole",
                                    resource,
                                },
                                "denied",
                            );
                            checked += 1;
                        }
                    }
                }
            }
            expect(failures).to.deep.equal([]);
            expect(checked).to.equal(n * (n - 1) * 9);
        });

        it("no role of another target can reach this target's state, even with s3:* on *", async function () {
            const bucket = stateBucket(model);
            for (const t of model.targets) {
                for (const other of model.targets.filter((o) => o.name !== t.name)) {
                    for (const principal of rolesOf(other)) {
                        for (const key of keysOf(t)) {
                            await check(
                                `${principal} → ${key}`,
                                {
                                    principal,
                                    identityPolicies: [allowAll("s3:*")],
                                    action: "s3:GetObject",
                                    resource: `${bucket.arn}/${key}`,
                                },
                                "denied",
                            );
                        }
                    }
                }
            }
            expect(failures).to.deep.equal([]);
        });
    });
}
