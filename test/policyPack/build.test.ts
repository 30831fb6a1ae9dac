// Build and logs rules (policypack/build.ts, policypack/logs.ts) on doctored copies of the program's
// CodeBuild projects, pipeline actions and log groups, with their default and configured thresholds.
import { expect } from "chai";
import { action, check, mutate, phys, programStacks, Res, T } from "./helpers";

describe("policy pack: build and logs", function () {
    let cicd: Res[];
    let fleet: Res[];
    before(async function () {
        this.timeout(120_000);
        ({ cicd, fleet } = await programStacks());
    });
    const project = (change: (i: Record<string, any>) => Record<string, any> | void): Res[] =>
        mutate(cicd, T.project, phys("xacct-tf-plan-default"), change);

    describe("codebuild-not-privileged", function () {
        it("reports privilegedMode", async function () {
            const vs = await check(
                "codebuild-not-privileged",
                project((i) => {
                    i.environment.privilegedMode = true;
                }),
            );
            expect(vs).to.deep.equal(["Project xacct-tf-plan-default sets environment.privilegedMode: true"]);
        });
    });

    describe("codebuild-build-timeout (config maxMinutes)", function () {
        const rule = "codebuild-build-timeout";
        const timeout = (buildTimeout: number): Res[] => project((i) => ({ ...i, buildTimeout }));
        it("by default, reports a missing buildTimeout or one over 60 minutes (role chaining's hour)", async function () {
            expect(cicd.find((r) => r.type === T.project)!.inputs.buildTimeout).to.equal(60);
            const unset = project((i) => {
                delete i.buildTimeout;
            });
            expect(await check(rule, unset)).to.deep.equal([
                "Project xacct-tf-plan-default has no buildTimeout; set one (at most 60 minutes)",
            ]);
            expect(await check(rule, timeout(61))).to.deep.equal([
                "Project xacct-tf-plan-default has buildTimeout 61; at most 60 minutes",
            ]);
            expect(await check(rule, timeout(60))).to.deep.equal([]);
        });
        it("takes a configured maximum, and the default for a value outside 5..2160", async function () {
            const config = { maxMinutes: 120 };
            expect(await check(rule, timeout(90), { config })).to.deep.equal([]);
            expect(await check(rule, timeout(121), { config })).to.deep.equal([
                "Project xacct-tf-plan-default has buildTimeout 121; at most 120 minutes",
            ]);
            expect(await check(rule, timeout(45), { config: { maxMinutes: 30 } })).to.deep.equal([
                "Project xacct-tf-plan-default has buildTimeout 45; at most 30 minutes",
                "Project xacct-tf-apply-default has buildTimeout 60; at most 30 minutes",
            ]);
            expect(await check(rule, timeout(61), { config: { maxMinutes: 3 } })).to.deep.equal([
                "Project xacct-tf-plan-default has buildTimeout 61; at most 60 minutes",
            ]);
        });
    });

    describe("codebuild-no-plaintext-secrets", function () {
        const rule = "codebuild-no-plaintext-secrets";
        const withVar = (v: { name: string; value: string; type?: string }) =>
            project((i) => {
                i.environment.environmentVariables.push(v);
            });
        it("reports secret-named PLAINTEXT variables (explicit or default type) in the project", async function () {
            for (const v of [
                { name: "GITHUB_TOKEN", value: "x", type: "PLAINTEXT" },
                { name: "DB_PASSWORD", value: "hunter2" },
                { name: "AWS_SECRET_ACCESS_KEY", value: "abc", type: "PLAINTEXT" },
                { name: "API_KEY", value: "abc", type: "PLAINTEXT" },
            ]) {
                const vs = await check(rule, withVar(v));
                expect(vs, v.name).to.have.length(1);
                expect(vs[0]).to.contain(`Project environment variable ${v.name}: the name says it is a secret`);
            }
        });
        it("reports a credential-looking value whatever the name", async function () {
            const vs = await check(
                rule,
                withVar({ name: "DEPLOY_ID", value: "AKIAIOSFODNN7EXAMPLE", type: "PLAINTEXT" }),
            );
            expect(vs).to.have.length(1);
            expect(vs[0]).to.contain("DEPLOY_ID: its value looks like a credential");
        });
        it("allows secret references and harmless names (TF_SHA256, *_KEY object keys)", async function () {
            for (const v of [
                { name: "GITHUB_TOKEN", value: "ci/github-token", type: "SECRETS_MANAGER" },
                { name: "DB_PASSWORD", value: "/ci/db-password", type: "PARAMETER_STORE" },
                {
                    name: "API_TOKEN_ARN",
                    value: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:t",
                    type: "PLAINTEXT",
                },
                { name: "SOURCE_KEY", value: "source/workload.zip", type: "PLAINTEXT" },
            ]) {
                expect(await check(rule, withVar(v)), v.name).to.deep.equal([]);
            }
        });
        it("reports a secret in a pipeline CodeBuild action's EnvironmentVariables", async function () {
            const doctored = mutate(cicd, T.pipeline, phys("xacct-terraform"), (i) => {
                const a = action(i, "Plan", "Plan");
                const vars = JSON.parse(a.configuration.EnvironmentVariables);
                vars.push({ name: "TF_VAR_db_password", value: "hunter2", type: "PLAINTEXT" });
                a.configuration.EnvironmentVariables = JSON.stringify(vars);
            });
            const vs = await check(rule, doctored);
            expect(vs).to.have.length(1);
            expect(vs[0]).to.match(
                /^Pipeline xacct-terraform, stage Plan, action Plan: environment variable TF_VAR_db_password: the name says it is a secret/,
            );
        });
        it("reads a Commands action's exports (the program's pass), and reports a secret among them", async function () {
            const plan = action(
                fleet.find((r) => r.inputs.name === "xacct-cloudformation")!.inputs,
                "Plan-prod",
                "Plan-prod-a",
            );
            expect(plan.commands.join("\n")).to.match(/export TARGET_NAME='prod-a' .* TOPIC_ARN='arn:aws:sns:/);
            expect(plan.commands.join("\n")).to.contain("PLAN_SHA256=$(cat ");
            expect(await check(rule, fleet)).to.deep.equal([]);
            const doctored = mutate(fleet, T.pipeline, phys("xacct-cloudformation"), (i) => {
                const a = action(i, "Plan-prod", "Plan-prod-a");
                a.commands[2] = `${a.commands[2]} DB_PASSWORD='hunter2'`;
            });
            expect(await check(rule, doctored)).to.deep.equal([
                "Pipeline xacct-cloudformation, stage Plan-prod, action Plan-prod-a: command 3 sets DB_PASSWORD: the name says it is a secret; " +
                    "it is plain text in the pipeline definition: use type SECRETS_MANAGER or PARAMETER_STORE",
            ]);
            const fetched = mutate(fleet, T.pipeline, phys("xacct-cloudformation"), (i) => {
                action(i, "Plan-prod", "Plan-prod-a").commands.push(
                    "DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id db --query SecretString --output text)",
                );
            });
            expect(await check(rule, fetched), "a value the command reads at run time").to.deep.equal([]);
        });
    });

    describe("cloudwatch-log-group-retention (config minRetentionDays)", function () {
        const rule = "cloudwatch-log-group-retention";
        const group = (name: string, change: (i: Record<string, any>) => Record<string, any> | void): Res[] =>
            mutate(cicd, T.logGroup, phys(name), change);
        it("reports a log group without retention, or retention 0", async function () {
            const unset = group("/aws/codebuild/xacct-terraform", (i) => {
                delete i.retentionInDays;
            });
            expect(await check(rule, unset)).to.deep.equal([
                "Log group /aws/codebuild/xacct-terraform has no retentionInDays: its logs never expire",
            ]);
            const zero = group("/aws/codepipeline/xacct-cloudformation", (i) => ({ ...i, retentionInDays: 0 }));
            expect(await check(rule, zero)).to.deep.equal([
                "Log group /aws/codepipeline/xacct-cloudformation has retentionInDays 0: its logs never expire",
            ]);
        });
        it("accepts any period by default, and reports groups under a configured minimum", async function () {
            expect(cicd.filter((r) => r.type === T.logGroup).map((r) => r.inputs.retentionInDays)).to.satisfy(
                (d: number[]) => d.every((x) => x === 30),
            );
            const short = group("/aws/codebuild/xacct-terraform", (i) => ({ ...i, retentionInDays: 1 }));
            expect(await check(rule, short)).to.deep.equal([]);
            expect(await check(rule, cicd, { config: { minRetentionDays: 30 } })).to.deep.equal([]);
            const vs = await check(rule, cicd, { config: { minRetentionDays: 90 } });
            expect(vs).to.have.length(cicd.filter((r) => r.type === T.logGroup).length);
            expect(vs[0]).to.equal(
                "Log group /aws/codebuild/xacct-terraform has retentionInDays 30; keep logs at least 90 days",
            );
        });
    });
});
