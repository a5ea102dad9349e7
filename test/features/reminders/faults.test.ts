// Reminder mail under faults, against a real SMTP server on 127.0.0.1 that fails on purpose
// (helpers.ts): refused connections, 451 for everything, 550 for one address, a server that
// holds its answer, a connection dropped mid-DATA, a reply lost after the whole message arrived,
// a `remind` killed mid-send. Per case: what was received (by Message-ID), what reminder_log
// holds, what `remind` prints and returns, what the admin sees. Timeouts are set low (seconds).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { makeApp, login, get, post, type TestApp } from "../../helpers/app.ts";
import { cliArgs, cliAsync } from "../../helpers/cli.ts";
import { createMailer } from "../../../server/features/reminders/mailer.ts";
import { runReminders, type RunOptions } from "../../../server/features/reminders/send.ts";
import { summarize } from "../../../server/features/reminders/summary.ts";
import { addDays, dayIn } from "../../../server/lib/dates.ts";
import { startSmtp, addTask, rejectWith, messageIds } from "./helpers.ts";

const NOW = new Date("2026-11-23T02:00:00Z"); // Monday 10:00 in Shanghai
const NO_WEEKLY = { weeklyCatchUpDays: -1 };
const FAST = { SMTP_CONNECT_TIMEOUT: "1", SMTP_TIMEOUT: "1", SMTP_DATA_TIMEOUT: "1" };

type LogRow = { id: number; task_id: number | null; recipient_id: number; kind: string; dedupe_key: string; status: string; attempts: number; last_error: string | null; message_id: string | null; retry_at: string | null; claimed_at: string | null; sent_to: string | null; acknowledged_at: string | null; acknowledged_by: number | null };
const logRows = (ta: TestApp) => ta.db.all<LogRow>("select * from reminder_log order by id");

/** A run as the schedule or the CLI makes it, with the wall clock `min` minutes on. */
function runner(ta: TestApp, mailer = createMailer(ta.config)) {
  const start = Date.now();
  const run = (min: number, o: Partial<RunOptions> = {}) => runReminders({ db: ta.db, config: ta.config, mailer, now: NOW, settings: NO_WEEKLY, wall: () => new Date(start + min * 60_000), ...o });
  return { run, mailer, start };
}
const printed = (ta: TestApp, r: Awaited<ReturnType<typeof runReminders>>) => summarize(r, { dryRun: false, where: "经 SMTP 发送", timeZone: ta.config.timeZone });

async function setup(t: { after: (fn: () => unknown) => void }, faults: Parameters<typeof startSmtp>[0] = {}, env: Record<string, string> = {}) {
  const smtp = await startSmtp(faults);
  const ta = await makeApp({ SMTP_URL: smtp.url, MAIL_FROM: "整改台账 <noreply@mail.example.org>", ...FAST, ...env });
  const r = runner(ta);
  t.after(async () => {
    r.mailer.close();
    await ta.close();
    await smtp.close();
  });
  return { smtp, ta, ...r };
}

test("refused connection: failed, not lost; retried after 15 minutes with the same Message-ID; `remind` says when and exits 2; the admin's 首页 counts it", { timeout: 60_000 }, async (t) => {
  const smtp = await startSmtp();
  await smtp.close(); // nothing listens there now
  const ta = await makeApp({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, ...FAST });
  const { run, mailer } = runner(ta);
  t.after(async () => (mailer.close(), await ta.close()));
  await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.owner, deadline: "2026-11-24", title: "台账不完整" });

  const r = await run(0);
  assert.deepEqual(r.results.map((x) => x.status), ["failed"]);
  const [row] = await logRows(ta);
  assert.equal(row.status, "failed");
  assert.match(row.last_error!, /ECONNREFUSED|ECONNECTION|ESOCKET/);
  assert.equal(r.results[0].retryAt, row.retry_at);
  const out = printed(ta, r);
  assert.equal(out.exitCode, 2);
  assert.match(out.lines.join("\n"), /暂时失败  李干事 <owner@t\.cn>.*将于 2026年\d+月\d+日 \d\d:\d\d 重试/);
  assert.match(out.lines.join("\n"), /本次：发送 0 封，此前已发送 0 项，等待重试 1 项（最早 .*），退信 0 封，放弃 0 项。/);
  assert.match(out.lines.join("\n"), /未处理的投递问题：发送失败 1 项，退信 0 项，已放弃 0 项/);

  const admin = await login(ta.app, "admin@t.cn");
  const home = await get(ta.app, admin, "/");
  assert.match(home.body, /提醒邮件未送达（1）/);
  assert.match(home.body, new RegExp(`id="mail-problem-${row.id}"`));
  assert.match(home.body, /发送失败/);
  assert.match(home.body, /台账不完整/);
  // a run 10 minutes on does not try yet, and says what waits
  const early = await run(10);
  assert.deepEqual(early.results, []);
  assert.deepEqual(early.waiting.map((w) => w.retryAt), [row.retry_at]);
  assert.match(printed(ta, early).lines.join("\n"), /没有需要发送的提醒[^]*等待重试 1 项/);
  assert.equal((await logRows(ta))[0].attempts, 1);
});

