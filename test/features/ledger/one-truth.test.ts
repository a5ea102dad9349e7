// One truth in every output: the same task shows the same state on the report page, in the
// 整改台账 (.xlsx) and in the 整改情况报告 (.docx), each read back as a user gets it over HTTP;
// and the ledger's summary and the report count 待整改 · 整改中 · 待销号 · 已销号 · 长期坚持 and
// 完成率 the same way. Checked on two days of the story, one of them with a task awaiting sign-off.
import { test } from "node:test";
import assert from "node:assert/strict";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import { makeApp, login, get } from "../../helpers/app.ts";
import { playStory } from "./story.ts";
import { ratePercent } from "../../../server/features/tasks/status.ts";

test("every task's state reads the same on the page, in the ledger and in the report; the counts and 完成率 agree", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await playStory(ta);
  const leader = await login(ta.app, "leader@t.cn");
  const titles = new Map((await ta.db.all<{ id: number; title: string }>("SELECT id, title FROM tasks")).map((r) => [r.id, r.title]));

  // the report page (today, 2026-11-23): each task's state beside it
  const page = await get(ta.app, leader, `/reports/${s.reportId}`);
  const onPage = new Map([...page.body.matchAll(/data-task-status="(\d+)">([^<]+)</g)].map((m) => [titles.get(Number(m[1]))!, m[2]]));
  assert.equal(onPage.size, 5);

  for (const asOf of ["2026-11-23", "2026-10-22"]) {
    // the ledger
    const res = await ta.app.inject({ url: `/ledger.xlsx?report=${s.reportId}&asOf=${asOf}`, headers: { cookie: leader.cookie } });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as any);
    const ws = wb.getWorksheet("整改台账")!;
    const inLedger = new Map<string, string>();
    for (let r = 5; r <= ws.rowCount; r++) inLedger.set(String(ws.getRow(r).getCell(3).value), String(ws.getRow(r).getCell(12).value).replace(/\n/g, ""));

    // the report: 完成情况 under each numbered problem
    const docx = await ta.app.inject({ url: `/reports/${s.reportId}/export.docx?asOf=${asOf}`, headers: { cookie: leader.cookie } });
    const xml = (await (await JSZip.loadAsync(docx.rawPayload)).file("word/document.xml")!.async("string")).replace(/\u2060/g, "");
    const paras = [...xml.matchAll(/<w:p[ >][\s\S]*?<\/w:p>/g)].map((m) => [...m[0].matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((x) => x[1]).join(""));
    const inReport = new Map<string, string>();
    let problem = "";
    for (const p of paras) {
      const n = /^\d+．(.+)。$/.exec(p);
      if (n) problem = n[1];
      const st = /^完成情况：([^，。]+)/.exec(p);
      if (st) inReport.set(problem, st[1]);
    }
    assert.equal(inLedger.size, 5);
    for (const [title, words] of inLedger) assert.equal(inReport.get(title), words, `${asOf}: ${title}`);
    if (asOf === "2026-11-23") for (const [title, words] of onPage) assert.equal(inLedger.get(title), words, `page vs ledger: ${title}`);
    if (asOf === "2026-10-22") assert.equal(inLedger.get(titles.get(s.t[0])!), "待销号", "awaiting sign-off reads 待销号 in both, not 整改中（已申请销号）");
    if (asOf === "2026-11-23") assert.equal(inReport.get(titles.get(s.t[1])!), "整改中", "with progress: 整改中 in both");
    if (asOf === "2026-11-23") assert.equal(inReport.get(titles.get(s.t[2])!), "待整改（逾期13天）", "without progress: 待整改 in both");

    // the ledger's summary and the report's figures: the same counts, the same 完成率, the same rule
    const sum = wb.getWorksheet("按单位汇总")!;
    let total: unknown[] = [];
    sum.eachRow((row) => {
      if (row.getCell(1).value === "合计") total = (row.values as unknown[]).slice(1);
    });
    const [, all, todo, doing, review, done, ongoing, overdue, rate] = total as number[];
    const text = paras.join("\n");
    assert.ok(text.includes(`共查摆问题5个，已销号${done}个，待销号${review}个，整改中${doing}个，待整改${todo}个，长期坚持${ongoing}个${overdue ? `，其中逾期${overdue}个` : ""}；整改完成率${ratePercent(rate)}（完成率＝已销号数÷任务总数；长期坚持事项计入总数，销号前不计为已完成）`), `${asOf}: ${text.slice(0, 600)}`);
    assert.equal(all, todo + doing + review + done + ongoing, "every task counted once");
    assert.match(String(sum.getCell(`A${sum.rowCount}`).value), /长期坚持事项计入总数，销号前不计为已完成/);
  }
});
