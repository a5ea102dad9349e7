// Undelivered reminder mail in a real browser: the admin's 首页 lists 退信 and failed mail with a
// count, 已知悉 takes one away (a real form post with its CSRF token); the person whose address
// bounced sees it on 个人设置. Screenshots in test-results/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeApp } from "../helpers/app.ts";
import { browse, ARTIFACTS, NO_BROWSER } from "../helpers/browser.ts";
import { createMailer } from "../../server/features/reminders/mailer.ts";
import { runReminders } from "../../server/features/reminders/send.ts";
import { addDays, dayIn } from "../../server/lib/dates.ts";
import { startSmtp, addTask, rejectWith } from "../features/reminders/helpers.ts";

test("首页 lists undelivered reminder mail until acknowledged; 个人设置 flags a 退信 address", { skip: NO_BROWSER, timeout: 120_000 }, async (t) => {
  const smtp = await startSmtp({ onRcpt: (a) => (a === "owner@t.cn" ? rejectWith(550, "5.1.1 <owner@t.cn>: User unknown") : a === "colleague@t.cn" ? rejectWith(451, "4.7.1 Try again later") : null) });
  const ta = await makeApp({ SMTP_URL: smtp.url, SMTP_CONNECT_TIMEOUT: "1", SMTP_TIMEOUT: "1", SMTP_DATA_TIMEOUT: "1" });
  t.after(async () => {
    await ta.close();
    await smtp.close();
  });
  const { as } = await browse(t, ta);
  const today = dayIn(ta.config.timeZone, new Date());
  await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.owner, deadline: addDays(today, 1), title: "组织生活会记录不全" });
  await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.colleague, deadline: addDays(today, -2), title: "党费收缴台账未更新" });
  const mailer = createMailer(ta.config);
  t.after(() => mailer.close());
  const r = await runReminders({ db: ta.db, config: ta.config, mailer, now: new Date(), settings: { weeklyCatchUpDays: -1 } });
  assert.deepEqual(r.results.map((x) => x.status).sort(), ["bounced", "failed"]);

  const admin = await as("admin@t.cn");
  await admin.goto(admin.url().replace(/\/[^/]*$/, "/"));
  const section = admin.locator("#mail-problems");
  assert.equal(await section.locator("h2").innerText(), "提醒邮件未送达（2）");
  assert.match(await section.innerText(), /退信[^]*owner@t\.cn[^]*User unknown/);
  assert.match(await section.innerText(), /发送失败[^]*将于 \d{4}年\d+月\d+日 \d\d:\d\d 重试/);
  await admin.screenshot({ path: join(ARTIFACTS, "mail-problems-home.png"), fullPage: true });
  const row = section.locator("tr", { hasText: "owner@t.cn" });
  await Promise.all([admin.waitForURL(/\/#mail-problems$|\/$/), row.getByRole("button", { name: /已知悉/ }).click()]);
  assert.equal(await admin.locator("#mail-problems h2").innerText(), "提醒邮件未送达（1）");
  assert.match(await admin.locator(".flash").innerText(), /已标记 1 项/);
  assert.equal(await admin.locator("#mail-problems tr", { hasText: "owner@t.cn" }).count(), 0);
  const acked = (await ta.db.get("select acknowledged_by from reminder_log where recipient_id = ?", [ta.ids.owner])) as { acknowledged_by: number };
  assert.equal(acked.acknowledged_by, ta.ids.admin);
  await admin.setViewportSize({ width: 390, height: 844 });
  await admin.screenshot({ path: join(ARTIFACTS, "mail-problems-home-narrow.png"), fullPage: true });

  const owner = await as("owner@t.cn");
  await owner.goto(owner.url().replace(/\/tasks.*$/, "/profile"));
  assert.match(await owner.locator("#mail-bounced").innerText(), /邮箱被拒收：请核对邮箱地址/);
  await owner.screenshot({ path: join(ARTIFACTS, "mail-problems-profile.png"), fullPage: true });
});
