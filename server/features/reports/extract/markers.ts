// Enumeration markers found anywhere in the folded view: 一、 (一) 1. (1) ① 一是 第一， 首先 有的 问题1：…
// Each marker has a style (its numbering family) and a value (its number). Where a marker may
// start is checked here; whether it fits the numbering around it is decided by the tree builder.

export type Style =
  | "cn-part" // 第一部分
  | "sec1" // 章节式 1 基本情况 (a number and a space, a heading line)
  | "sec2" // 章节式 2.1
  | "sec3" // 章节式 2.1.1
  | "cn-dun" // 一、 一.
  | "cn-paren" // (一)
  | "num-dot" // 1. 1、
  | "num-paren" // (1) 1)
  | "circled" // ①
  | "cn-shi" // 一是
  | "cn-yao" // 一要
  | "ordinal" // 第一， 其一，
  | "seq" // 首先 其次 再次 此外 最后
  | "youde" // 有的…；有的…
  | "label-p" // 问题1：
  | "label-m"; // 措施1：

/** Styles that run inside a paragraph; they end where their paragraph ends. */
export const INLINE_STYLES: ReadonlySet<string> = new Set(["cn-shi", "cn-yao", "ordinal", "seq", "youde"]);
/** Styles that number headings rather than items. */
export const HEADING_STYLES: ReadonlySet<string> = new Set(["cn-part", "sec1", "cn-dun", "cn-paren"]);

export type Marker = {
  start: number; // where the marker begins
  end: number; // where its text begins
  style: Style;
  /** its number; 0 = "the next one" (此外, 最后, 有的) */
  value: number;
  /** true when the marker opens a line */
  lineStart: boolean;
};

const CN = "一二三四五六七八九十";
export function cnValue(s: string): number {
  if (s.length === 0) return 0;
  if (/^\d+$/.test(s)) return Number(s);
  let total = 0, cur = 0;
  for (const ch of s) {
    const d = CN.indexOf(ch) + 1;
    if (d === 0) {
      if (ch === "〇" || ch === "零") { cur = 0; continue; }
      if (ch === "两") { cur = 2; continue; }
      return 0;
    }
    if (d === 10) { total += (cur || 1) * 10; cur = 0; } else cur = d;
  }
  return total + cur;
}

const CNN = "[一二三四五六七八九十]{1,3}";
// Characters before which an item may start: a line start, sentence or clause punctuation.
const SENT_END = "。!?;:\n";
const CLAUSE = SENT_END + ",、";

function prevChar(v: string, i: number): string {
  let j = i - 1;
  while (j >= 0 && v[j] === " ") j--;
  return j < 0 ? "\n" : v[j];
}

function isLineStart(v: string, i: number): boolean {
  return prevChar(v, i) === "\n";
}

// Characters that make 一是 part of a word (统一是, 唯一是, 第一是, 同一是…).
const SHI_WORD_PREFIX = new Set("统唯同单逐第万之专划归合均一其另任每某");

type Rule = {
  re: RegExp;
  style: Style;
  value: (m: RegExpExecArray) => number;
  ok: (v: string, i: number, m: RegExpExecArray) => boolean;
  textStartsAtMarker?: boolean;
  /** where line breaks were lost ("…方面首先，…；其次，…"), a first item that fails `ok` is kept when its second follows */
  rescue?: boolean;
};

// "1.5万元" at a line start is an amount, not a 章节式 number
const UNIT = /[万亿千百%倍元个次名人年月日天小时分秒]/;

const isClause = (v: string, i: number) => CLAUSE.includes(prevChar(v, i));
const isSentence = (v: string, i: number) => SENT_END.includes(prevChar(v, i));
const headingBoundary = (v: string, i: number) => {
  const p = prevChar(v, i);
  return SENT_END.includes(p) || p === "*" || p === ")" && v[i] === "(";
};

