import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp, login, post, get, multipart, type TestApp, type Session } from "../../helpers/app.ts";
import { taskIdsMatching } from "../../../server/features/search/service.ts";
import { actorOf, insertId } from "./helpers.ts";

async function newTask(t: TestApp, s: Session, over: Record<string, unknown> = {}) {
  const res = await post(t.app, s, "/tasks", { title: "三会一课记录不规范", unitId: t.ids.a, ownerId: t.ids.owner, leaderId: t.ids.leaderA, deadlineKind: "dated", deadline: "2026-12-31", measures: "组织委员当场记录", ...over });
  assert.equal(res.statusCode, 303, res.body.slice(0, 300));
  return Number(/\/tasks\/(\d+)/.exec(res.headers.location as string)![1]);
}
const version = async (t: TestApp, id: number) => (await t.db.value<number>("select version from tasks where id = ?", [id]))!;
/** how many tasks the search index finds holding every term of q (the engine's index, through taskIdsMatching) */
const indexed = async (t: TestApp, q: string) => (await taskIdsMatching(t.db, q, 1000, await actorOf(t.db, t.ids.admin)))!.length;

test("search finds task titles, measures, progress notes, problems and report titles, ranked and highlighted", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leader@t.cn");
  const a = await newTask(ta, leader, { title: "党费收缴不及时", measures: "建立党费收缴台账，每月核对" });
  const b = await newTask(ta, leader, { title: "学习教育走过场", measures: "落实党费收缴情况通报" });
  // a report and its problem, as the import writes them
  const rep = await insertId(ta.db, "insert into reports (title, unit_id, format, full_text, imported_by) values (?, ?, 'paste', '', ?)", ["第一党支部党费管理自查报告", ta.ids.a, ta.ids.leader]);
  await ta.db.run("insert into problems (report_id, seq, text) values (?, 1, ?)", [rep, "流动党员党费收缴存在漏项"]);
  // a progress note, through the real form
  const owner = await login(ta.app, "owner@t.cn");
  const m = multipart({ _csrf: owner.csrf, version: String(await version(ta, b)), text: "已召开支委会专题研究<党费>补缴" }, []);
  const pr = await ta.app.inject({ method: "POST", url: `/tasks/${b}/progress`, headers: { cookie: owner.cookie, ...m.headers }, payload: m.payload });
  assert.equal(pr.statusCode, 303);

  const page = await get(ta.app, leader, "/search?q=" + encodeURIComponent("党费收缴"));
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<title>搜索：党费收缴/);
  // the title hit outranks the measures-only hit
  const first = page.body.indexOf(`href="/tasks/${a}"`);
  const second = page.body.indexOf(`href="/tasks/${b}"`);
  assert.ok(first > 0 && second > first, "title match first");
  assert.match(page.body, /<mark>党费收缴<\/mark>不及时/);
  assert.match(page.body, /流动党员<mark>党费收缴<\/mark>存在漏项/);
  const note = await get(ta.app, leader, "/search?q=" + encodeURIComponent("支委会专题"));
  assert.match(note.body, /已召开<mark>支委会专题<\/mark>研究&lt;党费&gt;补缴/, "user text escaped, then marked");
  assert.match(note.body, new RegExp(`href="/tasks/${b}#event-\\d+"`));
  const rpt = await get(ta.app, leader, "/search?q=" + encodeURIComponent("党费管理"));
  assert.match(rpt.body, /整改任务|自查报告/);
  assert.match(rpt.body, new RegExp(`href="/reports/${rep}"`));

  // htmx gets only the results fragment
  const frag = await get(ta.app, leader, "/search?q=" + encodeURIComponent("党费收缴"), { "hx-request": "true" });
  assert.match(frag.body, /^<section id="search-results"/);
  assert.doesNotMatch(frag.body, /<html/);
});

