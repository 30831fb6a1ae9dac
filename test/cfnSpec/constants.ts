/**
 * CloudFormation names the validator knows: pseudo parameters, top-level template sections,
 * resource attributes, valid parameter types, and which resource types are custom resources.
 */

/** https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html */
export const PSEUDO_PARAMETERS: ReadonlySet<string> = new Set([
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
]);

export const TOP_LEVEL_SECTIONS = new Set([
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
]);

export const RESOURCE_ATTRIBUTES = new Set([
    "Type",
    "Properties",
    "DependsOn",
    "Condition",
    "Metadata",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "UpdatePolicy",
    "CreationPolicy",
]);

/** AWS-specific parameter types (each also valid inside `AWS::SSM::Parameter::Value<...>`). */
const AWS_SPECIFIC_PARAMETER_TYPES = [
    "AWS::EC2::AvailabilityZone::Name",
    "AWS::EC2::Image::Id",
    "AWS::EC2::Instance::Id",
    "AWS::EC2::KeyPair::KeyName",
    "AWS::EC2::SecurityGroup::GroupName",
    "AWS::EC2::SecurityGroup::Id",
    "AWS::EC2::Subnet::Id",
    "AWS::EC2::Volume::Id",
    "AWS::EC2::VPC::Id",
    "AWS::Route53::HostedZone::Id",
];
/** The AWS-specific types that also exist as `List<...>` (there is no list of key pair names). */
const AWS_SPECIFIC_LIST_ELEMENT_TYPES = AWS_SPECIFIC_PARAMETER_TYPES.filter((t) => t !== "AWS::EC2::KeyPair::KeyName");

/**
 * Every valid parameter `Type`:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html
 */
export const VALID_PARAMETER_TYPES: ReadonlySet<string> = new Set([
    "String",
    "Number",
    "List<Number>",
    "CommaDelimitedList",
    ...AWS_SPECIFIC_PARAMETER_TYPES,
    ...AWS_SPECIFIC_LIST_ELEMENT_TYPES.map((t) => `List<${t}>`),
    "AWS::SSM::Parameter::Name",
    "AWS::SSM::Parameter::Value<String>",
    "AWS::SSM::Parameter::Value<List<String>>",
    "AWS::SSM::Parameter::Value<CommaDelimitedList>",
    ...AWS_SPECIFIC_PARAMETER_TYPES.map((t) => `AWS::SSM::Parameter::Value<${t}>`),
    ...AWS_SPECIFIC_LIST_ELEMENT_TYPES.map((t) => `AWS::SSM::Parameter::Value<List<${t}>>`),
]);

/** Resource types whose properties and attributes are free-form. */
export function isCustomResourceType(type: string): boolean {
    return type.startsWith("Custom::") || type === "AWS::CloudFormation::CustomResource";
}
