/**
 * What the cicd stack tells the `target` and `org` stacks through a StackReference: everything they
 * need, nothing they must guess. The payload is checked when it is read, so that a cicd stack of an
 * older or newer version of this program gives a clear message rather than `undefined` deep inside.
 */
import { ConfigError, Method, PROJECT } from "./config";

/** Bumped whenever a field's meaning changes or a required field is added. */
export const CONTRACT_VERSION = 2;

export interface TargetContract {
    readonly name: string;
    readonly stackName: string;
    readonly accountId: string;
    readonly wave: string;
    readonly subnetId: string;
    readonly securityGroupId: string;
    readonly stateKey: string;
    readonly cfnStackName: string;
    /** Per method: the target's role names and ARNs, and the CI/CD principals its roles trust. */
    readonly roles: Readonly<Record<string, string>>;
}

export interface CicdContract {
    readonly version: number;
    readonly partition: string;
    readonly region: string;
    readonly cicdAccountId: string;
    readonly namePrefix: string;
    readonly methods: readonly Method[];
    readonly instanceType: string;
    readonly amiParameter: string;
    readonly amiId?: string;
    readonly stateBucketName?: string;
    readonly targets: Readonly<Record<string, TargetContract>>;
}

const STRING_FIELDS = ["partition", "region", "cicdAccountId", "namePrefix", "instanceType", "amiParameter"] as const;
const TARGET_FIELDS = [
    "name",
    "stackName",
    "accountId",
    "wave",
    "subnetId",
    "securityGroupId",
    "stateKey",
    "cfnStackName",
] as const;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Checks the `contract` output of a cicd stack. `legacy` is whether the stack has the outputs of
 * version 1 (`targets` without `contract`), for the message.
 */
export function checkContract(payload: unknown, cicdStack: string, legacy: boolean): CicdContract {
    const redeploy = `Run pulumi up on the cicd stack (${cicdStack}) with this version of the program first`;
    if (payload === undefined || payload === null) {
        throw new ConfigError(
            legacy
                ? `The cicd stack ${cicdStack} was deployed by an older version of this program (its outputs have no contract). ${redeploy}`
                : `The cicd stack ${cicdStack} has no output "contract". Deploy it first (pulumi up --stack cicd), or point ${PROJECT}:cicdStack at the right stack`,
        );
    }
    const bad = (what: string): never => {
        throw new ConfigError(
            `The cicd stack ${cicdStack} exports a contract this program cannot read: ${what}. ${redeploy}`,
        );
    };
    if (!isRecord(payload)) return bad("it is not an object");
    const version = payload.version;
    if (typeof version !== "number") return bad("it has no version");
    if (version > CONTRACT_VERSION) {
        throw new ConfigError(
            `The cicd stack ${cicdStack} was deployed by a newer version of this program (contract version ${version}; ` +
                `this one reads ${CONTRACT_VERSION}). Update this checkout before deploying the target`,
        );
    }
    if (version < CONTRACT_VERSION) {
        throw new ConfigError(
            `The cicd stack ${cicdStack} was deployed by an older version of this program (contract version ${version}; ` +
                `this one reads ${CONTRACT_VERSION}). ${redeploy}`,
        );
    }
    for (const f of STRING_FIELDS) if (typeof payload[f] !== "string") bad(`${f} is not a string`);
    if (!Array.isArray(payload.methods) || !payload.methods.every((m) => m === "terraform" || m === "cloudformation")) {
        bad("methods is not a list of terraform / cloudformation");
    }
    for (const f of ["amiId", "stateBucketName"] as const) {
        if (payload[f] !== undefined && typeof payload[f] !== "string") bad(`${f} is not a string`);
    }
    if (!isRecord(payload.targets)) return bad("targets is not an object");
    for (const [name, t] of Object.entries(payload.targets)) {
        if (!isRecord(t)) return bad(`targets.${name} is not an object`);
        for (const f of TARGET_FIELDS) if (typeof t[f] !== "string") bad(`targets.${name}.${f} is not a string`);
        if (!isRecord(t.roles) || !Object.values(t.roles).every((v) => typeof v === "string")) {
            bad(`targets.${name}.roles is not a map of strings`);
        }
    }
    return payload as unknown as CicdContract;
}
