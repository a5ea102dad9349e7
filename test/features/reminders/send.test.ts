// Delivery end to end: a real SMTP server on 127.0.0.1, the messages parsed back with
// mailparser; a server that refuses then accepts; a slow server while requests are served;
// the outbox default; the sent log that makes a second run send nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { makeApp } from "../../helpers/app.ts";
import type { Db } from "../../../db/client.ts";
import { createMailer } from "../../../server/features/reminders/mailer.ts";
import { runReminders, messageIdFor } from "../../../server/features/reminders/send.ts";
import { missedRecently, startReminderSchedule } from "../../../server/features/reminders/schedule.ts";
import { startSmtp, addTask, rejectWith } from "./helpers.ts";

const NOW = new Date("2026-11-23T02:00:00Z"); // Monday 10:00 in Shanghai

type LogRow = { id: number; task_id: number | null; recipient_id: number; kind: string; day: string; dedupe_key: string; status: string; attempts: number; last_error: string | null; message_id: string | null; retry_at: string | null; claimed_at: string | null; sent_to: string | null };
const logRows = (db: Db) => db.all<LogRow>("select * from reminder_log order by id");

test("SMTP end to end: one mail per owner, Chinese subject decoded, both bodies, links to BASE_URL, threading headers; a second run sends nothing", { timeout: 60_000 }, async (t) => {
  const smtp = await startSmtp();
  const ta = await makeApp({ SMTP_URL: smtp.url, BASE_URL: "https://rectify.example.org", MAIL_FROM: "整改台账 <noreply@example.org>" });
  t.after(async () => {
    await ta.close();
    await smtp.close();
  });
  const { db, ids, config } = ta;
  const t1 = await addTask(db, { unitId: ids.a, ownerId: ids.owner, leaderId: ids.leaderA, deadline: "2026-11-24", title: "三会一课落实不到位" }); // 1 day
  const t2 = await addTask(db, { unitId: ids.a, ownerId: ids.owner, leaderId: ids.leaderA, deadline: "2026-11-26", title: "党费收缴不规范<b>" }); // 3 days
  await addTask(db, { unitId: ids.a, ownerId: ids.owner, leaderId: ids.leaderA, deadline: "2026-12-20" }); // far: no mail
  await addTask(db, { unitId: ids.a, ownerId: ids.owner, leaderId: ids.leaderA, deadline: null }); // 长期坚持: no mail
  const mailer = createMailer(config);
  t.after(() => mailer.close());

  const run = await runReminders({ db, config, mailer, now: NOW });
  assert.equal(run.today, "2026-11-23");
  const toOwner = smtp.received.filter((m) => m.to.includes("owner@t.cn"));
  assert.equal(toOwner.length, 1, "one mail gathers both tasks");
  const m = toOwner[0].parsed;
  assert.equal(m.subject, "【整改提醒】您有2项整改任务即将到期");
  assert.equal((m.from as any).value[0].name, "整改台账");
  assert.equal((m.from as any).value[0].address, "noreply@example.org");
  assert.equal((m.to as any).value[0].name, "李干事");
  assert.match(m.text!, /三会一课落实不到位/);
  assert.match(m.text!, /剩余1天/);
  assert.match(m.text!, /党费收缴不规范<b>/, "plain text is not HTML-escaped");
  assert.match(m.text!, new RegExp(`https://rectify\\.example\\.org/tasks/${t1}`));
  assert.ok(typeof m.html === "string");
  assert.match(m.html as string, /党费收缴不规范&lt;b&gt;/, "HTML escapes the title");
  assert.match(m.html as string, new RegExp(`href="https://rectify\\.example\\.org/tasks/${t2}"`));
  assert.match(m.html as string, /2026年11月24日/);
  assert.equal(m.headers.get("x-rectify-kind"), "deadline-reminder");
  assert.match(toOwner[0].raw.toString("utf8"), /^List-ID: Rectify reminders <reminders\.rectify\.example\.org>\r?$/im);
  assert.match(toOwner[0].raw.toString("utf8"), /^List-Unsubscribe: <https:\/\/rectify\.example\.org\/profile>\r?$/im);
  assert.equal(m.headers.get("auto-submitted"), "auto-generated");
  assert.match(String(m.references), /rectify\.thread\.owner\./);
  // the log: one row per item, sent, with the Message-ID the mail carried
  const rows = (await logRows(db)).filter((r) => r.recipient_id === ids.owner);
  assert.deepEqual(rows.map((r) => [r.task_id, r.kind, r.day, r.status, r.attempts]), [
    [t1, "due-1", "2026-11-23", "sent", 1],
    [t2, "due-3", "2026-11-23", "sent", 1],
  ]);
  assert.equal(rows[0].message_id, m.messageId);
  // made from the mail's keys and MAIL_FROM's domain: the same on every attempt
  assert.equal(m.messageId, messageIdFor(rows.map((r) => r.dedupe_key), "example.org"));
  assert.deepEqual(rows.map((r) => r.sent_to), ["owner@t.cn", "owner@t.cn"]);
  assert.ok(rows.every((r) => r.claimed_at));
  // Monday: the weekly digest went to the leaders of the unit tree
  const weekly = smtp.received.filter((x) => x.parsed.headers.get("x-rectify-kind") === "weekly-digest");
  assert.deepEqual(weekly.map((x) => x.to[0]).sort(), ["leader@t.cn", "leadera@t.cn"]);
  assert.match(weekly[0].parsed.subject!, /^【整改周报】/);
  assert.match(weekly[0].parsed.text!, /完成率/);

  const before = smtp.received.length;
  const again = await runReminders({ db, config, mailer, now: new Date(NOW.getTime() + 3600_000) });
  assert.deepEqual(again.results, []);
  assert.equal(smtp.received.length, before, "nothing twice");
});

