// A hand-built IAM model for the pure policy tests and the attack tests: roles and bucket policies
// as documents, evaluated by the same evaluator as the captured program (tools/offline/iam/evaluate.ts).
import type { CapturedBucket, CapturedRole, IamModel, PolicyDoc } from "../../tools/offline/iam/capture";
import { EvalRequest, Evaluator, Verdict } from "../../tools/offline/iam/evaluate";

const doc = (d: unknown): PolicyDoc => JSON.parse(JSON.stringify(d)) as PolicyDoc;

export function role(arn: string, trust: unknown, policies: Record<string, unknown> = {}): CapturedRole {
    return {
        stack: "pure",
        accountId: arn.split(":")[4],
        resourceName: arn,
        name: arn.split("/").pop()!,
        arn,
        trust: doc(trust),
        policies: Object.entries(policies).map(([name, policy]) => ({ name, policy: doc(policy) })),
    };
}

export function bucket(name: string, accountId: string, policy: unknown): CapturedBucket {
    return { stack: "pure", accountId, resourceName: name, name, arn: `arn:aws:s3:::${name}`, policy: doc(policy) };
}

export function iamModel(
    roles: readonly CapturedRole[],
    buckets: readonly CapturedBucket[] = [],
    cicdAccountId = "111111111111",
): IamModel {
    return {
        partition: "aws",
        region: "eu-west-1",
        cicdAccountId,
        cicd: {},
        targets: [],
        roles: new Map(roles.map((r) => [r.arn, r])),
        buckets: new Map(buckets.map((b) => [b.name, b])),
    };
}

/** The verdict of one request. */
export async function verdict(model: IamModel, req: EvalRequest): Promise<Verdict> {
    return (await new Evaluator(model).evaluate(req)).verdict;
}

export const ADMIN: PolicyDoc = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
