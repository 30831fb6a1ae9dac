/**
 * IAM proof of the org template, for two accounts of one OU. The template the org stack would deploy
 * is read back as CloudFormation resolves it in account A and in account B (Fn::Sub filled in), and
 * those roles join the CI/CD account's real principals from a cicd run that has both accounts as
 * targets. @cloud-copilot/iam-simulate then decides each request with identity, trust and bucket
 * policies together (tools/offline/iam/evaluate.ts): A's principals reach A's roles and never B's, and
 * the other way round; the plan roles cannot write.
 */
import { expect } from "chai";
import { checkContract } from "../../contract";
import { orgTemplate } from "../../methods/orgTemplate";
import { captureModel, CapturedRole, IamModel } from "../../tools/offline/iam/capture";
import { EvalRequest, EvalResult, Evaluator, outsiderPolicies } from "../../tools/offline/iam/evaluate";
import { CICD_STACK, manyTargets, runCicd } from "../../tools/offline/program";
import { templateRoles } from "./helpers";

const CICD = "111111111111";
const A = "300000000001";
const B = "300000000002";
const REGION = "eu-west-1";

const role = (account: string, name: string): string => `arn:aws:iam::${account}:role/${name}`;
const principal = (tag: "tf" | "cfn", step: "plan" | "apply", account: string): string =>
    role(CICD, `xacct-${tag}-${step}-${account}`);

/** The target roles the CI/CD principals of each method and step may assume. */
const HOPS = [
    { principal: (a: string) => principal("tf", "plan", a), target: "xacct-terraform-plan" },
    { principal: (a: string) => principal("tf", "apply", a), target: "xacct-terraform-deploy" },
    { principal: (a: string) => principal("cfn", "plan", a), target: "xacct-cloudformation-plan" },
    { principal: (a: string) => principal("cfn", "apply", a), target: "xacct-cloudformation-deploy" },
];

const why = (res: EvalResult): string =>
    `${res.verdict}; allowed by [${res.allowedBy.join(", ")}], denied by [${res.deniedBy.join(", ")}], ` +
    `identity ${res.identityPolicyNames.join(", ") || "none"}, resource policy ${res.resourcePolicySource ?? "none"}`;

