import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import type { OrgStackConfig, RolloutConfig } from "../config";

export interface OrganizationStackSetArgs {
    /** Physical name of the StackSet (unique in the management account and Region). */
    readonly stackSetName: string;
    /** The StackSet's description, shown in the CloudFormation console. */
    readonly description: string;
    /** The template, as CreateStackSet's TemplateBody. */
    readonly templateBody: string;
    /** The OUs (or the root) whose accounts get a stack instance, now and whenever an account joins. */
    readonly organizationalUnitIds: readonly string[];
    /** The one Region of the stack instances (IAM is global: one Region per account is all it takes). */
    readonly region: string;
    /** SELF from the management account, DELEGATED_ADMIN from a delegated StackSets administrator. */
    readonly callAs: OrgStackConfig["callAs"];
    /** How stack instances roll out: concurrency and failure tolerance per OU, Region order. */
    readonly rollout: RolloutConfig;
}

/**
 * A service-managed StackSet and its stack instances in organizational units. CloudFormation creates
 * the roles it deploys with in each member account (trusted access with AWS Organizations), deploys to
 * every account that joins one of the OUs (auto-deployment), and deletes an account's stack when the
 * account leaves them. It never deploys to the management account.
 *
 * One StackSetInstance per OU, not one for all: the provider replaces an instance whose deployment
 * targets change, and replacing a shared one would delete the stacks of OUs that stay. Per OU, adding
 * or removing an OU touches that OU's accounts only.
 */
export class OrganizationStackSet extends pulumi.ComponentResource {
    public readonly stackSet: aws.cloudformation.StackSet;
    /** The stack instances, by OU ID. */
    public readonly instances: Readonly<Record<string, aws.cloudformation.StackSetInstance>>;
    public readonly stackSetName: pulumi.Output<string>;
    public readonly stackSetArn: pulumi.Output<string>;

    constructor(name: string, args: OrganizationStackSetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cross-account-pipeline:org:OrganizationStackSet", name, {}, opts);
        // Percentages, so that the rollout scales with the OUs: an account joining changes no setting.
        const operationPreferences = {
            maxConcurrentPercentage: args.rollout.maxConcurrentPercentage,
            failureTolerancePercentage: args.rollout.failureTolerancePercentage,
            regionConcurrencyType: args.rollout.regionConcurrencyType,
        };
        this.stackSet = new aws.cloudformation.StackSet(
            `${name}-stackset`,
            {
                name: args.stackSetName,
                description: args.description,
                permissionModel: "SERVICE_MANAGED",
                // Deploy to every account that joins an OU; delete its stack (and so its roles) when it leaves.
                autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
                // The template names its roles (RoleName).
                capabilities: ["CAPABILITY_NAMED_IAM"],
                callAs: args.callAs,
                operationPreferences,
                templateBody: args.templateBody,
            },
            {
                parent: this,
                // With auto-deployment AWS fills in the service-linked administration role, which older
                // provider versions then report as a change on every run (terraform-provider-aws #23464).
                ignoreChanges: ["administrationRoleArn"],
            },
        );
        const instances: Record<string, aws.cloudformation.StackSetInstance> = {};
        for (const ou of args.organizationalUnitIds) {
            instances[ou] = new aws.cloudformation.StackSetInstance(
                `${name}-${ou}`,
                {
                    stackSetName: this.stackSet.name,
                    callAs: args.callAs,
                    deploymentTargets: { organizationalUnitIds: [ou] },
                    // v7: the instance's Region is stackSetInstanceRegion (`region` is deprecated, and on
                    // every v7 resource names the Region the resource is managed in).
                    stackSetInstanceRegion: args.region,
                    operationPreferences,
                    retainStack: false,
                },
                // Never two instances of one OU at once: a replacement deletes first.
                { parent: this, deleteBeforeReplace: true },
            );
        }
        this.instances = instances;
        this.stackSetName = this.stackSet.name;
        this.stackSetArn = this.stackSet.arn;
        this.registerOutputs({ stackSetName: this.stackSetName, stackSetArn: this.stackSetArn });
    }
}
