// Search's index on PostgreSQL (server/features/search/search-index.ts): no index tables of its
// own, but one GIN index on each searched table, `USING gin (search_keys)` (migration 0012):
// search_keys holds a row's texts' grams (rectify_grams: distinct lower-cased characters and
// overlapping pairs) and who may see the row, as scope tokens (s:<id> the unit and its
// ancestors, u:<id>, o:<id>, l:<id>; grams.ts, scopeKeys), kept by row triggers in the writing
// transaction. A term of one or two characters is `search_keys @> rectify_term_keys(term)` (a
// pair holds a two-character term exactly where it is a substring); a longer term's pairs are
// necessary, and LIKE rechecks it (its % _ and \ escaped). A leader's or staff member's query
// adds `search_keys && <their tokens>`. Every term and the tokens go into one GIN scan, led by its
// rarest key, which meets only the actor's rows, as FTS5's scope column does on SQLite. (The
// pg_trgm indexes of migration 0001 were dropped by 0016: a common term's were scanned whole.)
// So every term is a case-insensitive substring test, as on SQLite, and the queries keep
// SQLite's shape: each kind's newest matches in the actor's scope, newest first, the scope's SQL
// (scopeSql, shared) applied again to the rows found. Notes are indexed as on SQLite only with
// text <> '' and a kind other than 'created' and 'imported' (their search_keys is NULL otherwise).
import { keptFor, type Db } from "../store.ts";
import { VARIED } from "./postgres.ts";
import type { ParsedQuery } from "../../server/features/search/query.ts";
import { scopeKeys } from "../../server/features/search/grams.ts";
import type { Actor } from "../../server/features/auth/permissions.ts";
import { checkLimit, scopeSql, SEARCH_INDEXES, type HitKind, type IndexRow, type SearchIndex } from "../../server/features/search/search-index.ts";

/**
 * Per kind: the source table (alias x), its indexed columns, the rows it indexes (`where`), the
 * columns a match is read with (IndexRow: all the row's own, typed alike, as the kinds' reads
 * share a statement: UNION ALL) and the table's columns they and `check` read (`raw`), and the rows scopeSql's aliases
 * stand for, reached from x in a correlated subquery (`check`) that a leader's or staff member's
 * statement adds as its last condition: PostgreSQL evaluates the costlier conditions last, so it
 * runs for the rows that match and are in the index's scope only, and it changes no plan.
 */
const KINDS: Record<HitKind, { table: string; columns: string[]; where: string; cols: string; raw: string; check: string }> = {
  task: {
    table: "tasks",
    columns: ["title", "measures"],
    where: "",
    cols: "x.id AS id, x.title AS title, x.measures AS body, CAST(NULL AS integer) AS ref",
    raw: "x.id, x.title, x.measures",
    check: "FROM tasks t JOIN units tu ON tu.id = t.unit_id WHERE t.id = x.id",
  },
  problem: {
    table: "problems",
    columns: ["text"],
    where: "",
    cols: "x.id AS id, CAST('' AS text) AS title, x.text AS body, x.report_id AS ref",
    raw: "x.id, x.text, x.report_id",
    check: "FROM reports r JOIN units ru ON ru.id = r.unit_id WHERE r.id = x.report_id",
  },
  event: {
    table: "task_events",
    columns: ["text"],
    // search_keys IS NOT NULL: the index's own condition (it is partial), which the planner
    // cannot infer from a test of KEYS (array_cat is not strict)
    where: "x.text <> '' AND x.kind NOT IN ('created', 'imported') AND x.search_keys IS NOT NULL",
    cols: "x.id AS id, CAST('' AS text) AS title, x.text AS body, x.task_id AS ref",
    raw: "x.id, x.text, x.task_id",
    check: "FROM tasks t JOIN units tu ON tu.id = t.unit_id WHERE t.id = x.task_id",
  },
  report: {
    table: "reports",
    columns: ["title"],
    where: "",
    cols: "x.id AS id, x.title AS title, CAST('' AS text) AS body, CAST(NULL AS integer) AS ref",
    raw: "x.id, x.title, x.unit_id",
    check: "FROM units ru WHERE ru.id = x.unit_id",
  },
};

