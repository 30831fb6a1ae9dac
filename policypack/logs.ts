// Logs: every log group expires its logs, after at least the configured number of days.
import type { Policies } from "@pulumi/policy";
import { integerConfig, integerSchema, IntegerSetting, resourcePolicy, TYPES } from "./lib/policies";
import { isUnknown, named, show } from "./lib/values";

export const RETENTION_SETTINGS: Record<"minRetentionDays", IntegerSetting> = {
    minRetentionDays: {
        description:
            "Shortest retentionInDays a log group may have (1 accepts any period CloudWatch offers; raise it to what an audit needs).",
        default: 1,
        minimum: 1,
        maximum: 3653,
    },
};

const logGroupRetention = resourcePolicy(
    {
        name: "cloudwatch-log-group-retention",
        description:
            "CloudWatch log groups set retentionInDays (unset or 0 keeps logs forever), of at least minRetentionDays (default 1).",
        configSchema: integerSchema(RETENTION_SETTINGS),
    },
    [TYPES.logGroup],
    (g, args, reportViolation) => {
        const { minRetentionDays } = integerConfig(RETENTION_SETTINGS, args);
        const days = g.retentionInDays;
        if (isUnknown(days)) return;
        if (typeof days !== "number" || days <= 0) {
            reportViolation(
                `${named("Log group", g.name, args)} has ${days === undefined ? "no retentionInDays" : `retentionInDays ${show(days)}`}: its logs never expire`,
            );
        } else if (days < minRetentionDays) {
            reportViolation(
                `${named("Log group", g.name, args)} has retentionInDays ${days}; keep logs at least ${minRetentionDays} days`,
            );
        }
    },
);

export const logsPolicies: Policies = [logGroupRetention];
