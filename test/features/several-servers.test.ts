// Several Rectify servers on one database (issue 16): two app servers, each with its own store
// (its own connections, caches and schedules), as two processes behind a load balancer have.
// On PostgreSQL (TEST_DATABASE_URL) that is the deployment the issue describes; on SQLite the
// same holds for two servers on one file.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { FastifyInstance } from "fastify";
import { makeApp, login, post, get, multipart, PNG_1PX, type TestApp, type Session } from "../helpers/app.ts";
import { openDb, type Db } from "../../db/client.ts";
import { buildApp } from "../../server/app.ts";
import { loadConfig } from "../../server/config.ts";
import { createMailer } from "../../server/features/reminders/mailer.ts";
import { startReminderSchedule } from "../../server/features/reminders/schedule.ts";
import { startMaintenanceSchedule } from "../../server/lib/maintenance.ts";
import { startSmtp, addTask } from "./reminders/helpers.ts";

/** server B: the same configuration and database as A, its own store and app */
async function secondServer(t: { after: (fn: () => unknown) => void }, ta: TestApp): Promise<{ app: FastifyInstance; db: Db }> {
  const db = await openDb(ta.config.database);
  const app = await buildApp({ config: ta.config, db, clock: () => ta.clock.now, logger: false });
  await app.ready();
  t.after(async () => {
    await app.close();
    await db.close();
  });
  return { app, db };
}

/** a task of 支部A in 待审核 (progress with a photo, sign-off asked), made through server A; returns its id */
async function taskInReview(ta: TestApp, leaderA: Session, owner: Session): Promise<number> {
  const made = await post(ta.app, leaderA, "/tasks", { title: "三会一课记录不规范", unitId: ta.ids.a, ownerId: ta.ids.owner, leaderId: ta.ids.leaderA, deadlineKind: "dated", deadline: "2026-12-31", goal: "记录当场形成", measures: "组织委员当场记录" });
  assert.equal(made.statusCode, 303, made.body.slice(0, 300));
  const id = Number(/\/tasks\/(\d+)/.exec(String(made.headers.location))![1]);
  const form = multipart({ _csrf: owner.csrf, version: "1", text: "已当场记录10月支委会" }, [{ name: "files", filename: "记录.png", data: PNG_1PX, type: "image/png" }]);
  const progressed = await ta.app.inject({ method: "POST", url: `/tasks/${id}/progress`, headers: { cookie: owner.cookie, ...form.headers }, payload: form.payload });
  assert.equal(progressed.statusCode, 303, progressed.body.slice(0, 300));
  assert.equal((await post(ta.app, owner, `/tasks/${id}/request-signoff`, { version: 2 })).statusCode, 303);
  return id;
}

test("a sign-off on server A is seen on server B at the next request: the task page, the lists, the overview", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const b = await secondServer(t, ta);
  const leaderA = await login(ta.app, "leadera@t.cn");
  const owner = await login(ta.app, "owner@t.cn");
  const id = await taskInReview(ta, leaderA, owner);
  // B has served the owner and the leader (its caches are warm) before A signs off
  assert.match((await get(b.app, owner, `/tasks/${id}`)).body, /待审核/);
  const overviewBefore = (await get(b.app, leaderA, "/")).body;
  assert.equal((await post(ta.app, leaderA, `/tasks/${id}/sign-off`, { version: 3, note: "同意" })).statusCode, 303);
  const page = (await get(b.app, owner, `/tasks/${id}`)).body;
  assert.match(page, /已销号/);
  assert.doesNotMatch(page, /待审核/);
  assert.doesNotMatch((await get(b.app, leaderA, "/tasks/review")).body, new RegExp(`/tasks/${id}"`), "B's 待我销号 no longer lists it");
  const overviewAfter = (await get(b.app, leaderA, "/")).body;
  assert.notEqual(overviewAfter, overviewBefore, "B's overview snapshot is rebuilt after A's write");
  // a person renamed on B shows on A's next page (the directory, kept in memory by each server)
  const admin = await login(b.app, "admin@t.cn");
  const renamed = await post(b.app, admin, `/admin/users/${ta.ids.owner}`, { email: "owner@t.cn", name: "李晓明", role: "staff", unitId: ta.ids.a, active: "1" });
  assert.ok(renamed.statusCode < 400, renamed.body.slice(0, 300));
  assert.match((await get(ta.app, leaderA, `/tasks/${id}`)).body, /李晓明/);
});

