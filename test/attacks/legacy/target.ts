// Legacy: this file is target.ts as it was at commit 46b8648, before the trust-boundary fixes, kept verbatim
// so that the attack tests can show each attack succeeding against the old code. Not used by the program.
import { lockKey } from "./buckets";
import { arn, doc, Document, Statement } from "./document";

/** The tag that marks every EC2 resource of the workload; instance rights are scoped to it. */
export const WORKLOAD_TAG_KEY = "CrossAccountPipelineWorkload";

/** The only managed policy a workload role may have attached. */
export const workloadManagedPolicyArn = (partition: string): string =>
    `arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`;

export interface WorkloadScope {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
    /** Physical-name prefix of the workload's IAM role and instance profile, e.g. `xacct-tf`. */
    readonly namePrefix: string;
    /** Value of the workload tag on its instances, volumes and network interfaces. */
    readonly workloadTag: string;
    readonly subnetId: string;
    readonly securityGroupId: string;
    readonly instanceType: string;
    readonly amiParameter: string;
}

/**
 * Exactly what building the sample workload takes: one EC2 instance (of the configured type, in the
 * configured subnet and security group, from an Amazon-owned AMI, IMDSv2 only, encrypted volume),
 * one IAM role with the SSM core policy, and its instance profile. Instances can be changed or
 * terminated only when they carry the workload tag. Used by the Terraform deploy role (method 1) and
 * the CloudFormation execution role (method 2).
 */
export const workloadPolicy = (s: WorkloadScope): Document => {
    const ec2 = (resource: string): string => `arn:${s.partition}:ec2:${s.region}:${s.accountId}:${resource}`;
    const tagged = { StringEquals: { [`aws:ResourceTag/${WORKLOAD_TAG_KEY}`]: s.workloadTag } };
    const roles = arn.role(s.partition, s.accountId, `${s.namePrefix}-*`);
    const profiles = `arn:${s.partition}:iam::${s.accountId}:instance-profile/${s.namePrefix}-*`;
    const statements: Statement[] = [
        {
            Sid: "RunTaggedInstanceOfConfiguredType",
            Effect: "Allow",
            Action: "ec2:RunInstances",
            Resource: ec2("instance/*"),
            Condition: {
                StringEquals: {
                    [`aws:RequestTag/${WORKLOAD_TAG_KEY}`]: s.workloadTag,
                    "ec2:InstanceType": s.instanceType,
                    "ec2:MetadataHttpTokens": "required",
                },
            },
        },
        {
            Sid: "RunInConfiguredNetwork",
            Effect: "Allow",
            Action: "ec2:RunInstances",
            Resource: [
                ec2(`subnet/${s.subnetId}`),
                ec2(`security-group/${s.securityGroupId}`),
                ec2("network-interface/*"),
            ],
        },
        {
            Sid: "RunWithEncryptedVolume",
            Effect: "Allow",
            Action: "ec2:RunInstances",
            Resource: ec2("volume/*"),
            Condition: { Bool: { "ec2:Encrypted": "true" } },
        },
        {
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
            Resource: [ec2("instance/*"), ec2("volume/*"), ec2("network-interface/*")],
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
                "ec2:ModifyInstanceAttribute",
                "ec2:ModifyInstanceMetadataOptions",
                "ec2:CreateTags",
            ],
            Resource: ec2("instance/*"),
            Condition: tagged,
        },
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
            Sid: "ManageWorkloadRole",
            Effect: "Allow",
            Action: [
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:GetRole",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
            ],
            Resource: roles,
        },
        {
            Sid: "AttachOnlyTheSsmCorePolicy",
            Effect: "Allow",
            Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            Resource: roles,
            Condition: { ArnEquals: { "iam:PolicyARN": workloadManagedPolicyArn(s.partition) } },
        },
        {
            Sid: "ManageWorkloadInstanceProfile",
            Effect: "Allow",
            Action: [
                "iam:CreateInstanceProfile",
                "iam:DeleteInstanceProfile",
                "iam:GetInstanceProfile",
                "iam:AddRoleToInstanceProfile",
                "iam:RemoveRoleFromInstanceProfile",
                "iam:TagInstanceProfile",
                "iam:UntagInstanceProfile",
            ],
            Resource: profiles,
        },
        {
            Sid: "PassWorkloadRoleToEc2Only",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: roles,
            Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
        },
    ];
    return doc(...statements);
};

/** The identity side of state access (the bucket policy is the other side): own state and lock only. */
export const terraformStatePolicy = (p: { partition: string; bucket: string; stateKey: string }): Document =>
    doc(
        {
            Sid: "ListStateBucket",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: arn.bucket(p.partition, p.bucket),
        },
        {
            Sid: "ReadWriteOwnState",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject"],
            Resource: arn.object(p.partition, p.bucket, p.stateKey),
        },
        {
            Sid: "LockOwnState",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            Resource: arn.object(p.partition, p.bucket, lockKey(p.stateKey)),
        },
    );

/**
 * The CloudFormation deploy role (method 2): drive one stack and hand it the execution role.
 * It cannot build anything itself; CloudFormation does, with the execution role.
 */
export const cloudFormationDeployPolicy = (p: {
    partition: string;
    region: string;
    accountId: string;
    stackName: string;
    executionRoleArn: string;
    amiParameter: string;
}): Document =>
    doc(
        {
            Sid: "DriveTheWorkloadStack",
            Effect: "Allow",
            Action: [
                "cloudformation:CreateStack",
                "cloudformation:UpdateStack",
                "cloudformation:DeleteStack",
                "cloudformation:DescribeStacks",
                "cloudformation:DescribeStackEvents",
            ],
            Resource: arn.stack(p.partition, p.region, p.accountId, p.stackName),
        },
        {
            Sid: "PassExecutionRoleToCloudFormationOnly",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: p.executionRoleArn,
            Condition: { StringEquals: { "iam:PassedToService": "cloudformation.amazonaws.com" } },
        },
        {
            // CloudFormation resolves SSM parameter types with the caller's rights.
            Sid: "ResolveAmiParameter",
            Effect: "Allow",
            Action: "ssm:GetParameters",
            Resource: arn.ssmPublicParameter(p.partition, p.region, p.amiParameter),
        },
    );
