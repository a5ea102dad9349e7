// Spreadsheet files for the move-in tests, made the way offices make them: exceljs for .xlsx
// (title rows, merged headers, merged category cells), SheetJS for .xls/.et, CSV in UTF-8 with BOM or GB18030.
import ExcelJS from "exceljs";
import * as XLSX from "@e965/xlsx";
import iconv from "iconv-lite";

export type Merge = [row1: number, col1: number, row2: number, col2: number];

/** An .xlsx of the given rows (1-based merges as exceljs takes them), values as given (a Date stays a date). */
export async function xlsx(sheets: { name?: string; rows: unknown[][]; merges?: Merge[]; formulas?: { cell: string; formula: string; result: unknown }[] }[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  sheets.forEach((s, i) => {
    const ws = wb.addWorksheet(s.name ?? `Sheet${i + 1}`);
    for (const r of s.rows) ws.addRow(r);
    for (const m of s.merges ?? []) ws.mergeCells(...m);
    for (const f of s.formulas ?? []) ws.getCell(f.cell).value = { formula: f.formula, result: f.result } as ExcelJS.CellFormulaValue;
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** An old-Excel (BIFF8) file of the rows: what .xls and WPS's .et carry. */
export function xls(rows: unknown[][], merges: { s: { r: number; c: number }; e: { r: number; c: number } }[] = []): Buffer {
  const ws = XLSX.utils.aoa_to_sheet(rows);
  ws["!merges"] = merges;
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, ws, "Sheet1");
  return Buffer.from(XLSX.write(wb, { type: "buffer", bookType: "biff8" }));
}

const csvText = (rows: unknown[][]) => rows.map((r) => r.map((c) => (/[",\n]/.test(String(c)) ? `"${String(c).replace(/"/g, '""')}"` : String(c))).join(",")).join("\r\n") + "\r\n";
export const csvUtf8Bom = (rows: unknown[][]) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csvText(rows), "utf8")]);
export const csvGb18030 = (rows: unknown[][]) => iconv.encode(csvText(rows), "gb18030");

/** The organisation list of the tests: a title row, then 单位名称 · 上级党组织 · 类型 · 书记 · 联系领导 · 分类定级. */
export const UNIT_ROWS: unknown[][] = [
  ["测试党委党组织设置情况表"],
  ["序号", "单位名称", "上级党组织", "党组织类型", "书记", "联系领导", "2025年度分类定级"],
  [1, "机关党总支", "测试党委", "党总支", "", "", ""],
  [2, "机关第一党支部", "机关党总支", "党支部", "", "", "先进"],
  [3, "机关第二党支部", "机关党总支", "党支部", "", "", "后进"],
  [4, "财务科党支部", "不存在的党委", "党支部", "", "", ""],
  [5, "甲支部", "乙支部", "党支部", "", "", ""],
  [6, "乙支部", "甲支部", "党支部", "", "", ""],
];

/** The roster of the tests: 姓名 · 所在单位 · 职务 · 手机 · 邮箱. */
export const PEOPLE_ROWS: unknown[][] = [
  ["人员名单"],
  ["姓名", "所在单位", "职务", "手机号码", "电子邮箱"],
  ["周书记", "机关第一党支部", "支部书记", "13800000001", "zhou@t.cn"],
  ["吴干事", "机关第一党支部", "党务干事", "13800000002", "wu@t.cn"],
  ["郑干事", "机关第二党支部", "组织委员", "13800000003", ""],
  ["冯某", "机关第二党支部", "厨师", "13800000004", "feng@t.cn"],
  ["陈某", "机关第二党支部", "党务干事", "13800000005", "wu@t.cn"],
  ["褚某", "没有这个支部", "党务干事", "13800000006", "chu@t.cn"],
];

/** A ledger as offices keep it: title and 截至 rows, a two-row header with merged groups, group rows, a category merged down its rows. */
export const LEDGER_ROWS: unknown[][] = [
  ["《测试党委巡察整改台账》"],
  ["填报单位：测试党委　截至2026年11月22日"],
  ["序号", "问题类别", "存在问题", "整改措施", "责任分工", "", "", "整改时限", "整改情况", "", "销号时间"],
  ["", "", "", "", "责任领导", "责任单位", "责任人", "", "进展情况", "是否完成", ""],
  ["一、思想政治方面"],
  [1, "理论学习", "理论学习不深入", "制定学习计划", "王书记", "第一支部", "李干事", "2026年6月底前", "已制定计划", "已完成", "2026-07-10"],
  [2, "", "党费收缴不及时", "建立党费台账", "王书记", "第一党支部", "钱干事", "12月底", "已补缴三个月", "正在整改", ""],
  ["二、组织建设方面"],
  [3, "组织生活", "发展党员程序不规范", "规范发展程序", "王书记", "第二党支部", "孙某某", "长期坚持", "", "长期坚持", ""],
  [4, "组织生活", "会议记录不全", "补记会议记录", "", "第二党支部", "孙干事", "立行立改", "", "未完成", ""],
];
/** exceljs merges (1-based): the title, the subtitle, 责任分工, 整改情况, the two-row header's single cells, the group rows, 理论学习 down two rows */
export const LEDGER_MERGES: [number, number, number, number][] = [
  [1, 1, 1, 11],
  [2, 1, 2, 11],
  [3, 5, 3, 7],
  [3, 9, 3, 10],
  [3, 1, 4, 1],
  [3, 2, 4, 2],
  [3, 3, 4, 3],
  [3, 4, 4, 4],
  [3, 8, 4, 8],
  [3, 11, 4, 11],
  [5, 1, 5, 11],
  [8, 1, 8, 11],
  [6, 2, 7, 2],
];
