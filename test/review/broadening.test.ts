/**
 * The classifier's broadening verdict against @cloud-copilot/iam-simulate: what it calls broadening, the
 * evaluator allows after and not before.
 */
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { expect } from "chai";
import { fixture, tf } from "./helpers";

describe("review/classify: the broadening verdict agrees with @cloud-copilot/iam-simulate", () => {
    const account = "111111111111";
    const roleArn = `arn:aws:iam::${account}:role/xacct-dev-instance-role`;
    const simulate = async (policy: string, action: string, resource: string, context: Record<string, string>) => {
        const simulation: Simulation = {
            request: {
                principal: `arn:aws:sts::${account}:assumed-role/xacct-dev-instance-role/review`,
                action,
                resource: { resource, accountId: account },
                contextVariables: {
                    "aws:PrincipalArn": roleArn,
                    "aws:PrincipalAccount": account,
                    "aws:SecureTransport": "true",
                    ...context,
                },
            },
            identityPolicies: [{ name: "artifacts", policy: JSON.parse(policy) }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
        };
        const response = await runSimulation(simulation, { simulationMode: "Strict" });
        if (response.resultType !== "single") throw new Error(`unexpected simulation: ${JSON.stringify(response)}`);
        return response.overallResult;
    };
    const policies = (name: string): { before: string; after: string } => {
        const change = fixture(name).resource_changes[0].change;
        return { before: change.before.policy, after: change.after.policy };
    };

    it("broadening: the after policy allows s3:PutObject that the before policy did not", async () => {
        const { before, after } = policies("tf-policy-broadening.json");
        expect(tf("tf-policy-broadening.json").risks[0].class).to.equal("permissions-broadening");
        const object = "arn:aws:s3:::xacct-dev-artifacts/releases/app.zip";
        expect(await simulate(after, "s3:PutObject", object, {})).to.equal("Allowed");
        expect(await simulate(before, "s3:PutObject", object, {})).to.equal("ImplicitlyDenied");
    });

    it("narrowing: what the after policy allows, the before allowed; the reverse does not hold", async () => {
        const { before, after } = policies("tf-policy-narrowing.json");
        expect(tf("tf-policy-narrowing.json").risks).to.deep.equal([]);
        const release = "arn:aws:s3:::xacct-dev-artifacts/releases/app.zip";
        expect(await simulate(after, "s3:GetObject", release, {})).to.equal("Allowed");
        expect(await simulate(before, "s3:GetObject", release, {})).to.equal("Allowed");
        const put = { "s3:x-amz-server-side-encryption": "AES256" };
        expect(await simulate(before, "s3:PutObject", release, put)).to.equal("Allowed");
        expect(await simulate(after, "s3:PutObject", release, put)).to.equal("ImplicitlyDenied");
    });
});
