import { expect } from "chai";
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";
import type * as Pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import {
    configKey,
    DEFAULT_GITHUB_ENVIRONMENT,
    DEFAULT_ROLE_NAME,
    environmentSubject,
    GITHUB_OIDC_URL,
    OidcConfigError,
    parseGithubEnvironment,
    parseGithubRepo,
    parseOidcConfig,
    PolicyDocument,
    PolicyStatement,
    previewTrustPolicy,
    readOnlyAccessArn,
    stateBackendPolicy,
    STS_AUDIENCE,
} from "../oidc/policies";
import { oidcProgram } from "../oidc/program";

const OIDC_DIR = path.resolve(__dirname, "..", "oidc");
const ACCOUNT = "111111111111";
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const REPO = "acme/cross-account-pipeline";
const ENV = "pulumi-preview";
/** The subject of a token of the preview job, which references the environment. */
const ENV_SUB = "repo:acme/cross-account-pipeline:environment:pulumi-preview";
/** The subject of a token of a pull_request job without an environment (what the role trusted before). */
const PR_SUB = "repo:acme/cross-account-pipeline:pull_request";

const readerOf =
    (values: Record<string, string>) =>
    (name: string): string | undefined =>
        values[name];

/** Evaluates an IAM StringEquals condition block against a token's claims (what STS does). */
function admits(policy: PolicyDocument, principal: string, claims: Record<string, string>): boolean {
    return policy.Statement.some((s) => {
        if (
            s.Effect !== "Allow" ||
            s.Action !== "sts:AssumeRoleWithWebIdentity" ||
            s.Principal?.Federated !== principal
        )
            return false;
        const ops = Object.keys(s.Condition ?? {});
        if (ops.some((op) => op !== "StringEquals")) return false; // anything looser would need its own check
        return Object.entries(s.Condition?.StringEquals ?? {}).every(([key, want]) => {
            const got = claims[key];
            return got !== undefined && ([] as string[]).concat(want).includes(got);
        });
    });
}

const claims = (sub: string, aud = STS_AUDIENCE) => ({
    "token.actions.githubusercontent.com:sub": sub,
    "token.actions.githubusercontent.com:aud": aud,
});

const errorOf = (fn: () => unknown): Error => {
    try {
        fn();
    } catch (e) {
        return e as Error;
    }
    throw new Error("expected an error");
};

