import { expect } from "chai";
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";
import type * as Pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import {
    configKey,
    DEFAULT_ROLE_NAME,
    GITHUB_OIDC_URL,
    OidcConfigError,
    parseGithubRepo,
    parseOidcConfig,
    PolicyDocument,
    PolicyStatement,
    previewTrustPolicy,
    pullRequestSubject,
    readOnlyAccessArn,
    stateBackendPolicy,
    STS_AUDIENCE,
} from "../oidc/policies";
import { oidcProgram } from "../oidc/program";

const OIDC_DIR = path.resolve(__dirname, "..", "oidc");
const ACCOUNT = "111111111111";
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const REPO = "acme/cross-account-pipeline";

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
        const policy = previewTrustPolicy(PROVIDER_ARN, REPO);

        it("trusts the GitHub OIDC provider for web identity only", () => {
            expect(policy.Statement).to.have.length(1);
            const [s] = policy.Statement;
            expect(s.Principal).to.deep.equal({ Federated: PROVIDER_ARN });
            expect(s.Action).to.equal("sts:AssumeRoleWithWebIdentity");
            expect(s.Condition).to.deep.equal({
                StringEquals: {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": "repo:acme/cross-account-pipeline:pull_request",
                },
            });
        });

        it("admits the repository's pull_request tokens with the STS audience", () => {
            expect(admits(policy, PROVIDER_ARN, claims(pullRequestSubject(REPO)))).to.equal(true);
        });

        it("refuses other repositories, events, branches, environments and audiences", () => {
            for (const sub of [
                "repo:acme/other:pull_request",
                "repo:evil/cross-account-pipeline:pull_request",
                "repo:acme/cross-account-pipeline:ref:refs/heads/main",
                "repo:acme/cross-account-pipeline:environment:production",
                "repo:acme/cross-account-pipeline-fork:pull_request",
                "repo:acme/cross-account-pipeline:pull_request_target",
            ]) {
                expect(admits(policy, PROVIDER_ARN, claims(sub)), sub).to.equal(false);
            }
            expect(admits(policy, PROVIDER_ARN, claims(pullRequestSubject(REPO), "https://github.com/acme"))).to.equal(
                false,
            );
            expect(
                admits(policy, "arn:aws:iam::111111111111:oidc-provider/example.com", claims(pullRequestSubject(REPO))),
            ).to.equal(false);
        });

        it("uses exact matching: no wildcard operator or value", () => {
            const json = JSON.stringify(policy);
            expect(json).not.to.include("StringLike");
            expect(json).not.to.include("*");
        });

        it("refuses a repository with wildcards or of the wrong form", () => {
            expect(() => previewTrustPolicy(PROVIDER_ARN, "acme/*")).to.throw(OidcConfigError, /githubRepo/);
            expect(() => previewTrustPolicy("arn:aws:iam::111111111111:role/x", REPO)).to.throw(
                OidcConfigError,
                /provider ARN/,
            );
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
                    existingProviderArn: PROVIDER_ARN,
                    stateBucketName: "acme-pulumi-state",
                    stateKeyPrefix: "/pulumi/state/",
                    stateLockWrites: "false",
                    roleName: "pr-preview",
                }),
            );
            expect(c).to.deep.include({
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
            expect(parseOidcConfig(readerOf(values)).githubRepo).to.equal("acme/cross-account-pipeline");
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
    it("creates the provider, the role trusted by it for this repository's PRs, and ReadOnlyAccess", async () => {
        const run = await runProgram({ githubRepo: REPO });
        const providers = run.mocks.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
        expect(providers).to.have.length(1);
        expect(providers[0].inputs.url).to.equal(GITHUB_OIDC_URL);
        expect(providers[0].inputs.clientIdLists).to.deep.equal(["sts.amazonaws.com"]);
        expect(run.oidcProviderArn).to.equal(PROVIDER_ARN);

        const roles = run.mocks.ofType("aws:iam/role:Role");
        expect(roles).to.have.length(1);
        expect(roles[0].inputs.name).to.equal(DEFAULT_ROLE_NAME);
        expect(JSON.parse(roles[0].inputs.assumeRolePolicy)).to.deep.equal(previewTrustPolicy(PROVIDER_ARN, REPO));
        expect(run.previewRoleArn).to.equal(`arn:aws:iam::${ACCOUNT}:role/${DEFAULT_ROLE_NAME}`);
        expect(run.trustedSubject).to.equal("repo:acme/cross-account-pipeline:pull_request");

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

        const inline = run.mocks.ofType("aws:iam/rolePolicy:RolePolicy");
        expect(inline).to.have.length(1);
        expect(inline[0].inputs.role).to.equal("pr-preview");
        expect(JSON.parse(inline[0].inputs.policy)).to.deep.equal(
            stateBackendPolicy({ partition: "aws", bucket: "acme-pulumi-state" }),
        );
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
