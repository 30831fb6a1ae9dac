/**
 * What a review shows people (review/report.js): the summary line, the report, the approval decision.
 */
import { expect } from "chai";
import { type Review } from "../../review/classify";
import { approvalDecision, renderReport, summaryLine } from "../../review/report";
import { busyReview, tf } from "./helpers";

describe("review/classify: summaryLine", () => {
    it("reads counts and risks, or 'no changes'", () => {
        expect(summaryLine(tf("tf-instance-replace.json"), { target: "dev", maxLength: 500 })).to.equal(
            "dev: +0 ~0 -0 -/+1; risk: stateful-deletion (aws_instance.workload)",
        );
        expect(summaryLine(tf("tf-policy-narrowing.json"), { target: "dev", maxLength: 500 })).to.equal(
            "dev: +0 ~1 -0 -/+0; risk: none",
        );
        expect(summaryLine(tf("tf-noop.json"), { target: "prod", maxLength: 500 })).to.equal("prod: no changes");
    });

    it("never exceeds maxLength; lists shrink to '+N more' and the counts stay intact", () => {
        const review = busyReview();
        const full = summaryLine(review, { target: "dev", maxLength: 10_000 });
        expect(full).to.not.contain("more");
        for (let max = 1; max <= full.length + 5; max++) {
            const line = summaryLine(review, { target: "dev", maxLength: max });
            expect(line.length, `maxLength ${max}`).to.be.at.most(max);
            expect(line).to.match(/^[\x20-\x7e]*$/);
            if (max >= "dev: +12 ~3 -4 -/+5".length) expect(line.startsWith("dev: +12 ~3 -4 -/+5")).to.equal(true);
        }
        expect(summaryLine(review, { target: "dev", maxLength: 200 })).to.equal(
            "dev: +12 ~3 -4 -/+5; risk: permissions-broadening (5), stateful-deletion (5), network-opening (5), code-execution (5)",
        );
        const mid = summaryLine(review, { target: "dev", maxLength: 400 });
        expect(mid).to.match(/module\.layer0\.aws_resource_type\.some_long_resource_name\[0\], \+[1-4] more\)/);
        expect(summaryLine(review, { target: "dev", maxLength: 60 })).to.equal(
            "dev: +12 ~3 -4 -/+5; risk: permissions-broadening, +3 more",
        );
    });

    it("is printable ASCII only: newlines, unicode and emoji become '?'", () => {
        const review = tf("tf-instance-replace.json");
        const evil: Review = {
            ...review,
            risks: [{ class: "stateful-deletion", resource: 'aws_instance.w["a\nb"\u00e9\u{1F680}]', detail: "" }],
        };
        expect(summaryLine(evil, { target: "d\u00e9v", maxLength: 500 })).to.equal(
            'd?v: +0 ~0 -0 -/+1; risk: stateful-deletion (aws_instance.w["a?b"??])',
        );
    });
});

describe("review/classify: renderReport", () => {
    it("has the counts, the risks with details, the lists and a per-resource table", () => {
        const md = renderReport(tf("tf-create-workload.json"), { target: "dev" });
        expect(md.split("\n")[0]).to.equal("# Deployment review: dev");
        expect(md).to.contain("| 4 | 0 | 0 | 0 |");
        expect(md).to.contain(
            "- **permissions-broadening** aws\\_iam\\_role\\_policy\\_attachment.ssm\\_core: attaches arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore to role xacct-dev-instance-role",
        );
        expect(md).to.contain("## Destroyed\n\nNone.");
        expect(md).to.contain("| aws\\_instance.workload | aws\\_instance | create | - |");
        expect(md).to.contain("| aws\\_iam\\_role.instance | aws\\_iam\\_role | create | permissions-broadening |");
    });

    it("escapes table-breaking characters and uses the given title", () => {
        const review: Review = {
            ...tf("tf-instance-replace.json"),
            resources: [{ resource: "a|b\nc", type: "aws_instance", action: "replace" }],
        };
        const md = renderReport(review, { target: "dev", title: "Plan for dev" });
        expect(md.split("\n")[0]).to.equal("# Plan for dev");
        expect(md).to.contain("| a\\|b c | aws\\_instance | replace | - |");
        expect(renderReport(tf("tf-noop.json"), { target: "dev" })).to.contain("No changes.");
    });
});

describe("review/classify: approvalDecision", () => {
    const noChanges = tf("tf-noop.json");
    const safe = tf("tf-policy-narrowing.json");
    const risky = tf("tf-instance-replace.json");
    const cases: [string, Review, boolean, "changes" | "risk", string, string][] = [
        ["no changes, policy changes", noChanges, true, "changes", "not-required", "no changes"],
        ["no changes, policy risk", noChanges, true, "risk", "not-required", "no changes"],
        ["approval off", risky, false, "changes", "not-required", "approval is not required for this target"],
        ["approval off, risky", risky, false, "risk", "not-required", "approval is not required for this target"],
        ["changes, policy changes", safe, true, "changes", "required", "changes: +0 ~1 -0 -/+0"],
        ["changes without risk, policy risk", safe, true, "risk", "not-required", "no risk class fired"],
        ["risk, policy risk", risky, true, "risk", "required", "risk: stateful-deletion"],
    ];
    for (const [name, review, requireApproval, policy, approval, reason] of cases) {
        it(name, () => {
            expect(approvalDecision(review, { requireApproval, policy })).to.deep.equal({ approval, reason });
        });
    }
});