/** ids a window: 16,384 (the index expression's shift, migration 0017) */
export const WINDOW_BITS = 14;
/**
 * What the search indexes hold (PostgreSQL migration 0017): a row's search_keys and its id
 * window, 'w:' || (id >> WINDOW_BITS). An index read writes this expression exactly so, for the
 * planner to use the index; a walk tests search_keys itself.
 */
const KEYS = `(x.search_keys || ARRAY['w:' || CAST(x.id >> ${WINDOW_BITS} AS text)])`;

/** the window tokens of ids lo..hi (lo ≤ hi), newest first, as an array literal */
function windowKeys(lo: number, hi: number): string {
  const keys: string[] = [];
  for (let w = hi >> WINDOW_BITS; w >= lo >> WINDOW_BITS; w--) keys.push(`w:${w}`);
  return `{${keys.join(",")}}`;
}

/** a LIKE pattern holding `term` anywhere, with LIKE's own characters escaped (ESCAPE '\\') */
export function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const chars = (t: string) => [...t].length;

/**
 * Is the term unchanged by case (no letter with an upper and a lower form: Chinese, digits,
 * punctuation)? Then a text holds it case-insensitively exactly where it holds it as written
 * (lower() maps a letter to a letter with case, never to one of these), and a walk tests it by
 * LIKE on the text as stored: lower() costs ~1 µs a text, and the keys' array tests (@>, && on
 * a row's ~100 keys) ~3 µs a row, against ~0.3 µs for the plain LIKE.
 */
export function caseless(term: string): boolean {
  return term.toLowerCase() === term && term.toUpperCase() === term;
}

/**
 * The WHERE of a kind's inner query (on alias x) and its parameters: every term in one of the
 * kind's columns and, given `scope` (scopeKeys' array literal) and read by the index, the row
 * in it. The statement text depends only on the terms' lengths and case (grouped as below) and
 * on whether a scope is given, so a few texts serve every query.
 * - by the index (`walk` false): every term's keys and, given, the scope's tokens in
 *   search_keys (one GIN scan), a longer term rechecked by LIKE;
 * - `walk`: a test no index serves, so that a range of ids is read by its primary key, and the
 *   cheapest per row: a caseless term by LIKE on the stored text, a short cased one by the
 *   stored keys, a longer cased one by LIKE on lower(); no scope test, as the scope's own rule
 *   (Walk's check, evaluated last) is cheaper on the rows that match than the tokens' array
 *   test on every row walked.
 */
function matchWhere(kind: HitKind, query: ParsedQuery, scope: string | null, walk = false): { sql: string; params: string[] } {
  const k = KINDS[kind];
  const conds: string[] = k.where ? [k.where] : [];
  const params: string[] = [];
  // the keys of the terms the key test answers: every term in an index read (one GIN scan of
  // search_keys, led by its rarest key), in a walk the short cased ones
  const keyed = query.terms.filter((term) => (walk ? chars(term) < 3 && !caseless(term) : true));
  if (keyed.length) {
    const keys = walk ? "array_cat(x.search_keys, CAST('{}' AS text[]))" : KEYS;
    // in a subquery, so that it is computed once a statement: a prepared statement's generic
    // plan would otherwise call the function for every row it walks (7 ms → 60 ms a range)
    conds.push(`${keys} @> (SELECT ${keyed.map(() => "rectify_term_keys(CAST(? AS TEXT))").join(" || ")})`);
    params.push(...keyed);
  }
  // LIKE: a longer term's recheck after the index read (its pairs are necessary, not enough),
  // and a walk's caseless or longer terms; in a form no index could serve
  for (const term of query.terms) {
    const plain = caseless(term);
    if (chars(term) < 3 && !(walk && plain)) continue;
    const like = (col: string) => (plain ? `(x.${col} || '') LIKE CAST(? AS TEXT) ESCAPE '\\'` : `lower(x.${col} || '') LIKE lower(CAST(? AS TEXT)) ESCAPE '\\'`);
    conds.push(k.columns.length === 1 ? like(k.columns[0]) : `(${k.columns.map(like).join(" OR ")})`);
    for (let i = 0; i < k.columns.length; i++) params.push(containsPattern(term));
  }
  if (scope != null && !walk) {
    conds.push(`${KEYS} && CAST(? AS text[])`);
    params.push(scope);
  }
  return { sql: conds.join(" AND "), params };
}

