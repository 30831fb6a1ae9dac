import * as pulumi from "@pulumi/pulumi";
import { pulumiConfigReader } from "./config";
import { runStack } from "./stacks";

// Pulumi calls the exported function and uses its resolved value as the stack's outputs.
export = () => runStack(pulumi.getStack(), pulumiConfigReader);
