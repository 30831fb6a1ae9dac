/**
 * Adding, removing or reordering targets never renames or changes what belongs to another target: its
 * contract entry (state key, stack names, role ARNs), its CodeBuild projects, its pipeline actions, and
 * the roles its target stack creates. Compared on the pure model (stacks/cicdModel.ts) of two configs.
 */
import { expect } from "chai";
import { Method, parseCicdConfig } from "../../config";
import { METHODS } from "../../methods";
import { buildCicdModel, CicdModel } from "../../stacks/cicdModel";
import { targetContext } from "../../stacks/target";
import { CALLER } from "../helpers/simulate";

interface Entry {
    name: string;
    wave?: string;
    requireApproval?: boolean;
}

const ACCOUNT: Record<string, string> = {
    dev: "222222222222",
    qa: "333333333333",
    prod: "444444444444",
    eu: "555555555555",
    us: "666666666666",
    ap: "777777777777",
};

function model(entries: readonly Entry[]): CicdModel {
    const targets = entries.map((e) => ({
        ...e,
        accountId: ACCOUNT[e.name],
        subnetId: "subnet-0123456789abcdef0",
        securityGroupId: "sg-0123456789abcdef0",
    }));
    const values: Record<string, string> = {
        "aws:region": "eu-west-1",
        "cross-account-pipeline:targets": JSON.stringify(targets),
    };
    return buildCicdModel({
        config: parseCicdConfig((k) => values[k]),
        partition: "aws",
        accountId: "111111111111",
        callerArn: CALLER,
    });
}

/** Everything of one target, as plain data: what must not change when the others do. */
function ownedBy(m: CicdModel, name: string): Record<string, unknown> {
    const suffix = `-${name}`;
    const contract = m.contract.targets[name];
    const actions = m.pipelines.flatMap((p) =>
        p.stages.flatMap((s) =>
            s.actions.filter((a) => a.name.endsWith(suffix)).map((a) => ({ pipeline: p.name, ...a })),
        ),
    );
    const projects = m.projects.filter((p) => p.name.endsWith(suffix));
    const actionRoles = m.roles.filter((r) => r.name.endsWith(contract.accountId));
    const targetRoles = (m.config.methods as Method[]).flatMap((method) =>
        METHODS[method].targetRoles(targetContext(m.contract, contract)),
    );
    return JSON.parse(JSON.stringify({ contract, actions, projects, actionRoles, targetRoles }));
}

describe("scale: stable names when targets are added, removed or reordered", () => {
    const before = model([
        { name: "dev" },
        { name: "qa" },
        { name: "prod", requireApproval: true },
        { name: "eu", wave: "prod-2", requireApproval: true },
        { name: "us", wave: "prod-2" },
    ]);
    // qa removed, ap added, the rest reordered (a wave keeps its members).
    const after = model([
        { name: "prod", requireApproval: true },
        { name: "ap" },
        { name: "us", wave: "prod-2" },
        { name: "dev" },
        { name: "eu", wave: "prod-2", requireApproval: true },
    ]);

    for (const name of ["dev", "prod", "eu", "us"]) {
        it(`${name}: the same state key, stack names, projects, actions and roles`, () => {
            const a = ownedBy(before, name);
            const b = ownedBy(after, name);
            expect((a.actions as unknown[]).length, "its actions").to.be.greaterThan(0);
            expect(b).to.deep.equal(a);
        });
    }

    it("the state key is keyed by account, the stack and actions by target name", () => {
        const dev = after.contract.targets.dev;
        expect(dev.stateKey).to.equal("xacct/222222222222/terraform.tfstate");
        expect(dev.stackName).to.equal("target-dev");
        expect(ownedBy(after, "dev").actions).to.satisfy((xs: { name: string }[]) =>
            xs.every((x) => /-dev$/.test(x.name)),
        );
    });

    it("bites: renaming a target changes what belongs to it (the comparison is not blind)", () => {
        const renamed = model(
            [
                { name: "dev" },
                { name: "qa" },
                { name: "prod", requireApproval: true },
                { name: "eu", wave: "prod-2", requireApproval: true },
                { name: "us", wave: "prod-2" },
            ].map((e) => (e.name === "dev" ? { ...e, name: "ap" } : e)),
        );
        // Same account position, new name: the stack, projects and actions are new ones.
        expect(renamed.contract.targets.ap.stackName).to.equal("target-ap");
        expect(ownedBy(renamed, "ap")).to.not.deep.equal(ownedBy(before, "dev"));
    });
});
