// Build: the CodeBuild projects, and the build environments the pipelines hand their actions.
import type { Policies } from "@pulumi/policy";
import { integerConfig, integerSchema, IntegerSetting, resourcePolicy, TYPES } from "./lib/policies";
import { actionsOf, configurationValue, knownCommands, shellAssignments } from "./lib/pipelines";
import { isObject, isUnknown, knownString, named, objects, Props, show } from "./lib/values";

const codeBuildNotPrivileged = resourcePolicy(
    {
        name: "codebuild-not-privileged",
        description:
            "CodeBuild projects do not run in privileged mode (environment.privilegedMode gives the build root on the Docker host).",
    },
    [TYPES.project],
    (p, args, reportViolation) => {
        const env = p.environment;
        if (isObject(env) && env.privilegedMode === true) {
            reportViolation(`${named("Project", p.name, args)} sets environment.privilegedMode: true`);
        }
    },
);

export const TIMEOUT_SETTINGS: Record<"maxMinutes", IntegerSetting> = {
    maxMinutes: {
        description:
            "Longest buildTimeout, in minutes. A build assumes its target role from its own role session (role chaining), " +
            "which AWS caps at one hour: a longer build loses its credentials mid-apply.",
        default: 60,
        minimum: 5,
        maximum: 2160,
    },
};

const codeBuildTimeout = resourcePolicy(
    {
        name: "codebuild-build-timeout",
        description: "CodeBuild projects set buildTimeout explicitly, at most maxMinutes (default 60).",
        configSchema: integerSchema(TIMEOUT_SETTINGS),
    },
    [TYPES.project],
    (p, args, reportViolation) => {
        const { maxMinutes } = integerConfig(TIMEOUT_SETTINGS, args);
        const timeout = p.buildTimeout;
        if (isUnknown(timeout)) return;
        if (timeout === undefined || timeout === null) {
            reportViolation(
                `${named("Project", p.name, args)} has no buildTimeout; set one (at most ${maxMinutes} minutes)`,
            );
        } else if (typeof timeout !== "number" || timeout > maxMinutes) {
            reportViolation(
                `${named("Project", p.name, args)} has buildTimeout ${show(timeout)}; at most ${maxMinutes} minutes`,
            );
        }
    },
);

/** Names of variables that hold secrets. A bare `KEY` is not enough (object keys, e.g. S3_KEY, are fine). */
export const SECRET_NAME =
    /SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|CREDENTIAL|PRIVATE_?KEY|ACCESS_?KEY|API_?KEY|AUTH_?KEY/i;
/** Values that are secrets whatever the name: AWS access key ids, PEM private keys, GitHub tokens. */
const SECRET_VALUE =
    /(^|[^A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}([^A-Z0-9]|$)|-----BEGIN [A-Z ]*PRIVATE KEY-----|^gh[pousr]_[A-Za-z0-9]{36,}$/;

/** Why a PLAINTEXT variable looks like a secret, or undefined. In shell, `$…` is computed at run time. */
const secretLooking = (v: Props, shell = false): string | undefined => {
    const type = v.type ?? "PLAINTEXT"; // the CodeBuild default
    if (type !== "PLAINTEXT") return undefined;
    const name = knownString(v.name) ?? "";
    const value = knownString(v.value) ?? "";
    if (SECRET_VALUE.test(value)) return `${name}: its value looks like a credential`;
    // A reference to a secret (its ARN), or a value the command reads at run time, is not the secret.
    if (SECRET_NAME.test(name) && !value.startsWith("arn:") && !(shell && value.startsWith("$"))) {
        return `${name}: the name says it is a secret`;
    }
    return undefined;
};

const SECRET_ADVICE = "use type SECRETS_MANAGER or PARAMETER_STORE";

const codeBuildNoPlaintextSecrets = resourcePolicy(
    {
        name: "codebuild-no-plaintext-secrets",
        description:
            "CodeBuild environment variables of type PLAINTEXT (in projects, in CodePipeline CodeBuild actions' EnvironmentVariables, " +
            `and NAME=value assignments in Commands actions' commands) do not hold secrets: a name matching ${SECRET_NAME.source}, ` +
            `or a value that looks like a credential. Secrets are ${SECRET_ADVICE}.`,
    },
    [TYPES.project, TYPES.pipeline],
    (props, args, reportViolation) => {
        if (args.type === TYPES.project) {
            const env = props.environment;
            for (const v of objects(isObject(env) ? env.environmentVariables : undefined)) {
                const why = secretLooking(v);
                if (why)
                    reportViolation(
                        `Project environment variable ${why}; it is PLAINTEXT, visible to anyone who can read the project: ${SECRET_ADVICE}`,
                    );
            }
            return;
        }
        for (const a of actionsOf(knownString(props.name) ?? args.name, props)) {
            if (a.action.provider === "Commands") {
                for (const { index, command } of knownCommands(a.action)) {
                    for (const v of shellAssignments(command)) {
                        const why = secretLooking({ ...v, type: "PLAINTEXT" }, true);
                        if (why)
                            reportViolation(
                                `${a.where}: command ${index} sets ${why}; it is plain text in the pipeline definition: ${SECRET_ADVICE}`,
                            );
                    }
                }
                continue;
            }
            if (a.action.provider !== "CodeBuild") continue;
            const json = configurationValue(a.action, "EnvironmentVariables");
            if (json === undefined) continue;
            let vars: unknown;
            try {
                vars = JSON.parse(json);
            } catch {
                reportViolation(`${a.where}: EnvironmentVariables is not valid JSON`);
                continue;
            }
            for (const v of objects(vars)) {
                const why = secretLooking(v);
                if (why)
                    reportViolation(
                        `${a.where}: environment variable ${why}; it is PLAINTEXT in the pipeline definition: ${SECRET_ADVICE}`,
                    );
            }
        }
    },
);

export const buildPolicies: Policies = [codeBuildNotPrivileged, codeBuildTimeout, codeBuildNoPlaintextSecrets];
