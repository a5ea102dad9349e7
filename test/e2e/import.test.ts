// End to end in real headless Chromium: a leader uploads one of the project's own test reports as
// a .docx built here, fixes one problem's text (autosaved; survives a reload), splits one at the
// cursor and merges it back, assigns all problems in bulk, confirms, and finds the tasks on the
// report page and in the task list.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeApp } from "../helpers/app.ts";
import { browse, ARTIFACTS, NO_BROWSER } from "../helpers/browser.ts";
import { makeDocx } from "../features/reports/extract/helpers.ts";

const REPORT = join(import.meta.dirname, "../fixtures/reports/fenhao-shequ.txt");

test("import a report, review it and confirm, in a real browser", { timeout: 120_000, skip: NO_BROWSER }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { base, as } = await browse(t, ta);
  const page = await as("leader@t.cn");
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));

  // upload the .docx
  const docx = join(ARTIFACTS, "社区自查报告.docx");
  writeFileSync(docx, makeDocx(readFileSync(REPORT, "utf8")));
  await page.goto(`${base}/reports/import`);
  await page.setInputFiles("input[type=file]", docx);
  await page.click("button:has-text('上传并识别问题')");
  await page.waitForURL(/\/reports\/drafts\/\d+$/);
  const draftUrl = page.url();
  const items = page.locator("li.draft-item");
  assert.equal(await items.count(), 4, "the parser finds the report's four problems");
  assert.equal(await page.locator("mark.problem-mark").count(), 4, "each problem is highlighted in the source text");
  await page.screenshot({ path: join(ARTIFACTS, "import-review.png"), fullPage: false });

  // fix the first problem's text; it saves on change
  const first = items.nth(0);
  await first.locator("textarea[name=text]").fill("部分网格党支部支委会不按月召开，以居委会例会代替支委会");
  await first.locator("textarea[name=text]").press("Tab");
  await first.locator(".save:has-text('已保存')").waitFor();

  // split the fourth at the cursor (after "会议记录不规范，"), then merge it back
  const fourth = items.nth(3);
  const text4 = (await fourth.locator("textarea[name=text]").inputValue()) ?? "";
  const at = text4.indexOf("存在");
  assert.ok(at > 0);
  await fourth.locator("textarea[name=text]").evaluate((el: HTMLTextAreaElement, n: number) => {
    el.focus();
    el.setSelectionRange(n, n);
  }, at);
  await fourth.locator("button:has-text('在光标处拆分')").click();
  await page.waitForFunction(() => document.querySelectorAll("li.draft-item").length === 5);
  assert.equal(await items.nth(3).locator("textarea[name=text]").inputValue(), "会议记录不规范");
  assert.match(await items.nth(4).locator("textarea[name=text]").inputValue(), /^存在事后补记的情况/);
  await items.nth(3).locator("button:has-text('与下一条合并')").click();
  await page.waitForFunction(() => document.querySelectorAll("li.draft-item").length === 4);

  // the draft survives a reload
  await page.goto(draftUrl);
  assert.equal(await items.nth(0).locator("textarea[name=text]").inputValue(), "部分网格党支部支委会不按月召开，以居委会例会代替支委会");
  assert.match(await items.nth(3).locator("textarea[name=text]").inputValue(), /^会议记录不规范；存在事后补记的情况/);

  // assign all in bulk
  const deadline = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
  await page.check("input[data-pick-all]");
  const bulk = page.locator("form#bulk");
  await bulk.locator("select[name=unitId]").selectOption(String(ta.ids.a));
  await bulk.locator("select[name=ownerId]").selectOption(String(ta.ids.owner));
  await bulk.locator("select[name=leaderId]").selectOption(String(ta.ids.leaderA));
  await bulk.locator("input[name=deadline]").fill(deadline);
  await bulk.locator("button:has-text('应用到勾选的问题')").click();
  await page.waitForFunction((id) => [...document.querySelectorAll<HTMLSelectElement>("li.draft-item select[name=ownerId]")].every((s) => s.value === id), String(ta.ids.owner));
  for (let i = 0; i < 4; i++) assert.equal(await items.nth(i).locator("input[name=deadline]").inputValue(), deadline);
  await page.screenshot({ path: join(ARTIFACTS, "import-assigned.png"), fullPage: false });

  // confirm: the report page lists the four tasks
  await page.click("button:has-text('确认生成任务')");
  await page.waitForURL(/\/reports\/\d+$/);
  await page.waitForSelector("text=已生成 4 项整改任务");
  assert.equal(await page.locator(".report-task").count(), 4);
  assert.equal(await page.locator(".report-task .state-todo").count(), 4);
  await page.screenshot({ path: join(ARTIFACTS, "report-page.png"), fullPage: true });

  // and the task list has them, the fixed text among them
  await page.goto(`${base}/tasks`);
  await page.waitForSelector("text=部分网格党支部支委会不按月召开，以居委会例会代替支委会");
  assert.equal(await page.locator("#task-list tbody tr").count(), 4);
  const taskHref = await page.locator("#task-list tbody tr a").first().getAttribute("href");
  await page.goto(`${base}${taskHref}`);
  await page.waitForSelector("text=由《");
  assert.deepEqual(errors, [], "no script errors on the way");
});
