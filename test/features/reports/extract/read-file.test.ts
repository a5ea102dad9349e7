// Reading uploaded files: the type comes from the content, never from the name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import iconv from "iconv-lite";
import { readReportFile, ReportFileError } from "../../../../server/features/reports/extract/read-file.ts";
import { extractFileToJson } from "../../../../server/features/reports/extract/file.ts";
import { makeDocx, makeZip } from "./helpers.ts";

const REPORT = "XX党支部自查报告\n一、存在问题\n1.三会一课落实不到位。\n2.党费收缴不及时。\n二、整改措施\n1.严格落实组织生活制度。";

test("a .docx is read by content, whatever its name", async () => {
  const r = await readReportFile(makeDocx(REPORT), "report.txt");
  assert.equal(r.format, "docx");
  assert.match(r.text, /三会一课落实不到位/);
  assert.match(r.text, /党费收缴不及时/);
});

test("a truncated .docx is a ReportFileError", async () => {
  const docx = makeDocx(REPORT);
  await assert.rejects(readReportFile(docx.subarray(0, Math.floor(docx.length * 0.6)), "a.docx"), (e: unknown) => {
    assert.ok(e instanceof ReportFileError);
    assert.match(e.message, /Word/);
    return true;
  });
});

test("a zip that is no Word document is not supported", async () => {
  await assert.rejects(readReportFile(makeZip({ "a.txt": "hello" }), "a.docx"), (e: unknown) => e instanceof ReportFileError && /不支持的文件类型/.test(e.message));
});

test("UTF-8 with a BOM loses the BOM", async () => {
  const r = await readReportFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(REPORT, "utf8")]));
  assert.equal(r.format, "txt");
  assert.equal(r.text, REPORT);
});

test("GB18030 text is decoded", async () => {
  const r = await readReportFile(iconv.encode(REPORT, "gb18030"), "report.docx");
  assert.equal(r.format, "txt");
  assert.equal(r.text, REPORT);
});

test("an .exe (MZ header) is not supported, even named .txt", async () => {
  const exe = Buffer.concat([Buffer.from("MZ\x90\x00\x03\x00\x00\x00", "latin1"), Buffer.alloc(200, 0)]);
  await assert.rejects(readReportFile(exe, "report.txt"), (e: unknown) => e instanceof ReportFileError && /不支持的文件类型/.test(e.message));
});

test("an image and random binary are not supported", async () => {
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 7)]);
  await assert.rejects(readReportFile(png), ReportFileError);
  const noise = Buffer.alloc(4096);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + 13) % 256;
  await assert.rejects(readReportFile(noise), ReportFileError);
});

test("a corrupt .doc (OLE header, nothing after) is a ReportFileError", async () => {
  const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(100, 0)]);
  await assert.rejects(readReportFile(ole), ReportFileError);
});

test("an empty file is empty text", async () => {
  assert.deepEqual(await readReportFile(Buffer.alloc(0)), { text: "", format: "txt" });
});

test("extractFileToJson reads a .docx file and prints problems and measures", async () => {
  const dir = mkdtempSync(join(tmpdir(), "extract-"));
  const file = join(dir, "r.docx");
  writeFileSync(file, makeDocx(REPORT));
  const out = (await extractFileToJson(file)) as { problems: { category: string | null; text: string }[]; measures: { text: string }[] };
  assert.deepEqual(out.problems.map((p) => p.text), ["三会一课落实不到位。", "党费收缴不及时。"]);
  assert.deepEqual(out.measures.map((m) => m.text), ["严格落实组织生活制度。"]);
});

test("main.ts prints JSON, and a ReportFileError's message with exit 1", () => {
  const dir = mkdtempSync(join(tmpdir(), "extract-"));
  const main = fileURLToPath(new URL("../../../../server/features/reports/extract/main.ts", import.meta.url));
  writeFileSync(join(dir, "r.txt"), REPORT);
  const ok = spawnSync(process.execPath, ["--import", "tsx", main, join(dir, "r.txt")], { encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stderr);
  const json = JSON.parse(ok.stdout);
  assert.equal(json.problems.length, 2);
  assert.equal(json.title, "XX党支部自查报告");
  writeFileSync(join(dir, "x.txt"), Buffer.concat([Buffer.from("MZ"), Buffer.alloc(64, 0)]));
  const bad = spawnSync(process.execPath, ["--import", "tsx", main, join(dir, "x.txt")], { encoding: "utf8" });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /不支持的文件类型/);
  assert.equal(bad.stdout, "");
});

test("copy markers (##paidbegin## and the like) are cleaned by the reader, line breaks kept; other text untouched", async () => {
  const raw = "XX党支部自查报告\n##paidbegin##\n一、存在问题\n1.党费收缴##paidend##不及时。\n价格##不是标记";
  const r = await readReportFile(Buffer.from(raw), "r.txt");
  assert.equal(r.text, "XX党支部自查报告\n\n一、存在问题\n1.党费收缴不及时。\n价格##不是标记");
  const docx = await readReportFile(makeDocx(raw), "r.docx");
  assert.doesNotMatch(docx.text, /paidbegin|paidend/);
});
