import { FAULT_PREDICATE, FURTHER_WORDS, PART_SUBJECTS, PLEDGE } from "./words.ts";
// Splitting text that carries no numbering: paragraphs, semicolons, "存在A、B、C等问题".
// Ranges are view ranges [a, b).

export type Range = [number, number];

const LEAD_PUNCT = " \n,.:;、)*";
const TRAIL_PUNCT = " \n,;、:(";

/** The range without surrounding white space and stray leading/trailing punctuation; null if empty. */
export function trimRange(v: string, a: number, b: number): Range | null {
  while (a < b && LEAD_PUNCT.includes(v[a])) a++;
  while (b > a && TRAIL_PUNCT.includes(v[b - 1])) b--;
  return b > a ? [a, b] : null;
}

/** Paragraph ranges of [a, b), cut at the given paragraph breaks (sorted). */
export function paragraphs(v: string, breaks: number[], a: number, b: number): Range[] {
  const out: Range[] = [];
  let i = lowerBound(breaks, a);
  let s = a;
  for (; i < breaks.length && breaks[i] < b; i++) {
    const r = trimRange(v, s, breaks[i]);
    if (r) out.push(r);
    s = breaks[i] + 1;
  }
  const r = trimRange(v, s, b);
  if (r) out.push(r);
  return out;
}

