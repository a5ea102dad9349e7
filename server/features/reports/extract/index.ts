// The report parser: text in, structure out. Pure; never throws.
//
//   normalise (view.ts) → segment into a numbered tree with lead-ins (tree.ts)
//   → classify each section by its heading and lead-ins (kinds.ts), or where the heading says
//     nothing by what its items look like ("1.关于“…”的问题" lines, fault-finding or imperative
//     sentences; Walker.sectionKind) → split items (items.ts)
//
// Every returned text is cut from the input: text === collapseBreaks(input.slice(start, end)).
import { buildView, collapseBreaks, cutView, origEnd, origStart, type View } from "./view.ts";
import { buildTree, HEADING_STYLES, INLINE_STYLES, type Doc, type Lead, type Node } from "./tree.ts";
import { headingKind, labelKind, reportYear, type Kind } from "./kinds.ts";
import { findTables } from "./table.ts";
import { FAULT_PREDICATE } from "./words.ts";
import { closingStart, dropTrailers, dunList, lowerBound, splitLoose, trimRange, type Range } from "./items.ts";

export { collapseBreaks } from "./view.ts";

export type Section = { heading: string; kind: "problems" | "causes" | "measures" | "other"; start: number; end: number };
export type Item = { category: string | null; text: string; start: number; end: number };
export type Extracted = {
  title: string;
  problems: Item[];
  causes: Item[];
  measures: Item[];
  sections: Section[];
  notice?: string;
};

export const NO_PROBLEMS_NOTICE = "未识别到存在问题，请手工添加";

type Found = { kind: "P" | "C" | "M"; category: Range | null; range: Range };

const KIND_NAME: Record<Kind, Section["kind"]> = { P: "problems", C: "causes", M: "measures", O: "other" };

export function extractReport(text: string): Extracted {
  try {
    return extract(typeof text === "string" ? text : String(text ?? ""));
  } catch {
    return { title: "", problems: [], causes: [], measures: [], sections: [], notice: NO_PROBLEMS_NOTICE };
  }
}

function extract(input: string): Extracted {
  const view = buildView(input);
  // tables flattened to text are read row by row; the tree never sees them
  const tables = findTables(input).map((t) => ({
    start: viewIndex(view, t.start),
    end: viewIndex(view, t.end),
    found: t.cells.map((c): Found => ({
      kind: c.kind,
      category: c.category ? [viewIndex(view, c.category[0]), viewIndex(view, c.category[1])] : null,
      range: [viewIndex(view, c.range[0]), viewIndex(view, c.range[1])],
    })),
  }));
  let v = view.v;
  if (tables.length) {
    const chars = v.split("");
    for (const t of tables) for (let i = t.start; i < t.end; i++) if (chars[i] !== "\n") chars[i] = " ";
    v = chars.join("");
  }
  // the closing block (attachments, signature, date, 抄送) holds no items
  const closing = closingStart(v);
  const doc = buildTree(v.slice(0, closing), reportYear(v));
  const titleRange = findTitle(doc);
  const explicit = explicitKinds(doc);
  let walker = new Walker(doc, { explicitP: explicit.P, explicitM: explicit.M, weakM: false, titleEnd: titleRange ? titleRange[1] : 0 });
  walker.run();
  const tableM = tables.some((t) => t.found.some((f) => f.kind === "M"));
  if (explicit.weakM && !tableM && !walker.found.some((f) => f.kind === "M")) {
    // no measures section by a strong name: accept 保障措施 / 工作要求 and the like
    const again = new Walker(doc, { explicitP: explicit.P, explicitM: explicit.M, weakM: true, titleEnd: titleRange ? titleRange[1] : 0 });
    again.run();
    if (again.found.some((f) => f.kind === "M")) walker = again;
  }
  let found = walker.found;
  for (const t of tables) {
    if (!t.found.length) continue;
    // a ledger appended after the signature repeats the body: it counts only for a kind the body lacks
    if (t.start >= closing) t.found = t.found.filter((f) => !walker.found.some((g) => g.kind === f.kind));
    let at = found.findIndex((f) => f.range[0] >= t.start);
    if (at < 0) at = found.length;
    found = [...found.slice(0, at), ...t.found, ...found.slice(at)];
  }
  if (!found.some((f) => f.kind === "P")) found = [...areaHeadings(doc), ...found];

  const out = (kind: "P" | "C" | "M") => found.filter((f) => f.kind === kind).map((f) => toItem(view, f)).filter((x): x is Item => x !== null);
  const problems = out("P");
  const result: Extracted = {
    title: titleRange ? cut(view, titleRange) : "",
    problems,
    causes: out("C"),
    measures: out("M"),
    sections: walker.sections.map((s) => ({
      heading: cut(view, s.range),
      kind: KIND_NAME[s.kind],
      start: origStart(view, s.node.start),
      end: origEnd(view, Math.max(s.node.end, s.node.start + 1)),
    })),
  };
  if (problems.length === 0) result.notice = NO_PROBLEMS_NOTICE;
  return result;
}