describe("oidc project: pure builders", () => {
    describe("previewTrustPolicy", () => {
        const policy = previewTrustPolicy(PROVIDER_ARN, { githubRepo: REPO, githubEnvironment: ENV });

        it("trusts the GitHub OIDC provider for web identity only, for the environment's subject", () => {
            expect(policy.Statement).to.have.length(1);
            const [s] = policy.Statement;
            expect(s.Principal).to.deep.equal({ Federated: PROVIDER_ARN });
            expect(s.Action).to.equal("sts:AssumeRoleWithWebIdentity");
            expect(s.Condition).to.deep.equal({
                StringEquals: {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub":
                        "repo:acme/cross-account-pipeline:environment:pulumi-preview",
                },
            });
        });

        it("admits the repository's jobs in the environment, with the STS audience", () => {
            expect(admits(policy, PROVIDER_ARN, claims(ENV_SUB))).to.equal(true);
        });

        it("refuses pull_request jobs without the environment: no approval, no credentials", () => {
            expect(admits(policy, PROVIDER_ARN, claims(PR_SUB))).to.equal(false);
        });

        it("refuses other repositories, environments, events, branches and audiences", () => {
            for (const sub of [
                "repo:acme/other:environment:pulumi-preview",
                "repo:evil/cross-account-pipeline:environment:pulumi-preview",
                "repo:acme/cross-account-pipeline-fork:environment:pulumi-preview",
                "repo:acme/cross-account-pipeline:environment:production",
                "repo:acme/cross-account-pipeline:environment:pulumi-preview-unprotected",
                "repo:acme/cross-account-pipeline:environment:Pulumi-Preview",
                "repo:acme/cross-account-pipeline:ref:refs/heads/main",
                "repo:acme/cross-account-pipeline:pull_request_target",
                "repo:acme@1/cross-account-pipeline@2:environment:pulumi-preview",
            ]) {
                expect(admits(policy, PROVIDER_ARN, claims(sub)), sub).to.equal(false);
            }
            expect(admits(policy, PROVIDER_ARN, claims(ENV_SUB, "https://github.com/acme"))).to.equal(false);
            expect(admits(policy, "arn:aws:iam::111111111111:oidc-provider/example.com", claims(ENV_SUB))).to.equal(
                false,
            );
        });

        it("uses exact matching: no wildcard operator or value", () => {
            const json = JSON.stringify(policy);
            expect(json).not.to.include("StringLike");
            expect(json).not.to.include("*");
        });

        it("follows the configured environment", () => {
            const other = previewTrustPolicy(PROVIDER_ARN, { githubRepo: REPO, githubEnvironment: "pr-preview" });
            const sub = "repo:acme/cross-account-pipeline:environment:pr-preview";
            expect(admits(other, PROVIDER_ARN, claims(sub))).to.equal(true);
            expect(admits(other, PROVIDER_ARN, claims(ENV_SUB))).to.equal(false);
        });

        it("uses the immutable subject format when the owner and repository IDs are given", () => {
            const ids = { githubRepo: REPO, githubEnvironment: ENV, githubOwnerId: "123456", githubRepoId: "456789" };
            const sub = "repo:acme@123456/cross-account-pipeline@456789:environment:pulumi-preview";
            expect(environmentSubject(ids)).to.equal(sub);
            const p = previewTrustPolicy(PROVIDER_ARN, ids);
            expect(admits(p, PROVIDER_ARN, claims(sub))).to.equal(true);
            expect(admits(p, PROVIDER_ARN, claims(ENV_SUB))).to.equal(false);
            expect(
                admits(p, PROVIDER_ARN, claims("repo:acme@123456/other@456789:environment:pulumi-preview")),
            ).to.equal(false);
        });

        it("refuses a repository, environment or ID of the wrong form, and a provider that is not GitHub's", () => {
            const ok = { githubRepo: REPO, githubEnvironment: ENV };
            expect(() => previewTrustPolicy(PROVIDER_ARN, { ...ok, githubRepo: "acme/*" })).to.throw(
                OidcConfigError,
                /githubRepo/,
            );
            for (const bad of ["", " ", "*", "prod*", "a:b", "pulumi preview"]) {
                expect(
                    () => previewTrustPolicy(PROVIDER_ARN, { ...ok, githubEnvironment: bad }),
                    JSON.stringify(bad),
                ).to.throw(OidcConfigError, /githubEnvironment/);
            }
            expect(() => previewTrustPolicy(PROVIDER_ARN, { ...ok, githubOwnerId: "1" })).to.throw(
                OidcConfigError,
                /githubRepoId/,
            );
            expect(() => previewTrustPolicy(PROVIDER_ARN, { ...ok, githubOwnerId: "x", githubRepoId: "2" })).to.throw(
                OidcConfigError,
                /githubOwnerId/,
            );
            expect(() => previewTrustPolicy("arn:aws:iam::111111111111:role/x", ok)).to.throw(
                OidcConfigError,
                /provider ARN/,
            );
        });
    });

    describe("githubEnvironment validation", () => {
        it("defaults to pulumi-preview", () => {
            expect(DEFAULT_GITHUB_ENVIRONMENT).to.equal("pulumi-preview");
            for (const unset of [undefined, "", "  "]) expect(parseGithubEnvironment(unset)).to.equal(ENV);
        });

        it("accepts GitHub environment names of letters, digits, ., _ and - up to 255 characters", () => {
            for (const ok of ["pulumi-preview", "Preview", "pr_preview.2", "a", "x".repeat(255), " preview "]) {
                expect(parseGithubEnvironment(ok)).to.equal(ok.trim());
            }
        });

        it("refuses anything else, naming the key", () => {
            for (const bad of [
                "x".repeat(256), // GitHub: at most 255 characters
                "pulumi preview",
                "prod:v1", // the subject would carry it as prod%3Av1
                "a/b",
                "*",
                "preview-*",
                "prévisualisation",
                ".",
                "..",
                "a\nb",
            ]) {
                const err = errorOf(() => parseOidcConfig(readerOf({ githubRepo: REPO, githubEnvironment: bad })));
                expect(err, JSON.stringify(bad)).to.be.instanceOf(OidcConfigError);
                expect(err.message, JSON.stringify(bad)).to.include("cross-account-pipeline-oidc:githubEnvironment");
            }
        });
    });

    describe("githubRepo validation", () => {
        it("accepts owner/name", () => {
            for (const ok of ["acme/cross-account-pipeline", "a/b", "Acme-Corp/repo.name_1", " acme/x "]) {
                expect(parseGithubRepo(ok)).to.equal(ok.trim());
            }
        });

        it("refuses anything else, naming the key", () => {
            for (const bad of [
                "",
                "acme",
                "acme/",
                "/repo",
                "acme/repo/extra",
                "acme/*",
                "*/*",
                "acme/re po",
                "-acme/x",
                "acme-/x",
                "ac--me/x",
                "acme/..",
                "https://github.com/acme/x",
            ]) {
                const err = errorOf(() => parseOidcConfig(readerOf({ githubRepo: bad })));
                expect(err, JSON.stringify(bad)).to.be.instanceOf(OidcConfigError);
                expect(err.message, JSON.stringify(bad)).to.include("cross-account-pipeline-oidc:githubRepo");
            }
        });

        it("is required", () => {
            const err = errorOf(() => parseOidcConfig(readerOf({})));
            expect(err.message).to.include(configKey("githubRepo")).and.include("required");
        });
    });

    describe("parseOidcConfig", () => {
        it("has defaults for everything but githubRepo", () => {
            expect(parseOidcConfig(readerOf({ githubRepo: REPO }))).to.deep.equal({
                githubRepo: REPO,
                githubEnvironment: "pulumi-preview",
                githubOwnerId: undefined,
                githubRepoId: undefined,
                existingProviderArn: undefined,
                stateBucketName: undefined,
                stateKeyPrefix: "",
                stateLockWrites: true,
                roleName: DEFAULT_ROLE_NAME,
            });
        });

        it("reads the optional keys", () => {
            const c = parseOidcConfig(
                readerOf({
                    githubRepo: REPO,
                    githubEnvironment: "pr-preview",
                    githubOwnerId: "123456",
                    githubRepoId: " 456789 ",
                    existingProviderArn: PROVIDER_ARN,
                    stateBucketName: "acme-pulumi-state",
                    stateKeyPrefix: "/pulumi/state/",
                    stateLockWrites: "false",
                    roleName: "pr-preview",
                }),
            );
            expect(c).to.deep.include({
                githubEnvironment: "pr-preview",
                githubOwnerId: "123456",
                githubRepoId: "456789",
                existingProviderArn: PROVIDER_ARN,
                stateBucketName: "acme-pulumi-state",
                stateKeyPrefix: "pulumi/state",
                stateLockWrites: false,
                roleName: "pr-preview",
            });
        });

        it("refuses bad optional values, naming their keys", () => {
            const cases: [Record<string, string>, string][] = [
                [
                    { existingProviderArn: "arn:aws:iam::111111111111:oidc-provider/accounts.google.com" },
                    "existingProviderArn",
                ],
                [{ existingProviderArn: "oidc-provider/token.actions.githubusercontent.com" }, "existingProviderArn"],
                [{ stateBucketName: "s3://acme-pulumi-state" }, "stateBucketName"],
                [{ stateBucketName: "Acme_State" }, "stateBucketName"],
                [{ stateBucketName: "acme", stateKeyPrefix: "a/*" }, "stateKeyPrefix"],
                [{ stateKeyPrefix: "pulumi" }, "stateKeyPrefix"],
                [{ stateLockWrites: "yes" }, "stateLockWrites"],
                [{ roleName: "a role" }, "roleName"],
                [{ githubEnvironment: "a b" }, "githubEnvironment"],
                [{ githubOwnerId: "123" }, "githubRepoId"],
                [{ githubRepoId: "456" }, "githubOwnerId"],
                [{ githubOwnerId: "acme", githubRepoId: "456" }, "githubOwnerId"],
                [{ githubOwnerId: "123", githubRepoId: "0" }, "githubRepoId"],
            ];
            for (const [extra, key] of cases) {
                const err = errorOf(() => parseOidcConfig(readerOf({ githubRepo: REPO, ...extra })));
                expect(err, JSON.stringify(extra)).to.be.instanceOf(OidcConfigError);
                expect(err.message, JSON.stringify(extra)).to.include(configKey(key));
            }
        });

        it("accepts the committed example stack config", () => {
            const example = parse(fs.readFileSync(path.join(OIDC_DIR, "Pulumi.example.yaml"), "utf8")) as {
                config: Record<string, string>;
            };
            const prefix = "cross-account-pipeline-oidc:";
            const values = Object.fromEntries(
                Object.entries(example.config)
                    .filter(([k]) => k.startsWith(prefix))
                    .map(([k, v]) => [k.slice(prefix.length), String(v)]),
            );
            const c = parseOidcConfig(readerOf(values));
            expect(c.githubRepo).to.equal("acme/cross-account-pipeline");
            // the same name as the preview job's environment: in .github/workflows/preview.yml
            expect(c.githubEnvironment).to.equal(DEFAULT_GITHUB_ENVIRONMENT);
        });
    });

    describe("stateBackendPolicy", () => {
        const byName = (p: PolicyDocument, sid: string): PolicyStatement | undefined =>
            p.Statement.find((s) => s.Sid === sid);

        it("lists the bucket, reads the state and writes lock objects only", () => {
            const p = stateBackendPolicy({ partition: "aws", bucket: "acme-pulumi-state" });
            expect(byName(p, "ListStateBucket")?.Resource).to.equal("arn:aws:s3:::acme-pulumi-state");
            expect(byName(p, "ReadState")?.Action).to.deep.equal(["s3:GetObject", "s3:GetObjectVersion"]);
            expect(byName(p, "ReadState")?.Resource).to.equal("arn:aws:s3:::acme-pulumi-state/.pulumi/*");
            expect(byName(p, "StackLocks")?.Action).to.deep.equal(["s3:PutObject", "s3:DeleteObject"]);
            expect(byName(p, "StackLocks")?.Resource).to.equal("arn:aws:s3:::acme-pulumi-state/.pulumi/locks/*");
            // no write outside the locks
            const writes = p.Statement.filter((s) =>
                ([] as string[]).concat(s.Action).some((a) => /^s3:(Put|Delete)/.test(a)),
            );
            expect(writes.map((s) => s.Resource)).to.deep.equal(["arn:aws:s3:::acme-pulumi-state/.pulumi/locks/*"]);
        });

        it("honours a key prefix, the partition, and lockWrites: false", () => {
            const p = stateBackendPolicy({
                partition: "aws-us-gov",
                bucket: "b-1",
                keyPrefix: "pulumi/state",
                lockWrites: false,
            });
            expect(byName(p, "ReadState")?.Resource).to.equal("arn:aws-us-gov:s3:::b-1/pulumi/state/.pulumi/*");
            expect(byName(p, "StackLocks")).to.equal(undefined);
            expect(JSON.stringify(p)).not.to.match(/s3:(Put|Delete)/);
        });

        it("names the ReadOnlyAccess managed policy", () => {
            expect(readOnlyAccessArn("aws")).to.equal("arn:aws:iam::aws:policy/ReadOnlyAccess");
        });
    });
});