test("回头看: the 责任领导 (or the unit's 联系领导) is asked on the day, exactly once; again a week later while it is not done; a 巩固 ends it", { timeout: 60_000 }, async (t) => {
  const smtp = await startSmtp();
  const ta = await makeApp({ SMTP_URL: smtp.url, BASE_URL: "https://rectify.example.org" });
  t.after(async () => {
    await ta.close();
    await smtp.close();
  });
  const { db, ids, config } = ta;
  const withLeader = await addTask(db, { unitId: ids.a, ownerId: ids.owner, leaderId: ids.leaderA, deadline: "2026-09-30", title: "党费收缴不及时", state: "done", createdAt: "2026-06-01T02:00:00.000Z" });
  const noLeader = await addTask(db, { unitId: ids.b, ownerId: ids.stranger, leaderId: null, deadline: "2026-09-30", title: "会议记录不规范", state: "done", createdAt: "2026-06-01T02:00:00.000Z" });
  const later = await addTask(db, { unitId: ids.a, ownerId: ids.owner, leaderId: ids.leaderA, deadline: "2026-09-30", title: "还没到回头看", state: "done", createdAt: "2026-06-01T02:00:00.000Z" });
  await db.run("update units set overseer_id = ? where id = ?", [ids.leader, ids.b]);
  for (const [task, due] of [[withLeader, "2026-11-23"], [noLeader, "2026-11-20"], [later, "2026-12-01"]] as const) await db.run("insert into recheck_items (task_id, due) values (?, ?)", [task, due]);
  const mailer = createMailer(config);
  t.after(() => mailer.close());
  const rechecks = () => smtp.received.filter((m) => /回头看/.test(m.parsed.subject ?? ""));

  await runReminders({ db, config, mailer, now: NOW });
  const first = rechecks();
  assert.deepEqual(first.map((m) => m.to[0]).sort(), ["leader@t.cn", "leadera@t.cn"], "the 责任领导, and the 联系领导 of a unit whose task has none");
  const toA = first.find((m) => m.to[0] === "leadera@t.cn")!.parsed;
  assert.equal(toA.subject, "【回头看】1项已销号的整改任务到了回头看日期，请确认巩固或认定反弹");
  assert.match(toA.text!, /党费收缴不及时/);
  assert.match(toA.text!, /今天回头看/);
  assert.match(toA.text!, /https:\/\/rectify\.example\.org\/rechecks/);
  assert.doesNotMatch(toA.text!, /还没到回头看/);
  assert.match(first.find((m) => m.to[0] === "leader@t.cn")!.parsed.text!, /回头看逾期3天/);
  const rows = await db.all<{ task_id: number; kind: string; day: string; status: string }>("select task_id, kind, day, status from reminder_log where kind = 'recheck' order by task_id");
  assert.deepEqual(rows.map((r) => [r.task_id, r.day, r.status]), [[withLeader, "2026-11-23", "sent"], [noLeader, "2026-11-20", "sent"]]);

  // the same day again, and the next days: nothing twice
  await runReminders({ db, config, mailer, now: new Date(NOW.getTime() + 3600_000) });
  await runReminders({ db, config, mailer, now: new Date(NOW.getTime() + 2 * 86_400_000) });
  assert.equal(rechecks().length, 2, "once");
  // 巩固 on one; a week later the other, still open, is asked again
  await db.run("update recheck_items set status = 'held' where task_id = ?", [withLeader]);
  await runReminders({ db, config, mailer, now: new Date("2026-11-27T02:00:00Z") });
  const second = rechecks().slice(2);
  assert.deepEqual(second.map((m) => m.to[0]), ["leader@t.cn"]);
  assert.match(second[0].parsed.text!, /回头看逾期7天/);
});

