// The files that leave the system, read back: the .docx unzipped and its XML parsed (content,
// order, styles, fonts, page set-up, page numbers), the .xlsx through exceljs's reader (title,
// subtitle, headers and merges, frozen header, dates as dates, colours, autofilter, summary sheet).
import { test } from "node:test";
import assert from "node:assert/strict";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import { makeApp } from "../../helpers/app.ts";
import { playStory } from "./story.ts";
import { ledger, reportProgress } from "../../../server/features/ledger/service.ts";
import { reportDocx, FONTS, LINE, PAGE } from "../../../server/features/ledger/docx.ts";
import { ledgerXlsx, FILLS } from "../../../server/features/ledger/xlsx.ts";
import { LEDGER_COLUMNS } from "../../../server/features/ledger/rows.ts";

const TZ = "Asia/Shanghai";

/** paragraphs of document.xml: style id and text */
function paragraphs(xml: string): { style: string; text: string }[] {
  return [...xml.matchAll(/<w:p>([\s\S]*?)<\/w:p>|<w:p [^>]*>([\s\S]*?)<\/w:p>/g)].map((m) => {
    const body = m[1] ?? m[2];
    const style = /<w:pStyle w:val="([^"]+)"/.exec(body)?.[1] ?? "Normal";
    const text = [...body.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((x) => x[1]).join("");
    return { style, text };
  });
}

function styleXml(styles: string, id: string): string {
  const m = new RegExp(`<w:style [^>]*w:styleId="${id}"[^>]*>([\\s\\S]*?)</w:style>`).exec(styles);
  assert.ok(m, `style ${id} exists`);
  return m[1];
}

test(".docx: content in order, official fonts and sizes, A4, fixed line pitch, page numbers, font fallbacks", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = playStory(ta);
  const doc = reportProgress(ta.db, s.actors.leader, s.reportId, "2026-11-23", TZ);
  const buf = await reportDocx({ title: doc.title, blocks: doc.blocks });
  const zip = await JSZip.loadAsync(buf);
  const xml = await zip.file("word/document.xml")!.async("string");
  const ps = paragraphs(xml).filter((p) => p.text);
  assert.equal(ps[0].style, "RectifyTitle");
  assert.equal(ps[0].text, "中共示范县文化和旅游局委员会2026年度基层党建工作自查报告");
  assert.equal(ps[1].text, "（截至2026年11月23日）");
  const h1 = ps.filter((p) => p.style === "Heading1").map((p) => p.text);
  assert.deepEqual(h1, ["一、主要做法及成效", "二、存在问题", "三、原因分析", "四、整改措施"]);
  const iMeasures = ps.findIndex((p) => p.text === "四、整改措施");
  assert.equal(ps[iMeasures + 1].text, "共查摆问题5个，已整改销号1个，正在整改3个，逾期1个，整改完成率20%。");
  assert.deepEqual(ps.slice(iMeasures).filter((p) => p.style === "Heading2").map((p) => p.text), ["（一）组织生活质量不高", "（二）党员教育管理不够严格", "（三）基层组织建设存在薄弱环节"]);
  const all = ps.map((p) => p.text).join("\n");
  assert.ok(all.indexOf("【已销号（2026年11月15日）】") < all.indexOf("【逾期13天】"));
  assert.match(all, /完成情况：已销号（2026年11月15日，验收人：王书记）。/);
  // bold lead-ins in the live section
  assert.match(xml, /<w:b\/>[\s\S]{0,200}<w:t xml:space="preserve">整改进展：<\/w:t>|<w:b\/><\/w:rPr><w:t xml:space="preserve">整改进展：/);

  const styles = await zip.file("word/styles.xml")!.async("string");
  const fontOf = (id: string) => /<w:rFonts [^>]*w:eastAsia="([^"]+)"/.exec(styleXml(styles, id))?.[1];
  const sizeOf = (id: string) => /<w:sz w:val="(\d+)"/.exec(styleXml(styles, id))?.[1];
  assert.equal(fontOf("RectifyTitle"), "方正小标宋简体");
  assert.equal(sizeOf("RectifyTitle"), "44", "二号 = 22 pt");
  assert.equal(fontOf("Normal"), "仿宋_GB2312");
  assert.equal(sizeOf("Normal"), "32", "三号 = 16 pt");
  assert.equal(fontOf("Heading1"), "黑体");
  assert.equal(fontOf("Heading2"), "楷体_GB2312");
  assert.match(styleXml(styles, "Normal"), new RegExp(`<w:spacing [^>]*w:line="${LINE}"[^>]*w:lineRule="exact"|<w:spacing [^>]*w:lineRule="exact"[^>]*w:line="${LINE}"`));
  assert.match(styleXml(styles, "Normal"), /<w:ind [^>]*w:firstLine="640"/);
  // 29 lines on the text block of the page: between 28 and 30
  const lines = Math.floor((PAGE.height - PAGE.top - PAGE.bottom) / LINE);
  assert.ok(lines >= 28 && lines <= 30, `${lines} lines a page`);

  const sect = /<w:sectPr[\s\S]*?<\/w:sectPr>/.exec(xml)![0];
  assert.match(sect, /<w:pgSz [^>]*w:w="11906"[^>]*w:h="16838"|<w:pgSz [^>]*w:h="16838"[^>]*w:w="11906"/, "A4");
  assert.match(sect, /<w:footerReference [^>]*w:type="default"/);
  const footer = await zip.file("word/footer1.xml")!.async("string");
  assert.match(footer, /PAGE/);
  assert.match(footer, /— /);

  // the fallbacks: official fonts with alternates and the GB2312 charset
  const fonts = await zip.file("word/fontTable.xml")!.async("string");
  for (const [name, alt] of [["方正小标宋简体", "宋体"], ["仿宋_GB2312", "仿宋"], ["楷体_GB2312", "楷体"]])
    assert.match(fonts, new RegExp(`<w:font w:name="${name}"><w:altName w:val="${alt}"/><w:charset w:val="86"/>`));
  assert.ok(FONTS.body && (await zip.file("[Content_Types].xml")!.async("string")).includes("fontTable"));
});

