// The search index's contract: what search (service.ts) and the task list's keyword filter
// (taskIdsMatching) ask of an engine's text index, and the one piece of SQL both engines'
// implementations share, the permission filter, so that it is written once. The indexes and
// their queries are each engine's own (docs/ARCHITECTURE.md, "where engine-specific SQL may live"):
// - db/engines/search-sqlite.ts: FTS5, a trigram table a kind (0002_search.sql) and a bigram one
//   beside it (0013_search_bigrams.sql, grams.ts);
// - db/engines/search-postgres.ts: a GIN index a table on search_keys (the rows' grams and scope
//   tokens, PostgreSQL migration 0012).
// searchIndexOf(db) (db/client.ts) picks the one of the store's engine.
//
// What every implementation answers, the same on both engines: a row matches when every term is
// a case-insensitive substring of one of its indexed texts (a task: its title or its measures);
// notes (task_events) are indexed only with text <> '' and a kind other than 'created' and
// 'imported'; "newest" is by id, descending; a leader's or staff member's walk meets only the
// rows in their scope (both engines keep who may see a row in the index: FTS5's scope column,
// PostgreSQL's search_keys), so it finds their older matches behind everyone else's newer ones.
import type { Actor } from "../auth/permissions.ts";
import { pathEnd } from "../../lib/path-range.ts";
import type { ParsedQuery } from "./query.ts";

export type HitKind = "task" | "problem" | "event" | "report";
/** the kinds in the order search lists them among equals */
export const HIT_KINDS: readonly HitKind[] = ["task", "problem", "event", "report"];

/**
 * At most this many of a kind's newest index matches are looked at per read on SQLite (FTS5's
 * newest matches, then the rule's check on each, then the read's own limit). An administrator's
 * matches are all theirs, and a leader's or staff member's read asks the index for their scope
 * alone (its scope tokens), so the read's limit (RANK_WINDOW at most) is met long before; the
 * bound keeps a read from walking every match were the two ever to disagree.
 */
export const SCAN_LIMIT = 2000;

/**
 * The search indexes by name, two a kind (the trigram-style one for terms of 3+ characters, the
 * bigram one for 1–2): the nightly maintenance merges each (SearchIndex.optimize). On SQLite they
 * are the FTS5 tables; on PostgreSQL "_bi" stands for the search_keys GIN index of its kind's
 * table, and the first has none since the pg_trgm indexes were dropped (migration 0016).
 */
export const SEARCH_INDEXES = ["search_tasks", "search_tasks_bi", "search_problems", "search_problems_bi", "search_events", "search_events_bi", "search_reports", "search_reports_bi"] as const;

/** A match as search's first step reads it: the text ranking needs, and the row it points to. */
export type IndexRow = {
  /** the task's, problem's, note's or report's id */
  id: number;
  /** the title that is ranked (tasks, reports), else '' */
  title: string;
  /** the body that is ranked (task measures, problem text, note text), else '' */
  body: string;
  /** a problem's report_id, a note's task_id, else null */
  ref: number | null;
};

export interface SearchIndex {
  /**
   * The newest `limit` rows (a positive safe integer) of `kind` matching every term of `query`
   * that `actor` may see (scopeSql), newest first. Each index walks the actor's scope (its
   * tokens), so the rows it meets are theirs: fewer than `limit` means fewer exist.
   */
  newest(kind: HitKind, query: ParsedQuery, actor: Actor, limit: number): Promise<IndexRow[]>;
  /**
   * A listed (unranked) search's page: the kinds' newest matches that `actor` may see, kind by
   * kind in the order given, each at most `limit`, read until `limit` are found in all: a kind
   * after the ones that fill the page is not read, or only in part (its rows come after the
   * page). The array follows `kinds` and may end early. kindAfterKind() is the plain way.
   */
  page(kinds: readonly HitKind[], query: ParsedQuery, actor: Actor, limit: number): Promise<IndexRow[][]>;
  /**
   * ids of the tasks whose title or measures hold every term, newest first, at most `limit` (a
   * safe integer ≥ 0). An index that walks scopes returns only those `actor` may see, so the limit
   * counts theirs; another may return anyone's: the caller applies the scope either way.
   */
  taskIds(query: ParsedQuery, limit: number, actor: Actor): Promise<number[]>;
  /** merges one of SEARCH_INDEXES (nightly maintenance, `npm run cli -- optimize`); results do not change */
  optimize(name: string): Promise<void>;
}

/** SearchIndex.page read kind after kind, each kind's newest() once the ones before leave room */
export async function kindAfterKind(index: Pick<SearchIndex, "newest">, kinds: readonly HitKind[], query: ParsedQuery, actor: Actor, limit: number): Promise<IndexRow[][]> {
  const out: IndexRow[][] = [];
  for (let i = 0, found = 0; i < kinds.length && found < limit; i++) {
    const rows = await index.newest(kinds[i], query, actor, limit);
    out.push(rows);
    found += rows.length;
  }
  return out;
}

/**
 * SQL (with its `?` parameters, in order) for "a row of this kind this actor may see", on the
 * aliases both engines' queries use: t (the task; for notes, the note's task) with tu (its unit),
 * ru (a problem's or report's unit). `joins`: it reads those scope joins; an administrator sees
 * everything, so their query leaves them out (they could only drop rows whose task, report or
 * unit is missing, and foreign keys rule that out).
 */
export function scopeSql(actor: Actor, kind: HitKind): { sql: string; params: unknown[]; joins: boolean } {
  if (actor.role === "admin") return { sql: "1 = 1", params: [], joins: false };
  // the subtree as a range of paths (a path starts with its ancestors'), not LIKE: SQLite plans a
  // LIKE with its pattern's value, so a statement with a bound pattern is planned anew on every run
  const range = [actor.unitPath, pathEnd(actor.unitPath)];
  if (kind === "problem" || kind === "report") return { sql: "(ru.path >= ? AND ru.path < ?)", params: range, joins: true };
  if (actor.role === "leader") return { sql: "((tu.path >= ? AND tu.path < ?) OR t.leader_id = ? OR t.owner_id = ?)", params: [...range, actor.id, actor.id], joins: true };
  return { sql: "(t.unit_id = ? OR t.owner_id = ?)", params: [actor.unitId, actor.id], joins: true };
}

/** `limit` checked before it is written into SQL as a literal */
export function checkLimit(limit: number, min = 0): number {
  if (!Number.isSafeInteger(limit) || limit < min) throw new RangeError(`search index limit: ${limit}`);
  return limit;
}
