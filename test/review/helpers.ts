/** Shared by the test/review suites: the fixtures and a few readers of a Review. */
import * as fs from "fs";
import * as path from "path";
import { classifyChangeSet, classifyTerraformPlan, type Review, type Risk } from "../../review/classify";

export const FIXTURES = path.join(__dirname, "..", "fixtures", "review");
export const CLASSIFY = path.join(__dirname, "..", "..", "review", "cli.js");
export const fixture = (name: string): any => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8"));
export const tf = (name: string): Review => classifyTerraformPlan(fixture(name));
export const cfn = (name: string): Review => classifyChangeSet(fixture(name));
/** class + resource of each risk, in order. */
export const fired = (r: Review): string[] => r.risks.map((k) => `${k.class} ${k.resource}`);
export const detailOf = (r: Review, resource: string): string =>
    r.risks.find((k) => k.resource === resource)?.detail ?? "";

/** A review with many long-named risks of every class. */
export function busyReview(): Review {
    const risks: Risk[] = [];
    const classes = ["permissions-broadening", "stateful-deletion", "network-opening", "code-execution"] as const;
    classes.forEach((cls, i) => {
        for (let j = 0; j < 5; j++) {
            risks.push({
                class: cls,
                resource: `module.layer${i}.aws_resource_type.some_long_resource_name[${j}]`,
                detail: "x",
            });
        }
    });
    return {
        kind: "terraform",
        changes: { add: 12, change: 3, destroy: 4, replace: 5 },
        noChanges: false,
        destroyed: [],
        replaced: [],
        risks,
        resources: [],
    };
}
