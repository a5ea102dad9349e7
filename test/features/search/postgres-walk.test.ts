// PostgreSQL's search walks a table's newest rows first and, short of the limit, asks the GIN
// indexes for every match (db/engines/search-postgres.ts): whichever statement answers, the ids
// are every matching row's, newest first, as a plain scan of all rows gives them; for a leader
// or a staff member the walk and the index read only the rows in their scope (search_keys'
// scope tokens, migration-pg 0012), and give what a scan with the permission rule gives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp, TEST_PG } from "../../helpers/app.ts";
import { parseQuery } from "../../../server/features/search/query.ts";
import type { Actor } from "../../../server/features/auth/permissions.ts";
import { actorOf } from "./helpers.ts";
import type { Db } from "../../../db/store.ts";

/** the walk does not read the actor: every match, as an administrator sees them */
const ADMIN: Actor = { id: 0, role: "admin", unitId: 0, unitPath: "/" };

type TaskRow = { id: number; title: string; measures: string; unit_id: number; path: string; owner_id: number; leader_id: number | null };
/** every task with what the permission rule reads, newest first: the scans the walks are held to */
const tasksWithScope = (db: Db) => db.all<TaskRow>("SELECT t.id, t.title, t.measures, t.unit_id, u.path, t.owner_id, t.leader_id FROM tasks t JOIN units u ON u.id = t.unit_id ORDER BY t.id DESC");
/** the permission rule (scopeSql) written plainly: may `a` see task `r` */
const sees = (a: Actor, r: TaskRow) =>
  a.role === "admin" || (a.role === "leader" ? r.path.startsWith(a.unitPath) || r.leader_id === a.id || r.owner_id === a.id : r.unit_id === a.unitId || r.owner_id === a.id);
/** `db` with `calls(params)` told of each of `method`'s statements' parameters first */
function watched(db: Db, method: "all" | "value", calls: (sql: string, params: unknown[] | undefined) => void): Db {
  const read = db[method] as (sql: string, params?: unknown[]) => Promise<unknown>;
  const through = (sql: string, params?: unknown[]) => {
    calls(sql, params);
    return read.call(db, sql, params);
  };
  return Object.assign(Object.create(db) as Db, { [method]: through });
}

test("the probe and the index give the same newest matches as a scan of every row, for everyone and in each one's scope", { skip: !TEST_PG && "PostgreSQL 的检索方式（TEST_DATABASE_URL）" }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { postgresSearchIndex } = await import("../../../db/engines/search-postgres.ts");
  const words = ["党费收缴", "三会一课", "谈心谈话", "主题党日", "赌博"];
  const units = [ta.ids.a, ta.ids.b, ta.ids.root];
  const owners = [ta.ids.owner, ta.ids.colleague, ta.ids.stranger];
  await ta.db.tx(async () => {
    for (let i = 0; i < 90; i++)
      await ta.db.run("INSERT INTO tasks (unit_id, owner_id, leader_id, title, measures, deadline_kind, deadline) VALUES (?, ?, ?, ?, ?, 'dated', '2026-12-31')", [
        units[i % 3],
        owners[i % 7 % 3],
        i % 5 === 0 ? ta.ids.leaderA : null,
        `${i % 11 === 0 ? "Word" : ""}${words[i % 4]}不规范${i}`,
        i % 17 === 3 ? `查处${words[4]}问题` : i % 6 === 1 ? `制作PPT课件${i}` : "建立台账",
      ]);
  });
  const all = await tasksWithScope(ta.db);
  const actors: Record<string, Actor> = { admin: ADMIN };
  for (const k of ["leader", "leaderA", "owner", "stranger"] as const) actors[k] = await actorOf(ta.db, ta.ids[k]);
  let compared = 0;
  for (const probeRows of [5, 40, 10_000]) {
    const index = postgresSearchIndex(ta.db, { probeRows });
    for (const [who, actor] of Object.entries(actors)) {
      // caseless terms (walked by LIKE on the stored text) and cased ones (by keys or lower())
      for (const q of ["赌博", "赌", "党费", "党", "谈心谈话 不规范", "规范1", "台账 三会一课", "ppt", "Pt", "p", "PPT课件", "word 党费", "课件", "W"]) {
        const terms = parseQuery(q).terms.map((x) => x.toLowerCase());
        const expected = all.filter((r) => sees(actor, r) && terms.every((x) => r.title.toLowerCase().includes(x) || r.measures.toLowerCase().includes(x))).map((r) => r.id);
        for (const limit of [3, 2000]) {
          assert.deepEqual(await index.taskIds(parseQuery(q), limit, actor), expected.slice(0, limit), `${who} ${q} probe ${probeRows} limit ${limit}`);
          compared += Math.min(limit, expected.length);
        }
      }
    }
  }
  assert.ok(compared > 300, `rows compared: ${compared}`);
  // "all of them", as the task list's keyword filter may ask
  const every = all.filter((r) => r.title.includes("党费")).map((r) => r.id);
  assert.deepEqual(await postgresSearchIndex(ta.db).taskIds(parseQuery("党费"), Number.MAX_SAFE_INTEGER, ADMIN), every);
});

