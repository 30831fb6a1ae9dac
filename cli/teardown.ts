// teardown, in the one order that orphans nothing: the workload through the pipelines' destroy runs
// (while the target roles exist), the target stacks last first (or the org stack), the artifact
// bucket (versioned), then cicd. The Terraform state bucket survives unless -P.
import { deleteBucket, emptyBucket } from "./buckets";
import { confirmOrAbort, loginIfNeeded } from "./deploy";
import { CliError } from "./errors";
import type { TeardownOptions } from "./options";
import { runPipelines } from "./pipelines";
import type { Deps } from "./ports";
import { CICD, live, ORG, preflight } from "./preflight";
import type { Reporter } from "./reporter";
import { operate } from "./stackOps";

const join = (items: readonly string[]): string => items.join(", ");
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

export async function teardown(o: TeardownOptions, deps: Deps, rep: Reporter): Promise<void> {
    const p = await preflight(o, deps, rep);
    const cicdLive = live(p.cicd.info);
    if (p.region === undefined && cicdLive) {
        throw new CliError(
            `no region: pass -r REGION, or set one for the CI/CD profile: aws configure set region eu-west-1 --profile ${o.cicdProfile}`,
        );
    }
    // The stacks that hold target roles, in deploy order, with the profile that destroys each.
    const roleStacks =
        o.mode === "org"
            ? [{ stack: ORG, profile: o.orgProfile!, account: p.orgAccount! }]
            : p.targets.map((t) => ({ stack: t.stack, profile: t.profile!, account: t.accountId! }));
    const liveness = await Promise.all(roleStacks.map(async (s) => live(await p.stack(s.stack))));
    // A target the file does not list cannot be destroyed (no profile): refuse rather than orphan it.
    const droppedEmpty: string[] = [];
    if (o.mode === "multi") {
        for (const d of p.dropped) {
            const stack = `target-${d.name}`;
            if (live(await p.stack(stack))) {
                throw new CliError(
                    `the cicd stack also deploys the target ${d.name} (account ${d.accountId}), which ${o.targetsFile?.label} does not list, ` +
                        `and its stack ${stack} is not destroyed: add ${d.name} with its profile to the file so that the teardown destroys it too`,
                );
            }
            droppedEmpty.push(stack);
        }
    }
    const liveStacks = roleStacks.filter((_, i) => liveness[i]).map((s) => s.stack);
    const emptyStacks = [...droppedEmpty, ...roleStacks.filter((_, i) => !liveness[i]).map((s) => s.stack)];
    const outputs = p.cicd.outputs;
    const artifactBucket = str(outputs.artifactBucketName);
    const stateBucket = str(outputs.stateBucketName); // read now: the outputs go with the stack
    const region = p.region ?? "unknown";

    rep.line();
    rep.info("Teardown plan");
    rep.note(`CI/CD account   ${p.cicdAccount} (profile ${o.cicdProfile}), stack cicd`);
    roleStacks.forEach((s, i) => {
        const t = p.targets[i];
        if (o.mode === "org") rep.note(`org stack       account ${s.account} (profile ${s.profile}), stack org`);
        else if (o.mode === "single") rep.note(`target account  ${s.account} (profile ${s.profile}), stack ${s.stack}`);
        else
            rep.note(
                `target ${i + 1}/${roleStacks.length}      ${t.name}: account ${s.account} (profile ${s.profile}), stack ${s.stack}`,
            );
    });
    rep.note(`region          ${region}`);
    rep.note(`backend         ${p.backend.url}`);
    const reversed = [...roleStacks].reverse().map((s) => s.stack);
    rep.note(`steps           workload destroy runs, destroy ${join(reversed)}, empty artifact bucket, destroy cicd`);
    rep.note(
        o.purgeState
            ? "state bucket    PURGED (-P): every version of the Terraform state is deleted"
            : "state bucket    kept, with its history",
    );
    rep.result.plan = {
        cicd: { account: p.cicdAccount, profile: o.cicdProfile },
        stacks: roleStacks,
        region: p.region,
        backend: p.backend.url,
    };
    rep.line();
    await confirmOrAbort(o, rep);
    await loginIfNeeded(p, rep);

    // 1. The workload, through the pipelines, while the target roles still exist. A destroy run needs
    //    the roles of every target the pipelines deploy into.
    const where = o.mode === "single" ? `account ${p.targets[0].accountId}` : "the target accounts";
    if (cicdLive && liveStacks.length > 0 && emptyStacks.length === 0) {
        rep.info(`Step 1/4: destroying the workload in ${where} through the pipelines`);
        rep.note("each destroy run waits at the manual approval ApproveDestroy until someone approves it");
        const { ok, runs } = await runPipelines(
            { deps, rep, profile: o.cicdProfile, region: p.region!, yes: o.yes, pollSeconds: o.pollSeconds },
            outputs,
            "destroy",
        );
        rep.result.pipelines = runs;
        if (!ok) {
            if (!o.force) {
                throw new CliError(
                    `a workload destroy run failed, so the stacks are NOT destroyed (that would orphan the workload in ${where}). ` +
                        "Fix the cause (see the pipeline in the console) and re-run, or add -f to destroy the stacks anyway",
                );
            }
            rep.warn(`a workload destroy run failed; going on because of -f (the workload may be left in ${where})`);
        }
    } else if (liveStacks.length > 0 && !cicdLive) {
        if (!o.force) {
            throw new CliError(
                `the stack(s) ${join(liveStacks)} exist but the cicd stack is gone, so the workload cannot be destroyed ` +
                    "through the pipelines. Delete the workload by hand, then re-run with -f",
            );
        }
        rep.warn("no pipelines to destroy the workload with; going on because of -f");
    } else if (liveStacks.length > 0) {
        // Role stacks are destroyed (last first) only after every destroy run succeeded, so an
        // already destroyed one means an earlier teardown got that far.
        rep.note(
            `Step 1/4: ${join(emptyStacks)} already destroyed: an earlier teardown ran the workload destroy runs; no destroy runs`,
        );
    } else {
        const which =
            o.mode === "single"
                ? "the target stack is"
                : o.mode === "org"
                  ? "the org stack is"
                  : "every target stack is";
        rep.note(`Step 1/4: ${which} already destroyed: no workload destroy runs`);
    }

    // 2. The target roles, the last target first.
    for (let i = roleStacks.length - 1; i >= 0; i--) {
        const s = roleStacks[i];
        if (!liveness[i]) {
            rep.note(`Step 2/4: stack ${s.stack}: nothing to destroy`);
            continue;
        }
        rep.info(`Step 2/4: destroying stack ${s.stack} in account ${s.account} (profile ${s.profile})`);
        await operate(p.ws, deps, rep, "destroy", s.stack, s.profile);
    }

    // 3. The artifact bucket (versioned): only the one the stack names.
    const s3 = (): ReturnType<Deps["aws"]["s3"]> => deps.aws.s3(o.cicdProfile, p.region!);
    if (cicdLive && artifactBucket !== undefined) {
        rep.info(`Step 3/4: emptying the artifact bucket s3://${artifactBucket}`);
        rep.result.artifactBucket = { name: artifactBucket, deleted: await emptyBucket(s3(), artifactBucket, rep) };
    } else {
        rep.note("Step 3/4: no artifact bucket to empty");
    }

    // 4. The CI/CD account's stack. The state bucket has retainOnDelete and survives.
    if (cicdLive) {
        rep.info(`Step 4/4: destroying stack cicd in account ${p.cicdAccount}`);
        if (stateBucket !== undefined) rep.note(`the Terraform state bucket is s3://${stateBucket}`);
        await operate(p.ws, deps, rep, "destroy", CICD, o.cicdProfile);
    } else {
        rep.note("Step 4/4: stack cicd: nothing to destroy");
    }

    if (stateBucket === undefined || !cicdLive) {
        if (o.purgeState) {
            rep.warn(
                "-P: the state bucket's name is not known any more (the cicd stack has no outputs). If it still exists, " +
                    "empty and delete it by hand (aws s3api list-object-versions / delete-objects / delete-bucket)",
            );
        }
    } else if (o.purgeState) {
        if (
            o.yes ||
            (await rep.confirm(`Delete the state bucket s3://${stateBucket} and every version of the Terraform state?`))
        ) {
            rep.info(`Purging the state bucket s3://${stateBucket}`);
            const deleted = await emptyBucket(s3(), stateBucket, rep);
            await deleteBucket(s3(), stateBucket);
            rep.note(`s3://${stateBucket} deleted`);
            rep.result.stateBucket = { name: stateBucket, deleted, removed: true };
        } else {
            rep.note(`kept the state bucket s3://${stateBucket}`);
            rep.result.stateBucket = { name: stateBucket, removed: false };
        }
    } else {
        rep.info(`Kept the Terraform state bucket s3://${stateBucket} (retainOnDelete), with its history`);
        rep.note("to delete it later, re-run with -d -P before anything else removes its name, or by hand");
        rep.result.stateBucket = { name: stateBucket, removed: false };
    }
    rep.line();
    rep.info("Teardown complete");
    rep.note(
        "the stacks are empty but still listed (pulumi stack ls); 'pulumi stack rm <stack>' removes one and its config:",
    );
    rep.note(`  ${[...roleStacks.map((s) => s.stack), CICD].join(" ")}`);
}
