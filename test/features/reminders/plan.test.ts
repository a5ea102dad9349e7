// The reminder planner, pure, at many dates around deadlines and weekends of a seeded set:
// nothing missed, nothing doubled, no stale mail, the escalation cadence right.
import { test } from "node:test";
import assert from "node:assert/strict";
import { addDays, daysBetween } from "../../../server/lib/dates.ts";
import { plan, retryDelayMs, leadDays, ownerStage, mondayOf, DEFAULT_PLAN_SETTINGS, type PlanTask, type PlanUser, type LogEntry, type PlannedMail, type PlanSettings, type DeliveryProblem } from "../../../server/features/reminders/plan.ts";

const TZ = "Asia/Shanghai";
const settingsAt = (day: string, over: Partial<PlanSettings> = {}): PlanSettings => ({ ...DEFAULT_PLAN_SETTINGS, timeZone: TZ, now: `${day}T00:30:00Z`, ...over });

const user = (id: number, over: Partial<PlanUser> = {}): PlanUser => ({
  id,
  name: `用户${id}`,
  email: `u${id}@t.cn`,
  role: "staff",
  unitId: 2,
  unitName: "第一党支部",
  unitPath: "/1/2/",
  active: true,
  remindEnabled: true,
  remindDays: "7,3,1",
  ...over,
});

let nextId = 1;
const task = (over: Partial<PlanTask> = {}): PlanTask => ({
  id: nextId++,
  title: "问题整改",
  state: "doing",
  deadlineKind: "dated",
  deadline: "2026-12-01",
  unitId: 2,
  unitName: "第一党支部",
  unitPath: "/1/2/",
  ownerId: 10,
  leaderId: 20,
  createdAt: "2026-10-01T02:00:00.000Z",
  signedOffAt: null,
  signoffRequestedAt: null,
  signoffRequestedBy: null,
  extension: null,
  ...over,
});

const OWNER = user(10);
const LEADER = user(20, { role: "leader", unitId: 1, unitName: "测试党委", unitPath: "/1/" });
const USERS = [OWNER, LEADER];

/** Runs the planner every day from `from` to `to`, every mail "sent" into the log; returns what went out, per day. */
function simulate(tasks: PlanTask[], users: PlanUser[], from: string, to: string, opts: { skip?: string[] } = {}) {
  const log: LogEntry[] = [];
  const days: { day: string; mails: PlannedMail[] }[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    if (opts.skip?.includes(d)) continue;
    const mails = plan(tasks, users, log, d, settingsAt(d));
    for (const m of mails) for (const i of m.items) log.push({ dedupeKey: i.dedupeKey, status: "sent", attempts: 1 });
    days.push({ day: d, mails });
  }
  return { log, days };
}

const ownerWords = (days: { day: string; mails: PlannedMail[] }[], taskId: number) =>
  days.flatMap(({ day, mails }) => mails.filter((m) => m.kind === "owner").flatMap((m) => m.lines.filter((l) => l.taskId === taskId).map((l) => `${day} ${l.words}`)));

test("leadDays: the user's lead days, largest first; nonsense falls back to 7,3,1; '0' means due-day only", () => {
  assert.deepEqual(leadDays("7,3,1"), [7, 3, 1]);
  assert.deepEqual(leadDays("1，14、3"), [14, 3, 1]);
  assert.deepEqual(leadDays(""), [7, 3, 1]);
  assert.deepEqual(leadDays("abc"), [7, 3, 1]);
  assert.deepEqual(leadDays("0"), []);
});