/** the name of a search index → its kind and GIN operator (the index definition holds it); SQLite's trigram names have none since migration 0016 */
function indexOf(name: string): { table: string; marker: string } {
  const kind = (["task", "problem", "event", "report"] as const).find((k) => name.startsWith(`search_${k}s`));
  if (!kind || !(SEARCH_INDEXES as readonly string[]).includes(name)) throw new Error(`not a search index: ${name}`);
  return { table: KINDS[kind].table, marker: name.endsWith("_bi") ? "%USING gin (((search_keys ||%" : "%gin_trgm_ops%" };
}

/** how many of a table's newest rows the first walk covers (by id, newest first): enough to tell a common term (it fills the limit there) from a rare one */
export const PROBE_ROWS = 1_000;
/** the longest walk by id in one statement */
const MAX_WALK = 200_000;
/**
 * A match read from a GIN index (bitmap, heap, sort) against a row walked by primary key: at
 * 100,000 tasks 2.5 µs a match (49,386 of a common pair in 124 ms) and 0.76 µs a row (10,000 in
 * 7.6 ms). The walk goes on while its rest costs less than every match from the index, which
 * bounds a kind's read near sqrt(4 × rows × limit) walked rows whatever the term's frequency.
 */
const GIN_MATCH_COST = 4;
/**
 * An index read's scan of the GIN entries in its range, per id of the range and per share of
 * its leading (rarest) key, in walked rows: at 1,000,000 tasks a leader's 谈心谈话 台账 (the
 * scope's tokens lead, 11% of tasks) scanned the whole table's entries in 11 ms, 262,144 ids'
 * windows in 4.3 ms: ~0.015 µs an id, 0.019 walked rows, 0.17 per unit of the lead's share
 * (0.11); taken as 0.25.
 */
const GIN_RANGE_COST = 0.25;
/** a step's own cost, in walked rows: a round trip and the statement's plan (~0.8 ms) */
const STEP_COST = 1_000;
/**
 * A window read's own cost per id of its windows, in walked rows. The windows' clause comes
 * first in the read (GIN's scan moves to their ids at once, where a term's keys led it through
 * the whole table's), and the scan goes through their ids' entries: at 1,000,000 tasks 会议记录
 * 党费 (no match) in 4 windows 1.8 ms, in 31 windows 10 ms, in all 62 24.5 ms, against 4.3 ms
 * for every match without windows (~20 ns an id: 0.03 walked rows).
 */
const WINDOW_ID_COST = 0.03;
/** at most this many windows in one read (524,288 ids) */
const MAX_WINDOWS = 32;

/**
 * who a walk is for: an administrator (null), or the scope's index tokens, its SQL check and
 * whether the scope is small whatever the database's size (`small`: the index read first)
 */
type Scope = { keys: string; sql: string; params: unknown[]; small: boolean } | null;

function scopeOf(kind: HitKind, actor: Actor): Scope {
  const rule = scopeSql(actor, kind);
  if (!rule.joins) return null; // everything is an administrator's
  // the tokens narrow an index read to the actor's rows; the rule's SQL is checked on each row
  // found as well, so that the index can only narrow what the rule allows, never widen it.
  // A staff member's tasks and notes are their unit's own and their own (not a subtree): a few
  // hundred among a province's million, so any term is rare in them, and a walk from the newest
  // would meet their rows by chance only; the index's scoped read answers at once.
  const small = actor.role === "staff" && (kind === "task" || kind === "event");
  return { keys: scopeKeys(actor, kind), sql: `(SELECT ${rule.sql} ${KINDS[kind].check})`, params: rule.params, small };
}

/**
 * A table's search_keys statistics (pg_stats, made by ANALYZE: the nightly maintenance and
 * autovacuum): the share of rows holding each common key, and the share below which keys are
 * not listed (the least listed). Migration 0015 lists ~4,000 keys a table (statistics target
 * 1,000): at 5,000,000 notes a key not listed is in fewer than 0.03% of them.
 */
type KeyStats = { share: Map<string, number>; least: number; rows: number };
const statsKept = new WeakMap<Db, ReturnType<typeof keptFor<KeyStats | null>>>();