test("two-character Chinese terms are found too (LIKE), and combine with longer ones", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leader@t.cn");
  const a = await newTask(ta, leader, { title: "党员发展程序不规范", measures: "" });
  await newTask(ta, leader, { title: "发展程序缺少公示", measures: "" });
  const two = await get(ta.app, leader, "/search?q=" + encodeURIComponent("党员"));
  assert.match(two.body, new RegExp(`href="/tasks/${a}"`));
  assert.match(two.body, /<mark>党员<\/mark>发展程序/);
  assert.match(two.body, /共 1 条结果/);
  const mixed = await get(ta.app, leader, "/search?q=" + encodeURIComponent("发展程序 公示"));
  assert.match(mixed.body, /共 1 条结果/);
  assert.match(mixed.body, /缺少<mark>公示<\/mark>/);
  const none = await get(ta.app, leader, "/search?q=" + encodeURIComponent("不存在的内容"));
  assert.match(none.body, /没有找到与“不存在的内容”有关的内容/);
  const syntax = await get(ta.app, leader, "/search?q=" + encodeURIComponent('"党员 OR NEAR( *'));
  assert.equal(syntax.statusCode, 200, "FTS syntax in the query is just text");
});

test("the index follows edits in the same transaction, and search shows only what the user may see", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leaderA = await login(ta.app, "leadera@t.cn");
  const id = await newTask(ta, leaderA, { title: "支部书记述职评议流于形式" });
  assert.equal(await indexed(ta, "述职评议"), 1);
  const edit = await post(ta.app, leaderA, `/tasks/${id}`, { version: await version(ta, id), title: "支部书记抓党建述职不深入", unitId: ta.ids.a, ownerId: ta.ids.owner, leaderId: ta.ids.leaderA, deadlineKind: "dated", deadline: "2026-12-31", measures: "组织委员当场记录" });
  assert.equal(edit.statusCode, 303, edit.body.slice(0, 300));
  assert.equal(await indexed(ta, "述职评议"), 0, "the old title is gone from the index");
  assert.equal(await indexed(ta, "述职不深入"), 1);
  // a failed write leaves the index as it was
  const stale = await post(ta.app, leaderA, `/tasks/${id}`, { version: 1, title: "又一个新标题内容", unitId: ta.ids.a, ownerId: ta.ids.owner, deadlineKind: "dated", deadline: "2026-12-31" });
  assert.equal(stale.statusCode, 409);
  assert.equal(await indexed(ta, "新标题内容"), 0);

  const stranger = await login(ta.app, "stranger@t.cn"); // staff of 支部B
  const hidden = await get(ta.app, stranger, "/search?q=" + encodeURIComponent("述职不深入"));
  assert.doesNotMatch(hidden.body, new RegExp(`/tasks/${id}"`));
  assert.match(hidden.body, /没有找到/);
  const colleague = await login(ta.app, "colleague@t.cn"); // staff of 支部A
  assert.match((await get(ta.app, colleague, "/search?q=" + encodeURIComponent("述职不深入"))).body, new RegExp(`/tasks/${id}"`));
  assert.equal((await get(ta.app, null, "/search?q=x")).statusCode, 303, "sign-in first");
});

test("a very common phrase is ranked among each kind's newest matches, and says so", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { RANK_WINDOW } = await import("../../../server/features/search/service.ts");
  const ins = "insert into tasks (unit_id, owner_id, title, measures, deadline_kind, deadline) values (?, ?, ?, '', 'dated', '2026-12-31')";
  await ta.db.tx(async () => {
    for (let i = 0; i < RANK_WINDOW + 50; i++) await ta.db.run(ins, [ta.ids.a, ta.ids.owner, `第${i}项：谈心谈话开展不经常`]);
  });
  const leader = await login(ta.app, "leader@t.cn");
  const page = await get(ta.app, leader, "/search?q=" + encodeURIComponent("谈心谈话"));
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /匹配很多：每类在最近的 \d+ 条中按相关度排序/);
  assert.match(page.body, /前 20 条结果/);
  // every hit comes from the newest RANK_WINDOW: items 50 … RANK_WINDOW + 49
  const items = [...page.body.matchAll(/第(\d+)项：<mark>谈心谈话<\/mark>/g)].map((m) => Number(m[1]));
  assert.equal(items.length, 20);
  assert.ok(items.every((i) => i >= 50), items.join(","));
});