test("ownerStage: one stage at a time, keyed by the day it became due", () => {
  const lead = [7, 3, 1];
  assert.equal(ownerStage("2026-12-01", "2026-11-23", lead), null, "8 days left: nothing yet");
  assert.deepEqual(ownerStage("2026-12-01", "2026-11-24", lead), { kind: "due-7", day: "2026-11-24", reason: "due" });
  assert.deepEqual(ownerStage("2026-12-01", "2026-11-26", lead), { kind: "due-7", day: "2026-11-24", reason: "due" }, "still the 7-day stage");
  assert.deepEqual(ownerStage("2026-12-01", "2026-11-29", lead), { kind: "due-3", day: "2026-11-28", reason: "due" });
  assert.deepEqual(ownerStage("2026-12-01", "2026-11-30", lead), { kind: "due-1", day: "2026-11-30", reason: "due" });
  assert.deepEqual(ownerStage("2026-12-01", "2026-12-01", lead), { kind: "due-0", day: "2026-12-01", reason: "due" });
  assert.deepEqual(ownerStage("2026-12-01", "2026-12-02", lead), { kind: "overdue", day: "2026-12-02", reason: "overdue" });
  assert.deepEqual(ownerStage("2026-12-01", "2026-12-08", lead), { kind: "overdue", day: "2026-12-02", reason: "overdue" });
  assert.deepEqual(ownerStage("2026-12-01", "2026-12-09", lead), { kind: "overdue", day: "2026-12-09", reason: "overdue" });
});

test("an owner's task through its deadline: 7, 3, 1 days, due today, first overdue day, then weekly; each once", () => {
  const t = task({ deadline: "2026-12-01" });
  const { days } = simulate([t], USERS, "2026-11-15", "2026-12-31");
  assert.deepEqual(ownerWords(days, t.id), [
    "2026-11-24 剩余7天",
    "2026-11-28 剩余3天",
    "2026-11-30 剩余1天",
    "2026-12-01 今天到期",
    "2026-12-02 逾期1天",
    "2026-12-09 逾期8天",
    "2026-12-16 逾期15天",
    "2026-12-23 逾期22天",
    "2026-12-30 逾期29天",
  ]);
});

test("the leader's escalation: first overdue day, then every 7 days while overdue; stops once signed off", () => {
  const t = task({ deadline: "2026-11-20" });
  const { days } = simulate([t], USERS, "2026-11-15", "2026-12-10");
  const esc = days.flatMap(({ day, mails }) => mails.filter((m) => m.kind === "leader" && m.recipient.id === 20).flatMap((m) => m.lines.map((l) => `${day} ${l.reason} ${l.words}`)));
  assert.deepEqual(esc, ["2026-11-21 escalate 逾期1天", "2026-11-28 escalate 逾期8天", "2026-12-05 escalate 逾期15天"]);
  const done = { ...t, state: "done" as const, signedOffAt: "2026-11-22T02:00:00Z" };
  const after = simulate([done], USERS, "2026-11-23", "2026-12-10").days.flatMap((d) => d.mails.filter((m) => m.kind !== "weekly"));
  assert.equal(after.length, 0, "a signed-off task is chased no more");
});

test("a missed day is caught up with today's words, never a stale '3 days left'; nothing is doubled", () => {
  const t = task({ deadline: "2026-12-01" });
  // the server is down on the 3-day day (11-28) and on the due day (12-01)
  const { days } = simulate([t], USERS, "2026-11-20", "2026-12-05", { skip: ["2026-11-28", "2026-12-01"] });
  assert.deepEqual(ownerWords(days, t.id), ["2026-11-24 剩余7天", "2026-11-29 剩余2天", "2026-11-30 剩余1天", "2026-12-02 逾期1天"]);
  // a long outage over two stages: only the current stage is sent when it comes back
  const t2 = task({ deadline: "2026-12-01" });
  const down = ["2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29"];
  assert.deepEqual(ownerWords(simulate([t2], USERS, "2026-11-20", "2026-12-01", { skip: down }).days, t2.id), ["2026-11-30 剩余1天", "2026-12-01 今天到期"]);
});

test("running the same day twice sends nothing the second time", () => {
  const tasks = [task({ deadline: "2026-11-24" }), task({ deadline: "2026-11-20" }), task({ deadline: "2026-11-30" })];
  const log: LogEntry[] = [];
  const first = plan(tasks, USERS, log, "2026-11-23", settingsAt("2026-11-23"));
  assert.ok(first.length >= 2);
  for (const m of first) for (const i of m.items) log.push({ dedupeKey: i.dedupeKey, status: "sent", attempts: 1 });
  assert.deepEqual(plan(tasks, USERS, log, "2026-11-23", settingsAt("2026-11-23")), []);
});

