// The normalised view of a report: a folded copy of the input that the parser reads, with a map
// from every character of the view back to its offset in the original string.
//
// Folding is one character to one character (full-width → half-width, traditional →
// simplified, odd spaces → " "), so patterns can be written once. Some characters are dropped
// (zero-width marks, "\r" of "\r\n", noise such as "##paidbegin##" or a password line); the map
// keeps every kept character's original offset, so any range of the view maps back to a range of
// the input, and the text the parser returns is always cut from the input itself.
import { SIMPLIFIED, TRADITIONAL } from "./trad-table.ts";
import { labelKind } from "./kinds.ts";
import { SITE_NOISE } from "./words.ts";

export type View = {
  /** the folded text */
  v: string;
  /** map[i] = offset in the original input of v[i] */
  map: Int32Array;
  /** the original input */
  input: string;
  /** length of the original input */
  inputLength: number;
};

const TRAD = new Map<number, number>();
for (let i = 0; i < TRADITIONAL.length; i++) TRAD.set(TRADITIONAL.charCodeAt(i), SIMPLIFIED.charCodeAt(i));

const SMALL_FORMS: Record<number, number> = {
  0xfe50: 0x2c, 0xfe51: 0x3001, 0xfe52: 0x2e, 0xfe54: 0x3b, 0xfe55: 0x3a, 0xfe56: 0x3f, 0xfe57: 0x21,
  0xfe59: 0x28, 0xfe5a: 0x29, 0x3014: 0x28, 0x3015: 0x29, 0xff5f: 0x28, 0xff60: 0x29,
};

const DROP = -1;

