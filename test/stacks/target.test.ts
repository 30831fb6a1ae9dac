import { expect } from "chai";
import { ConfigError } from "../../config";
import { runStack } from "../../stacks";
import { find, ofType, policyOf, sid, useMocks } from "../../tools/offline/mocks";
import {
    CICD_ACCOUNT,
    CICD_STACK,
    CicdRun,
    proofConfig,
    PROD_ACCOUNT,
    readerOf,
    runCicd,
    runTarget,
    singleTarget,
    TARGET_ACCOUNT,
    TargetRun,
} from "../../tools/offline/program";

const ROLE = "aws:iam/role:Role";
const trustOf = (run: TargetRun, key: string) => policyOf(find(run.mocks, ROLE, `${key}-role`), "assumeRolePolicy");
const policy = (run: TargetRun, key: string, name: string) =>
    policyOf(find(run.mocks, "aws:iam/rolePolicy:RolePolicy", `${key}-${name}`));

describe("target stack (prod of the two-target example, both methods)", () => {
    let cicd: CicdRun;
    let run: TargetRun;
    before(async () => {
        cicd = await runCicd(proofConfig());
        run = await runTarget(proofConfig(), { stack: "target-prod", cicd });
    });

    it("reads the cicd stack through a StackReference, with a provider that refuses any account but prod's", () => {
        expect(find(run.mocks, "pulumi:pulumi:StackReference", "cicd").inputs.name).to.equal(CICD_STACK);
        expect(find(run.mocks, "pulumi:providers:aws", "target").inputs.allowedAccountIds).to.equal(
            JSON.stringify([PROD_ACCOUNT]),
        );
    });

    it("creates the plan, deploy and execution roles and the workloads' instance roles, as components", () => {
        expect(ofType(run.mocks, "cross-account-pipeline:target:CrossAccountRole").map((r) => r.name)).to.have.members([
            "terraform-plan",
            "terraform-deploy",
            "terraform-instance",
            "cloudformation-execution",
            "cloudformation-plan",
            "cloudformation-deploy",
            "cloudformation-instance",
        ]);
        expect(ofType(run.mocks, ROLE).map((r) => r.inputs.name)).to.have.members([
            "xacct-terraform-plan",
            "xacct-terraform-deploy",
            "xacct-tf-instance-role",
            "xacct-cloudformation-execution",
            "xacct-cloudformation-plan",
            "xacct-cloudformation-deploy",
            "xacct-cfn-instance-role",
        ]);
    });

    it("makes each role trust only prod's own principal in the CI/CD account, pinned by aws:PrincipalArn", () => {
        const pins: [string, string][] = [
            ["terraform-plan", `xacct-tf-plan-${PROD_ACCOUNT}`],
            ["terraform-deploy", `xacct-tf-apply-${PROD_ACCOUNT}`],
            ["cloudformation-plan", `xacct-cfn-plan-${PROD_ACCOUNT}`],
            ["cloudformation-deploy", `xacct-cfn-apply-${PROD_ACCOUNT}`],
        ];
        for (const [key, principal] of pins) {
            const s = trustOf(run, key).Statement[0];
            expect(s.Principal, key).to.deep.equal({ AWS: `arn:aws:iam::${CICD_ACCOUNT}:root` });
            expect(s.Condition, key).to.deep.equal({
                ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${CICD_ACCOUNT}:role/${principal}` },
            });
        }
        expect(trustOf(run, "cloudformation-execution").Statement[0].Principal).to.deep.equal({
            Service: "cloudformation.amazonaws.com",
        });
    });

    it("gives the workload its instance role and profile, which the deploy role may pass to EC2 and nothing else", () => {
        const profile = find(run.mocks, "aws:iam/instanceProfile:InstanceProfile", "terraform-instance-profile");
        expect(profile.inputs.name).to.equal("xacct-tf-instance-profile");
        expect(
            find(run.mocks, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "terraform-instance-managed-0").inputs
                .policyArn,
        ).to.equal("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
        const pass = sid(policy(run, "terraform-deploy", "build-workload"), "PassInstanceRoleToEc2Only");
        expect(pass.Resource).to.equal(`arn:aws:iam::${PROD_ACCOUNT}:role/xacct-tf-instance-role`);
        const iamActions = policy(run, "terraform-deploy", "build-workload")
            .Statement.flatMap((s: any) => [s.Action].flat())
            .filter((a: string) => a.startsWith("iam:"));
        expect(iamActions.sort()).to.deep.equal(["iam:GetInstanceProfile", "iam:GetRole", "iam:PassRole"]);
    });

    it("lets the deploy role reach only prod's state and lock; the plan role only reads", () => {
        const rw = policy(run, "terraform-deploy", "terraform-state");
        expect(sid(rw, "ReadWriteOwnState").Resource).to.equal(
            `arn:aws:s3:::xacct-tfstate-${CICD_ACCOUNT}-eu-west-1/xacct/${PROD_ACCOUNT}/terraform.tfstate`,
        );
        expect(sid(rw, "ListOwnStatePrefix").Condition).to.deep.equal({
            StringLike: { "s3:prefix": [`xacct/${PROD_ACCOUNT}/*`] },
        });
        const ro = policy(run, "terraform-plan", "read-state");
        expect(ro.Statement.flatMap((s: any) => [s.Action].flat())).to.deep.equal(["s3:ListBucket", "s3:GetObject"]);
    });

    it("exports each role's ARN, matching the roles the cicd stack's contract names", () => {
        const roles = cicd.outputs.contract.targets.prod.roles;
        expect(run.outputs.roleArns).to.deep.include({
            "terraform-deploy": roles.terraformDeployRoleArn,
            "terraform-plan": roles.terraformPlanRoleArn,
            "cloudformation-deploy": roles.cloudFormationDeployRoleArn,
        });
        expect(run.outputs.terraformDeployRoleArn).to.equal(roles.terraformDeployRoleArn);
    });
});

describe("target stack: methods follow the cicd stack", () => {
    it("terraform alone creates only Terraform's roles; cloudformation alone only CloudFormation's", async () => {
        const tf = await runTarget(singleTarget({ "cross-account-pipeline:methods": "terraform" }));
        expect(ofType(tf.mocks, ROLE).map((r) => r.inputs.name)).to.have.members([
            "xacct-terraform-plan",
            "xacct-terraform-deploy",
            "xacct-tf-instance-role",
        ]);
        const cfn = await runTarget(singleTarget({ "cross-account-pipeline:methods": "cloudformation" }));
        expect(ofType(cfn.mocks, ROLE).map((r) => r.inputs.name)).to.have.members([
            "xacct-cloudformation-execution",
            "xacct-cloudformation-plan",
            "xacct-cloudformation-deploy",
            "xacct-cfn-instance-role",
        ]);
    });
});

describe("target stack: refusals before any role", () => {
    const refusal = async (s: { stack: string; outputs: Record<string, unknown>; account: string }) => {
        const mocks = await useMocks(s.stack, {
            accountId: s.account,
            providerAccounts: { target: s.account },
            stackOutputs: { [CICD_STACK]: s.outputs },
        });
        let error: unknown;
        try {
            await runStack(s.stack, readerOf({}));
        } catch (e) {
            error = e;
        }
        expect(error).to.be.instanceOf(ConfigError);
        expect(ofType(mocks, ROLE)).to.have.length(0);
        return (error as Error).message;
    };

    it("credentials for the wrong account", async () => {
        const cicd = await runCicd(singleTarget());
        expect(await refusal({ stack: "target", outputs: cicd.outputs, account: "999999999999" })).to.include(
            `into account ${TARGET_ACCOUNT}, but the credentials are for account 999999999999`,
        );
    });

    it("a target stack the cicd stack does not know, listing those it knows", async () => {
        const cicd = await runCicd(singleTarget());
        expect(await refusal({ stack: "target-prod", outputs: cicd.outputs, account: TARGET_ACCOUNT }))
            .to.include('has no target "prod"')
            .and.include("target (default)");
    });

    it("a cicd stack that has not been deployed", async () => {
        expect(await refusal({ stack: "target", outputs: {}, account: TARGET_ACCOUNT }))
            .to.include('has no output "contract"')
            .and.include("pulumi up --stack cicd");
    });

    it("a cicd stack of the previous version (targets but no contract), or of a newer one", async () => {
        expect(
            await refusal({ stack: "target", outputs: { targets: { default: {} } }, account: TARGET_ACCOUNT }),
        ).to.include("deployed by an older version of this program");
        const cicd = await runCicd(singleTarget());
        const newer = { ...cicd.outputs, contract: { ...cicd.outputs.contract, version: 99 } };
        expect(await refusal({ stack: "target", outputs: newer, account: TARGET_ACCOUNT })).to.include(
            "newer version of this program (contract version 99",
        );
        const broken = { ...cicd.outputs, contract: { ...cicd.outputs.contract, region: 7 } };
        expect(await refusal({ stack: "target", outputs: broken, account: TARGET_ACCOUNT })).to.include(
            "region is not a string",
        );
    });

    it("a contract whose roles this program would not create (two versions at once)", async () => {
        const cicd = await runCicd(singleTarget());
        const contract = structuredClone(cicd.outputs.contract);
        contract.targets.default.roles.terraformDeployRoleName = "someone-elses-role";
        expect(
            await refusal({ stack: "target", outputs: { ...cicd.outputs, contract }, account: TARGET_ACCOUNT }),
        ).to.include("expects the role(s) someone-elses-role");
    });
});
