// The bigram index (migration 0013, grams.ts) beside the trigram one: search() finds exactly what
// a scan of every row finds (each term a case-insensitive substring of one of the row's texts,
// within what the user may see), for terms of one and two characters alone and mixed with longer
// ones; after inserts, updates and deletes of every indexed text and of who may see a row (the
// triggers); and a scoped search walks its actor's rows alone, so it is never cut short by
// others' newer matches. On both engines (makeApp runs on PostgreSQL with TEST_DATABASE_URL).
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp, login, get, type TestApp } from "../../helpers/app.ts";
import { createUnit } from "../../../server/features/admin/service.ts";
import type { Actor } from "../../../server/features/auth/permissions.ts";
import { search, RANK_WINDOW, type HitKind } from "../../../server/features/search/service.ts";
import { SCAN_LIMIT } from "../../../server/features/search/search-index.ts";
import { gramsMatch, scopeKeys, scopeMatch, scopeTokens, searchGrams } from "../../../server/features/search/grams.ts";
import { actorOf, insertId } from "./helpers.ts";

const WORDS = ["违纪", "党费", "台账", "谈心谈话", "组织生活会", "台风", "贪污", "赌博", "整改", "不到位", "ABC", "abc", "Ab", "学习😀教育", "，", "。", " ", "x", "X", "纪", "账"];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** case folding written apart from grams.ts: a character's lower case where that is one character */
const fold = (s: string) => [...s].map((c) => ((l) => ([...l].length === 1 ? l : c))(c.toLowerCase())).join("");
const has = (text: string | null, term: string) => text != null && fold(text).includes(fold(term));

const QUERIES = ["违纪", "纪", "账", "台账", "x", "X", "ab", "AB", "b", "😀", "😀教", "，", "党费 违纪", "违纪 组织生活会", "谈心谈话 台", "组织生活会 谈心谈话", "整改 不到位 x", "abc", "ABC 台风", "风贪", "账违", "不存在", "赌博 贪污 违纪", "学习😀教育"];

type World = { ta: TestApp; actors: Record<string, Actor>; rnd: () => number; units: number[]; owners: number[] };

async function world(): Promise<World> {
  const ta = await makeApp();
  const db = ta.db;
  const a1 = await createUnit(db, { code: "a1", name: "第一党小组", kind: "group", parentId: ta.ids.a });
  const units = [ta.ids.root, ta.ids.a, a1, ta.ids.b];
  const owners = [ta.ids.owner, ta.ids.colleague, ta.ids.stranger, ta.ids.leaderA];
  const rnd = rng(18);
  const w: World = { ta, actors: {}, rnd, units, owners };
  await db.tx(async () => {
    const rep = "insert into reports (title, unit_id, format, full_text, imported_by) values (?, ?, 'paste', '', ?)";
    const prob = "insert into problems (report_id, seq, text) values (?, ?, ?)";
    const task = "insert into tasks (problem_id, unit_id, owner_id, leader_id, title, measures, deadline_kind, deadline) values (?, ?, ?, ?, ?, ?, 'dated', '2026-12-31')";
    const ev = "insert into task_events (task_id, actor_id, kind, text) values (?, ?, ?, ?)";
    const problems: number[] = [];
    for (let i = 0; i < 60; i++) {
      const r = await insertId(db, rep, [text(w, 3), pick(w, units), ta.ids.leader]);
      for (let k = 1; k <= 2; k++) problems.push(await insertId(db, prob, [r, k, text(w, 4)]));
    }
    const tasks: number[] = [];
    for (let i = 0; i < 300; i++) tasks.push(await insertId(db, task, [rnd() < 0.5 ? pick(w, problems) : null, pick(w, units), pick(w, owners), rnd() < 0.5 ? ta.ids.leaderA : null, text(w, 3), rnd() < 0.2 ? "" : text(w, 4)]));
    for (let i = 0; i < 400; i++) await db.run(ev, [pick(w, tasks), pick(w, owners), rnd() < 0.15 ? "created" : "progress", rnd() < 0.1 ? "" : text(w, 4)]);
  });
  for (const k of ["admin", "leader", "leaderA", "owner", "stranger"] as const) w.actors[k] = await actorOf(db, ta.ids[k]);
  return w;
}
function pick<T>(w: { rnd: () => number }, xs: T[]): T {
  return xs[Math.floor(w.rnd() * xs.length)];
}
function text(w: { rnd: () => number }, n: number): string {
  return Array.from({ length: 1 + Math.floor(w.rnd() * n) }, () => pick(w, WORDS)).join("");
}

