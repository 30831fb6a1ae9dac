// IAM: identity policies (no admin, no PassRole or AssumeRole on any role) and role trust (not
// public, pinned, short sessions). The one-principal-per-target rule is in iamPrincipals.ts.
import type { Policies } from "@pulumi/policy";
import {
    awsPrincipals,
    conditionKeys,
    eachStatement,
    grantsAction,
    identityDocuments,
    isAccountPrincipal,
    isAllow,
    isFullWildcardAction,
    openToEveryone,
    parseDocument,
    resourceDocuments,
    Statement,
    trustDocument,
} from "./lib/documents";
import { integerConfig, integerSchema, IntegerSetting, resourcePolicy, TYPES } from "./lib/policies";
import { isUnknown, named, Props, show } from "./lib/values";

const iamNoWildcardAdmin = resourcePolicy(
    {
        name: "iam-no-wildcard-admin",
        description:
            'No IAM or bucket policy statement allows Action "*" or a whole service ("s3:*") on Resource "*" ' +
            "(nor NotAction/NotResource equivalents).",
    },
    [...TYPES.identityPolicies, TYPES.role, ...TYPES.bucketPolicy, ...TYPES.bucket],
    (props, args, reportViolation) => {
        const docs = [...identityDocuments(args.type, props), ...resourceDocuments(args.type, props)];
        eachStatement(
            docs,
            reportViolation,
            (s, where) => {
                if (!isAllow(s)) return undefined;
                const onEverything = s.hasNotResource || s.resources.includes("*");
                if (!onEverything) return undefined;
                const resource = s.hasNotResource ? "NotResource (everything but a few)" : 'Resource "*"';
                if (s.hasNotAction)
                    return `${where} allows NotAction [${s.notActions.join(", ")}] (every other action) on ${resource}`;
                const wild = s.actions.filter(isFullWildcardAction);
                if (wild.length > 0)
                    return `${where} allows Action ${wild.map((a) => `"${a}"`).join(", ")} on ${resource}`;
                return undefined;
            },
            true,
        );
    },
);

/** `*`, or every role of an account (`arn:…:iam::<account>:role/*`). */
const isAnyRole = (r: string): boolean => r === "*" || /^arn:[^:]*:iam::[^:]*:role\/\*$/.test(r);

/** A rule that no identity policy grants `action` on any role. */
const noActionOnAnyRole = (name: string, action: string, consequence: string) =>
    resourcePolicy(
        {
            name,
            description:
                `No identity policy allows ${action} (directly or through a wildcard such as "${action.split(":")[0]}:*") on Resource "*" ` +
                `or on every role of an account: name the roles.`,
        },
        [...TYPES.identityPolicies, TYPES.role],
        (props, args, reportViolation) => {
            eachStatement(identityDocuments(args.type, props), reportViolation, (s, where) => {
                if (!isAllow(s) || !grantsAction(s, action)) return undefined;
                const broad = s.hasNotResource ? ["NotResource"] : s.resources.filter(isAnyRole);
                return broad.length > 0
                    ? `${where} allows ${action} on ${broad.map((r) => `"${r}"`).join(", ")}: ${consequence}`
                    : undefined;
            });
        },
    );

const iamNoPassRoleOnAnyRole = noActionOnAnyRole(
    "iam-no-passrole-on-any-role",
    "iam:PassRole",
    "any role could be passed to a service",
);

const iamNoAssumeAnyRole = noActionOnAnyRole(
    "iam-no-assume-any-role",
    "sts:AssumeRole",
    "any trusting role could be assumed",
);

