// Reading the spreadsheets an office already has (.xlsx, .xls, .et, .csv) into plain tables:
// rows of cell texts with merged cells filled, the header row found by its usual Chinese names
// (a title row or two above it, a two-row header with merged cells over groups), and columns
// mapped to fields. Pure: a Buffer in, tables out; no database, no files.
import * as XLSX from "@e965/xlsx";
import iconv from "iconv-lite";

export const SHEET_EXTENSIONS = [".xlsx", ".xls", ".et", ".csv"];
export const SHEET_ACCEPT = SHEET_EXTENSIONS.join(",");
/** data rows per file: past it the file is refused, never cut silently */
export const MAX_ROWS = 100_000;

export class SheetError extends Error {}

/** A field a column can carry: its key, its name on the page, and the header names it goes by. */
export type FieldSpec = { key: string; label: string; aliases: string[]; required?: boolean };

export type RawSheet = { name: string; rows: string[][] };

/** One sheet as a table: the lines above the header (title, subtitle), the header, the data rows. */
export type Table = {
  sheet: string;
  /** texts of the rows above the header: 《…整改台账》, 截至2026年11月22日, 填报单位 … */
  above: string[];
  header: string[];
  /** the spreadsheet's row number (1-based) of each data row */
  rowNumbers: number[];
  rows: string[][];
  /** column index → field key ("" for a column left out) */
  mapping: string[];
};

const OLE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/** Text of a CSV: UTF-8 (with or without BOM) when it decodes as such, else GB18030. */
export function decodeCsv(data: Buffer): string {
  if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) return data.subarray(3).toString("utf8");
  if (data[0] === 0xff && data[1] === 0xfe) return data.subarray(2).toString("utf16le");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch {
    return iconv.decode(data, "gb18030");
  }
}

const pad = (n: number) => String(n).padStart(2, "0");

/** A cell's text: dates (a number formatted as a date) as YYYY-MM-DD, formulas by their computed value. */
function cellText(cell: XLSX.CellObject | undefined): string {
  if (!cell || cell.v === undefined || cell.v === null) return "";
  if (cell.t === "n" && cell.z && XLSX.SSF.is_date(String(cell.z))) {
    const d = XLSX.SSF.parse_date_code(Number(cell.v));
    if (d) return `${d.y}-${pad(d.m)}-${pad(d.d)}`;
  }
  if (cell.t === "d" && cell.v instanceof Date) return cell.v.toISOString().slice(0, 10);
  if (cell.t === "b") return cell.v ? "是" : "否";
  if (cell.t === "e") return "";
  // leading spaces kept: an organisation list may show its tree by indenting names (records() gives the depth)
  return String(cell.w && cell.t !== "n" ? cell.w : cell.v).trimEnd();
}

