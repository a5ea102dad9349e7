// The overview and the active search in real headless Chromium: the charts draw, the numbers
// are there, typing in the search box swaps in highlighted results without a page load.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeApp } from "../helpers/app.ts";
import { browse, ARTIFACTS, NO_BROWSER } from "../helpers/browser.ts";
import { createTask } from "../../server/features/tasks/service.ts";
import { updateUnit } from "../../server/features/admin/service.ts";
import { dayIn, addDays } from "../../server/lib/dates.ts";

test("the overview draws and active search answers as one types", { timeout: 120_000, skip: NO_BROWSER }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  ta.clock.now = new Date();
  const today = dayIn(ta.config.timeZone, ta.clock.now);
  await updateUnit(ta.db, ta.ids.b, { code: "b", name: "第二党支部", kind: "branch", parentId: ta.ids.root, rating: "backward", ratingYear: 2025 });
  const leader = { id: ta.ids.leader, role: "leader" as const, unitId: ta.ids.root, unitPath: `/${ta.ids.root}/` };
  const c = { db: ta.db, actor: leader, now: ta.clock.now, today };
  const titles = ["党费收缴不及时，存在漏交情况", "三会一课记录不规范", "谈心谈话覆盖面不全", "主题党日活动内容单一"];
  for (const [i, title] of titles.entries())
    await createTask(c, { title, goal: "", measures: "建立台账，逐月核对", coUnits: "", unitId: i % 2 ? ta.ids.a : ta.ids.b, ownerId: i % 2 ? ta.ids.owner : ta.ids.stranger, leaderId: ta.ids.leader, deadlineKind: "dated", deadline: addDays(today, 3 + i * 10) });
  const { base, as } = await browse(t, ta);
  const page = await as("leader@t.cn", { width: 1200, height: 900 });
  await page.goto(`${base}/`);
  assert.equal(await page.locator("svg[role=img]").count(), 3);
  assert.match(await page.locator(".kpis").innerText(), /4\s*任务总数/);
  assert.match(await page.locator("tr.flagged").first().innerText(), /第二党支部\s*后进/);
  await page.screenshot({ path: join(ARTIFACTS, "overview.png"), fullPage: true });

  // active search: no submit, the results swap in
  await page.click("nav a[href='/search']");
  await page.waitForURL(/\/search/);
  await page.locator("input[name=q]").pressSequentially("党费收缴", { delay: 30 });
  await page.locator("#search-results mark").first().waitFor({ timeout: 10_000 });
  assert.equal(await page.locator("#search-results mark").first().innerText(), "党费收缴");
  assert.match(page.url(), /q=%E5%85%9A%E8%B4%B9%E6%94%B6%E7%BC%B4/, "the URL follows the query");
  await page.locator("input[name=q]").fill("谈心");
  await page.locator("#search-results .hit a", { hasText: "谈心谈话覆盖面不全" }).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator("#search-results .hit").count(), 1);
  await page.screenshot({ path: join(ARTIFACTS, "search.png"), fullPage: true });
});
