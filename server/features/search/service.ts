// 搜索: one query over task titles and measures, problem texts, progress notes and report
// titles (FTS5 tables, trigram tokenizer, kept in step by triggers: see
// db/migrations/0002_search.sql). Ranked here (score(): a title hit weighs more than a body
// hit), limited to what the actor may see, highlighted by query.ts.
//
// Two steps, so the costly part touches only what is shown: first each kind's newest matches
// that the actor may see, with only the text that ranking needs (one statement per kind,
// prepared once per database); then, for the `limit` best alone, what a hit shows besides its
// text (unit name, the report or task title, the note's time, the problem's task): one primary
// key lookup each. Both run in one read transaction, so they see the same data.
import type Database from "better-sqlite3";
import { perDb, tx, type Db } from "../../../db/client.ts";
import type { Actor } from "../auth/permissions.ts";
import { ftsMatch, highlight, parseQuery, type ParsedQuery } from "./query.ts";
import { gramsMatchAll } from "./grams.ts";
import { pathEnd } from "../../lib/path-range.ts";

export const SEARCH_LIMIT = 20;

export type HitKind = "task" | "problem" | "event" | "report";
export const HIT_KIND_LABEL: Record<HitKind, string> = { task: "整改任务", problem: "存在问题", event: "整改进展", report: "自查报告" };

export type Hit = {
  kind: HitKind;
  /** where the hit leads */
  href: string;
  /** the task's or report's title, highlighted (safe HTML) */
  titleHtml: string;
  /** the matching text, highlighted (safe HTML); empty when the title is the match */
  snippetHtml: string;
  unitName: string | null;
  at: string | null;
};

export type SearchResult = {
  query: ParsedQuery;
  hits: Hit[];
  more: boolean;
  mode: "empty" | "fts" | "like";
  /** some kind matched more than RANK_WINDOW rows: ranked among its newest */
  windowed: boolean;
  /** some kind's walk stopped at SCAN_LIMIT matches before filling its window: 结果较多，请缩小范围 */
  truncated: boolean;
};

/** A match as the first step reads it: the text ranking needs, and the row it points to. */
type Match = {
  kind: HitKind;
  /** the index row's rowid: the task's, problem's, note's or report's id */
  id: number;
  /** the title that is ranked (tasks, reports), else '' */
  title: string;
  /** the body that is ranked (task measures, problem text, note text), else '' */
  body: string;
  /** a problem's report_id, a note's task_id, else null */
  ref: number | null;
  score: number;
};

/**
 * Each kind has two FTS5 tables whose rowid is the source row's id: a trigram index
 * (0002_search.sql) for terms of three or more characters, and a bigram index beside it
 * (`table` + "_bi", 0013_search_bigrams.sql, grams.ts) that answers a query with any term of one
 * or two characters. `from` joins the source row to the index's newest matches (CROSS JOIN keeps
 * those outermost, so "newest first" walks them and stops at the limit); `scoped` adds what a
 * leader's or staff member's scope reads (the unit and, for notes, the task). `cols` reads, as
 * [id, title, body, ref], the text from the source row: the triggers keep the index in step in
 * the same transaction, and a primary-key lookup costs less than FTS5 reading its content table.
 * An administrator sees everything, so their query leaves the scope joins out: they could only
 * drop rows whose task, report or unit is missing, and foreign keys (on in openDb) rule that out.
 */
const KINDS: { kind: HitKind; table: string; from: string; scoped: string; cols: string }[] = [
  {
    kind: "task",
    table: "search_tasks",
    from: "tasks t ON t.id = s.id",
    scoped: "JOIN units tu ON tu.id = t.unit_id",
    cols: "s.id, t.title, t.measures, NULL",
  },
  {
    kind: "problem",
    table: "search_problems",
    from: "problems p ON p.id = s.id",
    scoped: "CROSS JOIN reports r ON r.id = p.report_id JOIN units ru ON ru.id = r.unit_id",
    cols: "s.id, '', p.text, p.report_id",
  },
  {
    kind: "event",
    table: "search_events",
    from: "task_events e ON e.id = s.id",
    scoped: "CROSS JOIN tasks t ON t.id = e.task_id JOIN units tu ON tu.id = t.unit_id",
    cols: "s.id, '', e.text, e.task_id",
  },
  {
    kind: "report",
    table: "search_reports",
    from: "reports r ON r.id = s.id",
    scoped: "JOIN units ru ON ru.id = r.unit_id",
    cols: "s.id, r.title, '', NULL",
  },
];

