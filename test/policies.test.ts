import { expect } from "chai";
import {
    arn,
    artifactBucketPolicy,
    cloudFormationDeployPolicy,
    codeBuildRolePolicy,
    crossAccountTrust,
    Document,
    notificationTopicPolicy,
    pipelineRolePolicy,
    serviceTrust,
    startPipelinePolicy,
    stateBucketPolicy,
    terraformStatePolicy,
    workloadManagedPolicyArn,
    workloadPolicy,
    WORKLOAD_TAG_KEY,
} from "../policies";
import type { IamModel, PolicyDoc } from "../tools/offline/iam/capture";
import { Evaluator } from "../tools/offline/iam/evaluate";

// The policies are pure: these tests build the documents directly, without Pulumi, and let the
// IAM evaluator decide both what they allow and what they deny.
const P = "aws";
const REGION = "eu-west-1";
const CICD = "111111111111";
const TGT = "222222222222";
const OTHER = "333333333333";
const BUCKET = "xacct-tfstate-111111111111-eu-west-1";
const KEY = "xacct/default/terraform.tfstate";
const role = (account: string, name: string) => arn.role(P, account, name);
const CODEBUILD = role(CICD, "xacct-codebuild-terraform");
const CFN_PIPELINE = role(CICD, "xacct-pipeline-cloudformation");
const TF_PIPELINE = role(CICD, "xacct-pipeline-terraform");
const TOPIC = `arn:aws:sns:${REGION}:${CICD}:xacct-pipeline-notifications`;
const TF_DEPLOY = role(TGT, "xacct-terraform-deploy");
const CFN_DEPLOY = role(TGT, "xacct-cloudformation-deploy");
const CFN_EXEC = role(TGT, "xacct-cloudformation-execution");
const OTHER_DEPLOY = role(OTHER, "xacct-terraform-deploy");
const ADMIN_POLICY: PolicyDoc = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
const scope = {
    partition: P,
    region: REGION,
    accountId: TGT,
    namePrefix: "xacct-tf",
    workloadTag: "xacct-tf",
    subnetId: "subnet-0123456789abcdef0",
    securityGroupId: "sg-0123456789abcdef0",
    instanceType: "t3.micro",
    amiParameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
};
const d = (doc: Document): PolicyDoc => JSON.parse(JSON.stringify(doc)) as PolicyDoc;
const mkRole = (arnValue: string, trust: Document, policies: Record<string, Document>) => ({
    stack: "pure",
    accountId: arnValue.split(":")[4],
    resourceName: arnValue,
    name: arnValue.split("/").pop()!,
    arn: arnValue,
    trust: d(trust),
    policies: Object.entries(policies).map(([name, policy]) => ({ name, policy: d(policy) })),
});
const grants = [
    { accountId: TGT, roleArn: TF_DEPLOY, stateKey: KEY },
    { accountId: OTHER, roleArn: OTHER_DEPLOY, stateKey: "xacct/other/terraform.tfstate" },
];
const roles = [
    mkRole(CODEBUILD, serviceTrust({ service: "codebuild.amazonaws.com", sourceAccountId: CICD }), {
        run: codeBuildRolePolicy({
            partition: P,
            region: REGION,
            accountId: CICD,
            artifactBucket: "artifacts",
            logGroupName: "/aws/codebuild/xacct-terraform",
            deployRoleArns: [TF_DEPLOY],
        }),
    }),
    mkRole(CFN_PIPELINE, serviceTrust({ service: "codepipeline.amazonaws.com", sourceAccountId: CICD }), {
        pipeline: pipelineRolePolicy({
            partition: P,
            region: REGION,
            accountId: CICD,
            artifactBucket: "artifacts",
            commandsLogGroupName: "/aws/codepipeline/xacct-cloudformation",
            assumableRoleArns: [CFN_DEPLOY],
        }),
    }),
    mkRole(
        TF_DEPLOY,
        crossAccountTrust({ sid: "T", partition: P, trustedAccountId: CICD, trustedRoleArn: CODEBUILD }),
        {
            build: workloadPolicy(scope),
            state: terraformStatePolicy({ partition: P, bucket: BUCKET, stateKey: KEY }),
        },
    ),
    mkRole(
        CFN_DEPLOY,
        crossAccountTrust({ sid: "C", partition: P, trustedAccountId: CICD, trustedRoleArn: CFN_PIPELINE }),
        {
            drive: cloudFormationDeployPolicy({
                partition: P,
                region: REGION,
                accountId: TGT,
                stackName: "xacct-workload-default",
                executionRoleArn: CFN_EXEC,
                amiParameter: scope.amiParameter,
            }),
        },
    ),
    mkRole(TF_PIPELINE, serviceTrust({ service: "codepipeline.amazonaws.com", sourceAccountId: CICD }), {
        pipeline: pipelineRolePolicy({
            partition: P,
            region: REGION,
            accountId: CICD,
            artifactBucket: "artifacts",
            codeBuildProjectName: "xacct-terraform",
            notificationTopicArn: TOPIC,
        }),
    }),
    mkRole(CFN_EXEC, serviceTrust({ service: "cloudformation.amazonaws.com" }), {
        build: workloadPolicy({ ...scope, namePrefix: "xacct-cfn", workloadTag: "xacct-cfn" }),
    }),
];
const model: IamModel = {
    partition: P,
    region: REGION,
    cicdAccountId: CICD,
    cicd: {},
    targets: [],
    roles: new Map(roles.map((r) => [r.arn, r])),
    buckets: new Map([
        [
            "artifacts",
            {
                stack: "pure",
                accountId: CICD,
                resourceName: "artifacts",
                name: "artifacts",
                arn: arn.bucket(P, "artifacts"),
                policy: d(artifactBucketPolicy({ partition: P, bucket: "artifacts" })),
            },
        ],
        [
            BUCKET,
            {
                stack: "pure",
                accountId: CICD,
                resourceName: "state",
                name: BUCKET,
                arn: arn.bucket(P, BUCKET),
                policy: d(stateBucketPolicy({ partition: P, bucket: BUCKET, grants })),
            },
        ],
    ]),
};
const evaluator = new Evaluator(model);
const verdict = async (
    principal: string,
    action: string,
    resource: string,
    context: Record<string, string> = {},
    identityPolicies?: PolicyDoc[],
) =>
    (
        await evaluator.evaluate({
            principal,
            action,
            resource,
            context,
            ...(identityPolicies ? { identityPolicies } : {}),
        })
    ).verdict;
