// 搜索: one query over task titles and measures, problem texts, progress notes and report
// titles, through the engine's search index (search-index.ts: FTS5 tables on SQLite, GIN indexes
// on PostgreSQL, kept in step with the data in the same transactions). Ranked here (score(): a
// title hit weighs more than a body hit), limited to what the actor may see, highlighted by query.ts.
//
// Two steps, so the costly part touches only what is shown: first each kind's newest matches
// that the actor may see, with only the text that ranking needs (one statement per kind, the
// index's); then, for the `limit` best alone, what a hit shows besides its text (unit name, the
// report or task title, the note's time, the problem's task): one primary key lookup each.
// The second step reads what is committed when it runs: a row deleted or edited in between (the
// app never deletes a task's history) shows without its unit or with the newer title.
import type { Db } from "../../../db/client.ts";
import { searchIndexOf } from "../../../db/client.ts";
import type { Actor } from "../auth/permissions.ts";
import { highlight, parseQuery, type ParsedQuery } from "./query.ts";
import { checkLimit, HIT_KINDS, SEARCH_INDEXES, type HitKind, type IndexRow } from "./search-index.ts";

export type { HitKind };

export const SEARCH_LIMIT = 20;

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

/** A match as the first step reads it (IndexRow), with its kind and score. */
type Match = IndexRow & { kind: HitKind; score: number };

/**
 * The second step: what the shown hits need besides their text, one statement a kind for all
 * of that kind's shown hits (by primary key; each query is a round trip on PostgreSQL).
 */
const DETAILS = (ids: string) => ({
  task: `SELECT t.id, tu.name AS unit FROM tasks t JOIN units tu ON tu.id = t.unit_id WHERE t.id IN (${ids})`,
  problem: `SELECT p.id, r.title, ru.name AS unit, (SELECT min(pt.id) FROM tasks pt WHERE pt.problem_id = p.id) AS "problemTask" FROM problems p JOIN reports r ON r.id = p.report_id JOIN units ru ON ru.id = r.unit_id WHERE p.id IN (${ids})`,
  event: `SELECT e.id, e.at, t.title, tu.name AS unit FROM task_events e JOIN tasks t ON t.id = e.task_id JOIN units tu ON tu.id = t.unit_id WHERE e.id IN (${ids})`,
  report: `SELECT r.id, ru.name AS unit FROM reports r JOIN units ru ON ru.id = r.unit_id WHERE r.id IN (${ids})`,
});
type Detail = { id: number; unit: string | null; title?: string; at?: string; problemTask?: number | null };

/**
 * How many of a kind's newest matches are ranked. Walking a kind's index newest first stops
 * after this many, whatever the phrase; a common phrase (谈心谈话 matches ~85,000 rows at
 * 100,000 tasks) is ranked among its newest, a rarer one over all its matches. SQLite's bm25()
 * would walk every match, so ranking is done here (score()).
 */
export const RANK_WINDOW = 200;

export async function search(db: Db, actor: Actor, raw: unknown, limit = SEARCH_LIMIT): Promise<SearchResult> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`search limit: ${limit}`); // it is written into the SQL
  const query = parseQuery(raw);
  if (!query.terms.length) return { query, hits: [], more: false, mode: "empty", windowed: false };
  const index = searchIndexOf(db);
  // ranked when there is a term of 3+ characters (as ever); a query of only 1–2 character terms
  // is listed newest first, unranked
  const fts = query.long.length > 0;
  const window = fts ? RANK_WINDOW : limit + 1;
  const lowerTerms = query.terms.map((t) => t.toLowerCase());
  const matches: Match[] = [];
  let windowed = false;
  const walk = async (kind: HitKind) => ({ kind, found: await index.newest(kind, query, actor, window) });
  // ranked: every kind is read, at once (on a database server the index shares their
  // statements); listed newest first: the index's page, kinds in order until it is full
  const walked = fts
    ? await Promise.all(HIT_KINDS.map(walk))
    : (await index.page(HIT_KINDS, query, actor, window)).map((found, i) => ({ kind: HIT_KINDS[i], found }));
  for (const { kind, found } of walked) {
    if (fts && found.length >= RANK_WINDOW) windowed = true;
    for (const r of found) matches.push({ kind, id: r.id, title: r.title, body: r.body, ref: r.ref, score: fts ? scoreLowered(r.title, r.body, lowerTerms) : 0 });
  }
  // best first; among equals, tasks before problems, notes and reports, newest first (stable sort)
  if (fts) matches.sort((a, b) => b.score - a.score);
  const more = matches.length > limit;
  const shown = matches.slice(0, limit);
  const details = await detailsOf(db, shown);
  const hits = shown.map((m) => toHit(m, details.get(`${m.kind}:${m.id}`), query.terms));
  return { query, hits, more, mode: fts ? "fts" : "like", windowed };
}

