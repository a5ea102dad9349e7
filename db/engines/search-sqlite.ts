// Search's index on SQLite (server/features/search/search-index.ts): FTS5. Each kind has two
// FTS5 tables whose rowid is the source row's id: a trigram index (0002_search.sql) for terms of
// three or more characters, and a bigram index beside it (`table` + "_bi", 0013_search_bigrams.sql,
// grams.ts) that answers a query with any term of one or two characters (every term of it). The
// triggers keep both in step inside the transaction that writes the data.
//
// db/client.ts's searchIndexOf(db) picks the index of the store's engine.
//
// A leader's or staff member's search goes through db.scan: a scoped walk of a common word reads
// up to SCAN_LIMIT matches and their rows (it held the event loop 100–350 ms at a million tasks);
// on SQLite's reader thread it holds nobody else meanwhile. An administrator's stops at the
// ranking window and stays on the main connection (the rows' trip between threads costs more).
import type { Db } from "../store.ts";
import { ftsMatch, type ParsedQuery } from "../../server/features/search/query.ts";
import { gramsMatchAll } from "../../server/features/search/grams.ts";
import { checkLimit, scopeSql, SCAN_LIMIT, SEARCH_INDEXES, type HitKind, type IndexRow, type SearchIndex } from "../../server/features/search/search-index.ts";

/**
 * `from` joins the source row to the index's newest matches (CROSS JOIN keeps those outermost,
 * so "newest first" walks them and stops at the limit); `scoped` adds what a leader's or staff
 * member's scope reads (the unit and, for notes, the task). `cols` reads the text from the
 * source row: the triggers keep the index in step in the same transaction, and a primary-key
 * lookup costs less than FTS5 reading its content table.
 */
const KINDS: Record<HitKind, { table: string; from: string; scoped: string; cols: string }> = {
  task: {
    table: "search_tasks",
    from: "tasks t ON t.id = s.id",
    scoped: "JOIN units tu ON tu.id = t.unit_id",
    cols: "s.id AS id, t.title AS title, t.measures AS body, NULL AS ref",
  },
  problem: {
    table: "search_problems",
    from: "problems p ON p.id = s.id",
    scoped: "CROSS JOIN reports r ON r.id = p.report_id JOIN units ru ON ru.id = r.unit_id",
    cols: "s.id AS id, '' AS title, p.text AS body, p.report_id AS ref",
  },
  event: {
    table: "search_events",
    from: "task_events e ON e.id = s.id",
    scoped: "CROSS JOIN tasks t ON t.id = e.task_id JOIN units tu ON tu.id = t.unit_id",
    cols: "s.id AS id, '' AS title, e.text AS body, e.task_id AS ref",
  },
  report: {
    table: "search_reports",
    from: "reports r ON r.id = s.id",
    scoped: "JOIN units ru ON ru.id = r.unit_id",
    cols: "s.id AS id, r.title AS title, '' AS body, NULL AS ref",
  },
};

/** The FTS5 table a query reads and its MATCH expression: the bigram index when any term is 1–2 characters. */
function matchOf(table: string, query: ParsedQuery): { table: string; match: string } {
  const grams = query.short.length > 0;
  return { table: grams ? `${table}_bi` : table, match: grams ? gramsMatchAll(query.terms) : ftsMatch(query.long) };
}

/**
 * Statement texts by shape (kind, scope, index, limit), built once: the store keeps the prepared
 * statement of each text. LIMITs are literals: a bound one is planned anew on every run.
 */
const texts = new Map<string, string>();
function text(key: string, build: () => string): string {
  let t = texts.get(key);
  if (t === undefined) {
    if (texts.size > 1000) texts.clear();
    texts.set(key, (t = build()));
  }
  return t;
}

export function sqliteSearchIndex(db: Db): SearchIndex {
  return {
    async newest(kind, query, actor, limit) {
      checkLimit(limit, 1);
      const k = KINDS[kind];
      const scope = scopeSql(actor, kind);
      const { table, match } = matchOf(k.table, query);
      const sql = text(`${kind}|${scope.sql}|${table}|${limit}`, () => {
        const newest = `(SELECT rowid AS id FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid DESC LIMIT ${SCAN_LIMIT}) s`;
        return `SELECT ${k.cols} FROM ${newest} CROSS JOIN ${k.from}${scope.joins ? " " + k.scoped : ""} WHERE ${scope.sql} ORDER BY s.id DESC LIMIT ${limit}`;
      });
      // a scope's walk (to SCAN_LIMIT matches) off the event loop; an administrator's stops at the window
      return scope.joins ? db.scan<IndexRow>(sql, [match, ...scope.params]) : db.all<IndexRow>(sql, [match, ...scope.params]);
    },
    async reachesScanLimit(kind, query) {
      const { table, match } = matchOf(KINDS[kind].table, query);
      const sql = text(`${table}|count`, () => `SELECT count(*) AS n FROM (SELECT rowid FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid DESC LIMIT ${SCAN_LIMIT})`);
      return (await db.value<number>(sql, [match])) === SCAN_LIMIT;
    },
    async taskIds(query, limit) {
      checkLimit(limit);
      const { table, match } = matchOf(KINDS.task.table, query);
      return db.column<number>(text(`${table}|ids|${limit}`, () => `SELECT rowid FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid DESC LIMIT ${limit}`), [match]);
    },
    /**
     * FTS5's 'optimize': the table merged into a single b-tree, in a transaction of its own. FTS5
     * writes a new segment for every transaction that changes an index and merges them only
     * gradually, and a query pays for every segment of every trigram it looks up (a b-tree seek
     * each): at 100,000 tasks the indexes hold 7–18 segments, and a search on merged ones costs
     * about a third less. The longest, the tasks' index, takes about a second at 100,000 tasks.
     */
    async optimize(name) {
      if (!(SEARCH_INDEXES as readonly string[]).includes(name)) throw new Error(`not a search index: ${name}`);
      await db.run(`INSERT INTO ${name}(${name}) VALUES('optimize')`);
    },
  };
}