/** Every row of each kind this actor may see whose texts hold every term (each term in one text), newest first. */
async function scan(ta: TestApp, actor: Actor, terms: string[]): Promise<Record<HitKind, number[]>> {
  const db = ta.db;
  const inTree = (path: string) => path.startsWith(actor.unitPath);
  const admin = actor.role === "admin";
  const seesTask = (t: { unit_id: number; path: string; owner_id: number; leader_id: number | null }) =>
    admin || (actor.role === "leader" ? inTree(t.path) || t.leader_id === actor.id || t.owner_id === actor.id : t.unit_id === actor.unitId || t.owner_id === actor.id);
  const all = (texts: (string | null)[]) => terms.every((term) => texts.some((x) => has(x, term)));
  const tasks = await db.all<{ id: number; title: string; measures: string; unit_id: number; path: string; owner_id: number; leader_id: number | null }>("select t.id, t.title, t.measures, t.unit_id, u.path, t.owner_id, t.leader_id from tasks t join units u on u.id = t.unit_id order by t.id desc");
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const problems = await db.all<{ id: number; text: string; path: string }>("select p.id, p.text, u.path from problems p join reports r on r.id = p.report_id join units u on u.id = r.unit_id order by p.id desc");
  const events = await db.all<{ id: number; task_id: number; text: string }>("select id, task_id, text from task_events where text <> '' and kind not in ('created', 'imported') order by id desc");
  const reports = await db.all<{ id: number; title: string; path: string }>("select r.id, r.title, u.path from reports r join units u on u.id = r.unit_id order by r.id desc");
  return {
    task: tasks.filter((t) => seesTask(t) && all([t.title, t.measures])).map((t) => t.id),
    problem: problems.filter((p) => (admin || inTree(p.path)) && all([p.text])).map((p) => p.id),
    event: events.filter((e) => seesTask(byId.get(e.task_id)!) && all([e.text])).map((e) => e.id),
    report: reports.filter((r) => (admin || inTree(r.path)) && all([r.title])).map((r) => r.id),
  };
}

