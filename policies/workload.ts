import { arn, doc, Document, Statement } from "./document";
import { stateKeyPrefix } from "../config/targets";
import { lockKey, PRINCIPAL_ACCOUNT } from "./buckets";

/** The tag that marks every EC2 resource of the workload; instance rights are scoped to it. */
export const WORKLOAD_TAG_KEY = "CrossAccountPipelineWorkload";

/** The tag a subnet or security group carries to admit the workload, when the org stack cannot name them. */
export const NETWORK_TAG_KEY = "CrossAccountPipelineNetwork";

/** The managed policy of the workload's instance role. */
export const workloadManagedPolicyArn = (partition: string): string =>
    `arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`;

/** Where the workload may launch: the configured subnet and group, or any that carry a tag. */
export type WorkloadNetwork =
    | { readonly subnetId: string; readonly securityGroupId: string }
    | { readonly tagKey: string; readonly tagValue: string };

export interface WorkloadScope {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
    /** Value of the workload tag on its instances, volumes and network interfaces. */
    readonly workloadTag: string;
    readonly network: WorkloadNetwork;
    readonly instanceType: string;
    readonly amiParameter: string;
    /** An exact AMI: only it may be launched. Without it, any Amazon-owned AMI. */
    readonly amiId?: string;
    /** The workload's instance role and profile, which the target stack creates. */
    readonly instanceRoleName: string;
    readonly instanceProfileName: string;
}

const ec2Arn = (s: WorkloadScope, resource: string): string =>
    `arn:${s.partition}:ec2:${s.region}:${s.accountId}:${resource}`;

function networkStatement(s: WorkloadScope): Statement {
    if ("subnetId" in s.network) {
        return {
            Sid: "RunInConfiguredNetwork",
            Effect: "Allow",
            Action: "ec2:RunInstances",
            Resource: [
                ec2Arn(s, `subnet/${s.network.subnetId}`),
                ec2Arn(s, `security-group/${s.network.securityGroupId}`),
            ],
        };
    }
    return {
        Sid: "RunInTaggedNetwork",
        Effect: "Allow",
        Action: "ec2:RunInstances",
        Resource: [ec2Arn(s, "subnet/*"), ec2Arn(s, "security-group/*")],
        Condition: { StringEquals: { [`ec2:ResourceTag/${s.network.tagKey}`]: s.network.tagValue } },
    };
}

/**
 * Exactly what building the sample workload takes: one EC2 instance of the configured type, in the
 * configured network, from the configured (or an Amazon-owned) AMI, IMDSv2 only, encrypted volume,
 * with the instance profile the target stack made. No IAM writes at all: the workload cannot mint a
 * role, so it cannot leave a back door. Afterwards an instance can change only to the configured type
 * and keep IMDSv2 required. Used by the Terraform deploy role (method 1) and the CloudFormation
 * execution role (method 2).
 */
