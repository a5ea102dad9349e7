// 整改台账 as .xlsx (exceljs): a title row (…整改台账, a table heading: no 《》, no fake bold), a
// one-line legend beside 截至X年X月X日, two header rows with merged group cells (each header broken
// by hand where its column is too narrow, never leaving one character on a line), the header
// frozen and repeated on every printed page, columns sized so that at fit-to-width on A4
// landscape the body prints at 9 pt or more (152 character units in all: a 10 pt body is scaled
// to about 94%), text wrapped and rows as high as their text, dates as dates, every state in
// words (整改中（逾期5天）) as well as in colour, an autofilter, page numbers in the footer, and a
// last sheet that sums up by unit (待整改 · 整改中 · 待销号 · 已销号 · 长期坚持 apart) with how
// 完成率 is counted.
//
// Written with exceljs's streaming writer: each row is turned into XML as soon as it is added
// and the zip is deflated by Node's zlib, where the in-memory workbook kept every cell as an
// object until the end and deflated in JavaScript (pako). For 10,000 rows that halved the time
// and keeps the memory flat for a ledger of everything. The sheets' XML is the same, but for
// the optional <dimension> and the <printOptions> the streaming writer leaves out (see
// centredWhenPrinted).
import { Writable } from "node:stream";
import ExcelJS from "exceljs";
import { cnDate } from "../../lib/dates.ts";
import type { Light } from "../tasks/workflow.ts";
import { RATE_RULE } from "../tasks/status.ts";
import { LEDGER_COLUMNS, LEDGER_GROUPS, summaryByUnit, type LedgerRow } from "./rows.ts";
import { RATES_RULE } from "../recheck/plan.ts";

/** Column widths in Excel's character units; 152 in all (see the head of the file). Never 9: exceljs takes 9 for its default and leaves the column out. */
export const WIDTHS = [5, 8.5, 11.5, 12, 11.5, 6, 8, 6, 7, 16, 11, 12.5, 16, 6.5, 7.5, 7];
/** The body's font size: printed at fit-to-width it shrinks by 784 pt ÷ the sheet's width. */
export const BODY_SIZE = 10;
const FOOTER = "第 &P 页，共 &N 页";

/** Whether a line of 10 pt CJK text fits a column: a character takes about 1.9 units, and the cell pads by half a unit. */
export function fitsColumn(line: string, width: number): boolean {
  return textUnits(line) * 0.95 <= width - 0.5;
}

/** A header in lines that fit its column: broken before （ where it has one, else in halves. */
export function headerText(label: string, width: number): string {
  if (fitsColumn(label, width)) return label;
  const paren = label.indexOf("（");
  if (paren > 1) return `${label.slice(0, paren)}\n${label.slice(paren)}`;
  const half = Math.ceil(label.length / 2);
  return `${label.slice(0, half)}\n${label.slice(half)}`;
}

/** The state as the 完成情况 cell shows it: what the deadline adds on a line of its own. */
export function statusCellText(words: string): string {
  return words.replace(/（/, "\n（");
}
/** points per line of 10 pt 宋体, and the padding of a row */
const LINE_PT = 13.5;

/** Width of text in column units: a CJK character or full-width mark takes two, others one. */
export function textUnits(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // a surrogate pair (outside the BMP) is one character of width 1.1, as before
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n += wide(c) ? 2 : 1.1;
  }
  return n;
}
/** Hangul Jamo, CJK and its punctuation, Hangul syllables, compatibility ideographs and forms, full-width forms, general punctuation dashes and quotes */
function wide(c: number): boolean {
  return (
    (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2010 && c <= 0x2027) ||
    (c >= 0x2e80 && c <= 0xa4cf) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6)
  );
}

/** Rows hold wrapped text: their height is set from the longest cell, since not every reader re-measures them. */
export function rowHeight(values: unknown[], widths: number[]): number {
  let lines = 1;
  values.forEach((v, i) => {
    if (typeof v !== "string" || !v) return;
    const usable = Math.max(1, widths[i] - 1);
    const n = v.split("\n").reduce((sum, line) => sum + Math.max(1, Math.ceil(textUnits(line) / usable)), 0);
    lines = Math.max(lines, n);
  });
  return Math.min(409, Math.round(lines * LINE_PT + 6));
}
const BODY_FONT = "宋体";
const HEAD_FONT = "黑体";
const TITLE_FONT = "方正小标宋简体";
const DATE_FMT = 'yyyy"年"m"月"d"日"';

