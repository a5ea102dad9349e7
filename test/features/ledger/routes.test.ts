// The pages and downloads over HTTP, with who may see what checked on the server.
import { test } from "node:test";
import assert from "node:assert/strict";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import { makeApp, login, get } from "../../helpers/app.ts";
import { playStory } from "./story.ts";

const binary = { responseType: "buffer" } as const;

async function xlsx(body: Buffer) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as any);
  return wb;
}

test("the 整改情况 page: whole page, htmx fragment for another date, plain text; permissions", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = playStory(ta);
  const leader = await login(ta.app, "leader@t.cn");
  const page = await get(ta.app, leader, `/reports/${s.reportId}/progress`);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<html/);
  assert.match(page.body, /截至<strong>2026年11月23日<\/strong>/);
  assert.match(page.body, /id="report-progress"/);
  assert.match(page.body, /共查摆问题5个，已整改销号1个，正在整改3个，逾期1个，整改完成率20%。/);
  assert.match(page.body, /<input type="date" name="asOf" value="2026-11-23" max="2026-11-23"/);
  assert.match(page.body, /hx-get="\/reports\/\d+\/progress"/);
  assert.match(page.body, /href="\/reports\/\d+\/export.docx\?asOf=2026-11-23"/);
  assert.match(page.body, /href="\/ledger.xlsx\?report=\d+&amp;asOf=2026-11-23"/);
  assert.match(page.body, /<textarea id="progress-text"[^>]*>　　共查摆问题5个/, "the copy source holds the section as text");
  assert.equal(page.headers.vary, "HX-Request");

  const frag = await get(ta.app, leader, `/reports/${s.reportId}/progress?asOf=2026-10-22`, { "hx-request": "true" });
  assert.equal(frag.statusCode, 200);
  assert.doesNotMatch(frag.body, /<html/);
  assert.match(frag.body, /^<section id="report-progress"/);
  assert.match(frag.body, /（截至2026年10月22日）/);
  assert.match(frag.body, /（历史状态）/);
  assert.match(frag.body, /整改中（已申请销号，待审核）/);
  assert.match(frag.body, /export.docx\?asOf=2026-10-22/, "the download links follow the date");

  const txt = await get(ta.app, leader, `/reports/${s.reportId}/progress.txt?asOf=2026-10-23`);
  assert.equal(txt.statusCode, 200);
  assert.match(String(txt.headers["content-type"]), /^text\/plain; charset=utf-8/);
  assert.match(txt.body, /^中共示范县文化和旅游局委员会2026年度基层党建工作自查报告\n（截至2026年10月23日）/);
  assert.match(txt.body, /【已销号（2026年10月23日）】/);

  // bad and future dates: a clear Chinese message, 422
  const bad = await get(ta.app, leader, `/reports/${s.reportId}/progress?asOf=2026-02-30`);
  assert.equal(bad.statusCode, 422);
  assert.match(bad.body, /截至日期无效/);
  const future = await get(ta.app, leader, `/reports/${s.reportId}/progress.txt?asOf=2026-11-24`);
  assert.equal(future.statusCode, 422);
  assert.match(future.body, /截至日期不能晚于今天/);
  assert.equal((await get(ta.app, leader, `/reports/999/progress`)).statusCode, 404);
  assert.equal((await get(ta.app, leader, `/reports/abc/progress`)).statusCode, 404);

  // the report belongs to the 党委: its leader and the admin see it; a branch's leader and staff do not
  assert.equal((await get(ta.app, await login(ta.app, "admin@t.cn"), `/reports/${s.reportId}/progress`)).statusCode, 200);
  for (const email of ["leadera@t.cn", "owner@t.cn", "stranger@t.cn"]) {
    const u = await login(ta.app, email);
    for (const url of [`/reports/${s.reportId}/progress`, `/reports/${s.reportId}/progress.txt`, `/reports/${s.reportId}/export.docx`, `/ledger.xlsx?report=${s.reportId}`]) {
      const r = await get(ta.app, u, url);
      assert.equal(r.statusCode, 404, `${email} ${url}`);
      assert.doesNotMatch(r.body, /三会一课/);
    }
  }
  const anon = await get(ta.app, null, `/reports/${s.reportId}/export.docx`);
  assert.equal(anon.statusCode, 303);
  assert.match(String(anon.headers.location), /^\/login/);
});

