// The admin pages 提醒记录 and 发件箱: admin only (403 otherwise), CSRF on resend, the resend
// itself (to the outbox and to a real SMTP server that refused first).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { makeApp, login, get, post } from "../../helpers/app.ts";
import { createMailer } from "../../../server/features/reminders/mailer.ts";
import { runReminders } from "../../../server/features/reminders/send.ts";
import { startSmtp, addTask, rejectWith } from "./helpers.ts";

const NOW = new Date("2026-11-23T02:00:00Z");
const NO_WEEKLY = { weeklyCatchUpDays: -1 };

test("发件箱: lists the .eml files and shows one (subject, recipients, both bodies, headers); non-admins get 403", { timeout: 60_000 }, async (t) => {
  const ta = await makeApp();
  t.after(() => ta.close());
  const id = await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.owner, deadline: "2026-11-24", title: "整改<script>alert(1)</script>" });
  await runReminders({ db: ta.db, config: ta.config, mailer: createMailer(ta.config), now: NOW, settings: NO_WEEKLY });
  const [file] = readdirSync(ta.config.outboxDir);
  const admin = await login(ta.app, "admin@t.cn");
  const list = await get(ta.app, admin, "/admin/outbox");
  assert.equal(list.statusCode, 200);
  assert.match(list.body, /<h1>发件箱<\/h1>/);
  assert.match(list.body, /【整改提醒】您有1项整改任务即将到期/);
  assert.match(list.body, /owner@t\.cn/);
  assert.match(list.body, new RegExp(`href="/admin/outbox/${file}"`));
  assert.match(list.body, /href="\/admin\/reminders"[^>]*>提醒记录</, "nav link for the admin");
  const show = await get(ta.app, admin, `/admin/outbox/${file}`);
  assert.equal(show.statusCode, 200);
  assert.match(show.body, /<h1>【整改提醒】您有1项整改任务即将到期<\/h1>/);
  assert.match(show.body, /iframe class="mail-html" title="HTML 正文" sandbox srcdoc="/);
  assert.ok(!show.body.includes("<script>alert(1)"), "the title is escaped in the page");
  assert.match(show.body, new RegExp(`/tasks/${id}`));
  assert.match(show.body, /deadline-reminder/);
  assert.match(show.body, /List-ID/);
  const raw = await get(ta.app, admin, `/admin/outbox/${file}?raw=1`);
  assert.equal(raw.statusCode, 200);
  assert.match(String(raw.headers["content-type"]), /message\/rfc822/);
  assert.equal((await get(ta.app, admin, "/admin/outbox/..%2F..%2Frectify.db")).statusCode, 404);
  assert.equal((await get(ta.app, admin, "/admin/outbox/20260101T000000Z-00000000.eml")).statusCode, 404);

  for (const who of ["leader@t.cn", "owner@t.cn"]) {
    const s = await login(ta.app, who);
    assert.equal((await get(ta.app, s, "/admin/outbox")).statusCode, 403, who);
    assert.equal((await get(ta.app, s, `/admin/outbox/${file}`)).statusCode, 403, who);
    assert.equal((await get(ta.app, s, "/admin/reminders")).statusCode, 403, who);
    const page = await get(ta.app, s, "/tasks");
    assert.ok(!page.body.includes('href="/admin/reminders"'), "no nav link for non-admins");
  }
  assert.equal((await get(ta.app, null, "/admin/reminders")).statusCode, 303, "signed out: to the login page");
});

test("提醒记录: sent, failed and pending rows with filters; resend needs admin and CSRF and sends again", { timeout: 60_000 }, async (t) => {
  let refuse = true;
  const smtp = await startSmtp({ onRcpt: () => (refuse ? rejectWith(550, "5.1.1 No such user") : null) });
  const ta = await makeApp({ SMTP_URL: smtp.url });
  t.after(async () => {
    await ta.close();
    await smtp.close();
  });
  const id = await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.owner, deadline: "2026-11-24", title: "组织生活会质量不高" });
  const mailer = createMailer(ta.config);
  t.after(() => mailer.close());
  await runReminders({ db: ta.db, config: ta.config, mailer, now: NOW, settings: NO_WEEKLY });
  const row = (await ta.db.get<{ id: number; status: string; attempts: number }>("select * from reminder_log"))!;
  assert.equal(row.status, "bounced");

  const admin = await login(ta.app, "admin@t.cn");
  const page = await get(ta.app, admin, "/admin/reminders");
  assert.equal(page.statusCode, 200);
  assert.match(page.body, new RegExp(`id="reminder-${row.id}"`));
  assert.match(page.body, /退信/);
  assert.match(page.body, /5\.1\.1 No such user/);
  assert.match(page.body, /组织生活会质量不高/);
  assert.match(page.body, /到期前1天/);
  assert.match(page.body, new RegExp(`action="/admin/reminders/${row.id}/resend"`));
  assert.doesNotMatch((await get(ta.app, admin, "/admin/reminders?status=sent")).body, new RegExp(`id="reminder-${row.id}"`));
  assert.match((await get(ta.app, admin, "/admin/reminders?status=bounced")).body, new RegExp(`id="reminder-${row.id}"`));

  // no CSRF token: refused, nothing sent
  const noCsrf = await ta.app.inject({ method: "POST", url: `/admin/reminders/${row.id}/resend`, headers: { cookie: admin.cookie }, payload: {} });
  assert.equal(noCsrf.statusCode, 403);
  // a leader may not resend
  const leader = await login(ta.app, "leader@t.cn");
  assert.equal((await post(ta.app, leader, `/admin/reminders/${row.id}/resend`, {})).statusCode, 403);
  assert.equal(smtp.received.length, 0);
  assert.equal(await ta.db.value<number>("select attempts from reminder_log"), 1);

  refuse = false;
  const res = await post(ta.app, admin, `/admin/reminders/${row.id}/resend`, { back: "/admin/reminders?status=failed" });
  assert.equal(res.statusCode, 303);
  assert.equal(res.headers.location, "/admin/reminders?status=failed");
  const after = (await ta.db.get<{ status: string; attempts: number; last_error: string | null }>("select * from reminder_log"))!;
  assert.deepEqual([after.status, after.attempts, after.last_error], ["sent", 2, null]);
  assert.equal(smtp.received.length, 1);
  assert.equal(smtp.received[0].to[0], "owner@t.cn");
  assert.match(smtp.received[0].parsed.text!, new RegExp(`/tasks/${id}`));
  const cookie = [admin.cookie, ...[res.headers["set-cookie"]].flat().filter(Boolean).map((c) => String(c).split(";")[0])].join("; ");
  const flashed = await ta.app.inject({ method: "GET", url: "/admin/reminders", headers: { cookie } });
  assert.match(flashed.body, /已重新发送给 李干事/);
  assert.match(flashed.body, /已发送/);
  // a second run of the day does not send it again
  await runReminders({ db: ta.db, config: ta.config, mailer, now: NOW, settings: NO_WEEKLY });
  assert.equal(smtp.received.length, 1);
  assert.equal((await post(ta.app, admin, "/admin/reminders/99999/resend", {})).statusCode, 404);
});
