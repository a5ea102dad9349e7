// 搜索: one query over task titles and measures, problem texts, progress notes and report
// titles (the search_index FTS5 table, trigram tokenizer, kept in step by triggers: see
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
};

type Row = {
  rowid: number;
  kind: HitKind;
  title: string;
  body: string;
  task_id: number | null;
  report_id: number | null;
  task_title: string | null;
  task_unit: string | null;
  report_title: string | null;
  report_unit: string | null;
  event_at: string | null;
  problem_task: number | null;
};

/** SQL (and its parameters) for "a row this actor may see" */
function scopeSql(actor: Actor): { sql: string; params: Record<string, unknown> } {
  if (actor.role === "admin") return { sql: "1", params: {} };
  const params = { me: actor.id, unit: actor.unitId, path: actor.unitPath + "%" };
  const task =
    actor.role === "leader"
      ? "(tu.path LIKE :path OR t.leader_id = :me OR t.owner_id = :me)"
      : "(t.unit_id = :unit OR t.owner_id = :me)";
  return { sql: `((search_index.task_id IS NOT NULL AND ${task}) OR (search_index.report_id IS NOT NULL AND ru.path LIKE :path))`, params };
}

const SELECT = `SELECT search_index.rowid AS rowid, search_index.kind AS kind, search_index.title AS title, search_index.body AS body,
  search_index.task_id AS task_id, search_index.report_id AS report_id,
  t.title AS task_title, tu.name AS task_unit, r.title AS report_title, ru.name AS report_unit,
  CASE search_index.kind WHEN 'event' THEN (SELECT e.at FROM task_events e WHERE e.id = search_index.rowid - ${2 * 2 ** 40}) END AS event_at,
  CASE search_index.kind WHEN 'problem' THEN (SELECT min(pt.id) FROM tasks pt WHERE pt.problem_id = search_index.rowid - ${2 ** 40}) END AS problem_task`;
const JOINS = `LEFT JOIN tasks t ON t.id = search_index.task_id
LEFT JOIN units tu ON tu.id = t.unit_id
LEFT JOIN reports r ON r.id = search_index.report_id
LEFT JOIN units ru ON ru.id = r.unit_id`;

/** each kind is one rowid range in search_index: rowid = kind * 2^40 + id (0002_search.sql) */
const SPAN = 2 ** 40;
const KINDS: HitKind[] = ["task", "problem", "event", "report"];
const BASE: Record<HitKind, number> = { task: 0, problem: SPAN, event: 2 * SPAN, report: 3 * SPAN };
export function search(db: Db, actor: Actor, raw: unknown, limit = SEARCH_LIMIT): SearchResult {
  const query = parseQuery(raw);
  if (!query.terms.length) return { query, hits: [], more: false, mode: "empty" };
  const scope = scopeSql(actor);
  const base: Record<string, unknown> = { ...scope.params, limit: limit + 1 };
  const where: string[] = [scope.sql, "search_index.rowid >= :lo", "search_index.rowid < :hi"];
  // 1–2 character terms: the trigram index cannot match them; instr() on the rows
  query.short.forEach((t, i) => {
    base[`s${i}`] = t;
    where.push(`(instr(search_index.title, :s${i}) > 0 OR instr(search_index.body, :s${i}) > 0)`);
  });
  const c = db.$client;
  let rows: (Row & { score: number })[] = [];
  if (query.long.length) {
    base.match = ftsMatch(query.long);
    const ranked = c.prepare(`${SELECT}, bm25(search_index, 4.0, 1.0) AS score FROM search_index ${JOINS} WHERE search_index MATCH :match AND ${where.join(" AND ")} ORDER BY score LIMIT :limit`);
    rows = ranked.all({ ...base, lo: 0, hi: 4 * SPAN }) as (Row & { score: number })[];
  } else {
    // only 1–2 character terms: newest first, tasks before problems, notes and reports
    const newest = c.prepare(`${SELECT}, 0 AS score FROM search_index ${JOINS} WHERE ${where.join(" AND ")} ORDER BY search_index.rowid DESC LIMIT :limit`);
    for (const k of KINDS) {
      if (rows.length > limit) break;
      rows.push(...(newest.all({ ...base, lo: BASE[k], hi: BASE[k] + SPAN }) as (Row & { score: number })[]));
    }
  }
  const more = rows.length > limit;
  return { query, hits: rows.slice(0, limit).map((r) => toHit(r, query.terms)), more, mode: query.long.length ? "fts" : "like" };
}

function toHit(r: Row, terms: string[]): Hit {
  const id = r.rowid - BASE[r.kind];
  switch (r.kind) {
    case "task":
      return { kind: "task", href: `/tasks/${id}`, titleHtml: highlight(r.title, terms, 120), snippetHtml: r.body && hasMatch(r.body, terms) ? highlight(r.body, terms) : "", unitName: r.task_unit, at: null };
    case "event":
      return { kind: "event", href: `/tasks/${r.task_id}#event-${id}`, titleHtml: highlight(r.task_title ?? "", terms, 120), snippetHtml: highlight(r.body, terms), unitName: r.task_unit, at: r.event_at };
    case "problem":
      return {
        kind: "problem",
        href: r.problem_task ? `/tasks/${r.problem_task}` : `/reports/${r.report_id}`,
        titleHtml: highlight(r.report_title ?? "", terms, 120),
        snippetHtml: highlight(r.body, terms),
        unitName: r.report_unit,
        at: null,
      };
    case "report":
      return { kind: "report", href: `/reports/${id}`, titleHtml: highlight(r.title, terms, 120), snippetHtml: "", unitName: r.report_unit, at: null };
  }
}

function hasMatch(text: string, terms: string[]): boolean {
  const l = text.toLowerCase();
  return terms.some((t) => l.includes(t.toLowerCase()));
}