/** Reads every sheet of a spreadsheet file into rows of texts, merged cells filled from their first cell. */
export function readSheets(data: Buffer, filename: string): RawSheet[] {
  const ext = (filename.match(/\.[^.]+$/)?.[0] ?? "").toLowerCase();
  if (!SHEET_EXTENSIONS.includes(ext)) throw new SheetError("只能导入 Excel 或 WPS 表格（.xlsx、.xls、.et）或 .csv 文件");
  if (!data.length) throw new SheetError("文件是空的，请检查是否选错了文件");
  let wb: XLSX.WorkBook;
  const opts = { sheetRows: MAX_ROWS + 30, dense: false } as XLSX.ParsingOptions;
  try {
    if (ext === ".csv") {
      const text = decodeCsv(data);
      if (text.includes("\u0000")) throw new SheetError("文件不是可识别的表格，请另存为 .xlsx 或 .csv 后再导入");
      wb = XLSX.read(text, { ...opts, type: "string", raw: true });
    } else {
      const zip = data[0] === 0x50 && data[1] === 0x4b;
      const ole = data.subarray(0, 8).equals(OLE);
      if (!zip && !ole) throw new SheetError("文件不是可识别的表格，请另存为 .xlsx 或 .csv 后再导入");
      wb = XLSX.read(data, { ...opts, type: "buffer", cellFormula: false, cellHTML: false, cellNF: true });
    }
  } catch (e) {
    if (e instanceof SheetError) throw e;
    throw new SheetError("文件无法读取：可能已损坏、加密或不是表格文件");
  }
  const sheets: RawSheet[] = [];
  for (const name of wb.SheetNames) {
    const ws = wb.Sheets[name];
    if (!ws || !ws["!ref"]) continue;
    const full = XLSX.utils.decode_range(String(ws["!fullref"] ?? ws["!ref"]));
    if (full.e.r - full.s.r + 1 > MAX_ROWS + 20) throw new SheetError(`表格“${name}”超过 ${MAX_ROWS.toLocaleString("en-US")} 行，超出一次导入的上限；请分成几个文件导入`);
    const range = XLSX.utils.decode_range(ws["!ref"]);
    const rows: string[][] = [];
    for (let r = 0; r <= range.e.r; r++) {
      const row: string[] = [];
      for (let c = 0; c <= range.e.c; c++) row.push(r < range.s.r || c < range.s.c ? "" : cellText(ws[XLSX.utils.encode_cell({ r, c })]));
      rows.push(row);
    }
    for (const m of ws["!merges"] ?? []) {
      const v = rows[m.s.r]?.[m.s.c] ?? "";
      for (let r = m.s.r; r <= m.e.r; r++) for (let c = m.s.c; c <= m.e.c; c++) if (rows[r]) rows[r][c] = v;
    }
    sheets.push({ name, rows });
  }
  return sheets;
}

/** A header's text reduced for matching: no spaces, breaks, asterisks or bracketed notes; half-width. */
export function normHeader(s: string): string {
  return s
    .replace(/[\uff01-\uff5e]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0))
    .replace(/\(.*?\)|（.*?）|【.*?】|\[.*?\]/g, "")
    .replace(/[\s\u3000*＊:：]/g, "")
    .trim();
}

/** The field a header names: an exact name first, then a name it starts with or contains. */
export function fieldOf(header: string, fields: FieldSpec[]): string | null {
  const h = normHeader(header);
  if (!h) return null;
  for (const f of fields) if (f.aliases.some((a) => normHeader(a) === h)) return f.key;
  let best: { key: string; len: number } | null = null;
  for (const f of fields)
    for (const a of f.aliases) {
      const n = normHeader(a);
      if (n.length >= 2 && h.includes(n) && (!best || n.length > best.len)) best = { key: f.key, len: n.length };
    }
  return best?.key ?? null;
}

const nonEmpty = (row: string[]) => row.some((c) => c.trim() !== "");

/**
 * Finds the header in the first rows of a sheet: the row naming the most fields (at least two).
 * A row below it that names fields too is the second row of a two-row header (merged 责任分工
 * over 责任领导 · 责任单位 · 责任人): each column takes the lower name where it names a field.
 */
