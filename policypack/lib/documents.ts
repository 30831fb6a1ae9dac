// IAM policy documents: parsing, matching and the questions the rules ask of a statement.
import type { ReportViolation } from "@pulumi/policy";
import { TYPES, oneOf } from "./policies";
import { containsUnknown, isObject, isUnknown, knownString, objects, Props, strings } from "./values";

/** One statement, normalised: string-or-array fields become arrays. */
export interface Statement {
    readonly sid?: string;
    readonly effect: string;
    readonly actions: string[];
    readonly notActions: string[];
    readonly resources: string[];
    readonly notResources: string[];
    /** `"*"`, or a map such as `{ AWS: [...], Service: [...] }` with array values. */
    readonly principal: "*" | Record<string, string[]> | undefined;
    readonly notPrincipal: unknown;
    readonly condition: Props | undefined;
    readonly hasNotAction: boolean;
    readonly hasNotResource: boolean;
}

export type ParsedDocument =
    | { readonly kind: "ok"; readonly statements: Statement[]; readonly hasUnknown: boolean }
    | { readonly kind: "unknown" }
    | { readonly kind: "invalid"; readonly reason: string };

const normalisePrincipal = (p: unknown): Statement["principal"] => {
    if (p === undefined || p === null) return undefined;
    if (typeof p === "string") return p === "*" ? "*" : { AWS: [p] };
    if (isObject(p)) return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, strings(v)]));
    return undefined;
};

const normaliseStatement = (s: Props): Statement => ({
    sid: typeof s.Sid === "string" ? s.Sid : undefined,
    effect: typeof s.Effect === "string" ? s.Effect : "",
    actions: strings(s.Action),
    notActions: strings(s.NotAction),
    resources: strings(s.Resource),
    notResources: strings(s.NotResource),
    principal: normalisePrincipal(s.Principal),
    notPrincipal: s.NotPrincipal,
    condition: isObject(s.Condition) ? s.Condition : undefined,
    hasNotAction: s.NotAction !== undefined,
    hasNotResource: s.NotResource !== undefined,
});

/**
 * Parses a policy input: a JSON string (what `JSON.stringify`/`pulumi.jsonStringify` produce) or an
 * object (a `PolicyDocument` passed as is). `Statement` may be one object or an array.
 */
export const parseDocument = (input: unknown): ParsedDocument => {
    if (input === undefined || input === null || input === "") return { kind: "ok", statements: [], hasUnknown: false };
    if (isUnknown(input)) return { kind: "unknown" };
    let doc: unknown = input;
    if (typeof input === "string") {
        try {
            doc = JSON.parse(input);
        } catch (e) {
            return { kind: "invalid", reason: `not valid JSON (${(e as Error).message})` };
        }
    }
    if (!isObject(doc)) return { kind: "invalid", reason: "not a JSON object" };
    const statement: unknown = doc.Statement;
    if (isUnknown(statement)) return { kind: "unknown" };
    const list: unknown[] = statement === undefined ? [] : Array.isArray(statement) ? statement : [statement];
    const statements = list.filter(isObject).map(normaliseStatement);
    return { kind: "ok", statements, hasUnknown: containsUnknown(doc) };
};

/** The statements of a document, or none when it is unknown or invalid (other rules report those). */
export const statementsOf = (input: unknown): Statement[] => {
    const parsed = parseDocument(input);
    return parsed.kind === "ok" ? parsed.statements : [];
};

