// The ledger's replay answers "on or before that day?" without formatting most instants in the
// time zone, and works out the days of the last progress and the sign-off once: checked here
// against dayIn itself around day boundaries in zones far from UTC, and, on random histories,
// against the plain replay it replaced (kept below as the reference).
import { test } from "node:test";
import assert from "node:assert/strict";
import { dayIn, daysBetween } from "../../../server/lib/dates.ts";
import { onOrBefore, taskAsOf, isoFromCn, type HistoryEvent, type LedgerTaskInput, type TaskAsOf } from "../../../server/features/ledger/as-of.ts";
import { DEADLINE_KIND_LABEL, type DeadlineKind, type State } from "../../../server/features/tasks/workflow.ts";

const ZONES = ["Asia/Shanghai", "UTC", "Pacific/Kiritimati", "Etc/GMT+12", "Pacific/Pago_Pago", "Asia/Kathmandu", "Australia/Lord_Howe", "America/New_York", "Europe/London", "America/St_Johns", "Pacific/Chatham"];

test("onOrBefore(asOf, tz)(at) is dayIn(tz, at) <= asOf, every 7 minutes over four days around asOf, in zones from −12 h to +14 h and across DST changes", () => {
  // 2026-03-08: DST starts in New York; 2026-04-05: Lord Howe's half-hour DST ends; 2026-10-25: London's ends
  for (const asOf of ["2026-11-24", "2026-03-08", "2026-04-05", "2026-10-25", "2026-01-01"]) {
    const start = Date.parse(`${asOf}T00:00:00Z`);
    for (const tz of ZONES) {
      const inDay = onOrBefore(asOf, tz);
      let checked = 0;
      for (let t = start - 40 * 3_600_000; t <= start + 64 * 3_600_000; t += 7 * 60_000 + 1_003) {
        const at = new Date(t).toISOString();
        assert.equal(inDay(at), dayIn(tz, new Date(at)) <= asOf, `${tz} ${asOf} ${at}`);
        checked++;
      }
      assert.ok(checked > 800);
    }
  }
  // far from the day: answered without the zone
  const inDay = onOrBefore("2026-11-24", "Asia/Shanghai");
  assert.equal(inDay("2025-01-01T00:00:00.000Z"), true);
  assert.equal(inDay("2027-01-01T00:00:00.000Z"), false);
  // a time as SQLite's datetime() writes it (no zone: local to the process), the same as new Date() reads it
  assert.equal(inDay("2026-11-24 10:00:00"), dayIn("Asia/Shanghai", new Date("2026-11-24 10:00:00")) <= "2026-11-24");
  assert.throws(() => inDay("not a time"), RangeError, "an unreadable time still fails loudly");
});

// ── the replay as it was before (one dayIn per event and per file), the reference ──
const KIND_BY_LABEL: Record<string, DeadlineKind> = Object.fromEntries(Object.entries(DEADLINE_KIND_LABEL).map(([k, v]) => [v, k as DeadlineKind]));
function parse(d: HistoryEvent["data"]): Record<string, any> {
  if (!d) return {};
  if (typeof d === "string") {
    try {
      return JSON.parse(d) ?? {};
    } catch {
      return {};
    }
  }
  return d;
}
function referenceAsOf(t: LedgerTaskInput, asOf: string, tz: string): TaskAsOf | null {
  const events = t.events.filter((e) => dayIn(tz, new Date(e.at)) <= asOf).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  if (!events.length) return null;
  let state: State = "todo";
  let deadlineKind: DeadlineKind = t.deadlineKind;
  let deadline: string | null = t.deadline;
  let originalDeadline: string | null = null;
  let firstSeen = false;
  let progressCount = 0;
  let latestProgress: TaskAsOf["latestProgress"] = null;
  let signedOffDay: string | null = null;
  let signedOffBy: string | null = null;
  for (const e of events) {
    const data = parse(e.data);
    if (e.kind === "created" || e.kind === "imported") {
      if ("kind" in data && typeof data.kind === "string") deadlineKind = data.kind as DeadlineKind;
      if ("deadline" in data) deadline = (data.deadline as string | null) ?? null;
      originalDeadline = deadline;
      firstSeen = true;
    } else if (e.kind === "extensionApproved" && typeof data.to === "string") {
      deadline = data.to;
    } else if (e.kind === "edited" && Array.isArray(data.changes)) {
      for (const c of data.changes) {
        if (c?.field === "deadline") deadline = isoFromCn(c.to);
        if (c?.field === "deadlineKind" && KIND_BY_LABEL[c.to]) deadlineKind = KIND_BY_LABEL[c.to];
      }
    }
    if (e.kind === "progress") {
      progressCount++;
      latestProgress = { day: dayIn(tz, new Date(e.at)), text: e.text };
    }
    if (e.toState) state = e.toState as State;
    if (e.toState === "done") {
      signedOffDay = dayIn(tz, new Date(e.at));
      signedOffBy = e.actorName ?? "";
    } else if (e.toState) {
      signedOffDay = null;
      signedOffBy = null;
    }
  }
  if (!firstSeen) originalDeadline = deadline;
  if (deadlineKind === "ongoing") deadline = null;
  const overdue = state !== "done" && deadline ? Math.max(0, daysBetween(deadline, asOf)) : 0;
  const evidence = t.attachments.filter((a) => dayIn(tz, new Date(a.uploadedAt)) <= asOf).map((a) => a.originalName);
  return {
    id: t.id, problemId: t.problemId, title: t.title, goal: t.goal, measures: t.measures, unitId: t.unitId, unitName: t.unitName, coUnits: t.coUnits,
    leaderName: t.leaderName ?? "", ownerName: t.ownerName, linkedUnitId: t.linkedUnitId, state, deadlineKind, deadline, originalDeadline,
    extended: !!(originalDeadline && deadline && originalDeadline !== deadline), overdueDays: overdue, progressCount, latestProgress, signedOffDay, signedOffBy, evidence,
    // 回头看 (none in these histories)
    effect: null, reboundCount: 0, heldCount: 0, lastHeldDay: null, recheckDue: null,
  };
}

