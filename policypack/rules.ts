// Every policy of the pack, by domain. Pure data and functions: importing this module starts nothing
// (index.ts wraps these rules in a PolicyPack, which starts the analyzer server), so tests run every
// rule directly against the program's recorded resources.
import type { Policies } from "@pulumi/policy";
import { buildPolicies } from "./build";
import { iamPolicies } from "./iam";
import { principalPolicies } from "./iamPrincipals";
import { logsPolicies } from "./logs";
import { pipelinePolicies } from "./pipeline";
import { quotaPolicies } from "./quotas";
import { storagePolicies } from "./storage";

/** Every policy of the pack, in the order they are reported. */
export const rules: Policies = [
    ...storagePolicies,
    ...iamPolicies,
    ...principalPolicies,
    ...pipelinePolicies,
    ...buildPolicies,
    ...quotaPolicies,
    ...logsPolicies,
];

export { parseDocument } from "./lib/documents";
export { UNKNOWN, isUnknown, containsUnknown } from "./lib/values";
