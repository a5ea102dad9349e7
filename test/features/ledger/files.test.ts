// The files that leave the system, read back: the .docx unzipped and its XML parsed (content,
// order, styles, fonts, page set-up, page numbers), the .xlsx through exceljs's reader (title,
// subtitle, headers and merges, frozen header, dates as dates, colours, autofilter, summary sheet).
import { test } from "node:test";
import assert from "node:assert/strict";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import { makeApp } from "../../helpers/app.ts";
import { playStory } from "./story.ts";
import { formalReport, ledger, reportProgress, saveDocumentSettings } from "../../../server/features/ledger/service.ts";
import { reportDocx, signatureIndents, CHAR, FONTS, GRID, LINE, PAGE } from "../../../server/features/ledger/docx.ts";
import { ledgerXlsx, fitsColumn, headerText, textUnits, BODY_SIZE, FILLS, WIDTHS } from "../../../server/features/ledger/xlsx.ts";
import { LEDGER_COLUMNS } from "../../../server/features/ledger/rows.ts";

const TZ = "Asia/Shanghai";

/** paragraphs of document.xml: style id and text */
function paragraphs(xml: string): { style: string; text: string; body: string }[] {
  return [...xml.matchAll(/<w:p\/>|<w:p>([\s\S]*?)<\/w:p>|<w:p [^>]*>([\s\S]*?)<\/w:p>/g)].map((m) => {
    const body = m[1] ?? m[2] ?? "";
    const style = /<w:pStyle w:val="([^"]+)"/.exec(body)?.[1] ?? "Normal";
    const text = [...body.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>|<w:(br)\/>/g)].map((x) => (x[2] ? "\n" : x[1])).join("").replace(/\u2060/g, "");
    return { style, text, body };
  });
}

/** A document's .docx, unzipped: the zip and its document.xml. */
async function docxOf(doc: { title: string; blocks: Parameters<typeof reportDocx>[0]["blocks"] }) {
  const zip = await JSZip.loadAsync(await reportDocx({ title: doc.title, blocks: doc.blocks }));
  return { zip, xml: await zip.file("word/document.xml")!.async("string") };
}

function styleXml(styles: string, id: string): string {
  const m = new RegExp(`<w:style [^>]*w:styleId="${id}"[^>]*>([\\s\\S]*?)</w:style>`).exec(styles);
  assert.ok(m, `style ${id} exists`);
  return m[1];
}

