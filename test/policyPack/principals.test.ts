// iam-no-shared-deploy-principal (policypack/iamPrincipals.ts): one principal per target and step.
// The fleet (three targets, two waves) is where principals of different targets could be mixed up.
import { expect } from "chai";
import {
    action,
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
    VIEWS,
} from "./helpers";

const rule = "iam-no-shared-deploy-principal";
const ARN = (account: string, name: string): string => `arn:aws:iam::${account}:role/${name}`;
const CICD = "111111111111";

describe("policy pack: iam-no-shared-deploy-principal", function () {
    let cicd: Res[];
    let target: Res[];
    let fleet: Res[];
    before(async function () {
        this.timeout(120_000);
        ({ cicd, target, fleet } = await programStacks());
    });

    /** The fleet with one statement of one role policy edited. */
    const editStatement = (resources: Res[], role: string, sid: string, edit: (s: any) => void): Res[] =>
        mutate(
            resources,
            T.rolePolicy,
            (r) => r.inputs.role === role && bySid(sid)(r),
            editDocument("policy", (d) => edit(statement(d, sid))),
        );

    describe("in the cicd stack", function () {
        it("passes the program, whose pipeline roles name their own action roles by pattern", async function () {
            const cfn = fleet.find(
                (r) => r.type === T.rolePolicy && r.inputs.role === "xacct-pipeline-cloudformation",
            )!;
            expect(statement(JSON.parse(cfn.inputs.policy), "AssumeOwnActionRoles").Resource).to.deep.equal([
                ARN(CICD, "xacct-cfn-plan-*"),
                ARN(CICD, "xacct-cfn-apply-*"),
                ARN(CICD, "xacct-cfn-review"),
            ]);
            for (const view of VIEWS) expect(await check(rule, fleet, { view }), view).to.deep.equal([]);
        });

        it("reports two CodeBuild projects sharing a service role, in every view", async function () {
            const shared = mutate(fleet, T.project, phys("xacct-tf-apply-dev"), (i) => ({
                ...i,
                serviceRole: ARN(CICD, "xacct-tf-plan-300000000001"),
            }));
            for (const view of VIEWS) {
                expect(await check(rule, shared, { view }), view).to.deep.equal([
                    "CodeBuild projects xacct-tf-plan-dev, xacct-tf-apply-dev share the service role xacct-tf-plan-300000000001: " +
                        "each project (one per target and step) needs a role of its own, so that one target's build reaches no other target",
                ]);
            }
        });

        it("reports Commands actions of different targets sharing a roleArn (plan and drift of one target may)", async function () {
            const shared = mutate(fleet, T.pipeline, phys("xacct-cloudformation"), (i) => {
                action(i, "Apply-prod", "Apply-prod-b").roleArn = ARN(CICD, "xacct-cfn-apply-300000000002");
            });
            const vs = await check(rule, shared);
            expect(vs).to.have.length(2);
            expect(vs[0]).to.equal(
                `Commands actions of different target accounts (300000000002, 300000000003) share the role ${ARN(CICD, "xacct-cfn-apply-300000000002")}: ` +
                    "Pipeline xacct-cloudformation, stage Apply-prod, action Apply-prod-a (300000000002); " +
                    "Pipeline xacct-cloudformation, stage Apply-prod, action Apply-prod-b (300000000003). " +
                    "Each target's action needs a role of its own that reaches only that target",
            );
            // and the apply role that prod-b's action no longer uses is still within its pipeline role's pattern:
            expect(vs[1]).to.equal(
                `Role xacct-pipeline-cloudformation, a pipeline's service role, may assume "${ARN(CICD, "xacct-cfn-apply-*")}": ` +
                    "it also matches xacct-cfn-apply-300000000003, which no action of its pipeline uses",
            );
        });

        it("takes an action's targets from the ARNs its commands name, not from digits in a digest", async function () {
            const drift = action(
                fleet.find((r) => r.inputs.name === "xacct-cloudformation-drift")!.inputs,
                "Drift-dev",
                "Drift-dev",
            );
            expect(drift.roleArn).to.equal(ARN(CICD, "xacct-cfn-plan-300000000001")); // the plan action's role too
            const digits = mutate(fleet, T.pipeline, phys("xacct-cloudformation-drift"), (i) => {
                action(i, "Drift-dev", "Drift-dev").commands.push("echo ab300000000009cd 400000000004");
            });
            expect(await check(rule, digits)).to.deep.equal([]);
        });

        it("judges no pipeline role while a pipeline's roleArn is unknown and untracked", async function () {
            const unknown = mutate(fleet, T.pipeline, phys("xacct-cloudformation"), (i) => ({
                ...i,
                roleArn: UNKNOWN,
            }));
            const broad = mutate(
                unknown,
                T.rolePolicy,
                (r) => r.inputs.role === "xacct-pipeline-cloudformation",
                editDocument("policy", (d) => (statement(d, "AssumeOwnActionRoles").Resource = ARN(CICD, "xacct-*"))),
            );
            expect(await check(rule, broad)).to.deep.equal([]);
        });

        it("reports a build or action role that may assume two roles, or a role by wildcard", async function () {
            const two = editStatement(fleet, "xacct-tf-plan-300000000001", "AssumeOwnTargetPlanRole", (s) => {
                s.Resource = [s.Resource, ARN("300000000002", "xacct-terraform-plan")];
            });
            expect(await check(rule, two)).to.deep.equal([
                `Role xacct-tf-plan-300000000001 may assume 2 roles (${ARN("300000000001", "xacct-terraform-plan")}, ` +
                    `${ARN("300000000002", "xacct-terraform-plan")}): a deploy principal may assume exactly one role, in its own target account`,
            ]);
            const wild = editStatement(fleet, "xacct-cfn-apply-300000000003", "AssumeOwnTargetDeployRole", (s) => {
                s.Resource = "arn:aws:iam::*:role/xacct-cloudformation-deploy";
            });
            expect(await check(rule, wild, { view: "preview" })).to.deep.equal([
                'Role xacct-cfn-apply-300000000003 may assume "arn:aws:iam::*:role/xacct-cloudformation-deploy": a deploy principal may assume exactly one role, named in full',
            ]);
        });

        it("counts every inline policy of a role: a second RolePolicy granting another role is caught", async function () {
            const second = mutate(
                fleet,
                T.rolePolicy,
                (r) => r.inputs.role === "xacct-tf-apply-300000000001",
                (i) => {
                    const doc = JSON.parse(i.policy);
                    statement(doc, "AssumeOwnTargetDeployRole").Resource = ARN(
                        "300000000001",
                        "xacct-terraform-deploy",
                    );
                    return i;
                },
            );
            const extra = [
                ...second,
                {
                    ...second.find((r) => r.type === T.rolePolicy && r.inputs.role === "xacct-tf-apply-300000000001")!,
                    name: "tf-apply-dev-extra",
                    inputs: {
                        role: "xacct-tf-apply-300000000001",
                        name: "extra",
                        policy: JSON.stringify({
                            Version: "2012-10-17",
                            Statement: [
                                {
                                    Effect: "Allow",
                                    Action: "sts:AssumeRole",
                                    Resource: ARN("300000000003", "xacct-terraform-deploy"),
                                },
                            ],
                        }),
                    },
                },
            ];
            expect((await check(rule, extra))[0]).to.match(/^Role xacct-tf-apply-300000000001 may assume 2 roles/);
        });

        describe("the pipeline service role's patterns", function () {
            const pipelineRole = (edit: (s: any) => void): Res[] =>
                editStatement(fleet, "xacct-pipeline-cloudformation", "AssumeOwnActionRoles", edit);
            const prefix = "Role xacct-pipeline-cloudformation, a pipeline's service role, may assume";

            it("reports a pattern that reaches other roles of the stack", async function () {
                const vs = await check(
                    rule,
                    pipelineRole((s) => (s.Resource = [ARN(CICD, "xacct-*"), ARN(CICD, "xacct-cfn-review")])),
                );
                expect(vs).to.have.length(1);
                expect(vs[0]).to.match(
                    new RegExp(`^${prefix} "arn:aws:iam::${CICD}:role/xacct-\\*": it also matches xacct-tf-review, `),
                );
                expect(vs[0]).to.match(/xacct-tf-plan-300000000001, .*, which no action of its pipeline uses$/);
            });
            it("reports a pattern with a wildcard account, in another account, or not ending in -*", async function () {
                for (const [pattern, why] of [
                    ["arn:aws:iam::*:role/xacct-cfn-plan-*", "not of the form"],
                    [
                        ARN("999999999999", "xacct-cfn-plan-*"),
                        "its account 999999999999 is not the account of the pipeline's action roles",
                    ],
                    [ARN(CICD, "xacct-cfn-plan-3*"), "not of the form"],
                    [ARN(CICD, "xacct-cfn-plan-?00000000001"), "not of the form"],
                ]) {
                    const vs = await check(
                        rule,
                        pipelineRole((s) => s.Resource.splice(0, 1, pattern)),
                    );
                    expect(vs, pattern).to.have.length(1);
                    expect(vs[0], pattern).to.contain(`${prefix} "${pattern}": ${why}`);
                }
            });
            it("reports a pattern that matches none of the stack's roles, and an exact ARN no action uses", async function () {
                const none = await check(
                    rule,
                    pipelineRole((s) => s.Resource.splice(0, 1, ARN(CICD, "xacct-cfn-nothing-*"))),
                );
                expect(none).to.deep.equal([
                    `${prefix} "${ARN(CICD, "xacct-cfn-nothing-*")}": it matches none of this stack's roles`,
                ]);
                const stray = await check(
                    rule,
                    pipelineRole((s) => s.Resource.push(ARN(CICD, "xacct-tf-apply-300000000001"))),
                );
                expect(stray).to.deep.equal([
                    `${prefix} ${ARN(CICD, "xacct-tf-apply-300000000001")}, which no action of its pipeline uses and which is no role of this stack that trusts only it`,
                ]);
            });
            it("grants the exception only to a role that CodePipeline alone may assume", async function () {
                const trusted = mutate(
                    fleet,
                    T.role,
                    phys("xacct-pipeline-cloudformation"),
                    editDocument("assumeRolePolicy", (d) => {
                        d.Statement[0].Principal.AWS = `arn:aws:iam::${CICD}:root`;
                    }),
                );
                expect(await check(rule, trusted)).to.deep.equal([
                    `Role xacct-pipeline-cloudformation may assume "${ARN(CICD, "xacct-cfn-plan-*")}", "${ARN(CICD, "xacct-cfn-apply-*")}": ` +
                        "a deploy principal may assume exactly one role, named in full",
                ]);
            });
            it("accepts the single-target program, whose pipelines may assume a review role no action uses yet", async function () {
                for (const view of VIEWS) expect(await check(rule, cicd, { view }), view).to.deep.equal([]);
            });
        });
    });

    describe("in a target stack", function () {
        const trust = (name: string, edit: (s: any) => void): Res[] =>
            mutate(
                target,
                T.role,
                phys(name),
                editDocument("assumeRolePolicy", (d) => edit(d.Statement[0])),
            );
        const tail =
            ": a role trusted from another account pins exactly one aws:PrincipalArn, without wildcards (the CI/CD account's principal for this target and step)";

        it("passes the program's target roles, each pinned to its one principal", async function () {
            for (const view of VIEWS) expect(await check(rule, target, { view }), view).to.deep.equal([]);
        });
        it("reports a trust that admits two principals, a pattern, or the whole account", async function () {
            const two = trust("xacct-terraform-deploy", (s) => {
                s.Condition.ArnEquals["aws:PrincipalArn"] = [
                    ARN(CICD, "xacct-tf-apply-222222222222"),
                    ARN(CICD, "xacct-tf-plan-222222222222"),
                ];
            });
            expect(await check(rule, two)).to.deep.equal([
                `Role xacct-terraform-deploy: trust statement "OnlyThisAccountsTerraformApplyBuild" admits arn:aws:iam::${CICD}:root with aws:PrincipalArn ` +
                    `${ARN(CICD, "xacct-tf-apply-222222222222")}, ${ARN(CICD, "xacct-tf-plan-222222222222")}${tail}`,
            ]);
            const pattern = trust("xacct-cloudformation-plan", (s) => {
                s.Condition = { ArnLike: { "aws:PrincipalArn": ARN(CICD, "xacct-cfn-plan-*") } };
            });
            expect((await check(rule, pattern))[0]).to.match(
                /admits arn:aws:iam::111111111111:root with aws:PrincipalArn .*xacct-cfn-plan-\*: a role/,
            );
            const whole = trust("xacct-cloudformation-deploy", (s) => delete s.Condition);
            expect(await check(rule, whole, { view: "preview" })).to.deep.equal([
                `Role xacct-cloudformation-deploy: trust statement "OnlyThisAccountsCloudFormationApplyAction" admits arn:aws:iam::${CICD}:root without naming one aws:PrincipalArn${tail}`,
            ]);
        });
        it("accepts a trust naming one role ARN as its principal", async function () {
            const direct = trust("xacct-terraform-plan", (s) => {
                s.Principal = { AWS: ARN(CICD, "xacct-tf-plan-222222222222") };
                delete s.Condition;
            });
            expect(await check(rule, direct)).to.deep.equal([]);
        });
    });
});
