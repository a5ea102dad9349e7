// The import draft, pure: from the parser's output to the list of problems a leader reviews, and
// every edit of that list (edit, merge, split, delete, move, add, bulk assign). No database here:
// the service loads the draft, applies one of these, and stores the result in one transaction.
import type { Extracted, Item } from "./extract/index.ts";
import { isIsoDay } from "../../lib/dates.ts";
import { stripMarkers } from "./extract/read-file.ts";

export type DeadlineKind = "immediate" | "dated" | "ongoing";
export const DEADLINE_KINDS: readonly DeadlineKind[] = ["immediate", "dated", "ongoing"];

export type DraftItem = {
  /** stable within the draft: forms address items by key, never by position */
  key: string;
  category: string | null;
  text: string;
  /** position in the report's full text (null for a problem added by hand) */
  start: number | null;
  end: number | null;
  unitId: number | null;
  /** the unit was proposed because the problem names it */
  unitProposed: boolean;
  leaderId: number | null;
  ownerId: number | null;
  deadlineKind: DeadlineKind;
  deadline: string;
  /** the deadline is the period's end, filled in by default: shown as such, and confirmed, until the leader sets one */
  deadlineDefault?: boolean;
  measures: string;
  /** the 后进/软弱涣散 branch whose rating this problem reports */
  linkedUnitId: number | null;
};

export type UnitRef = { id: number; name: string; rating: string | null; ratingYear: number | null; secretaryId: number | null; overseerId: number | null };
export type Defaults = { unitId: number; leaderId: number | null; deadline: string };

// ───────────────────────── measures that clearly match a problem ─────────────────────────

const CJK = /[\u3400-\u9fff]/;
/** bigrams of Han characters and whole ASCII words: the units of similarity for Chinese text */
export function grams(s: string): Set<string> {
  const out = new Set<string>();
  const chars = [...s];
  for (let i = 0; i < chars.length; i++) {
    if (CJK.test(chars[i]) && i + 1 < chars.length && CJK.test(chars[i + 1])) out.add(chars[i] + chars[i + 1]);
  }
  for (const w of s.toLowerCase().match(/[a-z0-9]{2,}/g) ?? []) out.add(w);
  return out;
}

/**
 * For each problem, the report's measures that clearly belong to it, joined by line breaks.
 * A measure belongs to a problem when it sits right after it in the text (a measure paired
 * with its problem), or when its wording matches that problem clearly better than any other
 * (IDF-weighted bigram overlap, so words every paragraph uses count for little).
 */
export function matchMeasures(problems: Pick<Item, "category" | "text" | "start" | "end">[], measures: Pick<Item, "category" | "text" | "start" | "end">[]): string[] {
  const out: string[][] = problems.map(() => []);
  if (!problems.length || !measures.length) return out.map(() => "");
  const docs = [...problems.map((p) => grams(`${p.category ?? ""}${p.text}`)), ...measures.map((m) => grams(`${m.category ?? ""}${m.text}`))];
  const df = new Map<string, number>();
  for (const d of docs) for (const g of d) df.set(g, (df.get(g) ?? 0) + 1);
  const idf = (g: string) => Math.log((docs.length + 1) / (df.get(g) ?? 1));
  const weight = (s: Set<string>) => [...s].reduce((a, g) => a + idf(g), 0);
  const pg = docs.slice(0, problems.length);
  const pw = pg.map(weight);

  // measures paired with their problems in the text (问题…整改措施… repeated): a measure that
  // sits between two problems belongs to the one before it
  const interleaved = measures.some((m) => problems.some((p, i) => i + 1 < problems.length && m.start >= p.end && m.start < problems[i + 1].start));
  const byWording: (number | null)[] = measures.map(() => null);
  measures.forEach((m, mi) => {
    if (interleaved) {
      let owner = -1;
      problems.forEach((p, i) => {
        if (p.start <= m.start) owner = i;
      });
      if (owner >= 0) {
        out[owner].push(m.text);
        return;
      }
    }
    const mg = docs[problems.length + mi];
    const mw = weight(mg);
    const scores = pg.map((g, i) => {
      let shared = 0;
      for (const x of mg) if (g.has(x)) shared += idf(x);
      const least = Math.min(mw, pw[i]);
      return least > 0 ? shared / least : 0;
    });
    let best = -1;
    let second = 0;
    scores.forEach((s, i) => {
      if (best < 0 || s > scores[best]) {
        if (best >= 0) second = Math.max(second, scores[best]);
        best = i;
      } else second = Math.max(second, s);
    });
    if (best >= 0 && scores[best] >= 0.08 && scores[best] >= second * 2 + 0.03) {
      out[best].push(m.text);
      byWording[mi] = best;
    }
  });
  // as many measures as problems, and every clear match pairs them in order (measure i answers
  // problem i) for at least half of them: the rest follow the same order. A plan that follows all
  // the problems (下一步工作计划 / 第四季度工作计划: 一是…二是…) answers them in order by itself,
  // unless its wording says otherwise.
  if (!interleaved && problems.length === measures.length) {
    const clear = byWording.filter((p) => p !== null);
    const plan = measures.every((m) => problems.every((p) => m.start >= p.end));
    if ((plan || clear.length * 2 >= measures.length) && byWording.every((p, i) => p === null || p === i)) {
      measures.forEach((m, i) => {
        if (byWording[i] === null) out[i].push(m.text);
      });
    }
  }
  return out.map((list) => list.join("\n"));
}

