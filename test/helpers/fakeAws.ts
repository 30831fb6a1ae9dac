// A small, stateful model of the AWS APIs the pipeline's step scripts call, behind the aws stand-in
// (pipelineStub.ts): STS with trust, CodePipeline's run record, S3 uploads, SNS, SSM, and the
// CloudFormation stack life cycle with change sets and drift. Responses have the documented shapes
// of the APIs (AWS API Reference), so the scripts' --query expressions are evaluated for real.
import { awsRespond, fail, flag, Handler, ok, readFileArg, StubCall, StubReply, StubRun } from "./pipelineStub";

export interface ActionExecution {
    readonly stageName: string;
    readonly actionName: string;
    readonly status: "Succeeded" | "Failed" | "InProgress";
    readonly lastUpdateTime: string;
    readonly outputVariables: Record<string, string>;
}

export interface ChangeSetState {
    name: string;
    id: string;
    type: "CREATE" | "UPDATE";
    status: "CREATE_COMPLETE" | "FAILED";
    executionStatus: "AVAILABLE" | "UNAVAILABLE" | "EXECUTE_COMPLETE";
    statusReason?: string;
    changes: unknown[];
    parameters: unknown[];
}

export interface World {
    account: string;
    /** Role ARN → the identities ("build", or a role ARN) it trusts. */
    trusts: Record<string, string[]>;
    /** The pipeline-level variables this execution resolved. */
    runVariables: Record<string, string>;
    actionExecutions: ActionExecution[];
    uploads: Record<string, string>;
    messages: { topic: string; subject: string; message: string }[];
    amiParameter: Record<string, string>;
    stack: {
        /** NONE: does not exist. */
        status: string;
        /** An error other than "does not exist" for describe-stacks. */
        describeError?: string;
        resources: {
            LogicalResourceId: string;
            PhysicalResourceId: string;
            ResourceType: string;
            ResourceStatus: string;
        }[];
        changeSets: ChangeSetState[];
        /** What the next created change set holds; an empty list makes it fail with "didn't contain changes". */
        nextChanges: unknown[];
        /** The outcome of the waits. */
        waitCreate: "ok" | "fail";
        waitStack: "ok" | "fail";
        drift: {
            LogicalResourceId: string;
            ResourceType: string;
            StackResourceDriftStatus: string;
            PropertyDifferences?: unknown[];
        }[];
        executed: string[];
        deleted: boolean;
    };
}

const CHANGE_SET_UUID = "11111111-2222-4333-8444-555555555555";
const accountOf = (arn: string): string => arn.split(":")[4];

export function newWorld(account: string): World {
    return {
        account,
        trusts: {},
        runVariables: {},
        actionExecutions: [],
        uploads: {},
        messages: [],
        amiParameter: {},
        stack: {
            status: "NONE",
            resources: [],
            changeSets: [],
            nextChanges: [],
            waitCreate: "ok",
            waitStack: "ok",
            drift: [],
            executed: [],
            deleted: false,
        },
    };
}

function sts(call: StubCall, run: StubRun, world: World): StubReply | undefined {
    const op = call.args[1];
    if (op === "assume-role") {
        const role = flag(call.args, "--role-arn")!;
        const trusted = world.trusts[role] ?? [];
        if (!trusted.includes(call.identity)) {
            return fail(
                `An error occurred (AccessDenied) when calling the AssumeRole operation: ${call.identity} is not authorized to perform: sts:AssumeRole on resource: ${role}`,
            );
        }
        const key = `ASIA${String(run.keys.size + 1).padStart(16, "0")}`;
        run.keys.set(key, role);
        return awsRespond(call.args, {
            Credentials: { AccessKeyId: key, SecretAccessKey: "secret", SessionToken: "token" },
        });
    }
    if (op === "get-caller-identity") {
        const account = call.identity.startsWith("arn:") ? accountOf(call.identity) : "111111111111";
        return awsRespond(call.args, { Account: account, Arn: call.identity, UserId: "AROAEXAMPLE:session" });
    }
    return undefined;
}

function codepipeline(call: StubCall, world: World): StubReply | undefined {
    const op = call.args[1];
    if (op === "get-pipeline-execution") {
        return awsRespond(call.args, {
            pipelineExecution: {
                pipelineName: flag(call.args, "--pipeline-name"),
                pipelineExecutionId: flag(call.args, "--pipeline-execution-id"),
                status: "InProgress",
                variables: Object.entries(world.runVariables).map(([name, resolvedValue]) => ({ name, resolvedValue })),
            },
        });
    }
    if (op === "list-action-executions") {
        const id = (flag(call.args, "--filter") ?? "").replace(/^pipelineExecutionId=/, "");
        return awsRespond(call.args, {
            actionExecutionDetails: world.actionExecutions.map((a) => ({
                pipelineExecutionId: id,
                stageName: a.stageName,
                actionName: a.actionName,
                status: a.status,
                startTime: a.lastUpdateTime,
                lastUpdateTime: a.lastUpdateTime,
                input: {},
                output: { outputVariables: a.outputVariables },
            })),
        });
    }
    return undefined;
}