test("one mail per owner gathers all their due tasks; the subject data and lines are right", () => {
  const a = task({ deadline: "2026-11-24", title: "甲" }); // 1 day
  const b = task({ deadline: "2026-11-26", title: "乙" }); // 3 days
  const c = task({ deadline: "2026-11-21", title: "丙" }); // overdue 2 days: overdue stage from 11-22
  const d = task({ deadline: "2026-11-25", title: "丁" }); // 2 days: stage due-3 (reached 11-22) — still current
  const e = task({ deadline: "2026-12-20", title: "戊" }); // far: nothing
  const mails = plan([a, b, c, d, e], USERS, [], "2026-11-23", settingsAt("2026-11-23"));
  const owner = mails.filter((m) => m.kind === "owner");
  assert.equal(owner.length, 1);
  assert.deepEqual(owner[0].lines.map((l) => `${l.title}${l.words}`), ["丙逾期2天", "甲剩余1天", "丁剩余2天", "乙剩余3天"]);
  assert.deepEqual(owner[0].items.map((i) => i.kind).sort(), ["due-1", "due-3", "due-3", "overdue"]);
});

test("长期坚持, 已销号 and 待销号 tasks get no deadline mail; users who turned reminders off or are deactivated get nothing", () => {
  const ongoing = task({ deadlineKind: "ongoing", deadline: null });
  const done = task({ state: "done", deadline: "2026-11-24" });
  const review = task({ state: "review", deadline: "2026-11-24" });
  assert.deepEqual(plan([ongoing, done, review], [OWNER], [], "2026-11-23", settingsAt("2026-11-23")), []);
  const due = task({ deadline: "2026-11-24" });
  const overdue = task({ deadline: "2026-11-22" });
  assert.deepEqual(plan([due, overdue], [{ ...OWNER, remindEnabled: false }, { ...LEADER, remindEnabled: false }], [], "2026-11-23", settingsAt("2026-11-23")), []);
  assert.deepEqual(plan([due, overdue], [{ ...OWNER, active: false }, { ...LEADER, active: false }], [], "2026-11-23", settingsAt("2026-11-23")), []);
});

test("an owner's own lead days are respected", () => {
  const t = task({ deadline: "2026-12-15" });
  const { days } = simulate([t], [user(10, { remindDays: "10,2" }), LEADER], "2026-11-30", "2026-12-15");
  assert.deepEqual(ownerWords(days, t.id), ["2026-12-05 剩余10天", "2026-12-13 剩余2天", "2026-12-15 今天到期"]);
});

test("nudges: a sign-off request or a 延期申请 waiting 3 days goes to the leader, then weekly; not to the one who asked", () => {
  const signoff = task({ state: "review", deadline: "2026-12-30", signoffRequestedAt: "2026-11-20T01:00:00Z", signoffRequestedBy: 10 });
  const ext = task({ state: "doing", deadline: "2026-12-30", extension: { requestedAt: "2026-11-19T17:00:00Z" /* 11-20 in Shanghai */, requestedBy: 10, newDeadline: "2027-01-31" } });
  const { days } = simulate([signoff, ext], USERS, "2026-11-20", "2026-12-05");
  const nudges = days.flatMap(({ day, mails }) => mails.filter((m) => m.kind === "leader").flatMap((m) => m.lines.map((l) => `${day} ${l.taskId === signoff.id ? "销号" : "延期"} 已等待${l.waitedDays}天`)));
  assert.deepEqual(nudges, ["2026-11-23 销号 已等待3天", "2026-11-23 延期 已等待3天", "2026-11-30 销号 已等待10天", "2026-11-30 延期 已等待10天"]);
  // the leader who asked for sign-off themselves is not nudged about it
  const own = task({ state: "review", deadline: "2026-12-30", signoffRequestedAt: "2026-11-10T01:00:00Z", signoffRequestedBy: 20 });
  assert.deepEqual(plan([own], USERS, [], "2026-11-23", settingsAt("2026-11-23")).filter((m) => m.kind === "leader"), []);
});

