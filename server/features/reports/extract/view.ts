// The normalised view of a report: a folded copy of the input that the parser reads, with a map
// from every character of the view back to its offset in the original string.
//
// Folding is one character to one character (full-width → half-width, traditional →
// simplified, odd spaces → " "), so patterns can be written once. Some characters are dropped
// (zero-width marks, "\r" of "\r\n", noise such as "##paidbegin##" or a password line); the map
// keeps every kept character's original offset, so any range of the view maps back to a range of
// the input, and the text the parser returns is always cut from the input itself.
import { SIMPLIFIED, TRADITIONAL } from "./trad-table.ts";

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
  if (c === 0x3000 || c === 0xa0 || (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f) return 0x20;
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
  /^[ ]*(?:第[ ]*\d+[ ]*页(?:[ ]*[,/][ ]*共[ ]*\d+[ ]*页)?|-[ ]*\d+[ ]*-|\d+[ ]*\/[ ]*\d+)[ ]*$/gm,
  /^[ ]*[-—_=*#~·.…]{3,}[ ]*$/gm,
];

function noiseRanges(s: string): [number, number][] {
  const out: [number, number][] = [];
  for (const re of NOISE) {
    re.lastIndex = 0;
    for (let m = re.exec(s); m; m = re.exec(s)) {
      if (m[0].length === 0) { re.lastIndex++; continue; }
      out.push([m.index, m.index + m[0].length]);
    }
  }
  return out.sort((a, b) => a[0] - b[0]);
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
  // pass 2: drop noise
  const noise = noiseRanges(folded);
  if (noise.length === 0) return { v: folded, map: map1.subarray(0, k), input, inputLength: n };
  const codes2 = new Uint16Array(k);
  const map2 = new Int32Array(k);
  let j = 0, r = 0;
  for (let i = 0; i < k; i++) {
    while (r < noise.length && noise[r][1] <= i) r++;
    if (r < noise.length && noise[r][0] <= i) continue;
    codes2[j] = codes[i];
    map2[j++] = map1[i];
  }
  return { v: decode(codes2, j), map: map2.subarray(0, j), input, inputLength: n };
}

function decode(codes: Uint16Array, len: number): string {
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