test(".xlsx: title, subtitle, merged group headers in the standard order, frozen, dates, colours, autofilter, summary by unit", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = playStory(ta);
  const l = ledger(ta.db, s.actors.leader, { report: s.reportId }, "2026-11-23", "2026-11-23", TZ);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await ledgerXlsx({ title: l.title, asOf: l.asOf, rows: l.rows })) as any);
  assert.deepEqual(wb.worksheets.map((w) => w.name), ["整改台账", "按单位汇总"]);
  const ws = wb.getWorksheet("整改台账")!;
  assert.equal(ws.getCell("A1").value, "《中共示范县文化和旅游局委员会2026年度基层党建工作自查报告整改台账》");
  assert.equal(ws.getCell("A1").font.name, "方正小标宋简体");
  assert.equal(ws.getCell("A2").value, "截至2026年11月23日");
  const merges = (ws.model as any).merges as string[];
  assert.ok(merges.includes("A1:P1") && merges.includes("A2:P2"), merges.join(","));
  assert.ok(merges.includes("F3:I3") && merges.includes("K3:O3"), "group headers merged across");
  assert.ok(merges.includes("A3:A4") && merges.includes("J3:J4") && merges.includes("P3:P4"), "single headers merged down");
  assert.equal(ws.getCell("F3").value, "责任分工");
  assert.equal(ws.getCell("K3").value, "整改落实情况");
  // the headers, in DOMAIN.md's order, read off the two rows
  const header = LEDGER_COLUMNS.map((_, i) => {
    const c = i + 1;
    return String(merges.some((m) => m.startsWith(ws.getCell(3, c).address + ":") && m.endsWith("4")) ? ws.getCell(3, c).value : ws.getCell(4, c).value);
  });
  assert.deepEqual(header, ["序号", "问题类别（来源）", "问题描述", "整改目标（完成标准）", "整改措施", "责任领导", "责任单位", "配合单位", "责任人", "整改时限", "整改进展", "完成情况", "销号日期", "验收人", "佐证材料", "备注"]);
  assert.equal(ws.getCell("C4").font.name, "黑体");
  assert.deepEqual({ state: ws.views[0].state, ySplit: (ws.views[0] as any).ySplit }, { state: "frozen", ySplit: 4 });
  assert.ok((ws.autoFilter as any) && String(typeof ws.autoFilter === "string" ? ws.autoFilter : JSON.stringify(ws.autoFilter)).includes("A4") , JSON.stringify(ws.autoFilter));
  assert.ok((ws.getColumn(3).width ?? 0) >= 20 && (ws.getColumn(1).width ?? 99) <= 6, "columns sized");
  assert.ok((ws.getRow(5).height ?? 0) >= 27, "a row tall enough for its wrapped text");

  // rows: report order, one per task
  const body = [5, 6, 7, 8, 9].map((r) => ws.getRow(r));
  assert.equal(ws.rowCount, 9);
  assert.deepEqual(body.map((r) => r.getCell(1).value), [1, 2, 3, 4, 5]);
  assert.deepEqual(body.map((r) => r.getCell(12).value), ["已销号", "整改中", "逾期13天", "待整改", "长期坚持"]);
  assert.equal(body[0].getCell(2).value, "组织生活质量不高");
  assert.equal(body[0].getCell(8).value, "局办公室");
  assert.equal(body[0].getCell(9).value, "李干事");
  assert.equal(body[0].getCell(14).value, "王书记");
  assert.equal(body[0].getCell(15).value, "支委会会议记录.pdf");
  assert.ok(body[0].getCell(3).alignment.wrapText, "text wrapped");
  assert.equal(body[0].getCell(3).font.name, "宋体");
  // dates are dates
  const d = body[0].getCell(13).value as Date;
  assert.ok(d instanceof Date, "销号日期 is a date");
  assert.equal(d.toISOString().slice(0, 10), "2026-11-15");
  assert.match(String(body[0].getCell(13).numFmt), /yyyy/);
  assert.equal((body[1].getCell(10).value as Date).toISOString().slice(0, 10), "2026-11-30");
  assert.equal(body[4].getCell(10).value, "长期坚持");
  assert.match(String(body[1].getCell(16).value), /原定时限2026年10月15日，经批准延期至2026年11月30日/);
  // colours: 已销号 green, 逾期 red (state and the deadline's light)
  const argb = (c: ExcelJS.Cell) => (c.fill as any)?.fgColor?.argb;
  assert.equal(argb(body[0].getCell(12)), FILLS.done);
  assert.equal(argb(body[2].getCell(12)), FILLS.overdue);
  assert.equal(argb(body[2].getCell(10)), FILLS.overdue, "红灯 on the deadline");

  const sum = wb.getWorksheet("按单位汇总")!;
  assert.deepEqual((sum.getRow(3).values as unknown[]).slice(1), ["责任单位", "任务总数", "已销号", "整改中", "逾期", "完成率"]);
  const rows = [4, 5, 6].map((r) => (sum.getRow(r).values as unknown[]).slice(1));
  assert.deepEqual(rows[0].slice(0, 5), ["第一党支部", 3, 1, 2, 0]);
  assert.deepEqual(rows[1].slice(0, 5), ["第二党支部", 2, 0, 1, 1]);
  assert.deepEqual(rows[2].slice(0, 5), ["合计", 5, 1, 3, 1]);
  assert.equal(rows[2][5], 0.2);
  assert.equal(sum.getCell("F6").numFmt, "0.0%");
});

test(".xlsx at an earlier date: the task created later is absent, states as they were", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = playStory(ta);
  const l = ledger(ta.db, s.actors.admin, { report: s.reportId }, "2026-10-22", "2026-11-23", TZ);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await ledgerXlsx({ title: l.title, asOf: l.asOf, rows: l.rows })) as any);
  const ws = wb.getWorksheet("整改台账")!;
  assert.equal(ws.getCell("A2").value, "截至2026年10月22日");
  assert.equal(ws.rowCount, 4 + 5, "T4 was created on 10-20: it is there");
  const early = ledger(ta.db, s.actors.admin, { report: s.reportId }, "2026-10-19", "2026-11-23", TZ);
  assert.equal(early.rows.length, 4, "…but not on 10-19");
  const states = [5, 6, 7, 8, 9].map((r) => ws.getRow(r).getCell(12).value);
  assert.deepEqual(states, ["待销号", "整改中", "待整改", "待整改", "长期坚持"]);
  assert.equal(ws.getRow(5).getCell(13).value, null, "not signed off yet");
});
