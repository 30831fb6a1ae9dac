import {
    DeleteBucketCommand,
    DeleteObjectsCommand,
    ListObjectVersionsCommand,
    ListObjectVersionsCommandOutput,
    ObjectIdentifier,
    S3Client,
} from "@aws-sdk/client-s3";
import { CliError } from "./errors";
import type { Reporter } from "./reporter";

/**
 * Every page of a bucket's object versions and delete markers. The SDK has no paginator for
 * ListObjectVersions (it pages with two markers, KeyMarker and VersionIdMarker, which the SDK's
 * generated paginators cannot express: aws/aws-sdk-js-v3#6768), so this is one, in the same form.
 */
export async function* paginateObjectVersions(
    client: S3Client,
    input: { Bucket: string; MaxKeys?: number },
): AsyncGenerator<ListObjectVersionsCommandOutput> {
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
        const page = await client.send(
            new ListObjectVersionsCommand({
                ...input,
                ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
                ...(versionIdMarker !== undefined ? { VersionIdMarker: versionIdMarker } : {}),
            }),
        );
        yield page;
        if (!page.IsTruncated || page.NextKeyMarker === undefined) return;
        keyMarker = page.NextKeyMarker;
        versionIdMarker = page.NextVersionIdMarker;
    }
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** DeleteObjects takes at most 1000 keys. */
const BATCH = 1000;

/** Deletes every object version and delete marker of a (versioned) bucket; returns how many. */
export async function emptyBucket(s3: S3Client, bucket: string, rep: Reporter): Promise<number> {
    if (!BUCKET_NAME.test(bucket)) throw new CliError(`refusing to empty '${bucket}': not a bucket name`);
    let total = 0;
    try {
        for await (const page of paginateObjectVersions(s3, { Bucket: bucket, MaxKeys: BATCH })) {
            const objects: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
                Key: v.Key,
                VersionId: v.VersionId,
            }));
            for (let i = 0; i < objects.length; i += BATCH) {
                const batch = objects.slice(i, i + BATCH);
                const out = await s3.send(
                    new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }),
                );
                const errors = out.Errors ?? [];
                if (errors.length > 0) {
                    for (const e of errors.slice(0, 5)) rep.note(`  ${e.Key} ${e.VersionId}: ${e.Code} ${e.Message}`);
                    throw new CliError(
                        `${errors.length} object version(s) of s3://${bucket} could not be deleted (see above)`,
                    );
                }
                total += batch.length;
                rep.note(`deleted ${total} object version(s) and delete marker(s) so far`);
            }
        }
    } catch (e) {
        if (e instanceof CliError) throw e;
        throw new CliError(`cannot empty s3://${bucket}: ${(e as Error).message}`);
    }
    rep.note(`s3://${bucket} is empty (${total} deleted)`);
    return total;
}

export async function deleteBucket(s3: S3Client, bucket: string): Promise<void> {
    try {
        await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    } catch (e) {
        throw new CliError(`cannot delete s3://${bucket}: ${(e as Error).message}`);
    }
}