test("downloads: .docx and .xlsx with Chinese file names (RFC 5987), content by date and by scope", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = playStory(ta);
  const leader = await login(ta.app, "leader@t.cn");
  const docx = await ta.app.inject({ url: `/reports/${s.reportId}/export.docx?asOf=2026-10-23`, headers: { cookie: leader.cookie }, ...binary } as any);
  assert.equal(docx.statusCode, 200);
  assert.equal(docx.headers["content-type"], "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  const cd = String(docx.headers["content-disposition"]);
  assert.match(cd, /^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''/);
  assert.equal(decodeURIComponent(cd.split("UTF-8''")[1]), "中共示范县文化和旅游局委员会2026年度基层党建工作自查报告整改情况报告（截至2026年10月23日）.docx");
  const doc = await (await JSZip.loadAsync(docx.rawPayload)).file("word/document.xml")!.async("string");
  assert.match(doc, /截至2026年10月23日/);
  assert.match(doc, /已销号（2026年10月23日）/);

  const all = await ta.app.inject({ url: `/ledger.xlsx?report=${s.reportId}`, headers: { cookie: leader.cookie } });
  assert.equal(all.statusCode, 200);
  assert.equal(all.headers["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  assert.equal(decodeURIComponent(String(all.headers["content-disposition"]).split("UTF-8''")[1]), "中共示范县文化和旅游局委员会2026年度基层党建工作自查报告整改台账（截至2026年11月23日）.xlsx");
  assert.equal((await xlsx(all.rawPayload)).getWorksheet("整改台账")!.rowCount, 9);

  // a unit with its sub-units; the task list's filters
  const unitA = await xlsx((await ta.app.inject({ url: `/ledger.xlsx?unit=${ta.ids.a}`, headers: { cookie: leader.cookie } })).rawPayload);
  assert.equal(unitA.getWorksheet("整改台账")!.getCell("A1").value, "《第一党支部整改台账》");
  assert.equal(unitA.getWorksheet("整改台账")!.rowCount, 4 + 3);
  const overdue = await xlsx((await ta.app.inject({ url: `/ledger.xlsx?overdue=1`, headers: { cookie: leader.cookie } })).rawPayload);
  const ow = overdue.getWorksheet("整改台账")!;
  assert.equal(ow.rowCount, 5);
  assert.equal(ow.getRow(5).getCell(12).value, "逾期13天");
  const mine = await xlsx((await ta.app.inject({ url: `/ledger.xlsx?mine=1`, headers: { cookie: (await login(ta.app, "colleague@t.cn")).cookie } })).rawPayload);
  assert.equal(mine.getWorksheet("整改台账")!.rowCount, 5, "钱干事's one task");
  assert.equal(mine.getWorksheet("整改台账")!.getRow(5).getCell(9).value, "钱干事");

  // staff get only what they may see: 孙干事 (支部B) sees B's two tasks, not A's
  const stranger = await login(ta.app, "stranger@t.cn");
  const sb = (await xlsx((await ta.app.inject({ url: `/ledger.xlsx`, headers: { cookie: stranger.cookie } })).rawPayload)).getWorksheet("整改台账")!;
  assert.equal(sb.getCell("A1").value, "《第二党支部整改台账》");
  assert.deepEqual([5, 6].map((r) => sb.getRow(r).getCell(7).value), ["第二党支部", "第二党支部"]);
  assert.equal(sb.rowCount, 6);
  const sa = (await xlsx((await ta.app.inject({ url: `/ledger.xlsx?unit=${ta.ids.a}`, headers: { cookie: stranger.cookie } })).rawPayload)).getWorksheet("整改台账")!;
  assert.equal(sa.rowCount, 4, "another unit's ledger holds nothing for them");

  const bad = await get(ta.app, leader, `/ledger.xlsx?asOf=yesterday`);
  assert.equal(bad.statusCode, 422);
  assert.match(bad.body, /截至日期无效/);
  assert.equal((await get(ta.app, leader, `/ledger.xlsx?unit=999`)).statusCode, 404);
});

test("the task list links 导出台账 with its own filters", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  playStory(ta);
  const leader = await login(ta.app, "leader@t.cn");
  const list = await get(ta.app, leader, `/tasks?unit=${ta.ids.b}&overdue=1&page=1`);
  assert.match(list.body, new RegExp(`href="/ledger.xlsx\\?unit=${ta.ids.b}&amp;overdue=1"[^>]*>导出台账`));
  const frag = await get(ta.app, leader, `/tasks?state=done`, { "hx-request": "true" });
  assert.match(frag.body, /href="\/ledger.xlsx\?state=done"[^>]*>导出台账/, "the htmx fragment carries the link too");
  const mine = await get(ta.app, await login(ta.app, "owner@t.cn"), `/tasks/mine`);
  assert.match(mine.body, /href="\/ledger.xlsx\?mine=1"[^>]*>导出台账/);
});
