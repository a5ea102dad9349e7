// No page scrolls sideways on a phone: every main page at 390 px, as a leader, an admin and an
// owner see them, measures document.documentElement.scrollWidth against the viewport's width.
// Screenshots of each page at 390×844 (and the overview at 1280×900) are kept in test-results/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { makeApp } from "../helpers/app.ts";
import { browse, ARTIFACTS, NO_BROWSER } from "../helpers/browser.ts";
import { createTask } from "../../server/features/tasks/service.ts";
import { confirmDraft, createDraft, getDraft, updateDraft } from "../../server/features/reports/service.ts";
import { dayIn, addDays } from "../../server/lib/dates.ts";

const REPORT = join(import.meta.dirname, "../fixtures/reports/fenhao-shequ.txt");
const PHONE = { width: 390, height: 844 };

test("no main page scrolls sideways at 390 px", { timeout: 180_000, skip: NO_BROWSER }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  ta.clock.now = new Date();
  const today = dayIn(ta.config.timeZone, ta.clock.now);
  const leader = { id: ta.ids.leader, role: "leader" as const, unitId: ta.ids.root, unitPath: `/${ta.ids.root}/` };
  const c = { db: ta.db, actor: leader, now: ta.clock.now, today };
  const titles = ["党费收缴不及时，存在漏交情况，部分党员按月交纳党费的意识不强，长期以来未能按时足额交纳", "三会一课记录不规范", "谈心谈话覆盖面不全", "主题党日活动内容单一"];
  // created ten days ago, so that one of them is overdue today
  const taskIds: number[] = [];
  for (const [i, title] of titles.entries())
    taskIds.push(await createTask({ ...c, today: addDays(today, -10) }, { title, goal: "", measures: "建立台账，逐月核对", coUnits: "", unitId: ta.ids.a, ownerId: ta.ids.owner, leaderId: ta.ids.leader, deadlineKind: "dated", deadline: addDays(today, -3 + i * 10) }));
  // a report imported from the project's own fixture, all but one problem assigned
  const draftId = await createDraft(c, ta.config.reportsDir, { unitId: ta.ids.root, title: "", pasted: readFileSync(REPORT, "utf8") });
  const keys = (await getDraft(c, draftId)).items.map((x) => x.key);
  await updateDraft(c, draftId, { op: "bulk", keys, patch: { unitId: ta.ids.a, ownerId: ta.ids.owner, deadline: addDays(today, 30) } });
  const draft2 = await createDraft(c, ta.config.reportsDir, { unitId: ta.ids.root, title: "第二份", pasted: readFileSync(REPORT, "utf8") + "\n" });
  const { reportId } = await confirmDraft(c, draftId, { acknowledgeDuplicate: false });

  const { base, as } = await browse(t, ta);
  const pages: Record<string, string[]> = {
    "leader@t.cn": ["/", "/tasks", "/tasks/mine", "/tasks/review", `/tasks/${taskIds[0]}`, "/tasks/new", `/tasks/${taskIds[0]}/edit`, "/reports", "/reports/import", `/reports/drafts/${draft2}`, `/reports/${reportId}`, `/reports/${reportId}/progress`, "/search?q=党费", "/profile", "/rechecks"],
    "admin@t.cn": ["/admin/units", "/admin/units/new", `/admin/units/${ta.ids.a}`, "/admin/users", "/admin/users/new", `/admin/users/${ta.ids.owner}`, "/admin/reminders", "/admin/outbox"],
    "owner@t.cn": ["/tasks/mine", `/tasks/${taskIds[0]}`],
  };
  const wide: string[] = [];
  const cards: string[] = [];
  const marks: string[] = [];
  for (const [who, urls] of Object.entries(pages)) {
    const page = await as(who, PHONE);
    for (const url of urls) {
      const res = await page.goto(`${base}${url}`);
      assert.equal(res?.status(), 200, `${url} as ${who}`);
      const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      const name = `phone-${who.split("@")[0]}${url.replace(/[/?=]+/g, "-").replace(/-$/, "") || "-home"}`;
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
      if (scroll > client) wide.push(`${url}（${who}）: ${scroll}px`);
      // a table whose cells carry their labels shows as cards: its header row hidden, not both at once
      const hybrid = await page.evaluate(() => [...document.querySelectorAll("table")].filter((t) => t.querySelector("td[data-label]") && t.tHead && getComputedStyle(t.tHead).display !== "none").map((t) => t.className));
      for (const c of hybrid) cards.push(`${url}（${who}）: table.${c}`);
      if (url === "/tasks") assert.match(await page.locator("#light-legend").innerText(), /红灯：已逾期\s*黄灯：3 天内到期\s*绿灯：未到期或已销号\s*长期坚持，无时限/, "the lights have a legend");
      marks.push(...(await requiredMarks(page)).map((m) => `${url}（390）: ${m}`));
    }
    await page.context().close();
  }
  assert.deepEqual(wide, [], "pages wider than a 390 px screen");
  assert.deepEqual(cards, [], "tables shown as a header row and labelled cells at once at 390 px");

  const desk = await as("leader@t.cn");
  await desk.goto(`${base}/`);
  await desk.screenshot({ path: join(ARTIFACTS, "desktop-home.png"), fullPage: true });
  for (const url of ["/tasks/new", `/tasks/${taskIds[0]}/edit`, `/reports/drafts/${draft2}`, "/profile"]) {
    await desk.goto(`${base}${url}`);
    marks.push(...(await requiredMarks(desk)).map((m) => `${url}（1280）: ${m}`));
  }
  await desk.goto(`${base}/tasks/new`);
  await desk.screenshot({ path: join(ARTIFACTS, "desktop-task-new.png"), fullPage: true });
  assert.deepEqual(marks, [], "required fields marked one way, the * beside its label's text");
});

/**
 * One way of marking a required field: every visible required control sits in a label that
 * carries the mark `<span class="req">*</span>` (forms that save something: the list filters are not), and the mark is never at the start of a line
 * (where it lands when it drops below its text). Controls side by side line up at their top.
 */
async function requiredMarks(page: import("playwright-core").Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>(".form :is(input, select, textarea)[required]")) {
      if (!el.offsetParent) continue;
      const label = el.closest("label");
      const name = el.getAttribute("name");
      if (!label) out.push(`${name}: no label`);
      else if (!label.querySelector(".req")) out.push(`${name}: required but not marked`);
    }
    for (const req of document.querySelectorAll<HTMLElement>(".req")) {
      if (!req.offsetParent) continue;
      const label = req.closest("label")!;
      const r = req.getBoundingClientRect();
      const l = label.getBoundingClientRect();
      const style = getComputedStyle(label);
      if (r.left - l.left - parseFloat(style.paddingLeft) < 4) out.push(`${label.textContent!.trim().slice(0, 12)}: the * starts a line`);
    }
    for (const grid of document.querySelectorAll<HTMLElement>(".form .grid2")) {
      const controls = [...grid.querySelectorAll<HTMLElement>(":scope > label > :is(input, select, textarea), :scope > label > select")].filter((c) => c.offsetParent);
      const rows = new Map<number, number[]>();
      for (const c of controls) {
        const b = c.getBoundingClientRect();
        const row = Math.round(b.bottom);
        rows.set(row, [...(rows.get(row) ?? []), b.top]);
      }
      for (const [, tops] of rows) if (Math.max(...tops) - Math.min(...tops) > 2) out.push(`controls side by side do not line up (${tops.join(", ")})`);
    }
    return out;
  });
}
