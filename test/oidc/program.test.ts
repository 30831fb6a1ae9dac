/**
 * The `oidc/` project's program (oidc/program.ts) under Pulumi mocks: the resources it declares
 * (provider, preview role and its trust policy, policy attachments) and its refusals of bad config.
 */
import { expect } from "chai";
import { createRequire } from "module";
import * as path from "path";
import type * as Pulumi from "@pulumi/pulumi";
import {
    DEFAULT_ROLE_NAME,
    GITHUB_OIDC_URL,
    OidcConfigError,
    PolicyDocument,
    previewTrustPolicy,
    stateBackendPolicy,
} from "../../oidc/policies";
import { oidcProgram } from "../../oidc/program";
import { ACCOUNT, admits, claims, ENV, ENV_SUB, OIDC_DIR, PR_SUB, PROVIDER_ARN, readerOf, REPO } from "./helpers";

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
