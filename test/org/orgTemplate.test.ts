/**
 * The org stack's StackSet template: valid against the AWS resource specification, rendered from the
 * methods' own role functions (no second copy), the same for every account and for any number of
 * targets, Fn::Sub applied exactly where the account appears (IAM policy variables escaped), and
 * within IAM's and CloudFormation's size limits.
 */
import { expect } from "chai";
import { ConfigError } from "../../config";
import { CicdContract, checkContract } from "../../contract";
import { METHODS } from "../../methods";
import {
    ACCOUNT_ID,
    checkTemplateBody,
    orgTargetContext,
    orgTemplate,
    renderTemplate,
    subAccount,
    TEMPLATE_BODY_LIMIT,
} from "../../methods/orgTemplate";
import type { TargetRoleSpec } from "../../methods/types";
import { runStack } from "../../stacks";
import { useMocks } from "../../tools/offline/mocks";
import { CICD_STACK, manyTargets, ofType, readerOf, runCicd, runTarget } from "../../tools/offline/program";
import { loadSpec, SpecDatabase, validateTemplate } from "../cfnSpec";
import { resolveIn } from "./helpers";

const A = "300000000001";
const B = "300000000002";
const CICD = "111111111111";

type Obj = Record<string, any>;

/** Every string anywhere in a value. */
const stringsOf = (value: unknown): string[] =>
    typeof value === "string"
        ? [value]
        : Array.isArray(value)
          ? value.flatMap(stringsOf)
          : value !== null && typeof value === "object"
            ? Object.values(value).flatMap(stringsOf)
            : [];

/** Every Fn::Sub argument anywhere in a value. */
const subsOf = (value: unknown): string[] =>
    Array.isArray(value)
        ? value.flatMap(subsOf)
        : value !== null && typeof value === "object"
          ? Object.entries(value).flatMap(([k, v]) => (k === "Fn::Sub" ? [v as string] : subsOf(v)))
          : [];