/**
 * At most this many of a kind's newest index matches are looked at per search. An administrator
 * stops at the ranking window long before; a leader's or staff member's scope may hold few of a
 * common word's matches, and walking all of them (a million tasks: seconds) would hold the
 * server for everyone. Past this, the page says 结果较多，请缩小范围 (SearchResult.truncated).
 */
export const SCAN_LIMIT = 2000;

/** SQL (and its parameters) for "a row of this kind this actor may see"; `joins`: it reads the scope joins */
function scopeSql(actor: Actor, kind: HitKind): { sql: string; params: Record<string, unknown>; joins: boolean } {
  if (actor.role === "admin") return { sql: "1", params: {}, joins: false };
  // the subtree as a range of paths (a path starts with its ancestors'), not LIKE: SQLite plans a
  // LIKE with its pattern's value, so a statement with a bound pattern is planned anew on every run
  const params = { me: actor.id, unit: actor.unitId, path: actor.unitPath, pathEnd: pathEnd(actor.unitPath) };
  if (kind === "problem" || kind === "report") return { sql: "(ru.path >= :path AND ru.path < :pathEnd)", params, joins: true };
  if (actor.role === "leader") return { sql: "((tu.path >= :path AND tu.path < :pathEnd) OR t.leader_id = :me OR t.owner_id = :me)", params, joins: true };
  return { sql: "(t.unit_id = :unit OR t.owner_id = :me)", params, joins: true };
}

/**
 * The first step's statements, one per shape (kind, role, which index, how many rows), prepared
 * on first use and kept for the database's life; and per index, the count of its newest matches
 * up to SCAN_LIMIT, asked only when a scoped search came back short (was the walk cut off?).
 */
const matchStatements = perDb(() => new Map<string, Database.Statement>());

function indexTable(k: (typeof KINDS)[number], grams: boolean): string {
  return grams ? `${k.table}_bi` : k.table;
}

function matchStatement(db: Db, k: (typeof KINDS)[number], scope: { sql: string; joins: boolean }, grams: boolean, limit: number): Database.Statement {
  const key = `${k.kind}|${scope.sql}|${grams}|${limit}`;
  const cache = matchStatements(db);
  let stmt = cache.get(key);
  if (!stmt) {
    const table = indexTable(k, grams);
    // literal LIMITs: a bound one is planned anew on every run
    const newest = `(SELECT rowid AS id FROM ${table} WHERE ${table} MATCH :match ORDER BY rowid DESC LIMIT ${SCAN_LIMIT}) s`;
    stmt = db.$client.prepare(`SELECT ${k.cols} FROM ${newest} CROSS JOIN ${k.from}${scope.joins ? " " + k.scoped : ""} WHERE ${scope.sql} ORDER BY s.id DESC LIMIT ${limit}`);
    cache.set(key, stmt);
  }
  return stmt;
}

function scanFullStatement(db: Db, k: (typeof KINDS)[number], grams: boolean): Database.Statement {
  const key = `${k.kind}|${grams}|count`;
  const cache = matchStatements(db);
  let stmt = cache.get(key);
  if (!stmt) {
    const table = indexTable(k, grams);
    stmt = db.$client.prepare(`SELECT count(*) FROM (SELECT rowid FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid DESC LIMIT ${SCAN_LIMIT})`).pluck();
    cache.set(key, stmt);
  }
  return stmt;
}

/** The second step: what a shown hit needs besides its text, by primary key. */
const detailStatements = perDb((db) => {
  const p = (sql: string) => db.$client.prepare(sql);
  return {
    task: p("SELECT tu.name AS unit FROM tasks t JOIN units tu ON tu.id = t.unit_id WHERE t.id = ?"),
    problem: p("SELECT r.title AS title, ru.name AS unit, (SELECT min(pt.id) FROM tasks pt WHERE pt.problem_id = ?) AS problem_task FROM reports r JOIN units ru ON ru.id = r.unit_id WHERE r.id = ?"),
    event: p("SELECT t.title AS title, tu.name AS unit, (SELECT e.at FROM task_events e WHERE e.id = ?) AS at FROM tasks t JOIN units tu ON tu.id = t.unit_id WHERE t.id = ?"),
    report: p("SELECT ru.name AS unit FROM reports r JOIN units ru ON ru.id = r.unit_id WHERE r.id = ?"),
    /** a read transaction around both steps */
    begin: p("BEGIN"),
    commit: p("COMMIT"),
  };
});