test("the same sign-off on A and on B at once: one wins, the other is told 已被他人修改, one history row", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const b = await secondServer(t, ta);
  const leaderA = await login(ta.app, "leadera@t.cn");
  const top = await login(b.app, "leader@t.cn");
  const owner = await login(ta.app, "owner@t.cn");
  const id = await taskInReview(ta, leaderA, owner);
  const [onA, onB] = await Promise.all([
    post(ta.app, leaderA, `/tasks/${id}/sign-off`, { version: 3, note: "同意（A）" }, { "hx-request": "true" }),
    post(b.app, top, `/tasks/${id}/sign-off`, { version: 3, note: "同意（B）" }, { "hx-request": "true" }),
  ]);
  const codes = [onA.statusCode, onB.statusCode].sort();
  assert.deepEqual(codes, [200, 409], `${onA.statusCode} ${onB.statusCode}`);
  const loser = onA.statusCode === 409 ? onA : onB;
  assert.match(loser.body, /已被他人修改/);
  assert.equal(await ta.db.value<number>("SELECT count(*) FROM task_events WHERE task_id = ? AND kind = 'signOff'", [id]), 1);
  assert.deepEqual(await ta.db.get("SELECT state, version FROM tasks WHERE id = ?", [id]), { state: "done", version: 4 });
});

test("both servers' reminder schedules fire at once: each mail once; the nightly maintenance is run by one of them", { timeout: 60_000 }, async (t) => {
  const smtp = await startSmtp({ delayMs: 10 });
  const ta = await makeApp({ SMTP_URL: smtp.url });
  t.after(async () => {
    await ta.close();
    await smtp.close();
  });
  const b = await secondServer(t, ta);
  for (let i = 0; i < 6; i++) await addTask(ta.db, { unitId: ta.ids.a, ownerId: i % 2 ? ta.ids.owner : ta.ids.colleague, leaderId: ta.ids.leaderA, deadline: i % 3 ? "2026-11-24" : "2026-11-20", title: `任务${i}` });
  // every second (croner's six fields): both schedules fire within the same second
  const config = loadConfig({ ...ta.dbEnv, SESSION_SECRET: "x".repeat(40), SMTP_URL: smtp.url, REMIND_CRON: "* * * * * *", MAINTENANCE_CRON: "* * * * * *", LOG_LEVEL: "silent" });
  const logs: { server: string; msg: string; obj: object }[] = [];
  const log = (server: string) => ({ info: (obj: object, msg = "") => void logs.push({ server, msg, obj }), error: (obj: object, msg = "") => void logs.push({ server, msg: `ERROR ${msg}`, obj }) });
  const mailers = [createMailer(config), createMailer(config)];
  t.after(() => mailers.forEach((m) => m.close()));
  const schedules = [
    startReminderSchedule({ db: ta.db, config, mailer: mailers[0], log: log("A"), clock: () => ta.clock.now, catchUp: false }),
    startReminderSchedule({ db: b.db, config, mailer: mailers[1], log: log("B"), clock: () => ta.clock.now, catchUp: false }),
  ];
  const nightly = [startMaintenanceSchedule({ db: ta.db, config, log: log("A") }), startMaintenanceSchedule({ db: b.db, config, log: log("B") })];
  t.after(() => [...schedules, ...nightly].forEach((s) => s.stop()));
  // wait until both servers have made a daily run and both have answered a maintenance slot
  const until = Date.now() + 20_000;
  const ran = (server: string, msg: string) => logs.some((l) => l.server === server && l.msg === msg);
  while (!(ran("A", "reminders run") && ran("B", "reminders run") && ["A", "B"].every((s) => logs.some((l) => l.server === s && /nightly maintenance/.test(l.msg))))) {
    assert.ok(Date.now() < until, `both schedules ran: ${JSON.stringify(logs.map((l) => [l.server, l.msg]))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  [...schedules, ...nightly].forEach((s) => s.stop());
  await Promise.all(schedules.map((s) => s.idle()));
  assert.deepEqual(logs.filter((l) => l.msg.startsWith("ERROR")), []);
  // each mail once: as many messages as distinct reminders, none twice to one address with one subject
  // (a mail may carry several reminders: the log has a row each, with the mail's Message-ID)
  const sent = (await ta.db.value<number>("SELECT count(DISTINCT message_id) FROM reminder_log WHERE status = 'sent'"))!;
  assert.ok(sent >= 3, `reminders were due: ${sent}`);
  assert.equal(await ta.db.value<number>("SELECT count(*) FROM reminder_log WHERE status <> 'sent'"), 0);
  assert.equal(smtp.received.length, sent);
  const keys = smtp.received.map((m) => `${m.to.join(",")}|${m.parsed.subject}`);
  assert.equal(new Set(keys).size, keys.length, "no mail twice");
  // the nightly maintenance: each slot claimed by exactly one server
  const slots = await ta.db.all<{ slot: string; n: number }>("SELECT slot, count(*) AS n FROM job_runs WHERE name = 'maintenance' GROUP BY slot");
  assert.ok(slots.length >= 1);
  assert.ok(slots.every((s) => s.n === 1));
  const done = logs.filter((l) => l.msg === "nightly maintenance done").length;
  const skipped = logs.filter((l) => l.msg === "nightly maintenance run by another server").length;
  assert.ok(skipped >= 1, "the other server found the night's run taken");
  assert.equal(done, await ta.db.value<number>("SELECT count(*) FROM job_runs WHERE name = 'maintenance' AND finished_at IS NOT NULL AND error IS NULL"));
});