describe("org template: IAM across two accounts of one OU", function () {
    this.timeout(60_000);
    let model: IamModel;
    let evaluator: Evaluator;
    let orgRoles: CapturedRole[];

    const verdict = async (req: EvalRequest): Promise<EvalResult> => evaluator.evaluate(req);
    const expectVerdict = async (req: EvalRequest, expected: "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied") => {
        const res = await verdict(req);
        expect(res.verdict, `${req.principal} ${req.action} ${req.resource}: ${why(res)}`).to.equal(expected);
        return res;
    };

    before(async function () {
        const cicd = await runCicd(manyTargets(2));
        const targets = Object.values(cicd.outputs.targets as Record<string, { accountId: string }>).map(
            (t) => t.accountId,
        );
        expect(targets).to.have.members([A, B]);
        const { template } = orgTemplate(checkContract(cicd.outputs.contract, CICD_STACK, false));
        const base = captureModel(cicd, []);
        orgRoles = [...templateRoles(template, A), ...templateRoles(template, B)];
        const roles = new Map(base.roles);
        for (const r of orgRoles) {
            if (roles.has(r.arn)) throw new Error(`${r.arn} twice`);
            roles.set(r.arn, r);
        }
        model = { ...base, roles };
        evaluator = new Evaluator(model);
    });

    it("the model holds the CI/CD principals of both accounts and the template's roles in each", function () {
        for (const a of [A, B]) {
            for (const hop of HOPS) {
                expect(model.roles.has(hop.principal(a)), hop.principal(a)).to.equal(true);
                expect(model.roles.has(role(a, hop.target)), role(a, hop.target)).to.equal(true);
            }
            expect(model.roles.has(role(a, "xacct-cloudformation-execution"))).to.equal(true);
        }
        expect(orgRoles.filter((r) => r.accountId === A)).to.have.lengthOf(7);
    });

    for (const [self, other] of [
        [A, B],
        [B, A],
    ]) {
        describe(`account ${self}'s principals`, function () {
            for (const hop of HOPS) {
                it(`${hop.principal(self).split("/")[1]} may assume ${hop.target} in ${self}, and is denied it in ${other}`, async function () {
                    const own = await expectVerdict(
                        { principal: hop.principal(self), action: "sts:AssumeRole", resource: role(self, hop.target) },
                        "Allowed",
                    );
                    // Cross-account: both the CI/CD identity policy and the template's trust say yes.
                    expect(
                        own.allowedBy.some((s) => s.startsWith("identity:")),
                        why(own),
                    ).to.equal(true);
                    expect(
                        own.allowedBy.some((s) => s.startsWith("resource:")),
                        why(own),
                    ).to.equal(true);
                    await expectVerdict(
                        { principal: hop.principal(self), action: "sts:AssumeRole", resource: role(other, hop.target) },
                        "ImplicitlyDenied",
                    );
                });

                it(`the template's trust alone refuses ${hop.principal(self).split("/")[1]} in ${other}, even with administrator rights`, async function () {
                    const admin = [outsiderPolicies.administratorAccess()];
                    await expectVerdict(
                        {
                            principal: hop.principal(self),
                            action: "sts:AssumeRole",
                            resource: role(self, hop.target),
                            identityPolicies: admin,
                        },
                        "Allowed",
                    );
                    const res = await expectVerdict(
                        {
                            principal: hop.principal(self),
                            action: "sts:AssumeRole",
                            resource: role(other, hop.target),
                            identityPolicies: admin,
                        },
                        "ImplicitlyDenied",
                    );
                    expect(res.analysis.identityAnalysis?.result, why(res)).to.equal("Allowed");
                    expect(res.resourcePolicySource).to.equal(`trust:${role(other, hop.target)}`);
                });
            }

            it("a plan principal cannot reach the deploy role of its own account", async function () {
                await expectVerdict(
                    {
                        principal: principal("tf", "plan", self),
                        action: "sts:AssumeRole",
                        resource: role(self, "xacct-terraform-deploy"),
                    },
                    "ImplicitlyDenied",
                );
                await expectVerdict(
                    {
                        principal: principal("cfn", "plan", self),
                        action: "sts:AssumeRole",
                        resource: role(self, "xacct-cloudformation-deploy"),
                    },
                    "ImplicitlyDenied",
                );
            });

            it(`execution role: ${self}'s deploy role passes ${self}'s to CloudFormation only, never ${other}'s; no CI/CD principal assumes it`, async function () {
                const pass = (resource: string, svc = "cloudformation.amazonaws.com"): EvalRequest => ({
                    principal: role(self, "xacct-cloudformation-deploy"),
                    action: "iam:PassRole",
                    resource,
                    context: { "iam:PassedToService": svc },
                });
                await expectVerdict(pass(role(self, "xacct-cloudformation-execution")), "Allowed");
                await expectVerdict(pass(role(other, "xacct-cloudformation-execution")), "ImplicitlyDenied");
                await expectVerdict(
                    pass(role(self, "xacct-cloudformation-execution"), "lambda.amazonaws.com"),
                    "ImplicitlyDenied",
                );
                await expectVerdict(
                    {
                        principal: "cloudformation.amazonaws.com",
                        action: "sts:AssumeRole",
                        resource: role(self, "xacct-cloudformation-execution"),
                    },
                    "Allowed",
                );
                for (const p of [principal("cfn", "apply", self), principal("tf", "apply", self)]) {
                    await expectVerdict(
                        {
                            principal: p,
                            action: "sts:AssumeRole",
                            resource: role(self, "xacct-cloudformation-execution"),
                            identityPolicies: [outsiderPolicies.administratorAccess()],
                        },
                        "ImplicitlyDenied",
                    );
                }
            });

            describe("the plan roles cannot write", function () {
                const stateBucket = `xacct-tfstate-${CICD}-${REGION}`;
                const stateKey = (a: string) => `arn:aws:s3:::${stateBucket}/xacct/${a}/terraform.tfstate`;

                it(`Terraform state: ${self}'s plan role reads its state and cannot write it; the deploy role writes only its own`, async function () {
                    await expectVerdict(
                        {
                            principal: role(self, "xacct-terraform-plan"),
                            action: "s3:GetObject",
                            resource: stateKey(self),
                        },
                        "Allowed",
                    );
                    await expectVerdict(
                        {
                            principal: role(self, "xacct-terraform-plan"),
                            action: "s3:PutObject",
                            resource: stateKey(self),
                        },
                        "ImplicitlyDenied",
                    );
                    await expectVerdict(
                        {
                            principal: role(self, "xacct-terraform-deploy"),
                            action: "s3:PutObject",
                            resource: stateKey(self),
                        },
                        "Allowed",
                    );
                    await expectVerdict(
                        {
                            principal: role(self, "xacct-terraform-deploy"),
                            action: "s3:PutObject",
                            resource: stateKey(other),
                        },
                        "ExplicitlyDenied",
                    );
                    await expectVerdict(
                        {
                            principal: role(self, "xacct-terraform-plan"),
                            action: "s3:GetObject",
                            resource: stateKey(other),
                        },
                        "ExplicitlyDenied",
                    );
                });

                it(`EC2: ${self}'s Terraform plan role cannot launch or stop; the deploy role can, in its own account only`, async function () {
                    const instance = (a: string) => `arn:aws:ec2:${REGION}:${a}:instance/i-0123456789abcdef0`;
                    const tagged = { "aws:ResourceTag/CrossAccountPipelineWorkload": "xacct-tf" };
                    await expectVerdict(
                        {
                            principal: role(self, "xacct-terraform-plan"),
                            action: "ec2:StopInstances",
                            resource: instance(self),
                            context: tagged,
                        },
                        "ImplicitlyDenied",
                    );
                    await expectVerdict(
                        {
                            principal: role(self, "xacct-terraform-plan"),
                            action: "ec2:RunInstances",
                            resource: instance(self),
                        },
                        "ImplicitlyDenied",
                    );
                    await expectVerdict(
                        {
                            principal: role(self, "xacct-terraform-deploy"),
                            action: "ec2:StopInstances",
                            resource: instance(self),
                            context: tagged,
                        },
                        "Allowed",
                    );
                    await expectVerdict(
                        {
                            principal: role(self, "xacct-terraform-deploy"),
                            action: "ec2:StopInstances",
                            resource: instance(other),
                            context: tagged,
                        },
                        "ImplicitlyDenied",
                    );
                });

                it(`the network tag: ${self}'s deploy role launches into a subnet tagged for the workload, not into an untagged one`, async function () {
                    const subnet = `arn:aws:ec2:${REGION}:${self}:subnet/subnet-0123456789abcdef0`;
                    const req = (value: string): EvalRequest => ({
                        principal: role(self, "xacct-terraform-deploy"),
                        action: "ec2:RunInstances",
                        resource: subnet,
                        context: { "ec2:ResourceTag/CrossAccountPipelineNetwork": value },
                    });
                    await expectVerdict(req("xacct"), "Allowed");
                    await expectVerdict(req("someone-else"), "ImplicitlyDenied");
                });

                it(`CloudFormation: ${self}'s plan role proposes change sets and cannot execute them; the deploy role executes`, async function () {
                    const stack = `arn:aws:cloudformation:${REGION}:${self}:stack/xacct-workload-t1/0a1b2c3d`;
                    const changeSet = { "cloudformation:ChangeSetName": "run-1234" };
                    await expectVerdict(
                        {
                            principal: role(self, "xacct-cloudformation-plan"),
                            action: "cloudformation:CreateChangeSet",
                            resource: stack,
                            context: {
                                ...changeSet,
                                "cloudformation:RoleArn": role(self, "xacct-cloudformation-execution"),
                            },
                        },
                        "Allowed",
                    );
                    const withRole = { "cloudformation:RoleArn": role(self, "xacct-cloudformation-execution") };
                    for (const [action, context] of [
                        ["cloudformation:ExecuteChangeSet", changeSet],
                        ["cloudformation:DeleteStack", withRole],
                    ] as const) {
                        await expectVerdict(
                            { principal: role(self, "xacct-cloudformation-plan"), action, resource: stack, context },
                            "ImplicitlyDenied",
                        );
                        // The same request is the deploy role's to make: the denial is the plan role's.
                        await expectVerdict(
                            { principal: role(self, "xacct-cloudformation-deploy"), action, resource: stack, context },
                            "Allowed",
                        );
                    }
                    await expectVerdict(
                        {
                            principal: role(self, "xacct-cloudformation-deploy"),
                            action: "cloudformation:ExecuteChangeSet",
                            resource: `arn:aws:cloudformation:${REGION}:${other}:stack/xacct-workload-t2/0a1b2c3d`,
                            context: changeSet,
                        },
                        "ImplicitlyDenied",
                    );
                });
            });
        });
    }
});
