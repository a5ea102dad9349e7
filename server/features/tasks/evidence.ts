// 佐证材料: type checked by content (not trusted from the name), stored outside public/ under a
// random name, addressed by sha256 for integrity. Files are never deleted once acknowledged.
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync, rmSync } from "node:fs";
import { extname, join } from "node:path";
import { ValidationError } from "../../lib/errors.ts";

export type { IncomingFile } from "../../lib/multipart.ts";
import type { IncomingFile } from "../../lib/multipart.ts";
export type StoredFile = { originalName: string; mime: string; size: number; sha256: string; storedFile: string };

const KINDS: { ext: string[]; mime: string; magic: (b: Buffer) => boolean }[] = [
  { ext: [".pdf"], mime: "application/pdf", magic: isPdf },
  { ext: [".jpg", ".jpeg"], mime: "image/jpeg", magic: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { ext: [".png"], mime: "image/png", magic: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) && b.subarray(12, 16).toString("latin1") === "IHDR" },
  { ext: [".gif"], mime: "image/gif", magic: (b) => b.subarray(0, 4).toString("latin1") === "GIF8" },
  { ext: [".webp"], mime: "image/webp", magic: (b) => b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP" },
  { ext: [".docx"], mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", magic: officeZip("word/document.xml") },
  { ext: [".xlsx"], mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", magic: officeZip("xl/workbook.xml") },
  { ext: [".pptx"], mime: "application/vnd.openxmlformats-officedocument.presentationml.presentation", magic: officeZip("ppt/presentation.xml") },
  { ext: [".doc"], mime: "application/msword", magic: isOle },
  { ext: [".xls"], mime: "application/vnd.ms-excel", magic: isOle },
  { ext: [".ppt"], mime: "application/vnd.ms-powerpoint", magic: isOle },
  { ext: [".txt"], mime: "text/plain; charset=utf-8", magic: (b) => !b.includes(0) },
];

/**
 * A PDF, by its structure, not its first five bytes: the header with a version, at least one
 * indirect object, and the end a reader starts from (startxref, an offset, %%EOF) in the last
 * kilobyte. A program with "%PDF-" put in front of it has none of that.
 */
export function isPdf(b: Buffer): boolean {
  if (!/^%PDF-[12]\.\d/.test(b.subarray(0, 8).toString("latin1"))) return false;
  const tail = b.subarray(Math.max(0, b.length - 1024)).toString("latin1");
  if (!/startxref\s+\d+\s+%%EOF\s*$/.test(tail)) return false;
  const xref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail)![1]);
  if (xref <= 0 || xref >= b.length) return false;
  return /\d+\s+\d+\s+obj\b/.test(b.subarray(0, Math.min(b.length, 64 * 1024)).toString("latin1"));
}

/**
 * The names in a zip's central directory (read from its end record), or null when the bytes are
 * not a well-formed zip. Sync and small: enough to tell an Office file from a renamed program.
 */
export function zipEntryNames(b: Buffer): string[] | null {
  if (!(b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04)) return null;
  let eocd = -1;
  for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 65535); i--) {
    if (b.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  const count = b.readUInt16LE(eocd + 10);
  let at = b.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let n = 0; n < count; n++) {
    if (at + 46 > b.length || b.readUInt32LE(at) !== 0x02014b50) return null;
    const nameLen = b.readUInt16LE(at + 28);
    const extraLen = b.readUInt16LE(at + 30);
    const commentLen = b.readUInt16LE(at + 32);
    if (at + 46 + nameLen > b.length) return null;
    names.push(b.subarray(at + 46, at + 46 + nameLen).toString("utf8"));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

/** An Office Open XML file: a zip with [Content_Types].xml and the part its kind needs. */
function officeZip(mainPart: string) {
  return (b: Buffer) => {
    const names = zipEntryNames(b);
    return !!names && names.includes("[Content_Types].xml") && names.includes(mainPart);
  };
}

/** An OLE compound file (.doc/.xls/.ppt): its signature, byte order mark and a sector size of 512 or 4096. */
function isOle(b: Buffer) {
  if (b.length < 512 || !b.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))) return false;
  const shift = b.readUInt16LE(0x1e);
  return b.readUInt16LE(0x1c) === 0xfffe && (shift === 9 || shift === 12);
}

/** Types that open in the browser (in a sandbox); every other type is served as a download. */
export function isInlineType(mime: string): boolean {
  return /^image\/(png|jpeg|gif|webp)$/.test(mime) || mime === "application/pdf";
}

/** The CSP of an evidence file shown inline: a sandbox with no script, nothing loaded from elsewhere. */
export const EVIDENCE_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'none'";

export const ACCEPT = KINDS.flatMap((k) => k.ext).join(",");
export const ALLOWED_TYPES_TEXT = "PDF、图片（JPG/PNG/GIF/WebP）、Word、Excel、PPT、文本文件";

/** A clean display name: no path, no control characters, at most 120 characters. */
export function cleanName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  return (clean || "未命名文件").slice(-120);
}

/** Checks one upload; throws a ValidationError naming the file when it is refused. */
export function checkEvidence(f: IncomingFile, maxBytes: number): { mime: string } {
  const name = cleanName(f.filename);
  if (f.data.length === 0) throw new ValidationError(`文件“${name}”是空文件`, { files: "空文件" });
  if (f.data.length > maxBytes) throw new ValidationError(`文件“${name}”过大：单个文件不能超过 ${Math.round(maxBytes / 1024 / 1024)} MB`, { files: "文件过大" });
  const ext = extname(name).toLowerCase();
  const kind = KINDS.find((k) => k.ext.includes(ext));
  if (!kind) throw new ValidationError(`不支持的文件类型：“${name}”。可上传 ${ALLOWED_TYPES_TEXT}`, { files: "类型不支持" });
  if (!kind.magic(f.data)) throw new ValidationError(`文件“${name}”的内容与扩展名不符，可能已损坏或被改名`, { files: "内容不符" });
  return { mime: kind.mime };
}

/** Writes checked files under dir/aa/uuid; returns what to record and a function to undo on failure. */
export function storeEvidence(dir: string, files: IncomingFile[], maxBytes: number): { stored: StoredFile[]; undo: () => void } {
  const checked = files.map((f) => ({ f, ...checkEvidence(f, maxBytes) }));
  const stored: StoredFile[] = [];
  const written: string[] = [];
  try {
    for (const { f, mime } of checked) {
      const sha256 = createHash("sha256").update(f.data).digest("hex");
      const rel = join(sha256.slice(0, 2), `${randomUUID()}${extname(cleanName(f.filename)).toLowerCase()}`);
      mkdirSync(join(dir, sha256.slice(0, 2)), { recursive: true });
      writeFileSync(join(dir, rel), f.data, { flag: "wx" });
      written.push(join(dir, rel));
      stored.push({ originalName: cleanName(f.filename), mime, size: f.data.length, sha256, storedFile: rel });
    }
  } catch (err) {
    for (const p of written) rmSync(p, { force: true });
    throw err;
  }
  return { stored, undo: () => written.forEach((p) => rmSync(p, { force: true })) };
}
