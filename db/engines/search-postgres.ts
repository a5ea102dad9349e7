// Search's index on PostgreSQL (server/features/search/search-index.ts): no index tables of its
// own, but GIN indexes on the indexed columns themselves (tasks.title, tasks.measures,
// problems.text, task_events.text, reports.title), made by the PostgreSQL migrations:
// - `USING gin (lower(col) gin_trgm_ops)` (pg_trgm): a term of three or more characters is
//   `lower(col) LIKE lower('%term%')`, its % _ and \ escaped;
// - `USING gin (col_grams)`, col_grams a stored column rectify_grams(col) (migration 0004), t's
//   distinct lower-cased single characters and overlapping pairs: a term of one or two
//   characters is `col_grams @> ARRAY[lower(term)]` (a pair holds a two-character term exactly
//   where it is a substring; a one-character term is one of the characters). Stored, not an
//   expression index: a walk newest first compares arrays instead of computing them row by row.
// So every term is a case-insensitive substring test, as on SQLite (FTS5 trigram and bigram
// tables), and the queries keep SQLite's shape: each kind's newest SCAN_LIMIT matches, then the
// actor's scope (scopeSql, shared), newest first. Notes are indexed as on SQLite only with
// text <> '' and a kind other than 'created' and 'imported': here that is a condition of the query.
import type { Db } from "../store.ts";
import type { ParsedQuery } from "../../server/features/search/query.ts";
import { checkLimit, scopeSql, SCAN_LIMIT, SEARCH_INDEXES, type HitKind, type IndexRow, type SearchIndex } from "../../server/features/search/search-index.ts";

/**
 * Per kind: the source table (alias x in the inner query), its indexed columns, the rows it
 * indexes (`where`), and as on SQLite the join from the newest matches `s` to the source row,
 * the scope joins and the columns read (the aliases scopeSql uses).
 */
const KINDS: Record<HitKind, { table: string; columns: string[]; where: string; from: string; scoped: string; cols: string }> = {
  task: {
    table: "tasks",
    columns: ["title", "measures"],
    where: "",
    from: "tasks t ON t.id = s.id",
    scoped: "JOIN units tu ON tu.id = t.unit_id",
    cols: "s.id AS id, t.title AS title, t.measures AS body, NULL AS ref",
  },
  problem: {
    table: "problems",
    columns: ["text"],
    where: "",
    from: "problems p ON p.id = s.id",
    scoped: "JOIN reports r ON r.id = p.report_id JOIN units ru ON ru.id = r.unit_id",
    cols: "s.id AS id, '' AS title, p.text AS body, p.report_id AS ref",
  },
  event: {
    table: "task_events",
    columns: ["text"],
    where: "x.text <> '' AND x.kind NOT IN ('created', 'imported')",
    from: "task_events e ON e.id = s.id",
    scoped: "JOIN tasks t ON t.id = e.task_id JOIN units tu ON tu.id = t.unit_id",
    cols: "s.id AS id, '' AS title, e.text AS body, e.task_id AS ref",
  },
  report: {
    table: "reports",
    columns: ["title"],
    where: "",
    from: "reports r ON r.id = s.id",
    scoped: "JOIN units ru ON ru.id = r.unit_id",
    cols: "s.id AS id, r.title AS title, '' AS body, NULL AS ref",
  },
};

/** a LIKE pattern holding `term` anywhere, with LIKE's own characters escaped (ESCAPE '\') */
export function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const chars = (t: string) => [...t].length;

/**
 * The WHERE of a kind's inner query (on alias x) and its parameters: every term in one of the
 * kind's columns. The statement text depends only on the terms' lengths (3+ or not), so a few
 * texts serve every query.
 */
function matchWhere(kind: HitKind, query: ParsedQuery, walk = false): { sql: string; params: string[] } {
  const k = KINDS[kind];
  const conds: string[] = k.where ? [k.where] : [];
  const params: string[] = [];
  for (const term of query.terms) {
    const long = chars(term) >= 3;
    const one = (col: string) =>
      // walk: the same test in a form no index serves, so that a range of ids is read by its primary key
      long
        ? `lower(x.${col}${walk ? " || ''" : ""}) LIKE lower(CAST(? AS TEXT)) ESCAPE '\\'`
        : `${walk ? `array_cat(x.${col}_grams, CAST('{}' AS text[]))` : `x.${col}_grams`} @> ARRAY[lower(CAST(? AS TEXT))]`;
    conds.push(k.columns.length === 1 ? one(k.columns[0]) : `(${k.columns.map(one).join(" OR ")})`);
    for (let i = 0; i < k.columns.length; i++) params.push(long ? containsPattern(term) : term);
  }
  return { sql: conds.join(" AND "), params };
}

/** the name of a search index → its kind and GIN operator (the index definition holds it) */
function indexOf(name: string): { table: string; marker: string } {
  const kind = (["task", "problem", "event", "report"] as const).find((k) => name.startsWith(`search_${k}s`));
  if (!kind || !(SEARCH_INDEXES as readonly string[]).includes(name)) throw new Error(`not a search index: ${name}`);
  return { table: KINDS[kind].table, marker: name.endsWith("_bi") ? "%_grams)%" : "%gin_trgm_ops%" };
}