export const workloadPolicy = (s: WorkloadScope): Document => {
    const tagged = { StringEquals: { [`aws:ResourceTag/${WORKLOAD_TAG_KEY}`]: s.workloadTag } };
    const statements: Statement[] = [
        {
            Sid: "RunTaggedInstanceOfConfiguredType",
            Effect: "Allow",
            Action: "ec2:RunInstances",
            Resource: ec2Arn(s, "instance/*"),
            Condition: {
                StringEquals: {
                    [`aws:RequestTag/${WORKLOAD_TAG_KEY}`]: s.workloadTag,
                    "ec2:InstanceType": s.instanceType,
                    "ec2:MetadataHttpTokens": "required",
                },
            },
        },
        networkStatement(s),
        {
            Sid: "RunWithNewNetworkInterface",
            Effect: "Allow",
            Action: "ec2:RunInstances",
            Resource: ec2Arn(s, "network-interface/*"),
        },
        {
            Sid: "RunWithEncryptedVolume",
            Effect: "Allow",
            Action: "ec2:RunInstances",
            Resource: ec2Arn(s, "volume/*"),
            Condition: { Bool: { "ec2:Encrypted": "true" } },
        },
        s.amiId !== undefined
            ? {
                  Sid: "RunFromConfiguredImage",
                  Effect: "Allow",
                  Action: "ec2:RunInstances",
                  Resource: `arn:${s.partition}:ec2:${s.region}::image/${s.amiId}`,
              }
            : {
                  Sid: "RunFromAmazonImage",
                  Effect: "Allow",
                  Action: "ec2:RunInstances",
                  Resource: `arn:${s.partition}:ec2:${s.region}::image/*`,
                  Condition: { StringEquals: { "ec2:Owner": "amazon" } },
              },
        {
            Sid: "TagOnLaunch",
            Effect: "Allow",
            Action: "ec2:CreateTags",
            Resource: [ec2Arn(s, "instance/*"), ec2Arn(s, "volume/*"), ec2Arn(s, "network-interface/*")],
            Condition: { StringEquals: { "ec2:CreateAction": "RunInstances" } },
        },
        {
            Sid: "ManageOwnInstances",
            Effect: "Allow",
            Action: [
                "ec2:TerminateInstances",
                "ec2:StopInstances",
                "ec2:StartInstances",
                "ec2:RebootInstances",
                "ec2:CreateTags",
            ],
            Resource: ec2Arn(s, "instance/*"),
            Condition: tagged,
        },
        {
            // A launch-time control must hold after launch too. ModifyInstanceAttribute carries the
            // attribute it sets as ec2:Attribute/<name>: only the instance type, and only to the
            // configured one; user data and every other attribute are refused (the key is absent).
            // (Service Authorization Reference for Amazon EC2: ec2:Attribute/${AttributeName}.)
            Sid: "ChangeOnlyToConfiguredInstanceType",
            Effect: "Allow",
            Action: "ec2:ModifyInstanceAttribute",
            Resource: ec2Arn(s, "instance/*"),
            Condition: {
                StringEquals: {
                    [`aws:ResourceTag/${WORKLOAD_TAG_KEY}`]: s.workloadTag,
                    "ec2:Attribute/InstanceType": s.instanceType,
                },
            },
        },
        {
            // IMDSv2 stays required: the EC2 User Guide's own policy for this uses
            // ec2:Attribute/HttpTokens on ModifyInstanceMetadataOptions ("Require the use of IMDSv2").
            Sid: "KeepImdsV2Required",
            Effect: "Allow",
            Action: "ec2:ModifyInstanceMetadataOptions",
            Resource: ec2Arn(s, "instance/*"),
            Condition: {
                StringEquals: {
                    [`aws:ResourceTag/${WORKLOAD_TAG_KEY}`]: s.workloadTag,
                    "ec2:Attribute/HttpTokens": "required",
                },
            },
        },
        ...workloadReadStatements(s),
        {
            // RunInstances with an instance profile checks iam:PassRole on the profile's role.
            Sid: "PassInstanceRoleToEc2Only",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: arn.role(s.partition, s.accountId, s.instanceRoleName),
            Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
        },
    ];
    return doc(...statements);
};

/** Reading what the workload's plan or drift check looks at; nothing that writes. */
function workloadReadStatements(s: WorkloadScope): Statement[] {
    return [
        {
            Sid: "ReadEc2",
            Effect: "Allow",
            // Describe calls support no resource-level permissions.
            Action: "ec2:Describe*",
            Resource: "*",
        },
        {
            Sid: "ReadAmiParameter",
            Effect: "Allow",
            Action: ["ssm:GetParameter", "ssm:GetParameters"],
            Resource: arn.ssmPublicParameter(s.partition, s.region, s.amiParameter),
        },
        {
            Sid: "ReadInstanceProfile",
            Effect: "Allow",
            Action: ["iam:GetInstanceProfile", "iam:GetRole"],
            Resource: [
                arn.instanceProfile(s.partition, s.accountId, s.instanceProfileName),
                arn.role(s.partition, s.accountId, s.instanceRoleName),
            ],
        },
    ];
}

/** The plan and drift roles' view of the workload: read only. */
export const workloadReadPolicy = (s: WorkloadScope): Document => doc(...workloadReadStatements(s));

/**
 * The identity side of state access (the bucket policy is the other): the deploy role reads and
 * writes its state and lock; the plan role (`write: false`) only lists its prefix and reads.
 */
export const terraformStatePolicy = (p: {
    partition: string;
    bucket: string;
    namePrefix: string;
    accountId: string;
    stateKey: string;
    write: boolean;
}): Document => {
    const prefix = stateKeyPrefix(p.namePrefix, p.accountId);
    const statements: Statement[] = [
        {
            Sid: "ListOwnStatePrefix",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: arn.bucket(p.partition, p.bucket),
            Condition: { StringLike: { "s3:prefix": [`${prefix}/*`] } },
        },
        {
            Sid: p.write ? "ReadWriteOwnState" : "ReadOwnState",
            Effect: "Allow",
            Action: p.write ? ["s3:GetObject", "s3:PutObject"] : "s3:GetObject",
            Resource: arn.object(p.partition, p.bucket, p.write ? p.stateKey : `${prefix}/*`),
        },
    ];
    if (p.write) {
        statements.push({
            Sid: "LockOwnState",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            Resource: arn.object(p.partition, p.bucket, lockKey(p.stateKey)),
        });
    }
    return doc(...statements);
};

export { PRINCIPAL_ACCOUNT };