test("451 for everything: backoff 15 min, 1 h, 4 h, then daily, until the task is signed off; then given up, listed, acknowledged", { timeout: 60_000 }, async (t) => {
  const { smtp, ta, run, start } = await setup(t, { onRcpt: () => rejectWith(451, "4.7.1 Greylisted, try later") });
  const id = await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.owner, deadline: "2026-11-20" }); // overdue: one stage for a week
  const delays: number[] = [];
  let at = 0;
  for (let i = 0; i < 5; i++) {
    const r = await run(at);
    assert.deepEqual(r.results.map((x) => x.status), ["failed"], `attempt ${i + 1}`);
    const row = (await logRows(ta))[0];
    assert.equal(row.attempts, i + 1);
    const next = (Date.parse(row.retry_at!) - start) / 60_000;
    delays.push(Math.round(next - at));
    // a minute before the retry time, nothing is tried
    assert.deepEqual((await run(next - 1)).results, []);
    at = next;
  }
  assert.deepEqual(delays, [15, 60, 240, 1440, 1440]);
  assert.equal(smtp.received.length, 0);
  const ids = new Set((await logRows(ta)).map((r) => r.message_id));
  assert.equal(ids.size, 1);

  // signed off: the reminder is no longer relevant, the next run gives it up
  await ta.db.run("update tasks set state = 'done', signed_off_at = ? where id = ?", ["2026-11-23T03:00:00.000Z", id]);
  const last = await run(at);
  assert.deepEqual(last.results, []);
  assert.equal(last.expired, 1);
  const row = (await logRows(ta))[0];
  assert.equal(row.status, "expired");
  assert.match(row.last_error!, /451 4\.7\.1 Greylisted[^]*已放弃：任务已销号/);
  const out = printed(ta, last);
  assert.match(out.lines.join("\n"), /放弃 1 项/);
  assert.equal(out.exitCode, 2, "given up and not acknowledged");

  // the admin sees it and acknowledges it (CSRF, admin only, recorded)
  const admin = await login(ta.app, "admin@t.cn");
  assert.match((await get(ta.app, admin, "/")).body, /已放弃/);
  const noCsrf = await ta.app.inject({ method: "POST", url: "/admin/reminders/acknowledge", headers: { cookie: admin.cookie }, payload: { id: String(row.id) } });
  assert.equal(noCsrf.statusCode, 403);
  const leader = await login(ta.app, "leader@t.cn");
  assert.equal((await post(ta.app, leader, "/admin/reminders/acknowledge", { id: String(row.id) })).statusCode, 403);
  assert.equal((await logRows(ta))[0].acknowledged_at, null);
  const ack = await post(ta.app, admin, "/admin/reminders/acknowledge", { id: String(row.id) });
  assert.equal(ack.statusCode, 303);
  const acked = (await logRows(ta))[0];
  assert.equal(acked.acknowledged_by, ta.ids.admin);
  assert.ok(acked.acknowledged_at);
  assert.doesNotMatch((await get(ta.app, admin, "/")).body, /提醒邮件未送达/);
  assert.equal(printed(ta, await run(at + 1)).exitCode, 0, "acknowledged: remind exits 0");
});

