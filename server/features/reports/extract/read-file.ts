// Reads an uploaded report: .docx, .doc or plain text (UTF-8 or GB18030), recognised by content.
import iconv from "iconv-lite";

/** A file that cannot be read as a report. The message is shown to the user. */
export class ReportFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReportFileError";
  }
}

export type ReportFile = { text: string; format: "docx" | "doc" | "txt" };

const UNSUPPORTED = "不支持的文件类型：请上传 Word 文档（.docx、.doc）或纯文本（.txt）";

function startsWith(buf: Buffer, bytes: number[]): boolean {
  return buf.length >= bytes.length && bytes.every((b, i) => buf[i] === b);
}

/** Known binary formats that are not reports, by their first bytes. */
const BINARY_SIGNATURES: { bytes: number[]; name: string }[] = [
  { bytes: [0x4d, 0x5a], name: "可执行程序" },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], name: "可执行程序" },
  { bytes: [0x89, 0x50, 0x4e, 0x47], name: "PNG 图片" },
  { bytes: [0xff, 0xd8, 0xff], name: "JPEG 图片" },
  { bytes: [0x47, 0x49, 0x46, 0x38], name: "GIF 图片" },
  { bytes: [0x42, 0x4d], name: "BMP 图片" },
  { bytes: [0x25, 0x50, 0x44, 0x46], name: "PDF 文件" },
  { bytes: [0x52, 0x61, 0x72, 0x21], name: "RAR 压缩包" },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf], name: "7z 压缩包" },
  { bytes: [0x1f, 0x8b], name: "gzip 压缩包" },
  { bytes: [0x7b, 0x5c, 0x72, 0x74, 0x66], name: "RTF 文件" },
];

/** Markers left by the site a file was copied from: "##paidbegin##", "##paidend##", "###ad###". */
const MARKER = /#{2,}[A-Za-z0-9_]*#{2,}/g;

/**
 * The text without copy markers (their line breaks stay, so the text reads as the parser always
 * read it). The reader returns this text, so everything the report keeps (原文, the offsets of its
 * problems and measures) is counted in the text as it is shown.
 */
export function stripMarkers(text: string): string {
  return text.includes("##") ? text.replace(MARKER, "") : text;
}

export async function readReportFile(buf: Buffer, originalName?: string): Promise<ReportFile> {
  const r = await readRaw(buf, originalName);
  return { ...r, text: stripMarkers(r.text) };
}

async function readRaw(buf: Buffer, originalName?: string): Promise<ReportFile> {
  void originalName; // the type is decided by content, never by the name
  if (startsWith(buf, [0x50, 0x4b, 0x03, 0x04]) || startsWith(buf, [0x50, 0x4b, 0x05, 0x06])) return readDocx(buf);
  if (startsWith(buf, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return readDoc(buf);
  for (const sig of BINARY_SIGNATURES) {
    if (startsWith(buf, sig.bytes) && !(sig.name.includes("BMP") && looksLikeText(decodeText(buf)))) {
      throw new ReportFileError(`${UNSUPPORTED}（这是${sig.name}）`);
    }
  }
  const text = decodeText(buf);
  if (!looksLikeText(text)) throw new ReportFileError(UNSUPPORTED);
  return { text, format: "txt" };
}

async function readDocx(buf: Buffer): Promise<ReportFile> {
  if (!buf.includes("word/document.xml", 0, "latin1")) {
    throw new ReportFileError(`${UNSUPPORTED}（这是压缩包，不是 Word 文档）`);
  }
  try {
    const { value } = await (await import("mammoth")).default.extractRawText({ buffer: buf });
    return { text: value, format: "docx" };
  } catch {
    throw new ReportFileError("文件不是有效的 Word 文档：文件已损坏或不完整，请用 Word 另存后重新上传");
  }
}

async function readDoc(buf: Buffer): Promise<ReportFile> {
  try {
    const doc = await new (await import("word-extractor")).default().extract(buf);
    return { text: doc.getBody(), format: "doc" };
  } catch {
    throw new ReportFileError("文件不是有效的 Word 文档：无法读取这个 .doc 文件，请用 Word 另存为 .docx 后重新上传");
  }
}

/** UTF-8 (BOM stripped) when valid, UTF-16 with a BOM, else GB18030. */
export function decodeText(buf: Buffer): string {
  if (startsWith(buf, [0xef, 0xbb, 0xbf])) return new TextDecoder("utf-8").decode(buf.subarray(3));
  if (startsWith(buf, [0xff, 0xfe])) return new TextDecoder("utf-16le").decode(buf.subarray(2));
  if (startsWith(buf, [0xfe, 0xff])) return new TextDecoder("utf-16be").decode(buf.subarray(2));
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buf);
  } catch {
    return iconv.decode(buf, "gb18030");
  }
}

/** Few control characters, few replacement characters, and mostly common characters. */
export function looksLikeText(s: string): boolean {
  if (s.length === 0) return true;
  let bad = 0, odd = 0;
  const n = Math.min(s.length, 200_000);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13 && c !== 12) || c === 0x7f || c === 0xfffd) bad++;
    else if (!(c < 0x7f || (c >= 0x3000 && c <= 0x9fff) || (c >= 0xff00 && c <= 0xffef) || (c >= 0x2000 && c <= 0x27bf) || (c >= 0xa0 && c <= 0x2ff))) odd++;
  }
  return bad <= n * 0.01 && odd <= n * 0.2;
}