// ───────────────────────── units named in a problem ─────────────────────────

/** The names a unit goes by in running text: its full name, and without 中共 / a trailing 委员会. */
function aliases(name: string): string[] {
  const out = new Set([name]);
  const bare = name.replace(/^中共/, "");
  out.add(bare);
  out.add(bare.replace(/委员会$/, "党委"));
  return [...out].filter((n) => [...n].length >= 4);
}

/** The unit whose name the text mentions (the longest name wins), if any. */
export function namedUnit<U extends Pick<UnitRef, "id" | "name">>(text: string, units: U[]): U | null {
  let best: U | null = null;
  let bestLen = 0;
  for (const u of units) {
    for (const a of aliases(u.name)) {
      if (a.length > bestLen && text.includes(a)) {
        best = u;
        bestLen = a.length;
      }
    }
  }
  return best;
}

export const FLAGGED_RATINGS = new Set(["backward", "weak"]);

// ───────────────────────── the first draft ─────────────────────────

export function newKey(existing: Iterable<string>): string {
  const used = new Set(existing);
  let n = used.size + 1;
  while (used.has(`p${n}`)) n++;
  return `p${n}`;
}

/**
 * The review list as the parser found it: each problem with the report's matching measures, the
 * unit it names proposed as 责任单位 (and that unit's secretary as 责任人), and a link to the
 * rating of a named 后进/软弱涣散 branch.
 */
export function initialItems(ex: Pick<Extracted, "problems" | "measures">, units: UnitRef[], d: Defaults): DraftItem[] {
  const measures = matchMeasures(ex.problems, ex.measures);
  return ex.problems.map((p, i) => {
    const named = namedUnit(`${p.category ?? ""}${p.text}`, units.filter((u) => u.id !== d.unitId));
    return {
      key: `p${i + 1}`,
      category: p.category,
      text: p.text,
      start: p.start,
      end: p.end,
      unitId: named?.id ?? d.unitId,
      unitProposed: Boolean(named),
      leaderId: (named?.overseerId ?? d.leaderId) || null,
      ownerId: named?.secretaryId ?? null,
      deadlineKind: "dated",
      deadline: d.deadline,
      deadlineDefault: Boolean(d.deadline),
      measures: measures[i],
      linkedUnitId: named && named.rating && FLAGGED_RATINGS.has(named.rating) ? named.id : null,
    };
  });
}

// ───────────────────────── edits ─────────────────────────

export class DraftError extends Error {
  constructor(
    message: string,
    readonly kind: "invalid" | "stale" = "invalid",
  ) {
    super(message);
  }
}

export type ItemPatch = Partial<Pick<DraftItem, "category" | "text" | "unitId" | "leaderId" | "ownerId" | "deadlineKind" | "deadline" | "measures" | "linkedUnitId">>;

function find(items: DraftItem[], key: string): number {
  const i = items.findIndex((x) => x.key === key);
  if (i < 0) throw new DraftError("这条问题已被合并或删除，请刷新页面后再操作", "stale");
  return i;
}

const MAX_TEXT = 2000;