test(".docx, the 整改情况报告 proper: title in natural lines, 主送, opening from the figures, three sections, 落款 and 成文日期; GB/T 9704 page grid; no placeholder text", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await playStory(ta);
  const { zip, xml } = await docxOf(await formalReport(ta.db, s.actors.leader, s.reportId, "2026-11-23", TZ));
  const all = paragraphs(xml);
  const ps = all.filter((p) => p.text);
  assert.equal(ps[0].style, "RectifyTitle");
  assert.equal(ps[0].text, "关于2026年度基层党建工作\n自查问题整改情况的报告", "broken between words, upper line the longer");
  assert.equal(all[1].text, "", "a blank line under the title");
  assert.deepEqual([ps[1].style, ps[1].text], ["RectifyAddressee", "县委组织部："], "主送机关 as the report names it");
  assert.match(ps[2].text, /^对照《中共示范县文化和旅游局委员会2026年度基层党建工作自查报告》查摆的5个问题.*截至2026年11月23日，已完成整改1个，整改完成率20%，另有长期坚持事项1个持续推进。现将整改情况报告如下：$/);
  assert.deepEqual(ps.filter((p) => p.style === "Heading1").map((p) => p.text), ["一、整改工作总体情况", "二、问题整改落实情况", "三、存在的不足和下一步打算"]);
  const text = ps.map((p) => p.text).join("\n");
  assert.match(text, /长期坚持事项计入总数，销号前不计为已完成/);
  assert.match(text, /完成情况：待整改（逾期13天）。/);
  assert.match(text, /落实情况：由第二党支部（责任人孙干事）按上述措施推进，整改时限为2026年11月10日。/, "an item without progress says what the task says");
  assert.match(text, /特此报告。\n附件：整改佐证材料清单\n中共示范县文化和旅游局委员会|特此报告。\n附件：整改佐证材料清单\n测试党委/);
  assert.doesNotMatch(text, /尚未填报|【|undefined|null|NaN|XX|\{|\}/, "no system wording or placeholders");
  // 落款 (the unit's full name) and 成文日期 right-aligned, the date four characters in, two blank lines above for the seal
  const iSign = all.findIndex((p) => p.style === "RectifySignature");
  assert.equal(all[iSign].text, "测试党委");
  assert.equal(all[iSign + 1].text, "2026年11月23日");
  assert.deepEqual([all[iSign - 1].text, all[iSign - 2].text], ["", ""]);
  const ind = signatureIndents("测试党委", "2026年11月23日");
  assert.match(all[iSign + 1].body, new RegExp(`<w:ind [^>]*w:right="${ind.date}"`));
  assert.equal(ind.date, Math.round(4 * CHAR));
  assert.match(all[iSign].body, new RegExp(`<w:ind [^>]*w:right="${ind.name}"`));
  assert.match(all[iSign + 1].body, /2\u20600\u20602\u20606/, "the date is joined so that no line splits it");
  // the 附件 on a page of its own
  const iAtt = all.findIndex((p) => p.style === "RectifyAttachment");
  assert.ok(iAtt > iSign && /<w:pageBreakBefore\/>/.test(all[iAtt].body));
  assert.match(all[iAtt + 3].text, /^1．部分支部“三会一课”记录不规范：支委会会议记录\.pdf。$/);

  // the page: A4, GB/T 9704 margins, a grid of 22 lines at ≈28.9 pt, 28 characters a line
  const sect = /<w:sectPr[\s\S]*?<\/w:sectPr>/.exec(xml)![0];
  assert.match(sect, /<w:pgSz [^>]*w:w="11906"[^>]*w:h="16838"|<w:pgSz [^>]*w:h="16838"[^>]*w:w="11906"/, "A4");
  const margin = (k: string) => Number(new RegExp(`<w:pgMar [^>]*w:${k}="(\\d+)"`).exec(sect)![1]);
  assert.equal(Math.round(((16838 - margin("top") - margin("bottom")) / 1440) * 25.4), 225, "type area 225 mm high");
  assert.equal(Math.round(((11906 - margin("left") - margin("right")) / 1440) * 25.4), 156, "156 mm wide");
  const grid = /<w:docGrid ([^>]*)\/>/.exec(sect)![1];
  const pitch = Number(/w:linePitch="(\d+)"/.exec(grid)![1]);
  assert.equal(pitch, LINE);
  assert.ok(Math.abs(pitch / 20 - 28.9) < 0.1, `line pitch ${pitch / 20} pt`);
  assert.equal(Math.floor((16838 - margin("top") - margin("bottom")) / pitch), GRID.lines, "22 lines a page");
  assert.match(grid, /w:type="linesAndChars"/, "a lines-and-characters grid in the page set-up");
  const charSpace = Number(/w:charSpace="(-?\d+)"/.exec(grid)![1]);
  assert.equal(Math.round((11906 - margin("left") - margin("right")) / (320 + (charSpace / 4096) * 20)), GRID.chars, "its character pitch: 28 a line");
  const styles = await zip.file("word/styles.xml")!.async("string");
  assert.match(styleXml(styles, "Normal"), new RegExp(`<w:spacing [^>]*w:line="${LINE}"[^>]*w:lineRule="exact"|<w:spacing [^>]*w:lineRule="exact"[^>]*w:line="${LINE}"`));
  const spacing = Number(/<w:docDefaults>[\s\S]*?<w:spacing w:val="(-?\d+)"/.exec(styles)![1]);
  assert.equal(Math.floor((11906 - margin("left") - margin("right")) / (320 + spacing)), GRID.chars, "28 三号 characters a line");
  assert.doesNotMatch(styles, /<w:color /, "no coloured styles, used or not");
  assert.match(styles, /<w:pPrDefault><w:pPr><w:snapToGrid w:val="0"\/>/, "text keeps its own pitch (28 a line by letter spacing), as LibreOffice and Word both lay it out");
  // page numbers: 四号 宋体 with em dashes, odd on the right and even on the left, one character in
  assert.match(sect, /<w:footerReference [^>]*w:type="default"/);
  assert.match(sect, /<w:footerReference [^>]*w:type="even"/);
  assert.ok(/<w:evenAndOddHeaders\/>/.test(await zip.file("word/settings.xml")!.async("string")));
  const footers = await Promise.all(Object.keys(zip.files).filter((f) => /^word\/footer\d\.xml$/.test(f)).map((f) => zip.file(f)!.async("string")));
  assert.ok(footers.some((f) => /<w:jc w:val="right"\/>/.test(f) && /<w:ind [^>]*w:right="280"/.test(f)), "odd: right, one character in");
  assert.ok(footers.some((f) => /<w:jc w:val="left"\/>/.test(f) && /<w:ind [^>]*w:left="280"/.test(f)), "even: left, one character in");
  for (const f of footers) assert.ok(/— <\/w:t>[\s\S]*PAGE[\s\S]* —/.test(f) && /<w:sz w:val="28"\/>/.test(f), "— 1 —, 四号");

  // a leader's title with a set break and a 主送机关 given on export
  await saveDocumentSettings(ta.db, s.actors.leader, s.reportId, { title: "关于2026年度基层党建\n工作自查问题整改情况的报告", addressee: "中共示范县委组织部" });
  const again = await formalReport(ta.db, s.actors.leader, s.reportId, "2026-11-23", TZ);
  assert.deepEqual(again.blocks[0].type === "title" && again.blocks[0].lines, ["关于2026年度基层党建", "工作自查问题整改情况的报告"]);
  assert.ok(again.blocks.some((b) => b.type === "addressee" && b.text === "中共示范县委组织部："));
});

