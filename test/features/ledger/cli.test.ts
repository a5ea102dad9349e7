// `npm run cli -- export ledger|report`, run as a user runs it: a real process on the SQLite
// file of an app whose history was played through the services.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import { makeApp } from "../../helpers/app.ts";
import { playStory } from "./story.ts";
import { cli as run, cliAsync } from "../../helpers/cli.ts";

const cli = (dbEnv: Record<string, string>, ...args: string[]) => run({ ...dbEnv, TZ: "Asia/Shanghai" }, ...args);

test("cli export ledger and export report: files as of a date; bad id, date, unit or flags exit 1 with a Chinese message", { timeout: 240_000 }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await playStory(ta);
  const db = ta.dbEnv;

  const all = join(ta.dir, "全部台账.xlsx");
  const r1 = cli(db, "export", "ledger", "--as-of", "2026-11-23", "--out", all);
  assert.equal(r1.code, 0, r1.err);
  assert.match(r1.out, /已导出《测试党委整改台账》（截至2026年11月23日，5 项任务）/);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(all);
  const ws = wb.getWorksheet("整改台账")!;
  assert.equal(ws.rowCount, 9);
  assert.equal(ws.getCell("N2").value, "截至2026年11月23日");

  const unitFile = join(ta.dir, "out", "b.xlsx");
  const r2 = cli(db, "export", "ledger", "--unit", "b", "--as-of", "2026-11-05", "--out", unitFile);
  assert.equal(r2.code, 0, r2.err);
  const wb2 = new ExcelJS.Workbook();
  await wb2.xlsx.readFile(unitFile);
  const ws2 = wb2.getWorksheet("整改台账")!;
  assert.equal(ws2.getCell("A1").value, "第二党支部整改台账");
  assert.deepEqual([5, 6].map((r) => ws2.getRow(r).getCell(12).value), ["待整改", "长期坚持"]);

  const byReport = join(ta.dir, "r.xlsx");
  assert.equal(cli(db, "export", "ledger", "--report", String(s.reportId), "--out", byReport).code, 0);
  assert.ok(existsSync(byReport));

  const docx = join(ta.dir, "报告.docx");
  const r3 = cli(db, "export", "report", "--report", String(s.reportId), "--as-of", "2026-10-23", "--to", "中共示范县委组织部", "--out", docx);
  assert.equal(r3.code, 0, r3.err);
  assert.match(r3.out, /已导出《关于2026年度基层党建工作自查问题整改情况的报告》（截至2026年10月23日，主送中共示范县委组织部，问题5个，已销号1个）/);
  const xml = (await (await JSZip.loadAsync(readFileSync(docx))).file("word/document.xml")!.async("string")).replace(/\u2060/g, "");
  assert.match(xml, />中共示范县委组织部：</);
  assert.match(xml, />2026年10月23日</);
  // --to is remembered for the report and its unit: the next export without it keeps the same 主送机关
  const saved = await ta.db.get("SELECT r.doc_addressee AS r, u.report_addressee AS u FROM reports r JOIN units u ON u.id = r.unit_id WHERE r.id = ?", [s.reportId]);
  assert.deepEqual({ ...(saved as object) }, { r: "中共示范县委组织部", u: "中共示范县委组织部" });
  const orig = join(ta.dir, "原报告.docx");
  const r4 = cli(db, "export", "report", "--report", String(s.reportId), "--as-of", "2026-10-23", "--original", "--out", orig);
  assert.equal(r4.code, 0, r4.err);
  assert.match(r4.out, /已导出《中共示范县文化和旅游局委员会2026年度基层党建工作自查报告》（整改措施更新至2026年10月23日/);
  const oxml = await (await JSZip.loadAsync(readFileSync(orig))).file("word/document.xml")!.async("string");
  assert.match(oxml, /（截至2026年10月23日）/);
  assert.match(oxml, /一、主要做法及成效/);

  const fails: [string[], RegExp][] = [
    [["export", "report", "--report", "999", "--out", join(ta.dir, "x.docx")], /未找到该自查报告/],
    [["export", "report", "--report", "abc", "--out", join(ta.dir, "x.docx")], /报告编号无效/],
    [["export", "report", "--out", join(ta.dir, "x.docx")], /缺少 --report/],
    [["export", "report", "--report", "1", "--as-of", "2026-02-30", "--out", join(ta.dir, "x.docx")], /截至日期无效/],
    [["export", "ledger", "--as-of", "2099-01-01", "--out", join(ta.dir, "x.xlsx")], /截至日期不能晚于今天/],
    [["export", "ledger", "--unit", "nope", "--out", join(ta.dir, "x.xlsx")], /单位代码不存在：nope/],
    [["export", "ledger", "--report", "1", "--unit", "a", "--out", join(ta.dir, "x.xlsx")], /只能给出一个/],
    [["export", "ledger"], /缺少 --out/],
    [["export", "ledger", "--out", join(ta.dir, "x.docx")], /应为 .xlsx/],
    [["export", "ledger", "--bogus", "1", "--out", join(ta.dir, "x.xlsx")], /Unknown option|未知/],
    [["export", "nothing"], /未知的 export 子命令/],
    [["export", "ledger", "--to", "县委组织部", "--out", join(ta.dir, "x.xlsx")], /export ledger 不接受 --to/],
    [["export", "report", "--report", "1", "--original", "--to", "县委组织部", "--out", join(ta.dir, "x.docx")], /不接受 --to/],
  ];
  const results = await Promise.all(fails.map(([args]) => cliAsync({ ...db, TZ: "Asia/Shanghai" }, ...args)));
  fails.forEach(([args, msg], i) => {
    assert.equal(results[i].code, 1, args.join(" "));
    assert.match(results[i].err, msg, args.join(" "));
  });
  assert.ok(!existsSync(join(ta.dir, "x.docx")) && !existsSync(join(ta.dir, "x.xlsx")), "nothing written on an error");
});