// ---------------------------------------------------------------------------------------------
// The program under Pulumi mocks
// ---------------------------------------------------------------------------------------------

// The @pulumi/pulumi that oidc/program.ts loads (oidc/node_modules when `npm ci` ran there, else
// the root's): the mocks must be installed in that very copy.
const pulumi = createRequire(path.join(OIDC_DIR, "package.json"))("@pulumi/pulumi") as typeof Pulumi;

interface Seen {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>;
}

class OidcMocks implements Pulumi.runtime.Mocks {
    readonly resources: Seen[] = [];

    newResource(args: Pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
        this.resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, any> = { ...args.inputs };
        switch (args.type) {
            case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
                state.arn = `arn:aws:iam::${ACCOUNT}:oidc-provider/${String(args.inputs.url).replace(/^https:\/\//, "")}`;
                break;
            case "aws:iam/role:Role":
                state.arn = `arn:aws:iam::${ACCOUNT}:role/${args.inputs.name ?? args.name}`;
                state.name = args.inputs.name ?? args.name;
                break;
        }
        return { id: `${args.name}-id`, state };
    }

    call(args: Pulumi.runtime.MockCallArgs): Record<string, any> {
        if (args.token === "aws:index/getPartition:getPartition") {
            return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsSuffix: "com.amazonaws", id: "aws" };
        }
        throw new Error(`mock: unexpected invoke ${args.token}`);
    }

    ofType(type: string): Seen[] {
        return this.resources.filter((r) => r.type === type);
    }
}