test("550 for one address: 退信 with the server's words, never retried, the others delivered; the person is flagged on their account page; 首页 lists it until acknowledged; remind exits 2, then 0", { timeout: 60_000 }, async (t) => {
  const { smtp, ta, run } = await setup(t, { onRcpt: (a) => (a === "owner@t.cn" ? rejectWith(550, "5.1.1 <owner@t.cn>: Recipient address rejected: User unknown") : null) });
  await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.owner, deadline: "2026-11-24" });
  await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.colleague, deadline: "2026-11-24" });

  const r = await run(0);
  assert.deepEqual(r.results.map((x) => [x.recipient.email, x.status]), [["owner@t.cn", "bounced"], ["colleague@t.cn", "sent"]]);
  assert.deepEqual(smtp.received.map((m) => m.to[0]), ["colleague@t.cn"]);
  const bounced = (await logRows(ta)).find((x) => x.recipient_id === ta.ids.owner)!;
  assert.deepEqual([bounced.status, bounced.attempts, bounced.retry_at, bounced.sent_to], ["bounced", 1, null, "owner@t.cn"]);
  assert.match(bounced.last_error!, /550 5\.1\.1 <owner@t\.cn>: Recipient address rejected: User unknown/);
  const out = printed(ta, r);
  assert.match(out.lines.join("\n"), /退信  李干事 <owner@t\.cn>.*User unknown（不再重试）/);
  assert.match(out.lines.join("\n"), /本次：发送 1 封，此前已发送 0 项，等待重试 0 项，退信 1 封，放弃 0 项。/);
  assert.equal(out.exitCode, 2);

  // never retried, however long
  for (const min of [16, 61, 60 * 24 * 2]) assert.deepEqual((await run(min)).results, []);
  assert.equal((await logRows(ta)).find((x) => x.recipient_id === ta.ids.owner)!.attempts, 1);

  // the person's account page
  const owner = await login(ta.app, "owner@t.cn");
  const profile = await get(ta.app, owner, "/profile");
  assert.match(profile.body, /邮箱被拒收：请核对邮箱地址/);
  assert.match(profile.body, /User unknown/);
  const colleague = await login(ta.app, "colleague@t.cn");
  assert.doesNotMatch((await get(ta.app, colleague, "/profile")).body, /邮箱被拒收/);

  // the admin: listed with a count; a leader's 首页 has no such list
  const admin = await login(ta.app, "admin@t.cn");
  const home = (await get(ta.app, admin, "/")).body;
  assert.match(home, /提醒邮件未送达（1）/);
  assert.match(home, /退信 1 项/);
  assert.match(home, /owner@t\.cn/);
  const leader = await login(ta.app, "leader@t.cn");
  assert.doesNotMatch((await get(ta.app, leader, "/")).body, /提醒邮件未送达/);
  const ack = await post(ta.app, admin, "/admin/reminders/acknowledge", { all: "1" });
  assert.equal(ack.statusCode, 303);
  assert.doesNotMatch((await get(ta.app, admin, "/")).body, /提醒邮件未送达/);
  assert.equal(printed(ta, await run(60 * 24 * 3)).exitCode, 0);
  // a new address clears the person's flag
  await ta.db.run("update users set email = 'owner2@t.cn' where id = ?", [ta.ids.owner]);
  assert.doesNotMatch((await get(ta.app, owner, "/profile")).body, /邮箱被拒收/);
});

test("a server that holds its answer within the DATA timeout: accepted once, marked sent (no second copy)", { timeout: 60_000 }, async (t) => {
  const { smtp, ta, run } = await setup(t, { delayMs: 1200 }, { SMTP_DATA_TIMEOUT: "3" });
  await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.owner, deadline: "2026-11-24" });
  const r = await run(0);
  assert.deepEqual(r.results.map((x) => x.status), ["sent"]);
  assert.equal(smtp.received.length, 1);
  const [row] = await logRows(ta);
  assert.deepEqual([row.status, row.attempts], ["sent", 1]);
  assert.equal(row.message_id, smtp.received[0].parsed.messageId);
  assert.deepEqual((await run(30)).results, []);
  assert.equal(smtp.received.length, 1);
});

test("a server that holds its answer past the DATA timeout, and one that drops after DATA without replying: the retry carries the same Message-ID, so the receiver can drop the copy", { timeout: 60_000 }, async (t) => {
  for (const fault of [{ delayMs: 2500 }, { afterData: "drop-after" as const }]) {
    const { smtp, ta, run } = await setup(t, fault);
    await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.owner, deadline: "2026-11-24" });
    const r = await run(0);
    assert.deepEqual(r.results.map((x) => x.status), ["failed"], JSON.stringify(fault));
    assert.match(r.results[0].error!, fault.delayMs ? /ETIMEDOUT|Timeout/i : /ECONNECTION|closed|ESOCKET/i);
    await new Promise((res) => setTimeout(res, (fault.delayMs ?? 0) + 100)); // the held answer comes to nobody
    assert.equal(smtp.received.length, 1, "the server has the message");
    let [row] = await logRows(ta);
    assert.equal(row.status, "failed");
    smtp.hooks.delayMs = 0;
    smtp.hooks.afterData = null;
    assert.deepEqual((await run(16)).results.map((x) => x.status), ["sent"]);
    [row] = await logRows(ta);
    assert.deepEqual([row.status, row.attempts], ["sent", 2]);
    const got = messageIds(smtp.received);
    assert.equal(got.length, 2);
    assert.equal(got[0], got[1], "one Message-ID on both copies");
    assert.equal(got[0], row.message_id);
    assert.match(got[0]!, /^<rectify\.[0-9a-f]{32}@mail\.example\.org>$/);
  }
});

