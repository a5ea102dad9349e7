// The pages and downloads over HTTP, with who may see what checked on the server.
import { test } from "node:test";
import assert from "node:assert/strict";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import { makeApp, login, get, post } from "../../helpers/app.ts";
import { playStory } from "./story.ts";

const binary = { responseType: "buffer" } as const;

async function xlsx(body: Buffer) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as any);
  return wb;
}

test("the 整改情况报告 page: the document to send, the original with its measures updated (htmx fragment for another date), plain text; permissions", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await playStory(ta);
  const leader = await login(ta.app, "leader@t.cn");
  const page = await get(ta.app, leader, `/reports/${s.reportId}/progress`);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<html/);
  assert.match(page.body, /截至<strong>2026年11月23日<\/strong>/);
  assert.match(page.body, /id="report-progress"/);
  assert.match(page.body, /<h2 class="doc-title">关于2026年度基层党建工作<br>自查问题整改情况的报告<\/h2>/);
  assert.match(page.body, /<p class="doc-to">县委组织部：<\/p>/);
  assert.match(page.body, /共查摆问题5个，已销号1个，待销号0个，整改中1个，待整改2个，长期坚持1个，其中逾期1个；整改完成率20%（完成率＝已销号数÷任务总数；长期坚持事项计入总数，销号前不计为已完成）。/);
  assert.match(page.body, /<p class="doc-sign"><span>测试党委<\/span><span>2026年11月23日<\/span><\/p>/);
  assert.match(page.body, /href="\/reports\/\d+\/progress\?asOf=2026-11-23&amp;original=1"/, "a tab for the original");
  assert.match(page.body, /<form method="post" action="\/reports\/\d+\/document">/, "the leader may set the title and 主送机关");
  assert.match(page.body, /<input type="date" name="asOf" value="2026-11-23" max="2026-11-23"/);
  assert.match(page.body, /hx-get="\/reports\/\d+\/progress"/);
  assert.match(page.body, /href="\/reports\/\d+\/export.docx\?asOf=2026-11-23"/);
  assert.match(page.body, /href="\/ledger.xlsx\?report=\d+&amp;asOf=2026-11-23"/);
  assert.match(page.body, /<textarea id="progress-text"[^>]*>关于2026年度基层党建工作自查问题整改情况的报告\n\n县委组织部：/, "the copy source holds the document as text");
  assert.equal(page.headers.vary, "HX-Request");

  const frag = await get(ta.app, leader, `/reports/${s.reportId}/progress?asOf=2026-10-22&original=1`, { "hx-request": "true" });
  assert.equal(frag.statusCode, 200);
  assert.doesNotMatch(frag.body, /<html/);
  assert.match(frag.body, /^<section id="report-progress"/);
  assert.match(frag.body, /（截至2026年10月22日）/);
  assert.match(frag.body, /（历史状态）/);
  assert.match(frag.body, /完成情况：<\/strong><span class="nowrap">待销号<\/span>/);
  assert.match(frag.body, /<textarea id="progress-text"[^>]*>　　共查摆问题5个/, "the original's copy source holds the section as text");
  assert.match(frag.body, /export.docx\?asOf=2026-10-22&amp;original=1/, "the download links follow the date and the document");

  const txt = await get(ta.app, leader, `/reports/${s.reportId}/progress.txt?asOf=2026-10-23&original=1`);
  assert.equal(txt.statusCode, 200);
  assert.match(String(txt.headers["content-type"]), /^text\/plain; charset=utf-8/);
  assert.match(txt.body, /^中共示范县文化和旅游局委员会2026年度基层党建工作自查报告\n（截至2026年10月23日）/);
  assert.match(txt.body, /完成情况：已销号，2026年10月23日经赵书记验收销号。/);
  assert.match((await get(ta.app, leader, `/reports/${s.reportId}/progress.txt`)).body, /^关于2026年度基层党建工作自查问题整改情况的报告\n/);

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
    const p = await post(ta.app, u, `/reports/${s.reportId}/document`, { title: "x", addressee: "y" });
    assert.equal(p.statusCode, 404, `${email} may not set the title`);
  }
  assert.equal(await ta.db.value<string | null>("SELECT doc_addressee FROM reports WHERE id = ?", [s.reportId]), null, "nothing changed by them");
  // the title and 主送机关: a leader of the unit saves them (remembered for the unit); bad input 422, nothing changed
  const form = await get(ta.app, leader, `/reports/${s.reportId}/progress`);
  const tooLong = await post(ta.app, leader, `/reports/${s.reportId}/document`, { title: "关于2026年度基层党建工作自查问题整改情况的\n报告\n整改\n情况", addressee: "县委组织部" });
  assert.equal(tooLong.statusCode, 422);
  assert.match(tooLong.body, /标题最多分三行/);
  assert.equal(await ta.db.value<string | null>("SELECT doc_title FROM reports WHERE id = ?", [s.reportId]), null);
  const saved = await post(ta.app, leader, `/reports/${s.reportId}/document`, { title: "关于2026年度基层党建\n工作自查问题整改情况的报告", addressee: "中共示范县委组织部：" });
  assert.equal(saved.statusCode, 303);
  const after = await get(ta.app, leader, `/reports/${s.reportId}/progress`);
  assert.match(after.body, /<h2 class="doc-title">关于2026年度基层党建<br>工作自查问题整改情况的报告<\/h2>/);
  assert.match(after.body, /<p class="doc-to">中共示范县委组织部：<\/p>/);
  assert.equal(await ta.db.value<string>("SELECT report_addressee FROM units WHERE id = ?", [ta.ids.root]), "中共示范县委组织部", "remembered for the unit");
  assert.ok(form.body.includes("县委组织部"));
  const admin = await login(ta.app, "admin@t.cn");
  assert.equal((await post(ta.app, admin, `/reports/${s.reportId}/document`, { title: "", addressee: "" })).statusCode, 303, "an admin may; empty: back to the defaults");
  assert.match((await get(ta.app, leader, `/reports/${s.reportId}/progress`)).body, /<p class="doc-to">中共示范县委组织部：<\/p>/, "the unit's remembered 主送机关");

  const anon = await get(ta.app, null, `/reports/${s.reportId}/export.docx`);
  assert.equal(anon.statusCode, 303);
  assert.match(String(anon.headers.location), /^\/login/);
});

