// The search as it was before the two-step rewrite (server/features/search/service.ts at commit
// 8d10647), kept verbatim as the oracle for equivalence.test.ts: the rewrite must return exactly
// what this returns (same hits, order, highlighting, flags) for every actor and query. SQLite only
// (FTS5 and instr()); since the async store (issue 16) it runs on the store's db.all, its named
// parameters passed as better-sqlite3 takes them (one object), and is awaited.
// 搜索: one query over task titles and measures, problem texts, progress notes and report
// titles (FTS5 tables, trigram tokenizer, kept in step by triggers: see
// db/migrations/0002_search.sql). Ranked by bm25 (a title hit weighs more than a body hit),
// limited to what the actor may see, highlighted by query.ts.
import type { Db } from "../../../db/client.ts";
import type { Actor } from "../../../server/features/auth/permissions.ts";
import { ftsMatch, highlight, parseQuery, type ParsedQuery } from "../../../server/features/search/query.ts";

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
};

type Row = {
  kind: HitKind;
  id: number;
  title: string;
  body: string;
  task_id: number | null;
  report_id: number | null;
  unit: string | null;
  at: string | null;
  problem_task: number | null;
  score: number;
};

/**
 * Each kind has its own FTS5 table (0002_search.sql). `from` joins what the scope needs (CROSS
 * JOIN keeps the index table outermost, so "newest first" walks it and stops at the limit);
 * `cols` gives every kind the same row shape.
 */
const KINDS: { kind: HitKind; table: string; text: string[]; from: string; cols: string }[] = [
  {
    kind: "task",
    table: "search_tasks",
    text: ["s.title", "s.body"],
    from: "search_tasks s CROSS JOIN tasks t ON t.id = s.rowid JOIN units tu ON tu.id = t.unit_id",
    cols: "s.title AS title, s.body AS body, t.id AS task_id, NULL AS report_id, tu.name AS unit, NULL AS at, NULL AS problem_task",
  },
  {
    kind: "problem",
    table: "search_problems",
    text: ["s.body"],
    from: "search_problems s CROSS JOIN reports r ON r.id = s.report_id JOIN units ru ON ru.id = r.unit_id",
    cols: "r.title AS title, s.body AS body, NULL AS task_id, r.id AS report_id, ru.name AS unit, NULL AS at, (SELECT min(pt.id) FROM tasks pt WHERE pt.problem_id = s.rowid) AS problem_task",
  },
  {
    kind: "event",
    table: "search_events",
    text: ["s.body"],
    from: "search_events s CROSS JOIN tasks t ON t.id = s.task_id JOIN units tu ON tu.id = t.unit_id JOIN task_events e ON e.id = s.rowid",
    cols: "t.title AS title, s.body AS body, t.id AS task_id, NULL AS report_id, tu.name AS unit, e.at AS at, NULL AS problem_task",
  },
  {
    kind: "report",
    table: "search_reports",
    text: ["s.title"],
    from: "search_reports s CROSS JOIN reports r ON r.id = s.rowid JOIN units ru ON ru.id = r.unit_id",
    cols: "s.title AS title, '' AS body, NULL AS task_id, r.id AS report_id, ru.name AS unit, NULL AS at, NULL AS problem_task",
  },
];

/** SQL (and its parameters) for "a row of this kind this actor may see" */
function scopeSql(actor: Actor, kind: HitKind): { sql: string; params: Record<string, unknown> } {
  if (actor.role === "admin") return { sql: "1", params: {} };
  const params = { me: actor.id, unit: actor.unitId, path: actor.unitPath + "%" };
  if (kind === "problem" || kind === "report") return { sql: "ru.path LIKE :path", params };
  if (actor.role === "leader") return { sql: "(tu.path LIKE :path OR t.leader_id = :me OR t.owner_id = :me)", params };
  return { sql: "(t.unit_id = :unit OR t.owner_id = :me)", params };
}

/**
 * How many of a kind's newest matches are ranked. Walking a kind's index newest first stops
 * after this many, whatever the phrase; a common phrase (谈心谈话 matches ~85,000 rows at
 * 100,000 tasks) is ranked among its newest, a rarer one over all its matches. SQLite's bm25()
 * would walk every match, so ranking is done here (score()).
 */
