// The planner's fast path against the planner and loader as they were (reference.ts), on random
// organisations, tasks, sent logs, days of the week and time zones: the same mails, to the letter.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateDb, openDb } from "../../../db/client.ts";
import { extensionRequests, reminderLog, tasks as tasksT, units, users as usersT } from "../../../db/schema.ts";
import { DEFAULT_PLAN_SETTINGS, plan, planner, sortLines, type TaskLine, type LogEntry, type PlanSettings, type PlanTask, type PlanUser, type PlannedMail } from "../../../server/features/reminders/plan.ts";
import { loadAndPlan, loadPlanInput, TASK_RANGE } from "../../../server/features/reminders/send.ts";
import { addDays } from "../../../server/lib/dates.ts";
import { referenceLoad, referencePlan } from "./reference.ts";
import { freshDatabaseEnv } from "../../helpers/app.ts";

const ZONES = ["Asia/Shanghai", "UTC", "America/Los_Angeles", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kathmandu"];
// 党委 /1/ → 支部 /1/2/ → 小组 /1/2/4/; 支部 /1/3/; another tree /5/
const UNITS = [
  { id: 1, name: "测试党委", path: "/1/" },
  { id: 2, name: "第一党支部", path: "/1/2/" },
  { id: 3, name: "第二党支部", path: "/1/3/" },
  { id: 4, name: "第一党小组", path: "/1/2/4/" },
  { id: 5, name: "另一党委", path: "/5/" },
];
const BASE = "2026-11-16"; // a Monday
const BASE_MS = Date.parse(`${BASE}T00:00:00Z`);

/** a moment around the base day: mostly UTC ISO as stored, sometimes with an offset */
const moment = fc.tuple(fc.integer({ min: -30 * 24 * 60, max: 30 * 24 * 60 }), fc.constantFrom("Z", "Z", "Z", "+08:00", "-05:00")).map(([min, zone]) => {
  const iso = new Date(BASE_MS + min * 60_000).toISOString();
  if (zone === "Z") return iso;
  const h = zone === "+08:00" ? 8 : -5;
  return new Date(BASE_MS + (min + h * 60) * 60_000).toISOString().slice(0, 19) + zone;
});

const userArb = (id: number) =>
  fc.record({
    role: fc.constantFrom("leader", "leader", "staff", "admin") as fc.Arbitrary<PlanUser["role"]>,
    unit: fc.constantFrom(...UNITS),
    active: fc.integer({ min: 0, max: 9 }).map((n) => n > 1),
    remindEnabled: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
    email: fc.constantFrom(`u${id}@t.cn`, `u${id}@t.cn`, `u${id}@t.cn`, ""),
    remindDays: fc.constantFrom("7,3,1", "7,3,1", "5,2", "0", "", "abc", "14，3、1", "60"),
  });

const taskArb = fc.record({
  // (the loader reads a range of rows as texts whose rows and fields control characters separate,
  // the titles apart with \u001e between them and \u001d as their escape)
  title: fc.constantFrom("三会一课落实不到位", "党费收缴不规范<b>", "组织生活会质量不高", "分隔\u001f符\u001f在标题里\u001f", "'引号' || \"双引号\"", "行\u001e分隔\u001e", "\u001dr转义\u001d\u001d\u001e\u001dr", ""),
  state: fc.constantFrom("todo", "doing", "review", "done", "done", "done") as fc.Arbitrary<PlanTask["state"]>,
  deadlineKind: fc.constantFrom("immediate", "dated", "dated", "dated", "ongoing") as fc.Arbitrary<PlanTask["deadlineKind"]>,
  deadlineOffset: fc.integer({ min: -45, max: 75 }),
  unit: fc.constantFrom(...UNITS),
  ownerId: fc.integer({ min: 1, max: 9 }),
  leaderId: fc.option(fc.integer({ min: 1, max: 9 }), { nil: null }),
  createdAt: moment,
  signedOffAt: fc.option(moment, { nil: null }),
  signoffRequestedAt: fc.option(moment, { nil: null }),
  signoffRequestedBy: fc.option(fc.integer({ min: 1, max: 9 }), { nil: null }),
  extension: fc.option(fc.record({ requestedAt: moment, requestedBy: fc.integer({ min: 1, max: 9 }), newDeadlineOffset: fc.integer({ min: 0, max: 90 }) }), { nil: null }),
});

const settingsArb = fc.record({
  timeZone: fc.constantFrom(...ZONES),
  nudgeAfterDays: fc.integer({ min: 1, max: 5 }),
  repeatEveryDays: fc.integer({ min: 1, max: 10 }),
  staleClaimMinutes: fc.constant(15),
  weeklyCatchUpDays: fc.integer({ min: 0, max: 6 }),
});

const world = fc.record({
  users: fc.tuple(...[1, 2, 3, 4, 5, 6, 7, 8].map(userArb)),
  tasks: fc.array(taskArb, { maxLength: 60 }),
  todayOffset: fc.integer({ min: 0, max: 13 }),
  settings: settingsArb,
  // the sent log: entries for items the reference plans, by index
  log: fc.array(fc.record({ pick: fc.nat(), status: fc.constantFrom("sent", "failed", "pending", "bounced", "expired") as fc.Arbitrary<LogEntry["status"]>, attempts: fc.integer({ min: 1, max: 6 }), claimedMinutesAgo: fc.option(fc.integer({ min: 0, max: 60 }), { nil: null }), retryInMinutes: fc.option(fc.integer({ min: -60, max: 60 }), { nil: null }), legacyId: fc.boolean() }), { maxLength: 12 }),
});

type World = typeof world extends fc.Arbitrary<infer W> ? W : never;

function build(w: World) {
  const today = addDays(BASE, w.todayOffset);
  const nowMs = Date.parse(`${today}T01:00:00Z`);
  const settings: PlanSettings = { ...DEFAULT_PLAN_SETTINGS, ...w.settings, now: new Date(nowMs).toISOString() };
  const users: PlanUser[] = w.users.map((u, i) => ({ id: i + 1, name: `用户${i + 1}`, email: u.email, role: u.role, unitId: u.unit.id, unitName: u.unit.name, unitPath: u.unit.path, active: u.active, remindEnabled: u.remindEnabled, remindDays: u.remindDays }));
  const tasks: PlanTask[] = w.tasks.map((t, i) => {
    const deadline = t.deadlineKind === "ongoing" ? null : addDays(today, t.deadlineOffset);
    return {
      // ids spread apart: the loader reads them by ranges of TASK_RANGE (16,384), two or three in one
      id: 1 + i * 7_001,
      title: t.title,
      state: t.state,
      deadlineKind: t.deadlineKind,
      deadline,
      unitId: t.unit.id,
      unitName: t.unit.name,
      unitPath: t.unit.path,
      ownerId: t.ownerId,
      leaderId: t.leaderId,
      createdAt: t.createdAt,
      signedOffAt: t.state === "done" ? t.signedOffAt : null,
      signoffRequestedAt: t.state === "review" ? t.signoffRequestedAt : null,
      signoffRequestedBy: t.state === "review" ? t.signoffRequestedBy : null,
      extension: t.extension && t.state !== "done" ? { requestedAt: t.extension.requestedAt, requestedBy: t.extension.requestedBy, newDeadline: addDays(today, t.extension.newDeadlineOffset) } : null,
    };
  });
  const items = referencePlan(tasks, users, [], today, settings).flatMap((m) => m.items);
  const log: (LogEntry & { legacyId: boolean })[] = items.length
    ? w.log.map((e) => ({ dedupeKey: items[e.pick % items.length].dedupeKey, status: e.status, attempts: e.attempts, claimedAt: e.claimedMinutesAgo === null ? null : new Date(nowMs - e.claimedMinutesAgo * 60_000).toISOString(), retryAt: e.retryInMinutes === null ? null : new Date(nowMs + e.retryInMinutes * 60_000).toISOString(), legacyId: e.legacyId }))
    : [];
  return { today, settings, users, tasks, log };
}

const summary = (mails: PlannedMail[]) => mails.map((m) => `${m.recipient.id}:${m.kind}:${m.items.length}`).join(" ");

test("property: the fast planner plans exactly what the old planner planned", () => {
  let weekly = 0;
  let leader = 0;
  fc.assert(
    fc.property(world, (w) => {
      const { today, settings, users, tasks, log } = build(w);
      const want = referencePlan(tasks, users, log, today, settings);
      const got = plan(tasks, users, log, today, settings);
      assert.deepStrictEqual(got, want, summary(want));
      // the same tasks given a part at a time (as loadAndPlan gives each range as it is read)
      const inParts = planner(users, log, today, settings);
      const size = 1 + (w.todayOffset % 7);
      for (let i = 0; i < tasks.length; i += size) inParts.add(tasks.slice(i, i + size));
      assert.deepStrictEqual(inParts.finish(), want, `in parts of ${size}: ${summary(want)}`);
      // tasks in any order, not only by id as the loader gives them
      const shuffled = tasks.map((t, i) => ({ t, k: (i * 7919 + w.todayOffset * 31) % 101 })).sort((a, b) => a.k - b.k).map(({ t }) => t);
      assert.deepStrictEqual(plan(shuffled, users, log, today, settings), referencePlan(shuffled, users, log, today, settings), "shuffled");
      weekly += want.filter((m) => m.kind === "weekly").length;
      leader += want.filter((m) => m.kind === "leader").length;
    }),
    { numRuns: 300 },
  );
  assert.ok(weekly > 50 && leader > 50, `the random worlds reach digests (${weekly}) and leader mails (${leader})`);
});

test("property: sortLines puts lines in days-left order, then task order, the lines of one task as they came; long ones in task order without comparing", () => {
  const lineArb = fc.record({ taskId: fc.integer({ min: 1, max: 40 }), daysLeft: fc.integer({ min: -30, max: 30 }), n: fc.nat() });
  fc.assert(
    fc.property(fc.array(lineArb, { maxLength: 300, size: "max" }), fc.boolean(), (raw, ordered) => {
      if (ordered) raw.sort((a, b) => a.taskId - b.taskId); // as a planner given the tasks in id order makes them
      const lines = raw.map((r, i) => ({ key: `k${i}`, taskId: r.taskId, daysLeft: r.daysLeft }) as TaskLine);
      const want = [...lines].sort((a, b) => a.daysLeft - b.daysLeft || a.taskId - b.taskId);
      sortLines(lines);
      assert.deepStrictEqual(lines.map((l) => l.key), want.map((l) => l.key));
    }),
    { numRuns: 300 },
  );
});

test("property: loadPlanInput (open tasks whole, the other signed-off ones counted) + plan = the old loader + the old planner", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rectify-plan-"));
  const env = await freshDatabaseEnv(dir); // PostgreSQL's when the suite runs there
  const db = await openDb(env.DATABASE_URL ?? env.DATABASE_FILE);
  try {
    await migrateDb(db);
    await db.tx(async () => {
      for (const u of UNITS) await db.insert(units).values({ id: u.id, code: `u${u.id}`, name: u.name, kind: "branch", path: u.path });
    });
    let closedSeen = 0;
    await fc.assert(
      fc.asyncProperty(world, async (w) => {
        const { today, settings, users, tasks, log } = build(w);
        await db.tx(async () => {
          await db.exec("DELETE FROM reminder_log; DELETE FROM extension_requests; DELETE FROM tasks; UPDATE units SET overseer_id = NULL; DELETE FROM users;");
          for (const u of users) await db.insert(usersT).values({ id: u.id, email: u.email || `blank${u.id}@t.cn`, name: u.name, role: u.role, unitId: u.unitId, passwordHash: "x", active: u.active, remindEnabled: u.remindEnabled, remindDays: u.remindDays });
          for (const t of tasks) {
            // leaderId null: the unit's 联系领导 stands in, so give some units one
            await db.insert(tasksT).values({ id: t.id, unitId: t.unitId, ownerId: t.ownerId === 9 ? 1 : t.ownerId, leaderId: t.leaderId === 9 ? null : t.leaderId, title: t.title, deadlineKind: t.deadlineKind, deadline: t.deadline, originalDeadline: t.deadline, state: t.state, createdAt: t.createdAt, signedOffAt: t.signedOffAt, signoffRequestedAt: t.signoffRequestedAt, signoffRequestedBy: t.signoffRequestedBy === 9 ? null : t.signoffRequestedBy });
            if (t.extension) await db.insert(extensionRequests).values({ taskId: t.id, requestedBy: t.extension.requestedBy === 9 ? 1 : t.extension.requestedBy, requestedAt: t.extension.requestedAt, newDeadline: t.extension.newDeadline, reason: "理由" });
          }
          await db.run("UPDATE units SET overseer_id = CASE WHEN id % 2 = 0 THEN 3 ELSE NULL END");
          for (const [i, e] of log.entries()) {
            const [taskId, recipientId, kind, day] = e.dedupeKey.split(":");
            await db.insert(reminderLog).values({ taskId: taskId === "-" ? null : Number(taskId), recipientId: Number(recipientId), kind, day, dedupeKey: e.dedupeKey, status: e.status, attempts: e.attempts, retryAt: e.retryAt, ...(e.legacyId ? { messageId: e.claimedAt ? `<rectify.${e.claimedAt.replace(/[-:.]/g, "")}.${i}@t>` : null } : { messageId: `<rectify.${i}@t>`, claimedAt: e.claimedAt }) }).onConflictDoNothing();
          }
        });
        const old = await referenceLoad(db, today);
        const fast = await loadPlanInput(db, today);
        closedSeen += fast.closed.reduce((n, c) => n + c.total, 0);
        assert.equal(fast.tasks.length + fast.closed.reduce((n, c) => n + c.total, 0), old.tasks.length, "every task is loaded or counted");
        assert.deepStrictEqual(fast.tasks, old.tasks.filter((t) => fast.tasks.some((f) => f.id === t.id)), "loaded tasks are the old rows");
        assert.deepStrictEqual(fast.users, old.users);
        assert.deepStrictEqual(fast.log.sort((a, b) => (a.dedupeKey < b.dedupeKey ? -1 : 1)), old.log.sort((a, b) => (a.dedupeKey < b.dedupeKey ? -1 : 1)));
        const want = referencePlan(old.tasks, old.users, old.log, today, settings);
        assert.deepStrictEqual(plan(fast.tasks, fast.users, fast.log, today, settings, fast.closed), want, summary(want));
        // planned range by range while read: the same input and mails
        const together = await loadAndPlan(db, today, settings);
        assert.deepStrictEqual({ ...together.input, log: together.input.log.sort((a, b) => (a.dedupeKey < b.dedupeKey ? -1 : 1)) }, fast); // (fast.log sorted above)
        assert.deepStrictEqual(together.mails, want, summary(want));
        // a resend plans with a week's catch-up from the same input
        const resend = { ...settings, weeklyCatchUpDays: 6 };
        assert.deepStrictEqual(plan(fast.tasks, fast.users, [], today, resend, fast.closed), referencePlan(old.tasks, old.users, [], today, resend));
      }),
      { numRuns: 60 },
    );
    assert.ok(closedSeen > 30, `signed-off tasks were left to the counts (${closedSeen})`);
  } finally {
    await db.close();
    if (env.DATABASE_URL) await (await import("../../helpers/pg.ts")).dropDatabase(env.DATABASE_URL);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("loadPlanInput reads each task once across its ranges of ids: at, before and after every boundary, the last id on one, empty ranges between", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rectify-plan-ranges-"));
  const env = await freshDatabaseEnv(dir);
  const db = await openDb(env.DATABASE_URL ?? env.DATABASE_FILE);
  try {
    await migrateDb(db);
    const R = TASK_RANGE;
    // ranges 0, 1 and 2 hold tasks; 3 and 4 none; the last id opens range 5
    const ids = [1, 2, R - 1, R, R + 1, 2 * R - 1, 2 * R, 2 * R + 7, 5 * R];
    const titles = ids.map((id, i) => [`任务${id}`, "", "行\u001e分隔", "\u001dr\u001d\u001d", "字段\u001f分隔\u001f"][i % 5]);
    await db.tx(async () => {
      for (const u of UNITS) await db.insert(units).values({ id: u.id, code: `u${u.id}`, name: u.name, kind: "branch", path: u.path });
      await db.insert(usersT).values({ id: 1, email: "u1@t.cn", name: "用户1", role: "leader", unitId: 2, passwordHash: "x" });
      for (const [i, id] of ids.entries()) {
        // every third one signed off long ago: only counted, never read whole
        const done = i % 3 === 1;
        await db.insert(tasksT).values({ id, unitId: UNITS[i % UNITS.length].id, ownerId: 1, title: titles[i], deadlineKind: "dated", deadline: "2026-12-01", originalDeadline: "2026-12-01", state: done ? "done" : "doing", createdAt: "2025-01-01T00:00:00.000Z", signedOffAt: done ? "2025-02-01T00:00:00.000Z" : null });
      }
    });
    const input = await loadPlanInput(db, BASE);
    const open = ids.filter((_, i) => i % 3 !== 1);
    assert.deepEqual(input.tasks.map((t) => t.id), open, "each open task once, in id order");
    assert.deepEqual(input.tasks.map((t) => t.title), titles.filter((_, i) => i % 3 !== 1), "titles as written");
    assert.equal(input.closed.reduce((n, c) => n + c.total, 0), ids.length - open.length, "the others counted");
  } finally {
    await db.close();
    if (env.DATABASE_URL) await (await import("../../helpers/pg.ts")).dropDatabase(env.DATABASE_URL);
    rmSync(dir, { recursive: true, force: true });
  }
});
