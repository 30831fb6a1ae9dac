import { expect } from "chai";
import {
    applyActionRolePolicy,
    cloudFormationDeployPolicy,
    cloudFormationPlanPolicy,
    planActionRolePolicy,
} from "../methods/cloudformation/policies";
import { applyBuildRolePolicy, planBuildRolePolicy } from "../methods/terraform/policies";
import { artifactName } from "../names";
import {
    artifactKeyPrefix,
    crossAccountTrust,
    deployerPrincipalArns,
    Document,
    pipelineRolePolicy,
    serviceTrust,
    stateBucketPolicy,
    terraformStatePolicy,
    workloadPolicy,
} from "../policies";

// The policies are pure: these tests build the documents directly, without Pulumi. What they allow
// and deny together is proven by the IAM evaluator in iamProof.test.ts and test/attacks.
const sid = (d: Document, id: string): any => {
    const s = (d.Statement as any[]).find((x) => x.Sid === id);
    if (s === undefined) throw new Error(`no ${id} in ${JSON.stringify(d)}`);
    return s;
};
const sids = (d: Document): string[] => (d.Statement as any[]).map((s) => s.Sid);
const actions = (d: Document): string[] => (d.Statement as any[]).flatMap((s) => [s.Action].flat());
const scope = { partition: "aws", region: "eu-west-1", accountId: "111111111111", bucket: "artifacts" };

describe("policies: the state bucket", () => {
    const base = {
        partition: "aws",
        bucket: "state",
        namePrefix: "xacct",
        stateRoleNames: ["xacct-terraform-plan", "xacct-terraform-deploy"],
        targetAccountIds: ["222222222222", "333333333333"],
        adminPrincipalArns: ["arn:aws:iam::111111111111:role/BreakGlass"],
        deployerPrincipalArns: ["arn:aws:iam::111111111111:role/deployer"],
    };

    it("has TLS only, three denials, the settings denial and one Allow, whatever the number of targets", () => {
        expect(sids(stateBucketPolicy(base))).to.deep.equal([
            "DenyInsecureTransport",
            "DenyStateObjectsToAllButTargetRoles",
            "DenyTargetRolesOutsideOwnPrefix",
            "DenyTargetRolesListingOutsideOwnPrefix",
            "DenyBucketSettingsChanges",
            "TargetRolesUseOwnPrefix",
        ]);
    });

    it("exempts the target roles (by name, in any account) and the break-glass list from the object denial; the deployer only from the settings", () => {
        const d = stateBucketPolicy(base);
        expect(sid(d, "DenyStateObjectsToAllButTargetRoles").Condition.ArnNotLike["aws:PrincipalArn"]).to.deep.equal([
            "arn:aws:iam::*:role/xacct-terraform-plan",
            "arn:aws:iam::*:role/xacct-terraform-deploy",
            "arn:aws:iam::111111111111:role/BreakGlass",
        ]);
        expect(sid(d, "DenyBucketSettingsChanges").Condition.ArnNotLike["aws:PrincipalArn"]).to.deep.equal([
            "arn:aws:iam::111111111111:role/BreakGlass",
            "arn:aws:iam::111111111111:role/deployer",
        ]);
        expect(sid(d, "DenyBucketSettingsChanges").Action).to.include.members([
            "s3:PutLifecycleConfiguration",
            "s3:PutReplicationConfiguration",
            "s3:PutBucketVersioning",
        ]);
        expect(sid(d, "DenyStateObjectsToAllButTargetRoles").Action).to.include.members([
            "s3:GetObjectVersionForReplication",
            "s3:ReplicateObject",
        ]);
    });

    it("confines each account to <prefix>/<its own account>/ with a policy variable, for objects and listing", () => {
        const d = stateBucketPolicy(base);
        expect(sid(d, "DenyTargetRolesOutsideOwnPrefix").NotResource).to.equal(
            "arn:aws:s3:::state/xacct/${aws:PrincipalAccount}/*",
        );
        expect(sid(d, "DenyTargetRolesListingOutsideOwnPrefix").Condition.StringNotLike).to.deep.equal({
            "s3:prefix": ["xacct/${aws:PrincipalAccount}/*"],
        });
    });

    it("admits the target accounts by their roots, or the whole organization with one fixed condition", () => {
        expect(sid(stateBucketPolicy(base), "TargetRolesUseOwnPrefix").Principal).to.deep.equal({
            AWS: ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"],
        });
        const org = sid(stateBucketPolicy({ ...base, organizationId: "o-a1b2c3d4e5" }), "TargetRolesUseOwnPrefix");
        expect(org.Principal).to.equal("*");
        expect(org.Condition).to.deep.equal({
            StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" },
            ArnLike: {
                "aws:PrincipalArn": [
                    "arn:aws:iam::*:role/xacct-terraform-plan",
                    "arn:aws:iam::*:role/xacct-terraform-deploy",
                ],
            },
        });
    });

    it("names the deployer from the caller identity: a role session's role with any path, a user, or the root", () => {
        expect(
            deployerPrincipalArns(
                "aws",
                "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_abc/me@example.com",
            ),
        ).to.deep.equal([
            "arn:aws:iam::111111111111:role/AWSReservedSSO_Admin_abc",
            "arn:aws:iam::111111111111:role/*/AWSReservedSSO_Admin_abc",
        ]);
        expect(deployerPrincipalArns("aws", "arn:aws:iam::111111111111:user/ci")).to.deep.equal([
            "arn:aws:iam::111111111111:user/ci",
        ]);
        expect(deployerPrincipalArns("aws", "arn:aws:iam::111111111111:root")).to.deep.equal([
            "arn:aws:iam::111111111111:root",
        ]);
        expect(() => deployerPrincipalArns("aws", "arn:aws:sts::111111111111:federated-user/x")).to.throw(
            "unexpected caller identity",
        );
    });
});