test("a server that answers 451, then accepts: the failure is kept with its reason and retried after 15 minutes with the same Message-ID; a 550 is a 退信, never retried", { timeout: 60_000 }, async (t) => {
  let refuse: Error | null = rejectWith(451, "4.3.0 Try again later");
  const smtp = await startSmtp({ onRcpt: () => refuse });
  const ta = await makeApp({ SMTP_URL: smtp.url });
  t.after(async () => {
    await ta.close();
    await smtp.close();
  });
  const { db, ids, config } = ta;
  const id = await addTask(db, { unitId: ids.a, ownerId: ids.owner, deadline: "2026-11-22" }); // overdue, no leader
  const mailer = createMailer(config);
  t.after(() => mailer.close());
  const settings = { weeklyCatchUpDays: -1 }; // no weekly digest in this test
  const start = Date.now();
  const at = (min: number) => () => new Date(start + min * 60_000);

  const r1 = await runReminders({ db, config, mailer, now: NOW, settings, wall: at(0) });
  assert.equal(r1.results.length, 1);
  assert.equal(r1.results[0].status, "failed");
  let [row] = await logRows(db);
  assert.equal(row.status, "failed");
  assert.equal(row.attempts, 1);
  assert.match(row.last_error!, /451/);
  assert.match(row.last_error!, /Try again later/);
  assert.ok(Math.abs(Date.parse(row.retry_at!) - (start + 15 * 60_000)) < 5000, "the next attempt in 15 minutes");
  assert.equal(smtp.received.length, 0);
  const firstId = row.message_id;

  // 10 minutes on: not yet
  const early = await runReminders({ db, config, mailer, now: NOW, retryOnly: true, settings, wall: at(10) });
  assert.deepEqual(early.results, []);
  assert.equal(early.waiting.length, 1);

  refuse = null;
  const r2 = await runReminders({ db, config, mailer, now: NOW, retryOnly: true, settings, wall: at(16) });
  assert.equal(r2.results[0].status, "sent");
  [row] = await logRows(db);
  assert.deepEqual([row.task_id, row.status, row.attempts, row.last_error, row.retry_at], [id, "sent", 2, null, null]);
  assert.equal(row.message_id, firstId, "the same Message-ID on the retry");
  assert.equal(smtp.received.length, 1);
  assert.equal(smtp.received[0].parsed.messageId, firstId);
  assert.equal(smtp.received[0].parsed.subject, "【整改提醒】您有1项整改任务已逾期");
  assert.match(smtp.received[0].parsed.text!, /逾期1天/);

  // a recipient refused for good (550): one attempt, 退信 with the server's words, never retried
  refuse = rejectWith(550, "5.1.1 Mailbox unavailable");
  const id2 = await addTask(db, { unitId: ids.a, ownerId: ids.colleague, deadline: "2026-11-23" });
  for (let i = 0; i < 5; i++) await runReminders({ db, config, mailer, now: NOW, settings, wall: at(20 + i * 1500) });
  const bounced = (await logRows(db)).find((r) => r.task_id === id2)!;
  assert.deepEqual([bounced.status, bounced.attempts, bounced.retry_at, bounced.sent_to], ["bounced", 1, null, "colleague@t.cn"]);
  assert.match(bounced.last_error!, /550 5\.1\.1 Mailbox unavailable/);
});

