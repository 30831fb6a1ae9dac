import { check, ConfigError, ConfigReader, key, optionalBool, PATTERNS, PatternName, required } from "./core";

/** The name of the single target in the single-target form (keys targetAccountId, subnetId, ...). */
export const SINGLE_TARGET_NAME = "default";

/** One account the pipelines deploy into. */
export interface TargetConfig {
    /** Short name: lower-case letters, digits and dashes. The single-target form is named `default`. */
    readonly name: string;
    /** The wave this target deploys in; a target without `wave` is its own wave, named after it. */
    readonly wave: string;
    /** The Pulumi stack that deploys this target's roles: `target` or `target-<name>`. */
    readonly stackName: string;
    readonly accountId: string;
    readonly subnetId: string;
    readonly securityGroupId: string;
    /** A manual approval runs before this target's wave applies (when its plan has changes). */
    readonly requireApproval: boolean;
    /**
     * Terraform state object key in the state bucket: `<namePrefix>/<accountId>/terraform.tfstate`.
     * Keyed by account, so that the bucket policy can confine each account to its own prefix with one
     * statement (`${aws:PrincipalAccount}`), whatever the number of targets.
     */
    readonly stateKey: string;
    /** CloudFormation stack that method 2 creates in the target account. */
    readonly cfnStackName: string;
}

/** Targets deployed together: their plans run in parallel, then one approval (if any asks), then the applies. */
export interface Wave {
    readonly name: string;
    readonly targets: readonly TargetConfig[];
    /** Any target of the wave requires approval. */
    readonly requireApproval: boolean;
}

/** The stack that deploys a target's roles: `target` for the single-target form. */
export function targetStackName(targetName: string): string {
    return targetName === SINGLE_TARGET_NAME ? "target" : `target-${targetName}`;
}

/** The key prefix of a target account's objects in the state bucket (state, lock, workspaces). */
export const stateKeyPrefix = (namePrefix: string, accountId: string): string => `${namePrefix}/${accountId}`;

export function makeTarget(
    entry: {
        name: string;
        accountId: string;
        subnetId: string;
        securityGroupId: string;
        requireApproval: boolean;
        wave?: string;
    },
    namePrefix: string,
    cfnStackName?: string,
): TargetConfig {
    return {
        name: entry.name,
        wave: entry.wave ?? entry.name,
        stackName: targetStackName(entry.name),
        accountId: entry.accountId,
        subnetId: entry.subnetId,
        securityGroupId: entry.securityGroupId,
        requireApproval: entry.requireApproval,
        stateKey: `${stateKeyPrefix(namePrefix, entry.accountId)}/terraform.tfstate`,
        cfnStackName: cfnStackName ?? `${namePrefix}-workload-${entry.name}`,
    };
}

const ENTRY_FORM = "{ name, accountId, subnetId, securityGroupId, requireApproval?, wave? }";
export const TARGET_FIELDS = ["name", "accountId", "subnetId", "securityGroupId", "requireApproval", "wave"] as const;

/**
 * Validates one entry of a target list: the stack config's `targets` and the deploy CLI's targets
 * file share it, so both refuse the same entries with the same words. `idField` names the field
 * that says which account: `accountId` here, `profile` in the CLI's file (resolved through STS).
 */
export function checkTargetEntry(
    entry: unknown,
    where: string,
    idField: { name: string; pattern?: PatternName } = { name: "accountId", pattern: "accountId" },
): { name: string; id: string; subnetId: string; securityGroupId: string; requireApproval: boolean; wave?: string } {
    const form = ENTRY_FORM.replace("accountId", idField.name);
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
        throw new ConfigError(`${where} must be an object ${form}`);
    }
    const e = entry as Record<string, unknown>;
    const known = TARGET_FIELDS.map((f) => (f === "accountId" ? idField.name : f));
    const unknown = Object.keys(e).filter((k) => !known.includes(k));
    if (unknown.length > 0) {
        throw new ConfigError(`${where} has unknown field(s) ${unknown.join(", ")}; expected ${known.join(", ")}`);
    }
    const field = (name: string, pattern?: PatternName): string => {
        const v = e[name];
        const shape = pattern === undefined ? "a non-empty string" : PATTERNS[pattern].form;
        if (v === undefined || v === null || (typeof v === "string" && pattern === undefined && v.trim() === "")) {
            throw new ConfigError(`${where}.${name} is missing: it must be ${shape}`);
        }
        if (typeof v !== "string") {
            // A YAML number (accountId: 123456789012 unquoted) would lose leading zeros: ask for a string.
            throw new ConfigError(
                `${where}.${name} must be a string, ${shape}; got the ${typeof v} ${JSON.stringify(v)} ` +
                    `(quote it in YAML: "${String(JSON.stringify(v))}")`,
            );
        }
        return pattern === undefined ? v : check(`${where}.${name}`, v, pattern);
    };
    return {
        name: field("name", "targetName"),
        id: field(idField.name, idField.pattern),
        subnetId: field("subnetId", "subnetId"),
        securityGroupId: field("securityGroupId", "securityGroupId"),
        requireApproval: optionalBool(e.requireApproval, `${where}.requireApproval`),
        ...(e.wave !== undefined
            ? { wave: check(`${where}.wave`, typeof e.wave === "string" ? e.wave : JSON.stringify(e.wave), "waveName") }
            : {}),
    };
}