describe("policies: the target's state identity policies", () => {
    const p = {
        partition: "aws",
        bucket: "state",
        namePrefix: "xacct",
        accountId: "222222222222",
        stateKey: "xacct/222222222222/terraform.tfstate",
    };
    it("lets the deploy role list its prefix, read and write its state, and take its lock", () => {
        const d = terraformStatePolicy({ ...p, write: true });
        expect(sids(d)).to.deep.equal(["ListOwnStatePrefix", "ReadWriteOwnState", "LockOwnState"]);
        expect(sid(d, "LockOwnState").Resource).to.equal(
            "arn:aws:s3:::state/xacct/222222222222/terraform.tfstate.tflock",
        );
    });
    it("lets the plan role only list its prefix and read", () => {
        expect(actions(terraformStatePolicy({ ...p, write: false }))).to.deep.equal(["s3:ListBucket", "s3:GetObject"]);
    });
});

describe("policies: the workload", () => {
    const s = {
        partition: "aws",
        region: "eu-west-1",
        accountId: "222222222222",
        workloadTag: "xacct-tf",
        network: { subnetId: "subnet-0123456789abcdef0", securityGroupId: "sg-0123456789abcdef0" },
        instanceType: "t3.micro",
        amiParameter: "/aws/service/x",
        instanceRoleName: "xacct-tf-instance-role",
        instanceProfileName: "xacct-tf-instance-profile",
    };
    it("writes nothing in IAM: only reads, and PassRole of the one instance role to EC2", () => {
        expect(
            actions(workloadPolicy(s))
                .filter((a) => a.startsWith("iam:"))
                .sort(),
        ).to.deep.equal(["iam:GetInstanceProfile", "iam:GetRole", "iam:PassRole"]);
        expect(sid(workloadPolicy(s), "PassInstanceRoleToEc2Only").Resource).to.equal(
            "arn:aws:iam::222222222222:role/xacct-tf-instance-role",
        );
    });
    it("launches into the configured subnet and group, or (org) into any that carry the network tag", () => {
        expect(sid(workloadPolicy(s), "RunInConfiguredNetwork").Resource).to.deep.equal([
            "arn:aws:ec2:eu-west-1:222222222222:subnet/subnet-0123456789abcdef0",
            "arn:aws:ec2:eu-west-1:222222222222:security-group/sg-0123456789abcdef0",
        ]);
        const tagged = sid(
            workloadPolicy({ ...s, network: { tagKey: "CrossAccountPipelineNetwork", tagValue: "xacct" } }),
            "RunInTaggedNetwork",
        );
        expect(tagged.Condition).to.deep.equal({
            StringEquals: { "ec2:ResourceTag/CrossAccountPipelineNetwork": "xacct" },
        });
    });
    it("launches from an Amazon-owned AMI, or from exactly the configured amiId", () => {
        expect(sid(workloadPolicy(s), "RunFromAmazonImage").Condition).to.deep.equal({
            StringEquals: { "ec2:Owner": "amazon" },
        });
        expect(
            sid(workloadPolicy({ ...s, amiId: "ami-0123456789abcdef0" }), "RunFromConfiguredImage").Resource,
        ).to.equal("arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0");
    });
    it("keeps launch-time controls after launch: only the configured type, IMDSv2 required", () => {
        expect(
            sid(workloadPolicy(s), "ChangeOnlyToConfiguredInstanceType").Condition.StringEquals[
                "ec2:Attribute/InstanceType"
            ],
        ).to.equal("t3.micro");
        expect(
            sid(workloadPolicy(s), "KeepImdsV2Required").Condition.StringEquals["ec2:Attribute/HttpTokens"],
        ).to.equal("required");
    });
});