test("downloads: .docx and .xlsx with Chinese file names (RFC 5987), content by date and by scope", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await playStory(ta);
  const leader = await login(ta.app, "leader@t.cn");
  const docx = await ta.app.inject({ url: `/reports/${s.reportId}/export.docx?asOf=2026-10-23`, headers: { cookie: leader.cookie }, ...binary } as any);
  assert.equal(docx.statusCode, 200);
  assert.equal(docx.headers["content-type"], "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  const cd = String(docx.headers["content-disposition"]);
  assert.match(cd, /^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''/);
  assert.equal(decodeURIComponent(cd.split("UTF-8''")[1]), "关于2026年度基层党建工作自查问题整改情况的报告（2026年10月23日）.docx");
  const doc = (await (await JSZip.loadAsync(docx.rawPayload)).file("word/document.xml")!.async("string")).replace(/\u2060/g, "");
  assert.match(doc, /截至2026年10月23日，已完成整改1个/);
  assert.match(doc, />2026年10月23日</, "成文日期");
  const original = await ta.app.inject({ url: `/reports/${s.reportId}/export.docx?asOf=2026-10-23&original=1`, headers: { cookie: leader.cookie }, ...binary } as any);
  assert.equal(decodeURIComponent(String(original.headers["content-disposition"]).split("UTF-8''")[1]), "中共示范县文化和旅游局委员会2026年度基层党建工作自查报告（整改措施更新至2026年10月23日）.docx");
  assert.match(await (await JSZip.loadAsync(original.rawPayload)).file("word/document.xml")!.async("string"), /（截至2026年10月23日）/);

  const all = await ta.app.inject({ url: `/ledger.xlsx?report=${s.reportId}`, headers: { cookie: leader.cookie } });
  assert.equal(all.statusCode, 200);
  assert.equal(all.headers["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  assert.equal(decodeURIComponent(String(all.headers["content-disposition"]).split("UTF-8''")[1]), "测试党委2026年度基层党建工作自查问题整改台账（截至2026年11月23日）.xlsx");
  assert.equal((await xlsx(all.rawPayload)).getWorksheet("整改台账")!.rowCount, 9);

  // a unit with its sub-units; the task list's filters
  const unitA = await xlsx((await ta.app.inject({ url: `/ledger.xlsx?unit=${ta.ids.a}`, headers: { cookie: leader.cookie } })).rawPayload);
  assert.equal(unitA.getWorksheet("整改台账")!.getCell("A1").value, "第一党支部整改台账");
  assert.equal(unitA.getWorksheet("整改台账")!.rowCount, 4 + 3);
  const overdue = await xlsx((await ta.app.inject({ url: `/ledger.xlsx?overdue=1`, headers: { cookie: leader.cookie } })).rawPayload);
  const ow = overdue.getWorksheet("整改台账")!;
  assert.equal(ow.rowCount, 5);
  assert.equal(ow.getRow(5).getCell(12).value, "待整改\n（逾期13天）");
  const mine = await xlsx((await ta.app.inject({ url: `/ledger.xlsx?mine=1`, headers: { cookie: (await login(ta.app, "colleague@t.cn")).cookie } })).rawPayload);
  assert.equal(mine.getWorksheet("整改台账")!.rowCount, 5, "钱干事's one task");
  assert.equal(mine.getWorksheet("整改台账")!.getRow(5).getCell(9).value, "钱干事");

  // staff get only what they may see: 孙干事 (支部B) sees B's two tasks, not A's
  const stranger = await login(ta.app, "stranger@t.cn");
  const sb = (await xlsx((await ta.app.inject({ url: `/ledger.xlsx`, headers: { cookie: stranger.cookie } })).rawPayload)).getWorksheet("整改台账")!;
  assert.equal(sb.getCell("A1").value, "第二党支部整改台账");
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
  await playStory(ta);
  const leader = await login(ta.app, "leader@t.cn");
  const list = await get(ta.app, leader, `/tasks?unit=${ta.ids.b}&overdue=1&page=1`);
  assert.match(list.body, new RegExp(`href="/ledger.xlsx\\?unit=${ta.ids.b}&amp;overdue=1"[^>]*>导出台账`));
  const frag = await get(ta.app, leader, `/tasks?state=done`, { "hx-request": "true" });
  assert.match(frag.body, /href="\/ledger.xlsx\?state=done"[^>]*>导出台账/, "the htmx fragment carries the link too");
  const mine = await get(ta.app, await login(ta.app, "owner@t.cn"), `/tasks/mine`);
  assert.match(mine.body, /href="\/ledger.xlsx\?mine=1"[^>]*>导出台账/);
});