/** The view index of the first kept character at or after an input offset. */
function viewIndex(view: View, off: number): number {
  let lo = 0, hi = view.map.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (view.map[mid] < off) lo = mid + 1; else hi = mid;
  }
  return lo;
}

function cut(view: View, r: Range): string {
  return cutView(view, r[0], r[1]);
}

function toItem(view: View, f: Found): Item | null {
  const start = origStart(view, f.range[0]);
  const end = origEnd(view, f.range[1]);
  if (!(end > start)) return null;
  const text = collapseBreaks(view.input.slice(start, end));
  if (!text) return null;
  return { category: f.category ? cut(view, f.category) || null : null, text, start, end };
}

/** The document title: its first line, when short and not a numbered heading. */
function findTitle(doc: Doc): Range | null {
  const v = doc.v;
  let a = 0;
  while (a < v.length && (v[a] === " " || v[a] === "\n")) a++;
  let b = v.indexOf("\n", a);
  if (b < 0) b = v.length;
  const r = trimRange(v, a, b);
  if (!r) return null;
  const line = v.slice(r[0], r[1]);
  if (line.length > 60 || /[。;]$/.test(line) || /[。]/.test(line)) return null;
  if (doc.root.children.some((c) => c.start === r[0])) return null;
  // "…第三党支部" then "2025年度党建工作自查报告": a title on two lines
  if (ORG_NAME.test(line) && !DOC_NAME.test(line)) {
    let c = b + 1;
    while (c < v.length && v[c] === " ") c++;
    let d = v.indexOf("\n", c);
    if (d < 0) d = v.length;
    const second = trimRange(v, c, d);
    const next = second ? v.slice(second[0], second[1]) : "";
    if (second && next.length <= 50 && DOC_NAME.test(next) && !/[。;]/.test(next) && !doc.root.children.some((k) => k.start === second[0])) return [r[0], second[1]];
  }
  return r;
}

/** The name of a party organisation or office, alone on a title's first line. */
const ORG_NAME = /(?:支部|支部委员会|总支|党委|党组|委员会|工委|党工委|机关|局|办公室|街道|社区|村)$/;
/** The name of a document: what a title's second line ends with. */
const DOC_NAME = /(?:报告|总结|材料|方案|意见|清单|纪要|情况|计划|汇报)$/;

/** The end of a node's title: the first line break, sentence end, colon, or child. */
function titleEnd(doc: Doc, n: Node, cutAtArea = true): number {
  const v = doc.v;
  const limit = Math.min(n.end, n.children.length ? n.children[0].start : n.end, n.bodyStart + 120);
  for (let i = n.bodyStart; i < limit; i++) {
    const c = v[i];
    if (c === "\n" || c === "。" || c === "!" || c === "?" || c === ";" || c === ":") return i;
    // where line breaks were lost, "…方面" ends a heading that runs on into its text
    if (cutAtArea && n.inline && c === "面" && v[i - 1] === "方" && i + 1 < limit && !"存的问不和及、,。:;".includes(v[i + 1])) return i + 1;
  }
  return limit;
}

/** The title a heading's kind is read from; a run-on title (line breaks lost) is cut short. */
function headingTitle(doc: Doc, n: Node): string {
  const t = doc.v.slice(n.bodyStart, titleEnd(doc, n, false)).trim();
  return n.inline && t.length > 30 ? t.slice(0, 16) : t;
}

function titleOf(doc: Doc, n: Node): string {
  return doc.v.slice(n.bodyStart, titleEnd(doc, n)).trim();
}

