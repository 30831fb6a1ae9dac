/**
 * The offline mocks keep Pulumi's promise stack captures short while the program runs, and give the
 * stack trace limit back when the run has settled; the bench asks for V8's default to time the
 * program as `pulumi up` runs it.
 */
import { expect } from "chai";
import { OFFLINE_STACK_TRACE_LIMIT, settle, useMocks } from "../../tools/offline/mocks";

describe("offline mocks: stack traces", () => {
    // A run of another test in this worker that never settled leaves the short limit in place: settle one.
    beforeEach(async () => settle(await useMocks("cicd", { accountId: "111111111111" })));

    it("keeps 2 frames while the program runs, and restores the limit once the run settles", async () => {
        const before = Error.stackTraceLimit;
        const mocks = await useMocks("cicd", { accountId: "111111111111" });
        expect(Error.stackTraceLimit).to.equal(OFFLINE_STACK_TRACE_LIMIT).and.to.not.equal(before);
        await settle(mocks);
        expect(Error.stackTraceLimit).to.equal(before);
    });

    it("uses the limit a caller asks for (the bench: full traces)", async () => {
        const before = Error.stackTraceLimit;
        const mocks = await useMocks("cicd", { accountId: "111111111111", stackTraceLimit: 10 });
        expect(Error.stackTraceLimit).to.equal(10);
        await settle(mocks);
        expect(Error.stackTraceLimit).to.equal(before);
    });
});