test("a connection dropped mid-DATA: nothing received, retried, delivered once", { timeout: 60_000 }, async (t) => {
  const { smtp, ta, run } = await setup(t, { afterData: "drop-mid" });
  await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.owner, deadline: "2026-11-24" });
  const r = await run(0);
  assert.deepEqual(r.results.map((x) => x.status), ["failed"]);
  assert.equal(smtp.received.length, 0);
  const firstId = (await logRows(ta))[0].message_id;
  smtp.hooks.afterData = null;
  assert.deepEqual((await run(16)).results.map((x) => x.status), ["sent"]);
  assert.deepEqual(messageIds(smtp.received), [firstId]);
  assert.deepEqual((await logRows(ta)).map((x) => [x.status, x.attempts]), [["sent", 2]]);
});

test("the admins' weekly mail on Monday lists the failed and 退信 mail not acknowledged", { timeout: 60_000 }, async (t) => {
  const { smtp, ta, run } = await setup(t, { onRcpt: (a) => (a === "owner@t.cn" ? rejectWith(550, "5.1.1 User unknown") : null) });
  await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.owner, deadline: "2026-11-24", title: "学习制度未落实" });
  await run(0);
  assert.equal(smtp.received.length, 0);
  // the same Monday, a later run with the digests on: the admin's mail lists the 退信
  await ta.db.run("update users set remind_enabled = 0 where role = 'leader'");
  const r = await run(5, { settings: {} });
  const toAdmin = smtp.received.filter((m) => m.to[0] === "admin@t.cn");
  assert.equal(toAdmin.length, 1, r.results.map((x) => x.recipient.email + x.status).join());
  const m = toAdmin[0].parsed;
  assert.equal(m.subject, "【提醒邮件】1项提醒未能送达，请处理（1项退信）");
  assert.equal(m.headers.get("x-rectify-kind"), "delivery-problems");
  assert.match(m.text!, /退信  李干事 <owner@t\.cn>  到期前1天/);
  assert.match(m.text!, /学习制度未落实/);
  assert.match(m.text!, /5\.1\.1 User unknown/);
  assert.match(m.html as string, /学习制度未落实/);
  // once a week
  await run(60, { settings: {} });
  assert.equal(smtp.received.filter((x) => x.to[0] === "admin@t.cn").length, 1);
});

test("`remind` killed mid-send: the next run reports the claim honestly and when it will be retried; after that it is sent with the same Message-ID", { timeout: 90_000 }, async (t) => {
  const smtp = await startSmtp({ delayMs: 60_000 }); // holds until the sender is gone
  const ta = await makeApp({ SMTP_URL: smtp.url, ...FAST, SMTP_DATA_TIMEOUT: "1.5" });
  t.after(async () => {
    await ta.close();
    await smtp.close();
  });
  const today = dayIn(ta.config.timeZone, new Date());
  await ta.db.run("update users set remind_enabled = 0 where role <> 'staff'"); // no digests: one mail
  await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.owner, deadline: addDays(today, 1) });
  const env = { ...ta.dbEnv, SMTP_URL: smtp.url, SESSION_SECRET: "x".repeat(40), ...FAST, SMTP_DATA_TIMEOUT: "1.5" };

  const child = spawn(process.execPath, cliArgs("remind"), { env: { ...process.env, LOG_LEVEL: "silent", ...env }, stdio: "ignore" });
  const exited = new Promise((r) => child.on("close", r));
  for (let i = 0; i < 300 && !smtp.received.length; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(smtp.received.length, 1, "the message reached the server");
  child.kill("SIGKILL");
  await exited;
  const [claimed] = await logRows(ta);
  assert.deepEqual([claimed.status, claimed.attempts], ["pending", 1]);
  smtp.hooks.delayMs = 0;

  const next = await cliAsync(env, "remind");
  assert.equal(next.code, 0, next.err);
  assert.doesNotMatch(next.out, /已由另一进程发送/);
  assert.match(next.out, /另有 1 项已被另一进程认领、尚未确认发出（可能仍在发送，或该进程已中断）；若未发出，将于 \d{4}年\d+月\d+日 \d\d:\d\d 后重试。/);
  assert.equal(smtp.received.length, 1);
  assert.equal((await logRows(ta))[0].status, "pending");

  // once the claim is older than the longest send (1 + 1 + 5 × 1.5 s), it is taken again
  const stale = Date.parse(claimed.claimed_at!) + 9_600;
  const mailer = createMailer(ta.config);
  t.after(() => mailer.close());
  const r = await runReminders({ db: ta.db, config: ta.config, mailer, now: new Date(), wall: () => new Date(stale) });
  assert.deepEqual(r.results.map((x) => x.status), ["sent"]);
  const got = messageIds(smtp.received);
  assert.equal(got.length, 2);
  assert.equal(got[0], got[1], "the retry is the same mail to the receiver");
  assert.deepEqual((await logRows(ta)).map((x) => [x.status, x.attempts, x.message_id]), [["sent", 2, got[0]]]);
  const last = await cliAsync(env, "remind");
  assert.equal(last.code, 0);
  assert.match(last.out, /没有需要发送的提醒[^]*此前已发送 1 项/);
});