test("weekly digest on Monday for a leader's unit and sub-units, caught up until Friday, once a week", () => {
  const monday = "2026-11-23";
  assert.equal(mondayOf("2026-11-29"), monday);
  assert.equal(mondayOf(monday), monday);
  const inA = task({ deadline: "2026-11-26", createdAt: "2026-11-18T03:00:00Z" }); // new last week, due this week
  const signed = task({ state: "done", deadline: "2026-11-30", signedOffAt: "2026-11-17T03:00:00Z" });
  const late = task({ deadline: "2026-11-10" });
  const ongoing = task({ deadlineKind: "ongoing", deadline: null });
  const other = task({ unitId: 9, unitPath: "/9/", deadline: "2026-11-10" }); // another tree: not in this digest
  const leaderA = user(30, { role: "leader", unitId: 2, unitName: "第一党支部", unitPath: "/1/2/" });
  const users = [OWNER, LEADER, leaderA, user(31, { role: "leader", unitId: 3, unitPath: "/1/3/" })];
  const mails = plan([inA, signed, late, ongoing, other], users, [], monday, settingsAt(monday));
  const weekly = mails.filter((m) => m.kind === "weekly");
  assert.deepEqual(weekly.map((m) => m.recipient.id), [20, 30], "leaders of units with tasks; an empty sub-tree gets none");
  const d = weekly[0].digest!;
  assert.equal(d.total, 4);
  assert.equal(d.done, 1);
  assert.equal(d.completionRate, 33, "1 of the 3 tasks with an end");
  assert.deepEqual([d.created.length, d.signedOff.length, d.overdue.length, d.dueThisWeek.length], [1, 1, 1, 1]);
  assert.deepEqual([d.from, d.to, d.sunday], ["2026-11-16", "2026-11-22", "2026-11-29"]);
  // over a month of daily runs: exactly one digest per leader per week, on Monday
  const { days } = simulate([inA, late], [OWNER, LEADER], "2026-11-16", "2026-12-13");
  const sentOn = days.filter((x) => x.mails.some((m) => m.kind === "weekly")).map((x) => x.day);
  assert.deepEqual(sentOn, ["2026-11-16", "2026-11-23", "2026-11-30", "2026-12-07"]);
  // Monday missed: caught up on Tuesday; a week missed until Saturday: no digest that week
  assert.deepEqual(
    simulate([inA, late], [OWNER, LEADER], "2026-11-23", "2026-12-06", { skip: ["2026-11-23", "2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"] })
      .days.filter((x) => x.mails.some((m) => m.kind === "weekly"))
      .map((x) => x.day),
    ["2026-11-24"],
  );
});

test("a failed send comes back once its retry time has come, whatever its attempts; 退信 and given-up items never; a send claimed by another run is left alone unless its claim was lost", () => {
  const t = task({ deadline: "2026-11-24" });
  const [m] = plan([t], [OWNER], [], "2026-11-23", settingsAt("2026-11-23"));
  const key = m.items[0].dedupeKey;
  assert.equal(key, `${t.id}:10:due-1:2026-11-23`);
  const relevant = new Set<string>();
  const again = (e: LogEntry, now = "2026-11-23T00:30:00Z") => plan([t], [OWNER], [e], "2026-11-23", settingsAt("2026-11-23", { now }), [], { relevant });
  assert.equal(again({ dedupeKey: key, status: "failed", attempts: 2 })[0].items[0].attempts, 2, "retried");
  assert.equal(again({ dedupeKey: key, status: "failed", attempts: 9, retryAt: "2026-11-23T00:29:59Z" })[0].items[0].attempts, 9, "no cap on attempts: retried while relevant");
  assert.deepEqual(again({ dedupeKey: key, status: "failed", attempts: 2, retryAt: "2026-11-23T00:31:00Z" }), [], "not before its retry time");
  assert.deepEqual(again({ dedupeKey: key, status: "bounced", attempts: 1 }), [], "退信: never retried");
  assert.deepEqual(again({ dedupeKey: key, status: "expired", attempts: 3 }), [], "given up");
  assert.deepEqual([...relevant], [key], "still relevant, whatever the log says");
  assert.deepEqual(again({ dedupeKey: key, status: "pending", attempts: 1, claimedAt: "2026-11-23T00:25:00Z" }), [], "in flight elsewhere");
  assert.equal(again({ dedupeKey: key, status: "pending", attempts: 1, claimedAt: "2026-11-23T00:05:00Z" }).length, 1, "a claim lost 25 minutes ago is taken again");
  assert.equal(again({ dedupeKey: key, status: "pending", attempts: 1, claimedAt: null }).length, 1, "a claim with no time was lost");
});