export function lowerBound(arr: number[], x: number): number {
  let lo = 0, hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

const TRAILER = /^(?:特此(?:报告|汇报|说明)|以上(?:报告|是|为|情况)|专此|此致|妥否|请审阅|请审核|报告人|述职人|汇报人|发言人|附件|抄送|联系人|填报单位|填表人|填报人|制表人|审核人|填报时间)|^\(?截至[^。;]{0,24}\)?$|^\d{4}年\d{1,2}月(?:\d{1,2}日)?$|^[^,。;:!?]{2,24}(?:支部|委员会|党委|党组|总支|工委|办公室|街道|社区|公司|学校|医院|中心)(?:[ ]*\d{4}年\d{1,2}月(?:\d{1,2}日)?)?$/;

/**
 * A closing pledge, no measure: "社区党委将以此次自查自纠为契机，坚持问题导向，确保…落到实处。"
 * (one sentence, not a list of clauses)
 */
export function isPledge(s: string): boolean {
  const t = s.trim();
  // "王某某表示，局党组将坚决…、切实…": a speaker's pledge (表态)
  if (PLEDGE.test(t) && !t.includes(";")) return true;
  if (/;|:$/.test(t) || t.replace(/[。.!]\s*$/, "").split("。").length > 2) return false;
  if (/以(?:此次|这次|本次|此)[^。;,]{0,24}为契机/.test(t)) return true;
  // "对于以上问题，支部将认真加以整改。": a promise about the problems above, naming no measure
  return t.length <= 60 && SUMS_UP.test(t) && VAGUE.test(t);
}

const SUMS_UP = /^(?:对于|针对|对|就)?(?:以上|上述|这些|查摆出的|查找出的|发现的|存在的)[^。;:]{0,10}问题[^。;:]{0,30}(?:将|要|会)/;
const VAGUE = /认真|切实|加以|逐项|全力|立行立改|整改到位|取得实效|落实到位|抓好整改|积极整改|高度重视/;

/** A closing line: 特此报告, a date, a signature. */
export function isTrailer(s: string): boolean {
  return TRAILER.test(s.replace(/[ ]+/g, "").replace(/[。.]$/, ""));
}

/** A line of a report's closing block: attachments, signature, date, copies (抄送). */
const CLOSING = /^(?:附件|附:|抄送|抄报|印发|主送|报送|联系人|联系电话|签发)|^(?:\d{4}|[X*]{2,4}|二〇[一二三四五六七八九〇○]{2})年[\dX*一二三四五六七八九十]{1,2}月(?:[\dX*一二三四五六七八九十]{1,3}日)?$/;
const ATTACHMENT_ITEM = /^\d{1,2}[.、][^。;]{1,60}$/;
/** A line that opens an appendix: "附件", "附件2", "附表：" */
const APPENDIX_HEAD = /^(?:附件|附表|附)[\d一二三四五六七八九十]{0,2}(?::[^。;]{2,40})?:?$|^[^,。;:!?]{4,40}(?:台账|清单|一览表|统计表|明细表)$/;

/**
 * Where a report's closing block begins (attachment list, signature, date, 抄送), or v.length
 * when it has none: nothing after it is a problem or a measure.
 */
export function closingStart(v: string): number {
  const lines: Range[] = [];
  for (let a = 0; a <= v.length;) {
    let b = v.indexOf("\n", a);
    if (b < 0) b = v.length;
    const r = trimRange(v, a, b);
    if (r) lines.push([a, b]);
    a = b + 1;
  }
  const text = (r: Range) => v.slice(r[0], r[1]).replace(/[ ]+/g, "").replace(/[。.]$/, "");
  let cut = v.length;
  let sawClosing = false;
  let last = lines.length - 1;
  // an appendix after the signature and date ("附件" on a line of its own, then a ledger):
  // the closing block begins above it, whatever follows
  for (let i = 2; i < lines.length; i++) {
    if (!APPENDIX_HEAD.test(text(lines[i]))) continue;
    const prev = text(lines[i - 1]);
    const date = CLOSING.test(prev) || (isTrailer(prev) && /\d{4}年\d{1,2}月/.test(prev)) ? i - 1 : -1;
    if (date >= 1 && !/^(?:附件|附:|抄送)/.test(text(lines[date]))) {
      cut = lines[i][0];
      sawClosing = true;
      last = i - 1;
      break;
    }
  }
  for (let i = last; i >= 1; i--) {
    const t = text(lines[i]);
    if (/^(?:[一二三四五六七八九十]+[、.]|\(|\d+[.、)]|[\u2460-\u2473])/.test(t) && !ATTACHMENT_ITEM.test(t)) break;
    // a signature or 特此报告 counts only above a date or 抄送 (alone, it may be an item's last line)
    if (CLOSING.test(t) || (sawClosing && isTrailer(t) && !/[。;]/.test(t))) { cut = lines[i][0]; sawClosing = true; continue; }
    if (ATTACHMENT_ITEM.test(t)) {
      // "2.XX统计表" under "附件：1.XX自查表"
      let j = i - 1;
      while (j >= 1 && ATTACHMENT_ITEM.test(text(lines[j]))) j--;
      if (j >= 1 && /^(?:附件|附:)/.test(text(lines[j]))) { cut = lines[j][0]; sawClosing = true; i = j; continue; }
    }
    break;
  }
  return sawClosing ? cut : v.length;
}

// A signature and date run on after the last sentence: "…收缴情况。XX党支部2024年3月15日"
const RUN_ON_SIGNATURE = /[。!?][^。!?;]{0,40}\d{4}年\d{1,2}月(?:\d{1,2}日)?$/;

/** A range's paragraphs less the closing lines at its end. */
export function dropTrailers(v: string, breaks: number[], r: Range, keepFirst = false): Range | null {
  const tail = v.slice(Math.max(r[0], r[1] - 60), r[1]);
  const sig = RUN_ON_SIGNATURE.exec(tail);
  if (sig) r = [r[0], r[1] - tail.length + sig.index + 1];
  const ps = paragraphs(v, breaks, r[0], r[1]);
  while (ps.length > 1 && (isTrailer(v.slice(ps[ps.length - 1][0], ps[ps.length - 1][1])) || isPledge(v.slice(ps[ps.length - 1][0], ps[ps.length - 1][1])))) ps.pop();
  if (ps.length === 0) return null;
  if (ps.length === 1 && !keepFirst && isTrailer(v.slice(ps[0][0], ps[0][1]))) return null;
  return [ps[0][0], ps[ps.length - 1][1]];
}

const INTRO_SENTENCE = /^[^。;]{0,60}?(?:如下|以下|下列|几个方面|几点|[一二三四五六七八九十\d]+[个条项点方面]+[^。;:]{0,10})[^。;]{0,6}?[:。]/;

/** Where the items of a paragraph begin, past a lead-in ("主要问题是：", "具体如下："). */
function skipIntro(v: string, r: Range): Range | null {
  const s = v.slice(r[0], r[1]);
  const colon = s.indexOf(":");
  if (colon >= 0 && colon <= 40 && !/[。;]/.test(s.slice(0, colon))) return trimRange(v, r[0] + colon + 1, r[1]);
  const m = INTRO_SENTENCE.exec(s);
  if (m && m[0].length < s.length) return trimRange(v, r[0] + m[0].length, r[1]);
  return r;
}

/** A 、-list of problems: "存在学习形式单一、研讨交流不深、学用结合不紧等问题". */
export const DUN_LIST = /(?:存在|出现|有|检视出|查摆出|查找出|梳理出|主要是)(?:着|了)?[,:]?([^。;,:]{2,40}?(?:、[^。;,:、]{2,40}?)+)(?:等)?(?:(?:[一二三四五六七八九十\d]+个)?方面)?(?:的)?(?:问题|不足|现象|情况|短板)(?=[。,;:!?\n)]|$)|(?:存在|出现|有|检视出|查摆出|查找出|梳理出|主要是)(?:着|了)?[,:]?([^。;,:]{2,40}?(?:、[^。;,:、]{2,40}?)+)等[一二三四五六七八九十\d]+个方面/g;

