// End to end in real headless Chromium: a leader sees the 整改情况报告 and the ledger, signs off a
// task, and sees both change (in the same words); moving the 截至 date back shows the earlier
// state (htmx swap); the copy buttons put the document, or the original's live 整改措施 section,
// on the clipboard; print hides the controls; the downloads arrive under their Chinese names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import ExcelJS from "exceljs";
import type { Page } from "playwright-core";
import { makeApp } from "../helpers/app.ts";
import { browse, ARTIFACTS, NO_BROWSER } from "../helpers/browser.ts";
import * as tasks from "../../server/features/tasks/service.ts";
import { storeEvidence } from "../../server/features/tasks/evidence.ts";
import { addDays, cnDate, dayIn } from "../../server/lib/dates.ts";
import { actorsOf, insertReport } from "../features/ledger/story.ts";

test("signing off a task changes the report section and the ledger, in a real browser", { timeout: 120_000, skip: NO_BROWSER }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  ta.clock.now = new Date(); // the browser's date input and the server agree on today
  const tz = ta.config.timeZone;
  const today = dayIn(tz, ta.clock.now);
  const yesterday = addDays(today, -1);
  const a = await actorsOf(ta);
  const ctx = (actor: typeof a.leader, daysAgo: number) => {
    const now = new Date(ta.clock.now.getTime() - daysAgo * 86_400_000);
    return { db: ta.db, actor, now, today: dayIn(tz, now) };
  };
  const { reportId, problemIds } = await insertReport(ta, new Date(ta.clock.now.getTime() - 10 * 86_400_000).toISOString());
  const v = async (id: number) => (await tasks.getTask(ta.db, a.admin, id)).task.version;
  const mk = async (i: number, days: number) => tasks.createTask(ctx(a.leader, 5), { title: `问题${i + 1}`, goal: "", measures: "", coUnits: "", unitId: ta.ids.a, ownerId: ta.ids.owner, leaderId: ta.ids.leaderA, deadlineKind: "dated", deadline: addDays(today, days), problemId: problemIds[i] });
  const t1 = await mk(0, 10);
  await mk(2, 20);
  // 佐证材料必传 is on by default: the request carries a file
  const ev = await storeEvidence(ta.config.evidenceDir, [{ filename: "会议记录.txt", data: Buffer.from("10月支委会会议记录", "utf8") }], ta.config.uploadMaxBytes);
  await tasks.postProgress(ctx(a.owner, 3), t1, await v(t1), "组织委员已当场记录10月支委会", ev.stored);
  await tasks.requestSignOff(ctx(a.owner, 2), t1, await v(t1), "申请销号");

  const { base, as } = await browse(t, ta);
  const page: Page = await as("leader@t.cn", { width: 1200, height: 900 }, (context) => context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base }));

  const ledgerStates = async (): Promise<{ name: string; states: unknown[] }> => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click(".toolbar a:has-text('导出台账')")]);
    const file = join(ta.dir, `ledger-${Date.now()}.xlsx`);
    await download.saveAs(file);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const ws = wb.getWorksheet("整改台账")!;
    const states = [];
    for (let r = 5; r <= ws.rowCount; r++) states.push(ws.getRow(r).getCell(12).value);
    return { name: download.suggestedFilename(), states };
  };

  // before: 待销号, nothing signed off
  await page.goto(`${base}/reports/${reportId}/progress`);
  const doc = page.locator("article.doc");
  assert.match((await doc.textContent()) ?? "", /截至.+，已完成整改0项/);
  assert.match((await doc.textContent()) ?? "", /完成情况：待销号。/);
  const before = await ledgerStates();
  assert.equal(before.name, `测试党委2026年度基层党建工作自查问题整改台账（截至${cnDate(today)}）.xlsx`);
  assert.deepEqual(before.states, ["待销号", "待整改"]);

  // the leader signs it off on the task page
  await page.goto(`${base}/tasks/${t1}`);
  await page.click("button:has-text('同意销号')");
  await page.waitForSelector(".task-meta .state-done");

  // after: the report and the ledger say 已销号 today
  await page.goto(`${base}/reports/${reportId}/progress`);
  const after = (await doc.textContent()) ?? "";
  assert.match(after, /共查摆问题5个，细化为整改任务2项，已销号1项，待销号0项，整改中0项，待整改1项，长期坚持0项；整改完成率50%/);
  assert.ok(after.includes(`完成情况：已销号，${cnDate(today)}经`), after.slice(0, 400));
  assert.deepEqual((await ledgerStates()).states, ["已销号", "待整改"]);

  // the copy button puts the whole document on the clipboard
  await page.click("button:has-text('复制全文')");
  await page.waitForSelector(".copy-status:has-text('已复制')");
  assert.match(await page.evaluate(() => navigator.clipboard.readText()), /^关于2026年度基层党建工作自查问题整改情况的报告\n\n县委组织部：/);
  await page.screenshot({ path: join(ARTIFACTS, "report-progress.png"), fullPage: true });

  // the original, its 整改措施 section live: its copy button takes only that section
  await page.click("nav.tabs a:has-text('原报告')");
  await page.waitForSelector("h1:has-text('原报告（整改措施已更新）')");
  assert.match((await doc.textContent()) ?? "", /一、主要做法及成效/);
  await page.click("button:has-text('复制整改措施')");
  await page.waitForSelector(".copy-status:has-text('已复制')");
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(copied, /^　　共查摆问题5个，细化为整改任务2项，已销号1项/);
  assert.doesNotMatch(copied, /主要做法及成效/, "only the 整改措施 section");
  await page.goto(`${base}/reports/${reportId}/progress`);

  // back to yesterday: htmx swaps the section, the URL follows, the links carry the date
  await page.fill("input[name=asOf]", yesterday);
  await page.waitForSelector(`.toolbar:has-text('历史状态')`);
  const earlier = (await doc.textContent()) ?? "";
  assert.ok(earlier.includes(`截至${cnDate(yesterday)}，已完成整改0项`), earlier.slice(0, 300));
  assert.ok(earlier.includes(cnDate(yesterday)), "成文日期 follows");
  assert.ok(page.url().includes(`asOf=${yesterday}`), page.url());
  assert.deepEqual((await ledgerStates()).states, ["待销号", "待整改"], "the ledger as of yesterday");
  assert.equal(await page.locator("header.topbar").count(), 1, "the fragment, not a page inside the page");

  // print: the controls go, the document stays
  await page.emulateMedia({ media: "print" });
  assert.equal(await page.isVisible(".toolbar"), false);
  assert.equal(await page.isVisible("form.asof"), false);
  assert.equal(await page.isVisible("article.doc"), true);
  await page.pdf?.({ path: join(ARTIFACTS, "report-progress-print.pdf"), format: "A4" }).catch(() => undefined);
});