/** how many of a table's newest rows the first walk covers (by id, newest first) */
export const PROBE_ROWS = 10_000;
/** the longest walk by id; a term rarer than limit / MAX_WALK is taken from the GIN indexes */
const MAX_WALK = 200_000;

/**
 * The ids of the newest `limit` rows of `kind` matching the query, newest first, at a cost that
 * does not hang on the planner's guess of how common a term is (under a LIMIT it would walk the
 * whole table newest first for a rare term: seconds; or fetch and sort every match of a common
 * one). Walked here instead, by ranges of ids from the newest: the first range shows how dense
 * the matches are; a common term fills the limit within a range or two, sized from that density;
 * a rare one (fewer than limit in MAX_WALK rows) is read from the GIN indexes, which hold few of
 * its rows (`ORDER BY x.id + 0` keeps the planner off the walk by primary key).
 */
async function newestIds(db: Db, kind: HitKind, query: ParsedQuery, limit: number, top: number | null, probeRows = PROBE_ROWS): Promise<number[]> {
  const k = KINDS[kind];
  const m = matchWhere(kind, query);
  const w = matchWhere(kind, query, true);
  if (top == null) return [];
  const found: number[] = [];
  let hi = top;
  let span = probeRows;
  let walked = 0;
  while (found.length < limit && hi > 0) {
    const rows = await db.column<number>(`SELECT x.id FROM ${k.table} x WHERE x.id <= ? AND x.id > ? AND ${w.sql} ORDER BY x.id DESC LIMIT ${limit - found.length}`, [hi, hi - span, ...w.params]);
    found.push(...rows);
    walked += span;
    hi -= span;
    if (found.length >= limit || hi <= 0) break;
    const density = found.length / walked;
    if (density * MAX_WALK < limit) {
      // rare: the rest from the indexes
      found.push(...(await db.column<number>(`SELECT x.id FROM ${k.table} x WHERE x.id <= ? AND ${m.sql} ORDER BY x.id + 0 DESC LIMIT ${limit - found.length}`, [hi, ...m.params])));
      break;
    }
    span = Math.min(MAX_WALK, Math.ceil(((limit - found.length) / density) * 1.25));
  }
  return found;
}

const TOPS = `SELECT ${(Object.keys(KINDS) as HitKind[]).map((kind) => `(SELECT max(id) FROM ${KINDS[kind].table}) AS ${kind}`).join(", ")}`;

/** opts.probeRows: the first walk's length (tests make it short, to reach the second statement with a few rows) */
export function postgresSearchIndex(db: Db, opts: { probeRows?: number } = {}): SearchIndex {
  // where every kind's walk starts (its newest id), read for all four in one statement a search
  const tops = new WeakMap<ParsedQuery, Promise<Record<HitKind, number | null>>>();
  const topsOf = (query: ParsedQuery) => {
    let t = tops.get(query);
    if (!t) tops.set(query, (t = db.get<Record<HitKind, number | null>>(TOPS).then((r) => r!)));
    return t;
  };
  return {
    async newest(kind, query, actor, limit) {
      checkLimit(limit, 1);
      const k = KINDS[kind];
      const scope = scopeSql(actor, kind);
      // everything is an administrator's: their newest `limit` matches are the answer, without walking to SCAN_LIMIT
      const ids = await newestIds(db, kind, query, scope.joins ? SCAN_LIMIT : limit, (await topsOf(query))[kind], opts.probeRows);
      if (!ids.length) return { rows: [], cut: false };
      const sql = `SELECT ${k.cols} FROM (SELECT CAST(value AS bigint) AS id FROM jsonb_array_elements_text(CAST(? AS jsonb)) AS v(value)) s JOIN ${k.from}${scope.joins ? " " + k.scoped : ""} WHERE ${scope.sql} ORDER BY s.id DESC LIMIT ${limit}`;
      const rows = await db.all<IndexRow>(sql, [JSON.stringify(ids), ...scope.params]);
      // short of the limit in a scope: the walk stopped at SCAN_LIMIT matches, most of them others'
      return { rows, cut: scope.joins && rows.length < limit && ids.length >= SCAN_LIMIT };
    },
    async taskIds(query, limit) {
      checkLimit(limit);
      if (limit === 0) return [];
      return newestIds(db, "task", query, limit, (await db.value<number | null>("SELECT max(id) FROM tasks")) ?? null, opts.probeRows);
    },
    /**
     * GIN's counterpart of FTS5's merge: each of the name's GIN indexes has its pending list
     * (fastupdate's unsorted recent entries, which every search reads in full) moved into the
     * main index. Outside the writers' transaction: it takes only the index's own locks.
     */
    async optimize(name) {
      const { table, marker } = indexOf(name);
      const indexes = await db.column<string>(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = CAST(CAST(? AS TEXT) AS regclass) AND pg_get_indexdef(i.indexrelid) LIKE CAST(? AS TEXT)",
        [table, marker],
      );
      for (const index of indexes) await db.value("SELECT gin_clean_pending_list(CAST(CAST(? AS TEXT) AS regclass))", [index]);
    },
  };
}
