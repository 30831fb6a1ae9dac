// aws-quotas (policypack/quotas.ts): the program's own limits (quotas.ts) at preview time, with the
// program's messages, on doctored copies of its pipelines, roles and bucket policies.
import { expect } from "chai";
import { parseCicdConfig } from "../../config";
import { pipelineLike } from "../../policypack/quotas";
import { bucketPolicyUsage, pipelineUsages, quotaMessage, QUOTAS, roleUsages, Usage } from "../../quotas";
import { buildCicdModel } from "../../stacks/cicdModel";
import { readerOf } from "../../tools/offline/program";
import {
    action,
    bySid,
    check,
    CICD_ACCOUNT,
    copy,
    editDocument,
    fleet as fleetConfig,
    mutate,
    phys,
    programStacks,
    Res,
    T,
    UNKNOWN,
    VIEWS,
} from "./helpers";

const rule = "aws-quotas";
const withoutHint = (u: Usage): Usage => ({ quota: u.quota, subject: u.subject, used: u.used });
/** Usages in a stable order (the engine serializes configuration keys sorted). */
const sorted = (us: Usage[]): string[] => us.map((u) => JSON.stringify(withoutHint(u))).sort();

describe("policy pack: aws-quotas", function () {
    let cicd: Res[];
    let target: Res[];
    let fleet: Res[];
    before(async function () {
        this.timeout(120_000);
        ({ cicd, target, fleet } = await programStacks());
    });
    const cfn = (change: (i: Record<string, any>) => void): Res[] =>
        mutate(fleet, T.pipeline, phys("xacct-cloudformation"), change);

    it("reads each recorded pipeline as the program's model declares it: the same usages, whatever the view", async function () {
        const model = buildCicdModel({
            config: parseCicdConfig(readerOf(fleetConfig())),
            partition: "aws",
            accountId: CICD_ACCOUNT,
            callerArn: `arn:aws:sts::${CICD_ACCOUNT}:assumed-role/deployer/session`,
        });
        expect(model.pipelines).to.have.length(4);
        for (const spec of model.pipelines) {
            const recorded = fleet.find((r) => r.type === T.pipeline && r.inputs.name === spec.name)!;
            expect(sorted(pipelineUsages(pipelineLike(spec.name, recorded.inputs))), spec.name).to.deep.equal(
                sorted(pipelineUsages(spec)),
            );
        }
        for (const [name, resources] of Object.entries({ cicd, target, fleet })) {
            for (const view of VIEWS)
                expect(await check(rule, resources, { view }), `${name} ${view}`).to.deep.equal([]);
        }
    });

    it("reports too many stages, actions in a stage, and variables, with quotas.ts' message", async function () {
        const doctored = cfn((i) => {
            const plan = i.stages.find((s: any) => s.name === "Plan-dev");
            while (i.stages.length < 51) i.stages.push({ ...copy(plan), name: `Extra-${i.stages.length}` });
            const approve = i.stages.find((s: any) => s.name === "Approve-prod");
            while (approve.actions.length < 51)
                approve.actions.push({ ...copy(approve.actions[0]), name: `A${approve.actions.length}` });
            while (i.variables.length < 51) i.variables.push({ ...i.variables[0], name: `V${i.variables.length}` });
        });
        expect(await check(rule, doctored)).to.deep.equal([
            quotaMessage({ quota: "stagesPerPipeline", subject: "pipeline xacct-cloudformation", used: 51 }),
            quotaMessage({ quota: "variablesPerPipeline", subject: "pipeline xacct-cloudformation", used: 51 }),
            quotaMessage({
                quota: "actionsPerStage",
                subject: "stage Approve-prod of pipeline xacct-cloudformation",
                used: 51,
            }),
        ]);
        expect(
            quotaMessage({ quota: "stagesPerPipeline", subject: "pipeline xacct-cloudformation", used: 51 }),
        ).to.equal(
            `pipeline xacct-cloudformation needs 51 stages; CodePipeline allows at most 50 stages per pipeline (${QUOTAS.stagesPerPipeline.url})`,
        );
    });

    it("reports a Commands action with too many commands or a command too long, counting unknown commands", async function () {
        const doctored = cfn((i) => {
            const plan = action(i, "Plan-dev", "Plan-dev");
            plan.commands[2] = `${plan.commands[2]} ${"x".repeat(1000)}`;
            const apply = action(i, "Apply-dev", "Apply-dev");
            while (apply.commands.length < 50) apply.commands.push("true");
            apply.commands.push(UNKNOWN);
        });
        const long = action(
            doctored.find((r) => r.inputs.name === "xacct-cloudformation")!.inputs,
            "Plan-dev",
            "Plan-dev",
        ).commands[2];
        for (const view of ["mocks", "preview"] as const) {
            expect(await check(rule, doctored, { view }), view).to.deep.equal([
                quotaMessage({
                    quota: "commandLength",
                    subject: "command 3 of action Plan-dev/Plan-dev of pipeline xacct-cloudformation",
                    used: long.length,
                }),
                quotaMessage({
                    quota: "commandsPerAction",
                    subject: "action Apply-dev/Apply-dev of pipeline xacct-cloudformation",
                    used: 51,
                }),
            ]);
        }
    });

    it("reports an action configuration value over 1,000 characters; skips an unknown value and unknown stages", async function () {
        const doctored = mutate(fleet, T.pipeline, phys("xacct-terraform"), (i) => {
            action(i, "Approve-prod", "Approve").configuration.CustomData = "y".repeat(1001);
        });
        expect(await check(rule, doctored)).to.deep.equal([
            quotaMessage({
                quota: "actionConfigurationValue",
                subject: "CustomData of action Approve-prod/Approve of pipeline xacct-terraform",
                used: 1001,
            }),
        ]);
        const unknown = mutate(doctored, T.pipeline, phys("xacct-terraform"), (i) => {
            action(i, "Approve-prod", "Approve").configuration.CustomData = UNKNOWN;
        });
        expect(await check(rule, unknown)).to.deep.equal([]);
        expect(
            await check(
                rule,
                cfn((i) => (i.stages = UNKNOWN)),
                { view: "preview" },
            ),
        ).to.deep.equal([]);
    });

    it("reports a role's trust policy over 2,048 characters, and inline policies over 10,240 together", async function () {
        const conditions = Array.from(
            { length: 60 },
            (_, n) => `arn:aws:iam::${CICD_ACCOUNT}:role/xacct-tf-apply-3000000000${n}`,
        );
        const bigTrust = mutate(
            target,
            T.role,
            phys("xacct-terraform-deploy"),
            editDocument("assumeRolePolicy", (d) => {
                d.Statement[0].Condition.ArnEquals["aws:PrincipalArn"] = conditions;
            }),
        );
        const role = bigTrust.find((r) => r.inputs.name === "xacct-terraform-deploy")!;
        const policies = bigTrust
            .filter((r) => r.type === T.rolePolicy && r.inputs.role === "xacct-terraform-deploy")
            .map((r) => r.inputs.policy);
        const [trustUsage] = roleUsages("xacct-terraform-deploy", role.inputs.assumeRolePolicy, policies);
        expect(trustUsage.used).to.be.greaterThan(2048);
        for (const view of VIEWS)
            expect(await check(rule, bigTrust, { view }), view).to.deep.equal([quotaMessage(trustUsage)]);

        // Two RolePolicies of one role, neither over the limit alone: together they are.
        const padding = (sid: string) =>
            editDocument("policy", (d) =>
                d.Statement.push({ Sid: sid, Effect: "Deny", Action: "s3:GetObject", Resource: "x".repeat(5000) }),
            );
        const twoBig = mutate(
            mutate(target, T.rolePolicy, bySid("LockOwnState"), padding("PadA")),
            T.rolePolicy,
            bySid("KeepImdsV2Required"),
            padding("PadB"),
        );
        const inline = twoBig
            .filter((r) => r.type === T.rolePolicy && r.inputs.role === "xacct-terraform-deploy")
            .map((r) => r.inputs.policy);
        const [, inlineUsage] = roleUsages("xacct-terraform-deploy", role.inputs.assumeRolePolicy, inline);
        expect(inlineUsage.used).to.be.greaterThan(10240);
        for (const view of VIEWS)
            expect(await check(rule, twoBig, { view }), view).to.deep.equal([quotaMessage(inlineUsage)]);
    });

    it("reports a bucket policy over 20 KB, naming the bucket in every view", async function () {
        const big = mutate(
            cicd,
            T.bucketPolicy,
            "terraform-state-policy",
            editDocument("policy", (d) => {
                d.Statement[1].Condition.ArnNotLike["aws:PrincipalArn"].push(
                    ...Array.from({ length: 400 }, (_, n) => `arn:aws:iam::${CICD_ACCOUNT}:role/break-glass-${n}`),
                );
            }),
        );
        const policy = big.find((r) => r.name === "terraform-state-policy")!.inputs.policy;
        const usage = bucketPolicyUsage("xacct-tfstate-111111111111-eu-west-1", policy);
        expect(usage.used).to.be.greaterThan(20 * 1024);
        for (const view of VIEWS) expect(await check(rule, big, { view }), view).to.deep.equal([quotaMessage(usage)]);
    });
});