test("a listed page read in shared steps is the head of the kinds' whole lists, in order, at any probe length", { skip: !TEST_PG && "PostgreSQL 的检索方式（TEST_DATABASE_URL）" }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { postgresSearchIndex } = await import("../../../db/engines/search-postgres.ts");
  const words = ["党费收缴", "三会一课", "谈心谈话", "台账"];
  await ta.db.tx(async () => {
    for (let i = 0; i < 40; i++) {
      const task = Number(
        (await ta.db.get<{ id: number }>("INSERT INTO tasks (unit_id, owner_id, title, measures, deadline_kind, deadline) VALUES (?, ?, ?, '', 'dated', '2026-12-31') RETURNING id", [i % 2 ? ta.ids.a : ta.ids.b, ta.ids.owner, `${words[i % 4]}${i}`]))!.id,
      );
      for (let j = 0; j < 3; j++) await ta.db.run("INSERT INTO task_events (task_id, actor_id, kind, text) VALUES (?, ?, 'progress', ?)", [task, ta.ids.owner, `进展${words[(i + j) % 4]}`]);
    }
  });
  const kinds = ["task", "problem", "event", "report"] as const;
  const actors: Record<string, Actor> = { admin: ADMIN, leader: await actorOf(ta.db, ta.ids.leader), owner: await actorOf(ta.db, ta.ids.owner) };
  let compared = 0;
  for (const [who, actor] of Object.entries(actors)) {
    for (const q of ["台账", "谈心", "党", "不存在"]) {
      const query = parseQuery(q);
      const whole = await postgresSearchIndex(ta.db).page(kinds, query, actor, 10_000);
      const all = whole.flatMap((rows, i) => rows.map((r) => `${kinds[i]} ${r.id}`));
      for (const probeRows of [3, 17, 1000])
        for (const limit of [1, 5, 12, 60]) {
          const page = await postgresSearchIndex(ta.db, { probeRows }).page(kinds, query, actor, limit);
          const got = page.flatMap((rows, i) => rows.map((r) => `${kinds[i]} ${r.id}`));
          // the page's first `limit` rows (it may hold more: the last kind read can give more than it needs)
          assert.deepEqual(got.slice(0, limit), all.slice(0, limit), `${who} ${q} probe ${probeRows} limit ${limit}`);
          compared += Math.min(limit, all.length);
        }
    }
  }
  assert.ok(compared > 300, `rows compared: ${compared}`);
});

test("every search GIN index keeps its pending list short (64 kB), so a busy day's writes do not make every search read them", { skip: !TEST_PG && "PostgreSQL 的索引设置（TEST_DATABASE_URL）" }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const indexes = await ta.db.all<{ name: string; options: string[] | null }>(
    "SELECT c.relname AS name, c.reloptions AS options FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'gin' AND i.indrelid IN (CAST('tasks' AS regclass), CAST('problems' AS regclass), CAST('task_events' AS regclass), CAST('reports' AS regclass)) ORDER BY 1",
  );
  // one a table: search_keys (pg_trgm's were dropped by migration 0016)
  assert.deepEqual(indexes.map((i) => i.name), ["problems_search_keys_idx", "reports_search_keys_idx", "task_events_search_keys_idx", "tasks_search_keys_idx"]);
  for (const { name, options } of indexes) assert.ok((options ?? []).includes("gin_pending_list_limit=64"), `${name}: ${options}`);
});

