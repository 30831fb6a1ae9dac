/**
 * The `oidc/` project's pure config parsing: githubEnvironment and githubRepo validation, and
 * `parseOidcConfig` (defaults, optional keys, refusals, the committed example stack config).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import {
    configKey,
    DEFAULT_GITHUB_ENVIRONMENT,
    DEFAULT_ROLE_NAME,
    OidcConfigError,
    parseGithubEnvironment,
    parseGithubRepo,
    parseOidcConfig,
} from "../../oidc/policies";
import { ENV, errorOf, OIDC_DIR, PROVIDER_ARN, readerOf, REPO } from "./helpers";

describe("oidc project: pure builders", () => {
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
});
