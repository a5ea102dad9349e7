import { test } from "node:test";
import assert from "node:assert/strict";
import { addMonths, dueAfterSignOff, dueAfterHeld, settingsOf, dueKind, dueWords, progressOf, rates, resultWords, inRound } from "../../../server/features/recheck/plan.ts";
import { cnDate } from "../../../server/lib/dates.ts";

test("addMonths keeps the day, or the month's last day", () => {
  assert.equal(addMonths("2026-12-01", 3), "2027-03-01");
  assert.equal(addMonths("2026-11-30", 3), "2027-02-28");
  assert.equal(addMonths("2027-08-31", 6), "2028-02-29");
  assert.equal(addMonths("2026-01-15", 12), "2027-01-15");
});

test("the 回头看 date: 3 months after 销号 by default, the unit's months, none at 0; 长期坚持 every 6 months", () => {
  const d = settingsOf(undefined);
  assert.deepEqual(d, { months: 3, ongoingMonths: 6 });
  assert.equal(dueAfterSignOff("2026-12-01", "dated", d), "2027-03-01");
  assert.equal(dueAfterSignOff("2026-12-01", "immediate", settingsOf({ recheckMonths: 1 })), "2027-01-01");
  assert.equal(dueAfterSignOff("2026-12-01", "dated", settingsOf({ recheckMonths: 0 })), null);
  assert.equal(dueAfterSignOff("2026-12-01", "ongoing", d), "2027-06-01");
  // after a 巩固: only 长期坚持 comes round again
  assert.equal(dueAfterHeld("2027-06-03", "ongoing", d), "2027-12-03");
  assert.equal(dueAfterHeld("2027-06-03", "dated", d), null);
  assert.equal(dueAfterHeld("2027-06-03", "ongoing", settingsOf({ recheckOngoingMonths: 0 })), null);
});

test("due words and kinds", () => {
  assert.equal(dueKind("2027-03-01", "2027-03-02"), "overdue");
  assert.equal(dueKind("2027-03-01", "2027-03-01"), "due");
  assert.equal(dueKind("2027-03-01", "2027-02-01"), "upcoming");
  assert.equal(dueWords("2027-03-01", "2027-03-06"), "回头看逾期5天");
  assert.equal(dueWords("2027-03-01", "2027-03-01"), "今天回头看");
  assert.equal(dueWords("2027-03-01", "2027-02-27"), "2天后回头看");
});

test("a round's progress and the rates", () => {
  const p = progressOf(
    [
      { status: "open", due: "2027-03-01" },
      { status: "open", due: "2027-04-01" },
      { status: "held", due: "2027-03-01" },
      { status: "held", due: "2027-03-01" },
      { status: "held", due: "2027-03-01" },
      { status: "rebound", due: "2027-03-01" },
    ],
    "2027-03-15",
  );
  assert.deepEqual(p, { total: 6, checked: 4, held: 3, rebound: 1, open: 2, overdue: 1 });
  assert.deepEqual(rates(3, 1), { holdRate: 0.75, reboundRate: 0.25 });
  assert.deepEqual(rates(0, 0), { holdRate: null, reboundRate: null });
});

test("the ledger's words for a task's 回头看", () => {
  assert.equal(resultWords({ state: "done", reboundCount: 0, lastHeldDay: "2027-03-01" }, cnDate), "回头看：2027年3月1日巩固");
  assert.equal(resultWords({ state: "done", reboundCount: 1, lastHeldDay: null }, cnDate), "反弹，已重新整改");
  assert.equal(resultWords({ state: "doing", reboundCount: 1, lastHeldDay: "2027-03-01" }, cnDate), "反弹，正在重新整改");
  assert.equal(resultWords({ state: "done", reboundCount: 0, lastHeldDay: null }, cnDate), "");
});

test("a round takes the tasks signed off before its date", () => {
  const ts = [
    { id: 1, state: "done", signedOffAt: "2026-10-01T02:00:00.000Z" },
    { id: 2, state: "done", signedOffAt: "2026-12-01T02:00:00.000Z" },
    { id: 3, state: "doing", signedOffAt: null },
  ];
  assert.deepEqual(inRound(ts, "2026-11-01").map((t) => t.id), [1]);
});