/** a table's statistics, read again after 10 minutes (ANALYZE runs nightly, and when autovacuum sees enough change) */
function keyStats(db: Db, table: string): Promise<KeyStats | null> {
  let kept = statsKept.get(db);
  if (!kept) statsKept.set(db, (kept = keptFor<KeyStats | null>(10 * 60_000)));
  return kept(table, () =>
    db
      .all<{ keys: string[] | null; shares: number[] | null; rows: number }>(
        "SELECT CAST(CAST(s.most_common_elems AS text) AS text[]) AS keys, s.most_common_elem_freqs AS shares, c.reltuples AS rows FROM pg_stats s JOIN pg_class c ON c.oid = to_regclass(CAST(? AS text)) WHERE s.schemaname = current_schema() AND s.tablename = CAST(? AS text) AND s.attname = 'search_keys'",
        [table, table],
      )
      .then(([row]): KeyStats | null => {
        if (!row?.keys?.length || !row.shares?.length) return null; // not analysed yet: the walk's density alone
        const share = new Map(row.keys.map((k, i) => [k, Number(row.shares![i])]));
        // after the keys' shares: the least and the most of them, and the share of NULL arrays
        return { share, least: Number(row.shares[row.keys.length]), rows: Math.max(0, Number(row.rows)) };
      })
      .catch(() => null),
  );
}

/** a term's keys as rectify_term_keys makes them: its lower-cased pairs, or itself for one character */
export function termKeys(term: string): string[] {
  const c = [...term.toLowerCase()];
  if (c.length < 2) return [c.join("")];
  return [...new Set(c.slice(1).map((x, i) => c[i] + x))];
}

/**
 * At most what share of the table's rows hold every term and, given, one of the scope's
 * tokens: a term's share is its rarest key's (a key not listed: half the least listed), terms and
 * scope taken as independent of each other (a term's own pairs are not: the rarest stands).
 * `lead`: the share of the rarest of those keys (the scope's tokens counted together), which
 * leads the GIN scan: an index read's scan of its range costs in proportion to it.
 */
export function matchShare(stats: KeyStats, query: ParsedQuery, scope: string | null): { terms: number; scope: number; lead: number } {
  // a key not listed: half the least listed share, as PostgreSQL's own estimate of array
  // containment takes it (array_selfuncs.c); such a key is often far rarer still
  const of = (key: string) => stats.share.get(key) ?? stats.least / 2;
  let terms = 1;
  let lead = 1;
  for (const term of query.terms) {
    const rarest = Math.min(...termKeys(term).map(of));
    terms *= rarest;
    lead = Math.min(lead, rarest);
  }
  const inScope = scope ? Math.min(1, scope.slice(1, -1).split(",").reduce((a, token) => a + of(token), 0)) : 1;
  return { terms, scope: inScope, lead: Math.min(lead, inScope) };
}

/** a small scope (Scope.small) read from the index first while the statistics give it at most this many rows */
const SMALL_SCOPE_ROWS = 5_000;

/** one statement's part for a walk: SQL with `?` parameters, read as (k, cols…) rows */
type Part = { sql: string; params: unknown[] };

/**
 * The newest `limit` rows of `kind` matching the query (in the scope, where given), newest first,
 * read with `cols`, at a cost that does not hang on the planner's guess of how common a term is
 * (under a LIMIT it would walk the whole table newest first for a rare term: seconds; or fetch
 * and sort every match of a common one). Read here instead, by ranges of ids from the newest,
 * each step one of three (`mode`):
 * - `walk`: a range of ids by primary key, every row tested (the first step, the probe, shows
 *   how dense the matches are; a common term fills the limit within a range or two);
 * - `window`: the GIN index's matches in the newest windows of ids below (migration 0017: a
 *   row's window is in the index), as many windows as should hold the rest at the density
 *   found: a term common in a leader's tenth of a province is read a few hundred matches at a
 *   time, not walked row by row nor read whole;
 * - `index`: every match below, from the GIN index (a rare term).
 * After each step the cheapest way to the rest is taken (GIN_MATCH_COST, GIN_RANGE_COST; the
 * statistics' share of rows that may match, matchShare); `ORDER BY x.id + 0` keeps the planner
 * off the walk by primary key. A scope counts in the density (a walk tests the scope's rule on
 * the rows that match); a small scope (a staff member's tasks and notes) starts on the index:
 * one GIN scan of the term's pairs and the scope's tokens. Each step reads the rows' texts too
 * (every column a match is ranked by is the row's own).
 *
 * A walk is a series of steps, each a part of a statement (`next`, then `took` with its rows),
 * so that several kinds' walks share their statements (runWalks): a search's four kinds cost one
 * round trip a step, not four. The first step also reads the table's newest id (where the walk
 * starts), in a row of its own.
 */
