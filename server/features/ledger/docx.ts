// 整改情况报告 as .docx (the `docx` library), in the style of an official document (GB/T 9704):
// A4; title 方正小标宋简体 二号; body 仿宋_GB2312 三号 with a two-character first-line indent;
// 一级标题 黑体, 二级标题 楷体_GB2312 (both 三号); fixed 22 pt line pitch on a 227 mm text block,
// so 29 lines a page; page numbers "— 1 —" 宋体 四号 at the foot. Where the official fonts are
// not installed, the font table names the common fallbacks (宋体, 仿宋, 楷体) as alternates
// with the GB2312 character set, so Word and LibreOffice substitute a Chinese face of the
// same kind instead of a Latin one.
import { AlignmentType, Document, Footer, LineRuleType, Packer, PageNumber, Paragraph, TextRun, convertMillimetersToTwip } from "docx";
import JSZip from "jszip";
import type { Block } from "./compose.ts";

export const FONTS = {
  title: "方正小标宋简体",
  body: "仿宋_GB2312",
  h1: "黑体",
  h2: "楷体_GB2312",
  pageNumber: "宋体",
} as const;

/** Alternates named in the font table: what to use where the official font is missing. */
export const FALLBACKS: Record<string, { alt: string; family: string; pitch: string }> = {
  方正小标宋简体: { alt: "宋体", family: "roman", pitch: "variable" },
  仿宋_GB2312: { alt: "仿宋", family: "modern", pitch: "fixed" },
  楷体_GB2312: { alt: "楷体", family: "modern", pitch: "fixed" },
  黑体: { alt: "SimHei", family: "modern", pitch: "fixed" },
  宋体: { alt: "SimSun", family: "roman", pitch: "variable" },
};

/** 二号 22 pt, 三号 16 pt, 四号 14 pt, in half-points */
export const SIZES = { title: 44, body: 32, pageNumber: 28 } as const;
/** fixed line pitch: 22 pt = 440 twips */
export const LINE = 440;
export const PAGE = { width: 11906, height: 16838, top: convertMillimetersToTwip(36), bottom: convertMillimetersToTwip(34), left: convertMillimetersToTwip(28), right: convertMillimetersToTwip(26) };

const font = (name: string) => ({ ascii: name, eastAsia: name, hAnsi: name, cs: name, hint: "eastAsia" as const });

function paragraph(b: Block): Paragraph {
  switch (b.type) {
    case "title":
      return new Paragraph({ style: "RectifyTitle", children: [new TextRun(b.text)] });
    case "subtitle":
      return new Paragraph({ style: "RectifySubtitle", children: [new TextRun(b.text)] });
    case "heading1":
      return new Paragraph({ style: "Heading1", children: [new TextRun(b.text)] });
    case "heading2":
      return new Paragraph({ style: "Heading2", children: [new TextRun(b.text)] });
    case "para":
      return new Paragraph({ children: b.runs.map((r) => new TextRun({ text: r.text, bold: r.bold })) });
  }
}

