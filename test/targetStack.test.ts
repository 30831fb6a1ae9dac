import { expect } from "chai";
import { ConfigError } from "../config";
import { WORKLOAD_TAG_KEY } from "../policies";
import { runStack } from "../stacks";
import { find, ofType, policyOf, useMocks, sid } from "../tools/offline/mocks";
import {
    CICD_ACCOUNT,
    CICD_STACK,
    readerOf,
    runCicd,
    runTarget,
    singleTarget,
    TARGET_ACCOUNT,
    TargetRun,
} from "../tools/offline/program";

const actionsOf = (doc: any): string[] =>
    doc.Statement.filter((s: any) => s.Effect === "Allow").flatMap((s: any) => [].concat(s.Action));

describe("target stack (both methods)", () => {
    let run: TargetRun;
    before(async () => {
        run = await runTarget(singleTarget());
    });

    it("reads the cicd stack through a StackReference named like a self-managed backend's", () => {
        expect(find(run.mocks, "pulumi:pulumi:StackReference", "cicd").inputs.name).to.equal(CICD_STACK);
    });

    it("uses a provider that refuses any account but the target's", () => {
        const provider = find(run.mocks, "pulumi:providers:aws", "target");
        expect(JSON.parse(provider.inputs.allowedAccountIds)).to.deep.equal([TARGET_ACCOUNT]);
        expect(provider.inputs.region).to.equal("eu-west-1");
        for (const role of ofType(run.mocks, "aws:iam/role:Role"))
            expect(role.provider).to.include("pulumi:providers:aws::target");
    });

    it("registers the three roles as CrossAccountRole components", () => {
        expect(ofType(run.mocks, "cross-account-pipeline:target:CrossAccountRole").map((r) => r.name)).to.have.members([
            "terraform-deploy",
            "cloudformation-deploy",
            "cloudformation-execution",
        ]);
        expect(ofType(run.mocks, "aws:iam/role:Role").map((r) => r.inputs.name)).to.have.members([
            "xacct-terraform-deploy",
            "xacct-cloudformation-deploy",
            "xacct-cloudformation-execution",
        ]);
    });

    describe("the Terraform deploy role (method 1)", () => {
        it("is trusted only by the CodeBuild role, through the CI/CD account's root pinned by aws:PrincipalArn", () => {
            const trust = policyOf(find(run.mocks, "aws:iam/role:Role", "terraform-deploy-role"), "assumeRolePolicy");
            expect(trust.Statement).to.deep.equal([
                {
                    Sid: "OnlyTheTerraformCodeBuildRole",
                    Effect: "Allow",
                    Action: "sts:AssumeRole",
                    Principal: { AWS: `arn:aws:iam::${CICD_ACCOUNT}:root` },
                    Condition: { ArnEquals: { "aws:PrincipalArn": run.cicd.outputs.codeBuildRoleArn } },
                },
            ]);
            expect(run.cicd.outputs.codeBuildRoleArn).to.equal(
                `arn:aws:iam::${CICD_ACCOUNT}:role/xacct-codebuild-terraform`,
            );
        });
        it("reaches only its own state and lock objects", () => {
            const doc = policyOf(find(run.mocks, "aws:iam/rolePolicy:RolePolicy", "terraform-deploy-terraform-state"));
            const bucket = run.cicd.outputs.stateBucketName;
            expect(sid(doc, "ReadWriteOwnState").Resource).to.equal(
                `arn:aws:s3:::${bucket}/xacct/default/terraform.tfstate`,
            );
            expect(sid(doc, "LockOwnState").Resource).to.equal(
                `arn:aws:s3:::${bucket}/xacct/default/terraform.tfstate.tflock`,
            );
            expect(sid(doc, "ListStateBucket").Resource).to.equal(`arn:aws:s3:::${bucket}`);
        });
        it("may build exactly the workload: its instance type, subnet, security group, tagged instances and prefixed IAM names", () => {
            const doc = policyOf(find(run.mocks, "aws:iam/rolePolicy:RolePolicy", "terraform-deploy-build-workload"));
            expect(sid(doc, "RunTaggedInstanceOfConfiguredType").Condition.StringEquals).to.deep.equal({
                [`aws:RequestTag/${WORKLOAD_TAG_KEY}`]: "xacct-tf",
                "ec2:InstanceType": "t3.micro",
                "ec2:MetadataHttpTokens": "required",
            });
            expect(sid(doc, "RunInConfiguredNetwork").Resource).to.deep.equal([
                `arn:aws:ec2:eu-west-1:${TARGET_ACCOUNT}:subnet/subnet-0123456789abcdef0`,
                `arn:aws:ec2:eu-west-1:${TARGET_ACCOUNT}:security-group/sg-0123456789abcdef0`,
                `arn:aws:ec2:eu-west-1:${TARGET_ACCOUNT}:network-interface/*`,
            ]);
            expect(sid(doc, "ManageWorkloadRole").Resource).to.equal(`arn:aws:iam::${TARGET_ACCOUNT}:role/xacct-tf-*`);
            expect(sid(doc, "AttachOnlyTheSsmCorePolicy").Condition).to.deep.equal({
                ArnEquals: { "iam:PolicyARN": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" },
            });
            expect(sid(doc, "PassWorkloadRoleToEc2Only").Condition).to.deep.equal({
                StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" },
            });
            expect(actionsOf(doc)).to.not.include.members([
                "iam:CreateUser",
                "iam:PutRolePolicy",
                "iam:CreatePolicy",
                "*",
            ]);
        });
    });

    describe("the CloudFormation deploy role (method 2)", () => {
        it("is trusted only by the CloudFormation pipeline's role", () => {
            const trust = policyOf(
                find(run.mocks, "aws:iam/role:Role", "cloudformation-deploy-role"),
                "assumeRolePolicy",
            );
            expect(trust.Statement[0].Principal).to.deep.equal({ AWS: `arn:aws:iam::${CICD_ACCOUNT}:root` });
            expect(trust.Statement[0].Condition).to.deep.equal({
                ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${CICD_ACCOUNT}:role/xacct-pipeline-cloudformation` },
            });
        });
        it("drives only the workload stack and passes only the execution role, only to CloudFormation", () => {
            const doc = policyOf(
                find(run.mocks, "aws:iam/rolePolicy:RolePolicy", "cloudformation-deploy-drive-workload-stack"),
            );
            expect(sid(doc, "DriveTheWorkloadStack").Resource).to.equal(
                `arn:aws:cloudformation:eu-west-1:${TARGET_ACCOUNT}:stack/xacct-workload-default/*`,
            );
            expect(sid(doc, "PassExecutionRoleToCloudFormationOnly")).to.deep.include({
                Resource: `arn:aws:iam::${TARGET_ACCOUNT}:role/xacct-cloudformation-execution`,
                Condition: { StringEquals: { "iam:PassedToService": "cloudformation.amazonaws.com" } },
            });
        });
        it("cannot build anything itself", () => {
            const doc = policyOf(
                find(run.mocks, "aws:iam/rolePolicy:RolePolicy", "cloudformation-deploy-drive-workload-stack"),
            );
            const actions = actionsOf(doc);
            expect(
                actions.filter((a) => a.startsWith("ec2:") || (a.startsWith("iam:") && a !== "iam:PassRole")),
            ).to.deep.equal([]);
            expect(
                ofType(run.mocks, "aws:iam/rolePolicy:RolePolicy").filter((p) =>
                    p.name.startsWith("cloudformation-deploy-"),
                ),
            ).to.have.length(1);
        });
    });

    describe("the CloudFormation execution role", () => {
        it("is trusted only by cloudformation.amazonaws.com", () => {
            const trust = policyOf(
                find(run.mocks, "aws:iam/role:Role", "cloudformation-execution-role"),
                "assumeRolePolicy",
            );
            expect(trust.Statement).to.deep.equal([
                {
                    Sid: "TrustedService",
                    Effect: "Allow",
                    Action: "sts:AssumeRole",
                    Principal: { Service: "cloudformation.amazonaws.com" },
                },
            ]);
        });
        it("builds the CloudFormation workload's names and tag, not Terraform's", () => {
            const doc = policyOf(
                find(run.mocks, "aws:iam/rolePolicy:RolePolicy", "cloudformation-execution-build-workload"),
            );
            expect(sid(doc, "ManageWorkloadRole").Resource).to.equal(`arn:aws:iam::${TARGET_ACCOUNT}:role/xacct-cfn-*`);
            expect(sid(doc, "ManageOwnInstances").Condition).to.deep.equal({
                StringEquals: { [`aws:ResourceTag/${WORKLOAD_TAG_KEY}`]: "xacct-cfn" },
            });
            expect(JSON.stringify(doc)).to.not.include("tfstate");
        });
    });

    it("exports the role ARNs, matching what the cicd stack expects", () => {
        expect(run.outputs).to.deep.equal({
            targetName: "default",
            accountId: TARGET_ACCOUNT,
            terraformDeployRoleArn: run.cicd.outputs.targets.default.terraformDeployRoleArn,
            cloudFormationDeployRoleArn: run.cicd.outputs.targets.default.cloudFormationDeployRoleArn,
            cloudFormationExecutionRoleArn: run.cicd.outputs.targets.default.cloudFormationExecutionRoleArn,
        });
    });
});

describe("target stack: methods follow the cicd stack", () => {
    it("terraform alone creates only the Terraform deploy role", async () => {
        const run = await runTarget(singleTarget({ "cross-account-pipeline:methods": "terraform" }));
        expect(ofType(run.mocks, "aws:iam/role:Role").map((r) => r.inputs.name)).to.deep.equal([
            "xacct-terraform-deploy",
        ]);
    });
    it("cloudformation alone creates only the CloudFormation roles", async () => {
        const run = await runTarget(singleTarget({ "cross-account-pipeline:methods": "cloudformation" }));
        expect(ofType(run.mocks, "aws:iam/role:Role").map((r) => r.inputs.name)).to.have.members([
            "xacct-cloudformation-deploy",
            "xacct-cloudformation-execution",
        ]);
    });
});

describe("target stack: refusals before any role", () => {
    const refusal = async (s: {
        stack: string;
        outputs: Record<string, unknown>;
        account: string;
        config?: Record<string, string>;
    }) => {
        const mocks = await useMocks(s.stack, {
            accountId: s.account,
            providerAccounts: { target: s.account },
            stackOutputs: { [CICD_STACK]: s.outputs },
        });
        let error: unknown;
        try {
            await runStack(s.stack, readerOf(s.config ?? {}));
        } catch (e) {
            error = e;
        }
        expect(error).to.be.instanceOf(ConfigError);
        expect(ofType(mocks, "aws:iam/role:Role")).to.have.length(0);
        return (error as Error).message;
    };

    it("credentials for the wrong account", async () => {
        const cicd = await runCicd(singleTarget());
        const message = await refusal({ stack: "target", outputs: cicd.outputs, account: "999999999999" });
        expect(message).to.include(`into account ${TARGET_ACCOUNT}, but the credentials are for account 999999999999`);
    });
    it("a target stack the cicd stack does not know", async () => {
        const cicd = await runCicd(singleTarget());
        const message = await refusal({ stack: "target-prod", outputs: cicd.outputs, account: TARGET_ACCOUNT });
        expect(message).to.include('has no target "prod"').and.include("target (default)");
    });
    it("a cicd stack that has not been deployed (no outputs)", async () => {
        const message = await refusal({ stack: "target", outputs: {}, account: TARGET_ACCOUNT });
        expect(message).to.include('has no output "targets"').and.include("pulumi up --stack cicd");
    });
});