export function dunList(v: string, r: Range): Range[] {
  const out: Range[] = [];
  const s = v.slice(r[0], r[1]);
  DUN_LIST.lastIndex = 0;
  for (let m = DUN_LIST.exec(s); m; m = DUN_LIST.exec(s)) {
    const list = m[1] ?? m[2];
    const listStart = r[0] + m.index + m[0].indexOf(list);
    let a = listStart;
    const parts: Range[] = [];
    for (const part of list.split("、")) {
      const t = trimRange(v, a, a + part.length);
      if (t) parts.push(t);
      a += part.length + 1;
    }
    if (parts.length >= 2 && parts.every((p) => p[1] - p[0] <= 30)) for (const q of parts) out.push(q);
  }
  return out;
}

/** Items of a stretch of unnumbered text. */
export function splitLoose(v: string, breaks: number[], a: number, b: number, kind: "P" | "C" | "M"): Range[] {
  let ps = paragraphs(v, breaks, a, b).filter((p) => !isTrailer(v.slice(p[0], p[1])) && !isPledge(v.slice(p[0], p[1])));
  // lead-in paragraphs ("通过自查，主要存在以下问题：", "总的看…突出表现在三个方面：") introduce and are no items
  ps = ps.filter((p, i) => !(i < ps.length - 1 && isIntroParagraph(v.slice(p[0], p[1]) + colonAfter(v, p))));
  if (ps.length === 0) return [];
  if (ps.length === 1 && isIntroParagraph(v.slice(ps[0][0], ps[0][1]))) return [];
  if (ps.length >= 2 && isSummary(v, ps)) ps = ps.slice(1);
  if (ps.length >= 2) return ps.map((p) => skipIntro(v, p) ?? p);
  const p = skipIntro(v, ps[0]);
  if (!p) return [];
  const semis = splitSemicolons(v, p, kind);
  if (semis.length >= 2) return kind === "P" ? semis.flatMap((r) => splitPartSubjects(v, r)) : semis;
  if (kind === "P") {
    const dl = dunList(v, p);
    if (dl.length >= 2) return dl;
  }
  return [p];
}

/**
 * A first paragraph that sums up the ones after it: "主要存在三个方面问题：A、B、C。" when
 * A, B, C open the following paragraphs, or one that announces a count ("以下三个方面").
 */
function isSummary(v: string, ps: Range[]): boolean {
  const first = v.slice(ps[0][0], ps[0][1]);
  if (/(以下|如下|下列)[^。;]{0,6}([一二三四五六七八九十\d]+|几)(个|条|项|点|方面)/.test(first) && first.length <= 120) return true;
  const names = first.replace(/^[^:]*:/, "").split(/[、,;。]/).map((x) => x.replace(/等.*$/, "").trim()).filter((x) => x.length >= 2);
  if (names.length < 2) return false;
  const heads = ps.slice(1).map((p) => v.slice(p[0], Math.min(p[1], p[0] + 30)));
  const echoed = names.filter((n) => heads.some((h) => h.includes(n.slice(0, 4))));
  return echoed.length * 2 > names.length;
}

