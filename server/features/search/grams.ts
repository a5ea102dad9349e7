// Character bigrams for the one- and two-character search index (migration 0013): Chinese words
// are mostly two characters (党费, 违纪, 台账), and the trigram index cannot look them up. As
// Lucene's CJK analyzer and Elasticsearch's cjk_bigram do, every text is indexed as its
// overlapping character pairs; here the last character also stands alone, so a one-character
// term is "a pair that starts with it, or a text's last character" (an FTS5 prefix query).
//
// SQLite has no bigram tokenizer and better-sqlite3 cannot register one, so the pairs are made
// here, by an SQL function (searchGrams, registered on every connection by openDb) that the
// triggers call, and written for FTS5's plain `ascii` tokenizer as fixed-width hex tokens: a
// character is 6 hex digits of its code point (case-folded), a pair is 12. Token i is the pair
// that starts at character i, so a longer term is the phrase of its pairs ("整改台账" →
// "整改 改台 台账" at consecutive positions): the index answers any term exactly as a substring
// test does, which the tests check against a scan of every row.

/** One character, case-folded as SQLite's unicode61/trigram fold does for most scripts: lower case when that is one character. */
function fold(cp: number): number {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp;
  const lower = String.fromCodePoint(cp).toLowerCase();
  const l = lower.codePointAt(0)!;
  return lower.length === (l > 0xffff ? 2 : 1) ? l : cp;
}

const HEX = "0123456789abcdef";
function hex6(cp: number): string {
  let s = "";
  for (let shift = 20; shift >= 0; shift -= 4) s += HEX[(cp >> shift) & 15];
  return s;
}

/** A text's case-folded code points. */
export function foldedCodePoints(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) out.push(fold(ch.codePointAt(0)!));
  return out;
}

/** The text as the bigram index stores it: its pairs' tokens in order, then its last character's. */
export function searchGrams(text: string | null): string | null {
  if (text === null || text === undefined) return null;
  const cps = foldedCodePoints(String(text));
  if (!cps.length) return "";
  const tokens: string[] = new Array(cps.length);
  let prev = hex6(cps[0]);
  for (let i = 1; i < cps.length; i++) {
    const h = hex6(cps[i]);
    tokens[i - 1] = prev + h;
    prev = h;
  }
  tokens[cps.length - 1] = prev;
  return tokens.join(" ");
}

/**
 * A term as an FTS5 expression on the bigram index: one character → a prefix query (its pairs
 * and a text's last character); more → the phrase of its pairs. Only [0-9a-f ] and `"`/`*` reach FTS5.
 */
export function gramsMatch(term: string): string {
  const cps = foldedCodePoints(term);
  if (cps.length === 1) return `${hex6(cps[0])}*`;
  const pairs: string[] = [];
  for (let i = 1; i < cps.length; i++) pairs.push(hex6(cps[i - 1]) + hex6(cps[i]));
  return `"${pairs.join(" ")}"`;
}

/** Every term, all required. */
export function gramsMatchAll(terms: string[]): string {
  return terms.map(gramsMatch).join(" AND ");
}

/**
 * Who may see a row, as tokens of the bigram index's `scope` column (migration 0023), so that a
 * leader's or staff member's search asks the index for matches in their scope alone instead of
 * walking everyone's newest matches and dropping the others' (scopeSql, search-index.ts, says the
 * same rule in SQL; the tests check both against a scan). For a task and its notes: `s<id>` for
 * every unit on the task unit's path (the unit and its ancestors: "in the subtree of s"), `u<id>`
 * for the unit itself, `o<id>` its owner, `l<id>` its leader; for a problem or report, the `s`
 * tokens of its report's unit. Letters s, u, o, l are not hex digits, so no text's token is one.
 */
export function scopeTokens(path: string | null, unitId: number | null, ownerId: number | null, leaderId: number | null): string {
  const out: string[] = [];
  if (path) for (const id of path.split("/")) if (id) out.push("s" + id);
  if (unitId != null) out.push("u" + unitId);
  if (ownerId != null) out.push("o" + ownerId);
  if (leaderId != null) out.push("l" + leaderId);
  return out.join(" ");
}

/**
 * The scope of `actor` over a kind's rows as an FTS5 expression on those tokens, the rule of
 * scopeSql: a leader sees tasks (and their notes) in their subtree, led or owned by them; staff
 * those of their own unit or owned by them; both see problems and reports of their subtree.
 */
export function scopeMatch(actor: { id: number; role: string; unitId: number }, kind: "task" | "problem" | "event" | "report"): string {
  const id = (n: number) => String(Math.trunc(Number(n))); // ids are integers: nothing else reaches FTS5
  if (kind === "problem" || kind === "report") return `s${id(actor.unitId)}`;
  if (actor.role === "leader") return `(s${id(actor.unitId)} OR l${id(actor.id)} OR o${id(actor.id)})`;
  return `(u${id(actor.unitId)} OR o${id(actor.id)})`;
}

/**
 * The same rule as scopeMatch for PostgreSQL's index (migration-pg 0012): the actor's scope
 * tokens with a colon (s:<id>, u:<id>, o:<id>, l:<id>, as rectify_scope writes a row's), of which
 * a row in scope holds at least one (`search_keys && …`), as a PostgreSQL array literal. The
 * colon makes every token three characters or more, so no text's gram (one or two) is one.
 */
export function scopeKeys(actor: { id: number; role: string; unitId: number }, kind: "task" | "problem" | "event" | "report"): string {
  const id = (n: number) => String(Math.trunc(Number(n)));
  const keys = kind === "problem" || kind === "report" ? [`s:${id(actor.unitId)}`] : actor.role === "leader" ? [`s:${id(actor.unitId)}`, `l:${id(actor.id)}`, `o:${id(actor.id)}`] : [`u:${id(actor.unitId)}`, `o:${id(actor.id)}`];
  return `{${keys.join(",")}}`;
}