/** Sets fields of one item. Text must stay non-empty; other checks (who, which unit) are the service's. */
export function patchItem(items: DraftItem[], key: string, patch: ItemPatch): DraftItem[] {
  const i = find(items, key);
  const next = { ...items[i] };
  if (patch.text !== undefined) {
    const t = patch.text.trim();
    if (!t) throw new DraftError("问题描述不能为空；不需要的问题请删除");
    if (t.length > MAX_TEXT) throw new DraftError(`问题描述不超过 ${MAX_TEXT} 字`);
    if (t !== next.text) next.text = t;
  }
  if (patch.category !== undefined) next.category = patch.category?.trim() || null;
  if (patch.measures !== undefined) {
    if (patch.measures.length > 5000) throw new DraftError("整改措施不超过 5000 字");
    next.measures = patch.measures.trim();
  }
  if (patch.deadlineKind !== undefined) {
    if (!DEADLINE_KINDS.includes(patch.deadlineKind)) throw new DraftError("请选择整改时限类型");
    next.deadlineKind = patch.deadlineKind;
  }
  if (patch.deadline !== undefined) {
    if (patch.deadline && !isIsoDay(patch.deadline)) throw new DraftError("整改时限不是有效日期");
    if (patch.deadline !== next.deadline) next.deadlineDefault = false;
    next.deadline = patch.deadline;
  }
  if (patch.unitId !== undefined) {
    if (patch.unitId !== next.unitId) next.unitProposed = false;
    next.unitId = patch.unitId;
  }
  if (patch.leaderId !== undefined) next.leaderId = patch.leaderId;
  if (patch.ownerId !== undefined) next.ownerId = patch.ownerId;
  if (patch.linkedUnitId !== undefined) next.linkedUnitId = patch.linkedUnitId;
  return items.map((x, j) => (j === i ? next : x));
}

/** Merges an item with the one after it: texts joined, the first item's assignment kept. */
export function mergeWithNext(items: DraftItem[], key: string): DraftItem[] {
  const i = find(items, key);
  if (i + 1 >= items.length) throw new DraftError("这是最后一条问题，没有可合并的下一条");
  const a = items[i];
  const b = items[i + 1];
  const join = (x: string, y: string) => (!x ? y : !y || x === y ? x : /[。；;！？!?]$/.test(x) ? `${x}${y}` : `${x}；${y}`);
  const merged: DraftItem = {
    ...a,
    text: join(a.text, b.text),
    start: a.start !== null && b.start !== null ? Math.min(a.start, b.start) : (a.start ?? b.start),
    end: a.end !== null && b.end !== null ? Math.max(a.end, b.end) : (a.end ?? b.end),
    measures: [a.measures, b.measures].filter(Boolean).filter((m, j, all) => all.indexOf(m) === j).join("\n"),
    linkedUnitId: a.linkedUnitId ?? b.linkedUnitId,
  };
  return [...items.slice(0, i), merged, ...items.slice(i + 2)];
}

/** Splits an item at a character position of its text into two; both halves must have text. */
export function splitAt(items: DraftItem[], key: string, at: number): DraftItem[] {
  const i = find(items, key);
  const x = items[i];
  // `at` counts UTF-16 units, as a textarea's selectionStart does
  if (!Number.isInteger(at) || at <= 0 || at >= x.text.length) throw new DraftError("请先在问题文字中点击要拆分的位置（不能在开头或末尾）");
  const clean = (s: string) => s.replace(/^[\s；;，,。]+|[\s；;，,]+$/g, "");
  const first = clean(x.text.slice(0, at));
  const second = clean(x.text.slice(at));
  if (!first || !second) throw new DraftError("拆分后的两部分都要有文字");
  // the source range splits where the text does, when the text is still the source's own
  const cut = x.start !== null && x.end !== null && x.end - x.start === x.text.length ? x.start + at : null;
  const a: DraftItem = { ...x, text: first, end: cut ?? x.end };
  const b: DraftItem = { ...x, key: newKey(items.map((y) => y.key)), text: second, start: cut ?? x.start, measures: "" };
  return [...items.slice(0, i), a, b, ...items.slice(i + 1)];
}

