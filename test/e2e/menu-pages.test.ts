// In Chromium: the task list's keyword box (typed, submitted, kept by the next page), the paged
// 自查报告 and 账号管理, and search's answer to a scoped user whose scope holds none of a common word's matches. Screenshots in test-results/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeApp } from "../helpers/app.ts";
import { browse, NO_BROWSER, ARTIFACTS } from "../helpers/browser.ts";
import { SCAN_LIMIT } from "../../server/features/search/search-index.ts";

test("the keyword box, paged menu pages and a scoped search in a browser", { skip: NO_BROWSER, timeout: 120_000 }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const db = ta.db;
  await db.tx(async () => {
    const task = "insert into tasks (unit_id, owner_id, title, measures, deadline_kind, deadline) values (?, ?, ?, ?, 'dated', '2026-12-31') returning id";
    for (let i = 0; i < 40; i++) await db.run(task, [ta.ids.a, ta.ids.owner, `党费收缴不及时（第${i}项）`, "建立党费收缴台账，按月公示"]);
    for (let i = 0; i < 10; i++) await db.run(task, [ta.ids.a, ta.ids.owner, `会议记录补记（第${i}项）`, "当场记录"]);
    for (let i = 0; i < 35; i++) await db.run("insert into reports (title, unit_id, format, full_text, imported_by) values (?, ?, 'paste', '', ?)", [`第${i}次组织生活会对照检查`, ta.ids.a, ta.ids.leader]);
    // a word common in notes the stranger may not see
    const id = (await db.value<number>(task, [ta.ids.a, ta.ids.owner, "某项整改", ""]))!;
    for (let i = 0; i < SCAN_LIMIT + 5; i++) await db.run("insert into task_events (task_id, actor_id, kind, text) values (?, ?, 'progress', '查处违纪问题')", [id, ta.ids.owner]);
  });
  const { as, base } = await browse(t, ta);
  const page = await as("leader@t.cn");
  await page.goto(`${base}/tasks`);
  await page.fill("input[name=q]", "党费");
  await page.press("input[name=q]", "Enter");
  await page.waitForURL(/q=/);
  await page.waitForFunction(() => document.querySelector("#task-list .count")?.textContent?.includes("40"));
  assert.match(await page.locator("#task-list .count").innerText(), /共 40 项/);
  await page.screenshot({ path: join(ARTIFACTS, "task-list-keyword.png"), fullPage: true });
  await page.click("nav.pager >> text=下一页");
  await page.waitForURL(/page=2/);
  assert.match(page.url(), /q=%E5%85%9A%E8%B4%B9/);
  assert.equal(await page.inputValue("input[name=q]"), "党费");

  await page.goto(`${base}/reports`);
  assert.equal(await page.locator("table.reports tbody tr").count(), 30);
  await page.screenshot({ path: join(ARTIFACTS, "reports-paged.png"), fullPage: true });
  await page.click("nav.pager >> text=下一页");
  await page.waitForURL(/page=2/);
  assert.equal(await page.locator("table.reports tbody tr").count(), 5);

  const stranger = await as("stranger@t.cn", { width: 390, height: 844 });
  await stranger.goto(`${base}/search?q=${encodeURIComponent("违纪")}`);
  // each engine's index walks the stranger's scope (its tokens) and finds that none are theirs
  assert.match(await stranger.locator("#search-results").innerText(), /没有找到与“违纪”有关的内容/);
  await stranger.screenshot({ path: join(ARTIFACTS, "search-scoped-phone.png"), fullPage: true });
});