test("a row's search keys (rectify_grams, rectify_scope in PL/pgSQL) are the same sets the first SQL functions made, for edge cases and real texts", { skip: !TEST_PG && "PostgreSQL 的检索键（TEST_DATABASE_URL）" }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  // migration 0012's definitions, as the reference
  const oldGrams = `(SELECT COALESCE(array_agg(DISTINCT g), CAST('{}' AS text[])) FROM (SELECT lower(t.v) AS s) x, LATERAL (SELECT substr(x.s, i, 1) FROM generate_series(1, char_length(x.s)) i UNION ALL SELECT substr(x.s, i, 2) FROM generate_series(1, char_length(x.s) - 1) i) p(g))`;
  const sorted = (e: string) => `(SELECT array_agg(k ORDER BY k) FROM unnest(${e}) k)`;
  const texts = ["", "a", "Ab", "AbaB", "aaaa", "x\ny", "𠀀x𠀁", "  两个空格  ", "%_\\", "整改台账：谈心谈话记录不全，组织生活会流于形式", "党费收缴不及时；发展党员程序不规范", null];
  for (const v of texts) {
    const [row] = await ta.db.all<{ same: boolean; n: number }>(`SELECT ${sorted("rectify_grams(t.v)")} IS NOT DISTINCT FROM ${sorted(oldGrams)} AS same, cardinality(rectify_grams(t.v)) AS n FROM (SELECT CAST(? AS text) AS v) t`, [v]);
    assert.ok(row.same, `rectify_grams(${JSON.stringify(v)})`);
    if (v) assert.ok(row.n > 0);
  }
  const oldScope = `ARRAY(SELECT 's:' || p FROM unnest(string_to_array(t.path, '/')) p WHERE p <> '') || CASE WHEN t.u IS NULL THEN CAST('{}' AS text[]) ELSE ARRAY['u:' || t.u] END || CASE WHEN t.o IS NULL THEN CAST('{}' AS text[]) ELSE ARRAY['o:' || t.o] END || CASE WHEN t.l IS NULL THEN CAST('{}' AS text[]) ELSE ARRAY['l:' || t.l] END`;
  const scopes: [string | null, number | null, number | null, number | null][] = [[null, null, null, null], ["/1/", 1, null, null], ["/1/22/333/", 333, 7, 8], ["", 5, null, 9], ["/1/2/", null, 4, null]];
  for (const s of scopes) {
    const [row] = await ta.db.all<{ now: string[]; before: string[] }>(`SELECT rectify_scope(t.path, t.u, t.o, t.l) AS now, ${oldScope} AS before FROM (SELECT CAST(? AS text) AS path, CAST(? AS bigint) AS u, CAST(? AS bigint) AS o, CAST(? AS bigint) AS l) t`, s);
    assert.deepEqual(row.now, row.before, JSON.stringify(s));
  }
  // and a written task's keys hold its texts' pairs and its scope
  await ta.db.tx(() => ta.db.run("INSERT INTO tasks (unit_id, owner_id, leader_id, title, measures, deadline_kind, deadline) VALUES (?, ?, ?, '谈心谈话记录不全', '建立台账', 'dated', '2026-12-31')", [ta.ids.a, ta.ids.owner, ta.ids.leaderA]));
  const [task] = await ta.db.all<{ keys: string[]; path: string }>("SELECT t.search_keys AS keys, u.path FROM tasks t JOIN units u ON u.id = t.unit_id WHERE t.title = '谈心谈话记录不全'");
  for (const k of ["谈心", "记录", "台账", "全", `u:${ta.ids.a}`, `o:${ta.ids.owner}`, `l:${ta.ids.leaderA}`, ...task.path.split("/").filter(Boolean).map((p) => `s:${p}`)]) assert.ok(task.keys.includes(k), k);
  assert.ok(!task.keys.includes("全建"), "no pair across the title and the measures");
});

