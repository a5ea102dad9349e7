// 搜索: one query over task titles and measures, problem texts, progress notes and report
// titles (FTS5 tables, trigram tokenizer, kept in step by triggers: see
// db/migrations/0002_search.sql). Ranked by bm25 (a title hit weighs more than a body hit),
// limited to what the actor may see, highlighted by query.ts.
import type { Db } from "../../../db/client.ts";
import type { Actor } from "../auth/permissions.ts";
import { ftsMatch, highlight, parseQuery, type ParsedQuery } from "./query.ts";

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
const KINDS: { kind: HitKind; table: string; text: string[]; from: string; cols: string; weights: string }[] = [
  {
    kind: "task",
    table: "search_tasks",
    text: ["s.title", "s.body"],
    from: "search_tasks s CROSS JOIN tasks t ON t.id = s.rowid JOIN units tu ON tu.id = t.unit_id",
    cols: "s.title AS title, s.body AS body, t.id AS task_id, NULL AS report_id, tu.name AS unit, NULL AS at, NULL AS problem_task",
    weights: "4.0, 1.0",
  },
  {
    kind: "problem",
    table: "search_problems",
    text: ["s.body"],
    from: "search_problems s CROSS JOIN reports r ON r.id = s.report_id JOIN units ru ON ru.id = r.unit_id",
    cols: "r.title AS title, s.body AS body, NULL AS task_id, r.id AS report_id, ru.name AS unit, NULL AS at, (SELECT min(pt.id) FROM tasks pt WHERE pt.problem_id = s.rowid) AS problem_task",
    weights: "1.0",
  },
  {
    kind: "event",
    table: "search_events",
    text: ["s.body"],
    from: "search_events s CROSS JOIN tasks t ON t.id = s.task_id JOIN units tu ON tu.id = t.unit_id JOIN task_events e ON e.id = s.rowid",
    cols: "t.title AS title, s.body AS body, t.id AS task_id, NULL AS report_id, tu.name AS unit, e.at AS at, NULL AS problem_task",
    weights: "1.0",
  },
  {
    kind: "report",
    table: "search_reports",
    text: ["s.title"],
    from: "search_reports s CROSS JOIN reports r ON r.id = s.rowid JOIN units ru ON ru.id = r.unit_id",
    cols: "s.title AS title, '' AS body, NULL AS task_id, r.id AS report_id, ru.name AS unit, NULL AS at, NULL AS problem_task",
    weights: "1.0",
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
 * bm25 costs microseconds per matching row, and at 100,000 tasks a common phrase
 * (谈心谈话) matches over a hundred thousand rows; so each kind ranks at most its newest
 * RANK_WINDOW matches (found by walking that kind's index newest first, which stops there).
 */
export const RANK_WINDOW = 1000;

export function search(db: Db, actor: Actor, raw: unknown, limit = SEARCH_LIMIT): SearchResult {
  const query = parseQuery(raw);
  if (!query.terms.length) return { query, hits: [], more: false, mode: "empty", windowed: false };
  const c = db.$client;
  const rows: Row[] = [];
  let windowed = false;
  for (const k of KINDS) {
    const scope = scopeSql(actor, k.kind);
    const params: Record<string, unknown> = { ...scope.params, limit: limit + 1 };
    const where = [scope.sql];
    // 1–2 character terms: the trigram index cannot match them; instr() on the rows
    query.short.forEach((t, i) => {
      params[`s${i}`] = t;
      where.push(`(${k.text.map((col) => `instr(${col}, :s${i}) > 0`).join(" OR ")})`);
    });
    if (query.long.length) {
      params.match = ftsMatch(query.long);
      const floor = c.prepare(`SELECT rowid FROM ${k.table} WHERE ${k.table} MATCH :match ORDER BY rowid DESC LIMIT 1 OFFSET ${RANK_WINDOW - 1}`).pluck().get({ match: params.match }) as number | undefined;
      if (floor !== undefined) windowed = true;
      params.floor = floor ?? 0;
      const sql = `SELECT '${k.kind}' AS kind, s.rowid AS id, ${k.cols}, bm25(${k.table}, ${k.weights}) AS score FROM ${k.from}
        WHERE ${k.table} MATCH :match AND s.rowid >= :floor AND ${where.join(" AND ")} ORDER BY score LIMIT :limit`;
      rows.push(...(c.prepare(sql).all(params) as Row[]));
    } else {
      // only 1–2 character terms: newest first, tasks before problems, notes and reports
      if (rows.length > limit) break;
      const sql = `SELECT '${k.kind}' AS kind, s.rowid AS id, ${k.cols}, 0 AS score FROM ${k.from} WHERE ${where.join(" AND ")} ORDER BY s.rowid DESC LIMIT :limit`;
      rows.push(...(c.prepare(sql).all(params) as Row[]));
    }
  }
  if (query.long.length) rows.sort((a, b) => a.score - b.score);
  const more = rows.length > limit;
  return { query, hits: rows.slice(0, limit).map((r) => toHit(r, query.terms)), more, mode: query.long.length ? "fts" : "like", windowed };
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
