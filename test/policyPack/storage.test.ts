// Storage rules (policypack/storage.ts) on doctored copies of the program's S3 resources.
import { expect } from "chai";
import {
    check,
    editDocument,
    messages,
    mutate,
    programStacks,
    recordCicd,
    Res,
    run,
    singleTarget,
    statement,
    T,
    UNKNOWN,
    VIEWS,
    withResource,
    without,
} from "./helpers";

describe("policy pack: storage", function () {
    let cicd: Res[];
    let target: Res[];
    before(async function () {
        this.timeout(120_000);
        ({ cicd, target } = await programStacks());
    });

    describe("s3-bucket-encrypted", function () {
        const rule = "s3-bucket-encrypted";
        it("reports a bucket without an encryption configuration, in every view", async function () {
            for (const view of VIEWS) {
                const vs = await run(rule, without(cicd, T.encryption, "terraform-state-encryption"), { view });
                expect(messages(vs), view).to.have.length(1);
                expect(vs[0].message).to.match(
                    /terraform-state-bucket \(xacct-tfstate-111111111111-eu-west-1\) has no BucketServerSideEncryptionConfiguration/,
                );
                expect(vs[0].urn).to.match(/aws:s3\/bucket:Bucket::terraform-state-bucket$/);
            }
        });
        it("reports a configuration without a default algorithm", async function () {
            const vs = await check(
                rule,
                mutate(cicd, T.encryption, "artifacts-encryption", (i) => ({
                    ...i,
                    rules: [{ bucketKeyEnabled: true }],
                })),
            );
            expect(vs).to.have.length(1);
            expect(vs[0]).to.match(/artifacts-encryption sets no default encryption/);
        });
        it("reports the AWS managed key aws/s3 on the state bucket, named or implied", async function () {
            for (const kmsMasterKeyId of [
                "alias/aws/s3",
                "arn:aws:kms:eu-west-1:111111111111:alias/aws/s3",
                undefined,
            ]) {
                const vs = await check(
                    rule,
                    mutate(cicd, T.encryption, "terraform-state-encryption", (i) => {
                        i.rules[0].applyServerSideEncryptionByDefault = {
                            sseAlgorithm: "aws:kms",
                            ...(kmsMasterKeyId ? { kmsMasterKeyId } : {}),
                        };
                    }),
                );
                expect(vs, String(kmsMasterKeyId)).to.have.length(1);
                expect(vs[0]).to.match(/State bucket .*tfstate.* encrypts with the AWS managed key alias\/aws\/s3/);
            }
        });
        it("allows a customer managed key on the state bucket, and aws/s3 on the other buckets", async function () {
            const kms = (kmsMasterKeyId: string) => (i: Record<string, any>) => {
                i.rules[0].applyServerSideEncryptionByDefault = { sseAlgorithm: "aws:kms", kmsMasterKeyId };
            };
            const cmk = mutate(
                cicd,
                T.encryption,
                "terraform-state-encryption",
                kms("arn:aws:kms:eu-west-1:111111111111:key/1"),
            );
            expect(await check(rule, cmk)).to.deep.equal([]);
            expect(
                await check(rule, mutate(cicd, T.encryption, "artifacts-encryption", kms("alias/aws/s3"))),
            ).to.deep.equal([]);
        });
        it("does not report a missing configuration it cannot place (unknown bucket, no dependencies)", async function () {
            const resources = withResource(without(cicd, T.encryption, "terraform-state-encryption"), {
                type: T.encryption,
                name: "mystery-encryption",
                inputs: {
                    bucket: UNKNOWN,
                    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
                },
            });
            expect(await check(rule, resources, { view: "aws" })).to.deep.equal([]);
        });
        it("is not applicable to a stack without buckets", async function () {
            expect(await run(rule, target)).to.deep.equal([]);
        });
    });

    describe("s3-bucket-public-access-blocked", function () {
        const rule = "s3-bucket-public-access-blocked";
        it("reports each flag that is not true", async function () {
            for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
                const vs = await check(
                    rule,
                    mutate(cicd, T.publicAccess, "artifacts-public-access", (i) => ({ ...i, [flag]: false })),
                );
                expect(vs, flag).to.have.length(1);
                expect(vs[0]).to.contain(`artifacts-public-access does not set ${flag} to true`);
            }
        });
        it("reports a bucket without a public access block, in every view", async function () {
            for (const view of VIEWS) {
                expect(
                    await check(rule, without(cicd, T.publicAccess, "artifacts-public-access"), { view }),
                    view,
                ).to.deep.equal([
                    "Bucket artifacts-bucket (xacct-artifacts-111111111111-eu-west-1) has no BucketPublicAccessBlock",
                ]);
            }
        });
        it("reports a public canned ACL, and skips a flag that is unknown during preview", async function () {
            expect(
                await check(
                    rule,
                    mutate(cicd, T.bucket, "artifacts-bucket", (i) => ({ ...i, acl: "public-read" })),
                ),
            ).to.deep.equal([
                "Bucket artifacts-bucket (xacct-artifacts-111111111111-eu-west-1) has the public canned ACL public-read",
            ]);
            const unknown = mutate(cicd, T.publicAccess, "artifacts-public-access", (i) => ({
                ...i,
                blockPublicPolicy: UNKNOWN,
            }));
            expect(await check(rule, unknown, { view: "preview" })).to.deep.equal([]);
        });
    });

    describe("s3-bucket-tls-only", function () {
        const rule = "s3-bucket-tls-only";
        it("reports a bucket policy without the TLS-only denial", async function () {
            for (const name of ["artifacts-policy", "terraform-state-policy"]) {
                const dropTls = editDocument("policy", (doc) => {
                    doc.Statement = doc.Statement.filter((s: any) => s.Sid !== "DenyInsecureTransport");
                });
                const vs = await check(rule, mutate(cicd, T.bucketPolicy, name, dropTls));
                expect(vs, name).to.have.length(1);
                expect(vs[0]).to.match(
                    /its bucket policy has no statement denying s3:\* to Principal "\*" when aws:SecureTransport is false/,
                );
            }
        });
        it("reports a denial that does not deny plain HTTP to everyone", async function () {
            const variants: ((s: any) => void)[] = [
                (s) => (s.Condition = { Bool: { "aws:SecureTransport": "true" } }),
                (s) => (s.Principal = { AWS: "arn:aws:iam::222222222222:root" }),
                (s) => (s.Effect = "Allow"),
                (s) => (s.Action = "s3:GetObject"),
                (s) => (s.Resource = "arn:aws:s3:::xacct-artifacts-111111111111-eu-west-1"),
            ];
            for (const change of variants) {
                const doctored = mutate(
                    cicd,
                    T.bucketPolicy,
                    "artifacts-policy",
                    editDocument("policy", (d) => change(d.Statement[0])),
                );
                expect(await check(rule, doctored), change.toString()).to.have.length(1);
            }
        });
        it('accepts the usual spellings of the denial (object statement, {AWS: "*"}, boolean false, BoolIfExists)', async function () {
            const doctored = mutate(
                cicd,
                T.bucketPolicy,
                "artifacts-policy",
                editDocument("policy", (doc) => {
                    doc.Statement = {
                        ...doc.Statement[0],
                        Principal: { AWS: ["*"] },
                        Action: ["s3:*"],
                        Condition: { BoolIfExists: { "aws:SecureTransport": false } },
                    };
                }),
            );
            expect(await check(rule, doctored)).to.deep.equal([]);
        });
        it("reports a bucket without a bucket policy, and skips a policy unknown during preview", async function () {
            const vs = await check(rule, without(cicd, T.bucketPolicy, "terraform-state-policy"));
            expect(vs).to.have.length(1);
            expect(vs[0]).to.match(/terraform-state-bucket .* has no BucketPolicy/);
            const unknown = mutate(cicd, T.bucketPolicy, "artifacts-policy", (i) => ({ ...i, policy: UNKNOWN }));
            expect(await check(rule, unknown, { view: "preview" })).to.deep.equal([]);
        });
    });

    describe("s3-state-bucket-protected", function () {
        const rule = "s3-state-bucket-protected";
        it("reports a state bucket without versioning, in every view", async function () {
            for (const view of VIEWS) {
                expect(
                    await check(rule, without(cicd, T.versioning, "terraform-state-versioning"), { view }),
                    view,
                ).to.deep.equal([
                    "State bucket terraform-state-bucket (xacct-tfstate-111111111111-eu-west-1) is not versioned: it has no BucketVersioning",
                ]);
            }
        });
        it("reports suspended versioning and forceDestroy", async function () {
            const suspended = mutate(cicd, T.versioning, "terraform-state-versioning", (i) => ({
                ...i,
                versioningConfiguration: { status: "Suspended" },
            }));
            expect((await check(rule, suspended))[0]).to.match(
                /is not versioned: BucketVersioning status is Suspended, not Enabled/,
            );
            const destroy = mutate(cicd, T.bucket, "terraform-state-bucket", (i) => ({ ...i, forceDestroy: true }));
            expect(await check(rule, destroy)).to.deep.equal([
                "State bucket terraform-state-bucket (xacct-tfstate-111111111111-eu-west-1) sets forceDestroy: true: a destroy would delete every state file and its history",
            ]);
        });
        it("leaves the other buckets to the advisory rule", async function () {
            const resources = mutate(
                without(cicd, T.versioning, "artifacts-versioning"),
                T.bucket,
                "artifacts-bucket",
                (i) => ({
                    ...i,
                    forceDestroy: true,
                }),
            );
            expect(await check(rule, resources)).to.deep.equal([]);
            expect(await check("s3-bucket-no-force-destroy", resources)).to.deep.equal([
                "Bucket xacct-artifacts-111111111111-eu-west-1 sets forceDestroy: true: a destroy deletes every object and version in it",
            ]);
        });
    });

    describe("s3-bucket-owner-enforced", function () {
        const rule = "s3-bucket-owner-enforced";
        it("reports ACL-enabled ownership, and a bucket without ownership controls", async function () {
            const writer = mutate(cicd, T.ownership, "terraform-state-ownership", (i) => ({
                ...i,
                rule: { objectOwnership: "ObjectWriter" },
            }));
            expect(await check(rule, writer)).to.have.length(1);
            expect((await check(rule, writer))[0]).to.match(
                /terraform-state-ownership sets objectOwnership ObjectWriter, not BucketOwnerEnforced/,
            );
            expect(
                await check(rule, without(cicd, T.ownership, "artifacts-ownership"), { view: "preview" }),
            ).to.deep.equal([
                "Bucket artifacts-bucket (xacct-artifacts-111111111111-eu-west-1) has no BucketOwnershipControls (BucketOwnerEnforced)",
            ]);
        });
    });

    describe("s3-bucket-policy-not-public", function () {
        const rule = "s3-bucket-policy-not-public";
        /** The program with organizationId: the state bucket's grant is to Principal "*" in the organization. */
        let withOrganization: Res[];
        before(async function () {
            this.timeout(60_000);
            withOrganization = await recordCicd(
                singleTarget({ "cross-account-pipeline:organizationId": "o-abcdef1234" }),
            );
        });
        const grant = (edit: (s: any) => void): Res[] =>
            mutate(
                withOrganization,
                T.bucketPolicy,
                "terraform-state-policy",
                editDocument("policy", (d) => edit(statement(d, "TargetRolesUseOwnPrefix"))),
            );

        it("accepts the state bucket's grant to Principal * pinned to the organization (program with organizationId)", async function () {
            const s = statement(
                JSON.parse(withOrganization.find((r) => r.name === "terraform-state-policy")!.inputs.policy),
                "TargetRolesUseOwnPrefix",
            );
            expect(s.Principal).to.equal("*");
            expect(s.Condition.StringEquals).to.deep.equal({ "aws:PrincipalOrgID": "o-abcdef1234" });
            for (const view of VIEWS) expect(await check(rule, withOrganization, { view }), view).to.deep.equal([]);
        });
        it("reports Principal * whose only condition is the ArnLike on role names with a wildcard account", async function () {
            const vs = await check(
                rule,
                grant((s) => delete s.Condition.StringEquals),
            );
            expect(vs).to.have.length(1);
            expect(vs[0]).to.match(
                /^policy statement "TargetRolesUseOwnPrefix" allows Principal "\*" \(anyone\) whose Condition pins none of aws:principalarn, .* to fixed values .*: the bucket is public$/,
            );
        });
        it("reports a policy variable, an IfExists or negated operator as no pin; accepts a fixed account", async function () {
            for (const Condition of [
                { StringEquals: { "aws:PrincipalAccount": "${aws:PrincipalAccount}" } },
                { StringEqualsIfExists: { "aws:PrincipalOrgID": "o-abcdef1234" } },
                { StringNotEquals: { "aws:PrincipalOrgID": "o-abcdef1234" } },
            ]) {
                expect(
                    await check(
                        rule,
                        grant((s) => (s.Condition = Condition)),
                    ),
                    JSON.stringify(Condition),
                ).to.have.length(1);
            }
            const fixed = grant((s) => (s.Condition = { StringEquals: { "aws:PrincipalAccount": ["222222222222"] } }));
            expect(await check(rule, fixed)).to.deep.equal([]);
        });
        it("reports an Allow to Principal * without any condition; skips an unknown condition", async function () {
            const open = await check(
                rule,
                grant((s) => delete s.Condition),
            );
            expect(open).to.deep.equal([
                'policy statement "TargetRolesUseOwnPrefix" allows Principal "*" (anyone) without a Condition: the bucket is public',
            ]);
            expect(
                await check(
                    rule,
                    grant((s) => (s.Condition = { StringEquals: { "aws:PrincipalOrgID": UNKNOWN } })),
                ),
            ).to.deep.equal([]);
        });
    });
});