/** IAM wildcard matching (`*` and `?`), case-insensitive as IAM matches action names. */
export const globMatches = (pattern: string, value: string): boolean => {
    const re = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${re}$`, "i").test(value);
};

export const hasWildcard = (v: string): boolean => /[*?]/.test(v);

/** Does the statement's Action (or NotAction) grant `action`? */
export const grantsAction = (s: Statement, action: string): boolean =>
    s.hasNotAction ? !s.notActions.some((p) => globMatches(p, action)) : s.actions.some((p) => globMatches(p, action));

/** `*`, `*:*` or a whole service (`s3:*`). */
export const isFullWildcardAction = (a: string): boolean => a === "*" || /^[A-Za-z0-9-]+:\*$/.test(a) || a === "*:*";

export const isAllow = (s: Statement): boolean => s.effect === "Allow";

export const hasCondition = (s: Statement): boolean => s.condition !== undefined && Object.keys(s.condition).length > 0;

/** Every principal (`"*"` included) named in `Principal.AWS`, or `["*"]` for `Principal: "*"`. */
export const awsPrincipals = (s: Statement): string[] => (s.principal === "*" ? ["*"] : (s.principal?.AWS ?? []));

/** The service principals (`Principal.Service`). */
export const servicePrincipals = (s: Statement): string[] => (s.principal === "*" ? [] : (s.principal?.Service ?? []));

export const isEveryone = (s: Statement): boolean => awsPrincipals(s).includes("*");

/** `arn:<partition>:iam::<account>:root` or a bare account id: a whole account is trusted. */
export const isAccountPrincipal = (p: string): boolean => /^\d{12}$/.test(p) || /^arn:[^:]+:iam::\d{12}:root$/.test(p);

/** The account of an AWS principal (account id, root, or IAM ARN), if literal. */
export const principalAccount = (p: string): string | undefined =>
    /^\d{12}$/.test(p) ? p : (/^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(p)?.[1] ?? undefined);

/** Condition keys present in a statement, lower-cased (operators are ignored). */
export const conditionKeys = (s: Statement): string[] =>
    Object.values(s.condition ?? {}).flatMap((block) =>
        isObject(block) ? Object.keys(block).map((k) => k.toLowerCase()) : [],
    );

/** Each (operator, key, values) of a statement's Condition; keys lower-cased. */
export const conditionEntries = (s: Statement): { operator: string; key: string; values: unknown[] }[] =>
    Object.entries(s.condition ?? {}).flatMap(([operator, block]) =>
        isObject(block)
            ? Object.entries(block).map(([key, v]) => ({
                  operator,
                  key: key.toLowerCase(),
                  values: Array.isArray(v) ? v : [v],
              }))
            : [],
    );

/**
 * An operator that requires the key to match its values: not a negation, and not `...IfExists`
 * (which lets a request without the key through, an anonymous one included).
 */
export const isMatchingOperator = (operator: string): boolean =>
    !/not/i.test(operator) && !/ifexists$/i.test(operator) && !/^null$/i.test(operator);

/** A value with no wildcard and no policy variable: S3 Block Public Access calls this "fixed". */
export const isFixedValue = (v: unknown): boolean =>
    typeof v === "string"
        ? !hasWildcard(v) && !v.includes("${") && !isUnknown(v)
        : typeof v === "boolean" || typeof v === "number";

/**
 * Condition keys whose fixed values narrow `Principal: "*"` to known principals, accounts, an
 * organization or a source: after S3 Block Public Access' definition of a non-public policy
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status).
 */
export const NARROWING_KEYS = [
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:userid",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
] as const;

/** The narrowing keys a statement pins to fixed values with a matching operator. */
export const fixedNarrowingKeys = (s: Statement): string[] =>
    conditionEntries(s)
        .filter(
            (e) =>
                isMatchingOperator(e.operator) &&
                (NARROWING_KEYS as readonly string[]).includes(e.key) &&
                e.values.length > 0 &&
                e.values.every(isFixedValue),
        )
        .map((e) => e.key);

/**
 * Why an Allow to `Principal: "*"` is open to anyone, or undefined when a Condition pins it to fixed
 * values of a narrowing key (or when the Condition is still unknown).
 */
export const openToEveryone = (s: Statement): string | undefined => {
    if (!isAllow(s) || !isEveryone(s)) return undefined;
    if (!hasCondition(s)) return "without a Condition";
    if (containsUnknown(s.condition)) return undefined;
    if (fixedNarrowingKeys(s).length > 0) return undefined;
    return `whose Condition pins none of ${NARROWING_KEYS.join(", ")} to fixed values (no wildcard, no policy variable, no IfExists or Not operator)`;
};

/**
 * The values a statement's Condition requires of aws:PrincipalArn with matching operators, or
 * undefined when the Condition does not constrain it.
 */
export const principalArnValues = (s: Statement): unknown[] | undefined => {
    const entries = conditionEntries(s).filter((e) => e.key === "aws:principalarn" && isMatchingOperator(e.operator));
    return entries.length === 0 ? undefined : entries.flatMap((e) => e.values);
};

/** `false`, `"false"` or `["false"]`: the value of `aws:SecureTransport` in a TLS-only denial. */
const isFalse = (v: unknown): boolean =>
    v === false ||
    (typeof v === "string" && v.toLowerCase() === "false") ||
    (Array.isArray(v) && v.length > 0 && v.every(isFalse));

/** Deny, to everyone, every S3 action on the objects, when `aws:SecureTransport` is false. */
export const isTlsOnlyDenial = (s: Statement): boolean => {
    if (s.effect !== "Deny" || !isEveryone(s)) return false;
    if (s.hasNotAction || !s.actions.some((a) => a === "*" || a.toLowerCase() === "s3:*")) return false;
    if (s.hasNotResource || !s.resources.some((r) => r === "*" || r.endsWith("/*"))) return false;
    return Object.entries(s.condition ?? {}).some(
        ([operator, block]) =>
            /^Bool(IfExists)?$/i.test(operator) &&
            isObject(block) &&
            Object.entries(block).some(([key, value]) => key.toLowerCase() === "aws:securetransport" && isFalse(value)),
    );
};

/** The resources a statement allows sts:AssumeRole on (`["NotResource"]` for a NotResource). */
export const assumeRoleTargets = (s: Statement): string[] => {
    if (!isAllow(s) || !grantsAction(s, "sts:AssumeRole")) return [];
    return s.hasNotResource ? ["NotResource"] : s.resources;
};

// ---------------------------------------------------------------------------------------------
// Documents in resources

/** A labelled policy document found in a resource's inputs. */
export interface FoundDocument {
    readonly label: string;
    readonly value: unknown;
}

/** Identity-based policy documents in a resource's inputs (IAM policies, role inline policies). */
export const identityDocuments = (type: string, props: Props): FoundDocument[] => {
    if (oneOf(TYPES.identityPolicies, type)) return [{ label: "policy", value: props.policy }];
    if (type === TYPES.role) {
        return objects(props.inlinePolicies).map((p, i) => {
            const name = knownString(p.name);
            return { label: `inlinePolicies[${i}]${name !== undefined ? ` (${name})` : ""}`, value: p.policy };
        });
    }
    return [];
};

/** Resource-based policy documents (bucket policies, inline or separate). */
export const resourceDocuments = (type: string, props: Props): FoundDocument[] => {
    if (oneOf(TYPES.bucketPolicy, type) || oneOf(TYPES.bucket, type)) {
        return props.policy === undefined ? [] : [{ label: "policy", value: props.policy }];
    }
    return [];
};

export const trustDocument = (props: Props): FoundDocument[] => [
    { label: "assumeRolePolicy", value: props.assumeRolePolicy },
];

const describe = (s: Statement, i: number): string => `statement ${s.sid ? `"${s.sid}"` : `#${i}`}`;

/**
 * Runs `check` over every statement of every document, reporting what it returns. Unknown
 * documents are skipped; invalid ones are reported when `reportInvalid` is set.
 */
export const eachStatement = (
    docs: FoundDocument[],
    reportViolation: ReportViolation,
    check: (s: Statement, where: string) => string | undefined,
    reportInvalid = false,
): void => {
    for (const d of docs) {
        const parsed = parseDocument(d.value);
        if (parsed.kind === "unknown") continue;
        if (parsed.kind === "invalid") {
            if (reportInvalid) reportViolation(`${d.label} cannot be checked: ${parsed.reason}`);
            continue;
        }
        parsed.statements.forEach((s, i) => {
            const problem = check(s, `${d.label} ${describe(s, i)}`);
            if (problem !== undefined) reportViolation(problem);
        });
    }
};
