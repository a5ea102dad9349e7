// node --import tsx bench/bigrams.ts [--db FILE] [--jieba DIR]
// The measurements behind the bigram index (README, 搜索): on a copy of a benchmark database,
// (1) each search index's size (dbstat), (2) a progress post's write cost with and without the
// bigram triggers (one transaction a note, as the app writes them), (3) the search before
// (test/features/search/old-search.ts: 1–2 character terms by instr() over every row) and now,
// in process, by term class; and, where @node-rs/jieba is found (--jieba DIR: a folder where
// `npm install @node-rs/jieba@2` was run; it is not a dependency of the app), (4) words by that
// segmenter against character bigrams: tokens a text, time a text, and the recall of each on the
// query set (which texts hold the term, as a scan finds them, vs. which the index would find).
// SQLite's (FTS5 tables, dbstat, the bigram triggers): on the SQLite benchmark database only.
import { parseArgs } from "node:util";
import { copyFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openDb, migrateDb } from "../db/client.ts";
import { search } from "../server/features/search/service.ts";
import { searchGrams } from "../server/features/search/grams.ts";
import { oldSearch } from "../test/features/search/old-search.ts";
import type { Actor } from "../server/features/auth/permissions.ts";
import { BENCH_ADMIN, BENCH_OWNER } from "./build.ts";
import { SEARCH_TERMS } from "./pages.ts";

const { values } = parseArgs({ args: process.argv.slice(2), options: { db: { type: "string", default: fileURLToPath(new URL("./data/bench-100000.db", import.meta.url)) }, jieba: { type: "string" } } });
if (!existsSync(values.db)) throw new Error(`数据库不存在：${values.db}`);
const file = values.db + ".bigrams-copy";
copyFileSync(values.db, file);
const db = await openDb(file);
await migrateDb(db);

// (1) sizes
const sizes = await db.all<{ name: string; bytes: number }>("SELECT name, sum(pgsize) AS bytes FROM dbstat WHERE name LIKE 'search_%' GROUP BY name");
const byIndex = new Map<string, number>();
for (const s of sizes) {
  const idx = s.name.replace(/_(data|idx|docsize|content|config)$/, "");
  byIndex.set(idx, (byIndex.get(idx) ?? 0) + s.bytes);
}
const total = (await db.value<number>("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"))!;
console.log("(1) 索引大小 MB（整个数据库 " + (total / 2 ** 20).toFixed(0) + " MB）");
for (const [k, v] of [...byIndex].sort()) console.log(`  ${k.padEnd(22)} ${(v / 2 ** 20).toFixed(1)}`);

