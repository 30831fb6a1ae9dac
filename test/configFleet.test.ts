import { expect } from "chai";
import { ConfigError, parseCicdConfig, parseOrgConfig } from "../config";
import { manyTargets, readerOf, singleTarget } from "../tools/offline/program";

// The settings that came with waves, the review gate and drift detection, and the org stack's config.
const K = (name: string) => `cross-account-pipeline:${name}`;
const parse = (values: Record<string, string>) => parseCicdConfig(readerOf(values));
const message = (fn: () => unknown): string => {
    try {
        fn();
    } catch (e) {
        expect(e).to.be.instanceOf(ConfigError);
        return (e as Error).message;
    }
    throw new Error("expected a ConfigError");
};
const entry = (name: string, account: string, extra: Record<string, unknown> = {}) => ({
    name,
    accountId: account,
    subnetId: "subnet-0123456789abcdef0",
    securityGroupId: "sg-0123456789abcdef0",
    ...extra,
});
const withTargets = (list: unknown[]) => ({ "aws:region": "eu-west-1", [K("targets")]: JSON.stringify(list) });

describe("config: waves", () => {
    it("groups targets by wave, in the order each wave first appears, and keeps list order within a wave", () => {
        const c = parse(
            withTargets([
                entry("dev", "200000000001", { wave: "early" }),
                entry("qa", "200000000002"),
                entry("prod-eu", "200000000003", { wave: "prod", requireApproval: true }),
                entry("dev2", "200000000004", { wave: "early" }),
                entry("prod-us", "200000000005", { wave: "prod" }),
            ]),
        );
        expect(c.waves.map((w) => [w.name, w.targets.map((t) => t.name), w.requireApproval])).to.deep.equal([
            ["early", ["dev", "dev2"], false],
            ["qa", ["qa"], false],
            ["prod", ["prod-eu", "prod-us"], true],
        ]);
    });

    it("makes a target without wave its own wave, so that existing configs keep one stage group per target", () => {
        const c = parse(manyTargets(3, [2]));
        expect(c.waves.map((w) => w.name)).to.deep.equal(["t1", "t2", "t3"]);
        expect(c.waves.map((w) => w.requireApproval)).to.deep.equal([false, true, false]);
        expect(parse(singleTarget()).waves.map((w) => w.name)).to.deep.equal(["default"]);
    });

    it("refuses an explicit wave named like a target that has no wave, naming both", () => {
        const msg = message(() =>
            parse(withTargets([entry("prod", "200000000001"), entry("prod-eu", "200000000002", { wave: "prod" })])),
        );
        expect(msg)
            .to.include(`${K("targets")}[1] (prod-eu) joins the wave "prod"`)
            .and.include("give prod wave: prod");
        // The same wave given explicitly to both is fine.
        expect(
            parse(
                withTargets([
                    entry("prod", "200000000001", { wave: "prod" }),
                    entry("prod-eu", "200000000002", { wave: "prod" }),
                ]),
            ).waves,
        ).to.have.length(1);
    });

    it("refuses an unquoted account number as such (not as missing), and says to quote it", () => {
        const m = message(() => parse(withTargets([{ ...entry("dev", "x"), accountId: 22222222222 }])));
        expect(m).to.equal(
            "cross-account-pipeline:targets[0].accountId must be a string, 12 digits, e.g. 123456789012; " +
                'got the number 22222222222 (quote it in YAML: "22222222222")',
        );
        expect(message(() => parse(withTargets([{ ...entry("dev", "x"), accountId: undefined }])))).to.include(
            ".accountId is missing",
        );
    });

    it("refuses a wave name that cannot make a stage name", () => {
        expect(message(() => parse(withTargets([entry("dev", "200000000001", { wave: "Wave 1" })])))).to.equal(
            `${K("targets")}[0].wave must be 1 to 20 lower-case letters, digits or dashes, starting with a letter; got "Wave 1"`,
        );
    });

    it("keys each target's state by its account, so that renaming or reordering other targets never moves it", () => {
        const a = parse(withTargets([entry("dev", "200000000001"), entry("prod", "200000000002")]));
        const b = parse(
            withTargets([entry("prod", "200000000002"), entry("qa", "200000000003"), entry("dev", "200000000001")]),
        );
        const key = (c: typeof a, n: string) => c.targets.find((t) => t.name === n)!.stateKey;
        expect(key(a, "dev")).to.equal("xacct/200000000001/terraform.tfstate");
        expect(key(b, "dev")).to.equal(key(a, "dev"));
        expect(key(b, "prod")).to.equal(key(a, "prod"));
    });
});