const ec2 = (r: string) => `arn:aws:ec2:${REGION}:${TGT}:${r}`;
const launch = (over: Record<string, string> = {}) => ({
    [`aws:RequestTag/${WORKLOAD_TAG_KEY}`]: "xacct-tf",
    "ec2:InstanceType": "t3.micro",
    "ec2:MetadataHttpTokens": "required",
    ...over,
});
const obj = (key: string) => arn.object(P, BUCKET, key);

describe("policies (pure, evaluated)", () => {
    describe("trust", () => {
        it("the deploy role trusts exactly the pinned role of the other account", async () => {
            expect(await verdict(CODEBUILD, "sts:AssumeRole", TF_DEPLOY)).to.equal("Allowed");
            expect(await verdict(CFN_PIPELINE, "sts:AssumeRole", TF_DEPLOY, {}, [ADMIN_POLICY])).to.equal(
                "ImplicitlyDenied",
            );
            expect(await verdict(role(CICD, "Admin"), "sts:AssumeRole", TF_DEPLOY, {}, [ADMIN_POLICY])).to.equal(
                "ImplicitlyDenied",
            );
            expect(await verdict(role(TGT, "Admin"), "sts:AssumeRole", TF_DEPLOY, {}, [ADMIN_POLICY])).to.equal(
                "ImplicitlyDenied",
            );
        });
        it("service trust names the service and guards against the confused deputy", () => {
            const t = serviceTrust({
                service: "codebuild.amazonaws.com",
                sourceAccountId: CICD,
                sourceArn: "arn:aws:codebuild:eu-west-1:111111111111:project/p",
            });
            expect(t.Statement).to.deep.equal([
                {
                    Sid: "TrustedService",
                    Effect: "Allow",
                    Action: "sts:AssumeRole",
                    Principal: { Service: "codebuild.amazonaws.com" },
                    Condition: {
                        StringEquals: { "aws:SourceAccount": CICD },
                        ArnLike: { "aws:SourceArn": "arn:aws:codebuild:eu-west-1:111111111111:project/p" },
                    },
                },
            ]);
            expect(serviceTrust({ service: "cloudformation.amazonaws.com" }).Statement).to.deep.equal([
                {
                    Sid: "TrustedService",
                    Effect: "Allow",
                    Action: "sts:AssumeRole",
                    Principal: { Service: "cloudformation.amazonaws.com" },
                },
            ]);
        });
        it("the execution role is for CloudFormation only", async () => {
            expect(await verdict("cloudformation.amazonaws.com", "sts:AssumeRole", CFN_EXEC)).to.equal("Allowed");
            expect(await verdict(CFN_DEPLOY, "sts:AssumeRole", CFN_EXEC, {}, [ADMIN_POLICY])).to.equal(
                "ImplicitlyDenied",
            );
        });
    });

    describe("state", () => {
        it("each deploy role reaches its own state and lock, and nothing else", async () => {
            expect(await verdict(TF_DEPLOY, "s3:GetObject", obj(KEY))).to.equal("Allowed");
            expect(await verdict(TF_DEPLOY, "s3:PutObject", obj(KEY))).to.equal("Allowed");
            expect(await verdict(TF_DEPLOY, "s3:DeleteObject", obj(KEY))).to.not.equal("Allowed");
            for (const a of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])
                expect(await verdict(TF_DEPLOY, a, obj(`${KEY}.tflock`)), a).to.equal("Allowed");
            expect(await verdict(TF_DEPLOY, "s3:GetObject", obj("xacct/other/terraform.tfstate"))).to.not.equal(
                "Allowed",
            );
            expect(await verdict(TF_DEPLOY, "s3:ListBucket", arn.bucket(P, BUCKET))).to.equal("Allowed");
        });
        it("denies plain HTTP", async () => {
            expect(await verdict(TF_DEPLOY, "s3:GetObject", obj(KEY), { "aws:SecureTransport": "false" })).to.equal(
                "ExplicitlyDenied",
            );
        });
        it("denies every other principal, administrators of the bucket's own account included", async () => {
            expect(await verdict(role(CICD, "Admin"), "s3:GetObject", obj(KEY), {}, [ADMIN_POLICY])).to.equal(
                "ExplicitlyDenied",
            );
            expect(
                await verdict(role(TGT, "Admin"), "s3:PutObject", obj(`${KEY}.tflock`), {}, [ADMIN_POLICY]),
            ).to.equal("ExplicitlyDenied");
            expect(await verdict(CODEBUILD, "s3:GetObject", obj(KEY), {}, [ADMIN_POLICY])).to.equal("ExplicitlyDenied");
        });
        it("lets named break-glass principals through the deny", async () => {
            const admin = role(CICD, "BreakGlass");
            const withAdmin = d(
                stateBucketPolicy({ partition: P, bucket: BUCKET, grants, adminPrincipalArns: [admin] }),
            );
            const r = await evaluator.evaluate({
                principal: admin,
                action: "s3:GetObject",
                resource: obj(KEY),
                identityPolicies: [ADMIN_POLICY],
                resourcePolicy: withAdmin,
            });
            expect(r.verdict).to.equal("Allowed");
        });
        it("the artifact bucket policy only denies plain HTTP", () => {
            expect(artifactBucketPolicy({ partition: P, bucket: "b" }).Statement).to.deep.equal([
                {
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
            ]);
        });
    });

    describe("the workload", () => {
        it("launches only the configured, tagged, IMDSv2 instance in the configured network from an Amazon image with encrypted volumes", async () => {
            expect(await verdict(TF_DEPLOY, "ec2:RunInstances", ec2("instance/i-1"), launch())).to.equal("Allowed");
            expect(
                await verdict(
                    TF_DEPLOY,
                    "ec2:RunInstances",
                    ec2("instance/i-1"),
                    launch({ "ec2:InstanceType": "p5.48xlarge" }),
                ),
            ).to.not.equal("Allowed");
            expect(
                await verdict(
                    TF_DEPLOY,
                    "ec2:RunInstances",
                    ec2("instance/i-1"),
                    launch({ "ec2:MetadataHttpTokens": "optional" }),
                ),
            ).to.not.equal("Allowed");
            expect(
                await verdict(
                    TF_DEPLOY,
                    "ec2:RunInstances",
                    ec2("instance/i-1"),
                    launch({ [`aws:RequestTag/${WORKLOAD_TAG_KEY}`]: "other" }),
                ),
            ).to.not.equal("Allowed");
            expect(await verdict(TF_DEPLOY, "ec2:RunInstances", ec2("subnet/subnet-0123456789abcdef0"))).to.equal(
                "Allowed",
            );
            expect(await verdict(TF_DEPLOY, "ec2:RunInstances", ec2("subnet/subnet-0ffffffffffffffff"))).to.not.equal(
                "Allowed",
            );
            expect(await verdict(TF_DEPLOY, "ec2:RunInstances", ec2("security-group/sg-0123456789abcdef0"))).to.equal(
                "Allowed",
            );
            expect(
                await verdict(TF_DEPLOY, "ec2:RunInstances", ec2("security-group/sg-0ffffffffffffffff")),
            ).to.not.equal("Allowed");
            expect(
                await verdict(TF_DEPLOY, "ec2:RunInstances", ec2("volume/vol-1"), { "ec2:Encrypted": "true" }),
            ).to.equal("Allowed");
            expect(
                await verdict(TF_DEPLOY, "ec2:RunInstances", ec2("volume/vol-1"), { "ec2:Encrypted": "false" }),
            ).to.not.equal("Allowed");
            expect(
                await verdict(TF_DEPLOY, "ec2:RunInstances", `arn:aws:ec2:${REGION}::image/ami-1`, {
                    "ec2:Owner": "amazon",
                }),
            ).to.equal("Allowed");
            expect(
                await verdict(TF_DEPLOY, "ec2:RunInstances", `arn:aws:ec2:${REGION}::image/ami-1`, {
                    "ec2:Owner": "123456789012",
                }),
            ).to.not.equal("Allowed");
        });
        it("changes and terminates only tagged instances; tags only at launch", async () => {
            const own = { [`aws:ResourceTag/${WORKLOAD_TAG_KEY}`]: "xacct-tf" };
            for (const a of ["ec2:TerminateInstances", "ec2:StopInstances", "ec2:ModifyInstanceAttribute"]) {
                expect(await verdict(TF_DEPLOY, a, ec2("instance/i-1"), own), a).to.equal("Allowed");
                expect(
                    await verdict(TF_DEPLOY, a, ec2("instance/i-1"), {
                        [`aws:ResourceTag/${WORKLOAD_TAG_KEY}`]: "someone-else",
                    }),
                    a,
                ).to.not.equal("Allowed");
            }
            expect(
                await verdict(TF_DEPLOY, "ec2:CreateTags", ec2("volume/vol-1"), { "ec2:CreateAction": "RunInstances" }),
            ).to.equal("Allowed");
            expect(await verdict(TF_DEPLOY, "ec2:CreateTags", ec2("volume/vol-1"))).to.not.equal("Allowed");
            expect(await verdict(TF_DEPLOY, "ec2:DescribeInstances", "*")).to.equal("Allowed");
        });
        it("manages only the workload's prefixed IAM role and profile, with only the SSM core policy, passed only to EC2", async () => {
            const wr = role(TGT, "xacct-tf-instance-role");
            for (const a of [
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:GetRole",
                "iam:TagRole",
                "iam:ListAttachedRolePolicies",
            ])
                expect(await verdict(TF_DEPLOY, a, wr), a).to.equal("Allowed");
            expect(await verdict(TF_DEPLOY, "iam:CreateRole", role(TGT, "admin"))).to.not.equal("Allowed");
            expect(
                await verdict(TF_DEPLOY, "iam:AttachRolePolicy", wr, { "iam:PolicyARN": workloadManagedPolicyArn(P) }),
            ).to.equal("Allowed");
            expect(
                await verdict(TF_DEPLOY, "iam:AttachRolePolicy", wr, {
                    "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess",
                }),
            ).to.not.equal("Allowed");
            expect(await verdict(TF_DEPLOY, "iam:PutRolePolicy", wr)).to.not.equal("Allowed");
            expect(await verdict(TF_DEPLOY, "iam:CreateUser", `arn:aws:iam::${TGT}:user/x`)).to.not.equal("Allowed");
            expect(
                await verdict(
                    TF_DEPLOY,
                    "iam:CreateInstanceProfile",
                    `arn:aws:iam::${TGT}:instance-profile/xacct-tf-p`,
                ),
            ).to.equal("Allowed");
            expect(
                await verdict(
                    TF_DEPLOY,
                    "iam:AddRoleToInstanceProfile",
                    `arn:aws:iam::${TGT}:instance-profile/xacct-tf-p`,
                ),
            ).to.equal("Allowed");
            expect(
                await verdict(TF_DEPLOY, "iam:CreateInstanceProfile", `arn:aws:iam::${TGT}:instance-profile/other`),
            ).to.not.equal("Allowed");
            expect(
                await verdict(TF_DEPLOY, "iam:PassRole", wr, { "iam:PassedToService": "ec2.amazonaws.com" }),
            ).to.equal("Allowed");
            expect(
                await verdict(TF_DEPLOY, "iam:PassRole", wr, { "iam:PassedToService": "lambda.amazonaws.com" }),
            ).to.not.equal("Allowed");
        });
    });

    describe("method 2", () => {
        const stack = `arn:aws:cloudformation:${REGION}:${TGT}:stack/xacct-workload-default/abc`;
        it("the deploy role drives the workload stack, not another", async () => {
            for (const a of ["CreateStack", "UpdateStack", "DeleteStack", "DescribeStacks", "DescribeStackEvents"]) {
                expect(await verdict(CFN_DEPLOY, `cloudformation:${a}`, stack), a).to.equal("Allowed");
                expect(
                    await verdict(
                        CFN_DEPLOY,
                        `cloudformation:${a}`,
                        `arn:aws:cloudformation:${REGION}:${TGT}:stack/other/abc`,
                    ),
                    a,
                ).to.not.equal("Allowed");
            }
        });
        it("passes only the execution role, only to CloudFormation, and builds nothing itself", async () => {
            expect(
                await verdict(CFN_DEPLOY, "iam:PassRole", CFN_EXEC, {
                    "iam:PassedToService": "cloudformation.amazonaws.com",
                }),
            ).to.equal("Allowed");
            expect(
                await verdict(CFN_DEPLOY, "iam:PassRole", CFN_EXEC, { "iam:PassedToService": "lambda.amazonaws.com" }),
            ).to.not.equal("Allowed");
            expect(
                await verdict(CFN_DEPLOY, "iam:PassRole", TF_DEPLOY, {
                    "iam:PassedToService": "cloudformation.amazonaws.com",
                }),
            ).to.not.equal("Allowed");
            expect(
                await verdict(
                    CFN_DEPLOY,
                    "ec2:RunInstances",
                    ec2("instance/i-1"),
                    launch({ [`aws:RequestTag/${WORKLOAD_TAG_KEY}`]: "xacct-cfn" }),
                ),
            ).to.not.equal("Allowed");
            expect(await verdict(CFN_DEPLOY, "iam:CreateRole", role(TGT, "xacct-cfn-instance-role"))).to.not.equal(
                "Allowed",
            );
        });
    });

    describe("CI/CD roles", () => {
        it("the CodeBuild role reads artifacts, writes its own logs and assumes only the deploy roles", async () => {
            expect(
                await verdict(CODEBUILD, "s3:GetObject", "arn:aws:s3:::artifacts/source/workload.zip", {}, undefined),
            ).to.equal("Allowed");
            expect(await verdict(CODEBUILD, "s3:PutObject", "arn:aws:s3:::artifacts/source/workload.zip")).to.not.equal(
                "Allowed",
            );
            expect(
                await verdict(
                    CODEBUILD,
                    "logs:PutLogEvents",
                    `arn:aws:logs:${REGION}:${CICD}:log-group:/aws/codebuild/xacct-terraform:log-stream:1`,
                ),
            ).to.equal("Allowed");
            expect(
                await verdict(
                    CODEBUILD,
                    "logs:PutLogEvents",
                    `arn:aws:logs:${REGION}:${CICD}:log-group:/other:log-stream:1`,
                ),
            ).to.not.equal("Allowed");
        });
        it("the pipeline role starts only its project (method 1) and writes only its log group (method 2)", () => {
            const m1 = pipelineRolePolicy({
                partition: P,
                region: REGION,
                accountId: CICD,
                artifactBucket: "a",
                codeBuildProjectName: "p",
            });
            const sids = (doc: Document) => (doc.Statement as { Sid?: string }[]).map((s) => s.Sid);
            expect(sids(m1)).to.deep.equal(["SourceAndArtifactStore", "SourceBucketVersioning", "RunOwnBuildProject"]);
            const m2 = pipelineRolePolicy({
                partition: P,
                region: REGION,
                accountId: CICD,
                artifactBucket: "a",
                commandsLogGroupName: "/aws/codepipeline/x",
                assumableRoleArns: [CFN_DEPLOY],
                notificationTopicArn: "arn:aws:sns:eu-west-1:111111111111:t",
            });
            expect(sids(m2)).to.deep.equal([
                "SourceAndArtifactStore",
                "SourceBucketVersioning",
                "WriteOwnLogs",
                "AssumeCloudFormationDeployRoles",
                "PublishApprovalRequests",
            ]);
            expect(
                sids(
                    pipelineRolePolicy({
                        partition: P,
                        region: REGION,
                        accountId: CICD,
                        artifactBucket: "a",
                        assumableRoleArns: [],
                    }),
                ),
            ).to.deep.equal(["SourceAndArtifactStore", "SourceBucketVersioning"]);
        });
        it("EventBridge may start only the given pipelines; only CodeStar Notifications may publish to the topic", () => {
            expect(startPipelinePolicy({ pipelineArns: ["a", "b"] }).Statement).to.deep.equal([
                {
                    Sid: "StartOwnPipelines",
                    Effect: "Allow",
                    Action: "codepipeline:StartPipelineExecution",
                    Resource: ["a", "b"],
                },
            ]);
            const topic = notificationTopicPolicy({ topicArn: "t", accountId: CICD }).Statement as unknown as Record<
                string,
                unknown
            >[];
            expect(topic[0]).to.deep.include({
                Principal: { Service: "codestar-notifications.amazonaws.com" },
                Action: "sns:Publish",
                Resource: "t",
                Condition: { StringEquals: { "aws:SourceAccount": CICD } },
            });
        });
        it("builds every ARN from the partition", () => {
            expect(arn.role("aws-us-gov", "1", "r")).to.equal("arn:aws-us-gov:iam::1:role/r");
            expect(arn.stack("aws-cn", "cn-north-1", "1", "s")).to.equal(
                "arn:aws-cn:cloudformation:cn-north-1:1:stack/s/*",
            );
            expect(arn.ssmPublicParameter("aws", "eu-west-1", "/a/b")).to.equal("arn:aws:ssm:eu-west-1::parameter/a/b");
            expect(arn.pipeline("aws", "r", "1", "p")).to.equal("arn:aws:codepipeline:r:1:p");
            expect(arn.codeBuildProject("aws", "r", "1", "p")).to.equal("arn:aws:codebuild:r:1:project/p");
            expect(arn.logGroup("aws", "r", "1", "/g")).to.equal("arn:aws:logs:r:1:log-group:/g");
            expect(arn.accountRoot("aws", "1")).to.equal("arn:aws:iam::1:root");
        });
    });
});

