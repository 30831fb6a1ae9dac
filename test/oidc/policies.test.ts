/**
 * The `oidc/` project's pure policy builders: the preview role's trust policy (which tokens it
 * admits and refuses) and the state backend policy.
 */
import { expect } from "chai";
import {
    environmentSubject,
    OidcConfigError,
    PolicyDocument,
    PolicyStatement,
    previewTrustPolicy,
    readOnlyAccessArn,
    stateBackendPolicy,
} from "../../oidc/policies";
import { admits, claims, ENV, ENV_SUB, PR_SUB, PROVIDER_ARN, REPO } from "./helpers";

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