/** One UTF-16 unit of the input → its folded unit, or DROP. */
function fold(c: number, next: number): number {
  if (c === 0x0a) return c;
  if (c === 0x0d) return next === 0x0a ? DROP : 0x0a;
  if (c === 0x09) return 0x20;
  if (c < 0x20 || c === 0x7f) return 0x20; // other control characters (binary garbage)
  if (c < 0x80) return c;
  if (c >= 0xff01 && c <= 0xff5e) return c - 0xfee0; // full-width ASCII
  if (c === 0x3000 || c === 0xa0 || c === 0x1680 || c === 0x180e || (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f) return 0x20;
  if ((c >= 0x200b && c <= 0x200d) || c === 0x2060 || c === 0xfeff || c === 0xad) return DROP;
  if (c === 0x2028 || c === 0x2029 || c === 0x0b || c === 0x0c || c === 0x85) return 0x0a;
  const small = SMALL_FORMS[c];
  if (small !== undefined) return small;
  const simp = TRAD.get(c);
  return simp ?? c;
}

/** Ranges of the folded text that are noise: stray markers, password lines, page numbers. */
const NOISE: RegExp[] = [
  /#{2,}[A-Za-z0-9_]*#{2,}/g,
  /^[ ]*(?:本文档|本文件|文档)?(?:编辑|打开|修改|访问)?密码[ ]*[:]?[^\n]{0,40}$/gm,
  /^[ ]*(?:第[ ]*\d+[ ]*页(?:[ ]*[,/][ ]*共[ ]*\d+[ ]*页)?|[-—–―─]+[ ]*\d+[ ]*[-—–―─]+|\d+[ ]*\/[ ]*\d+)[ ]*$/gm,
  /^[ ]*[-—_=*#~·.…]{3,}[ ]*$/gm,
  // a classification line: "内部资料 注意保存", "机密★1年"
  /^[ ]*(?:内部资料|内部文件|内部材料|秘密|机密|绝密)(?:[ ]*★[^\n]{0,8})?(?:[ ]*注意保存)?[ ]*$/gm,
];

function noiseRanges(s: string): [number, number][] {
  const out: [number, number][] = [];
  // lines of the web page a text was copied from
  const lines = /^[^\n]+$/gm;
  for (let m = lines.exec(s); m; m = lines.exec(s)) {
    if (m[0].length <= 120 && SITE_NOISE.some((re) => re.test(m![0]))) out.push([m.index, m.index + m[0].length]);
  }
  for (const re of NOISE) {
    re.lastIndex = 0;
    for (let m = re.exec(s); m; m = re.exec(s)) {
      if (m[0].length === 0) { re.lastIndex++; continue; }
      out.push([m.index, m.index + m[0].length]);
    }
  }
  // a running page header: the document's title line repeated further down
  const title = titleLine(s);
  if (title) {
    const re = /^[^\n]*$/gm;
    let line = 0;
    for (let m = re.exec(s); m; m = re.exec(s)) {
      if (m[0].length === 0) { re.lastIndex++; continue; }
      const t = m[0].replace(/[ ]+/g, "");
      if (line++ >= 1 && m.index > title.end && t.length <= title.text.length + 24 && t.endsWith(title.text)) out.push([m.index, m.index + m[0].length]);
    }
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** The title line among the first lines: "关于…的自查报告", "…对照检查材料". */
function titleLine(s: string): { text: string; end: number } | null {
  const re = /^[^\n]*$/gm;
  let n = 0;
  for (let m = re.exec(s); m && n < 6; m = re.exec(s)) {
    if (m[0].length === 0) { re.lastIndex++; continue; }
    const t = m[0].replace(/[ ]+/g, "");
    if (!t) continue;
    n++;
    if (t.length >= 8 && t.length <= 60 && !/[。;,:]/.test(t) && /(报告|方案|材料|总结|清单|台账|意见)$/.test(t)) return { text: t, end: m.index + m[0].length };
  }
  return null;
}

// A line that ends a paragraph ends with one of these (";" does not: "A；\nB；" reads the same joined).
const TERMINAL_END = /[。!?:…”"’)】》]$/;
// A line that opens with a number or an item word starts a paragraph of its own.
const LINE_START_MARKER = /^[ ]*(?:[一二三四五六七八九十]{1,3}[ ]?[、.是要]|\(|\d{1,2}[ ]?[.、)]|[\u2460-\u249b\u2776-\u277f]|第[一二三四五六七八九十]{1,3}|首先|其次|再次|此外|最后|有的|问题|存在问题|整改措施|原因|下一步)/;

/**
 * Line breaks that only wrap a line (a long line cut mid-sentence, "put in mid-sentence") are
 * dropped, so a paragraph is one line again. A break stays when the line ends a sentence, is
 * short (a heading, a paragraph's last line), or the next line opens with a number.
 */
function softBreaks(s: string): [number, number][] {
  const out: [number, number][] = [];
  let lineStart = 0;
  for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) {
    const line = s.slice(lineStart, i).trim();
    lineStart = i + 1;
    if (line.length < 24 || TERMINAL_END.test(line)) continue;
    let j = i + 1;
    while (j < s.length && s[j] === " ") j++;
    if (j >= s.length || s[j] === "\n") continue;
    if (LINE_START_MARKER.test(s.slice(j, j + 8))) continue;
    // "整改情况：" "责任人：" opening the next line: a label, not the rest of a sentence
    const label = /^([^\s,。;:!?()]{2,8}):/.exec(s.slice(j, j + 10));
    if (label && labelKind(label[1])) continue;
    let a = i;
    while (a > 0 && s[a - 1] === " ") a--;
    out.push([a, j]);
  }
  return out;
}

/** The view without the given sorted, disjoint ranges. */
function dropRanges(codes: string, map: Int32Array, ranges: [number, number][]): { v: string; map: Int32Array } {
  if (ranges.length === 0) return { v: codes, map };
  const k = codes.length;
  const codes2 = new Uint16Array(k);
  const map2 = new Int32Array(k);
  let j = 0, r = 0;
  for (let i = 0; i < k; i++) {
    while (r < ranges.length && ranges[r][1] <= i) r++;
    if (r < ranges.length && ranges[r][0] <= i) continue;
    codes2[j] = codes.charCodeAt(i);
    map2[j++] = map[i];
  }
  return { v: decode(codes2, j), map: map2.subarray(0, j) };
}

function mergeRanges(ranges: [number, number][]): [number, number][] {
  ranges.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

export function buildView(input: string): View {
  const n = input.length;
  // pass 1: fold
  const codes = new Uint16Array(n);
  const map1 = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const f = fold(input.charCodeAt(i), i + 1 < n ? input.charCodeAt(i + 1) : -1);
    if (f === DROP) continue;
    codes[k] = f;
    map1[k++] = i;
  }
  const folded = decode(codes, k);
  // pass 2: drop noise; pass 3: drop the breaks that merely wrap a line
  const clean = dropRanges(folded, map1.subarray(0, k), mergeRanges(noiseRanges(folded)));
  const joined = dropRanges(clean.v, clean.map, softBreaks(clean.v));
  return { v: joined.v, map: joined.map, input, inputLength: n };
}

const UTF16 = new TextDecoder("utf-16le");

function decode(codes: Uint16Array, len: number): string {
  // (lone surrogates would be replaced by U+FFFD here, which would break the one-to-one map)
  for (let i = 0; i < len; i++) {
    const c = codes[i];
    if (c >= 0xd800 && c <= 0xdfff) return decodeSlow(codes, len);
  }
  const sub = codes.subarray(0, len);
  return UTF16.decode(new Uint8Array(sub.buffer, sub.byteOffset, len * 2));
}

function decodeSlow(codes: Uint16Array, len: number): string {
  let s = "";
  const CHUNK = 8192;
  for (let i = 0; i < len; i += CHUNK) s += String.fromCharCode(...codes.subarray(i, Math.min(len, i + CHUNK)));
  return s;
}

/** Original offset of the character at view index i (i < v.length). */
export function origStart(view: View, i: number): number {
  return i < view.map.length ? view.map[i] : view.inputLength;
}

/** Original end offset (exclusive) of a view range ending at j (exclusive, j > 0). */
/** The original text of a view range, line breaks removed (see collapseBreaks). */
export function cutView(view: View, a: number, b: number): string {
  const s = origStart(view, a), e = origEnd(view, b);
  return e > s ? collapseBreaks(view.input.slice(s, e)) : "";
}

export function origEnd(view: View, j: number): number {
  return j > 0 ? view.map[j - 1] + 1 : 0;
}

/**
 * The text guarantee: every extracted text equals `collapseBreaks(input.slice(start, end))`.
 * Line breaks, with the white space around them, are removed (a report's lines are cut
 * anywhere, mid-word included); nothing else is changed.
 */
export function collapseBreaks(s: string): string {
  return s.replace(/[^\S\n\r]*[\n\r\u2028\u2029\u0085\u000b\u000c][\s]*/g, "");
}