const valueOf = <T>(o: Pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply((v) => (resolve(v), v)));

async function runProgram(config: Record<string, string>) {
    const mocks = new OidcMocks();
    await pulumi.runtime.setMocks(mocks, "cross-account-pipeline-oidc", "dev", false, "organization");
    const out = oidcProgram(readerOf(config));
    const [previewRoleArn, oidcProviderArn] = await Promise.all([
        valueOf(out.previewRoleArn),
        valueOf(out.oidcProviderArn),
    ]);
    // let the registrations that depend on the role (attachments) reach the mock engine
    let last = -1;
    for (let stable = 0; stable < 5;) {
        await new Promise((r) => setTimeout(r, 2));
        stable = mocks.resources.length === last ? stable + 1 : 0;
        last = mocks.resources.length;
    }
    return { mocks, previewRoleArn, oidcProviderArn, trustedSubject: out.trustedSubject };
}

describe("oidc project: program under Pulumi mocks", () => {
    it("creates the provider, the role trusted by it for this repository's environment, and ReadOnlyAccess", async () => {
        const run = await runProgram({ githubRepo: REPO });
        const providers = run.mocks.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
        expect(providers).to.have.length(1);
        expect(providers[0].inputs.url).to.equal(GITHUB_OIDC_URL);
        expect(providers[0].inputs.clientIdLists).to.deep.equal(["sts.amazonaws.com"]);
        expect(run.oidcProviderArn).to.equal(PROVIDER_ARN);

        const roles = run.mocks.ofType("aws:iam/role:Role");
        expect(roles).to.have.length(1);
        expect(roles[0].inputs.name).to.equal(DEFAULT_ROLE_NAME);
        const trust = JSON.parse(roles[0].inputs.assumeRolePolicy) as PolicyDocument;
        expect(trust).to.deep.equal(previewTrustPolicy(PROVIDER_ARN, { githubRepo: REPO, githubEnvironment: ENV }));
        expect(admits(trust, PROVIDER_ARN, claims(ENV_SUB))).to.equal(true);
        expect(admits(trust, PROVIDER_ARN, claims(PR_SUB))).to.equal(false);
        expect(roles[0].inputs.tags).to.deep.include({ "github-repo": REPO, "github-environment": ENV });
        expect(run.previewRoleArn).to.equal(`arn:aws:iam::${ACCOUNT}:role/${DEFAULT_ROLE_NAME}`);
        expect(run.trustedSubject).to.equal("repo:acme/cross-account-pipeline:environment:pulumi-preview");

        const attachments = run.mocks.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment");
        expect(attachments.map((a) => a.inputs.policyArn)).to.deep.equal(["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
        expect(attachments[0].inputs.role).to.equal(DEFAULT_ROLE_NAME);
        // nothing else: no inline policy without a state bucket
        expect(run.mocks.ofType("aws:iam/rolePolicy:RolePolicy")).to.have.length(0);
    });

    it("reuses an existing provider and adds the state bucket policy", async () => {
        const existing = "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com";
        const run = await runProgram({
            githubRepo: REPO,
            existingProviderArn: existing,
            stateBucketName: "acme-pulumi-state",
            roleName: "pr-preview",
        });
        expect(run.mocks.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")).to.have.length(0);
        expect(run.oidcProviderArn).to.equal(existing);

        const [role] = run.mocks.ofType("aws:iam/role:Role");
        const trust = JSON.parse(role.inputs.assumeRolePolicy) as PolicyDocument;
        expect(trust.Statement[0].Principal).to.deep.equal({ Federated: existing });
        expect(admits(trust, existing, claims(ENV_SUB))).to.equal(true);

        const inline = run.mocks.ofType("aws:iam/rolePolicy:RolePolicy");
        expect(inline).to.have.length(1);
        expect(inline[0].inputs.role).to.equal("pr-preview");
        expect(JSON.parse(inline[0].inputs.policy)).to.deep.equal(
            stateBackendPolicy({ partition: "aws", bucket: "acme-pulumi-state" }),
        );
    });

    it("trusts the configured environment, with the immutable IDs when given", async () => {
        const run = await runProgram({
            githubRepo: REPO,
            githubEnvironment: "pr-preview",
            githubOwnerId: "123456",
            githubRepoId: "456789",
        });
        const sub = "repo:acme@123456/cross-account-pipeline@456789:environment:pr-preview";
        expect(run.trustedSubject).to.equal(sub);
        const [role] = run.mocks.ofType("aws:iam/role:Role");
        const trust = JSON.parse(role.inputs.assumeRolePolicy) as PolicyDocument;
        expect(trust.Statement[0].Condition?.StringEquals["token.actions.githubusercontent.com:sub"]).to.equal(sub);
        expect(admits(trust, PROVIDER_ARN, claims(sub))).to.equal(true);
        expect(admits(trust, PROVIDER_ARN, claims(ENV_SUB))).to.equal(false);
        expect(admits(trust, PROVIDER_ARN, claims(PR_SUB))).to.equal(false);
    });

    it("refuses a bad githubEnvironment before declaring anything", async () => {
        const mocks = new OidcMocks();
        await pulumi.runtime.setMocks(mocks, "cross-account-pipeline-oidc", "dev", false, "organization");
        expect(() => oidcProgram(readerOf({ githubRepo: REPO, githubEnvironment: "prod*" }))).to.throw(
            OidcConfigError,
            /cross-account-pipeline-oidc:githubEnvironment/,
        );
        expect(mocks.resources).to.have.length(0);
    });

    it("refuses a bad githubRepo before declaring anything", async () => {
        const mocks = new OidcMocks();
        await pulumi.runtime.setMocks(mocks, "cross-account-pipeline-oidc", "dev", false, "organization");
        expect(() => oidcProgram(readerOf({ githubRepo: "acme" }))).to.throw(
            OidcConfigError,
            /cross-account-pipeline-oidc:githubRepo/,
        );
        expect(mocks.resources).to.have.length(0);
    });
});
