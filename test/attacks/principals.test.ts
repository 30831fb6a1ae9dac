/**
 * ATTACK: code that runs in dev's stage (a Terraform provider or `external` data source, a local-exec
 * provisioner, a buildspec from the uploaded archive) uses the credentials it runs with to reach prod
 * before anyone approves prod.
 *
 * Before: one CodeBuild role, and one pipeline role, could assume every target's roles.
 * Now: every target has its own principal per step; each target role trusts only its own.
 */
import { expect } from "chai";
import { captureProgram, IamModel } from "../../tools/offline/iam/capture";
import { evaluateHops, HOPS } from "../../tools/offline/iam/hops";
import { proofConfig, PROD_ACCOUNT, TARGET_ACCOUNT } from "../../tools/offline/program";
import { iamModel, role, verdict } from "../helpers/iamWorld";
import { codeBuildRolePolicy } from "./legacy/cicd";
import { crossAccountTrust, serviceTrust } from "./legacy/trust";

const CICD = "111111111111";
const arn = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;

describe("ATTACK: dev's stage reaches prod", () => {
    it("before: the one CodeBuild role that ran dev's Terraform could assume prod's deploy role", async () => {
        const shared = arn(CICD, "xacct-codebuild-terraform");
        const devDeploy = arn(TARGET_ACCOUNT, "xacct-terraform-deploy");
        const prodDeploy = arn(PROD_ACCOUNT, "xacct-terraform-deploy");
        const model = iamModel([
            role(shared, serviceTrust({ service: "codebuild.amazonaws.com", sourceAccountId: CICD }), {
                run: codeBuildRolePolicy({
                    partition: "aws",
                    region: "eu-west-1",
                    accountId: CICD,
                    artifactBucket: "artifacts",
                    logGroupName: "/aws/codebuild/xacct-terraform",
                    deployRoleArns: [devDeploy, prodDeploy],
                }),
            }),
            role(
                devDeploy,
                crossAccountTrust({ sid: "T", partition: "aws", trustedAccountId: CICD, trustedRoleArn: shared }),
            ),
            role(
                prodDeploy,
                crossAccountTrust({ sid: "T", partition: "aws", trustedAccountId: CICD, trustedRoleArn: shared }),
            ),
        ]);
        expect(await verdict(model, { principal: shared, action: "sts:AssumeRole", resource: prodDeploy })).to.equal(
            "Allowed",
        );
    });

    describe("now (the program's captured documents, dev = A, prod = B)", () => {
        let model: IamModel;
        before(async function () {
            this.timeout(60000);
            model = await captureProgram(proofConfig());
        });

        it("denies every principal of dev's stages every role of prod, and the plan principals every deploy role", async () => {
            const hops = HOPS.filter((h) => h.group === "one principal per target");
            const rows = await evaluateHops(model, hops);
            expect(rows.length).to.be.at.least(14);
            for (const r of rows) {
                expect(r.skipped, r.hop.id).to.equal(undefined);
                expect(r.actual, `${r.hop.title}: ${r.principal} ${r.action} ${r.resource}`).to.not.equal("Allowed");
            }
        });

        it("still lets each of prod's own principals reach prod's roles (the denials are not a broken pipeline)", async () => {
            const pair = { self: model.targets[1], other: model.targets[0] };
            const rows = await evaluateHops(
                model,
                HOPS.filter((h) => h.group === "method 1" || h.group === "method 2"),
                pair,
            );
            for (const r of rows) expect(r.actual, r.hop.id).to.equal("Allowed");
            expect(rows.length).to.be.at.least(25);
        });

        it("gives each target its own principal per step, and no principal reaches two targets", () => {
            const principals = model.targets.flatMap((t) =>
                Object.entries(t.contract.roles as Record<string, string>)
                    .filter(([k]) => k.endsWith("PrincipalArn"))
                    .map(([, v]) => v),
            );
            expect(new Set(principals).size).to.equal(principals.length);
            expect(principals).to.have.length(8);
            for (const p of principals) {
                const assumes = model.roles
                    .get(p)!
                    .policies.flatMap((x) =>
                        Array.isArray(x.policy.Statement) ? x.policy.Statement : [x.policy.Statement],
                    )
                    .filter((s) => s.Action === "sts:AssumeRole");
                expect(assumes, p).to.have.length(1);
                expect(assumes[0].Resource, p).to.be.a("string").and.not.include("*");
            }
        });
    });
});
