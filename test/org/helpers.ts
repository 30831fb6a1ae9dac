/**
 * Running the `org` stack under the Pulumi mocks, with a real cicd run's outputs behind its
 * StackReference, and reading its StackSet template back the way CloudFormation would.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../config";
import { runStack } from "../../stacks";
import { CapturedRole, PolicyDoc } from "../../tools/offline/iam/capture";
import { RecordingMocks, resolveOutputs, settle, useMocks } from "../../tools/offline/mocks";
import { CICD_STACK, CicdRun, readerOf } from "../../tools/offline/program";

/** The management account that runs `pulumi up` on the org stack. */
export const MANAGEMENT_ACCOUNT = "999999999999";
export const OU_A = "ou-ab12-cdef3456";
export const OU_B = "ou-ab12-0000aaaa";
export const STACK_SET = "aws:cloudformation/stackSet:StackSet";
export const STACK_SET_INSTANCE = "aws:cloudformation/stackSetInstance:StackSetInstance";
export const COMPONENT = "cross-account-pipeline:org:OrganizationStackSet";

/** The org stack's config: one OU in the cicd stack's region unless overridden (undefined removes a key). */
export function orgConfig(overrides: Record<string, string | undefined> = {}): Record<string, string> {
    const base: Record<string, string | undefined> = {
        "aws:region": "eu-west-1",
        "cross-account-pipeline:organizationalUnitIds": OU_A,
        ...overrides,
    };
    return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

/** Resource options the mocks do not show (newResource sees inputs only), captured from the requests. */
export interface RecordedOptions {
    readonly deleteBeforeReplace: boolean;
    readonly ignoreChanges: readonly string[];
}

export interface OrgRun {
    readonly mocks: RecordingMocks;
    readonly outputs: Record<string, any>;
    readonly options: ReadonlyMap<string, RecordedOptions>;
}

async function orgMocks(stackOutputs: Record<string, unknown>): Promise<{
    mocks: RecordingMocks;
    options: Map<string, RecordedOptions>;
}> {
    const mocks = await useMocks("org", {
        accountId: MANAGEMENT_ACCOUNT,
        stackOutputs: { [CICD_STACK]: stackOutputs },
    });
    const options = new Map<string, RecordedOptions>();
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource: (
            req: {
                getType(): string;
                getName(): string;
                getDeletebeforereplace(): boolean;
                getIgnorechangesList(): string[];
            },
            cb: unknown,
        ) => unknown;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        options.set(`${req.getType()}::${req.getName()}`, {
            deleteBeforeReplace: req.getDeletebeforereplace(),
            ignoreChanges: req.getIgnorechangesList(),
        });
        return register(req, cb);
    };
    return { mocks, options };
}

/** Runs the org stack with the cicd run's real outputs (or any outputs) behind its StackReference. */
export async function runOrg(cicd: CicdRun | Record<string, unknown>, config: Record<string, string>): Promise<OrgRun> {
    const outputs = "mocks" in cicd ? (cicd as CicdRun).outputs : cicd;
    const { mocks, options } = await orgMocks(outputs);
    const result = await resolveOutputs(await runStack("org", readerOf(config)));
    await settle(mocks);
    return { mocks, outputs: result, options };
}

/** Runs the org stack expecting a refusal: the ConfigError's message, and the AWS resources declared. */
export async function refusal(
    cicdOutputs: Record<string, unknown>,
    config: Record<string, string>,
): Promise<{ message: string; awsResources: string[] }> {
    const { mocks } = await orgMocks(cicdOutputs);
    let error: unknown;
    try {
        await runStack("org", readerOf(config));
    } catch (e) {
        error = e;
    }
    await settle(mocks);
    if (!(error instanceof ConfigError)) {
        throw new Error(`expected a ConfigError, got ${error instanceof Error ? error.stack : String(error)}`);
    }
    return {
        message: error.message,
        awsResources: mocks.resources.filter((r) => r.type.startsWith("aws:")).map((r) => `${r.type}::${r.name}`),
    };
}

/**
 * What CloudFormation makes of a template value in one account: `Fn::Sub` fills in `${AWS::AccountId}`
 * and turns `${!x}` into `${x}`; any other `${...}` would be a template error, and so is any intrinsic
 * but Fn::Sub (the role documents use no other).
 */
export function resolveIn(value: unknown, accountId: string): any {
    if (Array.isArray(value)) return value.map((v) => resolveIn(v, accountId));
    if (value === null || typeof value !== "object") return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1 && (entries[0][0] === "Ref" || entries[0][0].startsWith("Fn::"))) {
        const [fn, arg] = entries[0];
        if (fn !== "Fn::Sub" || typeof arg !== "string")
            throw new Error(`resolveIn: unexpected ${fn} ${JSON.stringify(arg)}`);
        return arg.replace(/\$\{([^}]*)\}/g, (_all, name: string) => {
            if (name === "AWS::AccountId") return accountId;
            if (name.startsWith("!")) return `\${${name.slice(1)}}`;
            throw new Error(`resolveIn: Fn::Sub would fail on \${${name}} in ${arg}`);
        });
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolveIn(v, accountId)]));
}

/** The template's roles as one account's stack instance creates them, in the IAM model's form. */
export function templateRoles(template: Record<string, any>, accountId: string, partition = "aws"): CapturedRole[] {
    return Object.entries(template.Resources as Record<string, any>)
        .filter(([, r]) => r.Type === "AWS::IAM::Role")
        .map(([logicalId, r]) => {
            const props = resolveIn(r.Properties, accountId);
            const name = props.RoleName as string;
            return {
                stack: "org",
                accountId,
                resourceName: logicalId,
                name,
                arn: `arn:${partition}:iam::${accountId}:role/${name}`,
                trust: props.AssumeRolePolicyDocument as PolicyDoc,
                policies: ((props.Policies ?? []) as { PolicyName: string; PolicyDocument: PolicyDoc }[]).map((p) => ({
                    name: p.PolicyName,
                    policy: p.PolicyDocument,
                })),
            };
        });
}
