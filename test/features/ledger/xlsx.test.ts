// The 整改台账 .xlsx as the streaming writer makes it, read back two ways: through exceljs's
// reader (every row's values and styles by column, state and warning light; row heights; the
// summary sheet) and as raw XML from the zip (merged headers, frozen pane, autofilter, print
// titles, page set-up and the <printOptions> the writer is patched to keep).
import { test } from "node:test";
import assert from "node:assert/strict";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import { ledgerXlsx, rowHeight, statusCellText, FILLS, FONT_COLOURS } from "../../../server/features/ledger/xlsx.ts";
import { LEDGER_COLUMNS, summaryByUnit, type LedgerRow } from "../../../server/features/ledger/rows.ts";

const KINDS: LedgerRow["statusKind"][] = ["done", "overdue", "review", "doing", "todo", "ongoing"];
const LIGHTS: LedgerRow["light"][] = ["red", "yellow", "green", null];
const CENTRED = [1, 6, 9, 10, 12, 13, 14];

function rowsFor(n: number): LedgerRow[] {
  return Array.from({ length: n }, (_, i) => {
    const statusKind = KINDS[i % KINDS.length];
    const light = LIGHTS[Math.floor(i / KINDS.length) % LIGHTS.length];
    const dated = i % 5 !== 4;
    return {
      seq: i + 1,
      category: i % 3 ? "组织生活" : "其他（《2026年度自查报告》）",
      problem: "三会一课制度落实不到位，".repeat(1 + (i % 4)) + (i % 7 === 0 ? "𠀀𠀁 ABC def" : ""),
      goal: i % 2 ? "" : "目标明确",
      measures: i % 11 === 0 ? "一是加强学习；\n二是完善制度；\n三是定期检查" : "整改措施",
      leader: "王书记",
      unit: `第${1 + (i % 3)}党支部`,
      coUnits: i % 4 ? "" : "局办公室",
      owner: "李干事",
      deadline: dated ? `2026-${String(1 + (i % 12)).padStart(2, "0")}-${String(1 + (i % 28)).padStart(2, "0")}` : null,
      deadlineWords: dated ? "" : "长期坚持",
      progress: i % 2 ? "2026年11月1日：已召开支委会（共2次）" : "",
      status: statusKind === "done" ? "已销号" : statusKind === "overdue" ? "整改中（逾期3天）" : "整改中",
      kind: statusKind === "overdue" ? "doing" : statusKind,
      overdueDays: statusKind === "overdue" ? 3 : 0,
      statusKind,
      light,
      signedOffDay: statusKind === "done" ? "2026-11-15" : null,
      signedOffBy: statusKind === "done" ? "王书记" : "",
      recheck: "",
      effect: "",
      heldCount: 0,
      reboundCount: 0,
      recheckDue: null,
      evidence: i % 6 ? "" : "会议记录.pdf\n照片.jpg",
      note: i % 9 ? "" : "立行立改",
      unitId: 1 + (i % 3),
    };
  });
}

const argb = (c: ExcelJS.Cell) => (c.fill as ExcelJS.FillPattern | undefined)?.fgColor?.argb;

