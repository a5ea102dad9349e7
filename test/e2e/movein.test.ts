// End to end in real headless Chromium: an admin imports the organisation list (.xlsx with a title
// row) and the roster (.csv in GB18030), a leader imports a ledger with group rows, a category cell
// merged down, and a deadline without a year; fixes two matches, confirms the deadline, confirms
// the import; the task list shows the states the ledger had.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { join } from "node:path";
import { makeApp } from "../helpers/app.ts";
import { browse, ARTIFACTS, NO_BROWSER } from "../helpers/browser.ts";
import { xlsx, csvGb18030, UNIT_ROWS, PEOPLE_ROWS, LEDGER_ROWS, LEDGER_MERGES } from "../features/movein/files.ts";

const AXE = readFileSync(join(import.meta.dirname, "../../node_modules/axe-core/axe.min.js"), "utf8");
/** axe (wcag2a, wcag2aa, wcag21aa) on the page as it is: the violations, named by page */
async function axe(page: Page, name: string): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: AXE });
  const found = await page.evaluate(async () => {
    const w = window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; nodes: { target: unknown[] }[] }[] }> } };
    const r = await w.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa"] } });
    return r.violations.map((v) => `${v.id} ${v.nodes.slice(0, 3).map((n) => String(n.target)).join(" ")}`);
  });
  return found.map((v) => `${name}: ${v}`);
}

