// The review screen in real headless Chromium, as a leader who knows some owners today and the
// rest next week: default deadlines are shown as defaults and confirmed, a measure of the report
// is picked for a problem, an admin is never offered as 责任人 and the owner list follows the
// chosen unit; two problems are confirmed as tasks, two wait (待分派) on the report page and the
// overview, and one of them is assigned from the report page. Screenshots at 1280 and 390 px.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { makeApp } from "../helpers/app.ts";
import { browse, ARTIFACTS, NO_BROWSER } from "../helpers/browser.ts";
import { setSetting } from "../../server/features/admin/settings.ts";
import { addDays, cnDate, dayIn } from "../../server/lib/dates.ts";

const REPORT = join(import.meta.dirname, "../fixtures/reports/fenhao-shequ.txt");

test("confirm with some problems assigned, the rest 待分派 and assigned later, in a real browser", { timeout: 120_000, skip: NO_BROWSER }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { base, as } = await browse(t, ta);
  const periodEnd = addDays(dayIn(ta.config.timeZone, new Date()), 40);
  await setSetting(ta.db, "periodEnd", periodEnd, new Date().toISOString());
  const page = await as("leader@t.cn");
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));

  await page.goto(`${base}/reports/import`);
  await page.fill("textarea[name=pasted]", readFileSync(REPORT, "utf8"));
  await page.click("button:has-text('上传并识别问题')");
  await page.waitForURL(/\/reports\/drafts\/\d+$/);
  const items = page.locator("li.draft-item");
  assert.equal(await items.count(), 4);
  assert.equal(await page.locator("li.draft-item .tag-default").count(), 4, "every deadline shows it is the default");
  assert.equal(await items.nth(0).locator("input[name=deadline]").inputValue(), periodEnd);
  const ownerNames = await items.nth(0).locator("select[name=ownerId] option").allInnerTexts();
  assert.ok(!ownerNames.some((n) => n.startsWith("管理员")), "no admin account among the owners");

  // the owner list follows the unit: 第二党支部 offers only its own people
  const first = items.nth(0);
  await first.locator("select[name=unitId]").selectOption(String(ta.ids.b));
  await first.locator(".save:has-text('已保存')").waitFor();
  assert.ok(await first.locator(`select[name=ownerId] option[value="${ta.ids.owner}"]`).isDisabled());
  assert.ok(!(await first.locator(`select[name=ownerId] option[value="${ta.ids.stranger}"]`).isDisabled()));
  await first.locator("select[name=ownerId]").selectOption(String(ta.ids.stranger));
  await first.locator(".save:has-text('已保存')").waitFor();

  // problem 3: its own deadline; problem 2: a measure of the report picked
  const third = items.nth(2);
  await third.locator("select[name=unitId]").selectOption(String(ta.ids.a));
  await third.locator("select[name=ownerId]").selectOption(String(ta.ids.owner));
  const own = addDays(periodEnd, -10);
  await third.locator("input[name=deadline]").fill(own);
  await third.locator("input[name=deadline]").press("Tab");
  await third.locator(".save:has-text('已保存')").waitFor();
  const second = items.nth(1);
  const before = await second.locator("textarea[name=measures]").inputValue();
  await second.locator("select[name=measure]").selectOption("2");
  await second.locator("button:has-text('带入措施')").click();
  await page.waitForFunction((b) => (document.querySelectorAll<HTMLTextAreaElement>("li.draft-item textarea[name=measures]")[1]?.value ?? b) !== b, before);
  assert.match(await items.nth(1).locator("textarea[name=measures]").inputValue(), /建立党课备课制度，邀请辖区单位党员干部轮流授课/);
  await page.screenshot({ path: join(ARTIFACTS, "review-partial.png"), fullPage: false });

  // confirming asks for the default deadline to be confirmed, then makes two tasks
  assert.match(await page.locator(".confirm-form").innerText(), /另有 2 条问题尚未指定责任人/);
  await page.click("button:has-text('确认生成任务（2 项）')");
  await page.locator(".confirm-form .field-error").waitFor();
  assert.match(await page.locator("#draft .alert-error").first().innerText(), new RegExp(`默认的整改期截止日（${cnDate(periodEnd)}）`));
  await page.check("input[name=acceptDefaultDeadlines]");
  await page.click("button:has-text('确认生成任务（2 项）')");
  await page.waitForURL(/\/reports\/\d+$/);
  await page.waitForSelector("text=已生成 2 项整改任务；2 条问题待分派");
  assert.equal(await page.locator(".report-task .state-todo").count(), 2);
  assert.equal(await page.locator(".tag-pending").count(), 2);
  assert.equal(await page.locator("form.assign-form").count(), 2);
  await page.screenshot({ path: join(ARTIFACTS, "report-pending.png"), fullPage: true });
  const reportUrl = page.url();

  // the overview lists what waits
  await page.goto(`${base}/`);
  assert.match(await page.locator("#pending-problems").innerText(), /2\s*条待分派/);

  // assign one from the report page
  await page.goto(reportUrl);
  const form = page.locator("form.assign-form").first();
  await form.locator("select[name=unitId]").selectOption(String(ta.ids.a));
  await form.locator("select[name=ownerId]").selectOption(String(ta.ids.colleague));
  await form.locator("button:has-text('分派，生成任务')").click();
  await page.waitForSelector("text=已分派，生成任务");
  assert.equal(await page.locator(".tag-pending").count(), 1);
  assert.equal(await page.locator(".report-task .state-todo").count(), 3);
  const phone = await as("leader@t.cn", { width: 390, height: 844 });
  await phone.goto(reportUrl);
  assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), "the report page fits a phone");
  await phone.screenshot({ path: join(ARTIFACTS, "phone-report-pending.png"), fullPage: true });
  await page.locator(".report-task a").nth(1).click();
  await page.waitForSelector("text=由《");
  assert.deepEqual(errors, [], "no script errors on the way");
});
