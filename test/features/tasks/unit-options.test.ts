// The task list's unit filter where a scope holds many units: the page carries only the chosen
// unit; the full list comes from GET /tasks/unit-options under a versioned URL the browser may
// keep, and a stale version is answered fresh and not kept. In Chromium the select fills in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeApp, login, get, type TestApp } from "../../helpers/app.ts";
import { browse, ARTIFACTS, NO_BROWSER } from "../../helpers/browser.ts";
import { createUnit } from "../../../server/features/admin/service.ts";
import { UNIT_OPTIONS_INLINE_MAX } from "../../../server/features/tasks/service.ts";

async function manyBranches(ta: TestApp): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 1; i <= UNIT_OPTIONS_INLINE_MAX + 5; i++) ids.push(await createUnit(ta.db, { code: `m${i}`, name: `机关第${i}党支部<&>`, kind: "branch", parentId: ta.ids.root }));
  return ids;
}
const optionCount = (html: string) => (html.match(/<option /g) ?? []).length;

test("many units: the list page names only the chosen one; the options come from a versioned, cacheable URL", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const few = await login(ta.app, "leader@t.cn");
  const inline = (await get(ta.app, few, "/tasks")).body;
  assert.doesNotMatch(inline, /data-options-src/, "a small tree is not deferred");
  assert.ok(optionCount(inline) >= 3);

  const branches = await manyBranches(ta);
  const chosen = branches[7];
  const leader = await login(ta.app, "leader@t.cn");
  const page = (await get(ta.app, leader, `/tasks?unit=${chosen}`)).body;
  const src = /data-options-src="([^"]+)"/.exec(page)?.[1].replaceAll("&amp;", "&");
  assert.ok(src, "the select names where its options come from");
  const select = /<select name="unit"[\s\S]*?<\/select>/.exec(page)![0];
  assert.equal(optionCount(select), 2, "全部 and the chosen unit only");
  assert.match(select, new RegExp(`<option value="${chosen}" selected>机关第8党支部&lt;&amp;&gt;</option>`));

  const res = await get(ta.app, leader, src!);
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers["cache-control"]), /private.*immutable/);
  assert.equal(optionCount(res.body), branches.length + 3 + 1, "every unit of the scope and 全部");
  assert.match(res.body, /机关第65党支部&lt;&amp;&gt;/);
  assert.doesNotMatch(res.body, /<&>/, "names are escaped");

  // a unit added since: the page names a new version; the old URL is answered fresh, not kept
  await createUnit(ta.db, { code: "late", name: "新设党支部", kind: "branch", parentId: ta.ids.root });
  const newer = /data-options-src="([^"]+)"/.exec((await get(ta.app, leader, "/tasks")).body)![1].replaceAll("&amp;", "&");
  assert.notEqual(newer, src);
  const stale = await get(ta.app, leader, src!);
  assert.match(String(stale.headers["cache-control"]), /no-cache/);
  assert.match(stale.body, /新设党支部/);

  // a branch leader's scope is their branch alone: small, so inline, and nothing of the others
  const leaderA = await login(ta.app, "leadera@t.cn");
  const own = (await get(ta.app, leaderA, "/tasks/unit-options?v=x")).body;
  assert.doesNotMatch(own, /机关第/);
  // signed out: no options
  assert.equal((await get(ta.app, null, src!)).statusCode, 303);
});

test("many units in Chromium: the unit filter fills in, keeps the chosen unit, and filters", { timeout: 120_000, skip: NO_BROWSER }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const branches = await manyBranches(ta);
  const { base, as } = await browse(t, ta);
  const page = await as("leader@t.cn", { width: 1200, height: 900 });
  await page.goto(`${base}/tasks?unit=${branches[2]}`);
  const select = page.locator("select[name=unit]");
  await page.waitForFunction(() => document.querySelectorAll("select[name=unit] option").length > 60);
  assert.equal(await select.inputValue(), String(branches[2]));
  await select.selectOption(String(branches[40]));
  await page.waitForURL((u) => u.searchParams.get("unit") === String(branches[40]));
  assert.equal(await page.locator("select[name=unit] option").count(), branches.length + 3 + 1);
  await page.screenshot({ path: join(ARTIFACTS, "unit-filter-many.png") });
});
