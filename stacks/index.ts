import { ConfigError, ConfigReader, parseCicdConfig, parseTargetConfig } from "../config";
import { cicdStack, CicdOutputs } from "./cicd";
import { targetStack, TargetOutputs } from "./target";

/**
 * Picks the program for a stack name: `cicd`, `target` or `target-<name>`. Config is read and
 * validated in full before any resource is declared.
 */
export async function runStack(stack: string, read: ConfigReader): Promise<CicdOutputs | TargetOutputs> {
    if (stack === "cicd") return cicdStack(parseCicdConfig(read));
    if (stack === "target" || stack.startsWith("target-")) return targetStack(parseTargetConfig(read, stack));
    throw new ConfigError(
        `Unknown stack "${stack}": this program deploys the stacks "cicd", "target" and "target-<name>" ` +
            `(one per entry of cross-account-pipeline:targets)`,
    );
}
