import { ConfigError, ConfigReader, parseCicdConfig, parseOrgConfig, parseTargetConfig } from "../config";
import { cicdStack, CicdOutputs } from "./cicd";
import { orgStack, OrgOutputs } from "./org";
import { targetStack, TargetOutputs } from "./target";

/**
 * Picks the program for a stack name: `cicd`, `target`, `target-<name>` or `org`. Config is read and
 * validated in full before any resource is declared.
 */
export async function runStack(stack: string, read: ConfigReader): Promise<CicdOutputs | TargetOutputs | OrgOutputs> {
    if (stack === "cicd") return cicdStack(parseCicdConfig(read));
    if (stack === "target" || stack.startsWith("target-")) return targetStack(parseTargetConfig(read, stack));
    if (stack === "org") return orgStack(parseOrgConfig(read));
    throw new ConfigError(
        `Unknown stack "${stack}": this program deploys the stacks "cicd", "target", "target-<name>" ` +
            `(one per entry of cross-account-pipeline:targets) and "org" (the target roles of whole ` +
            `organizational units, as a StackSet)`,
    );
}
