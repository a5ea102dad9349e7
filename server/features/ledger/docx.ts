// 整改情况报告 as .docx (the `docx` library), in the layout of an official document (GB/T 9704-2012):
// A4, type area 156 × 225 mm (margins 37 / 35 / 28 / 26 mm); a lines-and-characters document grid
// of 22 lines × 28 characters (line pitch 225 mm / 22 ≈ 28.95 pt, each line set exactly on it; the
// text keeps its own pitch, 三号 less 0.25 pt of letter spacing, so 28 to a line: see officialStyles);
// title 方正小标宋简体 二号; body 仿宋_GB2312 三号 with a two-character first-line indent; 一级标题
// 黑体, 二级标题 楷体_GB2312 (both 三号, no colour); 主送机关 flush left; 发文机关署名 and 成文日期
// right-aligned (the date four characters in) under two blank lines for the seal; page numbers
// "— 1 —" 宋体 四号, odd pages on the right and even pages on the left, one character in. Names,
// states and dates marked `keep` are joined with WORD JOINERs so a line never splits them. Where
// the official fonts are not installed, the font table names the common fallbacks (宋体, 仿宋, 楷体)
// as alternates with the GB2312 character set, so Word and LibreOffice substitute a Chinese face
// of the same kind instead of a Latin one.
import { AlignmentType, Document, DocumentGridType, Footer, LineRuleType, Packer, PageNumber, Paragraph, TextRun, convertMillimetersToTwip } from "docx";
import JSZip from "jszip";
import type { Block, Run } from "./compose.ts";
import { charWidth } from "./formal.ts";

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
/** GB/T 9704: the type area, 156 mm × 225 mm, with 22 lines of 28 characters */
export const PAGE = { width: 11906, height: 16838, top: convertMillimetersToTwip(37), bottom: convertMillimetersToTwip(35), left: convertMillimetersToTwip(28), right: convertMillimetersToTwip(26) };
export const GRID = { lines: 22, chars: 28 } as const;
/** the line pitch in twips: 225 mm / 22 lines = 579 twips ≈ 28.95 pt (22 lines take 224.7 mm) */
export const LINE = Math.floor((PAGE.height - PAGE.top - PAGE.bottom) / GRID.lines);
/** one character of the grid in twips: 156 mm / 28 ≈ 316 twips ≈ 15.8 pt */
export const CHAR = (PAGE.width - PAGE.left - PAGE.right) / GRID.chars;
/** w:charSpace: the character pitch less the 三号 font size, in 4096ths of a point */
export const CHAR_SPACE = Math.round((CHAR / 20 - SIZES.body / 2) * 4096);
/** the join that keeps a name or a state on one line */
const WJ = "\u2060";

const font = (name: string) => ({ ascii: name, eastAsia: name, hAnsi: name, cs: name, hint: "eastAsia" as const });

function runs(rs: Run[]): TextRun[] {
  return rs.map((r) => new TextRun({ text: r.keep ? [...r.text].join(WJ) : r.text, bold: r.bold }));
}

/** right indent of the 署名 so it sits centred over the date (the date four characters in), at least two characters in */
export function signatureIndents(name: string, date: string): { name: number; date: number } {
  const dateIn = 4 * CHAR;
  const nameIn = Math.max(2 * CHAR, dateIn + ((charWidth(date) - charWidth(name)) / 2) * CHAR);
  return { name: Math.round(nameIn), date: Math.round(dateIn) };
}

function paragraphs(b: Block): Paragraph[] {
  switch (b.type) {
    case "title": {
      const lines = b.lines?.length ? b.lines : [b.text];
      return [new Paragraph({ style: "RectifyTitle", children: lines.map((l, i) => new TextRun({ text: l, break: i ? 1 : undefined })) })];
    }
    case "subtitle":
      return [new Paragraph({ style: "RectifySubtitle", children: [new TextRun(b.text)] })];
    case "addressee":
      return [new Paragraph({ style: "RectifyAddressee", children: [new TextRun(b.text)] })];
    case "heading1":
      return [new Paragraph({ style: "Heading1", children: [new TextRun(b.text)] })];
    case "heading2":
      return [new Paragraph({ style: "Heading2", children: [new TextRun(b.text)] })];
    case "blank":
      return [new Paragraph({ children: [] })];
    case "signature": {
      const ind = signatureIndents(b.text, b.dateText);
      return [
        new Paragraph({ style: "RectifySignature", indent: { right: ind.name, firstLine: 0 }, children: runs([{ text: b.text, keep: true }]) }),
        new Paragraph({ style: "RectifySignature", indent: { right: ind.date, firstLine: 0 }, children: runs([{ text: b.dateText, keep: true }]) }),
      ];
    }
    case "attachment":
      return [new Paragraph({ style: "RectifyAttachment", pageBreakBefore: true, children: [new TextRun(b.text)] })];
    case "para":
      return [new Paragraph({ children: runs(b.runs) })];
  }
}

