import { expect } from "chai";
import { BUILD_ACTIONS, cloudFormationCommands, COMMANDS_LIMITS } from "../artifacts/cloudFormationCommands";
import { runCommands, substituteVariables } from "./helpers/shell";

const TARGET = "222222222222";
const commands = cloudFormationCommands({
    suffix: "",
    targetAccountId: TARGET,
    parametersFile: "cloudformation/parameters-default.json",
    templateFile: "cloudformation/template.yaml",
});
const variables = {
    TARGET_ROLE_ARN: `arn:aws:iam::${TARGET}:role/xacct-cloudformation-deploy`,
    BUILD_STACK_NAME: "xacct-workload-default",
    CFN_ROLE_ARN: `arn:aws:iam::${TARGET}:role/xacct-cloudformation-execution`,
};
const run = (action: string, env: Record<string, string> = {}) =>
    runCommands(substituteVariables(commands, { ...variables, BUILD_ACTION: action }), env);
const awsOps = (calls: string[]) =>
    calls
        .filter((c) => c.startsWith("aws cloudformation"))
        .map((c) =>
            c
                .split(" ")
                .slice(1, c.startsWith("aws cloudformation wait") ? 4 : 3)
                .join(" "),
        );

describe("Commands action shell (method 2)", () => {
    it("fits the action's limits: at most 50 commands, each one line of at most 1000 characters", () => {
        expect(commands.length).to.be.at.most(COMMANDS_LIMITS.maxCommands);
        for (const c of commands) {
            expect(c, c).to.not.include("\n");
            expect(c.length, c).to.be.at.most(COMMANDS_LIMITS.maxLength);
        }
    });
    it("takes target, stack, roles and action from the seed's pipeline variables, suffixed per target", () => {
        const text = commands.join("\n");
        for (const v of ["TARGET_ROLE_ARN", "BUILD_STACK_NAME", "CFN_ROLE_ARN", "BUILD_ACTION"])
            expect(text).to.include(`#{variables.${v}}`);
        const prod = cloudFormationCommands({
            suffix: "_PROD",
            targetAccountId: TARGET,
            parametersFile: "p.json",
            templateFile: "t.yaml",
        }).join("\n");
        expect(prod).to.include("#{variables.TARGET_ROLE_ARN_PROD}").and.include("#{variables.BUILD_ACTION}");
    });
    it("passes the execution role, the template, the parameters and only the needed capability on every stack operation", () => {
        for (const op of ["create-stack", "update-stack", "delete-stack"]) {
            const lines = commands.filter((c) => c.includes(`aws cloudformation ${op}`));
            expect(lines, op).to.not.be.empty;
            for (const l of lines) {
                const call = l.slice(l.indexOf(`aws cloudformation ${op}`));
                expect(call, op).to.include('--role-arn "$CFN_ROLE_ARN"');
            }
        }
        const create = commands.find((c) => c.includes("aws cloudformation create-stack"))!;
        expect(create)
            .to.include('--template-body "file://cloudformation/template.yaml"')
            .and.include('--parameters "file://cloudformation/parameters-default.json"')
            .and.include("--capabilities CAPABILITY_NAMED_IAM");
        expect(commands.join("\n")).to.not.include("CAPABILITY_AUTO_EXPAND");
    });

    describe("run in a shell against a recording stand-in for the aws CLI", () => {
        it("assumes the deploy role first, checks the account, then creates a new stack and waits for it", () => {
            const r = run("deploy");
            expect(r.status, r.stderr).to.equal(0);
            expect(r.calls[0]).to.equal(
                `aws sts assume-role --role-arn ${variables.TARGET_ROLE_ARN} --role-session-name codepipeline-cloudformation --query Credentials.[AccessKeyId,SecretAccessKey,SessionToken] --output text`,
            );
            expect(r.calls[1]).to.equal("aws sts get-caller-identity --query Account --output text");
            expect(awsOps(r.calls)).to.deep.equal([
                "cloudformation describe-stacks",
                "cloudformation create-stack",
                "cloudformation wait stack-create-complete",
            ]);
            expect(r.calls.find((c) => c.includes("create-stack"))).to.include(`--role-arn ${variables.CFN_ROLE_ARN}`);
        });
        it("updates an existing stack instead of failing on create (deploying twice works)", () => {
            for (const action of ["deploy", "create-stack", "update-stack"]) {
                const r = run(action, { STUB_STATUS: "CREATE_COMPLETE" });
                expect(r.status, r.stderr).to.equal(0);
                expect(awsOps(r.calls)).to.deep.equal([
                    "cloudformation describe-stacks",
                    "cloudformation update-stack",
                    "cloudformation wait stack-update-complete",
                ]);
            }
        });
        it("succeeds when there is nothing to update", () => {
            const r = run("deploy", { STUB_STATUS: "UPDATE_COMPLETE", STUB_UPDATE: "noop" });
            expect(r.status, r.stderr).to.equal(0);
            expect(r.stdout).to.include("is up to date");
            expect(awsOps(r.calls)).to.deep.equal(["cloudformation describe-stacks", "cloudformation update-stack"]);
        });
        it("fails the action when the stack rolls back, and prints the failed events", () => {
            const r = run("deploy", { STUB_WAIT: "fail" });
            expect(r.status).to.not.equal(0);
            expect(r.stderr).to.include("Creating xacct-workload-default failed").and.include("CREATE_FAILED");
            expect(awsOps(r.calls)).to.include("cloudformation describe-stack-events");
        });
        it("fails the action when an update is refused for another reason", () => {
            const r = run("deploy", { STUB_STATUS: "UPDATE_COMPLETE", STUB_UPDATE: "fail" });
            expect(r.status).to.not.equal(0);
            expect(r.stderr).to.include("update failed");
        });
        it("removes a failed first create (ROLLBACK_COMPLETE) before creating again", () => {
            const r = run("deploy", { STUB_STATUS: "ROLLBACK_COMPLETE" });
            expect(r.status, r.stderr).to.equal(0);
            expect(awsOps(r.calls)).to.deep.equal([
                "cloudformation describe-stacks",
                "cloudformation delete-stack",
                "cloudformation wait stack-delete-complete",
                "cloudformation create-stack",
                "cloudformation wait stack-create-complete",
            ]);
        });
        it("deletes the stack with delete-stack, through the execution role, and waits", () => {
            const r = run("delete-stack", { STUB_STATUS: "CREATE_COMPLETE" });
            expect(r.status, r.stderr).to.equal(0);
            expect(awsOps(r.calls)).to.deep.equal([
                "cloudformation describe-stacks",
                "cloudformation delete-stack",
                "cloudformation wait stack-delete-complete",
            ]);
            expect(r.calls.find((c) => c.includes("delete-stack"))).to.include(`--role-arn ${variables.CFN_ROLE_ARN}`);
        });
        it("treats deleting a missing stack as done", () => {
            const r = run("delete-stack");
            expect(r.status, r.stderr).to.equal(0);
            expect(awsOps(r.calls)).to.deep.equal(["cloudformation describe-stacks"]);
        });
        it("refuses a stack that is busy", () => {
            const r = run("deploy", { STUB_STATUS: "UPDATE_IN_PROGRESS" });
            expect(r.status).to.not.equal(0);
            expect(r.stderr).to.include("is busy (UPDATE_IN_PROGRESS)");
        });
        it("refuses an unknown BUILD_ACTION before assuming any role", () => {
            const r = run("destroy");
            expect(r.status).to.not.equal(0);
            expect(r.stderr).to.include(`BUILD_ACTION must be one of ${BUILD_ACTIONS.join(", ")}; got 'destroy'`);
            expect(r.calls).to.deep.equal([]);
        });
        it("stops with a hint when the deploy role cannot be assumed (target stack not deployed yet)", () => {
            const r = run("deploy", { STUB_ASSUME: "fail" });
            expect(r.status).to.not.equal(0);
            expect(r.stderr).to.include("Has the target stack been deployed");
            expect(awsOps(r.calls)).to.deep.equal([]);
        });
        it("stops when the assumed credentials are for another account", () => {
            const r = run("deploy", { STUB_ACCOUNT: "999999999999" });
            expect(r.status).to.not.equal(0);
            expect(r.stderr).to.include(`Expected account ${TARGET}, running as 999999999999`);
            expect(awsOps(r.calls)).to.deep.equal([]);
        });
    });
});