describe("org template", function () {
    this.timeout(60_000);
    let spec: SpecDatabase;
    let contract: CicdContract;
    let template: Obj;

    before(async function () {
        spec = await loadSpec();
        const cicd = await runCicd(manyTargets(2));
        contract = checkContract(cicd.outputs.contract, CICD_STACK, false);
        template = orgTemplate(contract).template;
    });

    describe("against the AWS resource specification (@aws-cdk/aws-service-spec)", function () {
        it("validates with zero problems", function () {
            expect(validateTemplate(template, spec)).to.deep.equal([]);
        });

        it("and the check bites: an unknown property, a missing required one, a bad Ref are reported", function () {
            const broken = structuredClone(template);
            broken.Resources.TerraformPlanRole.Properties.RoleNmae = "typo";
            delete broken.Resources.TerraformDeployRole.Properties.AssumeRolePolicyDocument;
            broken.Resources.TerraformInstanceInstanceProfile.Properties.Roles = [{ Ref: "NoSuchRole" }];
            const problems = validateTemplate(broken, spec);
            expect(problems.some((p) => p.includes("RoleNmae"))).to.equal(true);
            expect(problems.some((p) => p.includes("AssumeRolePolicyDocument"))).to.equal(true);
            expect(problems.some((p) => p.includes("NoSuchRole"))).to.equal(true);
        });
    });

    describe("shape", function () {
        it("one AWS::IAM::Role per target role of the contract's methods, and an instance profile for each instance role", function () {
            const resources = template.Resources as Obj;
            const roles = Object.entries(resources).filter(([, r]) => r.Type === "AWS::IAM::Role");
            const profiles = Object.entries(resources).filter(([, r]) => r.Type === "AWS::IAM::InstanceProfile");
            expect(Object.keys(resources)).to.have.lengthOf(roles.length + profiles.length);
            expect(roles.map(([id]) => id)).to.have.members([
                "TerraformPlanRole",
                "TerraformDeployRole",
                "TerraformInstanceRole",
                "CloudformationExecutionRole",
                "CloudformationPlanRole",
                "CloudformationDeployRole",
                "CloudformationInstanceRole",
            ]);
            expect(profiles.map(([, p]) => p.Properties)).to.have.deep.members([
                { InstanceProfileName: "xacct-tf-instance-profile", Roles: [{ Ref: "TerraformInstanceRole" }] },
                { InstanceProfileName: "xacct-cfn-instance-profile", Roles: [{ Ref: "CloudformationInstanceRole" }] },
            ]);
            expect(resources.TerraformInstanceRole.Properties.ManagedPolicyArns).to.deep.equal([
                "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
            ]);
            for (const [id, r] of roles) {
                expect(Object.keys(r.Properties), id).to.include.members([
                    "RoleName",
                    "Description",
                    "AssumeRolePolicyDocument",
                ]);
            }
        });

        it("a method the cicd stack does not deploy has no roles in it", function () {
            const tfOnly = orgTemplate({ ...contract, methods: ["terraform"] }).template;
            const names = Object.values(tfOnly.Resources as Obj).map(
                (r) => r.Properties.RoleName ?? r.Properties.InstanceProfileName,
            );
            expect(names).to.have.members([
                "xacct-terraform-plan",
                "xacct-terraform-deploy",
                "xacct-tf-instance-role",
                "xacct-tf-instance-profile",
            ]);
        });

        it("names no target account: the only account ID in it is the CI/CD account's", function () {
            const accounts = new Set(stringsOf(template).flatMap((s) => s.match(/\b\d{12}\b/g) ?? []));
            expect([...accounts]).to.deep.equal([CICD]);
            const body = JSON.stringify(template);
            for (const t of Object.values(contract.targets)) {
                expect(body).to.not.include(t.accountId);
                expect(body).to.not.include(t.subnetId);
                expect(body).to.not.include(t.securityGroupId);
            }
        });

        it("admits the tagged network and the workload stack pattern, not one target's subnet or stack", function () {
            const deploy = resolveIn(template.Resources.TerraformDeployRole.Properties.Policies, A) as Obj[];
            const network = deploy
                .flatMap((p) => p.PolicyDocument.Statement as Obj[])
                .find((s) => s.Sid === "RunInTaggedNetwork");
            expect(network).to.deep.equal({
                Sid: "RunInTaggedNetwork",
                Effect: "Allow",
                Action: "ec2:RunInstances",
                Resource: [`arn:aws:ec2:eu-west-1:${A}:subnet/*`, `arn:aws:ec2:eu-west-1:${A}:security-group/*`],
                Condition: { StringEquals: { "ec2:ResourceTag/CrossAccountPipelineNetwork": "xacct" } },
            });
            const cfnPlan = JSON.stringify(resolveIn(template.Resources.CloudformationPlanRole.Properties, A));
            expect(cfnPlan).to.include(`arn:aws:cloudformation:eu-west-1:${A}:stack/xacct-workload-*/*`);
        });
    });

    describe("Fn::Sub", function () {
        it("wraps exactly the strings that hold ${AWS::AccountId}, and each Fn::Sub names no other variable", function () {
            const subs = subsOf(template);
            expect(subs.length).to.be.greaterThan(10);
            for (const s of subs) {
                expect(s).to.include(ACCOUNT_ID);
                const variables = [...s.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]);
                expect(
                    variables.filter((v) => v !== "AWS::AccountId" && !v.startsWith("!")),
                    s,
                ).to.deep.equal([]);
            }
            // Outside Fn::Sub, no string holds the account variable (it would reach IAM unresolved).
            const literal = (value: unknown): string[] =>
                typeof value === "string"
                    ? [value]
                    : Array.isArray(value)
                      ? value.flatMap(literal)
                      : value !== null && typeof value === "object"
                        ? Object.entries(value).flatMap(([k, v]) => (k === "Fn::Sub" ? [] : literal(v)))
                        : [];
            expect(literal(template).filter((s) => s.includes("${"))).to.deep.equal([]);
        });

        it("trusts, per account, that account's own CI/CD principal", function () {
            const trust = template.Resources.TerraformDeployRole.Properties.AssumeRolePolicyDocument;
            expect(trust.Statement[0].Principal).to.deep.equal({ AWS: `arn:aws:iam::${CICD}:root` });
            expect(trust.Statement[0].Condition.ArnEquals["aws:PrincipalArn"]).to.deep.equal({
                "Fn::Sub": `arn:aws:iam::${CICD}:role/xacct-tf-apply-\${AWS::AccountId}`,
            });
            expect(resolveIn(trust, A).Statement[0].Condition.ArnEquals["aws:PrincipalArn"]).to.equal(
                `arn:aws:iam::${CICD}:role/xacct-tf-apply-${A}`,
            );
        });

        it("escapes IAM policy variables in a string that also holds the account: ${aws:...} becomes ${!aws:...}", function () {
            const probe: TargetRoleSpec = {
                key: "probe",
                name: "probe",
                description: "probe",
                trust: {
                    Version: "2012-10-17",
                    Statement: [
                        { Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "ec2.amazonaws.com" } },
                    ],
                },
                policies: {
                    own: {
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Effect: "Allow",
                                Action: "s3:GetObject",
                                Resource: [
                                    `arn:aws:s3:::bucket/${ACCOUNT_ID}/\${aws:PrincipalTag/team}/\${aws:username}`,
                                    "arn:aws:s3:::bucket/${aws:PrincipalAccount}/*",
                                ],
                            },
                        ],
                    },
                },
            };
            const t = renderTemplate([probe], "probe");
            const resource = (t as Obj).Resources.ProbeRole.Properties.Policies[0].PolicyDocument.Statement[0].Resource;
            expect(resource).to.deep.equal([
                { "Fn::Sub": "arn:aws:s3:::bucket/${AWS::AccountId}/${!aws:PrincipalTag/team}/${!aws:username}" },
                // No account in it: not an Fn::Sub, so CloudFormation passes the variable to IAM as written.
                "arn:aws:s3:::bucket/${aws:PrincipalAccount}/*",
            ]);
            // What IAM receives in account A: the account filled in, the policy variables intact.
            expect(resolveIn(resource, A)).to.deep.equal([
                `arn:aws:s3:::bucket/${A}/\${aws:PrincipalTag/team}/\${aws:username}`,
                "arn:aws:s3:::bucket/${aws:PrincipalAccount}/*",
            ]);
            expect(validateTemplate(t, spec)).to.deep.equal([]);
            // Unescaped, the spec check sees an unknown Fn::Sub variable: this is what the escaping prevents.
            (t as Obj).Resources.ProbeRole.Properties.Policies[0].PolicyDocument.Statement[0].Resource[0] = {
                "Fn::Sub": "arn:aws:s3:::bucket/${AWS::AccountId}/${aws:username}",
            };
            expect(validateTemplate(t, spec).some((p) => p.includes("aws:username"))).to.equal(true);
        });

        it("escapes an already-escaped-looking ${!x} too, and refuses the account in a key", function () {
            expect(subAccount(`a/${ACCOUNT_ID}/\${!x}`)).to.deep.equal({ "Fn::Sub": "a/${AWS::AccountId}/${!!x}" });
            expect(resolveIn(subAccount(`a/${ACCOUNT_ID}/\${!x}`), A)).to.equal(`a/${A}/\${!x}`);
            expect(() => subAccount({ [`aws:ResourceTag/${ACCOUNT_ID}`]: "v" })).to.throw(/Fn::Sub cannot fill in/);
        });
    });

    describe("one copy of every trust and policy", function () {
        it("resolved for an account, the template is exactly what the methods' targetRoles give for that account", function () {
            for (const account of [A, B]) {
                const ctx = { ...orgTargetContext(contract), accountId: account };
                const expected = contract.methods.flatMap((m) => METHODS[m].targetRoles(ctx));
                const resources = template.Resources as Obj;
                for (const r of expected) {
                    const entry = Object.values(resources).find(
                        (x) => x.Type === "AWS::IAM::Role" && x.Properties.RoleName === r.name,
                    );
                    expect(entry, r.name).to.not.equal(undefined);
                    const props = resolveIn(entry.Properties, account);
                    expect(props.AssumeRolePolicyDocument, `${r.name} trust`).to.deep.equal(r.trust);
                    expect(
                        Object.fromEntries((props.Policies ?? []).map((p: Obj) => [p.PolicyName, p.PolicyDocument])),
                        `${r.name} policies`,
                    ).to.deep.equal(r.policies);
                    expect(props.Description).to.equal(r.description);
                    expect(props.ManagedPolicyArns).to.deep.equal(r.managedPolicyArns);
                }
                expect(Object.values(resources).filter((x) => x.Type === "AWS::IAM::Role")).to.have.lengthOf(
                    expected.length,
                );
            }
        });

        it("every trust policy is the very one the target stack declares for that account", async function () {
            const target = await runTarget(manyTargets(2), { stack: "target-t1" });
            const declared = ofType(target.mocks, "aws:iam/role:Role");
            expect(declared.length).to.be.greaterThan(0);
            for (const role of declared) {
                const entry = Object.values(template.Resources as Obj).find(
                    (x) => x.Type === "AWS::IAM::Role" && x.Properties.RoleName === role.inputs.name,
                );
                expect(entry, `${role.inputs.name} is in the template`).to.not.equal(undefined);
                expect(resolveIn(entry.Properties.AssumeRolePolicyDocument, A), role.inputs.name).to.deep.equal(
                    JSON.parse(role.inputs.assumeRolePolicy as string),
                );
            }
        });

        it("a new account needs no template change: the body is the same for 1, 2 and 3 targets", async function () {
            const bodies = new Set<string>();
            for (const n of [1, 2, 3]) {
                const cicd = await runCicd(manyTargets(n));
                bodies.add(orgTemplate(checkContract(cicd.outputs.contract, CICD_STACK, false)).body);
            }
            expect(bodies.size).to.equal(1);
            expect([...bodies][0]).to.equal(orgTemplate(contract).body);
        });
    });

    describe("size limits", function () {
        it("the body fits CloudFormation's 51,200-byte TemplateBody, with room to spare", function () {
            const { body, bytes } = orgTemplate(contract);
            expect(TEMPLATE_BODY_LIMIT.limit).to.equal(51_200);
            expect(bytes).to.equal(Buffer.byteLength(body, "utf8"));
            expect(bytes).to.be.below(TEMPLATE_BODY_LIMIT.limit / 2);
        });

        it("a body over 51,200 bytes is refused with the limit and its source; 51,200 exactly is accepted", function () {
            // IAM's per-role quotas bind first for today's roles (next test), so the body check is
            // exercised on its own, at the boundary, in bytes (a multi-byte character counts as 3).
            expect(checkTemplateBody("xacct", "x".repeat(51_200))).to.equal(51_200);
            expect(checkTemplateBody("xacct", "€".repeat(17_066) + "xx")).to.equal(51_200);
            expect(() => checkTemplateBody("xacct", "€".repeat(17_067)))
                .to.throw(ConfigError, /needs 51201 bytes; CloudFormation allows at most 51200 bytes in a TemplateBody/)
                .with.property("message")
                .that.includes("cloudformation-limits.html");
        });

        it("a role over IAM's inline-policy quota is refused before the size of the body matters", function () {
            const long = { ...contract, amiParameter: `/aws/service/${"x".repeat(9_000)}` };
            expect(() => orgTemplate(long)).to.throw(
                ConfigError,
                /inline policies of role .* IAM allows at most 10240/,
            );
        });

        it("the org stack refuses such a contract before declaring any AWS resource", async function () {
            const cicd = await runCicd(manyTargets(1));
            const outputs = {
                ...cicd.outputs,
                contract: { ...cicd.outputs.contract, amiParameter: `/aws/service/${"x".repeat(9_000)}` },
            };
            const mocks = await useMocks("org", { accountId: "999999999999", stackOutputs: { [CICD_STACK]: outputs } });
            let error: unknown;
            try {
                await runStack(
                    "org",
                    readerOf({ "aws:region": "eu-west-1", "cross-account-pipeline:organizationalUnitIds": "r-ab12" }),
                );
            } catch (e) {
                error = e;
            }
            expect(error).to.be.instanceOf(ConfigError);
            expect(mocks.resources.filter((r) => r.type.startsWith("aws:"))).to.deep.equal([]);
        });
    });
});