class Walk<T extends { id: number }> {
  readonly found: T[] = [];
  done = false;
  private hi: number | null = null; // the newest id not yet read (null: before the first step)
  /** the ids the next walk or window step covers */
  private span: number;
  /** ids covered so far */
  private walked = 0;
  private mode: "walk" | "window" | "index" = "walk";
  /** the window step's oldest id (next) */
  private lo = 0;
  private readonly m: { sql: string; params: string[] };
  private readonly w: { sql: string; params: string[] };
  /** the share of the table's rows that may match, from the planner's statistics (prepare); 0: not known */
  private share = 0;
  /** the share of rows holding the index read's leading key (matchShare's lead); 1: not known */
  private lead = 1;

  constructor(
    readonly kind: HitKind,
    private readonly query: ParsedQuery,
    private readonly scope: Scope,
    private readonly cols: string,
    private readonly nulls: string,
    readonly limit: number,
    probeRows: number,
  ) {
    this.m = matchWhere(kind, query, scope?.keys ?? null);
    this.w = matchWhere(kind, query, scope?.keys ?? null, true);
    this.span = probeRows;
    if (scope?.small) this.mode = "index";
  }

  /**
   * Reads the statistics of the table's keys (kept a while per store): at most how many rows
   * may hold every term (and the scope's tokens), so that a term that is rare among the newest
   * rows but common in older ones is not read from the index whole (谈心谈话 台账 at 5,000,000
   * notes: 104,000 matches, a lossy bitmap, 3.3 s), and what leads an index read's scan.
   */
  async prepare(db: Db): Promise<void> {
    const stats = await keyStats(db, KINDS[this.kind].table);
    if (!stats) return;
    const share = matchShare(stats, this.query, this.scope?.keys ?? null);
    this.share = share.terms * share.scope;
    this.lead = share.lead;
    // the index first, without the probe, where at the statistics' share it is the cheapest
    // way (a term in a few hundred rows, or a scope in which a term is rare: the probe would
    // find next to nothing, and the index be read after it anyway); a small scope's first read
    // stays, unless its tokens are common (the benchmark's one staff member who holds 3% of
    // all tasks)
    if (this.share > 0 && this.costs(this.limit, this.share, Math.max(1, stats.rows)).best === "index") this.mode = "index";
    else if (this.mode === "index" && share.scope * stats.rows > SMALL_SCOPE_ROWS) this.mode = "walk";
  }

  /** this step's part: its rows tagged k, and on the first step the table's newest id tagged top */
  next(k: number, top: number): Part {
    const t = KINDS[this.kind].table;
    const rest = this.limit - this.found.length;
    const head = `SELECT ${k} AS k, ${this.cols} FROM ${t} x WHERE`;
    const check = this.scope ? ` AND ${this.scope.sql}` : "";
    const checkParams = this.scope?.params ?? [];
    // the index's read of the matches (below hi, where known; in the windows given): a scoped
    // read's tokens in the index are the rule's own, so the rule's SQL is checked on the rows it
    // returns, not on every match it sorts (a correlated join each, half a read's time at a
    // million tasks)
    const gin = (bound: string, bp: unknown[]): Part =>
      this.scope === null
        ? { sql: `(${head} ${bound}${this.m.sql} ORDER BY x.id + 0 DESC LIMIT CAST(? AS bigint))`, params: [...bp, ...this.m.params, rest] }
        : {
            sql: `(SELECT ${k} AS k, ${this.cols} FROM (SELECT ${KINDS[this.kind].raw} FROM ${t} x WHERE ${bound}${this.m.sql} ORDER BY x.id + 0 DESC LIMIT CAST(? AS bigint)) x WHERE ${this.scope.sql})`,
            params: [...bp, ...this.m.params, rest, ...checkParams],
          };
    // the index read first (a small scope, or a term the statistics call rare): no bound, no newest id
    if (this.mode === "index" && this.hi === null) return gin("", []);
    // the first range below the newest id, and that id; both bounds written out, so that the
    // planner, not knowing the subquery's value, still reads a range of the primary key
    if (this.hi === null)
      return {
        sql: `(SELECT ${top} AS k, max(id) AS id${this.nulls} FROM ${t}) UNION ALL (${head} x.id <= (SELECT max(id) FROM ${t}) AND x.id > (SELECT max(id) FROM ${t}) - CAST(? AS integer) AND ${this.w.sql}${check} ORDER BY x.id DESC LIMIT CAST(? AS bigint))`,
        params: [this.span, ...this.w.params, ...checkParams, rest],
      };
    // the bound in a form no index serves: as an index condition the planner ANDs a bitmap of
    // every id below it (the primary key read half through: 19 ms at 500,000 notes) to a few
    // thousand matches
    if (this.mode === "index") return gin("x.id + 0 <= CAST(? AS integer) AND ", [this.hi]);
    // the windows from hi's down to lo's, in the same GIN scan as the terms (the top one's ids
    // above hi, read before, cut by the bound)
    if (this.mode === "window") return gin(`${KEYS} && CAST(? AS text[]) AND x.id + 0 <= CAST(? AS integer) AND `, [windowKeys(this.lo, this.hi), this.hi]);
    return {
      sql: `(${head} x.id <= CAST(? AS integer) AND x.id > CAST(? AS integer) AND ${this.w.sql}${check} ORDER BY x.id DESC LIMIT CAST(? AS bigint))`,
      params: [this.hi, this.hi - this.span, ...this.w.params, ...checkParams, rest],
    };
  }