export const RANK_WINDOW = 200;

export async function oldSearch(db: Db, actor: Actor, raw: unknown, limit = SEARCH_LIMIT): Promise<SearchResult> {
  const query = parseQuery(raw);
  if (!query.terms.length) return { query, hits: [], more: false, mode: "empty", windowed: false };
  const rows: Row[] = [];
  let windowed = false;
  for (const k of KINDS) {
    if (!query.long.length && rows.length > limit) break;
    const scope = scopeSql(actor, k.kind);
    const params: Record<string, unknown> = { ...scope.params, limit: query.long.length ? RANK_WINDOW : limit + 1 };
    const where = [scope.sql];
    // 1–2 character terms: the trigram index cannot match them; instr() on the rows
    query.short.forEach((t, i) => {
      params[`s${i}`] = t;
      where.push(`(${k.text.map((col) => `instr(${col}, :s${i}) > 0`).join(" OR ")})`);
    });
    if (query.long.length) {
      params.match = ftsMatch(query.long);
      where.unshift(`${k.table} MATCH :match`);
    }
    const found = await db.all<Row>(`SELECT '${k.kind}' AS kind, s.rowid AS id, ${k.cols}, 0 AS score FROM ${k.from} WHERE ${where.join(" AND ")} ORDER BY s.rowid DESC LIMIT :limit`, [params]);
    if (query.long.length) {
      if (found.length >= RANK_WINDOW) windowed = true;
      for (const r of found) r.score = oldScore(k.kind === "task" || k.kind === "report" ? r.title : "", r.body, query.terms);
    }
    rows.push(...found);
  }
  // best first; among equals, tasks before problems, notes and reports, newest first (stable sort)
  if (query.long.length) rows.sort((a, b) => b.score - a.score);
  const more = rows.length > limit;
  return { query, hits: rows.slice(0, limit).map((r) => toHit(r, query.terms)), more, mode: query.long.length ? "fts" : "like", windowed };
}

/**
 * Relevance in the manner of BM25 without the collection statistics: for each term, its
 * occurrences in the title (weighed 4×) and the body, saturating, divided by a length norm;
 * a text that holds the terms more often and more densely scores higher.
 */
export function oldScore(title: string, body: string, terms: string[]): number {
  const k1 = 1.2;
  const b = 0.75;
  const avg = 40;
  const tf = (text: string, term: string) => {
    let n = 0;
    const l = text.toLowerCase();
    const t = term.toLowerCase();
    for (let i = l.indexOf(t); i !== -1; i = l.indexOf(t, i + t.length)) n++;
    return n;
  };
  let s = 0;
  for (const term of terms) {
    for (const [text, w] of [[title, 4], [body, 1]] as const) {
      if (!text) continue;
      const f = tf(text, term);
      if (f) s += (w * (f * (k1 + 1))) / (f + k1 * (1 - b + (b * [...text].length) / avg));
    }
  }
  return s;
}

function toHit(r: Row, terms: string[]): Hit {
  switch (r.kind) {
    case "task":
      return { kind: "task", href: `/tasks/${r.id}`, titleHtml: highlight(r.title, terms, 120), snippetHtml: r.body && hasMatch(r.body, terms) ? highlight(r.body, terms) : "", unitName: r.unit, at: null };
    case "event":
      return { kind: "event", href: `/tasks/${r.task_id}#event-${r.id}`, titleHtml: highlight(r.title ?? "", terms, 120), snippetHtml: highlight(r.body, terms), unitName: r.unit, at: r.at };
    case "problem":
      return { kind: "problem", href: r.problem_task ? `/tasks/${r.problem_task}` : `/reports/${r.report_id}`, titleHtml: highlight(r.title ?? "", terms, 120), snippetHtml: highlight(r.body, terms), unitName: r.unit, at: null };
    case "report":
      return { kind: "report", href: `/reports/${r.id}`, titleHtml: highlight(r.title, terms, 120), snippetHtml: "", unitName: r.unit, at: null };
  }
}

function hasMatch(text: string, terms: string[]): boolean {
  const l = text.toLowerCase();
  return terms.some((t) => l.includes(t.toLowerCase()));
}
