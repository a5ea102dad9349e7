// Search, the pure part: what the user typed → terms, an FTS5 MATCH expression and LIKE
// patterns; a hit's text → a short, escaped snippet with every term marked.
//
// The main index uses SQLite's trigram tokenizer, which matches runs of three or more characters.
// Chinese words are often two characters (党员, 整改), so a query with a term of one or two
// characters is answered by the bigram index beside it (grams.ts), and a query of only such
// terms is listed newest first, unranked, and says so.

export const MAX_QUERY_CHARS = 100;
export const MAX_TERMS = 8;

export type ParsedQuery = {
  /** the cleaned query, as shown back in the box */
  text: string;
  terms: string[];
  /** terms of 3+ characters: matched by the trigram index */
  long: string[];
  /** terms of 1–2 characters: matched by the bigram index */
  short: string[];
};

/** Splits on any white space (including the full-width space), drops duplicates, caps the size. */
export function parseQuery(raw: unknown): ParsedQuery {
  const text = (typeof raw === "string" ? raw : "").replace(/[\u0000-\u001f]/g, " ").trim().slice(0, MAX_QUERY_CHARS);
  const seen = new Set<string>();
  const terms: string[] = [];
  for (const t of text.split(/\s+/u)) {
    if (!t || seen.has(t.toLowerCase())) continue;
    seen.add(t.toLowerCase());
    terms.push(t);
    if (terms.length >= MAX_TERMS) break;
  }
  const len = (t: string) => [...t].length;
  return { text, terms, long: terms.filter((t) => len(t) >= 3), short: terms.filter((t) => len(t) < 3) };
}

/** FTS5 query: every term as a quoted string (so no user text is read as FTS syntax), all required. */
export function ftsMatch(long: string[]): string {
  return long.map((t) => `"${t.replace(/"/g, '""')}"`).join(" AND ");
}

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]);
}

/** [start, end) ranges of every (case-insensitive) occurrence of any term, merged. */
export function matchRanges(text: string, terms: string[]): [number, number][] {
  const lower = text.toLowerCase();
  const ranges: [number, number][] = [];
  for (const term of terms) {
    const t = term.toLowerCase();
    if (!t) continue;
    for (let i = lower.indexOf(t); i !== -1; i = lower.indexOf(t, i + t.length)) ranges.push([i, i + t.length]);
  }
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/**
 * HTML for a hit: the text (cut to about `width` characters around the first match, with …),
 * escaped first, then each match wrapped in <mark>. Safe to output raw.
 */
export function highlight(text: string, terms: string[], width = 80): string {
  const clean = text.replace(/\s+/g, " ").trim();
  let start = 0;
  let end = clean.length;
  const all = matchRanges(clean, terms);
  if (clean.length > width) {
    const first = all[0]?.[0] ?? 0;
    start = Math.max(0, Math.min(first - Math.floor(width / 4), clean.length - width));
    end = Math.min(clean.length, start + width);
  }
  const ranges = all.filter(([a, b]) => b > start && a < end).map(([a, b]): [number, number] => [Math.max(a, start), Math.min(b, end)]);
  let out = start > 0 ? "…" : "";
  let at = start;
  for (const [a, b] of ranges) {
    out += escapeHtml(clean.slice(at, a)) + "<mark>" + escapeHtml(clean.slice(a, b)) + "</mark>";
    at = b;
  }
  out += escapeHtml(clean.slice(at, end));
  if (end < clean.length) out += "…";
  return out;
}