test("a mail server that is down: nothing is lost, the reason is logged", { timeout: 60_000 }, async (t) => {
  const smtp = await startSmtp();
  const port = smtp.port;
  await smtp.close(); // nothing listens there now
  const ta = await makeApp({ SMTP_URL: `smtp://127.0.0.1:${port}` });
  t.after(() => ta.close());
  await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.owner, deadline: "2026-11-24" });
  const mailer = createMailer(ta.config);
  const r = await runReminders({ db: ta.db, config: ta.config, mailer, now: NOW, settings: { weeklyCatchUpDays: -1 } });
  mailer.close();
  assert.equal(r.results[0].status, "failed");
  const [row] = await logRows(ta.db);
  assert.equal(row.status, "failed");
  assert.match(row.last_error!, /ECONNREFUSED|ESOCKET|ECONNECTION/);
});

test("a slow mail server never blocks a request", { timeout: 60_000 }, async (t) => {
  const smtp = await startSmtp({ delayMs: 1500 });
  const ta = await makeApp({ SMTP_URL: smtp.url });
  t.after(async () => {
    await ta.close();
    await smtp.close();
  });
  await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.owner, deadline: "2026-11-24" });
  await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.colleague, deadline: "2026-11-24" });
  const mailer = createMailer(ta.config);
  t.after(() => mailer.close());
  const started = Date.now();
  const running = runReminders({ db: ta.db, config: ta.config, mailer, now: NOW, settings: { weeklyCatchUpDays: -1 } });
  let sendsDone = false;
  void running.then(() => (sendsDone = true));
  await new Promise((r) => setTimeout(r, 200)); // the first mail is on the wire
  const res = await ta.app.inject({ method: "GET", url: "/login" });
  assert.equal(res.statusCode, 200);
  // an order, not a stopwatch: the page was answered while the slow sends were still going on
  assert.equal(sendsDone, false, "the page waited for the mail server");
  const r = await running;
  assert.ok(Date.now() - started >= 1500, "the sends themselves were slow");
  assert.deepEqual(r.results.map((x) => x.status), ["sent", "sent"]);
  assert.equal(smtp.stats.maxConcurrent, 2, "the two mails were sent side by side (REMIND_PARALLEL)");
});

test("no SMTP_URL: mails go to the outbox folder as .eml files", { timeout: 60_000 }, async (t) => {
  const ta = await makeApp();
  t.after(() => ta.close());
  const id = await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.owner, leaderId: ta.ids.leaderA, deadline: "2026-11-16" }); // overdue 7 days
  const mailer = createMailer(ta.config);
  assert.equal(mailer.kind, "outbox");
  const r = await runReminders({ db: ta.db, config: ta.config, mailer, now: NOW, settings: { weeklyCatchUpDays: -1 } });
  assert.deepEqual(r.results.map((x) => [x.recipient.email, x.status]).sort(), [["leadera@t.cn", "sent"], ["owner@t.cn", "sent"]]);
  const files = readdirSync(ta.config.outboxDir).filter((f) => f.endsWith(".eml"));
  assert.equal(files.length, 2);
  const mails = await Promise.all(files.map((f) => simpleParser(readFileSync(join(ta.config.outboxDir, f)))));
  const lead = mails.find((m) => (m.to as any).value[0].address === "leadera@t.cn")!;
  assert.equal(lead.subject, "【整改督办】1项整改任务逾期未销号");
  assert.match(lead.text!, /逾期7天/);
  assert.match(lead.text!, new RegExp(`/tasks/${id}`));
  assert.equal(lead.headers.get("x-rectify-kind"), "leader-escalation");
});

