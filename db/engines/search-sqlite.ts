// Search's index on SQLite (server/features/search/search-index.ts): FTS5. Each kind has two
// FTS5 tables whose rowid is the source row's id: a trigram index (0002_search.sql) for terms of
// three or more characters, and a bigram index beside it (`table` + "_bi", 0013_search_bigrams.sql,
// grams.ts) that answers a query with any term of one or two characters (every term of it). The
// triggers keep both in step inside the transaction that writes the data.
//
// db/client.ts's searchIndexOf(db) picks the index of the store's engine.
//
// A leader's or staff member's search asks the bigram index for the matches in their scope
// alone: its `scope` column (0023_search_scope.sql) holds who may see each row as tokens
// (grams.ts, scopeTokens), and the query adds the actor's (scopeMatch). Before, a scoped walk read
// the newest matches of everyone and dropped the others': at a ninth of the tasks in scope, 200
// ranked hits were a walk of 1,800 matches a kind. The SQL scope (scopeSql) is still applied to
// the rows found, so the index can only narrow what the rule allows, never widen it. Such a query
// goes through db.scan (newest()).
import type { Db } from "../store.ts";
import { ftsMatch, type ParsedQuery } from "../../server/features/search/query.ts";
import { gramsMatchAll, scopeMatch } from "../../server/features/search/grams.ts";
import type { Actor } from "../../server/features/auth/permissions.ts";
import { checkLimit, kindAfterKind, scopeSql, SCAN_LIMIT, SEARCH_INDEXES, type HitKind, type IndexRow, type SearchIndex } from "../../server/features/search/search-index.ts";

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

/**
 * The FTS5 table a query reads and its MATCH expression: the bigram index when any term is 1–2
 * characters or the actor's scope narrows the walk (only the bigram index carries scopes; it
 * answers terms of any length exactly as the trigram index does), else the trigram index.
 */
function matchOf(table: string, query: ParsedQuery, kind: HitKind, actor: Actor): { table: string; match: string; scoped: boolean } {
  const scoped = actor.role !== "admin";
  if (!scoped && !query.short.length) return { table, match: ftsMatch(query.long), scoped };
  const terms = gramsMatchAll(query.terms);
  return { table: `${table}_bi`, match: scoped ? `(${terms}) AND ${scopeMatch(actor, kind)}` : terms, scoped };
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
      const { table, match, scoped } = matchOf(k.table, query, kind, actor);
      const sql = text(`${kind}|${scope.sql}|${table}|${limit}`, () => {
        const newest = `(SELECT rowid AS id FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid DESC LIMIT ${SCAN_LIMIT}) s`;
        return `SELECT ${k.cols} FROM ${newest} CROSS JOIN ${k.from}${scope.joins ? " " + k.scoped : ""} WHERE ${scope.sql} ORDER BY s.id DESC LIMIT ${limit}`;
      });
      // The bigram index's reads on the reader threads (db.scan): FTS5 answers "term AND scope"
      // by stepping both lists, which is quick unless a common term is rare in a large scope (a
      // word of one 党委's used only in another's: 30-45 ms a kind at a million tasks), and a
      // phrase of bigrams checks positions; neither may hold the event loop, and the four kinds
      // read side by side on two threads keep the second core at work: at a million tasks a
      // staff member's search went from 482 to 671 req/s and an administrator's of mixed terms
      // from 439 to 698. An administrator's phrases of three or more characters read the trigram
      // index's newest 200 a kind, on the main connection: on a thread the rows' trip costs a
      // third more CPU (2.6 → 3.4 ms a search at 100,000 tasks) for no gain.
      // An administrator's matches are all theirs, and a scoped walk meets only the actor's (the
      // scope in the MATCH), so fewer than `limit` means fewer exist.
      return scoped || table.endsWith("_bi") ? db.scan<IndexRow>(sql, [match, ...scope.params]) : db.all<IndexRow>(sql, [match, ...scope.params]);
    },
    page(kinds, query, actor, limit) {
      return kindAfterKind(this, kinds, query, actor, limit); // each read costs no round trip here
    },
    async taskIds(query, limit, actor) {
      checkLimit(limit);
      const { table, match, scoped } = matchOf(KINDS.task.table, query, "task", actor);
      const sql = text(`${table}|ids|${limit}`, () => `SELECT rowid AS id FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid DESC LIMIT ${limit}`);
      // a scope's, as newest()'s, on the reader thread
      return scoped ? (await db.scan<{ id: number }>(sql, [match])).map((r) => r.id) : db.column<number>(sql, [match]);
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