test(".xlsx read back: each row's values, and its styles by column, by state (完成情况) and by warning light (整改时限); heights from the wrapped text", async () => {
  const rows = rowsFor(120);
  const buf = await ledgerXlsx({ title: "《测试党委整改台账》", asOf: "2026-11-24", rows, generatedAt: new Date("2026-11-24T02:00:00Z") });
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as any);
  assert.equal(wb.creator, "整改台账 Rectify");
  assert.equal(wb.created.toISOString(), "2026-11-24T02:00:00.000Z");
  const ws = wb.getWorksheet("整改台账")!;
  assert.equal(ws.rowCount, 4 + rows.length);
  const widths = LEDGER_COLUMNS.map((_, i) => ws.getColumn(i + 1).width!);
  rows.forEach((r, i) => {
    const row = ws.getRow(5 + i);
    const at = `row ${5 + i} (${r.statusKind}, ${r.light})`;
    // values: numbers, text, dates as dates
    assert.equal(row.getCell(1).value, r.seq, at);
    assert.equal(row.getCell(3).value, r.problem, at);
    assert.equal(row.getCell(5).value, r.measures, at);
    assert.equal(row.getCell(15).value, r.evidence, at);
    const j = row.getCell(10).value;
    if (r.deadline) assert.equal((j as Date).toISOString().slice(0, 10), r.deadline, at);
    else assert.equal(j, "长期坚持", at);
    const m = row.getCell(13).value;
    if (r.signedOffDay) assert.equal((m as Date).toISOString().slice(0, 10), r.signedOffDay, at);
    else assert.equal(m, null, at);
    // the same look in every column: 宋体 10, thin borders, wrapped, centred or left
    for (let c = 1; c <= LEDGER_COLUMNS.length; c++) {
      const cell = row.getCell(c);
      assert.equal(cell.font.name, "宋体", `${at} col ${c}`);
      assert.equal(cell.font.size, 10);
      assert.deepEqual([cell.border.top?.style, cell.border.left?.style, cell.border.bottom?.style, cell.border.right?.style], ["thin", "thin", "thin", "thin"], `${at} col ${c}`);
      assert.equal(cell.alignment.wrapText, true);
      assert.equal(cell.alignment.vertical, "middle");
      assert.equal(cell.alignment.horizontal, CENTRED.includes(c) ? "center" : "left", `${at} col ${c}`);
      if (c === 10 || c === 13) assert.equal(cell.numFmt, 'yyyy"年"m"月"d"日"');
      else if (c !== 12) assert.equal(argb(cell), undefined, `${at} col ${c}: no fill`);
    }
    // 完成情况: green and bold when 已销号, red and bold when 逾期, pale for 待销号 and 长期坚持
    const status = row.getCell(12);
    const statusFill = { done: FILLS.done, overdue: FILLS.overdue, review: FILLS.review, ongoing: FILLS.ongoing, doing: undefined, todo: undefined }[r.statusKind];
    assert.equal(argb(status), statusFill, at);
    assert.equal(!!status.font.bold, r.statusKind === "done" || r.statusKind === "overdue", at);
    assert.equal(status.font.color?.argb, r.statusKind === "done" ? FONT_COLOURS.done : r.statusKind === "overdue" ? FONT_COLOURS.overdue : undefined, at);
    // 整改时限: 红灯, 黄灯, 绿灯, none
    const deadline = row.getCell(10);
    assert.equal(argb(deadline), r.light === "red" ? FILLS.overdue : r.light === "yellow" ? FILLS.yellow : r.light === "green" ? FILLS.done : undefined, at);
    assert.equal(deadline.font.color?.argb, r.light === "red" ? FONT_COLOURS.overdue : r.light === "yellow" ? FONT_COLOURS.yellow : undefined, at);
    assert.equal(!!deadline.font.bold, false);
    // height from the longest wrapped cell
    const values = [r.seq, r.category, r.problem, r.goal, r.measures, r.leader, r.unit, r.coUnits, r.owner, r.deadline ? new Date(r.deadline) : r.deadlineWords, r.progress, statusCellText(r.status), null, r.signedOffBy, r.evidence, r.note];
    assert.equal(row.height, rowHeight(values, widths), at);
  });
  assert.ok(ws.getRow(5 + 11).height! >= 3 * 13.5, "three lines of measures make a taller row");

  // the summary sheet, from the same rows
  const sum = wb.getWorksheet("按单位汇总")!;
  const expected = summaryByUnit(rows);
  assert.equal(sum.rowCount, 3 + expected.length + 1, "and a note on how 完成率 is counted");
  expected.forEach((s, i) => assert.deepEqual((sum.getRow(4 + i).values as unknown[]).slice(1, 10), [s.unit, s.total, s.todo, s.doing, s.review, s.done, s.ongoing, s.overdue, s.rate]));
  assert.match(String(sum.getCell(`A${4 + expected.length}`).value), /长期坚持事项计入总数/);
  assert.equal(sum.getCell(`A${3 + expected.length}`).font.bold, true, "合计 in bold");
});

