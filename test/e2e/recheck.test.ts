// 回头看 and 反弹 in real headless Chromium: a leader imports a report one of whose problems
// recurs from last year's, sees the hint on its card with the link, marks it 反弹/重复出现 on
// confirming, signs the new task off with its 整改成效, and on its 回头看 date (the clock moved)
// finds it on the 回头看 list, marks it 反弹, and sees it counted on the overview.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LATER } from "../features/recheck/reports.ts";
import { join } from "node:path";
import { makeApp, login, post, multipart, PNG_1PX } from "../helpers/app.ts";
import { browse, ARTIFACTS, NO_BROWSER } from "../helpers/browser.ts";
import { addMonths } from "../../server/features/recheck/plan.ts";
import { dayIn } from "../../server/lib/dates.ts";


test("a recurring problem is caught at import, and a 回头看 finds a 反弹 that is counted, in a real browser", { timeout: 180_000, skip: NO_BROWSER }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { base, as } = await browse(t, ta);
  const errors: string[] = [];
  // last year's report: its 党费 problem signed off 200 days ago
  const signed = new Date(ta.clock.now.getTime() - 200 * 86_400_000).toISOString();
  const reportId = (await ta.db.get<{ id: number }>(
    `INSERT INTO reports (title, unit_id, format, full_text, imported_by, imported_at) VALUES ('第一党支部2025年度自查报告', ?, 'paste', '二、存在问题\n1.党费收缴不及时。', ?, ?) RETURNING id`,
    [ta.ids.a, ta.ids.leaderA, signed],
  ))!.id;
  const problemId = (await ta.db.get<{ id: number }>(`INSERT INTO problems (report_id, seq, text) VALUES (?, 1, '党费收缴不及时') RETURNING id`, [reportId]))!.id;
  const earlier = (await ta.db.get<{ id: number }>(
    `INSERT INTO tasks (problem_id, unit_id, owner_id, leader_id, title, deadline_kind, deadline, state, signed_off_at, signed_off_by) VALUES (?, ?, ?, ?, '党费收缴不及时', 'dated', '2026-03-31', 'done', ?, ?) RETURNING id`,
    [problemId, ta.ids.a, ta.ids.owner, ta.ids.leaderA, signed, ta.ids.leaderA],
  ))!.id;

  let page = await as("leadera@t.cn");
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}/reports/import`);
  await page.selectOption("select[name=unitId]", String(ta.ids.a));
  await page.fill("input[name=title]", "第一党支部2026年度自查报告");
  await page.fill("textarea[name=pasted]", LATER);
  await page.click("button:has-text('上传并识别问题')");
  await page.waitForURL(/\/reports\/drafts\/\d+$/);

  // the hint on the first card, with the link to last year's task; the second card has none
  const hints = page.locator(".recurrence-hint");
  assert.equal(await hints.count(), 1);
  const hint = page.locator("li.draft-item").nth(0).locator(".recurrence-hint");
  assert.match(await hint.innerText(), /与《第一党支部2025年度自查报告》第1个问题相似（已于\d{4}年\d{1,2}月\d{1,2}日销号）/);
  assert.equal(await hint.locator("a").getAttribute("href"), `/tasks/${earlier}`);
  await hint.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, "recheck-import-hint.png"), fullPage: false });

  // assign both and confirm
  const deadline = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
  await page.check("input[data-pick-all]");
  const bulk = page.locator("form#bulk");
  await bulk.locator("select[name=unitId]").selectOption(String(ta.ids.a));
  await bulk.locator("select[name=ownerId]").selectOption(String(ta.ids.owner));
  await bulk.locator("select[name=leaderId]").selectOption(String(ta.ids.leaderA));
  await bulk.locator("input[name=deadline]").fill(deadline);
  await bulk.locator("button:has-text('应用到勾选的问题')").click();
  await page.waitForFunction((id) => [...document.querySelectorAll<HTMLSelectElement>("li.draft-item select[name=ownerId]")].every((s) => s.value === id), String(ta.ids.owner));
  // mark it 反弹/重复出现 (the box belongs to the confirm form)
  await page.locator("li.draft-item").nth(0).locator("input[name=recurs]").check();
  await page.click("button:has-text('确认生成任务')");
  await page.waitForURL(/\/reports\/\d+$/);
  await page.waitForSelector("text=其中 1 项标记为反弹/重复出现");
  const task = (await ta.db.get<{ id: number }>(`SELECT id FROM tasks WHERE recurs_of_task_id = ?`, [earlier]))!.id;
  assert.equal(await ta.db.value(`SELECT rebound_count FROM tasks WHERE id = ?`, [earlier]), 1, "last year's problem came back: counted");

  // the owner reports and asks for sign-off (through the app's routes); the leader signs off in the browser
  const owner = await login(ta.app, "owner@t.cn");
  const mp = multipart({ _csrf: owner.csrf, version: "2", text: "已建立党费收缴登记台账" }, [{ name: "files", filename: "台账.png", data: PNG_1PX }]);
  assert.equal((await ta.app.inject({ method: "POST", url: `/tasks/${task}/progress`, headers: { cookie: owner.cookie, ...mp.headers }, payload: mp.payload })).statusCode, 303);
  assert.equal((await post(ta.app, owner, `/tasks/${task}/request-signoff`, { version: 3 })).statusCode, 303);
  await page.goto(`${base}/tasks/${task}`);
  assert.match(await page.locator(".facts").innerText(), /反弹\/重复出现[\s\S]*党费收缴不及时/);
  await page.selectOption("select[name=effect]", "clear");
  await page.click("button:has-text('同意销号')");
  await page.waitForSelector("text=整改成效：成效明显");
  const due = addMonths(dayIn(ta.config.timeZone, ta.clock.now), 3);
  assert.match(await page.locator(".facts").innerText(), new RegExp(`回头看\\s*${Number(due.slice(0, 4))}年${Number(due.slice(5, 7))}月${Number(due.slice(8, 10))}日`));

  // three months on: the 回头看 is due; the leader finds it on the list and marks it 反弹
  ta.clock.now = new Date(`${due}T02:00:00Z`);
  page = await as("leadera@t.cn");
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}/rechecks`);
  const row = page.locator("table.rechecks tr", { hasText: "党费收缴登记不及时" });
  assert.match(await row.innerText(), /今天回头看/);
  await page.screenshot({ path: join(ARTIFACTS, "recheck-list.png"), fullPage: false });
  await row.locator("a").first().click();
  await page.waitForURL(new RegExp(`/tasks/${task}`));
  const box = page.locator("#action-recheck");
  await box.locator("textarea[name=reason]").fill("抽查发现又有两名党员党费补记");
  await box.locator("button:has-text('认定反弹，重新整改')").click();
  await page.waitForSelector("text=已认定反弹，任务重新打开整改");
  assert.match(await page.locator(".task-meta").innerText(), /整改中/);
  assert.match(await page.locator(".facts").innerText(), /反弹 1 次/);
  await page.screenshot({ path: join(ARTIFACTS, "recheck-rebound.png"), fullPage: true });

  // counted on the overview: unit a has two 反弹 (the recurrence and this one), none 巩固
  await page.goto(`${base}/`);
  const fig = page.locator("#recheck-figures");
  const unitRow = fig.locator("tr", { hasText: "第一党支部" });
  assert.deepEqual((await unitRow.locator("td").allInnerTexts()).slice(3), ["0", "2", "0%", "100%"]);
  await fig.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, "recheck-overview.png"), fullPage: false });
  assert.deepEqual(errors, []);
});