function cloudformation(call: StubCall, world: World): StubReply | undefined {
    const s = world.stack;
    const op = call.args[1];
    const name = flag(call.args, "--stack-name");
    const csName = flag(call.args, "--change-set-name");
    const missing = (): StubReply =>
        fail(
            `An error occurred (ValidationError) when calling the DescribeStacks operation: Stack with id ${name} does not exist`,
        );
    const changeSetOf = (n: string | undefined) => s.changeSets.find((c) => c.name === n || c.id === n);
    switch (op) {
        case "describe-stacks":
            if (s.describeError !== undefined) return fail(s.describeError);
            return s.status === "NONE"
                ? missing()
                : awsRespond(call.args, { Stacks: [{ StackName: name, StackStatus: s.status }] });
        case "list-change-sets":
            return awsRespond(call.args, {
                Summaries: s.changeSets.map((c) => ({ ChangeSetName: c.name, ChangeSetId: c.id })),
            });
        case "delete-change-set":
            s.changeSets = s.changeSets.filter((c) => c.name !== csName);
            return ok();
        case "create-change-set": {
            const type = flag(call.args, "--change-set-type") as "CREATE" | "UPDATE";
            if (type === "UPDATE" && (s.status === "NONE" || s.status === "REVIEW_IN_PROGRESS"))
                return fail("UPDATE on a stack that does not exist");
            const params = JSON.parse(readFileArg(call, flag(call.args, "--parameters"))) as unknown[];
            const empty = s.nextChanges.length === 0;
            const cs: ChangeSetState = {
                name: csName!,
                id: `arn:aws:cloudformation:eu-west-1:${world.account}:changeSet/${csName}/${CHANGE_SET_UUID}`,
                type,
                status: empty ? "FAILED" : "CREATE_COMPLETE",
                executionStatus: empty ? "UNAVAILABLE" : "AVAILABLE",
                ...(empty
                    ? {
                          statusReason:
                              "The submitted information didn't contain changes. Submit different information to create a change set.",
                      }
                    : {}),
                changes: s.nextChanges,
                parameters: params,
            };
            s.changeSets.push(cs);
            if (type === "CREATE" && s.status === "NONE") s.status = "REVIEW_IN_PROGRESS";
            return awsRespond(call.args, {
                Id: cs.id,
                StackId: `arn:aws:cloudformation:eu-west-1:${world.account}:stack/${name}/x`,
            });
        }
        case "describe-change-set": {
            const cs = changeSetOf(csName);
            if (cs === undefined)
                return fail(
                    `An error occurred (ChangeSetNotFound) when calling the DescribeChangeSet operation: ChangeSet [${csName}] does not exist`,
                );
            return awsRespond(call.args, {
                ChangeSetName: cs.name,
                ChangeSetId: cs.id,
                StackId: `arn:aws:cloudformation:eu-west-1:${world.account}:stack/${name}/x`,
                StackName: name,
                Parameters: cs.parameters,
                CreationTime: "2026-11-28T10:00:00Z",
                ExecutionStatus: cs.executionStatus,
                Status: cs.status,
                ...(cs.statusReason !== undefined ? { StatusReason: cs.statusReason } : {}),
                Changes: cs.changes,
            });
        }
        case "execute-change-set": {
            const cs = changeSetOf(csName);
            if (cs === undefined) return fail("ChangeSetNotFound");
            s.executed.push(cs.id);
            cs.executionStatus = "EXECUTE_COMPLETE";
            s.status =
                s.waitStack === "ok"
                    ? cs.type === "CREATE"
                        ? "CREATE_COMPLETE"
                        : "UPDATE_COMPLETE"
                    : "UPDATE_ROLLBACK_COMPLETE";
            return ok();
        }
        case "wait": {
            const what = call.args[2];
            if (what === "change-set-create-complete") {
                const cs = changeSetOf(csName);
                return cs?.status === "CREATE_COMPLETE" && s.waitCreate === "ok"
                    ? ok()
                    : fail("Waiter ChangeSetCreateComplete failed: Waiter encountered a terminal failure state", 255);
            }
            return s.waitStack === "ok" ? ok() : fail(`Waiter ${what} failed: terminal failure state`, 255);
        }
        case "describe-stack-events":
            return awsRespond(call.args, {
                StackEvents: [
                    {
                        Timestamp: "t",
                        LogicalResourceId: "Instance",
                        ResourceStatus: "CREATE_FAILED",
                        ResourceStatusReason: "not authorized",
                    },
                ],
            });
        case "describe-stack-resources":
            return awsRespond(call.args, { StackResources: s.resources });
        case "delete-stack":
            s.deleted = true;
            s.status = "NONE";
            return ok();
        case "detect-stack-drift":
            return awsRespond(call.args, { StackDriftDetectionId: "drift-1" });
        case "describe-stack-drift-detection-status":
            return awsRespond(call.args, {
                StackDriftDetectionId: "drift-1",
                DetectionStatus: "DETECTION_COMPLETE",
                StackDriftStatus: s.drift.length > 0 ? "DRIFTED" : "IN_SYNC",
            });
        case "describe-stack-resource-drifts":
            return awsRespond(call.args, { StackResourceDrifts: s.drift });
    }
    return undefined;
}

/** The aws stand-in over a world. */
export function fakeAws(world: World): Handler {
    return (call, run) => {
        const service = call.args[0];
        if (service === "sts") return sts(call, run, world);
        if (service === "codepipeline") return codepipeline(call, world);
        if (service === "cloudformation") return cloudformation(call, world);
        if (service === "s3" && call.args[1] === "cp") {
            const [src, dst] = call.args.slice(2);
            world.uploads[dst] = readFileArg(call, `file://${src}`);
            return ok();
        }
        if (service === "sns" && call.args[1] === "publish") {
            world.messages.push({
                topic: flag(call.args, "--topic-arn")!,
                subject: flag(call.args, "--subject")!,
                message: readFileArg(call, flag(call.args, "--message")),
            });
            return awsRespond(call.args, { MessageId: "m-1" });
        }
        if (service === "ssm" && call.args[1] === "get-parameter") {
            const value = world.amiParameter[flag(call.args, "--name")!];
            return value === undefined
                ? fail("ParameterNotFound")
                : awsRespond(call.args, { Parameter: { Value: value } });
        }
        return undefined;
    };
}