const RULES: Rule[] = [
  { re: new RegExp(`第(${CNN})(?:部分|章)[ ,:、.]?`, "g"), style: "cn-part", value: (m) => cnValue(m[1]), ok: (v, i) => isLineStart(v, i) },
  // 章节式 numbering: "1 基本情况" (a short heading line), "2.1 …", "2.1.1 …" at a line start
  { re: /(\d{1,2})[ ]+(?=[\u4e00-\u9fff][^\n。;!?]{0,28}(?:\n|$))/g, style: "sec1", value: (m) => Number(m[1]), ok: (v, i) => isLineStart(v, i) && !/\d/.test(v[i - 1] ?? "") },
  { re: /\d{1,2}\.(\d{1,2})[ ]*[、.]?[ ]*(?=[\u4e00-\u9fff"“(])/g, style: "sec2", value: (m) => Number(m[1]), ok: (v, i, m) => isLineStart(v, i) && !/[\d.]/.test(v[i - 1] ?? "") && !UNIT.test(v[i + m[0].length] ?? "") },
  { re: /\d{1,2}\.\d{1,2}\.(\d{1,2})[ ]*[、.]?[ ]*(?=[\u4e00-\u9fff"“(])/g, style: "sec3", value: (m) => Number(m[1]), ok: (v, i) => isLineStart(v, i) && !/[\d.]/.test(v[i - 1] ?? "") },
  {
    // "二、" "二 、" "一.": a space may stand before the 、 (not before a ".": "一 .5")
    re: new RegExp(`(${CNN})(?:[ ]?、|\\.(?![0-9]))`, "g"), style: "cn-dun", value: (m) => cnValue(m[1]),
    ok: (v, i, m) => headingBoundary(v, i) && !"第其".includes(v[i - 1] ?? "\n") && (m[0].length <= m[1].length + 1 || isLineStart(v, i)),
  },
  { re: new RegExp(`\\([ ]?(${CNN})[ ]?\\)`, "g"), style: "cn-paren", value: (m) => cnValue(m[1]), ok: () => true },
  {
    // "1." "1、" "1)", and at a line start "1 . " "3 ．" (a space before the mark)
    re: /(\d{1,2})(?:[ ]?[.、](?![0-9%])|[)](?![0-9]))/g, style: "num-dot", value: (m) => Number(m[1]),
    ok: (v, i, m) => {
      const p = v[i - 1] ?? "\n";
      if (/[0-9A-Za-z.第/\-(_]/.test(p)) return false;
      if (m[0][m[1].length] === " " && !isLineStart(v, i)) return false;
      if (m[0].endsWith(")")) return isSentence(v, i); // "1)" only where an item may start
      return true;
    },
  },
  { re: /\([ ]?(\d{1,2})[ ]?\)/g, style: "num-paren", value: (m) => Number(m[1]), ok: (v, i) => !/[0-9A-Za-z]/.test(v[i - 1] ?? "\n") },
  { re: /[\u2474-\u2487]/g, style: "num-paren", value: (m) => m[0].charCodeAt(0) - 0x2473, ok: () => true },
  { re: /[\u2488-\u249b]/g, style: "num-dot", value: (m) => m[0].charCodeAt(0) - 0x2487, ok: () => true },
  { re: /[\u2460-\u2473]/g, style: "circled", value: (m) => m[0].charCodeAt(0) - 0x245f, ok: () => true },
  { re: /[\u2776-\u277f]/g, style: "circled", value: (m) => m[0].charCodeAt(0) - 0x2775, ok: () => true },
  {
    re: new RegExp(`(${CNN})是(?![否非的])`, "g"), style: "cn-shi", value: (m) => cnValue(m[1]),
    ok: (v, i) => {
      const p = prevChar(v, i);
      return CLAUSE.includes(p) || p === " " || (!SHI_WORD_PREFIX.has(v[i - 1]) && !"一二三四五六七八九十".includes(v[i - 1] ?? "\n"));
    },
  },
  { re: new RegExp(`(${CNN})要(?![求素点是])`, "g"), style: "cn-yao", value: (m) => cnValue(m[1]), ok: isClause, rescue: true },
  { re: new RegExp(`(?:第|其)(${CNN})[,、:](?!\\d)`, "g"), style: "ordinal", value: (m) => cnValue(m[1]), ok: isClause, rescue: true },
  {
    re: /(首先|其次|再次|再者|此外|另外|最后)[,:是]?/g, style: "seq",
    value: (m) => (m[1] === "首先" ? 1 : m[1] === "其次" ? 2 : m[1] === "再次" ? 3 : 0),
    ok: (v, i, m) => isSentence(v, i) || (isClause(v, i) && /[,:是]$/.test(m[0])),
    rescue: true,
  },
  { re: /(?:有的|有些)(?!放矢)/g, style: "youde", value: () => 0, ok: (v, i) => isSentence(v, i), textStartsAtMarker: true, rescue: true },
  {
    re: new RegExp(`(?:存在)?问题[ ]*(?:(\\d{1,2})|(${CNN})|\\((\\d{1,2}|${CNN})\\))[ ]*[:.、]`, "g"), style: "label-p",
    value: (m) => cnValue(m[1] ?? m[2] ?? m[3] ?? ""), ok: isSentence, rescue: true,
  },
  {
    re: new RegExp(`(?:整改)?措施[ ]*(?:(\\d{1,2})|(${CNN})|\\((\\d{1,2}|${CNN})\\))[ ]*[:.、]`, "g"), style: "label-m",
    value: (m) => cnValue(m[1] ?? m[2] ?? m[3] ?? ""), ok: isSentence, rescue: true,
  },
];

/**
 * Markers that failed their boundary check but fit a numbering: a first item whose second
 * follows closely ("…方面首先，…；其次，…"); labels ("问题1：") also in a chain of their own.
 */
function rescued(strict: Marker[], weak: Marker[]): Marker[] {
  const label = weak[0].style.startsWith("label");
  const reach = label ? 2000 : 400;
  const all = [...strict.map((m) => ({ m, ok: true })), ...weak.map((m) => ({ m, ok: false }))].sort((a, b) => a.m.start - b.m.start);
  const follows = (a: Marker, b: Marker) => b.start - a.start <= reach && (a.style === "youde" ? b.value === 0 : b.value === Math.max(a.value, 1) + 1);
  const out: Marker[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    if (all[i].ok) continue;
    const next = all[i + 1];
    if (next && follows(all[i].m, next.m) && (next.ok || label)) {
      all[i].ok = true;
      out.push(all[i].m);
    }
  }
  if (label) {
    // the last label of a chain follows its predecessor
    for (let i = 1; i < all.length; i++) {
      if (!all[i].ok && all[i - 1].ok && follows(all[i - 1].m, all[i].m)) { all[i].ok = true; out.push(all[i].m); }
    }
  }
  return out;
}

export function findMarkers(v: string): Marker[] {
  const out: Marker[] = [];
  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    const weak: Marker[] = [];
    const strict: Marker[] = [];
    for (let m = rule.re.exec(v); m; m = rule.re.exec(v)) {
      const i = m.index;
      const ok = rule.ok(v, i, m);
      const value = rule.value(m);
      if (value < 0 || value > 60) continue;
      const isLabel = rule.style.startsWith("label");
      if (!ok && !(rule.rescue && (value <= 1 || isLabel))) continue;
      let end = rule.textStartsAtMarker ? i : i + m[0].length;
      while (end < v.length && (v[end] === " " || (!rule.textStartsAtMarker && "、.:,".includes(v[end]) && end === i + m[0].length))) end++;
      (ok ? strict : weak).push({ start: i, end, style: rule.style, value, lineStart: isLineStart(v, i) });
    }
    for (const m of strict) out.push(m);
    if (weak.length) for (const m of rescued(strict, weak)) out.push(m);
  }
  out.sort((a, b) => a.start - b.start || b.end - a.end);
  // Keep the first (longest) marker at each position and drop markers inside another's text.
  const kept: Marker[] = [];
  let reach = -1;
  for (const m of out) {
    if (m.start < reach) continue;
    kept.push(m);
    reach = Math.max(m.end, m.start + 1);
  }
  return kept;
}