test(".docx --original: the self-check report itself, its 整改措施 section up to date, on the same page grid", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await playStory(ta);
  const { zip, xml } = await docxOf(await reportProgress(ta.db, s.actors.leader, s.reportId, "2026-11-23", TZ));
  const ps = paragraphs(xml).filter((p) => p.text);
  assert.equal(ps[0].text, "中共示范县文化和旅游局委员会2026年度基层党建工作自查报告");
  assert.equal(ps[1].text, "（截至2026年11月23日）");
  assert.deepEqual(ps.filter((p) => p.style === "Heading1").map((p) => p.text), ["一、主要做法及成效", "二、存在问题", "三、原因分析", "四、整改措施"]);
  const iMeasures = ps.findIndex((p) => p.text === "四、整改措施");
  assert.match(ps[iMeasures + 1].text, /^共查摆问题5个，已销号1个，待销号0个，整改中1个，待整改2个，长期坚持1个，其中逾期1个；整改完成率20%/);
  const all = ps.map((p) => p.text).join("\n");
  assert.match(all, /完成情况：已销号，2026年11月15日经王书记验收销号。/);
  assert.match(xml, /<w:docGrid [^>]*w:linePitch="579"/);
  const styles = await zip.file("word/styles.xml")!.async("string");
  const fontOf = (id: string) => /<w:rFonts [^>]*w:eastAsia="([^"]+)"/.exec(styleXml(styles, id))?.[1];
  assert.equal(fontOf("RectifyTitle"), "方正小标宋简体");
  assert.equal(/<w:sz w:val="(\d+)"/.exec(styleXml(styles, "RectifyTitle"))?.[1], "44", "二号 = 22 pt");
  assert.equal(fontOf("Normal"), "仿宋_GB2312");
  assert.equal(fontOf("Heading1"), "黑体");
  assert.equal(fontOf("Heading2"), "楷体_GB2312");
  const fonts = await zip.file("word/fontTable.xml")!.async("string");
  for (const [name, alt] of [["方正小标宋简体", "宋体"], ["仿宋_GB2312", "仿宋"], ["楷体_GB2312", "楷体"]])
    assert.match(fonts, new RegExp(`<w:font w:name="${name}"><w:altName w:val="${alt}"/><w:charset w:val="86"/>`));
  assert.ok(FONTS.body && (await zip.file("[Content_Types].xml")!.async("string")).includes("fontTable"));
});

