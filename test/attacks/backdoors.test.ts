/**
 * ATTACK: the workload (its code, or whoever commits to it) leaves a back door in a target account,
 * or loosens a launch-time control after launch; a CI/CD administrator quietly copies or expires the
 * state; a service is tricked into acting for someone else (confused deputy).
 */
import { expect } from "chai";
import { WORKLOAD_TAG_KEY } from "../../policies";
import { proofConfig, PROD_ACCOUNT, TARGET_ACCOUNT } from "../../tools/offline/program";
import { ADMIN, bucket, iamModel, role, verdict } from "../helpers/iamWorld";
import { modelOf } from "../helpers/simulate";
import { stateBucketPolicy as legacyStateBucketPolicy } from "./legacy/buckets";
import { workloadPolicy as legacyWorkloadPolicy } from "./legacy/target";
import { serviceTrust as legacyServiceTrust } from "./legacy/trust";
import { captureProgram, IamModel, stateBucket } from "../../tools/offline/iam/capture";

const DEPLOY = `arn:aws:iam::${TARGET_ACCOUNT}:role/xacct-terraform-deploy`;
const legacyScope = {
    partition: "aws",
    region: "eu-west-1",
    accountId: TARGET_ACCOUNT,
    namePrefix: "xacct-tf",
    workloadTag: "xacct-tf",
    subnetId: "subnet-0123456789abcdef0",
    securityGroupId: "sg-0123456789abcdef0",
    instanceType: "t3.micro",
    amiParameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
};
const instanceArn = `arn:aws:ec2:eu-west-1:${TARGET_ACCOUNT}:instance/i-0123456789abcdef0`;
const tagged = { [`aws:ResourceTag/${WORKLOAD_TAG_KEY}`]: "xacct-tf" };

/** The attacker's requests, and what they would get. */
const requests = [
    {
        what: "create a role under a path that squats the prefix",
        action: "iam:CreateRole",
        resource: `arn:aws:iam::${TARGET_ACCOUNT}:role/xacct-tf-x/anything`,
    },
    {
        what: "create a role with a prefixed name",
        action: "iam:CreateRole",
        resource: `arn:aws:iam::${TARGET_ACCOUNT}:role/xacct-tf-admin`,
    },
    {
        what: "rewrite the instance's user data after launch",
        action: "ec2:ModifyInstanceAttribute",
        resource: instanceArn,
        context: { ...tagged, "ec2:Attribute": "userData" },
    },
    {
        what: "make IMDSv2 optional after launch",
        action: "ec2:ModifyInstanceMetadataOptions",
        resource: instanceArn,
        context: { ...tagged, "ec2:Attribute/HttpTokens": "optional" },
    },
] as const;

describe("ATTACK: back doors in a target account", () => {
    const legacy = iamModel([role(DEPLOY, {}, { build: legacyWorkloadPolicy(legacyScope) })]);
    let now: IamModel;
    before(async function () {
        this.timeout(60000);
        now = await captureProgram(proofConfig());
    });

    for (const r of requests) {
        it(`the deploy role could ${r.what} before, and cannot now`, async () => {
            const req = {
                principal: DEPLOY,
                action: r.action,
                resource: r.resource,
                ...("context" in r ? { context: r.context } : {}),
            };
            expect(await verdict(legacy, req), "before").to.equal("Allowed");
            expect(await verdict(now, req), "now").to.not.equal("Allowed");
        });
    }
});