/**
 * How many of a kind's newest matches are ranked. Walking a kind's index newest first stops
 * after this many, whatever the phrase; a common phrase (谈心谈话 matches ~85,000 rows at
 * 100,000 tasks) is ranked among its newest, a rarer one over all its matches. SQLite's bm25()
 * would walk every match, so ranking is done here (score()).
 */
export const RANK_WINDOW = 200;

export function search(db: Db, actor: Actor, raw: unknown, limit = SEARCH_LIMIT): SearchResult {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`search limit: ${limit}`); // it is written into the SQL
  const query = parseQuery(raw);
  if (!query.terms.length) return { query, hits: [], more: false, mode: "empty", windowed: false, truncated: false };
  const c = db.$client;
  const d = detailStatements(db);
  const own = !c.inTransaction;
  if (own) d.begin.run();
  try {
    // ranked when there is a term of 3+ characters (as ever); any term of 1–2 characters puts
    // the whole query on the bigram index, which matches every term (grams.ts)
    const fts = query.long.length > 0;
    const grams = query.short.length > 0;
    const match = grams ? gramsMatchAll(query.terms) : ftsMatch(query.long);
    const window = fts ? RANK_WINDOW : limit + 1;
    const lowerTerms = query.terms.map((t) => t.toLowerCase());
    const matches: Match[] = [];
    let windowed = false;
    let truncated = false;
    for (const k of KINDS) {
      if (!fts && matches.length > limit) break;
      const scope = scopeSql(actor, k.kind);
      const params: Record<string, unknown> = { ...scope.params, match };
      // rows as arrays: better-sqlite3 builds an array faster than an object with named keys
      const found = matchStatement(db, k, scope, grams, window).raw(true).all(params) as [number, string, string, number | null][];
      if (fts && found.length >= RANK_WINDOW) windowed = true;
      // short of the window in a scope: was the walk cut off at SCAN_LIMIT? (an admin's never is: every match is theirs)
      if (found.length < window && scope.joins && scanFullStatement(db, k, grams).get(match) === SCAN_LIMIT) truncated = true;
      for (const [id, title, body, ref] of found) matches.push({ kind: k.kind, id, title, body, ref, score: fts ? scoreLowered(title, body, lowerTerms) : 0 });
    }
    // best first; among equals, tasks before problems, notes and reports, newest first (stable sort)
    if (fts) matches.sort((a, b) => b.score - a.score);
    const more = matches.length > limit;
    const hits = matches.slice(0, limit).map((m) => toHit(d, m, query.terms));
    return { query, hits, more, mode: fts ? "fts" : "like", windowed, truncated };
  } finally {
    if (own && c.inTransaction) d.commit.run();
  }
}

/**
 * The task list's keyword filter (q) on search's own index of task titles and measures: the
 * index and the MATCH expression for a query's terms (the bigram index when any term is one or
 * two characters), or null for no terms. Every term must occur in the title or the measures.
 */
export function taskIndexMatch(raw: unknown): { table: string; match: string } | null {
  const query = parseQuery(raw);
  if (!query.terms.length) return null;
  const grams = query.short.length > 0;
  return { table: indexTable(KINDS[0], grams), match: grams ? gramsMatchAll(query.terms) : ftsMatch(query.long) };
}

/** The search indexes, two FTS5 tables a kind (trigram, bigram). */
export const SEARCH_TABLES = KINDS.flatMap((k) => [k.table, indexTable(k, true)]);

/**
 * Merges a search index into a single b-tree (FTS5's 'optimize'), in its own transaction. FTS5
 * writes a new segment for every transaction that changes an index and merges them only
 * gradually, and a query pays for every segment of every trigram it looks up (a b-tree seek
 * each): at 100,000 tasks the indexes hold 7–18 segments, and a search on merged ones costs
 * about a third less. Results do not change. The server runs it for each index nightly
 * (MAINTENANCE_CRON, server/lib/maintenance.ts); `npm run cli -- optimize` at once, e.g. after
 * a bulk load. The longest, the tasks' index, takes about a second at 100,000 tasks.
 */