describe("policies (pure): the rest of each grant", () => {
    const project = (name: string) => arn.codeBuildProject(P, REGION, CICD, name);
    it("the Terraform pipeline role runs its source and artifact store and its own project, and publishes approvals", async () => {
        for (const a of ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"])
            expect(await verdict(TF_PIPELINE, a, "arn:aws:s3:::artifacts/xacct-terraform/source_out/abc"), a).to.equal(
                "Allowed",
            );
        for (const a of ["s3:GetBucketVersioning", "s3:GetBucketLocation"])
            expect(await verdict(TF_PIPELINE, a, "arn:aws:s3:::artifacts"), a).to.equal("Allowed");
        expect(await verdict(TF_PIPELINE, "s3:DeleteObject", "arn:aws:s3:::artifacts/x")).to.not.equal("Allowed");
        for (const a of ["codebuild:StartBuild", "codebuild:BatchGetBuilds", "codebuild:StopBuild"]) {
            expect(await verdict(TF_PIPELINE, a, project("xacct-terraform")), a).to.equal("Allowed");
            expect(await verdict(TF_PIPELINE, a, project("other")), a).to.not.equal("Allowed");
        }
        expect(await verdict(TF_PIPELINE, "sns:Publish", TOPIC)).to.equal("Allowed");
        expect(await verdict(TF_PIPELINE, "sts:AssumeRole", TF_DEPLOY, {}, undefined)).to.not.equal("Allowed");
    });
    it("the CloudFormation pipeline role assumes only the CloudFormation deploy role", async () => {
        expect(await verdict(CFN_PIPELINE, "sts:AssumeRole", CFN_DEPLOY)).to.equal("Allowed");
        expect(
            await verdict(
                CFN_PIPELINE,
                "logs:CreateLogStream",
                `arn:aws:logs:${REGION}:${CICD}:log-group:/aws/codepipeline/xacct-cloudformation:log-stream:x`,
            ),
        ).to.equal("Allowed");
        expect(await verdict(CFN_PIPELINE, "codebuild:StartBuild", project("xacct-terraform"))).to.not.equal("Allowed");
    });
    it("the CodeBuild role assumes only the Terraform deploy role", async () => {
        expect(await verdict(CODEBUILD, "sts:AssumeRole", CFN_DEPLOY, {}, undefined)).to.not.equal("Allowed");
        expect(await verdict(CODEBUILD, "s3:GetObjectVersion", "arn:aws:s3:::artifacts/x")).to.equal("Allowed");
    });
    it("the workload may launch through network interfaces and tag all three launch resources", async () => {
        expect(await verdict(TF_DEPLOY, "ec2:RunInstances", ec2("network-interface/eni-1"))).to.equal("Allowed");
        for (const r of ["instance/i-1", "volume/vol-1", "network-interface/eni-1"]) {
            expect(
                await verdict(TF_DEPLOY, "ec2:CreateTags", ec2(r), { "ec2:CreateAction": "RunInstances" }),
                r,
            ).to.equal("Allowed");
        }
    });
    it("without the deny, the allow statements still admit only the pinned deploy role", async () => {
        const noDeny = d(stateBucketPolicy({ partition: P, bucket: BUCKET, grants }));
        noDeny.Statement = (noDeny.Statement as unknown as Record<string, unknown>[]).filter(
            (st) => st.Effect !== "Deny",
        );
        const asTargetAdmin = async (action: string, resource: string) =>
            (
                await evaluator.evaluate({
                    principal: role(TGT, "Admin"),
                    action,
                    resource,
                    identityPolicies: [ADMIN_POLICY],
                    resourcePolicy: noDeny,
                })
            ).verdict;
        expect(await asTargetAdmin("s3:GetObject", obj(KEY))).to.equal("ImplicitlyDenied");
        expect(await asTargetAdmin("s3:PutObject", obj(`${KEY}.tflock`))).to.equal("ImplicitlyDenied");
        expect(await asTargetAdmin("s3:ListBucket", arn.bucket(P, BUCKET))).to.equal("ImplicitlyDenied");
        const asDeployRole = (
            await evaluator.evaluate({
                principal: TF_DEPLOY,
                action: "s3:GetObject",
                resource: obj(KEY),
                resourcePolicy: noDeny,
            })
        ).verdict;
        expect(asDeployRole).to.equal("Allowed");
    });
    it("names every statement, so reports and reviews can point at it", () => {
        const sids = (doc: Document) => (doc.Statement as { Sid?: string }[]).map((st) => st.Sid);
        expect(sids(workloadPolicy(scope))).to.deep.equal([
            "RunTaggedInstanceOfConfiguredType",
            "RunInConfiguredNetwork",
            "RunWithEncryptedVolume",
            "RunFromAmazonImage",
            "TagOnLaunch",
            "ManageOwnInstances",
            "ReadEc2",
            "ReadAmiParameter",
            "ManageWorkloadRole",
            "AttachOnlyTheSsmCorePolicy",
            "ManageWorkloadInstanceProfile",
            "PassWorkloadRoleToEc2Only",
        ]);
        expect(sids(terraformStatePolicy({ partition: P, bucket: BUCKET, stateKey: KEY }))).to.deep.equal([
            "ListStateBucket",
            "ReadWriteOwnState",
            "LockOwnState",
        ]);
        expect(
            sids(
                cloudFormationDeployPolicy({
                    partition: P,
                    region: REGION,
                    accountId: TGT,
                    stackName: "s",
                    executionRoleArn: CFN_EXEC,
                    amiParameter: "/a",
                }),
            ),
        ).to.deep.equal(["DriveTheWorkloadStack", "PassExecutionRoleToCloudFormationOnly", "ResolveAmiParameter"]);
        expect(sids(stateBucketPolicy({ partition: P, bucket: BUCKET, grants: grants.slice(0, 1) }))).to.deep.equal([
            "DenyInsecureTransport",
            "DenyStateObjectsToAllButDeployRoles",
            "ListStateBucket0",
            "ReadWriteState0",
            "LockState0",
        ]);
        expect(
            sids(
                codeBuildRolePolicy({
                    partition: P,
                    region: REGION,
                    accountId: CICD,
                    artifactBucket: "a",
                    logGroupName: "/g",
                    deployRoleArns: [TF_DEPLOY],
                }),
            ),
        ).to.deep.equal(["ReadArtifacts", "WriteOwnLogs", "AssumeTerraformDeployRoles"]);
        expect(notificationTopicPolicy({ topicArn: "t", accountId: CICD }).Statement).to.deep.equal([
            {
                Sid: "CodeStarNotificationsPublish",
                Effect: "Allow",
                Principal: { Service: "codestar-notifications.amazonaws.com" },
                Action: "sns:Publish",
                Resource: "t",
                Condition: { StringEquals: { "aws:SourceAccount": CICD } },
            },
        ]);
    });
    it("resolves the AMI from its public SSM parameter, by both read calls", () => {
        const read = (workloadPolicy(scope).Statement as unknown as Record<string, unknown>[]).find(
            (st) => st.Sid === "ReadAmiParameter",
        );
        expect(read).to.deep.include({
            Action: ["ssm:GetParameter", "ssm:GetParameters"],
            Resource: `arn:aws:ssm:${REGION}::parameter${scope.amiParameter}`,
        });
        expect(WORKLOAD_TAG_KEY).to.equal("CrossAccountPipelineWorkload");
    });
});
