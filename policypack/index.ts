// The policy pack, run by the Pulumi CLI: `pulumi preview --policy-pack policypack`.
// Constructing a PolicyPack starts the analyzer server, so tests import ./rules, never this file.
import { PolicyPack } from "@pulumi/policy";
import { rules } from "./rules";

new PolicyPack("cross-account-pipeline", {
    description:
        "Security rules of the cross-account-pipeline program: S3 hardening, least-privilege IAM with one principal per " +
        "target and step, CodePipeline V2 with nothing a run's starter sets pasted into shell or JSON, CodeBuild, AWS " +
        "quotas and log hygiene.",
    policies: rules,
});