describe("policies: trust", () => {
    it("pins one role, or several, behind the account root", () => {
        const one = crossAccountTrust({
            sid: "S",
            partition: "aws",
            trustedAccountId: "111111111111",
            trustedRoleArn: "arn:aws:iam::111111111111:role/a",
        });
        expect((one.Statement as any[])[0].Condition).to.deep.equal({
            ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::111111111111:role/a" },
        });
        const two = crossAccountTrust({
            sid: "S",
            partition: "aws",
            trustedAccountId: "111111111111",
            trustedRoleArn: ["r1", "r2"],
        });
        expect((two.Statement as any[])[0].Condition.ArnEquals["aws:PrincipalArn"]).to.deep.equal(["r1", "r2"]);
    });
    it("guards a service trust with the source account and resource, and has no condition when given none", () => {
        expect(
            (
                serviceTrust({ service: "events.amazonaws.com", sourceAccountId: "1", sourceArn: "arn:x" })
                    .Statement as any[]
            )[0].Condition,
        ).to.deep.equal({
            StringEquals: { "aws:SourceAccount": "1" },
            ArnLike: { "aws:SourceArn": "arn:x" },
        });
        expect((serviceTrust({ service: "ec2.amazonaws.com" }).Statement as any[])[0].Condition).to.equal(undefined);
    });
});

