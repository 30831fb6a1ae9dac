/**
 * The shapes every deployment method fills. Everything here is plain data, computed from the config
 * before any resource is declared: the quota checks (quotas.ts), the policy tests and the offline plan
 * read the same values that the components then declare.
 */
import type { CicdConfig, Method, TargetConfig } from "../config";
import type { Names } from "../names";
import type { Document } from "../policies";

/** A CodePipeline action, as the CodePipeline API declares it (structurally a Pulumi PipelineStageAction). */
export interface ActionSpec {
    readonly name: string;
    readonly category: "Source" | "Build" | "Approval" | "Compute";
    readonly owner: "AWS";
    readonly provider: string;
    readonly version: "1";
    readonly runOrder?: number;
    readonly configuration?: Readonly<Record<string, string>>;
    readonly commands?: readonly string[];
    readonly inputArtifacts?: readonly string[];
    readonly outputArtifacts?: readonly string[];
    readonly namespace?: string;
    readonly outputVariables?: readonly string[];
    readonly roleArn?: string;
}

export interface RuleSpec {
    readonly name: string;
    readonly ruleTypeId: {
        readonly category: "Rule";
        readonly owner: "AWS";
        readonly provider: string;
        readonly version: "1";
    };
    readonly configuration: Readonly<Record<string, string>>;
}

export interface StageSpec {
    readonly name: string;
    readonly actions: readonly ActionSpec[];
    /** An entry condition: when its rules are not met, `result` engages (SKIP: the stage is skipped). */
    readonly beforeEntry?: {
        readonly condition: { readonly result: "SKIP" | "FAIL"; readonly rules: readonly RuleSpec[] };
    };
}

export interface VariableSpec {
    readonly name: string;
    readonly defaultValue: string;
    readonly description: string;
}

/** An IAM role in the account of the stack that declares it. */
export interface RoleSpec {
    /** Pulumi resource name prefix (stable; never derived from a list position). */
    readonly key: string;
    readonly name: string;
    readonly description: string;
    readonly trust: Document;
    /** Inline policies by name. */
    readonly policies: Readonly<Record<string, Document>>;
}

export interface PipelineSpec {
    /** Pulumi resource name prefix. */
    readonly key: string;
    readonly name: string;
    readonly role: RoleSpec;
    readonly variables: readonly VariableSpec[];
    readonly stages: readonly StageSpec[];
    /** Starts on a new source archive (deployment) or on the drift schedule (drift). */
    readonly trigger: "source" | "schedule";
}

/** A CodeBuild project (method 1). The buildspec is inline: the source archive cannot rewrite it. */
export interface ProjectSpec {
    readonly key: string;
    readonly name: string;
    readonly description: string;
    readonly role: RoleSpec;
    readonly buildspec: string;
    /** The CodeBuild image. */
    readonly image: string;
    /** PLAINTEXT environment of the project: identity literals, never secrets. */
    readonly environment: Readonly<Record<string, string>>;
    readonly timeoutMinutes: number;
    readonly logGroupName: string;
    /** CodeBuild writes `<streamPrefix>/<build id>` streams. */
    readonly logStreamPrefix: string;
}

/** What a method adds to the cicd stack: pure data. */
export interface CicdMethodPart {
    readonly method: Method;
    readonly pipelines: readonly PipelineSpec[];
    /** Roles of the CI/CD account other than the pipelines' and the projects' own (action roles). */
    readonly roles: readonly RoleSpec[];
    readonly projects: readonly ProjectSpec[];
    /** Log groups to create with a retention period (CodeBuild's, and the Commands action's). */
    readonly logGroups: readonly string[];
    /** Files this method puts into the source archive, path → content. */
    readonly sourceFiles: Readonly<Record<string, string>>;
    /** Per target: what this method tells the target stack (merged into the contract). */
    readonly targets: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Everything a method's cicd part is computed from. */
export interface CicdContext {
    readonly config: CicdConfig;
    readonly names: Names;
    readonly partition: string;
    readonly accountId: string;
    /** The notification topic: approvals and drift reports go there. */
    readonly topicArn: string;
}

/** One role a target account holds, as plain data: the `target` stack declares it, the `org` stack templates it. */
export interface TargetRoleSpec extends RoleSpec {
    /** An instance profile that holds this role (the workload's instance role only). */
    readonly instanceProfile?: string;
    /** AWS managed policies to attach (the workload's instance role only). */
    readonly managedPolicyArns?: readonly string[];
}

/**
 * Everything a target's roles are computed from. `accountId` is the literal account, or
 * `${AWS::AccountId}` when the `org` stack renders one template for every account of an OU.
 */
export interface TargetContext {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
    readonly cicdAccountId: string;
    readonly namePrefix: string;
    readonly names: Names;
    /** Where instances may be launched: the configured subnet and group, or those carrying a tag (org). */
    readonly network:
        | { readonly subnetId: string; readonly securityGroupId: string }
        | { readonly tagKey: string; readonly tagValue: string };
    readonly instanceType: string;
    readonly amiParameter: string;
    readonly amiId?: string;
    /** The workload stack of method 2 (a wildcard in the org template). */
    readonly cfnStackName: string;
}

export interface DeploymentMethod {
    readonly id: Method;
    cicd(ctx: CicdContext): CicdMethodPart;
    /** The roles this method needs in a target account. */
    targetRoles(ctx: TargetContext): TargetRoleSpec[];
}

export type { TargetConfig };