/** The page number "— 1 —", 四号, one character in from the right (odd pages) or the left (even). */
function pageNumberFooter(side: "odd" | "even"): Footer {
  const one = SIZES.pageNumber * 10; // one 四号 character in twips
  return new Footer({
    children: [
      new Paragraph({
        alignment: side === "odd" ? AlignmentType.RIGHT : AlignmentType.LEFT,
        indent: side === "odd" ? { right: one, firstLine: 0 } : { left: one, firstLine: 0 },
        spacing: { line: 280, lineRule: LineRuleType.AUTO },
        children: [new TextRun({ children: ["— ", PageNumber.CURRENT, " —"], font: font(FONTS.pageNumber), size: SIZES.pageNumber })],
      }),
    ],
  });
}

export async function reportDocx(o: { title: string; blocks: Block[]; description?: string }): Promise<Buffer> {
  const doc = new Document({
    evenAndOddHeaderAndFooters: true,
    creator: "整改台账 Rectify",
    title: o.title,
    description: o.description ?? "整改情况报告",
    styles: {
      default: {
        document: {
          run: { font: font(FONTS.body), size: SIZES.body, characterSpacing: -5 },
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
          paragraph: { alignment: AlignmentType.CENTER, indent: { firstLine: 0 }, spacing: { line: LINE, lineRule: LineRuleType.EXACT, before: 0, after: 0 } },
        },
        {
          id: "RectifyAddressee",
          name: "主送机关",
          basedOn: "Normal",
          next: "Normal",
          quickFormat: true,
          paragraph: { alignment: AlignmentType.LEFT, indent: { firstLine: 0 } },
        },
        {
          id: "RectifySignature",
          name: "署名与成文日期",
          basedOn: "Normal",
          next: "Normal",
          quickFormat: true,
          paragraph: { alignment: AlignmentType.RIGHT, indent: { firstLine: 0 }, keepNext: true },
        },
        {
          id: "RectifyAttachment",
          name: "附件标识",
          basedOn: "Normal",
          next: "Normal",
          quickFormat: true,
          run: { font: font(FONTS.h1), size: SIZES.body },
          paragraph: { alignment: AlignmentType.LEFT, indent: { firstLine: 0 } },
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
            // the page number's dash 7 mm below the type area: its line ends about 23 mm above the edge
            margin: { top: PAGE.top, bottom: PAGE.bottom, left: PAGE.left, right: PAGE.right, header: convertMillimetersToTwip(15), footer: convertMillimetersToTwip(23) },
          },
          grid: { type: DocumentGridType.LINES_AND_CHARS, linePitch: LINE, charSpace: CHAR_SPACE },
        },
        footers: { default: pageNumberFooter("odd"), even: pageNumberFooter("even") },
        children: o.blocks.flatMap(paragraphs),
      },
    ],
  });
  const buf = await Packer.toBuffer(doc);
  return withFallbackFonts(buf);
}

/**
 * The library's built-in styles (Title, headings 3–9, Hyperlink …) carry colours: an official
 * document has none. And paragraphs do not snap to the character grid: the grid (22 × 28) is in
 * the page set-up, where Word shows it, while the text keeps its own pitch (三号 less 0.25 pt, 28 a
 * line; lines exactly on the grid's pitch). Snapped, LibreOffice gives each 三号 character two of
 * the grid's 15.8 pt cells and spreads the lines.
 */
function officialStyles(stylesXml: string): string {
  return stylesXml.replace(/<w:color [^>]*\/>/g, "").replace(/(<w:pPrDefault><w:pPr>)/, "$1<w:snapToGrid w:val=\"0\"/>");
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
  const styles = zip.file("word/styles.xml");
  if (styles) zip.file("word/styles.xml", officialStyles(await styles.async("string")));
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