describe("policies: the CI/CD principals, with the permissions AWS documents", () => {
    const build = {
        ...scope,
        logGroup: "/aws/codebuild/xacct-terraform",
        logStreamPrefix: "xacct-tf-plan-dev",
        sourcePipelines: ["xacct-terraform", "xacct-terraform-drift"],
        sourceArtifact: "source_output",
        pipelineName: "xacct-terraform",
        targetRoleArn: "arn:aws:iam::222222222222:role/xacct-terraform-plan",
    };

    it("scopes artifacts to the key prefix CodePipeline uses: 20 characters of the pipeline, 10 of the artifact", () => {
        expect(artifactKeyPrefix("xacct-terraform-drift", "source_output")).to.equal("xacct-terraform-drif/source_out");
        const plan = planBuildRolePolicy({
            ...build,
            outputs: [{ pipeline: "xacct-terraform", artifact: artifactName("P", "dev") }],
            reportPrefix: "reviews/xacct-terraform/dev",
            topicArn: "arn:t",
        });
        expect(sid(plan, "WriteOwnPlanArtifacts").Resource).to.deep.equal([
            `arn:aws:s3:::artifacts/xacct-terraform/${artifactName("P", "dev")}/*`,
        ]);
        expect(sid(plan, "ReadSourceArtifact").Resource).to.deep.equal([
            "arn:aws:s3:::artifacts/xacct-terraform/source_out/*",
            "arn:aws:s3:::artifacts/xacct-terraform-drif/source_out/*",
        ]);
    });

    it("names artifacts uniquely in 10 characters, stable per target", () => {
        expect(artifactName("P", "dev"))
            .to.match(/^P[0-9a-z]{9}$/)
            .and.equal(artifactName("P", "dev"));
        const names = Array.from({ length: 500 }, (_, i) => artifactName("P", `t${i}`));
        expect(new Set(names).size).to.equal(500);
    });

    it("CodeBuild builds: their own log streams, the bucket-identity reads, one role to assume", () => {
        const apply = applyBuildRolePolicy({
            ...build,
            logStreamPrefix: "xacct-tf-apply-dev",
            planArtifact: artifactName("P", "dev"),
        });
        // CodeBuild's documented service role policy: logs, s3:GetBucketAcl and s3:GetBucketLocation.
        expect(sid(apply, "ArtifactBucketIdentity").Action).to.deep.equal(["s3:GetBucketAcl", "s3:GetBucketLocation"]);
        expect(sid(apply, "WriteOwnLogStreams").Resource).to.deep.equal([
            "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/codebuild/xacct-terraform",
            "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/codebuild/xacct-terraform:log-stream:xacct-tf-apply-dev/*",
        ]);
        expect(sid(apply, "ReadRunVariablesAndActionOutputs").Action).to.deep.equal([
            "codepipeline:GetPipelineExecution",
            "codepipeline:ListActionExecutions",
        ]);
    });

    it("Commands action roles: the Commands log group with CreateLogGroup, and their one target role", () => {
        const args = {
            ...scope,
            logGroups: ["/aws/codepipeline/xacct-cloudformation"],
            sourcePipelines: ["xacct-cloudformation"],
            sourceArtifact: "source_output",
            pipelineName: "xacct-cloudformation",
            targetRoleArn: "arn:aws:iam::2:role/x",
        };
        expect(
            sid(planActionRolePolicy({ ...args, reportPrefix: "r", topicArn: "t" }), "CommandsLogs").Action,
        ).to.include("logs:CreateLogGroup");
        expect(sid(applyActionRolePolicy(args), "AssumeOwnTargetDeployRole").Resource).to.equal(
            "arn:aws:iam::2:role/x",
        );
    });

    it("a pipeline role without CodeBuild, action roles or approvals has only its source and artifacts", () => {
        expect(
            sids(pipelineRolePolicy({ ...scope, pipelineName: "p", sourceKey: "source/workload.zip" })),
        ).to.deep.equal(["ReadSource", "SourceBucket", "OwnArtifacts"]);
    });
});

describe("policies: the CloudFormation target roles", () => {
    const stack = {
        partition: "aws",
        region: "eu-west-1",
        accountId: "2",
        stackName: "xacct-workload-dev",
        executionRoleArn: "arn:aws:iam::2:role/exec",
        amiParameter: "/p",
    };
    it("the plan role proposes change sets with the execution role only, and cannot execute or delete", () => {
        const d = cloudFormationPlanPolicy(stack);
        expect(sid(d, "ProposeChangeSetsWithTheExecutionRole").Condition.ArnEquals).to.deep.equal({
            "cloudformation:RoleArn": "arn:aws:iam::2:role/exec",
        });
        expect(actions(d)).to.not.include.members([
            "cloudformation:ExecuteChangeSet",
            "cloudformation:DeleteStack",
            "cloudformation:UpdateStack",
            "cloudformation:CreateStack",
        ]);
    });
    it("the deploy role executes reviewed change sets and deletes with the execution role; CloudFormation validates parameters with its rights", () => {
        const d = cloudFormationDeployPolicy(stack);
        expect(actions(d)).to.include.members([
            "cloudformation:ExecuteChangeSet",
            "cloudformation:DeleteStack",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
        ]);
        expect(actions(d)).to.not.include("cloudformation:CreateChangeSet");
    });
});
