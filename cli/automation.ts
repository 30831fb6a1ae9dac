// The Workspace port on the Pulumi Automation API: one LocalWorkspace over the repository's program
// (Pulumi.yaml at the root), whose environment carries the AWS profile of each operation.
import { CommandError, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { execFile } from "child_process";
import { CliError } from "./errors";
import type { Identity, OperationOptions, StackSummary, Workspace } from "./ports";

/** The useful end of a failed pulumi command's output, without the Automation API's framing. */
export function commandFailure(e: unknown): string {
    if (!(e instanceof CommandError)) return e instanceof Error ? e.message : String(e);
    const result = (e as unknown as { commandResult?: { stdout?: string; stderr?: string } }).commandResult;
    const text = `${result?.stdout ?? ""}\n${result?.stderr ?? ""}`;
    const lines = text
        .split("\n")
        .map((l) => l.trimEnd())
        .filter((l) => l.trim() !== "");
    return lines.slice(-15).join("\n") || e.message;
}

const MISSING = /ENOENT|not found|command not found/i;

let operations = 0;
/** Whether a pulumi up or destroy is running (interrupting it must let pulumi stop cleanly). */
export const operationRunning = (): boolean => operations > 0;

/** Creates the workspace; a CliError naming the tool when the pulumi CLI cannot be run. */
export async function createWorkspace(workDir: string): Promise<Workspace> {
    let ws: LocalWorkspace;
    try {
        ws = await LocalWorkspace.create({ workDir });
    } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        if (MISSING.test(message)) {
            throw new CliError(
                "required tool not found on PATH: pulumi (install it: https://www.pulumi.com/docs/iac/download-install/)",
            );
        }
        throw new CliError(`cannot run the pulumi CLI: ${commandFailure(e)}`);
    }
    return new AutomationWorkspace(ws);
}

class AutomationWorkspace implements Workspace {
    private readonly stacks = new Map<string, Stack>();

    constructor(private readonly ws: LocalWorkspace) {}

    get pulumiVersion(): string {
        return this.ws.pulumiVersion;
    }

    private async run<T>(what: string, f: () => Promise<T>): Promise<T> {
        try {
            return await f();
        } catch (e) {
            throw new CliError(`${what} failed:\n${commandFailure(e)}`);
        }
    }

    private async stack(name: string): Promise<Stack> {
        const known = this.stacks.get(name);
        if (known !== undefined) return known;
        const s = await this.run(`pulumi stack select ${name}`, () => Stack.select(name, this.ws));
        this.stacks.set(name, s);
        return s;
    }

    async whoAmI(): Promise<Identity | undefined> {
        try {
            const who = await this.ws.whoAmI();
            return { user: who.user, ...(who.url !== undefined ? { url: who.url } : {}) };
        } catch {
            return undefined; // not logged in (or the backend is unreachable: the same remedy)
        }
    }

    useBackend(url: string): void {
        this.ws.envVars.PULUMI_BACKEND_URL = url;
    }

    /** Like the Automation API's own commands: process.env (scrubbed by the CLI), then the workspace's variables. */
    login(url: string): Promise<void> {
        return new Promise((resolve, reject) => {
            execFile(
                this.ws.pulumiCommand.command,
                ["login", url, "--non-interactive"],
                { cwd: this.ws.workDir, env: { ...process.env, ...this.ws.envVars } },
                (err, _stdout, stderr) =>
                    err
                        ? reject(new CliError(`pulumi login ${url} failed: ${stderr.trim() || err.message}`))
                        : resolve(),
            );
        });
    }

    async listStacks(): Promise<StackSummary[]> {
        const list = await this.run("pulumi stack ls", () => this.ws.listStacks());
        return list.map((s) => ({
            name: s.name,
            ...(s.resourceCount !== undefined ? { resourceCount: s.resourceCount } : {}),
        }));
    }

    async exportedResourceCount(stack: string): Promise<number> {
        const state = await this.run(`pulumi stack export --stack ${stack}`, () => this.ws.exportStack(stack));
        const resources = (state.deployment as { resources?: unknown[] } | undefined)?.resources;
        return Array.isArray(resources) ? resources.length : 0;
    }

    async createOrSelectStack(stack: string): Promise<void> {
        const s = await this.run(`pulumi stack select --create ${stack}`, () => Stack.createOrSelect(stack, this.ws));
        this.stacks.set(stack, s);
    }

    async getAllConfig(stack: string): Promise<Record<string, string>> {
        const config = await this.run(`pulumi config --stack ${stack}`, () => this.ws.getAllConfig(stack));
        return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v.value]));
    }

    async setAllConfig(stack: string, config: Record<string, string>): Promise<void> {
        const values = Object.fromEntries(Object.entries(config).map(([k, value]) => [k, { value }]));
        await this.run(`pulumi config set-all --stack ${stack}`, () => this.ws.setAllConfig(stack, values));
    }

    async removeAllConfig(stack: string, keys: string[]): Promise<void> {
        await this.run(`pulumi config rm-all --stack ${stack}`, () => this.ws.removeAllConfig(stack, keys));
    }

    /** Runs one operation with AWS_PROFILE set for it (the program and the AWS provider read it). */
    private async withProfile<T>(profile: string, f: () => Promise<T>): Promise<T> {
        this.ws.envVars.AWS_PROFILE = profile;
        operations++;
        try {
            return await f();
        } finally {
            operations--;
            delete this.ws.envVars.AWS_PROFILE;
        }
    }

    async up(stack: string, opts: OperationOptions): Promise<void> {
        const s = await this.stack(stack);
        try {
            await this.withProfile(opts.profile, () =>
                s.up(opts.onEvent !== undefined ? { onEvent: opts.onEvent } : {}),
            );
        } catch (e) {
            throw new Error(commandFailure(e)); // the caller names the stack and the operation
        }
    }

    async destroy(stack: string, opts: OperationOptions): Promise<void> {
        const s = await this.stack(stack);
        try {
            await this.withProfile(opts.profile, () =>
                s.destroy(opts.onEvent !== undefined ? { onEvent: opts.onEvent } : {}),
            );
        } catch (e) {
            throw new Error(commandFailure(e)); // the caller names the stack and the operation
        }
    }

    async outputs(stack: string): Promise<Record<string, unknown>> {
        const out = await this.run(`pulumi stack output --stack ${stack}`, () => this.ws.stackOutputs(stack));
        return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.value as unknown]));
    }
}