describe("config: review gate, drift, retention, AMI, organization", () => {
    it("defaults: approvals on any change, a daily drift check, 30/90 days of retention, no pinned AMI", () => {
        const c = parse(singleTarget());
        expect(c).to.deep.include({
            approvalPolicy: "changes",
            driftSchedule: "rate(1 day)",
            artifactRetentionDays: 30,
            stateVersionRetentionDays: 90,
        });
        expect(c.amiId).to.equal(undefined);
        expect(c.organizationId).to.equal(undefined);
    });

    it("takes each setting when it is valid", () => {
        const c = parse(
            singleTarget({
                [K("approvalPolicy")]: "risk",
                [K("driftSchedule")]: "cron(0 6 ? * MON-FRI *)",
                [K("artifactRetentionDays")]: "7",
                [K("stateVersionRetentionDays")]: "365",
                [K("amiId")]: "ami-0123456789abcdef0",
                [K("organizationId")]: "o-a1b2c3d4e5",
            }),
        );
        expect(c).to.deep.include({
            approvalPolicy: "risk",
            driftSchedule: "cron(0 6 ? * MON-FRI *)",
            artifactRetentionDays: 7,
            stateVersionRetentionDays: 365,
            amiId: "ami-0123456789abcdef0",
            organizationId: "o-a1b2c3d4e5",
        });
        expect(parse(singleTarget({ [K("driftSchedule")]: "rate(12 hours)" })).driftSchedule).to.equal(
            "rate(12 hours)",
        );
    });

    it("turns drift detection off with `off`", () => {
        expect(parse(singleTarget({ [K("driftSchedule")]: "off" })).driftSchedule).to.equal(undefined);
    });

    it("refuses each malformed setting, naming the key and the form", () => {
        const cases: [string, string, string][] = [
            ["approvalPolicy", "sometimes", "must be one of changes, risk"],
            ["driftSchedule", "daily", "must be rate(<n> <minutes|hours|days>), cron(<6 fields>) or off"],
            ["driftSchedule", "rate(0 days)", "must be rate("],
            ["driftSchedule", "cron(0 6 * * *)", "must be rate("],
            ["artifactRetentionDays", "0", "from 1 to 3650"],
            ["stateVersionRetentionDays", "10 years", "from 1 to 3650"],
            ["amiId", "ami-XYZ", "'ami-' followed by 8 to 17 hex digits"],
            ["organizationId", "o-1", "an AWS Organizations ID"],
        ];
        for (const [name, value, form] of cases) {
            expect(
                message(() => parse(singleTarget({ [K(name)]: value }))),
                `${name}=${value}`,
            )
                .to.include(K(name))
                .and.include(form);
        }
    });
});

describe("config: the org stack", () => {
    const org = (values: Record<string, string>) => parseOrgConfig(readerOf({ "aws:region": "eu-west-1", ...values }));

    it("reads the OUs as a list or a comma list, with rollout defaults", () => {
        const c = org({ [K("organizationalUnitIds")]: "ou-ab12-cdef3456, r-ab12" });
        expect(c.organizationalUnitIds).to.deep.equal(["ou-ab12-cdef3456", "r-ab12"]);
        expect(c.callAs).to.equal("SELF");
        expect(c.rollout).to.deep.equal({
            maxConcurrentPercentage: 25,
            failureTolerancePercentage: 10,
            regionConcurrencyType: "PARALLEL",
        });
        expect(org({ [K("organizationalUnitIds")]: '["ou-ab12-cdef3456"]' }).organizationalUnitIds).to.have.length(1);
    });

    it("refuses a malformed OU, an empty list, a duplicate and a bad rollout setting, naming the key", () => {
        expect(message(() => org({ [K("organizationalUnitIds")]: "ou-bad" }))).to.include(
            `${K("organizationalUnitIds")}[0] must be an organizational unit ID`,
        );
        expect(message(() => org({}))).to.include(`${K("organizationalUnitIds")} is not set`);
        expect(message(() => org({ [K("organizationalUnitIds")]: "[]" }))).to.include("at least one");
        expect(message(() => org({ [K("organizationalUnitIds")]: "r-ab12,r-ab12" }))).to.include("lists r-ab12 twice");
        expect(
            message(() => org({ [K("organizationalUnitIds")]: "r-ab12", [K("maxConcurrentPercentage")]: "0" })),
        ).to.include(`${K("maxConcurrentPercentage")} must be a whole percentage from 1 to 100`);
        expect(message(() => org({ [K("organizationalUnitIds")]: "r-ab12", [K("callAs")]: "ME" }))).to.include(
            "must be one of SELF, DELEGATED_ADMIN",
        );
    });
});