test("backoff of a temporary failure: 15 minutes, 1 hour, 4 hours, then daily", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 30].map((n) => retryDelayMs(n) / 60_000), [15, 60, 240, 1440, 1440, 1440]);
});

test("the admins' weekly mail lists unacknowledged delivery problems, Monday to Friday, once a week; none without problems", () => {
  const ADMIN = { ...OWNER, id: 30, name: "管理员", email: "admin@t.cn", role: "admin" as const };
  const problem: DeliveryProblem = { status: "bounced", recipientName: "李干事", address: "x@t.cn", kind: "due-1", taskId: 1, taskTitle: "任务", day: "2026-11-20", attempts: 1, error: "550 no such user", retryAt: null };
  const mails = (today: string, log: LogEntry[] = [], problems = [problem]) => plan([], [OWNER, ADMIN], log, today, settingsAt(today), [], { problems }).filter((m) => m.kind === "delivery");
  const [d] = mails("2026-11-23");
  assert.equal(d.recipient.id, 30);
  assert.deepEqual(d.items.map((i) => i.dedupeKey), ["-:30:delivery:2026-11-23"]);
  assert.deepEqual(d.problems, [problem]);
  assert.equal(mails("2026-11-27").length, 1, "caught up until Friday");
  assert.equal(mails("2026-11-28").length, 0);
  assert.equal(mails("2026-11-24", [{ dedupeKey: "-:30:delivery:2026-11-23", status: "sent", attempts: 1 }]).length, 0, "once a week");
  assert.equal(mails("2026-11-23", [], []).length, 0, "nothing to report");
});

test("a seeded set over two months of daily runs, weekends included: every reminder of each stage exactly once", () => {
  nextId = 1000;
  const owners = [user(10), user(11, { remindDays: "5,2" }), user(12, { remindDays: "0" })];
  const leaders = [LEADER];
  const set: PlanTask[] = [];
  for (let i = 0; i < 30; i++) set.push(task({ ownerId: owners[i % 3].id, deadline: addDays("2026-11-20", i * 2), deadlineKind: i % 7 === 0 ? "immediate" : "dated" }));
  set.push(task({ deadlineKind: "ongoing", deadline: null }));
  const { log, days } = simulate(set, [...owners, ...leaders], "2026-11-01", "2026-12-31");
  const keys = log.map((e) => e.dedupeKey);
  assert.equal(new Set(keys).size, keys.length, "no key twice");
  for (const t of set.filter((x) => x.deadline)) {
    const o = owners.find((u) => u.id === t.ownerId)!;
    const expected = [...leadDays(o.remindDays).map((l) => addDays(t.deadline!, -l)).filter((d) => d >= "2026-11-01"), t.deadline!];
    for (let d = addDays(t.deadline!, 1); d <= "2026-12-31"; d = addDays(d, 7)) expected.push(d);
    const got = days.filter((x) => x.mails.some((m) => m.kind === "owner" && m.lines.some((l) => l.taskId === t.id))).map((x) => x.day);
    // a lead day before the run window began is caught up on the first day of the window
    const want = [...new Set(expected.map((d) => (d < "2026-11-01" ? "2026-11-01" : d)))].filter((d) => d <= "2026-12-31").sort();
    assert.deepEqual(got, want, `task ${t.id} due ${t.deadline} (${o.remindDays})`);
    const esc = days.filter((x) => x.mails.some((m) => m.kind === "leader" && m.lines.some((l) => l.taskId === t.id))).map((x) => x.day);
    for (const d of esc) assert.equal(daysBetween(t.deadline!, d) % 7, 1, "escalations on overdue day 1, 8, 15, …");
  }
  assert.ok(!days.some((x) => x.mails.some((m) => m.lines.some((l) => l.taskId === set.at(-1)!.id))), "长期坚持: never");
});