/** Which kinds have a section heading of their own ("二、存在问题", "三、整改措施"). */
function explicitKinds(doc: Doc): { P: boolean; M: boolean; weakM: boolean } {
  const res = { P: false, M: false, weakM: false };
  const visit = (n: Node) => {
    for (const c of n.children) {
      if (INLINE_STYLES.has(c.style)) continue;
      const t = headingTitle(doc, c);
      const hk = t.length <= 30 ? headingKind(t, doc.year) : null;
      if (hk) {
        if (hk.kind === "P") res.P = true;
        if (hk.kind === "M") res[hk.weak ? "weakM" : "M"] = true;
        if (hk.kind === "P" && hk.combined) res.M = res.M || /措施|计划|打算|建议|对策|下一步/.test(t);
        continue;
      }
      visit(c);
    }
  };
  visit(doc.root);
  return res;
}

/** Special self-checks: headings that end in 方面 name the problem areas. */
function areaHeadings(doc: Doc): Found[] {
  const out: Found[] = [];
  const visit = (n: Node) => {
    for (const c of n.children) {
      if (!INLINE_STYLES.has(c.style)) {
        const e = titleEnd(doc, c);
        const r = trimRange(doc.v, c.bodyStart, e);
        if (r && e - c.bodyStart <= 60 && /方面(?:的?问题|存在的问题)?$/.test(doc.v.slice(r[0], r[1]).replace(/[。.]$/, ""))) {
          out.push({ kind: "P", category: null, range: r });
          continue;
        }
      }
      visit(c);
    }
  };
  visit(doc.root);
  return out;
}