describe("ATTACK: a CI/CD administrator expires, replicates or unversions the state", () => {
    const admin = "arn:aws:iam::111111111111:role/Admin";
    const legacyModel = iamModel(
        [],
        [
            bucket(
                "xacct-tfstate-111111111111-eu-west-1",
                "111111111111",
                legacyStateBucketPolicy({
                    partition: "aws",
                    bucket: "xacct-tfstate-111111111111-eu-west-1",
                    grants: [],
                }),
            ),
        ],
    );
    let now: IamModel;
    before(async function () {
        this.timeout(60000);
        now = await captureProgram(
            proofConfig({ "cross-account-pipeline:stateAdminArns": "arn:aws:iam::111111111111:role/BreakGlass" }),
        );
    });

    for (const action of ["s3:PutLifecycleConfiguration", "s3:PutReplicationConfiguration", "s3:PutBucketVersioning"]) {
        it(`${action}: allowed to an administrator before; denied now, except to the deployer and the break-glass roles`, async () => {
            const resource = "arn:aws:s3:::xacct-tfstate-111111111111-eu-west-1";
            const req = (principal: string) => ({ principal, action, resource, identityPolicies: [ADMIN] });
            expect(await verdict(legacyModel, req(admin)), "before").to.equal("Allowed");
            expect(await verdict(now, req(admin)), "admin now").to.equal("ExplicitlyDenied");
            expect(await verdict(now, req("arn:aws:iam::111111111111:role/BreakGlass")), "break-glass").to.equal(
                "Allowed",
            );
            expect(await verdict(now, req("arn:aws:iam::111111111111:role/deployer")), "the deployer").to.equal(
                "Allowed",
            );
            expect(stateBucket(now).name).to.equal("xacct-tfstate-111111111111-eu-west-1");
        });
    }

    it("s3:ReplicateObject and GetObjectVersionForReplication on the state: denied to all but the state roles and break-glass", async () => {
        for (const action of ["s3:ReplicateObject", "s3:GetObjectVersionForReplication"]) {
            const resource = `arn:aws:s3:::xacct-tfstate-111111111111-eu-west-1/xacct/${PROD_ACCOUNT}/terraform.tfstate`;
            expect(
                await verdict(now, { principal: admin, action, resource, identityPolicies: [ADMIN] }),
                action,
            ).to.equal("ExplicitlyDenied");
        }
    });
});

describe("ATTACK: confused deputy", () => {
    const model = modelOf(proofConfig());
    const rule = "arn:aws:events:eu-west-1:111111111111:rule/xacct-source-uploaded";
    const startRole = model.triggers.find((t) => t.key === "source-trigger")!.role;

    it("EventBridge on behalf of another rule of the account: assumed the start role before, cannot now", async () => {
        const other = "arn:aws:events:eu-west-1:111111111111:rule/someone-elses-rule";
        const roleArn = "arn:aws:iam::111111111111:role/xacct-start-pipelines";
        const req = {
            principal: "events.amazonaws.com",
            action: "sts:AssumeRole",
            resource: roleArn,
            context: { "aws:SourceAccount": "111111111111", "aws:SourceArn": other },
        };
        const before = iamModel([
            role(roleArn, legacyServiceTrust({ service: "events.amazonaws.com", sourceAccountId: "111111111111" })),
        ]);
        expect(await verdict(before, req), "before").to.equal("Allowed");
        const nowModel = iamModel([role(roleArn, startRole.trust)]);
        expect(await verdict(nowModel, req), "now").to.not.equal("Allowed");
        expect(
            await verdict(nowModel, { ...req, context: { ...req.context, "aws:SourceArn": rule } }),
            "its own rule",
        ).to.equal("Allowed");
    });

    it("every service trust names its source: CodeBuild its project, CodePipeline its pipeline, EventBridge its rule", () => {
        const trusts = [
            ...model.projects.map((p) => [p.role.trust, `project/${p.name}`] as const),
            ...model.pipelines.map((p) => [p.role.trust, `:${p.name}`] as const),
            ...model.triggers.map((t) => [t.role.trust, `rule/${t.ruleName}`] as const),
        ];
        for (const [trust, source] of trusts) {
            const s = (trust.Statement as { Condition: Record<string, Record<string, string>> }[])[0];
            expect(s.Condition.StringEquals["aws:SourceAccount"], source).to.equal("111111111111");
            expect(s.Condition.ArnLike["aws:SourceArn"], source).to.match(
                new RegExp(`${source.replace(/[/:]/g, "\\$&")}$`),
            );
        }
    });
});
