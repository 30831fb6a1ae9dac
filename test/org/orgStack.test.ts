/**
 * The org stack under the Pulumi mocks, with a real cicd run behind its StackReference: the StackSet,
 * its stack instances, and the settings the brief fixes (service-managed, auto-deployment that removes
 * stacks, named-IAM capability, callAs, rollout, the cicd stack's region).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../../config";
import { checkContract } from "../../contract";
import { orgTemplate } from "../../methods/orgTemplate";
import { runStack } from "../../stacks";
import { unmatchedStackNames } from "../../stacks/org";
import { CicdRun, manyTargets, ofType, readerOf, runCicd, singleTarget } from "../../tools/offline/program";
import { COMPONENT, OrgRun, orgConfig, OU_A, OU_B, runOrg, STACK_SET, STACK_SET_INSTANCE } from "./helpers";

const key = (name: string): string => `cross-account-pipeline:${name}`;

describe("org stack: the StackSet and its stack instances", function () {
    this.timeout(60_000);
    let cicd: CicdRun;
    let run: OrgRun;

    before(async function () {
        cicd = await runCicd(manyTargets(2));
        run = await runOrg(cicd, orgConfig());
    });

    const stackSet = (r: OrgRun) => {
        const sets = ofType(r.mocks, STACK_SET);
        expect(sets, "one StackSet").to.have.lengthOf(1);
        return sets[0];
    };

    it("declares exactly one StackSet, one stack instance, their component, and nothing else in AWS", function () {
        const aws = run.mocks.resources.filter((r) => r.type.startsWith("aws:")).map((r) => r.type);
        expect(aws).to.have.members([STACK_SET, STACK_SET_INSTANCE]);
        expect(ofType(run.mocks, COMPONENT)).to.have.lengthOf(1);
        for (const r of [...ofType(run.mocks, STACK_SET), ...ofType(run.mocks, STACK_SET_INSTANCE)]) {
            expect(r.parent, `${r.name}'s parent`).to.be.a("string").that.includes(`::${COMPONENT}::target-roles`);
        }
    });

    it("is service-managed, auto-deploys to accounts that join and removes the stacks of accounts that leave", function () {
        const inputs = stackSet(run).inputs;
        expect(inputs.permissionModel).to.equal("SERVICE_MANAGED");
        expect(inputs.autoDeployment).to.deep.equal({ enabled: true, retainStacksOnAccountRemoval: false });
        expect(inputs.capabilities).to.deep.equal(["CAPABILITY_NAMED_IAM"]);
        // Service-managed: CloudFormation makes its own roles; naming any would be an error.
        expect(inputs.administrationRoleArn).to.equal(undefined);
        expect(inputs.executionRoleName).to.equal(undefined);
        expect(inputs.name).to.equal("xacct-target-roles");
    });

    it("carries the rendered template as its body, byte for byte", function () {
        const expected = orgTemplate(checkContract(cicd.outputs.contract, "cicd", false));
        expect(stackSet(run).inputs.templateBody).to.equal(expected.body);
        expect(run.outputs.templateBytes).to.equal(expected.bytes);
        const parsed = JSON.parse(stackSet(run).inputs.templateBody as string);
        expect(Object.values(parsed.Resources as Record<string, { Type: string }>).map((r) => r.Type)).to.include(
            "AWS::IAM::Role",
        );
    });

    it("deploys its instance to the configured OU, in the cicd stack's region, on the StackSet itself", function () {
        const instances = ofType(run.mocks, STACK_SET_INSTANCE);
        expect(instances).to.have.lengthOf(1);
        const i = instances[0].inputs;
        expect(i.deploymentTargets).to.deep.equal({ organizationalUnitIds: [OU_A] });
        expect(i.stackSetInstanceRegion).to.equal(cicd.outputs.region).and.equal("eu-west-1");
        // v7: `region` would be the deprecated spelling (and the Region the resource is managed in).
        expect(i.region).to.equal(undefined);
        expect(i.accountId).to.equal(undefined);
        expect(i.stackSetName).to.equal(stackSet(run).inputs.name);
        expect(i.retainStack).to.equal(false);
    });

    it("acts as the management account by default (callAs SELF), on the StackSet and its instances", function () {
        expect(stackSet(run).inputs.callAs).to.equal("SELF");
        for (const i of ofType(run.mocks, STACK_SET_INSTANCE)) expect(i.inputs.callAs).to.equal("SELF");
    });

    it("rolls out with the default preferences: 25% of accounts at once, 10% may fail, Regions in parallel", function () {
        const expected = {
            maxConcurrentPercentage: 25,
            failureTolerancePercentage: 10,
            regionConcurrencyType: "PARALLEL",
        };
        expect(stackSet(run).inputs.operationPreferences).to.deep.equal(expected);
        for (const i of ofType(run.mocks, STACK_SET_INSTANCE))
            expect(i.inputs.operationPreferences).to.deep.equal(expected);
    });

    it("deletes an OU's instance before it replaces it, and ignores the administration role AWS fills in", function () {
        for (const i of ofType(run.mocks, STACK_SET_INSTANCE)) {
            expect(run.options.get(`${STACK_SET_INSTANCE}::${i.name}`)?.deleteBeforeReplace, i.name).to.equal(true);
        }
        const set = stackSet(run);
        expect(run.options.get(`${STACK_SET}::${set.name}`)?.ignoreChanges).to.deep.equal(["administrationRoleArn"]);
    });

    it("exports the StackSet, the OUs, the region, the roles and the network tag", function () {
        expect(run.outputs.stackSetName).to.equal("xacct-target-roles");
        expect(run.outputs.stackSetArn).to.be.a("string");
        expect(run.outputs.organizationalUnitIds).to.deep.equal([OU_A]);
        expect(run.outputs.region).to.equal("eu-west-1");
        expect(run.outputs.callAs).to.equal("SELF");
        expect(run.outputs.roleNames).to.have.members([
            "xacct-terraform-plan",
            "xacct-terraform-deploy",
            "xacct-tf-instance-role",
            "xacct-cloudformation-execution",
            "xacct-cloudformation-plan",
            "xacct-cloudformation-deploy",
            "xacct-cfn-instance-role",
        ]);
        expect(run.outputs.networkTag).to.deep.equal({ key: "CrossAccountPipelineNetwork", value: "xacct" });
    });

    describe("configured", function () {
        let configured: OrgRun;
        before(async function () {
            configured = await runOrg(
                cicd,
                orgConfig({
                    [key("organizationalUnitIds")]: JSON.stringify([OU_A, OU_B]),
                    [key("callAs")]: "DELEGATED_ADMIN",
                    [key("maxConcurrentPercentage")]: "50",
                    [key("failureTolerancePercentage")]: "0",
                    [key("regionConcurrencyType")]: "SEQUENTIAL",
                }),
            );
        });

        it("one stack instance per OU, each with only its own OU, so that an OU comes and goes alone", function () {
            const instances = ofType(configured.mocks, STACK_SET_INSTANCE);
            expect(instances.map((i) => i.inputs.deploymentTargets)).to.have.deep.members([
                { organizationalUnitIds: [OU_A] },
                { organizationalUnitIds: [OU_B] },
            ]);
            expect(instances.map((i) => i.name)).to.have.members([`target-roles-${OU_A}`, `target-roles-${OU_B}`]);
            for (const i of instances) expect(i.inputs.stackSetInstanceRegion).to.equal("eu-west-1");
        });

        it("acts as a delegated administrator on the StackSet and on every instance", function () {
            expect(stackSet(configured).inputs.callAs).to.equal("DELEGATED_ADMIN");
            const instances = ofType(configured.mocks, STACK_SET_INSTANCE);
            expect(instances.map((i) => i.inputs.callAs)).to.deep.equal(["DELEGATED_ADMIN", "DELEGATED_ADMIN"]);
        });

        it("rolls out with the configured preferences", function () {
            const expected = {
                maxConcurrentPercentage: 50,
                failureTolerancePercentage: 0,
                regionConcurrencyType: "SEQUENTIAL",
            };
            expect(stackSet(configured).inputs.operationPreferences).to.deep.equal(expected);
            for (const i of ofType(configured.mocks, STACK_SET_INSTANCE)) {
                expect(i.inputs.operationPreferences).to.deep.equal(expected);
            }
        });

        it("names the StackSet after the cicd stack's prefix", async function () {
            const other = await runCicd(manyTargets(1, [], { [key("namePrefix")]: "acme" }));
            const r = await runOrg(other, orgConfig());
            expect(stackSet(r).inputs.name).to.equal("acme-target-roles");
            expect(
                JSON.parse(stackSet(r).inputs.templateBody as string).Resources.TerraformDeployRole.Properties.RoleName,
            ).to.equal("acme-terraform-deploy");
        });
    });
});

describe("org stack: wiring", function () {
    this.timeout(60_000);

    it("names the targets whose custom workload stack name the template's roles would not admit", async function () {
        const custom = await runCicd(singleTarget({ [key("cfnStackName")]: "my-workload" }));
        expect(unmatchedStackNames(checkContract(custom.outputs.contract, "cicd", false))).to.deep.equal([
            "default (my-workload)",
        ]);
        const defaults = await runCicd(manyTargets(2));
        expect(unmatchedStackNames(checkContract(defaults.outputs.contract, "cicd", false))).to.deep.equal([]);
    });

    it("runStack knows the org stack, and the unknown-stack message lists it with the others", async function () {
        let error: unknown;
        try {
            await runStack("orgs", readerOf({}));
        } catch (e) {
            error = e;
        }
        expect(error).to.be.instanceOf(ConfigError);
        const message = (error as Error).message;
        for (const s of ['"cicd"', '"target"', '"target-<name>"', '"org"']) expect(message).to.include(s);
    });

    it("Pulumi.org.yaml is a valid example: it parses to an org config in the committed cicd example's region", async function () {
        const file = path.join(__dirname, "..", "..", "Pulumi.org.yaml");
        const parsed = parseYaml(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
        const values = Object.fromEntries(
            Object.entries(parsed.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
        );
        const cicdExample = parseYaml(
            fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.cicd.yaml"), "utf8"),
        ) as {
            config: Record<string, unknown>;
        };
        expect(values["aws:region"]).to.equal(cicdExample.config["aws:region"]);
        const cicd = await runCicd(manyTargets(1));
        const run = await runOrg(cicd, values);
        expect(ofType(run.mocks, STACK_SET)).to.have.lengthOf(1);
        expect(ofType(run.mocks, STACK_SET_INSTANCE).length).to.be.greaterThan(0);
    });
});
