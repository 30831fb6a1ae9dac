// Legacy: this file is trust.ts as it was at commit 46b8648, before the trust-boundary fixes, kept verbatim
// so that the attack tests can show each attack succeeding against the old code. Not used by the program.
import { arn, doc, Document } from "./document";

/**
 * Trust for a role in another account. The principal is that account's root, which always exists,
 * and the condition pins the one role that may assume it. Naming the role itself as principal would
 * fail with "Invalid principal in policy" until the role exists, and would silently break when the
 * role is recreated (IAM stores the role's unique id, not its name).
 */
export const crossAccountTrust = (p: {
    partition: string;
    trustedAccountId: string;
    trustedRoleArn: string;
    sid: string;
}): Document =>
    doc({
        Sid: p.sid,
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Principal: { AWS: arn.accountRoot(p.partition, p.trustedAccountId) },
        Condition: { ArnEquals: { "aws:PrincipalArn": p.trustedRoleArn } },
    });

/**
 * Trust for an AWS service, guarded against the confused deputy: the service may assume the role
 * only on behalf of this account (and, where given, of one resource).
 */
export const serviceTrust = (p: { service: string; sourceAccountId?: string; sourceArn?: string }): Document => {
    const condition: Record<string, Record<string, string>> = {};
    if (p.sourceAccountId !== undefined) condition.StringEquals = { "aws:SourceAccount": p.sourceAccountId };
    if (p.sourceArn !== undefined) condition.ArnLike = { "aws:SourceArn": p.sourceArn };
    return doc({
        Sid: "TrustedService",
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Principal: { Service: p.service },
        ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    });
};
