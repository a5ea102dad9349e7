// 整改台账 as .xlsx (exceljs): a title row 《…整改台账》, a subtitle 截至X年X月X日, two header rows
// with merged group cells, the header frozen, columns sized, text wrapped, dates as dates, states
// and warning lights coloured, an autofilter, A4 landscape print set-up, and a last sheet that
// sums up by unit.
import ExcelJS from "exceljs";
import { cnDate } from "../../lib/dates.ts";
import { LEDGER_COLUMNS, LEDGER_GROUPS, summaryByUnit, type LedgerRow } from "./rows.ts";

const WIDTHS = [5, 12, 26, 18, 26, 8, 14, 10, 8, 14, 26, 10, 14, 8, 16, 14];
/** points per line of 10 pt 宋体, and the padding of a row */
const LINE_PT = 13.5;

/** Width of text in column units: a CJK character or full-width mark takes two, others one. */
function textUnits(s: string): number {
  let n = 0;
  for (const ch of s) n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u3000-\u303f\u2010-\u2027]/.test(ch) ? 2 : 1.1;
  return n;
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

export async function ledgerXlsx(o: { title: string; asOf: string; rows: LedgerRow[]; generatedAt?: Date }): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "整改台账 Rectify";
  wb.created = o.generatedAt ?? new Date();
  const n = LEDGER_COLUMNS.length;
  const ws = wb.addWorksheet("整改台账", {
    views: [{ state: "frozen", xSplit: 3, ySplit: 4, activeCell: "D5" }],
    pageSetup: { paperSize: 9, orientation: "landscape", fitToPage: true, fitToWidth: 1, fitToHeight: 0, horizontalCentered: true, margins: { left: 0.4, right: 0.4, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 } },
    headerFooter: { oddFooter: "第 &P 页，共 &N 页" },
  });
  ws.pageSetup.printTitlesRow = "3:4";
  ws.columns = WIDTHS.map((width) => ({ width }));

  // title and subtitle
  ws.mergeCells(1, 1, 1, n);
  const title = ws.getCell(1, 1);
  title.value = o.title;
  title.font = { name: TITLE_FONT, size: 18, bold: true };
  title.alignment = { horizontal: "center", vertical: "middle" };
  ws.getRow(1).height = 36;
  ws.mergeCells(2, 1, 2, n);
  const sub = ws.getCell(2, 1);
  sub.value = `截至${cnDate(o.asOf)}`;
  sub.font = { name: "楷体", size: 12 };
  sub.alignment = { horizontal: "right", vertical: "middle" };
  ws.getRow(2).height = 22;

  // two header rows: group cells merged across, single columns merged down
  const grouped = new Set<number>();
  for (const g of LEDGER_GROUPS) {
    ws.mergeCells(3, g.from, 3, g.to);
    ws.getCell(3, g.from).value = g.title;
    for (let c = g.from; c <= g.to; c++) {
      grouped.add(c);
      ws.getCell(4, c).value = LEDGER_COLUMNS[c - 1];
    }
  }
  for (let c = 1; c <= n; c++) {
    if (grouped.has(c)) continue;
    ws.mergeCells(3, c, 4, c);
    ws.getCell(3, c).value = LEDGER_COLUMNS[c - 1];
  }
  for (const r of [3, 4]) {
    const row = ws.getRow(r);
    row.height = 24;
    for (let c = 1; c <= n; c++) {
      const cell = row.getCell(c);
      cell.font = { name: HEAD_FONT, size: 11 };
      cell.alignment = { horizontal: "center", vertical: "middle", wrapText: true };
      cell.fill = fill("FFD9E2F3");
      cell.border = thin;
    }
  }

  // the rows
  for (const r of o.rows) {
    const row = ws.addRow([
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
      r.status,
      dateCell(r.signedOffDay),
      r.signedOffBy,
      r.evidence,
      r.note,
    ]);
    row.height = rowHeight(row.values as unknown[] as unknown[], [0, ...WIDTHS]);
    row.eachCell({ includeEmpty: true }, (cell, c) => {
      cell.font = { name: BODY_FONT, size: 10 };
      cell.alignment = { vertical: "middle", wrapText: true, horizontal: c === 1 || c === 6 || c === 9 || c === 10 || c === 12 || c === 13 || c === 14 ? "center" : "left" };
      cell.border = thin;
    });
    row.getCell(10).numFmt = DATE_FMT;
    row.getCell(13).numFmt = DATE_FMT;
    const status = row.getCell(12);
    const deadline = row.getCell(10);
    if (r.statusKind === "done") {
      status.fill = fill(FILLS.done);
      status.font = { name: BODY_FONT, size: 10, bold: true, color: { argb: FONT_COLOURS.done } };
    } else if (r.statusKind === "overdue") {
      status.fill = fill(FILLS.overdue);
      status.font = { name: BODY_FONT, size: 10, bold: true, color: { argb: FONT_COLOURS.overdue } };
    } else if (r.statusKind === "review") status.fill = fill(FILLS.review);
    else if (r.statusKind === "ongoing") status.fill = fill(FILLS.ongoing);
    // the warning light on the deadline: 红灯 overdue, 黄灯 due soon, 绿灯 otherwise
    if (r.light === "red") {
      deadline.fill = fill(FILLS.overdue);
      deadline.font = { name: BODY_FONT, size: 10, color: { argb: FONT_COLOURS.overdue } };
    } else if (r.light === "yellow") {
      deadline.fill = fill(FILLS.yellow);
      deadline.font = { name: BODY_FONT, size: 10, color: { argb: FONT_COLOURS.yellow } };
    } else if (r.light === "green") deadline.fill = fill(FILLS.done);
  }
  ws.autoFilter = { from: { row: 4, column: 1 }, to: { row: 4 + o.rows.length, column: n } };

  // the last sheet: by unit
  const sum = wb.addWorksheet("按单位汇总", { views: [{ state: "frozen", ySplit: 3 }], pageSetup: { paperSize: 9, orientation: "portrait", fitToPage: true, fitToWidth: 1, fitToHeight: 0 } });
  sum.columns = [{ width: 34 }, { width: 12 }, { width: 12 }, { width: 12 }, { width: 12 }, { width: 12 }];
  sum.mergeCells(1, 1, 1, 6);
  sum.getCell(1, 1).value = o.title.replace(/》$/, "") + "（按单位汇总）》";
  sum.getCell(1, 1).font = { name: TITLE_FONT, size: 16, bold: true };
  sum.getCell(1, 1).alignment = { horizontal: "center", vertical: "middle" };
  sum.getRow(1).height = 32;
  sum.mergeCells(2, 1, 2, 6);
  sum.getCell(2, 1).value = `截至${cnDate(o.asOf)}`;
  sum.getCell(2, 1).font = { name: "楷体", size: 12 };
  sum.getCell(2, 1).alignment = { horizontal: "right" };
  const head = sum.getRow(3);
  head.values = ["责任单位", "任务总数", "已销号", "整改中", "逾期", "完成率"];
  head.eachCell((c) => {
    c.font = { name: HEAD_FONT, size: 11 };
    c.alignment = { horizontal: "center", vertical: "middle" };
    c.fill = fill("FFD9E2F3");
    c.border = thin;
  });
  for (const s of summaryByUnit(o.rows)) {
    const row = sum.addRow([s.unit, s.total, s.done, s.doing, s.overdue, s.rate]);
    row.eachCell({ includeEmpty: true }, (c, i) => {
      c.font = { name: BODY_FONT, size: 11, bold: s.unit === "合计" };
      c.alignment = { horizontal: i === 1 ? "left" : "center", vertical: "middle" };
      c.border = thin;
    });
    row.getCell(6).numFmt = "0.0%";
    if (s.overdue > 0) row.getCell(5).font = { name: BODY_FONT, size: 11, bold: true, color: { argb: FONT_COLOURS.overdue } };
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
