// The task list's keyword filter (q): search's index of task titles and measures, one- and
// two-character words included; kept with the other filters, by paging, the htmx fragment and
// the 导出台账 link; within what the user may see; and bounded, saying 结果较多 when cut.
import { test } from "node:test";
import assert from "node:assert/strict";
import ExcelJS from "exceljs";
import { makeApp, login, get, post, type TestApp } from "../../helpers/app.ts";
import { KEYWORD_LIMIT } from "../../../server/features/tasks/service.ts";

async function addTasks(ta: TestApp, rows: { title: string; measures?: string; unit?: number; owner?: number }[]) {
  const ins = "insert into tasks (unit_id, owner_id, title, measures, deadline_kind, deadline) values (?, ?, ?, ?, 'dated', '2026-12-31')";
  await ta.db.tx(async () => {
    for (const r of rows) await ta.db.run(ins, [r.unit ?? ta.ids.a, r.owner ?? ta.ids.owner, r.title, r.measures ?? ""]);
  });
}
const total = (body: string) => Number(/共 <strong>(\d+)<\/strong> 项/.exec(body)?.[1]);

test("q: every word in the title or measures, with the other filters, paging, fragment, ledger link and scope", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  await addTasks(ta, [
    { title: "支部B的台账问题", unit: ta.ids.b, owner: ta.ids.stranger },
    ...Array.from({ length: 33 }, (_, i) => ({ title: `会议记录补记${i}`, measures: i % 2 ? "建立工作台账" : "逐月对账，建立台账" })),
  ]);
  const leader = await login(ta.app, "leader@t.cn");
  // two through the app (the ledger replays their history)
  for (const [title, measures] of [["党费收缴不及时", "建立收缴台账"], ["违纪问题查处不力", "补交党费，通报批评"]]) {
    const res = await post(ta.app, leader, "/tasks", { title, measures, unitId: ta.ids.a, ownerId: ta.ids.owner, deadlineKind: "dated", deadline: "2026-12-31", goal: "" });
    assert.equal(res.statusCode, 303, res.body.slice(0, 300));
  }
  const list = (q: string, rest = "") => get(ta.app, leader, `/tasks?q=${encodeURIComponent(q)}${rest}`);

  assert.equal(total((await list("党费")).body), 2, "two characters: title or measures");
  assert.equal(total((await list("党费 违纪")).body), 1, "every word, each in the title or the measures");
  assert.equal(total((await list("账")).body), 1 + 1 + 33, "one character");
  assert.equal(total((await list("对账")).body), 17);
  assert.equal(total((await list("收缴台账")).body), 1, "three or more: the trigram index");
  assert.equal(total((await list("台账 收缴")).body), 1, "mixed");
  assert.equal(total((await list("ＸＹＺ")).body), 0);
  assert.match((await list("ＸＹＺ")).body, /没有符合条件的任务/);
  assert.equal(total((await list("")).body), 36, "an empty q filters nothing");
  assert.equal(total((await list("台账", `&unit=${ta.ids.b}`)).body), 1, "with the unit filter");

  // the box shows the words; paging, the fragment and the ledger link keep q and the other filters
  const page1 = await list("台账", `&unit=${ta.ids.a}`);
  assert.equal(total(page1.body), 34);
  assert.match(page1.body, /<input type="search" name="q" value="台账"/);
  const q = encodeURIComponent("台账");
  assert.match(page1.body, new RegExp(`href="/tasks\\?q=${q}&amp;unit=${ta.ids.a}&amp;page=2"`), "next page keeps q and unit");
  assert.match(page1.body, new RegExp(`href="/ledger.xlsx\\?q=${q}&amp;unit=${ta.ids.a}"`), "导出台账 keeps q and unit");
  const page2 = await list("台账", `&unit=${ta.ids.a}&page=2`);
  assert.match(page2.body, /第 2 \/ 2 页/);
  const frag = await get(ta.app, leader, `/tasks?q=${q}&state=todo`, { "hx-request": "true" });
  assert.match(frag.body, /^<section id="task-list"/);
  assert.equal(total(frag.body), 35);

  // the ledger export takes the same filter
  const ledger = await ta.app.inject({ method: "GET", url: `/ledger.xlsx?q=${encodeURIComponent("党费 违纪")}`, headers: { cookie: leader.cookie } });
  assert.equal(ledger.statusCode, 200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(ledger.rawPayload as any);
  const cells = wb.worksheets.flatMap((ws) => ws.getSheetValues().flat().map((v) => JSON.stringify(v)));
  assert.ok(cells.some((v) => v.includes("补交党费，通报批评")), "the matching task is in the ledger");
  assert.ok(!cells.some((v) => v.includes("建立收缴台账") || v.includes("逐月对账")), "no other task is");

  // an administrator's keyword alone: the matches are the list, counted as read; paging past the end shows the last page
  const admin = await login(ta.app, "admin@t.cn");
  const all = await get(ta.app, admin, `/tasks?q=${encodeURIComponent("账")}`);
  assert.equal(total(all.body), 1 + 1 + 33, "every unit's (支部B's too)");
  const last = await get(ta.app, admin, `/tasks?q=${encodeURIComponent("账")}&page=9`);
  assert.match(last.body, /第 2 \/ 2 页/);
  assert.equal((last.body.match(/href="\/tasks\/\d+"/g) ?? []).length, 35 - 30, "the last page's five tasks");

  // staff: only what they may see
  const stranger = await login(ta.app, "stranger@t.cn");
  const theirs = await get(ta.app, stranger, `/tasks?q=${q}`);
  assert.equal(total(theirs.body), 1);
  assert.match(theirs.body, /支部B的台账问题/);
  // my tasks keep q too
  const owner = await login(ta.app, "owner@t.cn");
  assert.equal(total((await get(ta.app, owner, `/tasks/mine?q=${encodeURIComponent("党费")}`)).body), 2);
});

test("q: a word matching more than KEYWORD_LIMIT tasks lists the newest of them and says 结果较多，请缩小范围", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  // one of 支部B's first, then more than KEYWORD_LIMIT of 支部A's
  await addTasks(ta, [{ title: "台风受灾党员走访", unit: ta.ids.b, owner: ta.ids.stranger }]);
  await addTasks(ta, Array.from({ length: KEYWORD_LIMIT + 5 }, (_, i) => ({ title: `台风过后检查${i}` })));
  await addTasks(ta, [{ title: "防汛检查" }]);
  const admin = await login(ta.app, "admin@t.cn");
  const cut = await get(ta.app, admin, `/tasks?q=${encodeURIComponent("台风")}`);
  assert.equal(total(cut.body), KEYWORD_LIMIT);
  assert.match(cut.body, /结果较多，请缩小范围/);
  const rare = await get(ta.app, admin, `/tasks?q=${encodeURIComponent("防汛")}`);
  assert.equal(total(rare.body), 1);
  assert.doesNotMatch(rare.body, /结果较多/);
  // staff of b: the index walks their scope (SQLite's FTS5 scope column, PostgreSQL's
  // search_keys), so their older match is found behind the others' newer ones
  const theirs = await get(ta.app, await login(ta.app, "stranger@t.cn"), `/tasks?q=${encodeURIComponent("台风")}`);
  assert.equal(total(theirs.body), 1, "支部B's own match");
  assert.match(theirs.body, /台风受灾党员走访/);
  assert.doesNotMatch(theirs.body, /结果较多/);
});
