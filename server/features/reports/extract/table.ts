// Tables flattened to text: a 问题清单 / 整改台账 pasted from Word or Excel.
//
// Two shapes are read, both starting with a header row of column names that includes a problem
// column (问题, 存在问题, 问题描述 …):
//   - one row per line, cells separated by tabs, runs of two or more spaces, or "|";
//   - one cell per line (what a Word table becomes as plain text): the header's k names on k
//     lines, then each row's k cells on k lines, each row opening with its 序号.
// The problem column gives the problems, the measures column (整改措施 …) the measures; the
// other columns (责任人, 整改时限, …) are left to the review screen. Works on the original input
// and returns input ranges; the caller maps them to the view.

export type TableCell = { kind: "P" | "M"; category: [number, number] | null; range: [number, number] };
export type Table = { start: number; end: number; cells: TableCell[] };

const P_COL = /^(?:存在的?|主要|具体|反馈(?:的)?|巡察(?:反馈)?|查摆(?:的)?|发现(?:的)?|检查发现(?:的)?)?问题(?:及|和)?(?:描述|表现|内容|名称|清单|事项|具体表现|情况)?$|^(?:存在不足|主要不足|反馈意见|巡察反馈意见)$/;
const M_COL = /^(?:具体)?(?:整改)?(?:措施|举措)$|^整改(?:措施|举措|方案|内容|要求|任务)(?:及(?:成效|目标))?$|^(?:下一步)?改进措施$/;
const CAT_COL = /^问题(?:类别|类型|分类|来源)$|^(?:类别|类型|方面|领域)$/;
const NO_COL = /^(?:序号|编号|序|No\.?)$/i;
const OTHER_COL = /责任|时限|期限|时间|日期|完成|进展|目标|标准|备注|领导|单位|牵头|配合|佐证|材料|销号|验收|情况|状态|结果|成效|说明|附件|来源|依据/;

type Line = { a: number; b: number; t: string };

function lines(input: string): Line[] {
  const out: Line[] = [];
  for (let a = 0; a <= input.length;) {
    let b = input.indexOf("\n", a);
    if (b < 0) b = input.length;
    let e = b;
    if (e > a && input[e - 1] === "\r") e--;
    const t = input.slice(a, e).normalize("NFKC").trim();
    // a page number between two rows ("— 2 —", "第 3 页") is no line of the table
    if (!PAGE_NUMBER.test(t)) out.push({ a, b: e, t });
    a = b + 1;
  }
  return out;
}

const PAGE_NUMBER = /^(?:[-—–―─]+ *\d+ *[-—–―─]+|第 *\d+ *页(?: *[,/] *共 *\d+ *页)?|\d+ *\/ *\d+)$/;

// "问题类别（来源）" → "问题类别": a column's note in brackets does not decide its role
const norm = (s: string) => s.normalize("NFKC").replace(/\([^)]*\)/g, "").replace(/[\s*:]/g, "");

/** Column roles of a header; null when the names do not make a 问题清单 header. */
function headerRoles(names: string[]): ("no" | "P" | "M" | "cat" | "other")[] | null {
  if (names.length < 3 || names.length > 16) return null;
  const roles = names.map((raw) => {
    const n = norm(raw);
    if (!n || n.length > 10) return null;
    if (NO_COL.test(n)) return "no" as const;
    if (CAT_COL.test(n)) return "cat" as const;
    if (P_COL.test(n)) return "P" as const;
    if (M_COL.test(n)) return "M" as const;
    if (OTHER_COL.test(n)) return "other" as const;
    return /^[\u4e00-\u9fff]{2,6}$/.test(n) ? ("unknown" as const) : null;
  });
  if (roles.some((r) => r === null)) return null;
  const rs = roles as ("no" | "P" | "M" | "cat" | "other" | "unknown")[];
  if (rs.filter((r) => r === "P").length !== 1 || rs.filter((r) => r === "M").length > 1) return null;
  // a column of an unknown name or two, among columns that make a 问题清单 clear
  const unknown = rs.filter((r) => r === "unknown").length;
  if (unknown > 0 && (unknown * 4 > rs.length || !(rs.includes("M") || rs.includes("no")))) return null;
  return rs.map((r) => (r === "unknown" ? "other" : r));
}

const SEP = /\t|[ \u3000]{2,}|\|/;

/** Cells of a one-line row, as input ranges (empty cells kept). */
function splitRow(input: string, l: Line): [number, number][] {
  const s = input.slice(l.a, l.b);
  const out: [number, number][] = [];
  const re = /\t|[ \u3000]{2,}|\|/g;
  let last = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    out.push([l.a + last, l.a + m.index]);
    last = m.index + m[0].length;
  }
  out.push([l.a + last, l.b]);
  // a leading or trailing "|" of a markdown row opens no cell
  if (s.trimStart().startsWith("|")) out.shift();
  if (s.trimEnd().endsWith("|")) out.pop();
  return out;
}

function trimCell(input: string, r: [number, number]): [number, number] | null {
  let [a, b] = r;
  while (a < b && /[\s\u3000;；,，、]/.test(input[a])) a++;
  while (b > a && /[\s\u3000;；,，、]/.test(input[b - 1])) b--;
  return b > a ? [a, b] : null;
}