test(".xlsx: title, subtitle, merged group headers in the standard order, frozen, dates, colours, autofilter, summary by unit", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await playStory(ta);
  const l = await ledger(ta.db, s.actors.leader, { report: s.reportId }, "2026-11-23", "2026-11-23", TZ);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await ledgerXlsx({ title: l.title, asOf: l.asOf, rows: l.rows })) as any);
  assert.deepEqual(wb.worksheets.map((w) => w.name), ["整改台账", "按单位汇总"]);
  const ws = wb.getWorksheet("整改台账")!;
  assert.equal(ws.getCell("A1").value, "测试党委2026年度基层党建工作自查问题整改台账", "from the unit and the period, no 《》");
  assert.equal(ws.getCell("A1").font.name, "方正小标宋简体");
  assert.ok(!ws.getCell("A1").font.bold, "no fake bold on 小标宋");
  assert.equal(ws.getCell("N2").value, "截至2026年11月23日");
  assert.match(String(ws.getCell("A2").value), /^说明：完成情况以文字标明状态.*长期坚持计入完成率分母，销号前不计为完成。$/, "a one-line legend");
  assert.ok(textUnits(String(ws.getCell("A2").value)) * (9 / 10.5) <= WIDTHS.slice(0, 13).reduce((a, b) => a + b), "the legend fits its line at 9 pt");
  const merges = (ws.model as any).merges as string[];
  assert.ok(merges.includes("A1:P1") && merges.includes("A2:M2") && merges.includes("N2:P2"), merges.join(","));
  assert.ok(merges.includes("F3:I3") && merges.includes("K3:O3"), "group headers merged across");
  assert.ok(merges.includes("A3:A4") && merges.includes("J3:J4") && merges.includes("P3:P4"), "single headers merged down");
  assert.equal(ws.getCell("F3").value, "责任分工");
  assert.equal(ws.getCell("K3").value, "整改落实情况");
  // the headers, in DOMAIN.md's order, read off the two rows
  const header = LEDGER_COLUMNS.map((_, i) => {
    const c = i + 1;
    return String(merges.some((m) => m.startsWith(ws.getCell(3, c).address + ":") && m.endsWith("4")) ? ws.getCell(3, c).value : ws.getCell(4, c).value);
  });
  // each header line fits its column and none is a lone character
  header.forEach((h, i) => {
    for (const line of h.split("\n")) {
      assert.ok(fitsColumn(line, WIDTHS[i]), `${JSON.stringify(h)} fits ${WIDTHS[i]}`);
      assert.ok(line.length >= 2, `${JSON.stringify(h)}: no orphan`);
    }
  });
  // widths: 152 units (the issue: about 140–150; the date columns need 14 each), so fit-to-width on A4 landscape prints the 10 pt body at ≥ 9 pt
  const widths = LEDGER_COLUMNS.map((_, i) => ws.getColumn(i + 1).width!);
  const total = widths.reduce((a, b) => a + b, 0);
  assert.ok(total >= 140 && total <= 152, `${total} units`);
  const printable = (297 / 25.4 - 0.8) * 72; // A4 landscape less the 0.4 in margins, in points
  const sheet = (total * 7 + 5 * widths.length) * 0.75; // Excel's pixels (7 px a unit at Calibri 11, 5 px padding) in points
  assert.ok(BODY_SIZE * Math.min(1, printable / sheet) >= 9, `body prints at ${(BODY_SIZE * printable / sheet).toFixed(1)} pt`);
  assert.equal(headerText("配合单位", 6), "配合\n单位");
  assert.ok(fitsColumn("2026年12月31日", WIDTHS[9] - 1) && fitsColumn("2026年12月31日", WIDTHS[12] - 1), "a date on one line: 整改时限 and 销号日期 are not wrapped mid-date");
  assert.ok(fitsColumn("（逾期13天）", WIDTHS[11]) && fitsColumn("待整改", WIDTHS[11]), "完成情况 in two whole lines");
  assert.deepEqual(header.map((h) => h.replace("\n", "")), ["序号", "问题类别（来源）", "问题描述", "整改目标（完成标准）", "整改措施", "责任领导", "责任单位", "配合单位", "责任人", "整改时限", "整改进展", "完成情况", "销号日期", "验收人", "佐证材料", "备注"]);
  assert.equal(ws.getCell("C4").font.name, "黑体");
  assert.deepEqual({ state: ws.views[0].state, ySplit: (ws.views[0] as any).ySplit }, { state: "frozen", ySplit: 4 });
  assert.ok((ws.autoFilter as any) && String(typeof ws.autoFilter === "string" ? ws.autoFilter : JSON.stringify(ws.autoFilter)).includes("A4") , JSON.stringify(ws.autoFilter));
  assert.ok((ws.getColumn(3).width ?? 0) >= 11 && (ws.getColumn(10).width ?? 0) >= 15 && (ws.getColumn(1).width ?? 99) <= 6, "columns sized");
  assert.ok((ws.getRow(5).height ?? 0) >= 27, "a row tall enough for its wrapped text");

  // rows: report order, one per task
  const body = [5, 6, 7, 8, 9].map((r) => ws.getRow(r));
  assert.equal(ws.rowCount, 9);
  assert.deepEqual(body.map((r) => r.getCell(1).value), [1, 2, 3, 4, 5]);
  assert.deepEqual(body.map((r) => r.getCell(12).value), ["已销号", "整改中", "待整改\n（逾期13天）", "待整改", "长期坚持"]);
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
  assert.deepEqual((sum.getRow(3).values as unknown[]).slice(1), ["责任单位", "任务总数", "待整改", "整改中", "待销号", "已销号", "长期坚持", "其中逾期", "完成率", "回头看到期", "回头看逾期", "巩固", "反弹", "巩固率", "反弹率"]);
  const rows = [4, 5, 6].map((r) => (sum.getRow(r).values as unknown[]).slice(1, 10));
  assert.deepEqual(rows[0], ["第一党支部", 3, 1, 1, 0, 1, 0, 0, 1 / 3]);
  assert.deepEqual(rows[1], ["第二党支部", 2, 1, 0, 0, 0, 1, 1, 0]);
  assert.deepEqual(rows[2], ["合计", 5, 2, 1, 0, 1, 1, 1, 0.2]);
  assert.equal(sum.getCell("I6").numFmt, "0.0%");
  assert.match(String(sum.getCell("A7").value), /^注：完成率＝已销号数÷任务总数；长期坚持事项计入总数，销号前不计为已完成；其中逾期为未销号且已过整改时限的任务，已计入前列各状态。巩固率＝/);
});

test(".xlsx at an earlier date: the task created later is absent, states as they were", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await playStory(ta);
  const l = await ledger(ta.db, s.actors.admin, { report: s.reportId }, "2026-10-22", "2026-11-23", TZ);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await ledgerXlsx({ title: l.title, asOf: l.asOf, rows: l.rows })) as any);
  const ws = wb.getWorksheet("整改台账")!;
  assert.equal(ws.getCell("N2").value, "截至2026年10月22日");
  assert.equal(ws.rowCount, 4 + 5, "T4 was created on 10-20: it is there");
  const early = await ledger(ta.db, s.actors.admin, { report: s.reportId }, "2026-10-19", "2026-11-23", TZ);
  assert.equal(early.rows.length, 4, "…but not on 10-19");
  const states = [5, 6, 7, 8, 9].map((r) => ws.getRow(r).getCell(12).value);
  assert.deepEqual(states, ["待销号", "整改中", "待整改", "待整改", "长期坚持"]);
  assert.equal(ws.getRow(5).getCell(13).value, null, "not signed off yet");
});
