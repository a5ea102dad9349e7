// Every page for everyone, in real headless Chromium on one test app and one browser:
//  - axe-core (wcag2a, wcag2aa, wcag21aa) on every page each role sees (leader, staff, admin, and
//    signed out), an error page, a form with errors and the import review among them: zero violations;
//  - from the keyboard alone with JavaScript: sign-off, send back and a review op move focus to
//    what changed, and Enter in a review field saves (never splits);
//  - with JavaScript off: the whole task life, and the import from paste to confirm.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { makeApp, PASSWORD } from "../helpers/app.ts";
import { playTaskLife } from "./task-life-steps.ts";
import { browse, ARTIFACTS, NO_BROWSER } from "../helpers/browser.ts";
import * as tasks from "../../server/features/tasks/service.ts";
import { storeEvidence } from "../../server/features/tasks/evidence.ts";
import { createDraft } from "../../server/features/reports/service.ts";
import { createUser } from "../../server/features/admin/service.ts";
import { addDays, dayIn } from "../../server/lib/dates.ts";
import { actorsOf, insertReport } from "../features/ledger/story.ts";

const AXE = readFileSync(join(import.meta.dirname, "../../node_modules/axe-core/axe.min.js"), "utf8");
const REPORT = readFileSync(join(import.meta.dirname, "../fixtures/reports/fenhao-shequ.txt"), "utf8");
/** Rules switched off, each with its reason. None: every rule of these levels runs. */
const DISABLED_RULES: Record<string, string> = {};

type Violation = { page: string; id: string; help: string; nodes: string[] };

/** axe on the page as it is; returns its violations named by page */
async function axe(page: Page, name: string): Promise<Violation[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: AXE });
  const found = await page.evaluate(async (disabled) => {
    const w = window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; help: string; nodes: { target: unknown[] }[] }[] }> } };
    const r = await w.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa"] }, rules: Object.fromEntries(disabled.map((id) => [id, { enabled: false }])) });
    return r.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => String(n.target)) }));
  }, Object.keys(DISABLED_RULES));
  return found.map((v) => ({ page: name, ...v }));
}

