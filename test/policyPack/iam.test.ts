// IAM rules (policypack/iam.ts) on doctored copies of the program's roles and policies.
import { expect } from "chai";
import { parseDocument } from "../../policypack/rules";
import {
    bySid,
    check,
    editDocument,
    mutate,
    phys,
    programStacks,
    Res,
    statement,
    T,
    UNKNOWN,
    withResource,
} from "./helpers";

describe("policy pack: iam", function () {
    let cicd: Res[];
    let target: Res[];
    before(async function () {
        this.timeout(120_000);
        ({ cicd, target } = await programStacks());
    });

    describe("iam-no-wildcard-admin", function () {
        const rule = "iam-no-wildcard-admin";
        const admin = { Sid: "Admin", Effect: "Allow", Action: "*", Resource: "*" };
        const pushTo = (resources: Res[], type: string, which: (r: Res) => boolean, ...add: any[]) =>
            mutate(
                resources,
                type,
                which,
                editDocument("policy", (d) => d.Statement.push(...add)),
            );

        it("reports Action * on Resource * in a role policy (both stacks) and in a bucket policy", async function () {
            const expected = ['policy statement "Admin" allows Action "*" on Resource "*"'];
            expect(
                await check(rule, pushTo(cicd, T.rolePolicy, bySid("AssumeOwnTargetDeployRole"), admin)),
            ).to.deep.equal(expected);
            expect(await check(rule, pushTo(target, T.rolePolicy, bySid("LockOwnState"), admin))).to.deep.equal(
                expected,
            );
            const bucket = mutate(
                cicd,
                T.bucketPolicy,
                "terraform-state-policy",
                editDocument("policy", (d) =>
                    d.Statement.push({ ...admin, Principal: { AWS: "arn:aws:iam::222222222222:root" } }),
                ),
            );
            expect(await check(rule, bucket)).to.deep.equal(expected);
        });
        it("reports a whole service on Resource *, and NotAction on Resource *", async function () {
            const service = { Effect: "Allow", Action: ["s3:GetObject", "s3:*"], Resource: ["arn:aws:s3:::x", "*"] };
            expect(await check(rule, pushTo(target, T.rolePolicy, bySid("LockOwnState"), service))).to.deep.equal([
                'policy statement #3 allows Action "s3:*" on Resource "*"',
            ]);
            const notAction = { Sid: "AllButIam", Effect: "Allow", NotAction: "iam:*", Resource: "*" };
            const vs = await check(rule, pushTo(target, T.rolePolicy, bySid("LockOwnState"), notAction));
            expect(vs).to.have.length(1);
            expect(vs[0]).to.match(/allows NotAction \[iam:\*\]/);
        });
        it("reports a role's inline policy and a managed policy given as an object (single statement)", async function () {
            const inline = mutate(target, T.role, phys("xacct-terraform-deploy"), (i) => ({
                ...i,
                inlinePolicies: [
                    { name: "admin", policy: JSON.stringify({ Version: "2012-10-17", Statement: [admin] }) },
                ],
            }));
            expect(await check(rule, inline)).to.deep.equal([
                'inlinePolicies[0] (admin) statement "Admin" allows Action "*" on Resource "*"',
            ]);
            const managed = withResource(target, {
                type: T.managedPolicy,
                name: "admin",
                inputs: { policy: { Version: "2012-10-17", Statement: admin } },
            });
            expect(await check(rule, managed)).to.deep.equal([
                'policy statement "Admin" allows Action "*" on Resource "*"',
            ]);
        });
        it("allows Deny *, narrower wildcards (ec2:Describe*) and * on named resources", async function () {
            const fine = pushTo(
                target,
                T.rolePolicy,
                bySid("LockOwnState"),
                { Effect: "Deny", Action: "*", Resource: "*" },
                { Effect: "Allow", Action: "ec2:Describe*", Resource: "*" },
                { Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::x/*" },
            );
            expect(await check(rule, fine)).to.deep.equal([]);
        });
        it("skips an unknown document and reports one that is not JSON", async function () {
            const unknown = mutate(target, T.rolePolicy, bySid("LockOwnState"), (i) => ({ ...i, policy: UNKNOWN }));
            expect(await check(rule, unknown)).to.deep.equal([]);
            const vs = await check(
                rule,
                mutate(target, T.rolePolicy, bySid("LockOwnState"), (i) => ({ ...i, policy: "{not json" })),
            );
            expect(vs).to.have.length(1);
            expect(vs[0]).to.match(/policy cannot be checked: not valid JSON/);
        });
    });

    describe("iam-no-passrole-on-any-role and iam-no-assume-any-role", function () {
        it("reports iam:PassRole on Resource *, directly or through a wildcard", async function () {
            const sid = "PassExecutionRoleToCloudFormationOnly";
            for (const [Action, Resource] of [
                ["iam:PassRole", "*"],
                ["iam:Pass*", "*"],
                [["iam:GetRole", "iam:*"], "*"],
                ["iam:PassRole", "arn:aws:iam::222222222222:role/*"],
            ]) {
                const doctored = mutate(
                    target,
                    T.rolePolicy,
                    bySid(sid),
                    editDocument("policy", (d) => Object.assign(statement(d, sid), { Action, Resource })),
                );
                const vs = await check("iam-no-passrole-on-any-role", doctored);
                expect(vs, JSON.stringify([Action, Resource])).to.have.length(1);
                expect(vs[0]).to.match(/statement "PassExecutionRoleToCloudFormationOnly" allows iam:PassRole on/);
            }
        });
        it("reports sts:AssumeRole on Resource *, and is not about trust policies (which have no Resource)", async function () {
            const sid = "AssumeOwnTargetDeployRole";
            const doctored = mutate(
                cicd,
                T.rolePolicy,
                bySid(sid),
                editDocument("policy", (d) => (statement(d, sid).Resource = "*")),
            );
            expect(await check("iam-no-assume-any-role", doctored)).to.deep.equal([
                'policy statement "AssumeOwnTargetDeployRole" allows sts:AssumeRole on "*": any trusting role could be assumed',
            ]);
            expect(
                await check(
                    "iam-no-assume-any-role",
                    cicd.filter((r) => r.type === T.role),
                ),
            ).to.deep.equal([]);
        });
    });

    describe("iam-trust-not-public", function () {
        const rule = "iam-trust-not-public";
        const trust = (edit: (s: any) => void): Res[] =>
            mutate(
                target,
                T.role,
                phys("xacct-terraform-deploy"),
                editDocument("assumeRolePolicy", (d) => edit(d.Statement[0])),
            );
        it('reports Principal * and {AWS: "*"} without a condition', async function () {
            for (const Principal of ["*", { AWS: "*" }, { AWS: ["arn:aws:iam::111111111111:root", "*"] }]) {
                const vs = await check(
                    rule,
                    trust((s) => Object.assign(s, { Principal, Condition: undefined })),
                );
                expect(vs, JSON.stringify(Principal)).to.deep.equal([
                    'assumeRolePolicy statement "OnlyThisAccountsTerraformApplyBuild" allows Principal "*" (anyone, in any account) to assume the role, without a Condition',
                ]);
            }
        });
        it("reports Principal * whose condition pins nothing fixed, and NotPrincipal without a condition", async function () {
            const wild = trust((s) => {
                s.Principal = "*";
                s.Condition = { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/xacct-tf-apply-*" } };
            });
            expect((await check(rule, wild))[0]).to.match(
                /allows Principal "\*" \(anyone, in any account\) to assume the role, whose Condition pins none/,
            );
            const notPrincipal = mutate(
                cicd,
                T.role,
                phys("xacct-start-pipelines"),
                editDocument("assumeRolePolicy", (d) => {
                    d.Statement = {
                        Effect: "Allow",
                        Action: "sts:AssumeRole",
                        NotPrincipal: { AWS: "arn:aws:iam::999999999999:root" },
                    };
                }),
            );
            expect(await check(rule, notPrincipal)).to.have.length(1);
        });
        it("accepts Principal * pinned to one principal by the program's own Condition", async function () {
            expect(
                await check(
                    rule,
                    trust((s) => (s.Principal = "*")),
                ),
            ).to.deep.equal([]);
        });
    });

    describe("iam-cross-account-trust-pinned", function () {
        const rule = "iam-cross-account-trust-pinned";
        const trust = (edit: (s: any) => void): Res[] =>
            mutate(
                target,
                T.role,
                phys("xacct-cloudformation-deploy"),
                editDocument("assumeRolePolicy", (d) => edit(d.Statement[0])),
            );
        it("reports an account-root or bare account trust without aws:PrincipalArn or sts:ExternalId", async function () {
            for (const Condition of [undefined, { StringEquals: { "aws:PrincipalAccount": "111111111111" } }]) {
                const vs = await check(
                    rule,
                    trust((s) => (s.Condition = Condition)),
                );
                expect(vs, JSON.stringify(Condition)).to.have.length(1);
                expect(vs[0]).to.match(
                    /trusts the whole account arn:aws:iam::111111111111:root without a Condition on aws:PrincipalArn or sts:ExternalId/,
                );
            }
            expect(
                await check(
                    rule,
                    trust((s) => Object.assign(s, { Principal: { AWS: "111111111111" }, Condition: undefined })),
                ),
            ).to.have.length(1);
        });
        it("accepts an external id", async function () {
            const external = trust((s) => Object.assign(s, { Condition: { StringEquals: { "sts:ExternalId": "x" } } }));
            expect(await check(rule, external)).to.deep.equal([]);
        });
    });

    describe("iam-cross-account-role-session-duration (config maxSessionSeconds)", function () {
        const rule = "iam-cross-account-role-session-duration";
        const session = (seconds: number): Res[] =>
            mutate(target, T.role, phys("xacct-terraform-deploy"), (i) => ({ ...i, maxSessionDuration: seconds }));
        it("reports a cross-account role with sessions over the default hour", async function () {
            expect(await check(rule, session(43200))).to.deep.equal([
                "Role xacct-terraform-deploy, trusted by arn:aws:iam::111111111111:root, has maxSessionDuration 43200; at most 3600 seconds for a cross-account role",
            ]);
            expect(await check(rule, session(3600))).to.deep.equal([]);
        });
        it("takes the configured maximum, and falls back to the default on a value out of bounds", async function () {
            expect(await check(rule, session(7200), { config: { maxSessionSeconds: 7200 } })).to.deep.equal([]);
            expect(await check(rule, session(7201), { config: { maxSessionSeconds: 7200 } })).to.deep.equal([
                "Role xacct-terraform-deploy, trusted by arn:aws:iam::111111111111:root, has maxSessionDuration 7201; at most 7200 seconds for a cross-account role",
            ]);
            expect(await check(rule, session(7200), { config: { maxSessionSeconds: 60 } })).to.have.length(1);
        });
        it("leaves service roles alone", async function () {
            const service = mutate(target, T.role, phys("xacct-cloudformation-execution"), (i) => ({
                ...i,
                maxSessionDuration: 43200,
            }));
            expect(await check(rule, service)).to.deep.equal([]);
        });
    });

    describe("policy documents", function () {
        it("parse from strings and objects, with one statement or many", function () {
            const one = parseDocument({ Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: ["a", "b"] } });
            expect(one.kind === "ok" && one.statements.map((s) => [s.actions, s.resources])).to.deep.equal([
                [["s3:GetObject"], ["a", "b"]],
            ]);
            const many = parseDocument(
                JSON.stringify({
                    Statement: [
                        { Effect: "Deny", Action: ["*"], Resource: "*" },
                        { Effect: "Allow", Action: "x:y" },
                    ],
                }),
            );
            expect(many.kind === "ok" && many.statements.map((s) => s.effect)).to.deep.equal(["Deny", "Allow"]);
            expect(parseDocument(UNKNOWN).kind).to.equal("unknown");
            expect(parseDocument("nope").kind).to.equal("invalid");
        });
    });
});
