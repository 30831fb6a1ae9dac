/**
 * Shared fixtures of the tests of the `oidc/` project (test/oidc/*.test.ts): the account, provider,
 * repository and environment they use, the token subjects, a config reader, `admits` (evaluates a
 * trust policy against a token's claims the way STS does) and `errorOf`.
 */
import * as path from "path";
import { PolicyDocument, STS_AUDIENCE } from "../../oidc/policies";

export const OIDC_DIR = path.resolve(__dirname, "..", "..", "oidc");
export const ACCOUNT = "111111111111";
export const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
export const REPO = "acme/cross-account-pipeline";
export const ENV = "pulumi-preview";
/** The subject of a token of the preview job, which references the environment. */
export const ENV_SUB = "repo:acme/cross-account-pipeline:environment:pulumi-preview";
/** The subject of a token of a pull_request job without an environment (what the role trusted before). */
export const PR_SUB = "repo:acme/cross-account-pipeline:pull_request";

export const readerOf =
    (values: Record<string, string>) =>
    (name: string): string | undefined =>
        values[name];

/** Evaluates an IAM StringEquals condition block against a token's claims (what STS does). */
export function admits(policy: PolicyDocument, principal: string, claims: Record<string, string>): boolean {
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

export const claims = (sub: string, aud = STS_AUDIENCE) => ({
    "token.actions.githubusercontent.com:sub": sub,
    "token.actions.githubusercontent.com:aud": aud,
});

export const errorOf = (fn: () => unknown): Error => {
    try {
        fn();
    } catch (e) {
        return e as Error;
    }
    throw new Error("expected an error");
};