test("every page for everyone: axe on every role's pages, the keyboard, and no JavaScript", { timeout: 600_000, skip: NO_BROWSER }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  ta.clock.now = new Date();
  const tz = ta.config.timeZone;
  const today = dayIn(tz, ta.clock.now);
  const a = await actorsOf(ta);
  const ago = (actor: typeof a.leader, days: number) => {
    const now = new Date(ta.clock.now.getTime() - days * 86_400_000);
    return { db: ta.db, actor, now, today: dayIn(tz, now) };
  };
  const v = async (id: number) => (await tasks.getTask(ta.db, a.admin, id)).task.version;
  const { reportId, problemIds } = await insertReport(ta, new Date(ta.clock.now.getTime() - 12 * 86_400_000).toISOString());
  const mk = async (i: number, deadlineKind: string, deadline: string, daysAgo = 10) =>
    tasks.createTask(ago(a.leader, daysAgo), { title: `问题${i + 1}：党费收缴不及时问题突出`, goal: "按月足额收缴", measures: "建立台账，逐月核对", coUnits: "", unitId: ta.ids.a, ownerId: ta.ids.owner, leaderId: ta.ids.leaderA, deadlineKind, deadline, problemId: problemIds[i] });
  const green = await mk(0, "dated", addDays(today, 30));
  await mk(1, "dated", addDays(today, 2)); // 黄灯
  await mk(2, "dated", addDays(today, -3), 20); // 红灯
  await mk(3, "ongoing", "");
  const review = await mk(4, "dated", addDays(today, 20));
  const sendBack = await tasks.createTask(ago(a.leader, 5), { title: "谈心谈话覆盖面不全", goal: "", measures: "", coUnits: "", unitId: ta.ids.a, ownerId: ta.ids.owner, leaderId: ta.ids.leaderA, deadlineKind: "dated", deadline: addDays(today, 15) });
  const expiring = await tasks.createTask(ago(a.leader, 5), { title: "组织生活会批评与自我批评不够深入", goal: "", measures: "", coUnits: "", unitId: ta.ids.a, ownerId: ta.ids.owner, leaderId: ta.ids.leaderA, deadlineKind: "dated", deadline: addDays(today, 15) });
  for (const id of [review, sendBack, expiring]) {
    const ev = await storeEvidence(ta.config.evidenceDir, [{ filename: "自查记录.txt", data: Buffer.from("支部自查记录", "utf8") }], ta.config.uploadMaxBytes);
    await tasks.postProgress(ago(a.owner, 2), id, await v(id), "已开展自查并整改", ev.stored);
    await tasks.requestSignOff(ago(a.owner, 1), id, await v(id), "申请销号");
  }
  await tasks.requestExtension(ago(a.owner, 1), green, await v(green), addDays(today, 60), "需等待上级党委统一安排");
  const draft = await createDraft(ago(a.leader, 0), ta.config.reportsDir, { unitId: ta.ids.root, title: "", pasted: REPORT });

  const { base, browser, as } = await browse(t, ta);

  await t.test("axe: zero violations at wcag2a, wcag2aa and wcag21aa on every role's pages", async () => {
    const violations: Violation[] = [];
    const visit = async (page: Page, path: string, name = path) => {
      const res = await page.goto(`${base}${path}`);
      assert.ok(res, path);
      violations.push(...(await axe(page, name)));
      return res.status();
    };

    // signed out: the sign-in page
    const anonymous = await browser.newContext({ bypassCSP: true, locale: "zh-CN" });
    const anon = await anonymous.newPage();
    await visit(anon, "/login");
    await anonymous.close();

    const leader = await as("leader@t.cn", undefined, undefined, { bypassCSP: true });
    for (const path of ["/", "/tasks", "/tasks?overdue=1", "/tasks/mine", "/tasks/review", "/tasks/new", `/tasks/${review}`, `/tasks/${green}`, `/tasks/${green}/edit`, "/reports", "/reports/import", `/reports/${reportId}`, `/reports/${reportId}/progress`, "/search?q=党费收缴", "/profile", "/rechecks", "/rechecks?show=done"]) {
      await visit(leader, path);
      if (path === "/tasks") await leader.screenshot({ path: join(ARTIFACTS, "a11y-task-list.png") });
    }
    assert.equal(await visit(leader, `/reports/drafts/${draft}`, "import review"), 200);
    await leader.locator("li.draft-item").first().screenshot({ path: join(ARTIFACTS, "a11y-review-item.png") });
    assert.equal(await visit(leader, "/tasks/9999", "error page (404)"), 404);
    await leader.screenshot({ path: join(ARTIFACTS, "a11y-error-page.png") });
    // a form with errors: the new-task form sent empty (the browser's own checks switched off)
    await leader.goto(`${base}/tasks/new`);
    await leader.evaluate(() => document.querySelector<HTMLFormElement>("form.task-form")!.setAttribute("novalidate", ""));
    await leader.click("button:has-text('创建任务')");
    await leader.waitForSelector(".alert-error");
    violations.push(...(await axe(leader, "new task form with errors")));
    await leader.screenshot({ path: join(ARTIFACTS, "a11y-form-errors.png"), fullPage: true });
    await leader.context().close();

    const staff = await as("owner@t.cn", undefined, undefined, { bypassCSP: true });
    for (const path of ["/tasks", "/tasks/mine", `/tasks/${green}`, `/tasks/${review}`, "/reports", `/reports/${reportId}`, `/reports/${reportId}/progress`, "/search?q=谈心", "/profile"]) await visit(staff, path);
    assert.equal(await visit(staff, "/tasks/new", "error page (403)"), 403);
    await staff.context().close();

    const admin = await as("admin@t.cn", undefined, undefined, { bypassCSP: true });
    for (const path of ["/", "/tasks", `/tasks/${review}`, "/admin/units", "/admin/units/new", `/admin/units/${ta.ids.a}`, "/admin/users", "/admin/users/new", `/admin/users/${ta.ids.owner}`, "/admin/reminders", "/admin/outbox", "/reports"]) await visit(admin, path);
    await admin.context().close();

    // 三员分立: the security and audit administrators' own pages (issue 14), and the 403 each meets elsewhere
    await createUser(ta.db, { email: "sec@t.cn", name: "安全员", role: "security", unitId: ta.ids.root, password: PASSWORD });
    await createUser(ta.db, { email: "audit@t.cn", name: "审计员", role: "auditor", unitId: ta.ids.root, password: PASSWORD });
    const security = await as("sec@t.cn", undefined, undefined, { bypassCSP: true });
    for (const path of ["/security", "/profile"]) await visit(security, path);
    await security.context().close();
    const auditor = await as("audit@t.cn", undefined, undefined, { bypassCSP: true });
    for (const path of ["/audit", "/audit?action=login", "/profile"]) await visit(auditor, path);
    assert.equal(await visit(auditor, "/tasks", "auditor's error page (403)"), 403);
    await auditor.context().close();

    const report = violations.map((x) => `${x.page}: ${x.id} (${x.help}) at ${x.nodes.join(" | ")}`).join("\n");
    writeFileSync(join(ARTIFACTS, "axe-violations.txt"), report || "none\n");
    assert.deepEqual(violations, [], report);
  });

  await t.test("keyboard: sign-off and send back move focus to their message; a skip link leads to <main>", async () => {
    const leader = await as("leadera@t.cn");
    await leader.goto(`${base}/tasks/${review}`);
    await leader.keyboard.press("Tab");
    assert.equal(await leader.evaluate(() => document.activeElement?.textContent), "跳到正文", "the first Tab reaches the skip link");
    await leader.keyboard.press("Enter");
    assert.equal(await leader.evaluate(() => document.activeElement?.id), "main");

    // sign off from the keyboard: type an opinion, Tab to the button, Enter
    await leader.focus("input[name=note]");
    await leader.keyboard.type("材料齐全");
    await leader.keyboard.press("Tab");
    assert.equal(await leader.evaluate(() => document.activeElement?.textContent), "同意销号");
    await leader.keyboard.press("Enter");
    await leader.waitForSelector(".task-meta .state-done");
    await leader.waitForFunction(() => document.activeElement !== document.body && !!document.getElementById("live")?.textContent); // the live region is filled a moment after the swap
    const landed = await leader.evaluate(() => ({ text: document.activeElement?.textContent?.trim(), inPanel: !!document.activeElement?.closest("article.task-panel"), live: document.getElementById("live")?.textContent }));
    assert.deepEqual(landed, { text: "已销号", inPanel: true, live: "已销号" }, "focus lands on the message, which the live region announces");
    await leader.screenshot({ path: join(ARTIFACTS, "a11y-signed-off-focus.png") });

    // send back: the reason, then Enter in the field
    await leader.goto(`${base}/tasks/${sendBack}`);
    await leader.fill("input[name=reason]", "请补充谈心谈话记录");
    await leader.press("input[name=reason]", "Enter");
    await leader.waitForSelector(".task-meta .state-doing");
    await leader.waitForFunction(() => document.activeElement !== document.body && !!document.getElementById("live")?.textContent); // the live region is filled a moment after the swap
    assert.equal(await leader.evaluate(() => document.activeElement?.textContent?.trim()), "已退回责任人");
    assert.equal(await leader.locator(".flash").count(), 1, "the message once");

    // the session ends while a reason is typed: htmx puts the sign-in form, carrying it, in <main>
    await leader.goto(`${base}/tasks/${expiring}`);
    await leader.fill("input[name=reason]", "请补充批评意见清单");
    (await ta.db.run("delete from sessions where user_id = ?", [ta.ids.leaderA]));
    await leader.press("input[name=reason]", "Enter");
    await leader.waitForSelector("main input[name=password]");
    await leader.waitForFunction(() => document.getElementById("live")?.textContent);
    const signIn = await leader.evaluate(() => ({ focus: document.activeElement?.getAttribute("name"), live: document.getElementById("live")?.textContent }));
    assert.equal(signIn.focus, "email", "focus in the sign-in form (its autofocus)");
    assert.match(signIn.live ?? "", /登录已过期/, "the message announced");
    await leader.fill("input[name=email]", "leadera@t.cn");
    await leader.fill("input[name=password]", PASSWORD);
    await leader.click("button:has-text('登录')");
    await leader.click("button:has-text('继续提交')");
    await leader.waitForSelector("text=已退回责任人");
    assert.equal((await ta.db.value("select text from task_events where task_id = ? order by id desc limit 1", [expiring])), "请补充批评意见清单");
    await leader.context().close();
  });

  await t.test("keyboard: Enter in a review field saves and never splits; delete moves focus to its message", async () => {
    const leader = await as("leader@t.cn");
    await leader.goto(`${base}/reports/drafts/${draft}`);
    const items = leader.locator("li.draft-item");
    const n = await items.count();
    assert.ok(n >= 3);
    const first = items.nth(0);
    await first.locator("textarea[name=text]").evaluate((el: HTMLTextAreaElement) => {
      el.focus();
      el.setSelectionRange(4, 4);
    });
    await first.locator("input[name=category]").fill("党费收缴");
    await first.locator("input[name=category]").press("Enter");
    await first.locator(".save:has-text('已保存')").waitFor();
    assert.equal(await items.count(), n, "not split");
    const saved = JSON.parse((await ta.db.value("select items_json from import_drafts where id = ?", [draft])) as string);
    assert.equal(saved[0].category, "党费收缴");
    assert.equal(await first.locator("input[name=category]").evaluate((el) => el === document.activeElement), true, "focus stays in the field");

    // delete the last from the keyboard (its confirm accepted): focus lands on the message
    leader.once("dialog", (d) => d.accept());
    await items.nth(n - 1).locator("button:has-text('删除')").focus();
    await leader.keyboard.press("Enter");
    await leader.waitForFunction((k) => document.querySelectorAll("li.draft-item").length === k, n - 1);
    await leader.waitForFunction(() => document.activeElement !== document.body && !!document.getElementById("live")?.textContent); // the live region is filled a moment after the swap
    assert.equal(await leader.evaluate(() => document.activeElement?.textContent?.trim()), "已删除");

    // an error answering htmx (the draft handed to someone else meanwhile) shows in the layout's message area, announced; the review stays
    (await ta.db.run("update import_drafts set user_id = ? where id = ?", [ta.ids.admin, draft]));
    await items.nth(0).locator("button:has-text('下移')").click();
    await leader.waitForSelector("#flash .alert-error");
    assert.match((await leader.textContent("#flash")) ?? "", /无权操作：这是其他人的导入草稿/);
    await leader.waitForFunction(() => /其他人的导入草稿/.test(document.getElementById("live")?.textContent ?? ""));
    assert.equal(await items.count(), n - 1, "the review as it was");
    await leader.context().close();
  });

  await t.test("no JavaScript: a task from assignment to 销号", async () => {
    const off = { javaScriptEnabled: false };
    const leader = await as("leadera@t.cn", undefined, undefined, off);
    const owner = await as("owner@t.cn", undefined, undefined, off);
    // the leader's session ends while the reason is typed: signing in again keeps it and sends it on
    const sendBackAfterSignIn = async (page: Page) => {
      await page.fill("input[name=reason]", "请补充活动签到表");
      (await ta.db.run("delete from sessions where user_id = ?", [ta.ids.leaderA]));
      await page.click("button:has-text('退回')");
      await page.waitForSelector("text=登录已过期，请重新登录。您填写的内容已保留");
      await page.fill("input[name=email]", "leadera@t.cn");
      await page.fill("input[name=password]", PASSWORD);
      await page.click("button:has-text('登录')");
      await page.waitForSelector("h1:has-text('继续提交')");
      assert.match((await page.textContent(".carried")) ?? "", /请补充活动签到表/);
      await page.screenshot({ path: join(ARTIFACTS, "a11y-replay.png") });
      await page.click("button:has-text('继续提交')");
    };
    const id = await playTaskLife(ta, base, leader, owner, sendBackAfterSignIn);
    await leader.goto(`${base}/tasks/${id}`);
    assert.equal(await leader.title(), "主题党日活动形式单一，党员参与积极性不高 · 整改台账");

    // the list's filter and the search answer plain GETs
    await leader.goto(`${base}/tasks`);
    await leader.check("input[name=overdue]");
    await leader.click("button:has-text('筛选')");
    await leader.waitForURL(/overdue=1/);
    await leader.goto(`${base}/search`);
    await leader.fill("input[name=q]", "主题党日");
    await leader.click("form.search-form button");
    await leader.waitForSelector("#search-results .hit");
    await leader.screenshot({ path: join(ARTIFACTS, "a11y-nojs-search.png") });
    await leader.context().close();
    await owner.context().close();
  });

  await t.test("no JavaScript: import by paste, review (Enter saves, title saves, no split or 全选), confirm", async () => {
    const leader = await as("leader@t.cn", undefined, undefined, { javaScriptEnabled: false });
    await leader.goto(`${base}/reports/import`);
    await leader.selectOption("select[name=unitId]", String(ta.ids.root));
    await leader.fill("textarea[name=pasted]", REPORT);
    await leader.click("button:has-text('上传并识别问题')");
    await leader.waitForURL(/\/reports\/drafts\/\d+$/);
    const id = Number(leader.url().split("/").pop());
    const items = leader.locator("li.draft-item");
    const n = await items.count();
    assert.ok(n >= 3);
    assert.equal(await leader.locator("button:has-text('在光标处拆分')").first().isVisible(), false, "no split without JavaScript");
    assert.equal(await leader.locator("input[data-pick-all]").isVisible(), false, "no 全选 without JavaScript");
    assert.equal(await leader.locator(".hint .js-only").first().isVisible(), false, "no promise of autosave");
    await leader.screenshot({ path: join(ARTIFACTS, "a11y-nojs-review.png"), fullPage: false });

    // Enter in 问题类别 saves the item, and nothing else
    await items.nth(0).locator("input[name=category]").fill("党费收缴");
    // (the same URL again: wait for the navigation itself, not a load state the old page already has)
    await Promise.all([leader.waitForNavigation(), items.nth(0).locator("input[name=category]").press("Enter")]);
    assert.equal(await items.count(), n, "not split");
    assert.equal(await items.nth(0).locator("input[name=category]").inputValue(), "党费收缴");

    // the title saves with its button
    await leader.fill("input[name=title]", "社区党委自查报告（无脚本）");
    await Promise.all([leader.waitForNavigation(), leader.click("button:has-text('保存标题')")]);
    assert.equal(await leader.locator("input[name=title]").inputValue(), "社区党委自查报告（无脚本）");

    // delete one, assign the rest by ticking each, confirm
    await items.nth(n - 1).locator("button:has-text('删除')").click();
    await leader.waitForFunction((k) => document.querySelectorAll("li.draft-item").length === k, n - 1);
    for (const box of await leader.locator("input.pick").all()) await box.check();
    const bulk = leader.locator("form#bulk");
    await bulk.locator("select[name=unitId]").selectOption(String(ta.ids.a));
    await bulk.locator("select[name=ownerId]").selectOption(String(ta.ids.owner));
    await bulk.locator("input[name=deadline]").fill(addDays(today, 20));
    await Promise.all([leader.waitForNavigation(), bulk.locator("button:has-text('应用到勾选的问题')").click()]);
    await leader.click("button:has-text('确认生成任务')");
    await leader.waitForURL(/\/reports\/\d+$/);
    await leader.waitForSelector(`text=已生成 ${n - 1} 项整改任务`);
    assert.equal(await leader.locator(".report-task").count(), n - 1);
    assert.equal((await ta.db.value("select title from reports order by id desc limit 1")), "社区党委自查报告（无脚本）");
    assert.equal((await ta.db.value("select status from import_drafts where id = ?", [id])), "confirmed");

    // 整改情况: 复制 / 打印 only with JavaScript
    const reportUrl = leader.url();
    await leader.goto(`${reportUrl}/progress`);
    assert.equal(await leader.locator("button[data-copy]").count(), 1, "the copy button is on the page");
    assert.equal(await leader.locator("button[data-copy]").isVisible(), false);
    assert.equal(await leader.locator("button[data-print]").isVisible(), false);
    assert.equal(await leader.locator("a:has-text('下载整改情况报告 Word')").isVisible(), true);
    await leader.context().close();
  });
});