/** A measures cell "①…；②…" or "1.…2.…" holds several measures. */
function splitMeasures(input: string, r: [number, number]): [number, number][] {
  const s = input.slice(r[0], r[1]);
  const re = /[\u2460-\u2473\u2776-\u277f]|[(（]\d{1,2}[)）]|(?:^|(?<=[。；;\n]))\s*\d{1,2}[.、．](?!\d)|(?:^|(?<=[。；;，,\n]))[一二三四五六七八九十]是/g;
  const starts: number[] = [];
  for (let m = re.exec(s); m; m = re.exec(s)) starts.push(m.index);
  if (starts.length < 2) return [r];
  const out: [number, number][] = [];
  if (starts[0] > 0) {
    const pre = trimCell(input, [r[0], r[0] + starts[0]]);
    if (pre && !/[:：]\s*$/.test(input.slice(pre[0], pre[1]))) out.push(pre);
  }
  for (let i = 0; i < starts.length; i++) {
    const a = r[0] + starts[i];
    const b = i + 1 < starts.length ? r[0] + starts[i + 1] : r[1];
    const m = /^\s*(?:[\u2460-\u2473\u2776-\u277f]|[(（]\d{1,2}[)）]|\d{1,2}[.、．]|[一二三四五六七八九十]是)/.exec(input.slice(a, b));
    const c = trimCell(input, [a + (m ? m[0].length : 0), b]);
    if (c) out.push(c);
  }
  return out;
}

const isNumberCell = (t: string) => /^\d{1,3}[.、]?$|^[一二三四五六七八九十]{1,3}$/.test(t);
const looksLikeHeading = (t: string) => /^(?:[一二三四五六七八九十]{1,3}[、.]|\([一二三四五六七八九十]{1,3}\)|第[一二三四五六七八九十]+部分|附件)/.test(t);

function rowCells(input: string, roles: string[], cells: ([number, number] | null)[], out: TableCell[]) {
  const cat = roles.indexOf("cat");
  const catR = cat >= 0 ? cells[cat] ?? null : null;
  roles.forEach((role, i) => {
    const r = cells[i];
    if (!r) return;
    if (role === "P") out.push({ kind: "P", category: catR, range: r });
    if (role === "M") for (const m of splitMeasures(input, r)) out.push({ kind: "M", category: null, range: m });
  });
}

/** The flattened tables of a report, in order. */
export function findTables(input: string): Table[] {
  if (input.indexOf("问题") < 0) return [];
  const ls = lines(input);
  const tables: Table[] = [];
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i];
    // one row per line
    if (SEP.test(input.slice(l.a, l.b).trim())) {
      const names = splitRow(input, l).map((r) => input.slice(r[0], r[1]));
      const roles = headerRoles(names);
      if (roles) {
        const cells: TableCell[] = [];
        let j = i + 1;
        let end = l.b;
        for (; j < ls.length; j++) {
          const row = ls[j];
          if (!row.t) break;
          const raw = splitRow(input, row);
          if (/^[\s|:\-—=+]+$/.test(row.t)) { end = row.b; continue; } // "|---|---|" under a markdown header
          if (raw.length < 2 || looksLikeHeading(row.t)) break;
          const cs = raw.map((r) => trimCell(input, r));
          // a row with fewer cells keeps its first ones in place
          rowCells(input, roles, roles.map((_, k) => cs[k] ?? null), cells);
          end = row.b;
        }
        if (cells.some((c) => c.kind === "P")) {
          tables.push({ start: l.a, end, cells });
          i = j - 1;
          continue;
        }
      }
    }
    // one cell per line: k short header lines
    if (l.t && l.t.length <= 10 && !SEP.test(l.t)) {
      let k = 0;
      while (i + k < ls.length && ls[i + k].t && ls[i + k].t.length <= 10 && k < 16) k++;
      // the header may be followed at once by a row, whose 序号 is short too
      let roles: ReturnType<typeof headerRoles> = null;
      let n = k;
      for (; n >= 3; n--) {
        roles = headerRoles(ls.slice(i, i + n).map((x) => x.t));
        if (roles) break;
      }
      if (!roles) continue;
      const hasNo = roles[0] === "no";
      const cells: TableCell[] = [];
      let j = i + n;
      let end = ls[i + n - 1].b;
      let expect = 1;
      for (;;) {
        while (j < ls.length && !ls[j].t) j++;
        if (j >= ls.length) break;
        const group: Line[] = [];
        let q = j;
        while (q < ls.length && group.length < n) {
          if (ls[q].t) group.push(ls[q]);
          q++;
        }
        if (group.length < n) break;
        if (hasNo && !(isNumberCell(group[0].t) && (parseInt(group[0].t, 10) === expect || !/^\d/.test(group[0].t)))) break;
        if (!hasNo && group.some((g) => looksLikeHeading(g.t))) break;
        // the next row must open where this one ends (or the table ends)
        if (hasNo && group.slice(1).some((g) => isNumberCell(g.t) && parseInt(g.t, 10) === expect + 1 && roles![group.indexOf(g)] !== "other")) break;
        rowCells(input, roles, group.map((g) => trimCell(input, [g.a, g.b])), cells);
        end = group[group.length - 1].b;
        expect++;
        j = q;
      }
      if (cells.some((c) => c.kind === "P")) {
        tables.push({ start: l.a, end, cells });
        i = j - 1;
      }
    }
  }
  return tables;
}
