// Stand-ins for terraform, curl and unzip (behind pipelineStub.ts). The terraform stand-in writes a
// plan file whose content names the plan it stands for, shows that plan as JSON, and applies it or
// refuses it as stale, as a scenario says.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { fail, flag, Handler, ok, StubCall } from "./pipelineStub";

export interface TerraformScenario {
    /** `terraform show -json` of the plan the next `plan` writes (the documented plan JSON format). */
    planJson: Record<string, unknown>;
    /** `plan` fails (exit 1). */
    planFails?: boolean;
    /** What `apply` does with a saved plan. */
    apply: "ok" | "stale" | "fail";
    applied: string[];
}

const PLAN_MAGIC = "tfplan-stand-in:";

export const FAKE_ZIP = "fake terraform zip";
export const FAKE_ZIP_SHA256 = createHash("sha256").update(FAKE_ZIP).digest("hex");

const resolve = (call: StubCall, p: string): string => (path.isAbsolute(p) ? p : path.join(call.cwd, p));

export function fakeTerraform(s: TerraformScenario): Handler {
    return (call) => {
        const args = call.args[0]?.startsWith("-chdir=") ? call.args.slice(1) : call.args;
        const dir = call.args[0]?.startsWith("-chdir=")
            ? resolve(call, call.args[0].slice("-chdir=".length))
            : call.cwd;
        const inDir = (p: string) => (path.isAbsolute(p) ? p : path.join(dir, p));
        switch (args[0]) {
            case "version":
                return ok("Terraform v1.11.4\non linux_amd64\n");
            case "init":
                return ok("Terraform has been successfully initialized!\n");
            case "plan": {
                if (s.planFails) return fail("Error: provider produced an error", 1);
                const out = flag(args, "-out");
                if (out !== undefined) fs.writeFileSync(inDir(out), `${PLAN_MAGIC}${JSON.stringify(s.planJson)}`);
                const changes = ((s.planJson.resource_changes as { change: { actions: string[] } }[]) ?? []).some(
                    (rc) => !rc.change.actions.every((a) => a === "no-op" || a === "read"),
                );
                return {
                    code: args.includes("-detailed-exitcode") && changes ? 2 : 0,
                    stdout: "Plan: ...\n",
                    stderr: "",
                };
            }
            case "show": {
                const file = args[args.length - 1];
                const text = fs.readFileSync(inDir(file), "utf8");
                if (!text.startsWith(PLAN_MAGIC))
                    return fail("Error: Failed to read the given file as a state or plan file", 1);
                return ok(`${text.slice(PLAN_MAGIC.length)}\n`);
            }
            case "apply": {
                const file = args[args.length - 1];
                s.applied.push(fs.readFileSync(inDir(file), "utf8"));
                if (s.apply === "stale") {
                    return fail(
                        "Error: Saved plan is stale\n\nThe given plan file can no longer be applied because the state was changed by another operation after the plan was created.",
                        1,
                    );
                }
                return s.apply === "ok"
                    ? ok("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.\n")
                    : fail("Error: apply failed", 1);
            }
        }
        return undefined;
    };
}

export const fakeCurl: Handler = (call) => {
    const out = flag(call.args, "-o");
    if (out === undefined) return undefined;
    fs.writeFileSync(resolve(call, out), FAKE_ZIP);
    return ok();
};

export const fakeUnzip: Handler = () => ok();