export function toTable(sheet: RawSheet, fields: FieldSpec[]): Table | null {
  const scan = Math.min(sheet.rows.length, 15);
  let best = -1;
  let bestHits = 1;
  for (let r = 0; r < scan; r++) {
    const hits = new Set(sheet.rows[r].map((h) => (h.length <= 20 ? fieldOf(h, fields) : null)).filter(Boolean)).size;
    if (hits > bestHits) {
      best = r;
      bestHits = hits;
    }
  }
  if (best < 0) return null;
  let header = sheet.rows[best].map((h) => h.replace(/\s+/g, ""));
  let last = best;
  const below = sheet.rows[best + 1];
  if (below) {
    const lower = below.map((h) => (h.length <= 12 ? fieldOf(h, fields) : null));
    // a second header row names fields where the first row's cells were a merged group name
    // (责任分工 over 责任领导 · 责任单位 · 责任人; 整改情况 over 进展情况 · 是否完成)
    const merged = (c: number) => !!header[c] && (header[c] === header[c - 1] || header[c] === header[c + 1]);
    const grouped = lower.filter((k, c) => k && normHeader(below[c]) !== normHeader(header[c]) && (merged(c) || !fieldOf(header[c], fields))).length >= 2;
    if (grouped) {
      header = header.map((h, c) => (lower[c] ? below[c].replace(/\s+/g, "") : h));
      last = best + 1;
    }
  }
  const mapping: string[] = [];
  const taken = new Set<string>();
  header.forEach((h, c) => {
    const k = fieldOf(h, fields);
    // one column per field: a merged header repeats its name over several columns
    mapping[c] = k && !taken.has(k) ? k : "";
    if (k) taken.add(k);
  });
  const above = sheet.rows
    .slice(0, best)
    .map((r) => [...new Set(r.map((c) => c.trim()).filter(Boolean))].join(" "))
    .filter(Boolean);
  const rows: string[][] = [];
  const rowNumbers: number[] = [];
  for (let r = last + 1; r < sheet.rows.length; r++) {
    if (!nonEmpty(sheet.rows[r])) continue;
    rows.push(sheet.rows[r]);
    rowNumbers.push(r + 1);
  }
  if (rows.length > MAX_ROWS) throw new SheetError(`表格“${sheet.name}”超过 ${MAX_ROWS.toLocaleString("en-US")} 行，超出一次导入的上限；请分成几个文件导入`);
  return { sheet: sheet.name, above, header, rowNumbers, rows, mapping };
}

/** Every sheet that has a recognisable header; a clear message when none has. */
export function readTables(data: Buffer, filename: string, fields: FieldSpec[]): Table[] {
  const sheets = readSheets(data, filename);
  if (!sheets.some((s) => s.rows.some(nonEmpty))) throw new SheetError("表格中没有内容，请检查是否选错了文件");
  const tables = sheets.map((s) => toTable(s, fields)).filter((t): t is Table => !!t);
  if (!tables.length) throw new SheetError(`没有找到可识别的表头：第一行（或标题下的一行）应有“${fields.filter((f) => f.required).map((f) => f.label).join("”“")}”等列名`);
  return tables;
}

/** Fields a table needs but no column carries. */
export function missingFields(t: Table, fields: FieldSpec[]): FieldSpec[] {
  return fields.filter((f) => f.required && !t.mapping.includes(f.key));
}

/** Columns with a header that no field took: the mapping step offers them. */
export function unknownColumns(t: Table): { index: number; header: string }[] {
  return t.header.map((h, index) => ({ index, header: h })).filter((c) => c.header.trim() && !t.mapping[c.index]);
}

/** Sets a column's field ("" leaves it out); a field is carried by one column only. */
export function remap(t: Table, index: number, key: string): Table {
  const mapping = t.mapping.map((k) => (key && k === key ? "" : k));
  mapping[index] = key;
  return { ...t, mapping };
}

/** How far a cell's text is indented (a half-width space 1, a full-width space 2, a tab 4). */
export function indentOf(text: string): number {
  let n = 0;
  for (const ch of text) {
    if (ch === " ") n += 1;
    else if (ch === "\u3000") n += 2;
    else if (ch === "\t") n += 4;
    else break;
  }
  return n;
}

/** The rows as records keyed by field (texts trimmed), with each field's indentation. */
export function records(t: Table): { row: number; cells: Record<string, string>; indent: Record<string, number> }[] {
  return t.rows.map((r, i) => {
    const cells: Record<string, string> = {};
    const indent: Record<string, number> = {};
    t.mapping.forEach((k, c) => {
      if (!k) return;
      cells[k] = (r[c] ?? "").trim();
      indent[k] = indentOf(r[c] ?? "");
    });
    return { row: t.rowNumbers[i], cells, indent };
  });
}
