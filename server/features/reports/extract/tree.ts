// Segmentation: the folded view → paragraph breaks, lead-ins, and a tree of numbered nodes.
//
// Numbering decides the tree. Each style of marker (一、 (一) 1. 一是 …) keeps its own count; a
// marker joins the tree only where its number fits: the next number of an open list of its
// style (a sibling), 1 (a new list, nested under the innermost open node, or restarting a list
// of its style), or the next number of a list that a lead-in just closed. Styles nest in the
// order they first open, so one parser reads 一、/(一)/1. as well as 1./(1)/①.
import { findMarkers, HEADING_STYLES, INLINE_STYLES, type Marker, type Style } from "./markers.ts";
import { C_LEAD, headingKind, labelKind, M_LEAD, P_LEAD, type Kind } from "./kinds.ts";
import { ADVICE_LEAD, FAULT_ANNOUNCE } from "./words.ts";
import { DUN_LIST } from "./items.ts";

export type Lead = {
  pos: number; // where the lead-in begins
  contentStart: number; // where what it introduces begins
  kind: Kind;
  /** label: "整改措施：" or a heading line without number; sentence: "下一步，…"; phrase: "…但也存在一些问题，" */
  type: "label" | "sentence" | "phrase";
  lineStart: boolean;
};

export type Node = {
  style: Style | "root";
  value: number;
  inline: boolean;
  start: number; // marker start
  bodyStart: number; // text start
  end: number;
  parent: Node | null;
  children: Node[];
  leads: Lead[];
  /** the last number given to a child of each style (created on first use) */
  lastByStyle: Map<string, number> | null;
};

export type Doc = {
  v: string;
  root: Node;
  /** sorted positions of paragraph breaks (the "\n" that ends a paragraph) */
  breaks: number[];
  leads: Lead[];
  /** the year the report is about (see reportYear) */
  year?: number;
};