/**
 * The task list's keyword filter (q) on search's index of task titles and measures: the ids of
 * the tasks whose title or measures hold every term of q (case-insensitive), newest first, at
 * most `limit` (a safe integer ≥ 0: Number.MAX_SAFE_INTEGER for all); null when q has no terms.
 * The index walks scopes (on both engines), so these are tasks `actor` may see and a leader's
 * newest matches are theirs, not everyone's newest with theirs among them; the list applies the
 * scope anyway.
 */
export async function taskIdsMatching(db: Db, q: string, limit: number, actor: Actor): Promise<number[] | null> {
  const query = parseQuery(q);
  if (!query.terms.length) return null;
  return searchIndexOf(db).taskIds(query, checkLimit(limit), actor);
}

/** The search indexes by name, two a kind (search-index.ts, SEARCH_INDEXES): the maintenance's steps. */
export const SEARCH_TABLES: string[] = [...SEARCH_INDEXES];

/**
 * Merges a search index (SearchIndex.optimize: FTS5's 'optimize' on SQLite, the GIN indexes'
 * pending lists on PostgreSQL). A query pays for every piece an index is kept in; merged, a
 * search costs about a third less on SQLite. Results do not change. The server runs it for each
 * index nightly (MAINTENANCE_CRON, server/lib/maintenance.ts); `npm run cli -- optimize` at once,
 * e.g. after a bulk load.
 */
export async function optimizeSearchTable(db: Db, table: string): Promise<void> {
  if (!SEARCH_TABLES.includes(table)) throw new Error(`not a search index: ${table}`);
  await searchIndexOf(db).optimize(table);
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

/** The shown hits' details, by `kind:id`. */
async function detailsOf(db: Db, shown: Match[]): Promise<Map<string, Detail>> {
  const out = new Map<string, Detail>();
  const sql = DETAILS(db.dialect.jsonInts);
  const read = async (kind: HitKind) => {
    const ids = shown.filter((m) => m.kind === kind).map((m) => m.id);
    return ids.length ? (await db.all<Detail>(sql[kind], [JSON.stringify(ids)])).map((r) => [`${kind}:${r.id}`, r] as const) : [];
  };
  for (const rows of await Promise.all(HIT_KINDS.map(read))) for (const [key, r] of rows) out.set(key, r);
  return out;
}

function toHit(m: Match, r: Detail | undefined, terms: string[]): Hit {
  switch (m.kind) {
    case "task":
      return { kind: "task", href: `/tasks/${m.id}`, titleHtml: highlight(m.title, terms, 120), snippetHtml: m.body && hasMatch(m.body, terms) ? highlight(m.body, terms) : "", unitName: r?.unit ?? null, at: null };
    case "event":
      return { kind: "event", href: `/tasks/${m.ref}#event-${m.id}`, titleHtml: highlight(r?.title ?? "", terms, 120), snippetHtml: highlight(m.body, terms), unitName: r?.unit ?? null, at: r?.at ?? null };
    case "problem":
      return { kind: "problem", href: r?.problemTask ? `/tasks/${r.problemTask}` : `/reports/${m.ref}`, titleHtml: highlight(r?.title ?? "", terms, 120), snippetHtml: highlight(m.body, terms), unitName: r?.unit ?? null, at: null };
    case "report":
      return { kind: "report", href: `/reports/${m.id}`, titleHtml: highlight(m.title, terms, 120), snippetHtml: "", unitName: r?.unit ?? null, at: null };
  }
}

function hasMatch(text: string, terms: string[]): boolean {
  const l = text.toLowerCase();
  return terms.some((t) => l.includes(t.toLowerCase()));
}