test("termKeys and matchShare: a term's keys as rectify_term_keys makes them, and at most what share of rows may hold every term and the scope", async () => {
  const { termKeys, matchShare } = await import("../../../db/engines/search-postgres.ts");
  assert.deepEqual(termKeys("党"), ["党"]);
  assert.deepEqual(termKeys("台账"), ["台账"]);
  assert.deepEqual(termKeys("谈心谈话"), ["谈心", "心谈", "谈话"]);
  assert.deepEqual(termKeys("PPT"), ["pp", "pt"]);
  assert.deepEqual(termKeys("𠀀x"), ["𠀀x"]);
  const stats = { share: new Map([["谈心", 0.12], ["心谈", 0.12], ["谈话", 0.13], ["台账", 0.25], ["s:2", 0.1]]), least: 0.001, rows: 1000 };
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≈ ${b}`);
  // a term: its rarest key; terms and scope multiply; a key not listed: half the least listed share
  near(matchShare(stats, parseQuery("谈心谈话"), null).terms, 0.12);
  near(matchShare(stats, parseQuery("谈心谈话 台账"), null).terms, 0.12 * 0.25);
  near(matchShare(stats, parseQuery("违纪 台账"), null).terms, 0.0005 * 0.25);
  assert.equal(matchShare(stats, parseQuery("台账"), null).scope, 1);
  near(matchShare(stats, parseQuery("台账"), "{s:2,l:11,o:11}").scope, 0.1 + 0.0005 + 0.0005);
  near(matchShare(stats, parseQuery("台账"), "{u:9,o:11}").scope, 0.001);
  // the lead: the rarest key of any term, or the scope's tokens together
  near(matchShare(stats, parseQuery("谈心谈话 台账"), null).lead, 0.12);
  near(matchShare(stats, parseQuery("谈心谈话 台账"), "{s:2,l:11,o:11}").lead, 0.101);
  near(matchShare(stats, parseQuery("违纪 台账"), "{s:2}").lead, 0.0005);
});

test("with the planner's statistics (ANALYZE): a word absent from the newest rows and common in older ones, a rare one and a scoped one still give a scan's newest matches", { skip: !TEST_PG && "PostgreSQL 的检索方式（TEST_DATABASE_URL）" }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { postgresSearchIndex } = await import("../../../db/engines/search-postgres.ts");
  // 600 tasks: 谈心谈话 in the oldest 500 only, 违纪 in 3; then the statistics
  await ta.db.tx(async () => {
    for (let i = 0; i < 600; i++)
      await ta.db.run("INSERT INTO tasks (unit_id, owner_id, title, measures, deadline_kind, deadline) VALUES (?, ?, ?, ?, 'dated', '2026-12-31')", [
        i % 2 ? ta.ids.a : ta.ids.b,
        ta.ids.owner,
        i < 500 ? `谈心谈话不经常${i}` : `主题党日${i}`,
        i % 200 === 7 ? "查处违纪" : "建立台账",
      ]);
  });
  await ta.db.run("ANALYZE tasks");
  const listed = Number(await ta.db.value("SELECT cardinality(most_common_elems) FROM pg_stats WHERE tablename = 'tasks' AND attname = 'search_keys'"));
  assert.ok(listed > 10, `keys listed: ${listed}`);
  const all = await ta.db.all<{ id: number; title: string; measures: string; unit_id: number }>("SELECT id, title, measures, unit_id FROM tasks ORDER BY id DESC");
  const actors: Record<string, Actor> = { admin: ADMIN, leaderA: await actorOf(ta.db, ta.ids.leaderA), owner: await actorOf(ta.db, ta.ids.owner) };
  for (const probeRows of [5, 50, 1000])
    for (const [who, actor] of Object.entries(actors))
      for (const q of ["谈心谈话", "谈心谈话 台账", "违纪", "台账", "主题党日"]) {
        const terms = parseQuery(q).terms;
        const sees = (r: (typeof all)[number]) => who !== "leaderA" || r.unit_id === ta.ids.a;
        const expected = all.filter((r) => sees(r) && terms.every((x) => r.title.includes(x) || r.measures.includes(x))).map((r) => r.id);
        for (const limit of [3, 40])
          assert.deepEqual(await postgresSearchIndex(ta.db, { probeRows }).taskIds(parseQuery(q), limit, actor), expected.slice(0, limit), `${who} ${q} probe ${probeRows} limit ${limit}`);
      }
});

test("ids spread over many windows of the index (migration 0017): walks, window reads and index reads together give a scan's newest matches, with and without the statistics", { skip: !TEST_PG && "PostgreSQL 的检索方式（TEST_DATABASE_URL）" }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { postgresSearchIndex, WINDOW_BITS } = await import("../../../db/engines/search-postgres.ts");
  const words = ["谈心谈话", "台账", "主题党日", "违纪"];
  const units = [ta.ids.a, ta.ids.b, ta.ids.root];
  // 12 groups of tasks and notes, each group's ids in a window of its own (the sequences moved
  // on by a window and a bit between groups): 谈心谈话 in the older groups only, 违纪 rare
  const win = 1 << WINDOW_BITS;
  await ta.db.tx(async () => {
    for (let g = 0; g < 12; g++) {
      await ta.db.value("SELECT setval('tasks_id_seq', (SELECT max(id) FROM tasks) + CAST(? AS integer))", [win + 37 * g]);
      await ta.db.value("SELECT setval('task_events_id_seq', (SELECT max(id) FROM task_events) + CAST(? AS integer))", [win + 101 * g]);
      for (let i = 0; i < 25; i++) {
        const n = g * 25 + i;
        const title = `${g < 6 && n % 3 === 0 ? words[0] : words[2]}${n}`;
        const task = Number(
          (await ta.db.get<{ id: number }>("INSERT INTO tasks (unit_id, owner_id, leader_id, title, measures, deadline_kind, deadline) VALUES (?, ?, ?, ?, ?, 'dated', '2026-12-31') RETURNING id", [
            units[n % 3],
            n % 4 === 0 ? ta.ids.colleague : ta.ids.owner,
            n % 5 === 0 ? ta.ids.leaderA : null,
            title,
            n % 41 === 5 ? `查处${words[3]}问题` : n % 2 ? "建立台账" : "",
          ]))!.id,
        );
        await ta.db.run("INSERT INTO task_events (task_id, actor_id, kind, text) VALUES (?, ?, 'progress', ?)", [task, ta.ids.owner, `进展：${n % 2 ? words[1] : ""}${g < 4 && n % 4 === 1 ? words[0] : ""}${n}`]);
      }
    }
  });
  const spread = await ta.db.all<{ w: number }>(`SELECT DISTINCT id >> ${WINDOW_BITS} AS w FROM task_events`);
  assert.ok(spread.length >= 12, `the notes' windows: ${spread.length}`);
  const tasks = await tasksWithScope(ta.db);
  const notes = await ta.db.all<{ id: number; text: string; task_id: number }>("SELECT id, text, task_id FROM task_events WHERE kind = 'progress' ORDER BY id DESC");
  const byId = new Map(tasks.map((r) => [r.id, r]));
  const actors: Record<string, Actor> = { admin: ADMIN };
  for (const k of ["leader", "leaderA", "owner"] as const) actors[k] = await actorOf(ta.db, ta.ids[k]);
  // the statements' window parameters, to know that window reads were made
  let windowReads = 0;
  const db = watched(ta.db, "all", (_sql, params) => {
    if (params?.some((p) => typeof p === "string" && p.startsWith("{w:"))) windowReads++;
  });
  let compared = 0;
  for (const analysed of [false, true]) {
    if (analysed) for (const table of ["tasks", "task_events"]) await ta.db.run(`ANALYZE ${table}`);
    for (const probeRows of [3, 20, 200])
      for (const [who, actor] of Object.entries(actors))
        for (const q of ["谈心谈话", "谈心谈话 台账", "台账", "违纪", "主题党日", "进展"]) {
          const terms = parseQuery(q).terms;
          const index = postgresSearchIndex(db, { probeRows });
          const expectedTasks = tasks.filter((r) => sees(actor, r) && terms.every((x) => r.title.includes(x) || r.measures.includes(x))).map((r) => r.id);
          const expectedNotes = notes.filter((r) => sees(actor, byId.get(r.task_id)!) && terms.every((x) => r.text.includes(x))).map((r) => r.id);
          for (const limit of [2, 15, 400]) {
            assert.deepEqual(await index.taskIds(parseQuery(q), limit, actor), expectedTasks.slice(0, limit), `tasks: ${who} ${q} probe ${probeRows} limit ${limit} analysed ${analysed}`);
            const rows = await index.newest("event", parseQuery(q), actor, limit);
            assert.deepEqual(rows.map((r) => r.id), expectedNotes.slice(0, limit), `notes: ${who} ${q} probe ${probeRows} limit ${limit} analysed ${analysed}`);
            compared += Math.min(limit, expectedTasks.length) + Math.min(limit, expectedNotes.length);
          }
        }
  }
  assert.ok(compared > 2000, `rows compared: ${compared}`);
  assert.ok(windowReads > 20, `window reads: ${windowReads}`);
});

test("the nightly merge finds each table's search index (its expression since migration 0017) and empties its pending list", { skip: !TEST_PG && "PostgreSQL 的索引维护（TEST_DATABASE_URL）" }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { postgresSearchIndex } = await import("../../../db/engines/search-postgres.ts");
  const { SEARCH_INDEXES } = await import("../../../server/features/search/search-index.ts");
  const cleaned: string[] = [];
  const db = watched(ta.db, "value", (sql, params) => {
    if (sql.includes("gin_clean_pending_list")) cleaned.push(String(params?.[0]));
  });
  const index = postgresSearchIndex(db);
  for (const name of SEARCH_INDEXES) await index.optimize(name);
  assert.deepEqual(cleaned.sort(), ["problems_search_keys_idx", "reports_search_keys_idx", "task_events_search_keys_idx", "tasks_search_keys_idx"]);
});
