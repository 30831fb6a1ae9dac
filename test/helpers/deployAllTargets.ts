// Shared by the many-target deploy-all suites: three accounts (dev, staging, prod) and their targets file.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CICD, NS, OUTPUTS, Run, Scenario, baseScenario, callsOf, deployedScenario, tmpDirs } from "./deployAll";

export const DEV = "222222222222";
export const STAGING = "333333333333";
export const PROD = "444444444444";
export interface Entry {
    name: string;
    profile: string;
    subnetId: string;
    securityGroupId: string;
    requireApproval?: unknown;
}
/** dev, staging, prod: profiles dev, stg, prd; an approval before prod. */
export function entries(): Entry[] {
    return [
        {
            name: "dev",
            profile: "dev",
            subnetId: "subnet-0aaaaaaaaaaaaaaaa",
            securityGroupId: "sg-0aaaaaaaaaaaaaaaa",
        },
        {
            name: "staging",
            profile: "stg",
            subnetId: "subnet-0bbbbbbbbbbbbbbbb",
            securityGroupId: "sg-0bbbbbbbbbbbbbbbb",
        },
        {
            name: "prod",
            profile: "prd",
            subnetId: "subnet-0cccccccccccccccc",
            securityGroupId: "sg-0cccccccccccccccc",
            requireApproval: true,
        },
    ];
}
/** What the cicd stack's cross-account-pipeline:targets must hold for entries(). */
export const EXPECTED = [
    {
        name: "dev",
        accountId: DEV,
        subnetId: "subnet-0aaaaaaaaaaaaaaaa",
        securityGroupId: "sg-0aaaaaaaaaaaaaaaa",
    },
    {
        name: "staging",
        accountId: STAGING,
        subnetId: "subnet-0bbbbbbbbbbbbbbbb",
        securityGroupId: "sg-0bbbbbbbbbbbbbbbb",
    },
    {
        name: "prod",
        accountId: PROD,
        subnetId: "subnet-0cccccccccccccccc",
        securityGroupId: "sg-0cccccccccccccccc",
        requireApproval: true,
    },
];
export const STACKS = ["target-dev", "target-staging", "target-prod"];
export const PROFILES = ["dev", "stg", "prd"];

/** Writes a targets file (a value as JSON, a string as is) outside the repository; returns its path. */
export function targetsFile(content: unknown = entries()): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-all-targets-"));
    tmpDirs.push(dir);
    const file = path.join(dir, "targets.json");
    fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
    return file;
}
/** The CI/CD profile and one profile per target account; no stacks. */
export function multiScenario(): Scenario {
    const s = baseScenario();
    s.accounts = { ci: CICD, dev: DEV, stg: STAGING, prd: PROD };
    return s;
}
/** cicd and the three target stacks deployed: what teardown starts from. */
export function multiDeployedScenario(): Scenario {
    const s = deployedScenario();
    s.accounts = { ci: CICD, dev: DEV, stg: STAGING, prd: PROD };
    s.pulumi.stacks = {
        cicd: {
            resources: 20,
            config: { "aws:region": "eu-west-2", [`${NS}:targets`]: JSON.stringify(EXPECTED) },
            outputs: { ...OUTPUTS },
        },
        ...Object.fromEntries(STACKS.map((st) => [st, { resources: 4, config: { "aws:region": "eu-west-2" } }])),
    };
    return s;
}
export const deployArgs = (file: string): string[] => ["-c", "ci", "-T", file];
export const teardownArgs = (file: string): string[] => ["-d", "-c", "ci", "-T", file];
export const stsProfiles = (r: Run): (string | null)[] =>
    callsOf(r, "aws", ["sts", "get-caller-identity"]).map((c) => c.profile);