/** a small seeded generator (mulberry32), so a failure can be replayed */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomTask(r: () => number, id: number): LedgerTaskInput {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const day0 = Date.parse("2026-10-01T00:00:00Z");
  // times cluster around midnights (Shanghai and UTC), where the day depends on the zone
  const at = () => new Date(day0 + Math.floor(r() * 60) * 86_400_000 + pick([-16, -8, -1, 0, 1, 8, 15, 16, 23]) * 3_600_000 + Math.floor(r() * 3_600_000)).toISOString();
  const day = () => new Date(day0 + Math.floor(r() * 90) * 86_400_000).toISOString().slice(0, 10);
  const events: HistoryEvent[] = [];
  const created = at();
  const kind = pick(["dated", "immediate", "ongoing"] as const);
  events.push({ kind: pick(["created", "imported"]), at: created, fromState: null, toState: "todo", text: "", data: r() < 0.9 ? JSON.stringify({ deadline: kind === "ongoing" ? null : day(), kind }) : null, actorName: "甲" });
  const n = Math.floor(r() * 9);
  for (let i = 0; i < n; i++) {
    const k = pick(["progress", "progress", "requestSignOff", "signOff", "sendBack", "reopen", "extensionApproved", "edited", "comment"]);
    const to: Record<string, string | null> = { progress: pick(["doing", null]), requestSignOff: "review", signOff: "done", sendBack: "doing", reopen: "doing" };
    const data =
      k === "extensionApproved" ? JSON.stringify({ from: day(), to: day() }) :
      k === "edited" ? JSON.stringify({ changes: [pick([{ field: "deadline", to: `2026年${1 + Math.floor(r() * 12)}月${1 + Math.floor(r() * 28)}日` }, { field: "deadline", to: "（空）" }, { field: "deadlineKind", to: pick(Object.values(DEADLINE_KIND_LABEL)) }, { field: "title", to: "x" }])] }) :
      r() < 0.1 ? "{not json" : null;
    // some events share the creation's moment: their order is the input's
    events.push({ kind: k, at: r() < 0.1 ? created : at(), fromState: null, toState: to[k] ?? null, text: `${k}${i}`, data, actorName: pick(["乙", null]) });
  }
  const attachments = Array.from({ length: Math.floor(r() * 3) }, (_, i) => ({ originalName: `f${i}.pdf`, uploadedAt: at() }));
  return { id, problemId: null, title: "t", goal: "", measures: "", unitId: 1, unitName: "u", coUnits: "", leaderName: r() < 0.5 ? null : "丙", ownerName: "丁", deadlineKind: kind, deadline: kind === "ongoing" ? null : day(), linkedUnitId: null, events, attachments };
}

test("taskAsOf equals the plain replay on 600 random histories, at days around every event, in four zones", () => {
  const r = rng(20261124);
  let compared = 0;
  for (let i = 0; i < 600; i++) {
    const t = randomTask(r, i);
    const tz = ZONES[i % 4 === 0 ? 0 : i % 4 === 1 ? 2 : i % 4 === 2 ? 3 : 7];
    const days = new Set<string>(["2026-09-30", "2026-11-24", "2026-12-31"]);
    for (const e of t.events) for (const d of [-1, 0, 1]) days.add(new Date(Date.parse(e.at) + d * 86_400_000).toISOString().slice(0, 10));
    for (const asOf of days) {
      assert.deepEqual(taskAsOf(t, asOf, tz), referenceAsOf(t, asOf, tz), `task ${i} at ${asOf} in ${tz}`);
      compared++;
    }
  }
  assert.ok(compared > 5000, `${compared} comparisons`);
});