/** Adds one of the report's own measures to an item's 整改措施 (once: a measure already there is not repeated). */
export function addMeasure(items: DraftItem[], key: string, measure: string): DraftItem[] {
  const i = find(items, key);
  const text = measure.trim();
  if (!text) throw new DraftError("请先选择报告中的一条整改措施");
  const x = items[i];
  if (x.measures.split("\n").some((line) => line.trim() === text)) return items;
  const measures = x.measures ? `${x.measures}\n${text}` : text;
  if (measures.length > 5000) throw new DraftError("整改措施不超过 5000 字");
  return items.map((y, j) => (j === i ? { ...y, measures } : y));
}

/** The items confirming would give a task with a deadline nobody set: the period's end, by default. */
export function defaultDeadlines(items: DraftItem[]): DraftItem[] {
  return items.filter((x) => x.ownerId && x.deadlineKind !== "ongoing" && x.deadlineDefault && x.deadline);
}

/** What a problem left 待分派 keeps of the review's choices, to prefill its assignment later. */
export type PendingChoice = Pick<DraftItem, "unitId" | "leaderId" | "deadlineKind" | "deadline" | "deadlineDefault" | "linkedUnitId">;
export function pendingChoice(x: DraftItem): PendingChoice {
  return { unitId: x.unitId, leaderId: x.leaderId, deadlineKind: x.deadlineKind, deadline: x.deadline, deadlineDefault: x.deadlineDefault ?? false, linkedUnitId: x.linkedUnitId };
}

export function removeItem(items: DraftItem[], key: string): DraftItem[] {
  const i = find(items, key);
  return items.filter((_, j) => j !== i);
}

export function moveItem(items: DraftItem[], key: string, dir: "up" | "down"): DraftItem[] {
  const i = find(items, key);
  const j = dir === "up" ? i - 1 : i + 1;
  if (j < 0 || j >= items.length) return items;
  const next = [...items];
  [next[i], next[j]] = [next[j], next[i]];
  return next;
}

/** Adds a problem by hand, at the end, with the draft's defaults. */
export function addItem(items: DraftItem[], input: { text: string; category?: string }, d: Defaults): DraftItem[] {
  const text = input.text.trim();
  if (!text) throw new DraftError("请填写要添加的问题描述");
  if (text.length > MAX_TEXT) throw new DraftError(`问题描述不超过 ${MAX_TEXT} 字`);
  const item: DraftItem = {
    key: newKey(items.map((x) => x.key)),
    category: input.category?.trim() || null,
    text,
    start: null,
    end: null,
    unitId: d.unitId,
    unitProposed: false,
    leaderId: d.leaderId,
    ownerId: null,
    deadlineKind: "dated",
    deadline: d.deadline,
    deadlineDefault: Boolean(d.deadline),
    measures: "",
    linkedUnitId: null,
  };
  return [...items, item];
}

/** Sets the given fields on every selected item; fields left out stay as they are. */
export function bulkAssign(items: DraftItem[], keys: string[], patch: Omit<ItemPatch, "text" | "category">): DraftItem[] {
  if (!keys.length) throw new DraftError("请先勾选要批量设置的问题");
  if (!Object.values(patch).some((v) => v !== undefined)) throw new DraftError("请至少填写一项要批量设置的内容");
  for (const k of keys) find(items, k);
  let next = items;
  for (const k of keys) next = patchItem(next, k, patch);
  return next;
}

/** Offsets of the source text cut into plain runs and problem runs, for highlighting. */
export function highlightRuns(text: string, ranges: { key: string; start: number | null; end: number | null }[]): { text: string; key: string | null; n: number | null }[] {
  const marks = ranges
    .map((r, i) => ({ ...r, n: i + 1 }))
    .filter((r): r is { key: string; start: number; end: number; n: number } => r.start !== null && r.end !== null && r.end > r.start && r.start >= 0 && r.end <= text.length)
    .sort((a, b) => a.start - b.start);
  const out: { text: string; key: string | null; n: number | null }[] = [];
  // (a report stored before the reader cleaned copy markers still has them: each run is cut at its
  // own offsets first, so leaving them out of what is shown moves no highlight)
  const shown = (a: number, b: number) => stripMarkers(text.slice(a, b));
  let at = 0;
  for (const m of marks) {
    if (m.start < at) continue; // overlapping ranges: the first one wins
    if (m.start > at) out.push({ text: shown(at, m.start), key: null, n: null });
    out.push({ text: shown(m.start, m.end), key: m.key, n: m.n });
    at = m.end;
  }
  if (at < text.length) out.push({ text: shown(at, text.length), key: null, n: null });
  return out;
}