test(".xlsx as XML: merged group headers, frozen pane below the headers, autofilter over every row, print titles, A4 landscape centred, page numbers", async () => {
  for (const n of [0, 1, 37]) {
    const zip = await JSZip.loadAsync(await ledgerXlsx({ title: "《测试整改台账》", asOf: "2026-11-24", rows: rowsFor(n) }));
    const names = Object.keys(zip.files);
    for (const f of ["xl/workbook.xml", "xl/styles.xml", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "[Content_Types].xml"]) assert.ok(names.includes(f), `${f} in ${names.join(",")}`);
    const sheet = await zip.file("xl/worksheets/sheet1.xml")!.async("string");
    const merges = [...sheet.matchAll(/<mergeCell ref="([A-Z0-9:]+)"\/>/g)].map((m) => m[1]).sort();
    assert.deepEqual(merges, ["A1:P1", "A2:M2", "N2:P2", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4", "F3:I3", "J3:J4", "K3:O3", "P3:P4"].sort());
    assert.match(sheet, /<pane xSplit="3" ySplit="4" topLeftCell="D5" activePane="bottomRight" state="frozen"\/>/);
    assert.match(sheet, new RegExp(`<autoFilter ref="A4:P${4 + n}"/>`));
    assert.match(sheet, /<printOptions horizontalCentered="1"\/><pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6"/, "centred on the page, where the schema puts it");
    assert.match(sheet, /<pageSetup paperSize="9" orientation="landscape"[^>]*fitToWidth="1" fitToHeight="0"/);
    assert.match(sheet, /<sheetPr><pageSetUpPr fitToPage="1"\/><\/sheetPr>/);
    assert.match(sheet, /<oddFooter>第 &amp;P 页，共 &amp;N 页<\/oddFooter>/);
    assert.equal([...sheet.matchAll(/<row r="(\d+)"/g)].length, 4 + n);
    const book = await zip.file("xl/workbook.xml")!.async("string");
    assert.match(book, /<definedName name="_xlnm.Print_Titles" localSheetId="0">(?:'|&apos;)整改台账(?:'|&apos;)!\$3:\$4<\/definedName>/);
    const summary = await zip.file("xl/worksheets/sheet2.xml")!.async("string");
    assert.match(summary, /<pane ySplit="3" topLeftCell="A4" activePane="bottomLeft" state="frozen"\/>/);
    assert.doesNotMatch(summary, /printOptions/, "the summary is not centred");
    assert.match(summary, /<oddFooter>第 &amp;P 页，共 &amp;N 页<\/oddFooter>/, "the summary has the footer too");
  }
});

test("rowHeight counts CJK and full-width marks as two units, others (and characters outside the BMP) as 1.1, as the regular expression it replaced", () => {
  const CJK = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u3000-\u303f\u2010-\u2027]/;
  const reference = (values: unknown[], widths: number[]) => {
    let lines = 1;
    values.forEach((v, i) => {
      if (typeof v !== "string" || !v) return;
      const usable = Math.max(1, widths[i] - 1);
      const units = (s: string) => [...s].reduce((n, ch) => n + (CJK.test(ch) ? 2 : 1.1), 0);
      lines = Math.max(lines, v.split("\n").reduce((sum, line) => sum + Math.max(1, Math.ceil(units(line) / usable)), 0));
    });
    return Math.min(409, Math.round(lines * 13.5 + 6));
  };
  // characters from each edge of each range, and from outside them, astral and lone surrogates too
  const edges = [0x20, 0x41, 0x10ff, 0x1100, 0x115f, 0x1160, 0x200f, 0x2010, 0x2027, 0x2028, 0x2e7f, 0x2e80, 0x3000, 0x303f, 0x4e00, 0xa4cf, 0xa4d0, 0xabff, 0xac00, 0xd7a3, 0xd7a4, 0xf8ff, 0xf900, 0xfaff, 0xfb00, 0xfe2f, 0xfe30, 0xfe4f, 0xfe50, 0xfeff, 0xff00, 0xff60, 0xff61, 0xffdf, 0xffe0, 0xffe6, 0xffe7, 0xd840, 0xdc00];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let k = 0; k < 2000; k++) {
    let s = "";
    const len = Math.floor(next() * 60);
    for (let i = 0; i < len; i++) {
      const x = next();
      s += x < 0.05 ? "\n" : x < 0.1 ? "𠀀" : String.fromCharCode(edges[Math.floor(next() * edges.length)]);
    }
    const widths = [5, 12, 26, 8];
    const values = [1, s, s.slice(0, 10), s.repeat(3)];
    assert.equal(rowHeight(values, widths), reference(values, widths), JSON.stringify(s));
  }
});