  /** the step's rows (newest first) and, after the first, the table's newest id; decides the next step */
  took(rows: T[], top: number | null) {
    if (this.hi === null) this.hi = top ?? 0;
    this.found.push(...rows);
    if (this.mode === "index") return void (this.done = true);
    // the ids the step covered: a window's down to its first id
    const to = this.mode === "window" ? this.lo : this.hi - this.span + 1;
    this.walked += this.hi - to + 1;
    this.hi = to - 1;
    const remaining = this.limit - this.found.length;
    if (remaining <= 0 || this.hi <= 0) return void (this.done = true);
    // which finishes cheaper, in walked rows: walking on (the rest of the limit at the density
    // found; none found yet: one in the rows read or, where less, the statistics' share),
    // windows of the index (per id, the scan of their entries led by the rarest key and their
    // matches), or the index's every match below hi. A read from the index is reckoned at the
    // density of matches found or, where more, the statistics' share: the older rows need not be
    // like the newer ones (a word of last year's campaign), and such a read costs what it finds whatever came
    // before; so a window is sized to hold about twice the rest at the greater of the two, or
    // as many ids as read so far (the reading at least doubles). The walk on is reckoned at the
    // density found alone: its step stops at the rows it needs (LIMIT), so a long step costs
    // little where the matches are near, while a short one after a probe of a busy morning's
    // notes (none of the term) had led to a read of 146,000 matches (谈心谈话 台账 at 5,000,000
    // notes: 0.9 s instead of 25 ms).
    const density = this.found.length ? this.found.length / this.walked : Math.min(1 / this.walked, this.share || 1);
    const c = this.costs(remaining, density, this.hi);
    this.mode = c.best;
    if (c.best === "walk") this.span = Math.min(MAX_WALK, c.need);
    if (c.best === "window") this.lo = c.lo;
  }

  /**
   * The cheapest way to `remaining` more matches below `hi` at `density` (took(), above):
   * `need` ids to walk or read by windows; `lo`, the next window read's first id: its windows
   * from hi's down to the one that holds hi - ids + 1, at most MAX_WINDOWS. A window read
   * fetches every match in its windows (whole windows: at least what it was sized for).
   */
  private costs(remaining: number, density: number, hi: number): { best: "walk" | "window" | "index"; need: number; lo: number } {
    const dense = Math.max(density, this.share);
    const need = Math.min(hi, Math.ceil((remaining / density) * 1.25));
    const perId = this.lead * GIN_RANGE_COST + dense * GIN_MATCH_COST;
    const ids = Math.min(need, Math.max(Math.ceil((2 * remaining) / dense), this.walked));
    const first = Math.max(hi - ids + 1, 1) >> WINDOW_BITS;
    const lo = Math.max(1, Math.max(first, (hi >> WINDOW_BITS) - MAX_WINDOWS + 1) << WINDOW_BITS);
    const covered = hi - lo + 1;
    const all = hi * perId + STEP_COST;
    const walkOn = need + STEP_COST * Math.ceil(need / MAX_WALK);
    const windows = Math.max(need, covered) * (perId + WINDOW_ID_COST) + STEP_COST * Math.ceil(need / covered);
    // windows over half of what is left: every match below, in one step
    const best = all <= Math.min(walkOn, windows) || (covered * 2 > hi && windows < walkOn) ? "index" : walkOn <= windows ? "walk" : "window";
    return { best, need, lo };
  }
}

