import { test } from "node:test";
import assert from "node:assert/strict";
import { ACTIONS, STATES, nextState, checkGuards, light, overdueDays, deadlineWords, GuardError, type Action, type State } from "../../../server/features/tasks/workflow.ts";

// The whole table of DOMAIN.md's life of a task, written out by hand: [state, action] → next.
const withCheck: Record<State, Partial<Record<Action, State>>> = {
  todo: { edit: "todo", progress: "doing", requestExtension: "todo", decideExtension: "todo" },
  doing: { edit: "doing", progress: "doing", requestSignOff: "review", requestExtension: "doing", decideExtension: "doing" },
  review: { edit: "review", progress: "review", signOff: "done", sendBack: "doing", decideExtension: "review" },
  done: { reopen: "doing", confirmHeld: "done", rebound: "doing", setRecheck: "done" },
};

test("every state × action, with a leader's check", () => {
  for (const s of STATES)
    for (const a of ACTIONS) assert.equal(nextState(s, a, { requireCheck: true }), withCheck[s][a] ?? null, `${s} × ${a}`);
});

test("every state × action, where the unit closes on the owner's mark", () => {
  for (const s of STATES)
    for (const a of ACTIONS) {
      const want = s === "doing" && a === "requestSignOff" ? "done" : (withCheck[s][a] ?? null);
      assert.equal(nextState(s, a, { requireCheck: false }), want, `${s} × ${a}`);
    }
});

const base = { state: "doing" as State, progressCount: 1, deadlineKind: "dated" as const, deadline: "2026-12-01", hasPendingExtension: false, recheckDue: null as string | null };
const guard = (a: Action, t: Partial<typeof base>, input: Parameters<typeof checkGuards>[2]) => () => checkGuards(a, { ...base, ...t }, input, "2026-11-23");

test("guards: sign-off needs a progress note; 退回 and 重新打开 need a reason", () => {
  assert.throws(guard("requestSignOff", { progressCount: 0 }, {}), /至少填报一条整改进展/);
  assert.doesNotThrow(guard("requestSignOff", {}, {}));
  assert.throws(guard("sendBack", {}, { reason: "  " }), /退回理由/);
  assert.doesNotThrow(guard("sendBack", {}, { reason: "佐证材料不全" }));
  assert.throws(guard("reopen", {}, {}), /理由/);
  assert.throws(guard("progress", {}, { text: "" }), /整改进展/);
});

test("guards: 回头看 巩固 only on or after its date; 反弹 needs a reason", () => {
  const done = { state: "done" as State };
  assert.throws(guard("confirmHeld", { ...done, recheckDue: null }, {}), /没有待进行的回头看/);
  assert.throws(guard("confirmHeld", { ...done, recheckDue: "2026-11-24" }, {}), /回头看日期未到（2026年11月24日）/);
  assert.doesNotThrow(guard("confirmHeld", { ...done, recheckDue: "2026-11-23" }, {}));
  assert.throws(guard("rebound", done, { reason: " " }), /反弹的情况/);
  assert.doesNotThrow(guard("rebound", done, { reason: "又有两名党员党费补交" }));
  assert.throws(guard("setRecheck", done, { recheckDue: "2026-11-22" }), /不能早于今天/);
  assert.throws(guard("setRecheck", done, { recheckDue: "2027-02-30" }), /有效日期/);
  assert.doesNotThrow(guard("setRecheck", done, { recheckDue: "" }));
});

test("guards: 延期申请 needs a later date, not in the past, a reason, and no open request", () => {
  const ok = { newDeadline: "2026-12-20", reason: "等待上级批复" };
  assert.doesNotThrow(guard("requestExtension", {}, ok));
  assert.throws(guard("requestExtension", { hasPendingExtension: true }, ok), /待审批/);
  assert.throws(guard("requestExtension", {}, { ...ok, newDeadline: "2026-11-30" }), /晚于当前时限/);
  assert.throws(guard("requestExtension", { deadline: "2026-11-01" }, { ...ok, newDeadline: "2026-11-10" }), /不能早于今天/);
  assert.throws(guard("requestExtension", {}, { ...ok, reason: "" }), /延期理由/);
  assert.throws(guard("requestExtension", {}, { ...ok, newDeadline: "明天" }), /新的整改时限/);
  assert.throws(guard("requestExtension", { deadlineKind: "ongoing" as never, deadline: null as never }, ok), /长期坚持/);
  assert.throws(guard("decideExtension", {}, {}), GuardError);
});

test("lights: red overdue, yellow within the setting, green otherwise, none for 长期坚持", () => {
  const t = (deadline: string | null, state: State = "doing", deadlineKind: "dated" | "ongoing" = "dated") => ({ deadline, state, deadlineKind });
  const today = "2026-11-23";
  assert.equal(light(t("2026-11-22"), today, 3), "red");
  assert.equal(light(t("2026-11-23"), today, 3), "yellow");
  assert.equal(light(t("2026-11-26"), today, 3), "yellow");
  assert.equal(light(t("2026-11-27"), today, 3), "green");
  assert.equal(light(t("2026-11-27"), today, 5), "yellow");
  assert.equal(light(t("2026-11-01", "done"), today, 3), "green");
  assert.equal(light(t(null, "doing", "ongoing"), today, 3), null);
  assert.equal(overdueDays(t("2026-11-20"), today), 3);
  assert.equal(overdueDays(t("2026-11-20", "done"), today), 0);
  assert.equal(overdueDays(t("2026-11-25"), today), 0);
  assert.equal(deadlineWords(t("2026-11-20"), today), "逾期3天");
  assert.equal(deadlineWords(t("2026-11-23"), today), "今天到期");
  assert.equal(deadlineWords(t("2026-11-25"), today), "剩余2天");
  assert.equal(deadlineWords(t(null, "doing", "ongoing"), today), "长期坚持");
});