export function optimizeSearchTable(db: Db, table: string): void {
  if (!SEARCH_TABLES.includes(table)) throw new Error(`not a search index: ${table}`);
  tx(db, () => db.$client.prepare(`INSERT INTO ${table}(${table}) VALUES('optimize')`).run());
}

/** Characters (code points) as `[...text].length` counts them, without building the array. */
function charCount(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const h = text.charCodeAt(i);
    if (h >= 0xd800 && h <= 0xdbff) {
      const l = text.charCodeAt(i + 1);
      if (l >= 0xdc00 && l <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/**
 * Relevance in the manner of BM25 without the collection statistics: for each term, its
 * occurrences in the title (weighed 4×) and the body, saturating, divided by a length norm;
 * a text that holds the terms more often and more densely scores higher.
 */
export function score(title: string, body: string, terms: string[]): number {
  return scoreLowered(title, body, terms.map((t) => t.toLowerCase()));
}

/**
 * score() with the terms already lower-cased (once per search, not once per row). Each text is
 * lower-cased once and its characters counted only when a term occurs in it; the sum is taken
 * in the same order as ever (term by term, title then body), so the number is the same to the bit.
 */
function scoreLowered(title: string, body: string, lowerTerms: string[]): number {
  const k1 = 1.2;
  const b = 0.75;
  const avg = 40;
  const lt = title ? title.toLowerCase() : "";
  const lb = body ? body.toLowerCase() : "";
  let nt = -1;
  let nb = -1;
  let s = 0;
  for (const t of lowerTerms) {
    if (title) {
      const f = occurrences(lt, t);
      if (f) {
        if (nt < 0) nt = charCount(title);
        s += (4 * (f * (k1 + 1))) / (f + k1 * (1 - b + (b * nt) / avg));
      }
    }
    if (body) {
      const f = occurrences(lb, t);
      if (f) {
        if (nb < 0) nb = charCount(body);
        s += (1 * (f * (k1 + 1))) / (f + k1 * (1 - b + (b * nb) / avg));
      }
    }
  }
  return s;
}

/** non-overlapping occurrences of `t` in `text`, left to right */
function occurrences(text: string, t: string): number {
  let n = 0;
  for (let i = text.indexOf(t); i !== -1; i = text.indexOf(t, i + t.length)) n++;
  return n;
}

type Details = ReturnType<typeof detailStatements>;

function toHit(d: Details, m: Match, terms: string[]): Hit {
  switch (m.kind) {
    case "task": {
      const r = d.task.get(m.id) as { unit: string } | undefined;
      return { kind: "task", href: `/tasks/${m.id}`, titleHtml: highlight(m.title, terms, 120), snippetHtml: m.body && hasMatch(m.body, terms) ? highlight(m.body, terms) : "", unitName: r?.unit ?? null, at: null };
    }
    case "event": {
      const r = d.event.get(m.id, m.ref) as { title: string; unit: string; at: string } | undefined;
      return { kind: "event", href: `/tasks/${m.ref}#event-${m.id}`, titleHtml: highlight(r?.title ?? "", terms, 120), snippetHtml: highlight(m.body, terms), unitName: r?.unit ?? null, at: r?.at ?? null };
    }
    case "problem": {
      const r = d.problem.get(m.id, m.ref) as { title: string; unit: string; problem_task: number | null } | undefined;
      return { kind: "problem", href: r?.problem_task ? `/tasks/${r.problem_task}` : `/reports/${m.ref}`, titleHtml: highlight(r?.title ?? "", terms, 120), snippetHtml: highlight(m.body, terms), unitName: r?.unit ?? null, at: null };
    }
    case "report": {
      const r = d.report.get(m.id) as { unit: string } | undefined;
      return { kind: "report", href: `/reports/${m.id}`, titleHtml: highlight(m.title, terms, 120), snippetHtml: "", unitName: r?.unit ?? null, at: null };
    }
  }
}

function hasMatch(text: string, terms: string[]): boolean {
  const l = text.toLowerCase();
  return terms.some((t) => l.includes(t.toLowerCase()));
}