/** ":" when the paragraph ends in a colon that trimming cut off. */
function colonAfter(v: string, p: Range): string {
  for (let i = p[1]; i < v.length && v[i] !== "\n" && TRAIL_PUNCT.includes(v[i]); i++) if (v[i] === ":") return ":";
  return "";
}

function isIntroParagraph(s: string): boolean {
  const t = s.trim();
  return /:$/.test(t) || (t.length <= 40 && /(如下|以下|下列)[。:]?$/.test(t)) || (t.length <= 80 && INTRO_END.test(t));
}

/** "…突出表现在三个方面。" "主要有以下4个问题。": a sentence that only announces a list */
const INTRO_END = /(?:表现|体现|反映|集中)(?:在|为)[^。;]{0,6}(?:以下|如下)?(?:几|[一二三四五六七八九十\d]+)个?方面[。]?$|(?:以下|如下|下列)[^。;]{0,4}(?:几|[一二三四五六七八九十\d]+)(?:个|条|项|点)[^。;]{0,6}[。]?$/;

/**
 * Whether a full stop inside a list of clauses also ends an item: measures addressed one after
 * another ("…租金。对下属企业党组织：要…"), or a further fault ("…。同时，经费使用不规范。").
 */
function sentenceSplits(v: string, at: number, end: number, kind: "P" | "C" | "M"): boolean {
  const next = v.slice(at, Math.min(end, at + 80)).replace(/^\s+/, "");
  if (kind === "M") return ADDRESSED_MEASURE.test(next);
  if (kind === "P") return FURTHER_FAULT.test(next) && FAULT_PREDICATE.test(next.split("。")[0]);
  return false;
}

const ADDRESSED_MEASURE = /^(?:对[^。;:,]{1,24}:)?要/;
const FURTHER_FAULT = new RegExp(`^(?:${FURTHER_WORDS.join("|")}),`);

const PART_CLAUSE = new RegExp(`,(?=(?:${PART_SUBJECTS.join("|")})[^,。;]{2,30}?(?:不|未|无|缺|乱|空泛|随意|生硬|拖欠|偏[少低弱多软宽]|滞后|薄弱|单一|流于形式)[^,。;]{0,12}(?:[,。;]|$))`, "g");

/**
 * A fault whose comma is followed by another subject's fault of its own: "“三会一课”记录不完整，
 * 部分党员学习笔记内容空泛" → two problems (only where the first clause finds fault too).
 */
export function splitPartSubjects(v: string, r: Range): Range[] {
  const s = v.slice(r[0], r[1]);
  const out: Range[] = [];
  let a = 0;
  PART_CLAUSE.lastIndex = 0;
  for (let m = PART_CLAUSE.exec(s); m; m = PART_CLAUSE.exec(s)) {
    const before = s.slice(a, m.index);
    if (before.includes(",") || !FAULT_PREDICATE.test(before)) continue;
    const t = trimRange(v, r[0] + a, r[0] + m.index);
    if (t) out.push(t);
    a = m.index + 1;
  }
  if (!out.length) return [r];
  const t = trimRange(v, r[0] + a, r[1]);
  if (t) out.push(t);
  return out;
}

/** "A；B；C" → A, B, C when each part is a clause of its own. */
export function splitSemicolons(v: string, r: Range, kind?: "P" | "C" | "M"): Range[] {
  const out: Range[] = [];
  let a = r[0];
  for (let i = r[0]; i <= r[1]; i++) {
    if (i === r[1] || v[i] === ";" || (v[i] === "。" && kind && sentenceSplits(v, i + 1, r[1], kind))) {
      const t = trimRange(v, a, i);
      if (t) out.push(t);
      a = i + 1;
    }
  }
  if (out.length < 2 || out.some((t) => cjkCount(v, t) < 4)) return [];
  return out;
}

function cjkCount(v: string, r: Range): number {
  let n = 0;
  for (let i = r[0]; i < r[1]; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0x3400 && c <= 0x9fff) n++;
  }
  return n;
}
