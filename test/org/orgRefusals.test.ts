/**
 * The org stack refuses bad input before it declares any AWS resource, naming the key: a malformed or
 * missing OU list, a region that is not the cicd stack's, a cicd stack that was never deployed (with
 * the target stack's own message), and a contract of an older or newer program.
 */
import { expect } from "chai";
import { ConfigError } from "../../config";
import { CONTRACT_VERSION } from "../../contract";
import { runStack } from "../../stacks";
import { useMocks } from "../../tools/offline/mocks";
import { CICD_STACK, CicdRun, manyTargets, readerOf, runCicd, TARGET_ACCOUNT } from "../../tools/offline/program";
import { orgConfig, OU_A, refusal, runOrg } from "./helpers";

const OUS = "cross-account-pipeline:organizationalUnitIds";

describe("org stack: refusals before any resource", function () {
    this.timeout(60_000);
    let cicd: CicdRun;

    before(async function () {
        cicd = await runCicd(manyTargets(2));
    });

    it("a run with good input declares resources (the control for every refusal below)", async function () {
        const run = await runOrg(cicd, orgConfig());
        expect(run.mocks.resources.filter((r) => r.type.startsWith("aws:")).length).to.be.greaterThan(0);
    });

    describe("the OU list", function () {
        for (const [what, value, expected] of [
            [
                "a malformed OU ID",
                "ou-12",
                `${OUS}[0] must be an organizational unit ID (ou-xxxx-xxxxxxxx) or a root ID (r-xxxx); got "ou-12"`,
            ],
            ["an account ID where an OU belongs", "123456789012", `${OUS}[0] must be an organizational unit ID`],
            [
                "a malformed second entry",
                JSON.stringify([OU_A, "OU-AB12-CDEF3456"]),
                `${OUS}[1] must be an organizational unit ID`,
            ],
            ["an empty list", "[]", `${OUS} must list at least one organizational unit or root ID`],
            ["no list at all", undefined, `${OUS} is not set`],
            ["an OU listed twice", JSON.stringify([OU_A, OU_A]), `${OUS} lists ${OU_A} twice`],
        ] as const) {
            it(`${what}: refused, naming ${OUS}`, async function () {
                const { message, awsResources } = await refusal(cicd.outputs, orgConfig({ [OUS]: value }));
                expect(message).to.include(expected);
                expect(awsResources).to.deep.equal([]);
            });
        }
    });

    describe("the region", function () {
        it("an aws:region that is not the cicd stack's is refused, naming aws:region and the cicd stack's region", async function () {
            const { message, awsResources } = await refusal(cicd.outputs, orgConfig({ "aws:region": "us-east-1" }));
            expect(message).to.match(
                /^aws:region is us-east-1, but the cicd stack organization\/cross-account-pipeline\/cicd is in eu-west-1/,
            );
            expect(message).to.include("pulumi config set aws:region eu-west-1");
            expect(awsResources).to.deep.equal([]);
        });

        it("no aws:region at all is refused, naming aws:region", async function () {
            const { message, awsResources } = await refusal(cicd.outputs, orgConfig({ "aws:region": undefined }));
            expect(message).to.match(/^aws:region is not set/);
            expect(awsResources).to.deep.equal([]);
        });

        it("a malformed aws:region is refused", async function () {
            const { message } = await refusal(cicd.outputs, orgConfig({ "aws:region": "eu-west" }));
            expect(message).to.include('aws:region must be an AWS region such as eu-west-1; got "eu-west"');
        });
    });

    describe("the cicd stack", function () {
        /** The target stack's refusal for the same cicd outputs, to compare messages. */
        async function targetMessage(outputs: Record<string, unknown>): Promise<string> {
            await useMocks("target", {
                accountId: TARGET_ACCOUNT,
                providerAccounts: { target: TARGET_ACCOUNT },
                stackOutputs: { [CICD_STACK]: outputs },
            });
            try {
                await runStack("target", readerOf({}));
            } catch (e) {
                if (e instanceof ConfigError) return e.message;
                throw e;
            }
            throw new Error("the target stack did not refuse");
        }

        it("not deployed (no outputs): the same message the target stack gives", async function () {
            const { message, awsResources } = await refusal({}, orgConfig());
            expect(message).to.include('has no output "contract"').and.include("pulumi up --stack cicd");
            expect(message).to.equal(await targetMessage({}));
            expect(awsResources).to.deep.equal([]);
        });

        it("deployed by version 1 (targets, no contract): the target stack's message", async function () {
            const legacy = { targets: cicd.outputs.targets };
            const { message, awsResources } = await refusal(legacy, orgConfig());
            expect(message).to.include(
                "was deployed by an older version of this program (its outputs have no contract)",
            );
            expect(message).to.equal(await targetMessage(legacy));
            expect(awsResources).to.deep.equal([]);
        });

        for (const [what, version, expected] of [
            ["an older", CONTRACT_VERSION - 1, "was deployed by an older version of this program"],
            ["a newer", CONTRACT_VERSION + 1, "was deployed by a newer version of this program"],
        ] as const) {
            it(`a contract of ${what} version (${version}) is refused with the target stack's message`, async function () {
                const outputs = { ...cicd.outputs, contract: { ...cicd.outputs.contract, version } };
                const { message, awsResources } = await refusal(outputs, orgConfig());
                expect(message).to.include(expected).and.include(`contract version ${version}`);
                expect(message).to.equal(await targetMessage(outputs));
                expect(awsResources).to.deep.equal([]);
            });
        }

        it("a contract that lost a field is refused, naming it", async function () {
            const contract = { ...cicd.outputs.contract };
            delete contract.cicdAccountId;
            const { message, awsResources } = await refusal({ ...cicd.outputs, contract }, orgConfig());
            expect(message).to.include("cicdAccountId is not a string");
            expect(awsResources).to.deep.equal([]);
        });
    });
});