export async function reportDocx(o: { title: string; blocks: Block[]; description?: string }): Promise<Buffer> {
  const doc = new Document({
    creator: "整改台账 Rectify",
    title: o.title,
    description: o.description ?? "整改情况报告",
    styles: {
      default: {
        document: {
          run: { font: font(FONTS.body), size: SIZES.body },
          paragraph: { spacing: { line: LINE, lineRule: LineRuleType.EXACT, before: 0, after: 0 } },
        },
      },
      paragraphStyles: [
        {
          id: "Normal",
          name: "Normal",
          quickFormat: true,
          run: { font: font(FONTS.body), size: SIZES.body },
          paragraph: { alignment: AlignmentType.JUSTIFIED, indent: { firstLine: 640 }, spacing: { line: LINE, lineRule: LineRuleType.EXACT, before: 0, after: 0 } },
        },
        {
          id: "RectifyTitle",
          name: "文件标题",
          basedOn: "Normal",
          next: "Normal",
          quickFormat: true,
          run: { font: font(FONTS.title), size: SIZES.title },
          paragraph: { alignment: AlignmentType.CENTER, indent: { firstLine: 0 }, spacing: { line: 700, lineRule: LineRuleType.EXACT, before: 0, after: 0 } },
        },
        {
          id: "RectifySubtitle",
          name: "截至日期",
          basedOn: "Normal",
          next: "Normal",
          quickFormat: true,
          run: { font: font("楷体_GB2312"), size: SIZES.body },
          paragraph: { alignment: AlignmentType.CENTER, indent: { firstLine: 0 }, spacing: { after: LINE } },
        },
        {
          id: "Heading1",
          name: "heading 1",
          basedOn: "Normal",
          next: "Normal",
          quickFormat: true,
          run: { font: font(FONTS.h1), size: SIZES.body, bold: false },
          paragraph: { outlineLevel: 0, keepNext: true, indent: { firstLine: 640 } },
        },
        {
          id: "Heading2",
          name: "heading 2",
          basedOn: "Normal",
          next: "Normal",
          quickFormat: true,
          run: { font: font(FONTS.h2), size: SIZES.body, bold: false },
          paragraph: { outlineLevel: 1, keepNext: true, indent: { firstLine: 640 } },
        },
      ],
    },
    sections: [
      {
        properties: {
          page: {
            size: { width: PAGE.width, height: PAGE.height },
            margin: { top: PAGE.top, bottom: PAGE.bottom, left: PAGE.left, right: PAGE.right, header: convertMillimetersToTwip(15), footer: convertMillimetersToTwip(20) },
          },
        },
        footers: {
          default: new Footer({
            children: [
              new Paragraph({
                alignment: AlignmentType.CENTER,
                indent: { firstLine: 0 },
                children: [new TextRun({ children: ["— ", PageNumber.CURRENT, " —"], font: font(FONTS.pageNumber), size: SIZES.pageNumber })],
              }),
            ],
          }),
        },
        children: o.blocks.map(paragraph),
      },
    ],
  });
  const buf = await Packer.toBuffer(doc);
  return withFallbackFonts(buf);
}

/** Adds the official fonts, with their alternates, GB2312 charset and family, to word/fontTable.xml. */
async function withFallbackFonts(buf: Buffer): Promise<Buffer> {
  const zip = await JSZip.loadAsync(buf);
  const path = "word/fontTable.xml";
  const existing = zip.file(path);
  let xml = existing ? await existing.async("string") : `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"></w:fonts>`;
  const entries = Object.entries(FALLBACKS)
    .filter(([name]) => !xml.includes(`w:name="${name}"`))
    .map(([name, f]) => `<w:font w:name="${name}"><w:altName w:val="${f.alt}"/><w:charset w:val="86"/><w:family w:val="${f.family}"/><w:pitch w:val="${f.pitch}"/></w:font>`)
    .join("");
  // the root may be empty and self-closing (<w:fonts …/>) or hold fonts already
  xml = /<\/w:fonts>\s*$/.test(xml) ? xml.replace(/<\/w:fonts>\s*$/, entries + "</w:fonts>") : xml.replace(/<w:fonts([^>]*?)\s*\/>\s*$/, `<w:fonts$1>${entries}</w:fonts>`);
  zip.file(path, xml);
  if (!existing) {
    // register the part where docx did not write one
    const ct = await zip.file("[Content_Types].xml")!.async("string");
    if (!ct.includes("/word/fontTable.xml")) zip.file("[Content_Types].xml", ct.replace("</Types>", `<Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/></Types>`));
    const relsPath = "word/_rels/document.xml.rels";
    const rels = await zip.file(relsPath)!.async("string");
    if (!rels.includes("fontTable.xml")) zip.file(relsPath, rels.replace("</Relationships>", `<Relationship Id="rIdRectifyFonts" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/></Relationships>`));
  }
  return zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
}