const iamTrustNotPublic = resourcePolicy(
    {
        name: "iam-trust-not-public",
        description:
            'No IAM role trust policy (assumeRolePolicy) allows Principal "*" or {AWS: "*"} unless a Condition pins it to fixed values ' +
            "of aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalOrgID, aws:SourceAccount, ...; nor NotPrincipal without a Condition.",
    },
    [TYPES.role],
    (props, _args, reportViolation) => {
        eachStatement(
            trustDocument(props),
            reportViolation,
            (s, where) => {
                if (!isAllow(s)) return undefined;
                if (s.notPrincipal !== undefined) {
                    return s.condition === undefined || Object.keys(s.condition).length === 0
                        ? `${where} allows everyone but its NotPrincipal to assume the role, without a Condition`
                        : undefined;
                }
                const why = openToEveryone(s);
                return why === undefined
                    ? undefined
                    : `${where} allows Principal "*" (anyone, in any account) to assume the role, ${why}`;
            },
            true,
        );
    },
);

/** Condition keys that pin a trusted account to one principal (or to a third party's external id). */
const PINNING_KEYS = ["aws:principalarn", "sts:externalid"];

const iamCrossAccountTrustPinned = resourcePolicy(
    {
        name: "iam-cross-account-trust-pinned",
        description:
            "A trust statement that names a whole account (arn:…:iam::<account>:root or an account id) carries a Condition on " +
            "aws:PrincipalArn or sts:ExternalId, so that only the intended principal of that account may assume the role.",
    },
    [TYPES.role],
    (props, _args, reportViolation) => {
        eachStatement(trustDocument(props), reportViolation, (s, where) => {
            if (!isAllow(s)) return undefined;
            const accounts = awsPrincipals(s).filter(isAccountPrincipal);
            if (accounts.length === 0) return undefined;
            if (conditionKeys(s).some((k) => PINNING_KEYS.includes(k))) return undefined;
            return `${where} trusts the whole account ${accounts.join(", ")} without a Condition on aws:PrincipalArn or sts:ExternalId: any principal there allowed sts:AssumeRole could assume the role`;
        });
    },
);

/** Allow statements of the trust policy naming IAM principals of an account (not services, not "*"). */
const accountTrust = (props: Props): Statement[] => {
    const parsed = parseDocument(props.assumeRolePolicy);
    if (parsed.kind !== "ok") return [];
    return parsed.statements.filter((s) => isAllow(s) && awsPrincipals(s).some((p) => p !== "*" && !isUnknown(p)));
};

export const SESSION_SETTINGS: Record<"maxSessionSeconds", IntegerSetting> = {
    maxSessionSeconds: {
        description:
            "Longest maxSessionDuration, in seconds, of a role that an AWS account principal may assume. Role chaining caps " +
            "a chained session at one hour whatever the role says.",
        default: 3600,
        minimum: 3600,
        maximum: 43200,
    },
};

const iamCrossAccountSessionDuration = resourcePolicy(
    {
        name: "iam-cross-account-role-session-duration",
        description:
            "Roles that an AWS account principal may assume (the trust names an account root, account id or IAM ARN) have " +
            "maxSessionDuration <= maxSessionSeconds (default 3600; unset means 3600).",
        configSchema: integerSchema(SESSION_SETTINGS),
    },
    [TYPES.role],
    (props, args, reportViolation) => {
        const { maxSessionSeconds } = integerConfig(SESSION_SETTINGS, args);
        const statements = accountTrust(props);
        if (statements.length === 0) return;
        const max = props.maxSessionDuration;
        if (max === undefined || max === null || isUnknown(max)) return;
        if (typeof max !== "number" || max > maxSessionSeconds) {
            const who = [...new Set(statements.flatMap(awsPrincipals))].join(", ");
            reportViolation(
                `${named("Role", props.name, args)}, trusted by ${who}, has maxSessionDuration ${show(max)}; at most ${maxSessionSeconds} seconds for a cross-account role`,
            );
        }
    },
);

export const iamPolicies: Policies = [
    iamNoWildcardAdmin,
    iamNoPassRoleOnAnyRole,
    iamNoAssumeAnyRole,
    iamTrustNotPublic,
    iamCrossAccountTrustPinned,
    iamCrossAccountSessionDuration,
];
