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
function matchWhere(kind: HitKind, query: ParsedQuery): { sql: string; params: string[] } {
  const k = KINDS[kind];
  const conds: string[] = k.where ? [k.where] : [];
  const params: string[] = [];
  for (const term of query.terms) {
    const long = chars(term) >= 3;
    const one = (col: string) =>
      long ? `lower(x.${col}) LIKE lower(CAST(? AS TEXT)) ESCAPE '\\'` : `x.${col}_grams @> ARRAY[lower(CAST(? AS TEXT))]`;
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

/** how many of a table's newest rows the first probe walks (newest first, by primary key) */
export const PROBE_ROWS = 10_000;

/**
 * The ids of the newest `limit` rows of `kind` matching the query, newest first, in at most two
 * statements whose cost does not hang on the planner's guess of how common a term is: first the
 * table's newest PROBE_ROWS rows are walked (a common term fills the limit there, in
 * milliseconds); short of the limit, the GIN indexes give every match (`ORDER BY x.id + 0` keeps
 * the planner off a walk of the whole table newest first, which a rare term made last seconds).
 */
async function newestIds(db: Db, kind: HitKind, query: ParsedQuery, limit: number, probeRows = PROBE_ROWS): Promise<number[]> {
  const k = KINDS[kind];
  const m = matchWhere(kind, query);
  const cols = ["id", ...k.columns.flatMap((c) => [c, `${c}_grams`]), ...(kind === "event" ? ["kind"] : [])].map((c) => `"${c}"`).join(", ");
  const probe = await db.column<number>(`SELECT x.id FROM (SELECT ${cols} FROM ${k.table} ORDER BY id DESC LIMIT ${probeRows}) x WHERE ${m.sql} ORDER BY x.id DESC LIMIT ${limit}`, m.params);
  if (probe.length >= limit) return probe;
  if ((await db.value<number>(`SELECT count(*) FROM (SELECT 1 FROM ${k.table} LIMIT ${probeRows + 1}) c`))! <= probeRows) return probe; // the probe saw every row
  return db.column<number>(`SELECT x.id FROM ${k.table} x WHERE ${m.sql} ORDER BY x.id + 0 DESC LIMIT ${limit}`, m.params);
}

/** opts.probeRows: the first walk's length (tests make it short, to reach the second statement with a few rows) */
export function postgresSearchIndex(db: Db, opts: { probeRows?: number } = {}): SearchIndex {
  // a search asks for a kind's newest matches and then whether they reached SCAN_LIMIT: one walk for both
  const walks = new WeakMap<ParsedQuery, Map<HitKind, Promise<number[]>>>();
  const newestOf = (kind: HitKind, query: ParsedQuery) => {
    let byKind = walks.get(query);
    if (!byKind) walks.set(query, (byKind = new Map()));
    let ids = byKind.get(kind);
    if (!ids) byKind.set(kind, (ids = newestIds(db, kind, query, SCAN_LIMIT, opts.probeRows)));
    return ids;
  };
  return {
    async newest(kind, query, actor, limit) {
      checkLimit(limit, 1);
      const k = KINDS[kind];
      const scope = scopeSql(actor, kind);
      const ids = await newestOf(kind, query);
      if (!ids.length) return [];
      const sql = `SELECT ${k.cols} FROM (SELECT CAST(value AS bigint) AS id FROM jsonb_array_elements_text(CAST(? AS jsonb)) AS v(value)) s JOIN ${k.from}${scope.joins ? " " + k.scoped : ""} WHERE ${scope.sql} ORDER BY s.id DESC LIMIT ${limit}`;
      return db.all<IndexRow>(sql, [JSON.stringify(ids), ...scope.params]);
    },
    async reachesScanLimit(kind, query) {
      return (await newestOf(kind, query)).length >= SCAN_LIMIT;
    },
    async taskIds(query, limit) {
      checkLimit(limit);
      if (limit === 0) return [];
      return newestIds(db, "task", query, limit, opts.probeRows);
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