/** Parses the JSON text of a target list (`targets` config, or the CLI's file) into checked entries. */
export function parseTargetListJson(raw: string, setting: string): unknown[] {
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        throw new ConfigError(`${setting} must be a list of objects; got ${JSON.stringify(raw)}`);
    }
    if (!Array.isArray(parsed) || parsed.length === 0) {
        throw new ConfigError(`${setting} must be a non-empty list of ${ENTRY_FORM}`);
    }
    return parsed;
}

/** Names and accounts must be unique; an implicit wave (a target's own name) must not meet an explicit one. */
export function checkTargetSet(
    targets: readonly { name: string; wave?: string; id: string }[],
    where: (i: number) => string,
    idLabel = "account",
): void {
    targets.forEach((t, i) => {
        const sameName = targets.findIndex((o) => o.name === t.name);
        if (sameName < i) throw new ConfigError(`${where(i)} (${t.name}): the name ${t.name} is used twice`);
        const sameId = targets.findIndex((o) => o.id === t.id);
        if (sameId < i) {
            throw new ConfigError(
                `${where(i)} (${t.name}): ${idLabel} ${t.id} is already the target ${targets[sameId].name}; ` +
                    `each target needs its own account`,
            );
        }
    });
    for (const t of targets) {
        if (t.wave !== undefined) continue;
        const explicit = targets.find((o) => o.wave === t.name);
        if (explicit !== undefined) {
            throw new ConfigError(
                `${where(targets.indexOf(explicit))} (${explicit.name}) joins the wave "${t.name}", which is also the ` +
                    `name of the target ${t.name} that has no wave (a target without wave is its own wave): ` +
                    `give ${t.name} wave: ${t.name} to deploy them together, or name the wave differently`,
            );
        }
    }
}

export function parseTargets(read: ConfigReader, namePrefix: string): TargetConfig[] {
    const rawList = read(key("targets"));
    const singleKeys = ["targetAccountId", "subnetId", "securityGroupId", "cfnStackName", "requireApproval"].filter(
        (k) => read(key(k)) !== undefined,
    );
    if (rawList === undefined || rawList.trim() === "") {
        return [
            makeTarget(
                {
                    name: SINGLE_TARGET_NAME,
                    accountId: required(read, "targetAccountId", "accountId", "123456789012"),
                    subnetId: required(read, "subnetId", "subnetId", "subnet-0123456789abcdef0"),
                    securityGroupId: required(read, "securityGroupId", "securityGroupId", "sg-0123456789abcdef0"),
                    requireApproval: optionalBool(read(key("requireApproval")), key("requireApproval")),
                },
                namePrefix,
                read(key("cfnStackName")) === undefined
                    ? undefined
                    : required(read, "cfnStackName", "stackName", "my-workload"),
            ),
        ];
    }
    if (singleKeys.length > 0) {
        throw new ConfigError(
            `${key("targets")} and the single-target keys (${singleKeys.map(key).join(", ")}) are both set: ` +
                `use one form or the other`,
        );
    }
    const setting = key("targets");
    const entries = parseTargetListJson(rawList, setting).map((e, i) => checkTargetEntry(e, `${setting}[${i}]`));
    checkTargetSet(entries, (i) => `${setting}[${i}]`);
    return entries.map((e) =>
        makeTarget(
            {
                name: e.name,
                accountId: e.id,
                subnetId: e.subnetId,
                securityGroupId: e.securityGroupId,
                requireApproval: e.requireApproval,
                ...(e.wave !== undefined ? { wave: e.wave } : {}),
            },
            namePrefix,
        ),
    );
}

/** Groups targets into waves, in the order in which each wave first appears in the list. */
export function wavesOf(targets: readonly TargetConfig[]): Wave[] {
    const order: string[] = [];
    const byWave = new Map<string, TargetConfig[]>();
    for (const t of targets) {
        if (!byWave.has(t.wave)) {
            byWave.set(t.wave, []);
            order.push(t.wave);
        }
        byWave.get(t.wave)!.push(t);
    }
    return order.map((name) => {
        const members = byWave.get(name)!;
        return { name, targets: members, requireApproval: members.some((t) => t.requireApproval) };
    });
}
