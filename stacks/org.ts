import * as pulumi from "@pulumi/pulumi";
import { OrganizationStackSet } from "../components/organizationStackSet";
import { ConfigError, OrgStackConfig } from "../config";
import { CicdContract } from "../contract";
import { orgTemplate, stackSetName, workloadStackPattern } from "../methods/orgTemplate";
import { NETWORK_TAG_KEY } from "../policies/workload";
import { readContract } from "./target";

export interface OrgOutputs {
    readonly stackSetName: pulumi.Output<string>;
    readonly stackSetArn: pulumi.Output<string>;
    readonly organizationalUnitIds: readonly string[];
    readonly region: string;
    readonly callAs: string;
    /** The roles every account of the OUs gets. */
    readonly roleNames: readonly string[];
    /** The tag the account administrators put on the workload's subnet and security group. */
    readonly networkTag: { readonly key: string; readonly value: string };
    /** The template's size, against CloudFormation's 51,200-byte TemplateBody limit. */
    readonly templateBytes: number;
}

/** Targets of the contract whose workload stack the template's roles would not admit (a custom name). */
export function unmatchedStackNames(contract: CicdContract): string[] {
    const prefix = workloadStackPattern(contract.namePrefix).slice(0, -1);
    return Object.values(contract.targets)
        .filter((t) => !t.cfnStackName.startsWith(prefix))
        .map((t) => `${t.name} (${t.cfnStackName})`);
}

/**
 * The target roles of every account in some organizational units, as one service-managed StackSet,
 * deployed from the management account or a delegated StackSets administrator. Everything comes from
 * the cicd stack's contract, read and checked as the `target` stack reads it; the template is rendered
 * from the same role functions (methods/orgTemplate.ts) and checked against IAM's and CloudFormation's
 * size limits before any resource is declared.
 */
export async function orgStack(config: OrgStackConfig): Promise<OrgOutputs> {
    const ref = new pulumi.StackReference("cicd", { name: config.cicdStack });
    const contract = await readContract(ref, config.cicdStack);
    if (config.region !== contract.region) {
        throw new ConfigError(
            `aws:region is ${config.region}, but the cicd stack ${config.cicdStack} is in ${contract.region}: the ` +
                `StackSet and its stack instances must be in the cicd stack's region (the target roles trust its ` +
                `principals and admit its region's resources). Set it with: pulumi config set aws:region ${contract.region}`,
        );
    }
    const { body, bytes, specs } = orgTemplate(contract);
    const unmatched = unmatchedStackNames(contract);
    if (unmatched.length > 0) {
        void pulumi.log.warn(
            `The StackSet's roles admit only workload stacks named ${workloadStackPattern(contract.namePrefix)}; ` +
                `these targets of the cicd stack use another name and cannot be deployed by method 2 through ` +
                `the org stack's roles: ${unmatched.join(", ")}`,
        );
    }
    const set = new OrganizationStackSet("target-roles", {
        stackSetName: stackSetName(contract.namePrefix),
        description:
            `Roles that the CI/CD account ${contract.cicdAccountId} (${contract.namePrefix}) deploys the workload ` +
            `with, in every account of ${config.organizationalUnitIds.join(", ")}`,
        templateBody: body,
        organizationalUnitIds: config.organizationalUnitIds,
        region: contract.region,
        callAs: config.callAs,
        rollout: config.rollout,
    });
    return {
        stackSetName: set.stackSetName,
        stackSetArn: set.stackSetArn,
        organizationalUnitIds: config.organizationalUnitIds,
        region: contract.region,
        callAs: config.callAs,
        roleNames: specs.map((s) => s.name),
        networkTag: { key: NETWORK_TAG_KEY, value: contract.namePrefix },
        templateBytes: bytes,
    };
}