/** Fill colours of 完成情况 and 整改时限 by state and light. */
export const FILLS = { done: "FFE3F5EA", overdue: "FFFDE2E1", review: "FFFFF3D6", yellow: "FFFFF3C4", ongoing: "FFEEF0F3" } as const;
export const FONT_COLOURS = { done: "FF1E6B40", overdue: "FFB42318", yellow: "FF8A5B00" } as const;

const fill = (argb: string): ExcelJS.Fill => ({ type: "pattern", pattern: "solid", fgColor: { argb } });
const thin: Partial<ExcelJS.Borders> = { top: { style: "thin" }, left: { style: "thin" }, bottom: { style: "thin" }, right: { style: "thin" } };

function dateCell(day: string | null): Date | null {
  if (!day) return null;
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

type Style = Partial<ExcelJS.Style>;

/**
 * The body's styles, shared by the cells that look alike: by column (宋体 10 pt, wrapped,
 * centred or left, thin borders, dates as 2026年11月22日), then 完成情况 by state and 整改时限
 * by warning light. Never changed once made: cells hold them by reference.
 */
function bodyStyles(): { column: Style[]; status: Record<LedgerRow["statusKind"], Style>; deadline: Record<NonNullable<Light>, Style> } {
  const centred = new Set([1, 6, 9, 10, 12, 13, 14]);
  const font = { name: BODY_FONT, size: BODY_SIZE };
  const column: Style[] = [{}];
  for (let c = 1; c <= LEDGER_COLUMNS.length; c++) {
    const s: Style = { font, alignment: { vertical: "middle", wrapText: true, horizontal: centred.has(c) ? "center" : "left" }, border: thin };
    if (c === 10 || c === 13) s.numFmt = DATE_FMT;
    column.push(s);
  }
  const with_ = (c: number, more: Style): Style => ({ ...column[c], ...more });
  const status = {
    done: with_(12, { fill: fill(FILLS.done), font: { ...font, bold: true, color: { argb: FONT_COLOURS.done } } }),
    overdue: with_(12, { fill: fill(FILLS.overdue), font: { ...font, bold: true, color: { argb: FONT_COLOURS.overdue } } }),
    review: with_(12, { fill: fill(FILLS.review) }),
    ongoing: with_(12, { fill: fill(FILLS.ongoing) }),
    doing: column[12],
    todo: column[12],
  };
  // the warning light on the deadline: 红灯 overdue, 黄灯 due soon, 绿灯 otherwise
  const deadline: Record<NonNullable<Light>, Style> = {
    red: with_(10, { fill: fill(FILLS.overdue), font: { ...font, color: { argb: FONT_COLOURS.overdue } } }),
    yellow: with_(10, { fill: fill(FILLS.yellow), font: { ...font, color: { argb: FONT_COLOURS.yellow } } }),
    green: with_(10, { fill: fill(FILLS.done) }),
  };
  return { column, status, deadline };
}

/**
 * The streaming writer does not write a sheet's <printOptions> (its in-memory twin takes
 * pageSetup.horizontalCentered from there): the element is written where the schema puts it,
 * just before the page margins. A test reads it back, so a change in exceljs shows.
 */
function centredWhenPrinted(ws: ExcelJS.Worksheet): void {
  const w = ws as unknown as { _writePageMargins?: () => void; stream: { write(xml: string): void } };
  const margins = w._writePageMargins;
  if (typeof margins !== "function") throw new Error("exceljs: WorksheetWriter._writePageMargins is gone; see centredWhenPrinted in ledger/xlsx.ts");
  w._writePageMargins = function (this: typeof w) {
    this.stream.write('<printOptions horizontalCentered="1"/>');
    margins.call(this);
  };
}

/** The one-line legend: what the words and the fills mean, and how 长期坚持 counts in 完成率 (RATE_RULE, on the summary sheet, in full). */
export function legendText(yellowDays: number): string {
  return `说明：完成情况以文字标明状态并注明逾期、临期天数；时限底色红为逾期、黄为${yellowDays}天内到期、绿为未到期或已销号；长期坚持计入完成率分母，销号前不计为完成。`;
}

export async function ledgerXlsx(o: { title: string; asOf: string; rows: LedgerRow[]; yellowDays?: number; generatedAt?: Date }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  // shared strings and styles as the in-memory writer has them; deflate at zlib's usual level 6
  // (the writer's own default gives a file a third larger)
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useSharedStrings: true, useStyles: true, zip: { zlib: { level: 6 } } });
  wb.creator = "整改台账 Rectify";
  wb.created = o.generatedAt ?? new Date();
  wb.modified = wb.created;
  wb.lastModifiedBy = wb.creator;
  const n = LEDGER_COLUMNS.length;
  const ws = wb.addWorksheet("整改台账", {
    views: [{ state: "frozen", xSplit: 3, ySplit: 4, activeCell: "D5" }],
    pageSetup: { paperSize: 9, orientation: "landscape", fitToPage: true, fitToWidth: 1, fitToHeight: 0, horizontalCentered: true, margins: { left: 0.4, right: 0.4, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 } },
    headerFooter: { oddFooter: FOOTER },
  });
  ws.pageSetup.printTitlesRow = "3:4";
  centredWhenPrinted(ws);
  ws.columns = WIDTHS.map((width) => ({ width }));

  // title and subtitle
  ws.mergeCells(1, 1, 1, n);
  const title = ws.getCell(1, 1);
  title.value = o.title;
  title.font = { name: TITLE_FONT, size: 18 };
  title.alignment = { horizontal: "center", vertical: "middle" };
  ws.getRow(1).height = 36;
  // the legend on the left, 截至 on the right (the last three columns)
  ws.mergeCells(2, 1, 2, n - 3);
  const legend = ws.getCell(2, 1);
  legend.value = legendText(o.yellowDays ?? 3);
  legend.font = { name: BODY_FONT, size: 9 };
  legend.alignment = { horizontal: "left", vertical: "middle" };
  ws.mergeCells(2, n - 2, 2, n);
  const sub = ws.getCell(2, n - 2);
  sub.value = `截至${cnDate(o.asOf)}`;
  sub.font = { name: "楷体", size: 10 };
  sub.alignment = { horizontal: "right", vertical: "middle" };
  ws.getRow(2).height = 22;

  // two header rows: group cells merged across, single columns merged down
  const grouped = new Set<number>();
  for (const g of LEDGER_GROUPS) {
    ws.mergeCells(3, g.from, 3, g.to);
    ws.getCell(3, g.from).value = g.title;
    for (let c = g.from; c <= g.to; c++) {
      grouped.add(c);
      ws.getCell(4, c).value = headerText(LEDGER_COLUMNS[c - 1], WIDTHS[c - 1]);
    }
  }
  for (let c = 1; c <= n; c++) {
    if (grouped.has(c)) continue;
    ws.mergeCells(3, c, 4, c);
    ws.getCell(3, c).value = headerText(LEDGER_COLUMNS[c - 1], WIDTHS[c - 1]);
  }
  // row 4 holds the tallest header under a group; rows 3 and 4 together the tallest one merged down
  const lines = (c: number) => headerText(LEDGER_COLUMNS[c - 1], WIDTHS[c - 1]).split("\n").length;
  const cols = LEDGER_COLUMNS.map((_, i) => i + 1);
  const lower = Math.max(...cols.filter((c) => grouped.has(c)).map(lines)) * LINE_PT + 6;
  const both = Math.max(...cols.filter((c) => !grouped.has(c)).map(lines)) * LINE_PT + 6;
  const heights = { 3: Math.max(LINE_PT + 6, both - lower), 4: lower };
  for (const r of [3, 4] as const) {
    const row = ws.getRow(r);
    row.height = heights[r];
    for (let c = 1; c <= n; c++) {
      const cell = row.getCell(c);
      cell.font = { name: HEAD_FONT, size: BODY_SIZE };
      cell.alignment = { horizontal: "center", vertical: "middle", wrapText: true };
      cell.fill = fill("FFD9E2F3");
      cell.border = thin;
    }
  }

  // the rows: every cell takes one of a few style objects made once (exceljs recognises a style
  // object it has seen and reuses its style id; a style written cell by cell was rendered to XML
  // and looked up again for each of 160,000 cells, most of the time of a 10,000-row ledger)
  const styles = bodyStyles();
  for (const r of o.rows) {
    const values = [
      r.seq,
      r.category,
      r.problem,
      r.goal,
      r.measures,
      r.leader,
      r.unit,
      r.coUnits,
      r.owner,
      r.deadline ? dateCell(r.deadline) : r.deadlineWords,
      r.progress,
      statusCellText(r.status),
      dateCell(r.signedOffDay),
      r.signedOffBy,
      r.evidence,
      r.note,
    ];
    const row = ws.addRow(values);
    row.height = rowHeight(values, WIDTHS);
    for (let c = 1; c <= n; c++) row.getCell(c).style = c === 12 ? styles.status[r.statusKind] : c === 10 ? (r.light ? styles.deadline[r.light] : styles.column[10]) : styles.column[c];
    row.commit(); // written out (with the header rows before it); its cells are let go
  }
  ws.autoFilter = { from: { row: 4, column: 1 }, to: { row: 4 + o.rows.length, column: n } };
  ws.commit();

  // the last sheet: by unit, every state apart, with the same footer and how 完成率 is counted
  const heads = ["责任单位", "任务总数", "待整改", "整改中", "待销号", "已销号", "长期坚持", "其中逾期", "完成率", "回头看到期", "回头看逾期", "巩固", "反弹", "巩固率", "反弹率"];
  const m = heads.length;
  const RATE = 9; // 完成率's column; 巩固率 and 反弹率 are the last two
  const sum = wb.addWorksheet("按单位汇总", {
    views: [{ state: "frozen", ySplit: 3 }],
    pageSetup: { paperSize: 9, orientation: "portrait", fitToPage: true, fitToWidth: 1, fitToHeight: 0, margins: { left: 0.6, right: 0.6, top: 0.8, bottom: 0.8, header: 0.3, footer: 0.3 } },
    headerFooter: { oddFooter: FOOTER },
  });
  sum.pageSetup.printTitlesRow = "3:3";
  sum.columns = [{ width: 30 }, ...heads.slice(1).map(() => ({ width: 10 }))];
  sum.mergeCells(1, 1, 1, m);
  sum.getCell(1, 1).value = `${o.title}（按单位汇总）`;
  sum.getCell(1, 1).font = { name: TITLE_FONT, size: 16 };
  sum.getCell(1, 1).alignment = { horizontal: "center", vertical: "middle", wrapText: true };
  sum.getRow(1).height = 40;
  sum.mergeCells(2, 1, 2, m);
  sum.getCell(2, 1).value = `截至${cnDate(o.asOf)}`;
  sum.getCell(2, 1).font = { name: "楷体", size: 12 };
  sum.getCell(2, 1).alignment = { horizontal: "right" };
  const head = sum.getRow(3);
  head.values = heads;
  head.height = 20;
  head.eachCell((c) => {
    c.font = { name: HEAD_FONT, size: 11 };
    c.alignment = { horizontal: "center", vertical: "middle" };
    c.fill = fill("FFD9E2F3");
    c.border = thin;
  });
  for (const s of summaryByUnit(o.rows, o.asOf)) {
    const row = sum.addRow([s.unit, s.total, s.todo, s.doing, s.review, s.done, s.ongoing, s.overdue, s.rate, s.recheckDue, s.recheckOverdue, s.held, s.rebound, s.holdRate ?? "—", s.reboundRate ?? "—"]);
    row.height = rowHeight([s.unit], [30]);
    row.eachCell({ includeEmpty: true }, (c, i) => {
      c.font = { name: BODY_FONT, size: 11, bold: s.unit === "合计" };
      c.alignment = { horizontal: i === 1 ? "left" : "center", vertical: "middle", wrapText: i === 1 };
      c.border = thin;
    });
    for (const col of [RATE, m - 1, m]) row.getCell(col).numFmt = "0.0%";
    if (s.overdue > 0) row.getCell(RATE - 1).font = { name: BODY_FONT, size: 11, bold: true, color: { argb: FONT_COLOURS.overdue } };
    if (s.rebound > 0) row.getCell(m - 2).font = { name: BODY_FONT, size: 11, bold: true, color: { argb: FONT_COLOURS.overdue } };
  }
  const note = sum.addRow([`注：${RATE_RULE}；其中逾期为未销号且已过整改时限的任务，已计入前列各状态。${RATES_RULE}。`]);
  sum.mergeCells(note.number, 1, note.number, m);
  note.getCell(1).font = { name: BODY_FONT, size: 10 };
  note.getCell(1).alignment = { horizontal: "left", vertical: "middle", wrapText: true };
  note.height = 30;
  sum.commit();
  await wb.commit(); // resolves once the zip has been written to the sink
  return Buffer.concat(chunks);
}