test("an organisation moves in: units, people and the ledger in a real browser", { timeout: 180_000, skip: NO_BROWSER }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { base, as } = await browse(t, ta);
  const errors: string[] = [];
  const violations: string[] = [];

  // ── the admin: units, then people ──
  const admin = await as("admin@t.cn", undefined, undefined, { bypassCSP: true });
  admin.on("pageerror", (e) => errors.push(e.message));
  const units = join(ARTIFACTS, "组织架构.xlsx");
  writeFileSync(units, await xlsx([{ rows: UNIT_ROWS, merges: [[1, 1, 1, 7]] }]));
  await admin.goto(`${base}/movein`);
  await admin.locator("form[action='/movein/units'] input[type=file]").setInputFiles(units);
  await admin.locator("form[action='/movein/units'] button").click();
  await admin.waitForURL(/\/movein\/drafts\/\d+$/);
  assert.match(await admin.locator("#summary").innerText(), /将新增 3 个.*不能导入 3 行/);
  assert.match(await admin.locator("body").innerText(), /上级单位不存在：“不存在的党委”/);
  await admin.screenshot({ path: join(ARTIFACTS, "movein-units-preview.png"), fullPage: true });
  violations.push(...(await axe(admin, "units preview")));
  await admin.click("button:has-text('确认导入')");
  await admin.locator("#done-summary").waitFor();
  assert.match(await admin.locator("#done-summary").innerText(), /新增 3 个/);

  const people = join(ARTIFACTS, "人员名单.csv");
  writeFileSync(people, csvGb18030(PEOPLE_ROWS));
  await admin.goto(`${base}/movein`);
  await admin.locator("form[action='/movein/people'] input[type=file]").setInputFiles(people);
  await admin.locator("form[action='/movein/people'] button").click();
  await admin.waitForURL(/\/movein\/drafts\/\d+$/);
  assert.match(await admin.locator("body").innerText(), /角色不明：“厨师”/);
  await admin.click("button:has-text('确认导入')");
  await admin.locator("#links-h").waitFor();
  const shown = await admin.locator("table.movein-links").innerText();
  assert.match(shown, /郑干事/);
  await admin.screenshot({ path: join(ARTIFACTS, "movein-people-done.png"), fullPage: true });
  violations.push(...(await axe(admin, "people done")));
  // the printable notice opens in a new tab
  const [notice] = await Promise.all([admin.context().waitForEvent("page"), admin.click("button:has-text('打印账号开通通知')")]);
  await notice.waitForLoadState();
  assert.match(await notice.locator("article.notice-sheet").first().innerText(), /郑干事.*登录账号/s);
  await notice.screenshot({ path: join(ARTIFACTS, "movein-notice.png"), fullPage: true });
  // the link sets a password and signs in
  const url = (await notice.locator("code.link-url").first().innerText()).replace(/^https?:\/\/[^/]+/, base);
  const fresh = await (await admin.context().browser()!.newContext({ locale: "zh-CN" })).newPage();
  await fresh.goto(url);
  await fresh.fill("input[name=password]", "welcome123");
  await fresh.fill("input[name=confirm]", "welcome123");
  await fresh.click("button:has-text('设置密码')");
  await fresh.waitForURL(/\/login/);
  await fresh.fill("input[name=email]", "13800000003@noemail.invalid");
  await fresh.fill("input[name=password]", "welcome123");
  await fresh.click("button[type=submit]");
  await fresh.waitForURL((u) => !u.pathname.startsWith("/login"));

  // ── the leader: the ledger ──
  const leader = await as("leader@t.cn", undefined, undefined, { bypassCSP: true });
  leader.on("pageerror", (e) => errors.push(e.message));
  const rows = [...LEDGER_ROWS, [5, "组织生活", "支部台账不规范", "规范台账", "", "机关第一党支部", "周书记", "2026年12月底前", "已整理两本", "整改中", ""]];
  const ledgerFile = join(ARTIFACTS, "巡察整改台账.xlsx");
  writeFileSync(ledgerFile, await xlsx([{ rows, merges: LEDGER_MERGES }]));
  await leader.goto(`${base}/movein`);
  violations.push(...(await axe(leader, "movein index")));
  await leader.locator("form[action='/movein/ledger'] input[type=file]").setInputFiles(ledgerFile);
  await leader.locator("form[action='/movein/ledger'] button").click();
  await leader.waitForURL(/\/movein\/drafts\/\d+$/);
  const draftUrl = leader.url();
  assert.match(await leader.locator("#ledger-summary").innerText(), /已销号 1.*整改中 3.*待整改 1.*还有 3 行需要处理/s);
  await leader.screenshot({ path: join(ARTIFACTS, "movein-ledger-review.png"), fullPage: true });
  violations.push(...(await axe(leader, "ledger review")));

  // two matches: the unit written 第一支部, the person written 孙某某
  const unitForm = leader.locator("form.unmatched", { hasText: "“第一支部”" });
  await unitForm.locator("select").selectOption(String(ta.ids.a));
  await unitForm.locator("button").click();
  await leader.waitForURL(draftUrl);
  const ownerForm = leader.locator("form.unmatched", { hasText: "“孙某某”" });
  await ownerForm.locator("select").selectOption(String(ta.ids.stranger));
  await ownerForm.locator("button").click();
  await leader.waitForURL(draftUrl);
  // the ambiguous 12月底
  assert.match(await leader.locator("body").innerText(), /待确认：未写年份，按台账年度 2026 年理解/);
  await leader.click("button:has-text('确认全部按台账年度')");
  await leader.waitForURL(draftUrl);
  // survives a reload
  await leader.goto(draftUrl);
  assert.match(await leader.locator("#ledger-summary").innerText(), /全部可以导入/);
  await leader.click("#confirm-import");
  await leader.waitForURL(/\/reports\/\d+$/);
  await leader.screenshot({ path: join(ARTIFACTS, "movein-ledger-report.png"), fullPage: true });

  await leader.goto(`${base}/tasks`);
  const list = await leader.locator("main").innerText();
  for (const [title, state] of [
    ["理论学习不深入", "已销号"],
    ["党费收缴不及时", "整改中"],
    ["发展党员程序不规范", "整改中"],
    ["会议记录不全", "待整改"],
    ["支部台账不规范", "整改中"],
  ]) {
    const row = leader.locator("tr, li", { hasText: title }).first();
    assert.match(await row.innerText(), new RegExp(state), `${title}: ${state}`);
  }
  assert.ok(list.includes("理论学习不深入"));
  await leader.screenshot({ path: join(ARTIFACTS, "movein-tasks.png"), fullPage: true });
  assert.deepEqual(errors, []);
  assert.deepEqual(violations, []);
});