const idOf = (href: string, kind: HitKind) => Number(kind === "event" ? /#event-(\d+)/.exec(href)![1] : /\/(\d+)/.exec(href)![1]);

/** search() with room for every hit equals the scan: the same rows (within each kind's window), for every actor and query */
async function assertLikeScan(w: World, queries: string[], label: string): Promise<number> {
  let compared = 0;
  for (const [who, actor] of Object.entries(w.actors)) {
    for (const q of queries) {
      const terms = q.split(" ");
      const want = await scan(w.ta, actor, terms);
      const ranked = terms.some((t) => [...t].length >= 3);
      const limit = 100_000;
      const got = await search(w.ta.db, actor, q, limit);
      for (const kind of ["task", "problem", "event", "report"] as HitKind[]) {
        // problems lead to their task where there is one: compare the problem kinds by count and the rest by id
        const ids = got.hits.filter((h) => h.kind === kind).map((h) => h.href);
        const expected = ranked ? want[kind].slice(0, RANK_WINDOW) : want[kind];
        if (kind === "problem") assert.equal(ids.length, expected.length, `${label} ${who} ${q} ${kind}`);
        else {
          const gotIds = ids.map((h) => idOf(h, kind));
          if (ranked) gotIds.sort((a, b) => b - a); // ranked by score: compare as sets
          assert.deepEqual(gotIds, expected, `${label} ${who} ${q} ${kind}`);
        }
        compared += expected.length;
      }
      if (!ranked) {
        // unranked (only 1–2 character terms): newest first within each kind, kinds in order
        const kinds = got.hits.map((h) => h.kind);
        assert.deepEqual(kinds, [...kinds].sort((a, b) => ["task", "problem", "event", "report"].indexOf(a) - ["task", "problem", "event", "report"].indexOf(b)));
      }
    }
  }
  return compared;
}

test("grams: pairs in order, then the last character; a term is the phrase of its pairs; case folded", () => {
  assert.equal(searchGrams(null), null);
  assert.equal(searchGrams(""), "");
  assert.equal(searchGrams("台账"), "0053f0008d26 008d26"); // 台 U+53F0, 账 U+8D26
  assert.equal(searchGrams("Ab"), searchGrams("aB"));
  assert.equal(searchGrams("😀")!.split(" ").length, 1); // one character, not two UTF-16 halves
  assert.equal(gramsMatch("账"), "008d26*");
  assert.equal(gramsMatch("台账"), '"0053f0008d26"');
  assert.equal(gramsMatch("整改台账"), `"${searchGrams("整改台账")!.split(" ").slice(0, 3).join(" ")}"`);
});

test("scope tokens: a row's unit and its ancestors, the unit, owner and leader; an actor's scope as their OR", () => {
  assert.equal(scopeTokens("/1/10/35/", 35, 7, null), "s1 s10 s35 u35 o7");
  assert.equal(scopeTokens("/1/10/", 10, 7, 9), "s1 s10 u10 o7 l9");
  assert.equal(scopeTokens("/1/", null, null, null), "s1"); // a problem's or report's
  assert.equal(scopeMatch({ id: 9, role: "leader", unitId: 10 }, "task"), "(s10 OR l9 OR o9)");
  assert.equal(scopeMatch({ id: 7, role: "staff", unitId: 35 }, "event"), "(u35 OR o7)");
  assert.equal(scopeMatch({ id: 7, role: "staff", unitId: 35 }, "report"), "s35");
  // PostgreSQL's (migration-pg 0012): the same rule as an array literal of colon tokens
  assert.equal(scopeKeys({ id: 9, role: "leader", unitId: 10 }, "task"), "{s:10,l:9,o:9}");
  assert.equal(scopeKeys({ id: 7, role: "staff", unitId: 35 }, "event"), "{u:35,o:7}");
  assert.equal(scopeKeys({ id: 7, role: "leader", unitId: 35 }, "problem"), "{s:35}");
  // no token of a text is a scope token: texts are hex, scopes start with s, u, o or l
  assert.ok(!/[soul]/.test(searchGrams("sould 台账 SOUL")!), "text tokens are hex digits only");
});

test("the bigram index finds what a scan of every row finds, for every user, with 1–2 character terms alone and mixed", async (t) => {
  const w = await world();
  t.after(w.ta.close);
  const compared = await assertLikeScan(w, QUERIES, "fresh");
  assert.ok(compared > 1000, `many rows compared (${compared})`);
});

test("a listed (1–2 character) search's page of a few is the head of the whole list, kinds in order, and says whether more follow", async (t) => {
  const w = await world();
  t.after(w.ta.close);
  let compared = 0;
  for (const [who, actor] of Object.entries(w.actors)) {
    for (const q of QUERIES.filter((x) => x.split(" ").every((term) => [...term].length < 3))) {
      const whole = await search(w.ta.db, actor, q, 100_000);
      for (const limit of [1, 3, 7]) {
        const page = await search(w.ta.db, actor, q, limit);
        const head = whole.hits.slice(0, limit).map((h) => `${h.kind} ${h.href}`);
        assert.deepEqual(page.hits.map((h) => `${h.kind} ${h.href}`), head, `${who} ${q} ${limit}`);
        assert.equal(page.more, whole.hits.length > limit, `${who} ${q} ${limit}: more`);
        compared += head.length;
      }
    }
  }
  assert.ok(compared > 200, `hits compared: ${compared}`);
});

test("the triggers keep the bigram index in step through inserts, updates and deletes of every indexed text", async (t) => {
  const w = await world();
  t.after(w.ta.close);
  const db = w.ta.db;
  const ids = (table: string) => db.column<number>(`select id from ${table} order by id`);
  await db.tx(async () => {
    for (let i = 0; i < 40; i++) await db.run("update tasks set title = ? where id = ?", [text(w, 3), pick(w, await ids("tasks"))]);
    for (let i = 0; i < 40; i++) await db.run("update tasks set measures = ? where id = ?", [text(w, 4), pick(w, await ids("tasks"))]);
    for (let i = 0; i < 30; i++) await db.run("update problems set text = ? where id = ?", [text(w, 4), pick(w, await ids("problems"))]);
    for (let i = 0; i < 30; i++) await db.run("update task_events set text = ? where id = ?", [w.rnd() < 0.2 ? "" : text(w, 4), pick(w, await ids("task_events"))]);
    for (let i = 0; i < 20; i++) await db.run("update reports set title = ? where id = ?", [text(w, 3), pick(w, await ids("reports"))]);
    // who may see a row (the index's scope tokens, 0023): tasks change unit, owner and leader, reports change unit
    for (let i = 0; i < 30; i++) await db.run("update tasks set unit_id = ? where id = ?", [pick(w, w.units), pick(w, await ids("tasks"))]);
    for (let i = 0; i < 30; i++) await db.run("update tasks set owner_id = ? where id = ?", [pick(w, w.owners), pick(w, await ids("tasks"))]);
    for (let i = 0; i < 30; i++) await db.run("update tasks set leader_id = ? where id = ?", [w.rnd() < 0.5 ? w.ta.ids.leaderA : null, pick(w, await ids("tasks"))]);
    for (let i = 0; i < 15; i++) await db.run("update reports set unit_id = ? where id = ?", [pick(w, w.units), pick(w, await ids("reports"))]);
    // a unit moves to another parent with its subtree, as updateUnit moves it: 第一党小组 from a to b
    const a1 = w.units[2];
    const [from, to] = [await db.value<string>("select path from units where id = ?", [a1]), await db.value<string>("select path from units where id = ?", [w.ta.ids.b])];
    await db.run("update units set parent_id = ? where id = ?", [w.ta.ids.b, a1]);
    await db.run("update units set path = ? || substr(path, ?) where path >= ? and path < ?", [`${to}${a1}/`, from!.length + 1, from, from!.slice(0, -1) + "0"]);
    // deletes (tests only: the app never deletes a task's history)
    for (let i = 0; i < 20; i++) await db.run("delete from task_events where id = ?", [pick(w, await ids("task_events"))]);
    const gone: number[] = [];
    for (const id of await ids("tasks")) if (gone.length < 10 && !(await db.get("select 1 from task_events where task_id = ?", [id]))) gone.push(id);
    for (const id of gone) await db.run("delete from tasks where id = ?", [id]);
    const reportless = await db.column<number>("select id from problems where id not in (select problem_id from tasks where problem_id is not null) order by id limit 10");
    for (const id of reportless) await db.run("delete from problems where id = ?", [id]);
    const emptyReport = await insertId(db, "insert into reports (title, unit_id, format, full_text, imported_by) values ('违纪台账自查', ?, 'paste', '', ?)", [w.ta.ids.a, w.ta.ids.leader]);
    await db.run("delete from reports where id = ?", [emptyReport]);
    // new rows
    const task = await insertId(db, "insert into tasks (unit_id, owner_id, title, measures, deadline_kind, deadline) values (?, ?, '党费台账', '违纪问题', 'dated', '2026-12-31')", [w.ta.ids.a, w.ta.ids.owner]);
    await db.run("insert into task_events (task_id, actor_id, kind, text) values (?, ?, 'progress', '台风过后补齐台账')", [task, w.ta.ids.owner]);
    await db.run("insert into task_events (task_id, actor_id, kind, text) values (?, ?, 'created', '台账不入索引')", [task, w.ta.ids.owner]);
  });
  // SQLite: the FTS5 tables still agree with themselves (PostgreSQL's GIN indexes need no such check)
  if (db.engine === "sqlite") for (const table of ["search_tasks_bi", "search_problems_bi", "search_events_bi", "search_reports_bi"]) await db.run(`insert into ${table}(${table}) values ('integrity-check')`);
  await assertLikeScan(w, QUERIES, "after writes");
});

test("a scoped search walks only the actor's rows (the scope is in the index: FTS5's scope column, PostgreSQL's search_keys): an older hit behind more than SCAN_LIMIT newer ones of others is found, on the page too", async (t) => {
  const w = await world();
  t.after(w.ta.close);
  const db = w.ta.db;
  // one older note the stranger (staff of b) may see, then many newer notes with the same rare
  // word, all on a task of unit a that the stranger may not see
  const stranger = w.actors.stranger;
  let older = 0;
  await db.tx(async () => {
    const theirs = await insertId(db, "insert into tasks (unit_id, owner_id, title, measures, deadline_kind, deadline) values (?, ?, '乙支部整改', '', 'dated', '2026-12-31')", [stranger.unitId, w.ta.ids.colleague]);
    older = await insertId(db, "insert into task_events (task_id, actor_id, kind, text) values (?, ?, 'progress', '查处问题在前')", [theirs, w.ta.ids.colleague]);
    const task = await insertId(db, "insert into tasks (unit_id, owner_id, title, measures, deadline_kind, deadline) values (?, ?, '某项整改', '', 'dated', '2026-12-31')", [w.ta.ids.a, w.ta.ids.owner]);
    for (let i = 0; i < SCAN_LIMIT + 10; i++) await db.run("insert into task_events (task_id, actor_id, kind, text) values (?, ?, 'progress', '查处问题')", [task, w.ta.ids.owner]);
  });
  const res = await search(db, stranger, "查处");
  const found = res.hits.some((h) => h.href.endsWith(`#event-${older}`));
  const page = await get(w.ta.app, await login(w.ta.app, "stranger@t.cn"), "/search?q=" + encodeURIComponent("查处"));
  assert.equal(page.statusCode, 200);
  // the index carries each row's scope (SQLite 0023, PostgreSQL 0012): the stranger's walk meets only their rows
  assert.equal(found, true, "the older note in the stranger's scope is found");
  assert.equal(res.hits.length, 1, "only the stranger's note");
  assert.match(page.body, new RegExp(`#event-${older}"`), "the page shows it too");
  const admin = await search(db, w.actors.admin, "查处");
  assert.equal(admin.more, true);
});