/**
 * Runs the walks to their ends, one statement a step for all of them (UNION ALL of their parts).
 * `page`: the walks are a listed page's kinds in order; the first step is the first kind's alone
 * (a common word fills the page there), and a walk is ended once the ones before it have found
 * `page` rows between them (whatever else they find comes before its rows).
 */
async function runWalks<T extends { id: number }>(db: Db, walks: Walk<T>[], page?: number): Promise<void> {
  await Promise.all(walks.map((w) => w.prepare(db)));
  for (let step = 0; ; step++) {
    if (page !== undefined)
      for (let i = 0, found = 0; i < walks.length; found += walks[i].found.length, i++) if (found >= page) walks[i].done = true;
    const live = walks.filter((w, i) => !w.done && (page === undefined || step > 0 || i === 0));
    if (!live.length) return;
    const parts = live.map((w, i) => w.next(i, -1 - i));
    // VARIED: the text varies with the walks' steps, so its name comes from a pool of its own
    const rows = await db.all<T & { k: number }>(VARIED + parts.map((p) => p.sql).join(" UNION ALL "), parts.flatMap((p) => p.params));
    const mine: T[][] = live.map(() => []);
    const tops: (number | null)[] = live.map(() => null);
    for (const { k, ...row } of rows) {
      if (k < 0) tops[-1 - k] = row.id == null ? null : Number(row.id);
      else mine[k].push(row as unknown as T);
    }
    live.forEach((w, i) => w.took(mine[i].sort((a, b) => b.id - a.id), tops[i]));
  }
}

/** IndexRow's columns but id, empty, for the row of a table's newest id */
const NULLS = ", CAST(NULL AS text) AS title, CAST(NULL AS text) AS body, CAST(NULL AS integer) AS ref";

/** opts.probeRows: the first walk's length (tests make it short, to reach the later steps with a few rows) */
export function postgresSearchIndex(db: Db, opts: { probeRows?: number } = {}): SearchIndex {
  const probeRows = opts.probeRows ?? PROBE_ROWS;
  // newest() calls made together (a search's kinds, asked in one go) share their statements:
  // gathered until the current synchronous work is done, then walked as one batch
  let batch: { walk: Walk<IndexRow>; resolve: (rows: IndexRow[]) => void; reject: (e: unknown) => void }[] | null = null;
  const flush = () => {
    const these = batch!;
    batch = null;
    runWalks(
      db,
      these.map((b) => b.walk),
    ).then(
      () => these.forEach((b) => b.resolve(b.walk.found)),
      (e) => these.forEach((b) => b.reject(e)),
    );
  };
  return {
    newest(kind, query, actor, limit) {
      checkLimit(limit, 1);
      // a leader's or staff member's matches are walked in their scope (the index's tokens), so
      // the newest `limit` found are the answer for them as for an administrator: never cut
      const walk = new Walk<IndexRow>(kind, query, scopeOf(kind, actor), KINDS[kind].cols, NULLS, limit, probeRows);
      return new Promise((resolve, reject) => {
        if (!batch) {
          batch = [];
          queueMicrotask(flush);
        }
        batch.push({ walk, resolve, reject });
      });
    },
    async page(kinds, query, actor, limit) {
      checkLimit(limit, 1);
      const walks = kinds.map((kind) => new Walk<IndexRow>(kind, query, scopeOf(kind, actor), KINDS[kind].cols, NULLS, limit, probeRows));
      await runWalks(db, walks, limit);
      return walks.map((w) => w.found);
    },
    async taskIds(query, limit, actor) {
      checkLimit(limit);
      if (limit === 0) return [];
      const walk = new Walk<{ id: number }>("task", query, scopeOf("task", actor), "x.id AS id", "", limit, probeRows);
      await runWalks(db, [walk]);
      return walk.found.map((r) => r.id);
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