test("missedRecently: a start after today's scheduled time catches up; before it, it waits for the schedule", () => {
  // 08:30 in Shanghai is 00:30 UTC
  assert.equal(missedRecently("30 8 * * *", "Asia/Shanghai", new Date("2026-11-23T02:00:00Z")), true);
  assert.equal(missedRecently("30 8 * * *", "Asia/Shanghai", new Date("2026-11-23T00:10:00Z")), true, "yesterday's 08:30 is within 24 h");
  assert.equal(missedRecently("30 8 * * *", "Asia/Shanghai", new Date("2026-11-23T00:10:00Z"), 3600_000), false);
  assert.equal(missedRecently("30 8 * * 1", "Asia/Shanghai", new Date("2026-11-25T02:00:00Z")), false, "a Monday-only schedule on Wednesday");
});

test("the server's schedule: a start after the scheduled time catches the day up once; the retry pass sends nothing new", { timeout: 60_000 }, async (t) => {
  const ta = await makeApp();
  t.after(() => ta.close());
  await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.owner, deadline: "2026-11-24" });
  const logged: string[] = [];
  const log = { info: (_o: object, m?: string) => logged.push(m ?? ""), error: (_o: object, m?: string) => logged.push("ERROR " + (m ?? "")) };
  const schedule = startReminderSchedule({ db: ta.db, config: ta.config, mailer: createMailer(ta.config), log, clock: () => NOW, catchUpDelayMs: 50 });
  t.after(() => schedule.stop());
  assert.ok(schedule.next()! > new Date(), "the next daily run is scheduled");
  await new Promise((r) => setTimeout(r, 300));
  await schedule.idle();
  const files = () => readdirSync(ta.config.outboxDir).filter((f) => f.endsWith(".eml")).length;
  assert.equal(files(), 3, "the owner's mail and two Monday digests");
  assert.ok(logged.includes("reminders run"));
  await schedule.runNow("retry");
  await schedule.runNow("daily");
  assert.equal(files(), 3, "nothing twice");
  assert.ok(!logged.some((l) => l.startsWith("ERROR")), logged.join());
});

test("the server's schedule: runs never overlap in one process (a retry pass due meanwhile is skipped, a daily run waits its turn); a failing run is logged, not thrown", { timeout: 60_000 }, async (t) => {
  const ta = await makeApp();
  t.after(() => ta.close());
  await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.owner, deadline: "2026-11-24" });
  // the store, with every hand-written read slowed down and each run's start and end counted
  let active = 0;
  let most = 0;
  let runs = 0;
  let failing = false;
  const db = new Proxy(ta.db, {
    get(target, key) {
      if (key === "all" || key === "scan")
        return async (text: string, params?: unknown[]) => {
          if (failing) throw new Error("数据库不可用");
          if (/FROM units$/.test(text)) (runs++, (most = Math.max(most, ++active))); // a run's first read
          await new Promise((r) => setTimeout(r, 20));
          const rows = await (key === "scan" ? target.scan(text, params) : target.all(text, params));
          if (/GROUP BY l\.status/.test(text)) active--; // its last
          return rows;
        };
      const v = Reflect.get(target, key);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const logged: string[] = [];
  const log = { info: (_o: object, m?: string) => logged.push(m ?? ""), error: (_o: object, m?: string) => logged.push("ERROR " + (m ?? "")) };
  const schedule = startReminderSchedule({ db, config: ta.config, mailer: createMailer(ta.config), log, clock: () => NOW, catchUp: false });
  t.after(() => schedule.stop());
  await Promise.all([schedule.runNow("daily"), schedule.runNow("retry"), schedule.runNow("daily"), schedule.runNow("daily")]);
  await schedule.idle();
  assert.equal(most, 1, "one run at a time");
  assert.equal(runs, 2, "the daily run, then one queued daily run; the retry pass was skipped");
  assert.equal(readdirSync(ta.config.outboxDir).filter((f) => f.endsWith(".eml")).length, 3);
  failing = true;
  await schedule.runNow("daily"); // resolves: the error is logged
  assert.ok(logged.includes("ERROR reminders run failed"), logged.join());
});
