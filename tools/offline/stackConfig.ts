/**
 * A stack's committed config (`Pulumi.<stack>.yaml`) read the way Pulumi hands it to the program:
 * scalars as strings, objects and lists as JSON strings, a key without a namespace as the project's.
 * Secrets cannot be decrypted without the Pulumi CLI: they are refused.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { ConfigError, PROJECT } from "../../config";

export interface StackConfig {
    /** The file name, `Pulumi.<stack>.yaml`. */
    readonly file: string;
    readonly exists: boolean;
    /** Full keys (`aws:region`, `cross-account-pipeline:...`) to the strings `config.get` returns. */
    readonly values: Record<string, string>;
}

export function readStackConfig(dir: string, stack: string): StackConfig {
    const file = `Pulumi.${stack}.yaml`;
    const full = path.join(dir, file);
    if (!fs.existsSync(full)) return { file, exists: false, values: {} };
    let parsed: unknown;
    try {
        parsed = parseYaml(fs.readFileSync(full, "utf8"));
    } catch (err) {
        throw new ConfigError(`${file} is not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
    }
    const config = (parsed as { config?: unknown } | null)?.config ?? {};
    if (config === null || typeof config !== "object" || Array.isArray(config)) {
        throw new ConfigError(`${file}: "config" must be a map of keys to values`);
    }
    const values: Record<string, string> = {};
    for (const [rawKey, v] of Object.entries(config as Record<string, unknown>)) {
        const key = rawKey.includes(":") ? rawKey : `${PROJECT}:${rawKey}`;
        if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v) {
            throw new ConfigError(
                `${key} in ${file} is a secret: the plan runs without the Pulumi CLI and cannot decrypt it`,
            );
        }
        values[key] = v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v);
    }
    return { file, exists: true, values };
}

/** The repository's committed example config for the cicd stack (Pulumi.cicd.yaml). */
export const committedExampleConfig = (): Record<string, string> =>
    readStackConfig(path.join(__dirname, "..", ".."), "cicd").values;