const TERMINAL = /[。!?:…”"’)】》]$/;

/** Positions of the line breaks that end a paragraph (not those that merely wrap a line). */
export function paragraphBreaks(v: string, markerStarts: Set<number>): number[] {
  const out: number[] = [];
  let lineStart = 0;
  let prevLine = "";
  let nextBlankEnd = 0;
  for (let i = 0; i <= v.length; i++) {
    if (i < v.length && v.charCodeAt(i) !== 10) continue;
    const line = v.slice(lineStart, i).trim();
    if (i < v.length) {
      // decide whether the break at i ends the paragraph
      let j = Math.max(i + 1, nextBlankEnd);
      while (j < v.length && (v[j] === " " || v[j] === "\n")) j++;
      nextBlankEnd = j;
      const blank = v.slice(i + 1, j).includes("\n");
      const cur = line || prevLine;
      const hard = blank || !line || TERMINAL.test(cur) || cur.length < 24 || markerStarts.has(j) || j >= v.length;
      if (hard) out.push(i);
    }
    if (line) prevLine = line;
    lineStart = i + 1;
  }
  return out;
}

const LABEL_RE = /^([^,。;:!?\n()]{2,18}?)[ ]*:/;

/** Lead-ins: labels before a colon, heading lines without a number, and lead-in sentences. */
export function findLeads(v: string, year?: number): Lead[] {
  const out: Lead[] = [];
  // sentence starts: text start, after a line break, or after 。!?;
  let lastPos = -1;
  for (let i = -1; i < v.length; i++) {
    if (i >= 0) {
      const c = v[i];
      if (!(c === "\n" || c === "。" || c === "!" || c === "?" || c === ";")) continue;
    }
    let s = i + 1;
    if (s <= lastPos) continue;
    while (s < v.length && (v[s] === " " || v[s] === "\n")) s++;
    if (s >= v.length || s === lastPos) { lastPos = s; continue; }
    lastPos = s;
    const lineStart = isAfterBreak(v, s);
    const head = v.slice(s, s + 90);
    const lm = LABEL_RE.exec(head);
    if (lm && !/^([一二三四五六七八九十]+[、.]|\(|\d+[.、])/.test(lm[1])) {
      const k = labelKind(lm[1], year);
      if (k) {
        out.push({ pos: s, contentStart: s + lm[0].length, kind: k, type: "label", lineStart });
        continue;
      }
    }
    if (lineStart) {
      // a heading line without a number: "存在问题", "原因分析", "下一步工作打算"
      const nl = head.indexOf("\n");
      const line = (nl < 0 ? head : head.slice(0, nl)).trim();
      if (line.length <= 16 && !/[,。;!?]/.test(line) && !/^([一二三四五六七八九十]+[、.]|\(|\d+[.、)])/.test(line) && (nl >= 0 || s + line.length >= v.length - 1)) {
        const hk = isDocumentTitle(line) ? null : headingKind(line, year);
        if (hk && !hk.weak) {
          out.push({ pos: s, contentStart: s + line.length, kind: hk.kind, type: "label", lineStart });
          continue;
        }
      }
    }
    const cm = C_LEAD.exec(head);
    if (cm) { out.push({ pos: s, contentStart: s, kind: "C", type: "sentence", lineStart }); continue; }
    const mm = M_LEAD.exec(head);
    if (mm) { out.push({ pos: s, contentStart: s, kind: "M", type: "sentence", lineStart }); continue; }
    // (not "对照上级要求，仍存在一些问题：", which announces faults)
    const am = ADVICE_LEAD.exec(head);
    if (am && FAULT_ANNOUNCE.test(am[0])) continue;
    if (am) { out.push({ pos: s, contentStart: s + am[0].length, kind: "M", type: "sentence", lineStart }); continue; }
    // "村党支部主要存在A、B、C等问题": a sentence that names its problems in a 、-list
    const sentence = v.slice(s, s + 400);
    const dot = sentence.search(/[。;!?\n]/);
    DUN_LIST.lastIndex = 0;
    if (DUN_LIST.test(dot < 0 ? sentence : sentence.slice(0, dot))) out.push({ pos: s, contentStart: s, kind: "P", type: "phrase", lineStart });
  }
  // well-known labels glued to what precedes them (line breaks lost): "…的问题整改情况：…"
  const seen = new Set(out.map((l) => l.contentStart));
  const glued = /(存在问题|主要问题|问题表现|具体表现|原因分析|整改措施|整改情况|整改进展|整改举措|责任领导|责任单位|责任人|整改时限|完成时限)[ ]*:/g;
  for (let m = glued.exec(v); m; m = glued.exec(v)) {
    const end = m.index + m[0].length;
    if (seen.has(end)) continue;
    const k = labelKind(m[1]);
    if (k) out.push({ pos: m.index, contentStart: end, kind: k, type: "label", lineStart: false });
  }
  // phrases opening a list of problems, anywhere in a sentence
  for (const source of [P_LEAD.source, FAULT_ANNOUNCE.source]) {
    const re = new RegExp(source, "g");
    for (let m = re.exec(v); m; m = re.exec(v)) {
      const end = m.index + m[0].length;
      if (!out.some((l) => l.kind === "P" && l.type === "phrase" && l.contentStart === end)) out.push({ pos: m.index, contentStart: end, kind: "P", type: "phrase", lineStart: false });
      if (m[0].length === 0) re.lastIndex++;
    }
  }
  out.sort((a, b) => a.pos - b.pos);
  return out;
}

/** "关于巡察反馈问题的整改方案": a document's title line, not a section heading. */
function isDocumentTitle(line: string): boolean {
  return /^关于|(自查报告|整改方案|反馈意见|工作总结|情况报告|实施方案|检查材料)$/.test(line);
}

function isAfterBreak(v: string, s: number): boolean {
  let j = s - 1;
  while (j >= 0 && v[j] === " ") j--;
  return j < 0 || v[j] === "\n";
}

function newNode(style: Style | "root", value: number, inline: boolean, start: number, bodyStart: number, parent: Node | null): Node {
  return { style, value, inline, start, bodyStart, end: -1, parent, children: [], leads: [], lastByStyle: null };
}

/** Styles a youde (有的…) list may hang under: headings, labels, the root. */
const YOUDE_PARENTS = new Set(["root", "cn-part", "cn-dun", "cn-paren", "label-p", "label-m", "youde"]);

export function buildTree(v: string, year?: number): Doc {
  const markers = findMarkers(v);
  const markerStarts = new Set<number>();
  for (const m of markers) if (m.lineStart) {
    markerStarts.add(m.start);
  }
  const breaks = paragraphBreaks(v, markerStarts);
  const leads = findLeads(v, year);
  const root = newNode("root", 0, false, 0, 0, null);
  const stack: Node[] = [root];

  const close = (from: number, at: number) => {
    while (stack.length > from) {
      const n = stack.pop()!;
      n.end = Math.max(at, n.bodyStart);
    }
  };
  const push = (m: Marker, parent: Node, value: number) => {
    const n = newNode(m.style, value, !m.lineStart, m.start, m.end, parent);
    parent.children.push(n);
    (parent.lastByStyle ??= new Map()).set(m.style, value);
    stack.push(n);
  };
  /** At a restart, a lead-in inside the list's last item belongs to the parent instead. */
  const moveTrailingLead = (idx: number, at: number): number => {
    let floor = 0;
    for (let s = idx; s < stack.length; s++) {
      const n = stack[s];
      floor = Math.max(floor, n.bodyStart, n.children.length ? n.children[n.children.length - 1].start : 0);
    }
    let cut = at;
    for (let s = idx; s < stack.length; s++) {
      for (const l of stack[s].leads) if (l.type !== "phrase" && l.pos > floor && l.pos < cut) cut = l.pos;
    }
    if (cut === at) return at;
    const parent = stack[idx - 1];
    for (let s = idx; s < stack.length; s++) {
      const keep: Lead[] = [];
      for (const l of stack[s].leads) (l.pos >= cut ? parent.leads : keep).push(l);
      stack[s].leads = keep;
    }
    parent.leads.sort((a, b) => a.pos - b.pos);
    return cut;
  };

  const place = (m: Marker) => {
    const top = stack[stack.length - 1];
    if (m.style === "youde" && !YOUDE_PARENTS.has(top.style) && !stack.some((n) => n.style === "youde")) return;
    let idx = -1;
    for (let s = stack.length - 1; s > 0; s--) if (stack[s].style === m.style) { idx = s; break; }
    if (idx > 0) {
      const last = stack[idx].value;
      const value = m.value === 0 ? last + 1 : m.value;
      if (value > last && value <= last + 2) {
        close(idx, m.start);
        push(m, stack[idx - 1], value);
        return;
      }
      if (value === 1) {
        const at = moveTrailingLead(idx, m.start);
        close(idx, at);
        push(m, stack[idx - 1], 1);
        return;
      }
      return; // out of sequence: plain text
    }
    const last = top.lastByStyle?.get(m.style);
    const value = m.value === 0 ? (last ?? 0) + 1 : m.value;
    if (last !== undefined && value > last && value <= last + 2) { push(m, top, value); return; }
    if (value === 1 || (top === root && HEADING_STYLES.has(m.style) && !root.lastByStyle?.has(m.style))) { push(m, top, value); return; }
  };

  // merge the three event streams in order of position
  let bi = 0, li = 0;
  for (let mi = 0; mi <= markers.length; mi++) {
    const pos = mi < markers.length ? markers[mi].start : v.length + 1;
    while (true) {
      const bpos = bi < breaks.length ? breaks[bi] : Infinity;
      const lpos = li < leads.length ? leads[li].pos : Infinity;
      if (bpos >= pos && lpos >= pos) break;
      if (bpos <= lpos) {
        // a paragraph ends: inline items end with it
        let s = stack.length;
        while (s > 1 && INLINE_STYLES.has(stack[s - 1].style)) s--;
        close(s, bpos);
        bi++;
      } else {
        const l = leads[li++];
        if (l.type !== "phrase") {
          let s = stack.length;
          while (s > 1 && INLINE_STYLES.has(stack[s - 1].style)) s--;
          close(s, l.pos);
        }
        stack[stack.length - 1].leads.push(l);
      }
    }
    if (mi < markers.length) place(markers[mi]);
  }
  close(1, v.length);
  root.end = v.length;
  return { v, root, breaks, leads, year };
}

export { INLINE_STYLES, HEADING_STYLES };
