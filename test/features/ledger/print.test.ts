// The two documents printed: LibreOffice renders the 整改情况报告 (.docx) and the 整改台账 (.xlsx) to
// PDF, and pdftotext -bbox says where every word landed. The report: A4, 22 lines a full page at
// ≈ 28.9 pt, no more than 28 characters a line. The ledger: A4 landscape on one page's width, its
// body at 9 pt or more (a CJK character is as wide as its font size, so the size is read from
// the width of runs of CJK text). The pages are kept as PNGs under test-results/print/.
// Skips, saying why, where LibreOffice or poppler is not installed (CI); the column widths are in
// units of the workbook's default font (Calibri), so the ledger's size is checked only where
// Calibri or its metric twin Carlito is installed (fonts-crosextra-carlito).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { makeApp } from "../../helpers/app.ts";
import { playStory } from "./story.ts";
import { formalReport, ledger } from "../../../server/features/ledger/service.ts";
import { reportDocx } from "../../../server/features/ledger/docx.ts";
import { ledgerXlsx } from "../../../server/features/ledger/xlsx.ts";

const TZ = "Asia/Shanghai";
const has = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0;

type Word = { page: number; x0: number; y0: number; x1: number; y1: number; text: string };
function words(pdf: string): Word[] {
  const html = execFileSync("pdftotext", ["-bbox", pdf, "-"], { encoding: "utf8" });
  const out: Word[] = [];
  let page = 0;
  for (const m of html.matchAll(/<page |<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)) {
    if (m[0] === "<page ") page++;
    else out.push({ page, x0: +m[1], y0: +m[2], x1: +m[3], y1: +m[4], text: m[5] });
  }
  return out;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cjkOnly = /^[\u4e00-\u9fa5]{2,}$/;

test("printed: the report on the GB/T 9704 grid and the ledger at 9 pt or more (LibreOffice → PDF → pdftotext -bbox)", { timeout: 180_000 }, async (t) => {
  const missing = ["soffice", "pdftotext", "pdftoppm", "pdfinfo"].filter((b) => !has(b));
  if (missing.length) {
    t.skip(`未安装 ${missing.join("、")}，跳过打印检查（apt-get install -y --no-install-recommends libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils）`);
    return;
  }
  const ta = await makeApp();
  t.after(ta.close);
  const s = await playStory(ta);
  const out = resolve("test-results/print");
  mkdirSync(out, { recursive: true });
  const doc = await formalReport(ta.db, s.actors.leader, s.reportId, "2026-11-23", TZ);
  writeFileSync(join(out, "整改情况报告.docx"), await reportDocx({ title: doc.title, blocks: doc.blocks }));
  const l = await ledger(ta.db, s.actors.leader, { report: s.reportId }, "2026-11-23", "2026-11-23", TZ);
  writeFileSync(join(out, "整改台账.xlsx"), await ledgerXlsx({ title: l.title, asOf: l.asOf, rows: l.rows, yellowDays: l.yellowDays }));
  const profile = mkdtempSync(join(tmpdir(), "rectify-lo-"));
  t.after(() => rmSync(profile, { recursive: true, force: true }));
  execFileSync("soffice", ["--headless", `-env:UserInstallation=file://${profile}`, "--convert-to", "pdf", "--outdir", out, join(out, "整改情况报告.docx"), join(out, "整改台账.xlsx")], { stdio: "ignore", timeout: 150_000 });
  for (const name of ["整改情况报告", "整改台账"]) execFileSync("pdftoppm", ["-r", "80", "-png", join(out, `${name}.pdf`), join(out, name)]);

  // the report: A4 portrait; a full page holds 22 lines, one every ≈ 28.9 pt, of at most 28 characters
  const report = join(out, "整改情况报告.pdf");
  assert.match(execFileSync("pdfinfo", [report], { encoding: "utf8" }), /Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)/);
  const rw = words(report).filter((w) => !/^[—\d\s]+$/.test(w.text)); // not the page numbers
  const lines = new Map<string, Word[]>();
  for (const w of rw) {
    const key = `${w.page}:${Math.round(w.y1)}`;
    (lines.get(key) ?? lines.set(key, []).get(key)!).push(w);
  }
  const perPage = new Map<number, number[]>();
  for (const [key] of lines) {
    const [p, y] = key.split(":").map(Number);
    (perPage.get(p) ?? perPage.set(p, []).get(p)!).push(y);
  }
  const full = [...perPage.values()].map((ys) => ys.sort((a, b) => a - b)).filter((ys) => ys.length >= 20);
  assert.ok(full.length >= 2, `full pages: ${[...perPage.values()].map((ys) => ys.length).join(", ")}`);
  for (const ys of full) {
    assert.ok(ys.length <= 22, `${ys.length} lines on a page`);
    const gaps = ys.slice(1).map((y, i) => y - ys[i]).filter((g) => g < 40);
    assert.ok(Math.abs(median(gaps) - 28.95) < 0.6, `line pitch ${median(gaps)} pt`);
  }
  // (a page may end a line early where a heading keeps with what follows; the fullest holds 22)
  assert.equal(Math.max(...full.map((ys) => ys.length)), 22, `lines a page: ${full.map((ys) => ys.length).join(", ")}`);
  for (const ws of lines.values()) {
    const chars = [...ws.map((w) => w.text).join("")].reduce((n, ch) => n + (ch.charCodeAt(0) < 0x2000 ? 0.5 : 1), 0);
    assert.ok(chars <= 28.5, `${chars} characters: ${ws.map((w) => w.text).join("")}`);
  }
  const body = rw.filter((w) => cjkOnly.test(w.text) && w.y1 - w.y0 < 24);
  const bodySize = median(body.map((w) => (w.x1 - w.x0) / w.text.length));
  assert.ok(Math.abs(bodySize - 16) < 0.5, `the body at 三号: ${bodySize} pt`);

  // the ledger: A4 landscape, one page wide, its body at ≥ 9 pt
  const sheet = join(out, "整改台账.pdf");
  assert.match(execFileSync("pdfinfo", [sheet], { encoding: "utf8" }), /Page size:\s+841\.\d+ x 595\.\d+ pts \(A4\)/);
  const base = execFileSync("fc-match", ["Calibri"], { encoding: "utf8" });
  if (!/Calibri|Carlito/.test(base)) {
    t.diagnostic(`未安装 Calibri 或 Carlito（fc-match Calibri → ${base.trim()}）：列宽以工作簿默认字体计，LibreOffice 换用更宽的字体后打印会偏小，跳过台账字号检查（apt-get install -y fonts-crosextra-carlito）`);
    return;
  }
  const lw = words(sheet).filter((w) => w.page === 1);
  const headerBottom = Math.max(...lw.filter((w) => w.text === "整改措施").map((w) => w.y1));
  const cells = lw.filter((w) => w.y0 > headerBottom && cjkOnly.test(w.text));
  assert.ok(cells.length > 20, `${cells.length} runs of body text`);
  const size = median(cells.map((w) => (w.x1 - w.x0) / w.text.length));
  t.diagnostic(`台账正文打印字号约 ${size.toFixed(2)} pt，字高（pdftotext -bbox）约 ${median(cells.map((w) => w.y1 - w.y0)).toFixed(2)} pt`);
  assert.ok(size >= 9, `the ledger's body prints at ${size.toFixed(2)} pt`);
  // one page wide: nothing past the page's right edge, and the last column (备注) on page 1
  assert.ok(lw.some((w) => w.text === "备注"), "备注 on the first page");
  assert.ok(Math.max(...lw.map((w) => w.x1)) <= 841, "within the page");
  assert.match(lw.map((w) => w.text).join(""), /说明：完成情况以文字标明状态/);
});
