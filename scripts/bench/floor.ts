/**
 * The floor of `npm run bench`: a fresh process that only loads @pulumi/pulumi and the parts of
 * @pulumi/aws the program uses (and touches every resource class it declares, since the service
 * modules load their classes lazily), then exits. No program code, no mocks, no resources.
 *
 *   floor          each service module by its own path (@pulumi/aws/s3, ...): the least any program
 *                  declaring these resources must load
 *   floor root     the same classes through the package index (`import * as aws from "@pulumi/aws"`),
 *                  which loads the index of every AWS service: what the program did before aws.ts
 */
const started = process.hrtime.bigint();

/** The @pulumi/aws resource classes and functions the program uses, by service module. */
export const AWS_USED: Record<string, readonly string[]> = {
    cloudformation: ["StackSet", "StackSetInstance"],
    cloudwatch: ["EventRule", "EventTarget", "LogGroup"],
    codebuild: ["Project"],
    codepipeline: ["Pipeline"],
    codestarnotifications: ["NotificationRule"],
    iam: ["InstanceProfile", "Role", "RolePolicy", "RolePolicyAttachment"],
    s3: [
        "Bucket",
        "BucketLifecycleConfiguration",
        "BucketNotification",
        "BucketObjectv2",
        "BucketOwnershipControls",
        "BucketPolicy",
        "BucketPublicAccessBlock",
        "BucketServerSideEncryptionConfiguration",
        "BucketVersioning",
    ],
    sns: ["Topic", "TopicPolicy", "TopicSubscription"],
};

/** The root exports the program uses: loaded from their own modules in the floor. */
export const AWS_FUNCTIONS: readonly string[] = ["Provider", "getCallerIdentity", "getPartition"];

async function load(root: boolean): Promise<number> {
    await import("@pulumi/pulumi");
    const touched: unknown[] = [];
    if (root) {
        // A computed specifier, so that the type checker (npm run typecheck, lint) does not load the
        // declarations of every AWS service for this one line.
        const index: string = "@pulumi/aws";
        const aws = (await import(index)) as Record<string, Record<string, unknown>> & Record<string, unknown>;
        for (const [service, names] of Object.entries(AWS_USED)) for (const n of names) touched.push(aws[service][n]);
        touched.push(aws.getCallerIdentity, aws.getPartition, aws.Provider);
    } else {
        const modules: Record<string, Record<string, unknown>> = {
            cloudformation: await import("@pulumi/aws/cloudformation"),
            cloudwatch: await import("@pulumi/aws/cloudwatch"),
            codebuild: await import("@pulumi/aws/codebuild"),
            codepipeline: await import("@pulumi/aws/codepipeline"),
            codestarnotifications: await import("@pulumi/aws/codestarnotifications"),
            iam: await import("@pulumi/aws/iam"),
            s3: await import("@pulumi/aws/s3"),
            sns: await import("@pulumi/aws/sns"),
        };
        for (const [service, names] of Object.entries(AWS_USED))
            for (const n of names) touched.push(modules[service][n]);
        touched.push(
            (await import("@pulumi/aws/getCallerIdentity")).getCallerIdentity,
            (await import("@pulumi/aws/getPartition")).getPartition,
            (await import("@pulumi/aws/provider")).Provider,
        );
    }
    const missing = touched.filter((t) => typeof t !== "function").length;
    if (missing > 0) throw new Error(`floor: ${missing} of the used @pulumi/aws exports did not load`);
    return touched.length;
}

if (require.main === module) {
    const root = process.argv[2] === "root";
    load(root).then(
        (exports) => {
            const usage = process.resourceUsage();
            const line = {
                stack: root ? "floor-root" : "floor",
                exports,
                modules: Object.keys(require.cache).length,
                inProcessMs: Math.round(Number(process.hrtime.bigint() - started) / 1e6),
                cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000),
                maxRssKb: usage.maxRSS,
            };
            process.stdout.write(`${JSON.stringify(line)}\n`);
            process.exit(0);
        },
        (err: unknown) => {
            process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
            process.exit(1);
        },
    );
}