/** A heading that points at a problem rather than stating a measure: 针对…问题, 关于…方面. */
function namesProblem(t: string): boolean {
  return /^(针对|关于|就|对于|对)|问题[)]?$|方面$|^问题/.test(t.replace(/[\s"“”]/g, ""));
}

function squash(s: string): string {
  return s.replace(/[\s\p{P}\p{S}]+/gu, "");
}

/** A heading made of kind words only ("存在的主要问题", "原因分析"), naming no topic. */
function isPureKindTitle(t: string): boolean {
  return t.replace(/当前|目前|主要|突出|存在|问题|不足|差距|短板|原因|分析|剖析|根源|整改|措施|下一步|工作|计划|打算|清单|具体|表现|自查|发现|查摆|对策|建议|意见|要求|情况|的|及|和|与|[\sX*、,.:;()]/g, "").length <= 2;
}

const PROGRESS_LABEL = /进展|进度|完成情况/;

/** A heading about what was done or what is: its items are neither problems nor measures. */
const OTHER_TITLE = /情况|做法|成效|成绩|经验|亮点|特色|概况|背景|基本|主要工作|工作开展|开展|取得|目标|要求|原则|思路|组织|领导|保障|时间|步骤|安排|附件|说明/;
/** An item's first sentence that finds fault: "…不到位", "…流于形式", "缺乏…". */
const NEGATIVE = FAULT_PREDICATE;
/** An item that opens with what to do: "加强…", "建立健全…", "严格落实…". */
const IMPERATIVE = /^(?:进一步|持续|切实|全面|认真|不断|着力|继续)?(?:加强|强化|完善|健全|建立|严格|落实|推进|推动|开展|规范|提升|提高|深化|坚持|制定|修订|组织|实行|推行|加大|压实|抓好|做好|创新|优化|探索|引导|督促|聚焦|围绕|打造|实施|夯实|筑牢|用好|发挥|注重|狠抓|抓实|严肃|明确|畅通|拓展|丰富|争取|加快|确保|定期|补齐|调整|配齐|选派|召开|成立|设立|扩大|改进|改善|整合|整治|清理|排查|依托|利用|借助|采取|巩固|防止|杜绝|坚决|带头|从严|提醒|约谈|督导|检查|核查|复查|统一|编制|印发|完成|增强|配备|安排)/

function within(n: Node, outer: Node): boolean {
  for (let p: Node | null = n; p; p = p.parent) if (p === outer) return true;
  return false;
}

/** A line that names a problem to answer it: "关于“学习不深入”的问题", "针对XX问题". */
const PROBLEM_LINE = /^(?:关于|针对|对于|就)[^。;:]{2,60}问题(?:的?整改(?:落实|进展)?情况)?$/;

/** The end of a problem's own text that introduces details of it, not further problems. */
const DETAIL_INTRO = /[。,;]\s*(?:主要|具体)?(?:表现(?:在|为)?|体现(?:在|为)|例如|比如)(?:以下几个方面|以下方面|如下|几个方面)?\s*[:,]?\s*$/;

const DETAIL_STYLES: ReadonlySet<string> = new Set(["num-paren", "circled", "num-dot"]);

type WalkOptions = { explicitP: boolean; explicitM: boolean; weakM: boolean; titleEnd: number };

class Walker {
  found: Found[] = [];
  sections: { node: Node; kind: Kind; range: Range }[] = [];
  constructor(private doc: Doc, private opt: WalkOptions) { }

  run() {
    const root = this.doc.root;
    for (const c of root.children) {
      const hk = this.sectionKind(c, "O");
      const r = trimRange(this.doc.v, c.start, titleEnd(this.doc, c));
      if (r) this.sections.push({ node: c, kind: hk ?? "O", range: r });
    }
    this.walk(root, "O", null, false);
  }

  /** Sections whose items are problems answered one by one ("1.关于“…”的问题" then what was done). */
  private answered = new Set<Node>();
  /** The same, in a report whose problems are listed in a section of their own. */
  private answersOnly = new Set<Node>();

  /**
   * The kind of a section: what its heading announces, or what its items are. A section whose
   * items are "关于“…”的问题" lines lists problems whatever its heading says ("反馈意见逐项整改
   * 情况"); under a measures heading, the text below each such line is what is done about it.
   */
  private sectionKind(c: Node, cur: Kind): Kind | null {
    const k = this.sectionKindOf(c, cur);
    if (c.parent?.style === "root") this.kindOf.set(c, k);
    return k;
  }

  /** The kinds found for the top-level sections so far. */
  private kindOf = new Map<Node, Kind | null>();

  /** Whether a node holds 方面 problem areas ("（一）对退休党员疏于管理方面。"). */
  private hasAreas(n: Node): boolean {
    return n.children.some((k) => HEADING_STYLES.has(k.style) && /方面(?:的?问题)?$/.test(titleOf(this.doc, k).replace(/[.。]$/, "")));
  }

  private sectionKindOf(c: Node, cur: Kind): Kind | null {
    const hk = this.headingOf(c, cur);
    if (hk === "C" || hk === "O") return hk;
    if (hk === "P") {
      // "二、反馈问题整改落实情况": below each problem line, what was done about it
      if (cur === "O" && /整改|措施/.test(headingTitle(this.doc, c)) && this.problemItems(c)) this.answered.add(c);
      return hk;
    }
    if (hk === null && cur !== "O") return null;
    if (INLINE_STYLES.has(c.style) || c.style === "label-p" || c.style === "label-m") return hk;
    if (this.problemItems(c)) {
      // under a measures heading or none, the text below each problem is what is done about it;
      // when another section lists the problems already, only that answer counts
      if (this.namedKinds().some((x) => x.kind === "P" && !within(x.node, c) && !within(c, x.node) && !this.problemItems(x.node))) {
        this.answersOnly.add(c);
        return "M";
      }
      this.answered.add(c);
      return "P";
    }
    if (hk !== null || c.parent?.style !== "root" || OTHER_TITLE.test(headingTitle(this.doc, c))) return hk;
    // a heading that says nothing ("二、需要改进的地方"): what its items say decides
    // (unless another section's heading names that kind)
    const named = new Set(this.namedKinds().filter((x) => !within(x.node, c) && !this.answered.has(x.node) && !this.answersOnly.has(x.node)).map((x) => x.kind));
    if (!named.has("P") && this.itemsLike(c, NEGATIVE) && !this.itemsLike(c, IMPERATIVE)) return "P";
    if (!named.has("M") && this.itemsLike(c, IMPERATIVE) && !this.itemsLike(c, NEGATIVE)) {
      // (after the problems: a section of problems, problems found so far, or 方面 problem areas)
      const before = c.parent.children.slice(0, c.parent.children.indexOf(c));
      if (this.found.some((f) => f.kind === "P") || before.some((b) => this.kindOf.get(b) === "P" || this.hasAreas(b))) return "M";
    }
    return null;
  }

  private named: { node: Node; kind: Kind }[] | null = null;

  /** The section headings (一、 (一) 1 第一部分) that name a kind. */
  private namedKinds(): { node: Node; kind: Kind }[] {
    if (this.named) return this.named;
    const out: { node: Node; kind: Kind }[] = [];
    const visit = (n: Node, depth: number) => {
      for (const c of n.children) {
        if (!HEADING_STYLES.has(c.style)) continue;
        const t = headingTitle(this.doc, c);
        // (below the top level, only a heading made of kind words: "(一)存在问题", not "(一)学习不够深入")
        const heading = depth === 0 || isPureKindTitle(t);
        const hk = heading && t.length <= 30 && !PROBLEM_LINE.test(t.replace(/[.。]$/, "")) ? headingKind(t, this.doc.year) : null;
        if (hk) out.push({ node: c, kind: hk.kind });
        if (depth < 1) visit(c, depth + 1);
      }
    };
    visit(this.doc.root, 0);
    return (this.named = out);
  }

  /** Whether two or more numbered children, and two thirds of them, open with a phrase like `re`. */
  private itemsLike(n: Node, re: RegExp): boolean {
    // under category headings ("（一）组织生活方面" then 1. 2.), the items are a level down
    // (a section of one paragraph "一是…；二是…" has only inline items)
    const numbered = n.children.filter((k) => !INLINE_STYLES.has(k.style));
    const kids = (numbered.length ? numbered : n.children).flatMap((k) => {
      const sub = k.children.filter((g) => !INLINE_STYLES.has(g.style));
      const t = this.doc.v.slice(k.bodyStart, titleEnd(this.doc, k)).trim().replace(/[.。]$/, "");
      return sub.length && !re.test(t) && /方面$|^.{2,12}$/.test(t) ? sub : [k];
    });
    if (kids.length < 2) return false;
    const hits = kids.filter((k) => re.test(this.firstWords(k))).length;
    return hits >= 2 && hits * 3 >= kids.length * 2;
  }

  /** An item's title, or after a "在…方面。" title its next sentence too. */
  private firstWords(k: Node): string {
    const v = this.doc.v;
    const te = titleEnd(this.doc, k);
    // "针对材料不完整的问题，补齐…" answers a problem: what it does is what counts
    const t = v.slice(k.bodyStart, te).replace(/^\s*针对[^,。;]{2,30}(?:问题|不足)[,]?/, "");
    if (!/方面$/.test(t.trim()) || te >= k.end) return t;
    let e = te + 1;
    while (e < k.end && e < te + 80 && !"。;\n".includes(v[e])) e++;
    return v.slice(k.bodyStart, e);
  }

  /** Whether most of a node's numbered children are lines that name a problem: "1.关于“X”的问题". */
  private problemItems(n: Node): boolean {
    const kids = n.children.filter((k) => !INLINE_STYLES.has(k.style));
    if (kids.length < 2) return false;
    let hits = 0;
    for (const k of kids) {
      const te = titleEnd(this.doc, k);
      const t = this.doc.v.slice(k.bodyStart, te).trim().replace(/[.。]$/, "");
      // the problem's own line (sub-items under it would make it a group of measures)
      // ("X的问题" with "整改情况：" right below it counts too)
      const answered = /问题$/.test(t) && t.length <= 60 && labelKind(/^\s*([^\s,。;:!?()]{2,8}):/.exec(this.doc.v.slice(te, te + 14))?.[1] ?? "") === "M";
      if ((PROBLEM_LINE.test(t) || answered) && !k.children.some((g) => !INLINE_STYLES.has(g.style))) hits++;
    }
    return hits >= 2 && hits * 3 >= kids.length * 2;
  }

  /** An item of an answered section: its first line is the problem, the text below what was done. */
  private answeredItem(node: Node, end: number): boolean {
    if (!node.parent || !(this.answered.has(node.parent) || this.answersOnly.has(node.parent))) return false;
    const v = this.doc.v;
    const te = titleEnd(this.doc, node);
    if (te >= end) return false;
    const title = trimRange(v, node.bodyStart, te);
    let rest = trimRange(v, te, end);
    // "整改情况：…" right after the line: the label is no part of the answer
    const label = rest && /^([^\s,。;:!?()]{2,8}):/.exec(v.slice(rest[0], rest[0] + 10));
    if (rest && label && labelKind(label[1]) === "M") rest = trimRange(v, rest[0] + label[0].length, rest[1]);
    if (!title || !rest || !(v[te] === "\n" || label)) return false;
    if (this.answered.has(node.parent)) this.emit("P", null, title, true);
    this.emit("M", null, rest, true);
    return true;
  }

  /** The kind a child's own heading announces, given the kind around it. */
  private headingOf(c: Node, cur: Kind): Kind | null {
    if (INLINE_STYLES.has(c.style) || c.style === "label-p" || c.style === "label-m") return null;
    const t = headingTitle(this.doc, c);
    if (t.length > 30) return null;
    const hk = headingKind(t, this.doc.year);
    if (!hk || (hk.weak && !this.opt.weakM)) return null;
    // "1.阵地建设薄弱，办公用房不足。": an item's sentence, no heading (a heading names a kind, or stands alone)
    if (cur === "O" && !HEADING_STYLES.has(c.style) && this.doc.v[titleEnd(this.doc, c)] === "。" && !isPureKindTitle(t) && /[,、]/.test(t)) return null;
    if (cur === "O") return hk.kind;
    if (hk.kind !== cur && t.replace(/[\sX*]/g, "").length <= 14) return hk.kind;
    if (hk.kind === cur && isPureKindTitle(t)) return hk.kind; // "(一)存在问题" under "二、存在问题及原因"
    return null;
  }

  /** "整改措施：…" then "整改进展：已完成": after a measure, progress is a status (alone, it says what was done). */
  private progressAsStatus(leads: Lead[]): Lead[] {
    let sawMeasure = false;
    return leads.map((l) => {
      if (l.type !== "label" || l.kind !== "M") return l;
      if (!PROGRESS_LABEL.test(this.doc.v.slice(l.pos, l.contentStart))) { sawMeasure = true; return l; }
      return sawMeasure ? { ...l, kind: "O" as const } : l;
    });
  }

  /** Whether a lead-in changes the kind, given the current and the section's kind. */
  private applies(l: Lead, cur: Kind, base: Kind): boolean {
    if (l.kind === cur) return false;
    if (base === "O") {
      if (l.kind === "P") return !this.opt.explicitP;
      // "会议要求：要…；要…" lists measures even beside a measures section
      if (l.kind === "M") return !this.opt.explicitM || (l.type === "label" && /要求/.test(this.doc.v.slice(l.pos, l.contentStart)));
      if (l.kind === "C") return cur === "P";
      return cur !== "O" && l.type === "label";
    }
    if (cur === "O") return l.type === "label"; // after "责任人：" only another label resumes
    switch (cur) {
      case "P": return l.kind !== "P" && (l.type !== "phrase");
      case "M": return (l.type === "label" && (l.kind === "O" || l.kind === "P")) || (l.kind === "P" && !this.opt.explicitP);
      case "C": return l.type !== "phrase" && l.kind !== "C";
    }
    return false;
  }

  private paraEnd(pos: number): number {
    const br = this.doc.breaks;
    const i = lowerBound(br, pos);
    return i < br.length ? br[i] : this.doc.v.length;
  }

  /** `numbered`: the range is a numbered item's text, which a closing line may end but never be. */
  private emit(kind: Kind, category: Range | null, range: Range | null, numbered = false) {
    if (kind === "O" || !range) return;
    const r = dropTrailers(this.doc.v, this.doc.breaks, range, numbered);
    if (r) this.found.push({ kind, category, range: r });
  }

  private categoryRange(n: Node): Range | null {
    const r = trimRange(this.doc.v, n.bodyStart, titleEnd(this.doc, n));
    return r;
  }

  /**
   * Walks a node. `kind` is the kind its content starts in; `category` the group heading its
   * items fall under; `isItem` whether the node is itself one item (or a group of items).
   */
  private walk(node: Node, kind: Kind, category: Range | null, isItem: boolean, ownTitleCategory = false) {
    const v = this.doc.v;
    const kids = node.children;
    if (kids.length === 0 && node.leads.length === 0 && node.style !== "root") {
      // the common case, kept cheap: a leaf item, or a section of unnumbered text
      if (kind === "O") return;
      if (isItem) {
        if ((kind === "P" || kind === "M") && this.answeredItem(node, node.end)) return;
        return this.emitItem(node, kind, ownTitleCategory ? this.categoryRange(node) : category, node.end);
      }
      for (const r of splitLoose(v, this.doc.breaks, titleEnd(this.doc, node), node.end, kind)) this.emit(kind, category, r);
      return;
    }
    const base = kind;
    let cur = kind;
    const leads = this.progressAsStatus(node.leads.filter((l) => l.pos >= node.bodyStart && !(node.style === "root" && l.pos < this.opt.titleEnd)));
    const firstApplicable = leads.find((l) => this.applies(l, cur, base));
    // A numbered problem with sub-items is a group of problems; a measure keeps its sub-items.
    // (A measure under a heading that names a problem, "(一)针对…的问题", is one of a group too.)
    // "2、档案管理不规范。主要表现在：(1)…(2)…": the sub-points detail one problem
    // (only finer numbering, (1) ① 1.: "一是…二是…" after it keeps meaning a group of problems)
    const detailed = isItem && kind === "P" && kids.length > 0 && DETAIL_STYLES.has(kids[0].style) && DETAIL_INTRO.test(v.slice(node.bodyStart, kids[0].start));
    const isGroup = isItem && !detailed && (kind !== "M" || namesProblem(titleOf(this.doc, node))) && kids.length > 0 && (!firstApplicable || kids[0].start < firstApplicable.pos);
    const childCategory = isGroup ? this.categoryRange(node) ?? category : category;
    const anyGroupKid = kids.some((k) => k.children.length > 0 && !INLINE_STYLES.has(k.style));
    let segStart: number;
    if (node.style === "root") segStart = this.opt.titleEnd;
    else if (isItem && !isGroup) {
      const firstKid = detailed || (kind === "M" && !namesProblem(titleOf(this.doc, node))) ? node.end : kids.length ? kids[0].start : node.end;
      const itemEnd = Math.min(firstApplicable ? firstApplicable.pos : node.end, firstKid, node.end);
      // "(一)关于理论学习方面 存在问题：…": the heading is the category, the label's text the item
      const te = titleEnd(this.doc, node);
      const label = leads.find((l) => l.type === "label" && l.kind === kind && l.pos >= te && l.pos < itemEnd);
      if (label) this.emit(kind, this.categoryRange(node), trimRange(v, label.contentStart, itemEnd));
      else if ((kind === "P" || kind === "M") && this.answeredItem(node, itemEnd)) { /* emitted */ }
      else this.emitItem(node, kind, ownTitleCategory ? this.categoryRange(node) : category, itemEnd);
      segStart = itemEnd;
    } else segStart = isItem ? titleEnd(this.doc, node) : titleEnd(this.doc, node);

    /** weak: after a passing remark ("但仍存在问题，…"), text counts only as a list of two or more */
    type Loose = { a: number; b: number; kind: Kind; lead: Lead | null; weak: boolean };
    const loose: Loose[] = [];
    const leadsWithKids = new Set<Lead>();
    const kidKinds = new Set<Kind>();
    let curLead: Lead | null = null;
    let eph: { scopeEnd: number; listStyle: string | null } | null = null;
    const listKind = new Map<string, Kind>();
    const closeSeg = (b: number) => {
      if (b > segStart) {
        const end = eph && !eph.listStyle ? Math.min(b, eph.scopeEnd) : b;
        if (end > segStart) loose.push({ a: segStart, b: end, kind: cur, lead: curLead, weak: eph !== null && curLead !== null && !/(:|如下|以下|表现(在|为))\s*$/.test(v.slice(curLead.pos, curLead.contentStart)) });
      }
    };

    if (kind === "P" && kids.length > 0 && (isGroup || !isItem)) this.preambleList(node, segStart, kids[0].start, childCategory);

    let li = 0;
    for (let ki = 0; ki <= kids.length; ki++) {
      const c = ki < kids.length ? kids[ki] : null;
      const limit = c ? c.start : node.end;
      // lead-ins before this child
      for (; li < leads.length && leads[li].pos < limit; li++) {
        const l = leads[li];
        if (l.pos < segStart) continue;
        if (!this.applies(l, cur, base)) continue;
        closeSeg(l.pos);
        cur = l.kind;
        curLead = l;
        segStart = Math.max(segStart, l.contentStart);
        // ("会议要求：要…；要…。" opening its own paragraph, in a text without sections, reaches to the paragraph's end)
        const runOn = base === "O" && l.type === "label" && l.contentStart - l.pos >= 5 && /^[ ]*[^\s]/.test(v.slice(l.contentStart, l.contentStart + 2));
        if ((base === "O" || base === "M") && (l.type !== "label" || !l.lineStart || runOn) && !(l.type === "label" && l.kind === "O" && base === "M")) {
          let scopeEnd = this.paraEnd(l.pos);
          if (/:\s*$/.test(v.slice(Math.max(l.pos, scopeEnd - 3), scopeEnd))) scopeEnd = this.paraEnd(scopeEnd + 1);
          eph = { scopeEnd, listStyle: null };
        } else eph = null;
      }
      if (!c) break;
      if (c.start < segStart) continue; // inside an item already taken whole
      closeSeg(c.start);
      // the list this child belongs to
      const continuing = listKind.has(c.style) && c.value > 1;
      if (eph) {
        if (eph.listStyle === null && c.start <= eph.scopeEnd) eph.listStyle = c.style;
        else if (eph.listStyle === null || eph.listStyle !== c.style || !continuing) { cur = base; eph = null; curLead = null; }
      }
      if (continuing && !eph) cur = listKind.get(c.style)!;
      else if (!continuing) listKind.set(c.style, cur);
      if (curLead) leadsWithKids.add(curLead);
      kidKinds.add(cur);
      this.child(c, cur, childCategory, anyGroupKid);
      segStart = Math.max(segStart, c.end);
    }
    closeSeg(node.end);

    // unnumbered text: after a lead-in that no list follows, or the whole body of a section
    const sectionBody = !isItem && kids.length === 0;
    for (const lz of loose) {
      if (lz.kind === "O") continue;
      // (a section's unnumbered text counts too when its numbered items are of another kind:
      // "存在以下不足：A；B。" then "工作思路：一是…二是…")
      if (lz.lead ? leadsWithKids.has(lz.lead) : !(sectionBody || (!isItem && base !== "O" && !kidKinds.has(lz.kind)))) continue;
      // "1.关于X的问题 整改情况：A；B。": what is done about one problem is one measure
      const oneAnswer = isItem && base === "P" && lz.kind === "M" && lz.lead?.type === "label" && !/措施|举措|计划|打算/.test(v.slice(lz.lead.pos, lz.lead.contentStart));
      const items = oneAnswer ? [trimRange(v, lz.a, lz.b)].filter((r): r is Range => r !== null) : splitLoose(v, this.doc.breaks, lz.a, lz.b, lz.kind);
      if (lz.weak && items.length < 2) continue;
      for (const r of items) this.emit(lz.kind, category, r);
    }
  }

  private child(c: Node, cur: Kind, category: Range | null, anyGroupKid: boolean) {
    if (c.style === "label-p") return this.walk(c, "P", category, true);
    if (c.style === "label-m") return this.walk(c, "M", category, true);
    // "1.关于“X”的问题" in a section answering problems one by one: an item, not a heading
    if (c.parent && (this.answered.has(c.parent) || this.answersOnly.has(c.parent))) {
      if (c.children.length === 0) return this.walk(c, cur, category, true, anyGroupKid);
      // "1.关于X的问题\n一是…；二是…": the line is the problem, what follows lists its measures
      if (this.answered.has(c.parent)) this.emit("P", null, this.categoryRange(c), true);
      return this.walk(c, "M", null, false);
    }
    const hk = this.sectionKind(c, cur);
    // a section about last year's rectification: nothing in it is this report's, lead-ins included
    if (hk === "O") return;
    if (hk) {
      const r = trimRange(this.doc.v, c.start, titleEnd(this.doc, c));
      if (r && c.parent?.style !== "root") this.sections.push({ node: c, kind: hk, range: r });
      return this.walk(c, hk, null, false);
    }
    if (cur === "O") return this.walk(c, "O", null, false);
    this.walk(c, cur, category, true, anyGroupKid);
  }

  /**
   * A group's opening sentence "存在A、B、C等问题" names problems of its own, unless it only
   * sums up the items listed after it (their titles repeat its entries).
   */
  private preambleList(node: Node, a: number, b: number, category: Range | null) {
    const v = this.doc.v;
    if (b <= a) return;
    const dl = dunList(v, [a, b]);
    if (dl.length < 2) return;
    const heads = node.children.map((c) => squash(v.slice(c.bodyStart, titleEnd(this.doc, c))));
    const echoed = dl.filter((d) => heads.some((h) => h.includes(squash(v.slice(d[0], d[1])).slice(0, 4))));
    if (echoed.length * 2 >= dl.length) return;
    for (const d of dl) this.found.push({ kind: "P", category, range: d });
  }

  /** One item: the node's text up to `end`; a 方面 heading over a 、-list gives one item per entry. */
  private emitItem(node: Node, kind: Kind, category: Range | null, end: number) {
    const v = this.doc.v;
    const r = trimRange(v, node.bodyStart, end);
    if (!r) return;
    if (kind === "P") {
      const te = titleEnd(this.doc, node);
      const title = v.slice(node.bodyStart, te).trim();
      if (/方面(的?问题)?$/.test(title) && te < end) {
        const dl = dunList(v, [te, end]);
        if (dl.length >= 2) {
          const cat = trimRange(v, node.bodyStart, te);
          for (const d of dl) this.found.push({ kind, category: cat, range: d });
          return;
        }
      }
    }
    this.emit(kind, category, r, true);
  }
}