// (2) write cost of a progress post: the app's two statements in one transaction, 500 times, with and without the bigram triggers
const tasks = await db.all<{ id: number; owner_id: number }>("SELECT id, owner_id FROM tasks WHERE state = 'doing' ORDER BY id LIMIT 500");
const post = async () => {
  const t0 = performance.now();
  for (const [i, t] of tasks.entries()) {
    await db.tx(async () => {
      await db.run("INSERT INTO task_events (task_id, actor_id, at, kind, from_state, to_state, text) VALUES (?, ?, ?, 'progress', 'doing', 'doing', ?)", [t.id, t.owner_id, new Date().toISOString(), `已组织党员集中学习有关规定，补齐台账第${i}项`]);
      await db.run("UPDATE tasks SET progress_count = progress_count + 1, version = version + 1 WHERE id = ?", [t.id]);
    });
  }
  return (performance.now() - t0) / tasks.length;
};
// alternated, best of three each: the machine's noise moves either
const triggers = await db.all<{ name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search_events_bi_%'");
const withBi: number[] = [];
const without: number[] = [];
for (let i = 0; i < 3; i++) {
  withBi.push(await post());
  await db.exec(triggers.map((t) => `DROP TRIGGER ${t.name}`).join(";\n"));
  without.push(await post());
  await db.exec(triggers.map((t) => t.sql).join(";\n"));
}
console.log(`(2) 每次填报进展（事务内写进展和任务）：有双字索引 ${Math.min(...withBi).toFixed(3)} ms，无 ${Math.min(...without).toFixed(3)} ms`);

// (3) the search before and now, by term class
const actorOf = async (email: string): Promise<Actor> => (await db.get<Actor>(`SELECT u.id, u.role, u.unit_id AS "unitId", n.path AS "unitPath" FROM users u JOIN units n ON n.id = u.unit_id WHERE u.email = ?`, [email]))!;
const at = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
console.log("(3) 搜索（进程内，每词 5 次取中位/最大，ms）：之前 → 现在");
for (const [who, email] of [["admin", BENCH_ADMIN], ["staff", BENCH_OWNER]]) {
  const actor = await actorOf(email);
  for (const [cls, terms] of Object.entries(SEARCH_TERMS)) {
    const time = async (fn: (q: string) => unknown) => {
      const ms: number[] = [];
      for (const q of terms) for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        await fn(q);
        ms.push(performance.now() - t0);
      }
      return ms;
    };
    const before = await time((q) => oldSearch(db, actor, q));
    const now = await time((q) => search(db, actor, q));
    console.log(`  ${who.padEnd(6)} ${cls.padEnd(7)} median ${at(before, 0.5).toFixed(1)} → ${at(now, 0.5).toFixed(1)}   max ${Math.max(...before).toFixed(1)} → ${Math.max(...now).toFixed(1)}`);
  }
}

// (4) jieba words vs bigrams
if (values.jieba) {
  const require = createRequire(join(values.jieba, "node_modules", "x.js"));
  const { Jieba } = require("@node-rs/jieba");
  const { dict } = require("@node-rs/jieba/dict");
  const jieba = Jieba.withDict(dict);
  const texts = [...(await db.column<string>("SELECT text FROM task_events WHERE kind = 'progress' ORDER BY id DESC LIMIT 5000")), ...(await db.column<string>("SELECT title || ' ' || measures FROM tasks ORDER BY id DESC LIMIT 5000"))];
  let t0 = performance.now();
  const words = texts.map((t) => new Set<string>(jieba.cutForSearch(t, true)));
  const jiebaMs = (performance.now() - t0) / texts.length;
  t0 = performance.now();
  texts.forEach((t) => searchGrams(t));
  const gramMs = (performance.now() - t0) / texts.length;
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`(4) 每段文字：jieba cutForSearch ${avg(words.map((w) => w.size)).toFixed(1)} 个词，${(jiebaMs * 1000).toFixed(0)} µs；双字 ${avg(texts.map((t) => [...t].length)).toFixed(1)} 个词元，${(gramMs * 1000).toFixed(0)} µs`);
  // words, single characters, and pairs across a word's edge (三会一课 → 会一; 建立工作台账 → 作台)
  const queries = ["台账", "党费", "谈心", "整改", "会议", "记录", "学习", "党员", "制度", "支部", "规定", "落实", "问题", "补齐", "账", "党", "会一", "作台", "费收", "组织生活会", "谈心谈话", "收缴台账", "会议记录", "主题党日", "专题"];
  let found = 0, jiebaFound = 0;
  const misses: string[] = [];
  for (const q of queries) {
    const hold = texts.filter((t) => t.includes(q)).length;
    const jb = words.filter((w, i) => texts[i].includes(q) && (w.has(q) || [...w].some((x) => x === q))).length;
    found += hold;
    jiebaFound += jb;
    if (jb < hold) misses.push(`${q} ${jb}/${hold}`);
  }
  console.log(`    查准查全（${queries.length} 个词，${texts.length} 段文字）：双字索引找到 ${found}/${found}（与逐条比对相同，见 bigram.test.ts）；jieba 词 ${jiebaFound}/${found}（${((jiebaFound / found) * 100).toFixed(1)}%）。漏检：${misses.join("，")}`);
}
await db.close();
for (const f of [file, file + "-wal", file + "-shm"]) if (existsSync(f)) (await import("node:fs")).rmSync(f);
