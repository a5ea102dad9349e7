// The import over HTTP on a real migrated SQLite file: upload → draft → edits → 确认生成任务, the
// report page, and every refusal (wrong role, bad file, too big, stale, past date, duplicate).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import iconv from "iconv-lite";
import { eq, sql } from "drizzle-orm";
import { makeApp, login, get, post, multipart, type Session, type TestApp } from "../../helpers/app.ts";
import { makeDocx } from "./extract/helpers.ts";
import { importDrafts, problems, reports, taskEvents, tasks } from "../../../db/schema.ts";

const REPORT = `第一党支部2026年度自查报告

二、存在问题
1.支委会召开不经常，有时以例会代替支委会。
2.党课质量不高，照本宣科多。
3.第二党支部会议记录不规范，存在事后补记的情况。

三、整改措施
1.严格落实支委会每月召开制度。
2.建立党课备课制度，邀请专家授课。
3.统一配发会议记录本，每季度交叉检查。
`;

function upload(ta: TestApp, s: Session, fields: Record<string, string>, file?: { filename: string; data: Buffer }) {
  const mp = multipart({ _csrf: s.csrf, ...fields }, file ? [{ name: "file", ...file }] : []);
  return ta.app.inject({ method: "POST", url: "/reports/import", headers: { cookie: s.cookie, ...mp.headers }, payload: mp.payload });
}

function form(ta: TestApp, s: Session, url: string, pairs: [string, string][], headers: Record<string, string> = {}) {
  const body = new URLSearchParams([["_csrf", s.csrf], ...pairs]).toString();
  return ta.app.inject({ method: "POST", url, headers: { cookie: s.cookie, "content-type": "application/x-www-form-urlencoded", ...headers }, payload: body });
}

const count = async (ta: TestApp, table: typeof reports | typeof tasks | typeof problems | typeof importDrafts) => (await ta.db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(table))[0].n;
const filesIn = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name) : []);
const draftOf = async (ta: TestApp, id: number) => (await ta.db.select().from(importDrafts).where(eq(importDrafts.id, id)).limit(1))[0];
const itemsOf = async (ta: TestApp, id: number) => JSON.parse((await draftOf(ta, id)).itemsJson) as { key: string; text: string; unitId: number; ownerId: number | null; deadline: string; measures: string; unitProposed: boolean }[];

async function newDraft(ta: TestApp, s: Session, file = { filename: "自查报告.docx", data: makeDocx(REPORT) }): Promise<number> {
  const res = await upload(ta, s, { unitId: String(ta.ids.root), title: "" }, file);
  assert.equal(res.statusCode, 303, res.body.slice(0, 300));
  return Number(/\/reports\/drafts\/(\d+)$/.exec(res.headers.location as string)![1]);
}

test("staff may not import; the pages and the upload answer 403", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await login(ta.app, "owner@t.cn");
  assert.equal((await get(ta.app, s, "/reports/import")).statusCode, 403);
  const res = await upload(ta, s, { unitId: String(ta.ids.a), title: "" }, { filename: "r.txt", data: Buffer.from(REPORT) });
  assert.equal(res.statusCode, 403);
  assert.equal(await count(ta, importDrafts), 0);
  assert.doesNotMatch((await get(ta.app, s, "/reports")).body, /导入自查报告<\/a>/);
});

test("bad files are refused with a clear message and nothing is kept", async (t) => {
  const ta = await makeApp({ REPORT_MAX_MB: "1" });
  t.after(ta.close);
  const s = await login(ta.app, "leader@t.cn");
  const exe = Buffer.concat([Buffer.from("MZ\x90\x00\x03\x00\x00\x00", "latin1"), Buffer.alloc(2000, 1)]);
  const cases: [string, Buffer, RegExp][] = [
    ["setup.docx", exe, /不支持|Word|文本/],
    ["报告.docx", makeDocx(REPORT).subarray(0, 300), /已损坏|不完整|不是 Word 文档/],
    ["大文件.txt", Buffer.alloc(2 * 1024 * 1024, 0x41), /文件过大.*1 MB/],
    ["图片.png", Buffer.from("89504e470d0a1a0a0000", "hex"), /只能导入 Word 文档/],
  ];
  for (const [name, data, message] of cases) {
    const res = await upload(ta, s, { unitId: String(ta.ids.root), title: "" }, { filename: name, data });
    assert.equal(res.statusCode, 422, name);
    assert.match(res.body, message, name);
  }
  const none = await upload(ta, s, { unitId: String(ta.ids.root), title: "", pasted: "  " });
  assert.equal(none.statusCode, 422);
  assert.match(none.body, /请选择报告文件，或把报告全文粘贴/);
  assert.equal(await count(ta, importDrafts), 0);
  assert.deepEqual(filesIn(ta.config.reportsDir), []);
  // a forged form changes nothing either
  const mp = multipart({ _csrf: "forged", unitId: String(ta.ids.root), title: "" }, [{ name: "file", filename: "r.txt", data: Buffer.from(REPORT) }]);
  const forged = await ta.app.inject({ method: "POST", url: "/reports/import", headers: { cookie: s.cookie, ...mp.headers }, payload: mp.payload });
  assert.equal(forged.statusCode, 403);
  assert.equal(await count(ta, importDrafts), 0);
  assert.deepEqual(filesIn(ta.config.reportsDir), []);
});

test("a leader imports only for their own unit and below", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await login(ta.app, "leadera@t.cn");
  const res = await upload(ta, s, { unitId: String(ta.ids.b), title: "" }, { filename: "r.txt", data: Buffer.from(REPORT) });
  assert.equal(res.statusCode, 422);
  assert.match(res.body, /只能为本单位及下级单位导入报告/);
  assert.equal(await count(ta, importDrafts), 0);
});

test("upload → review: the problems with matching measures, the named unit proposed; GB18030 text and pasted text work", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await login(ta.app, "leader@t.cn");
  const id = await newDraft(ta, s);
  const d = await draftOf(ta, id);
  assert.equal(d.title, "第一党支部2026年度自查报告");
  assert.equal(d.format, "docx");
  assert.ok(d.storedFile && existsSync(join(ta.config.reportsDir, d.storedFile)));
  const items = await itemsOf(ta, id);
  assert.deepEqual(items.map((x) => x.measures), ["严格落实支委会每月召开制度。", "建立党课备课制度，邀请专家授课。", "统一配发会议记录本，每季度交叉检查。"]);
  assert.deepEqual(items.map((x) => [x.unitId, x.unitProposed]), [
    [ta.ids.root, false],
    [ta.ids.root, false],
    [ta.ids.b, true],
  ]);
  assert.equal((await count(ta, reports)) + (await count(ta, tasks)) + (await count(ta, problems)), 0, "nothing but the draft is written");
  const page = await get(ta.app, s, `/reports/drafts/${id}`);
  assert.equal(page.statusCode, 200);
  assert.equal((page.body.match(/class="problem-mark"/g) ?? []).length, 3);
  assert.match(page.body, /根据问题文字建议/);

  const gbk = await upload(ta, s, { unitId: String(ta.ids.a), title: "自定标题" }, { filename: "gbk.txt", data: iconv.encode(REPORT, "gb18030") });
  assert.equal(gbk.statusCode, 303);
  const gid = Number(/(\d+)$/.exec(gbk.headers.location as string)![1]);
  assert.equal((await draftOf(ta, gid)).title, "自定标题");
  assert.equal((await itemsOf(ta, gid))[1].text, "党课质量不高，照本宣科多。");

  const pasted = await upload(ta, s, { unitId: String(ta.ids.root), title: "", pasted: "没有任何标题和编号的一段话。" });
  assert.equal(pasted.statusCode, 303);
  const pid = Number(/(\d+)$/.exec(pasted.headers.location as string)![1]);
  assert.deepEqual(await itemsOf(ta, pid), []);
  assert.match((await get(ta.app, s, `/reports/drafts/${pid}`)).body, /未识别到存在问题，请手工添加/);
});

test("a pasted meeting news item: its narrative problems and measures are found, copy markers are gone from 原文 and the offsets fit the text shown", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await login(ta.app, "leader@t.cn");
  const news = "##paidbegin##\n镇党委召开巡察反馈问题整改推进会\n\n会上通报，巡察组反馈指出镇党委存在以下问题。一是落实意识形态工作责任制不到位。主要表现在研判流于形式。二是村级财务监管不力。三是干部作风不实。##paidend##\n\n会议要求：要建立意识形态工作定期研判制度；要开展村级财务专项清理；要开展作风建设专项督查。\n";
  const res = await upload(ta, s, { unitId: String(ta.ids.root), title: "", pasted: news });
  assert.equal(res.statusCode, 303, res.body.slice(0, 300));
  const id = Number(/(\d+)$/.exec(res.headers.location as string)![1]);
  const d = await draftOf(ta, id);
  assert.doesNotMatch(d.fullText, /#/, "the markers are cleaned before anything is stored");
  assert.equal(d.title, "镇党委召开巡察反馈问题整改推进会");
  const items = JSON.parse(d.itemsJson) as { text: string; start: number; end: number; measures: string }[];
  assert.deepEqual(items.map((x) => x.text.slice(0, 8)), ["落实意识形态工作", "村级财务监管不力", "干部作风不实。"]);
  for (const x of items) assert.equal(d.fullText.slice(x.start, x.end), x.text, "an item's offsets point at its text in 原文");
  assert.deepEqual(items.map((x) => x.measures.slice(0, 6)), ["要建立意识形", "要开展村级财", "要开展作风建"]);
  const page = await get(ta.app, s, `/reports/drafts/${id}`);
  assert.equal((page.body.match(/class="problem-mark"/g) ?? []).length, 3);
  assert.equal((page.body.match(/class="measure-mark"/g) ?? []).length, 3);
  assert.doesNotMatch(page.body, /paidbegin|paidend/);
});

test("edits are saved at once, bad ones change nothing; someone else's draft is not theirs to see", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await login(ta.app, "leader@t.cn");
  const id = await newDraft(ta, s);
  const hx = { "hx-request": "true" };
  const ok = await form(ta, s, `/reports/drafts/${id}/items/p1`, [["text", "支委会不按月召开"], ["category", "组织生活"], ["ownerId", String(ta.ids.owner)]], hx);
  assert.equal(ok.statusCode, 200);
  assert.match(ok.body, /已保存/);
  assert.deepEqual([(await itemsOf(ta, id))[0].text, (await itemsOf(ta, id))[0].ownerId], ["支委会不按月召开", ta.ids.owner]);

  const before = (await draftOf(ta, id)).itemsJson;
  const past = await form(ta, s, `/reports/drafts/${id}/items/p1`, [["text", "改了"], ["deadline", "2026-11-01"]], hx);
  assert.equal(past.statusCode, 422);
  assert.match(past.body, /整改时限不能早于今天（2026年11月23日）/);
  const empty = await form(ta, s, `/reports/drafts/${id}/items/p1`, [["text", "   "]], hx);
  assert.equal(empty.statusCode, 422);
  assert.match(empty.body, /问题描述不能为空/);
  assert.equal((await draftOf(ta, id)).itemsJson, before);

  const gone = await form(ta, s, `/reports/drafts/${id}/ops`, [["op", "delete"], ["key", "p2"]], hx);
  assert.equal(gone.statusCode, 200);
  const stale = await form(ta, s, `/reports/drafts/${id}/ops`, [["op", "merge"], ["key", "p2"]], hx);
  assert.equal(stale.statusCode, 409);
  assert.match(stale.body, /已被合并或删除，请刷新页面/);

  // leaderA may not pick a person outside their branch, nor open the root leader's draft
  const a = await login(ta.app, "leadera@t.cn");
  const own = await newDraft(ta, a, { filename: "a.txt", data: Buffer.from(REPORT) }).catch(() => 0);
  assert.equal(own, 0, "leaderA cannot import for the root unit");
  const r = await upload(ta, a, { unitId: String(ta.ids.a), title: "" }, { filename: "a.txt", data: Buffer.from(REPORT) });
  const aid = Number(/(\d+)$/.exec(r.headers.location as string)![1]);
  const outside = await form(ta, a, `/reports/drafts/${aid}/items/p1`, [["ownerId", String(ta.ids.stranger)]], hx);
  assert.equal(outside.statusCode, 422);
  assert.match(outside.body, /只能选择本单位及下级单位的人员/);
  assert.equal((await get(ta.app, a, `/reports/drafts/${id}`)).statusCode, 403);
  assert.equal((await form(ta, a, `/reports/drafts/${id}/confirm`, [])).statusCode, 403);
});

test("确认生成任务: one bad problem and nothing is written; then report, problems and tasks in one go, each task's history starting with the import", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await login(ta.app, "leader@t.cn");
  const id = await newDraft(ta, s);
  // an owner but no deadline (no period's end is set): refused, item by item, with nothing written
  assert.equal((await form(ta, s, `/reports/drafts/${id}/items/p2`, [["ownerId", String(ta.ids.owner)], ["unitId", String(ta.ids.a)], ["deadline", ""]])).statusCode, 303);
  const refused = await form(ta, s, `/reports/drafts/${id}/confirm`, []);
  assert.equal(refused.statusCode, 422);
  assert.match(refused.body, /有 1 条问题还不能生成任务/);
  assert.match(refused.body, /请填写整改时限/);
  assert.equal((await count(ta, reports)) + (await count(ta, problems)) + (await count(ta, tasks)), 0);

  const keys = (await itemsOf(ta, id)).map((x) => x.key);
  const bulk = await form(ta, s, `/reports/drafts/${id}/ops`, [["op", "bulk"], ...keys.map((k): [string, string] => ["keys", k]), ["unitId", String(ta.ids.a)], ["ownerId", String(ta.ids.owner)], ["leaderId", String(ta.ids.leaderA)], ["deadline", "2026-12-20"], ["deadlineKind", ""], ["measures", ""]]);
  assert.equal(bulk.statusCode, 303);
  assert.ok((await itemsOf(ta, id)).every((x) => x.unitId === ta.ids.a && x.ownerId === ta.ids.owner && x.deadline === "2026-12-20"));
  assert.equal((await itemsOf(ta, id))[0].measures, "严格落实支委会每月召开制度。", "an empty bulk field leaves the measures alone");

  const done = await form(ta, s, `/reports/drafts/${id}/confirm`, []);
  assert.equal(done.statusCode, 303);
  const reportId = Number(/\/reports\/(\d+)$/.exec(done.headers.location as string)![1]);
  const rep = (await ta.db.select().from(reports).where(eq(reports.id, reportId)).limit(1))[0];
  assert.equal(rep.title, "第一党支部2026年度自查报告");
  assert.equal(rep.fullText.includes("三、整改措施"), true);
  assert.deepEqual(JSON.parse(rep.sectionsJson).map((x: { kind: string }) => x.kind), ["problems", "measures"]);
  assert.ok(rep.storedFile && readFileSync(join(ta.config.reportsDir, rep.storedFile)).equals(makeDocx(REPORT)));
  const probs = await ta.db.select().from(problems).where(eq(problems.reportId, reportId));
  assert.deepEqual(probs.map((p) => p.seq), [1, 2, 3]);
  assert.equal(rep.fullText.slice(probs[1].startOffset!, probs[1].endOffset!), "党课质量不高，照本宣科多。");
  const made = await ta.db.select().from(tasks);
  assert.equal(made.length, 3);
  assert.deepEqual(made.map((x) => x.problemId), probs.map((p) => p.id));
  for (const task of made) {
    const first = (await ta.db.select().from(taskEvents).where(eq(taskEvents.taskId, task.id)).orderBy(taskEvents.id).limit(1))[0];
    assert.equal(first.kind, "imported");
    assert.equal(first.text, "由《第一党支部2026年度自查报告》导入");
  }
  assert.equal((await draftOf(ta, id)).status, "confirmed");

  // a second click creates nothing more and lands on the report
  const again = await form(ta, s, `/reports/drafts/${id}/confirm`, []);
  assert.equal(again.statusCode, 303);
  assert.equal(again.headers.location, `/reports/${reportId}`);
  assert.equal(await count(ta, tasks), 3);
  const late = await form(ta, s, `/reports/drafts/${id}/ops`, [["op", "add"], ["newText", "晚到的修改"]]);
  assert.equal(late.headers.location, `/reports/${reportId}`, "a stale tab is sent to the report");
  assert.match((await ta.app.inject({ method: "GET", url: `/reports/${reportId}`, headers: { cookie: [s.cookie, String(late.headers["set-cookie"]).split(";")[0]].join("; ") } })).body, /草稿不能再修改/);
  assert.equal(await count(ta, problems), 3);

  // the report page: highlighted text, the tasks with their states; the owner sees it, a stranger does not
  const page = await get(ta.app, s, `/reports/${reportId}`);
  assert.equal(page.statusCode, 200);
  assert.equal((page.body.match(/class="problem-mark"/g) ?? []).length, 3);
  assert.equal((page.body.match(/state-todo/g) ?? []).length, 3);
  const owner = await login(ta.app, "owner@t.cn");
  assert.equal((await get(ta.app, owner, `/reports/${reportId}`)).statusCode, 200);
  const stranger = await login(ta.app, "stranger@t.cn");
  assert.equal((await get(ta.app, stranger, `/reports/${reportId}`)).statusCode, 404);
  assert.equal((await get(ta.app, stranger, `/reports/${reportId}/original`)).statusCode, 404);
  const original = await get(ta.app, owner, `/reports/${reportId}/original`);
  assert.equal(original.statusCode, 200);
  assert.match(String(original.headers["content-disposition"]), /filename\*=UTF-8''%E8%87%AA%E6%9F%A5/);
  assert.ok(original.rawPayload.equals(makeDocx(REPORT)));
  assert.match((await get(ta.app, s, "/reports")).body, /第一党支部2026年度自查报告/);
});

test("confirming with only some problems assigned: those become tasks, the rest wait in the report (待分派), listed on the overview and assigned later from the report page; nothing is lost", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await login(ta.app, "leader@t.cn");
  // the period's end fills the deadlines by default
  assert.equal((await form(ta, s, "/admin/settings", [["yellowDays", "3"], ["periodEnd", "2026-12-31"]])).statusCode, 403, "a leader does not set it");
  await ta.db.run("INSERT INTO settings (key, value) VALUES ('periodEnd', '\"2026-12-31\"') ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  const id = await newDraft(ta, s);
  assert.ok((await itemsOf(ta, id)).every((x) => x.deadline === "2026-12-31"));
  const review = (await get(ta.app, s, `/reports/drafts/${id}`)).body;
  assert.equal((review.match(/默认：整改期截止日/g) ?? []).length, 3, "each default deadline is shown as one");
  assert.doesNotMatch(review.split('name="ownerId"')[2].split("</select>")[0], /管理员（/, "an admin account is not offered as 责任人");

  // the picker offers the report's own measures; one is brought into problem 2 once
  assert.match(review, /<option value="1">2\. 建立党课备课制度，邀请专家授课。<\/option>/);
  const pick = [["op", "measure"], ["key", "p2"], ["measure", "2"]] as [string, string][];
  assert.equal((await form(ta, s, `/reports/drafts/${id}/ops`, pick)).statusCode, 303);
  assert.equal((await form(ta, s, `/reports/drafts/${id}/ops`, pick)).statusCode, 303);
  assert.equal((await itemsOf(ta, id))[1].measures, "建立党课备课制度，邀请专家授课。\n统一配发会议记录本，每季度交叉检查。");
  assert.equal((await form(ta, s, `/reports/drafts/${id}/ops`, [["op", "measure"], ["key", "p2"], ["measure", ""]])).statusCode, 422);

  // owners for problems 1 and 3 only; problem 3's deadline set by hand, problem 1's left at the default
  assert.equal((await form(ta, s, `/reports/drafts/${id}/items/p1`, [["unitId", String(ta.ids.a)], ["ownerId", String(ta.ids.owner)], ["deadline", "2026-12-31"]])).statusCode, 303);
  assert.equal((await form(ta, s, `/reports/drafts/${id}/items/p3`, [["unitId", String(ta.ids.b)], ["ownerId", String(ta.ids.stranger)], ["deadline", "2026-12-15"]])).statusCode, 303);
  // an admin as 责任人, or a person outside the unit's tree, is refused at confirmation
  assert.equal((await form(ta, s, `/reports/drafts/${id}/items/p2`, [["unitId", String(ta.ids.a)], ["ownerId", String(ta.ids.admin)]])).statusCode, 303);
  const admin = await form(ta, s, `/reports/drafts/${id}/confirm`, [["acceptDefaultDeadlines", "1"]]);
  assert.equal(admin.statusCode, 422);
  assert.match(admin.body, /系统管理员账号不能作为责任人/);
  assert.equal((await form(ta, s, `/reports/drafts/${id}/items/p2`, [["ownerId", String(ta.ids.stranger)]])).statusCode, 303);
  assert.match((await form(ta, s, `/reports/drafts/${id}/confirm`, [["acceptDefaultDeadlines", "1"]])).body, /责任人须为第一党支部（含下级单位）的人员/);
  assert.equal((await form(ta, s, `/reports/drafts/${id}/items/p2`, [["ownerId", ""]])).statusCode, 303);
  assert.equal((await count(ta, reports)) + (await count(ta, problems)) + (await count(ta, tasks)), 0);

  // the default deadline must be confirmed
  const unconfirmed = await form(ta, s, `/reports/drafts/${id}/confirm`, []);
  assert.equal(unconfirmed.statusCode, 422);
  assert.match(unconfirmed.body, /有 1 条问题的整改时限是默认的整改期截止日（2026年12月31日）/);
  assert.match(unconfirmed.body, /确认生成任务（2 项）/);
  assert.match(unconfirmed.body, /另有 <strong>1<\/strong> 条问题尚未指定责任人，将作为“待分派”问题保留在报告中/);
  assert.equal(await count(ta, reports), 0);

  const done = await form(ta, s, `/reports/drafts/${id}/confirm`, [["acceptDefaultDeadlines", "1"]]);
  assert.equal(done.statusCode, 303);
  const reportId = Number(/\/reports\/(\d+)$/.exec(done.headers.location as string)![1]);
  const probs = await ta.db.select().from(problems).where(eq(problems.reportId, reportId)).orderBy(problems.seq);
  assert.equal(probs.length, 3, "every problem is kept");
  assert.deepEqual(probs.map((p) => p.pendingJson === null), [true, false, true]);
  assert.deepEqual(JSON.parse(probs[1].pendingJson!), { unitId: ta.ids.a, leaderId: ta.ids.leader, deadlineKind: "dated", deadline: "2026-12-31", deadlineDefault: true, linkedUnitId: null });
  assert.equal(probs[1].measures, "建立党课备课制度，邀请专家授课。\n统一配发会议记录本，每季度交叉检查。");
  assert.deepEqual((await ta.db.select().from(tasks)).map((x) => [x.problemId, x.deadline]), [[probs[0].id, "2026-12-31"], [probs[2].id, "2026-12-15"]]);

  // where a leader sees what is waiting: the report page and the overview
  const page = (await get(ta.app, s, `/reports/${reportId}`)).body;
  assert.match(page, /1 条问题待分派<\/a>/);
  assert.match(page, new RegExp(`action="/reports/${reportId}/problems/${probs[1].id}/assign"`));
  assert.match((await get(ta.app, s, "/")).body, /待分派的问题[\s\S]*第一党支部2026年度自查报告[\s\S]*<strong>1<\/strong> 条待分派/);
  const staffPage = (await get(ta.app, await login(ta.app, "owner@t.cn"), `/reports/${reportId}`)).body;
  assert.doesNotMatch(staffPage, /\/assign"/, "staff do not assign");

  // assigning later: refused without an owner, then the task with the import's provenance
  const url = `/reports/${reportId}/problems/${probs[1].id}/assign`;
  const assign = (owner: string) => form(ta, s, url, [["seq", "2"], ["unitId", String(ta.ids.a)], ["ownerId", owner], ["leaderId", String(ta.ids.leaderA)], ["deadlineKind", "dated"], ["deadline", "2026-12-20"], ["measures", "建立党课备课制度"]]);
  const noOwner = await assign("");
  assert.equal(noOwner.statusCode, 422);
  assert.match(noOwner.body, /请选择责任人/);
  assert.equal(await count(ta, tasks), 2);
  const ok = await assign(String(ta.ids.owner));
  assert.equal(ok.statusCode, 303);
  const made = (await ta.db.select().from(tasks).where(eq(tasks.problemId, probs[1].id)).limit(1))[0];
  assert.equal(made.title, "党课质量不高，照本宣科多。");
  assert.equal(made.ownerId, ta.ids.owner);
  assert.equal(made.measures, "建立党课备课制度");
  const first = (await ta.db.select().from(taskEvents).where(eq(taskEvents.taskId, made.id)).orderBy(taskEvents.id).limit(1))[0];
  assert.deepEqual([first.kind, first.text], ["imported", "由《第一党支部2026年度自查报告》导入"]);
  assert.equal((await ta.db.select().from(problems).where(eq(problems.id, probs[1].id)).limit(1))[0].pendingJson, null);
  assert.equal((await assign(String(ta.ids.owner))).statusCode, 409, "a second assignment is refused");
  assert.equal(await count(ta, tasks), 3);
  assert.doesNotMatch((await get(ta.app, s, "/")).body, /待分派的问题/);
  // a forged token changes nothing
  const forged = await form({ ...ta }, { ...s, csrf: "forged" }, `/reports/${reportId}/problems/${probs[0].id}/assign`, []);
  assert.equal(forged.statusCode, 403);
});

test("the same file twice: a warning, and confirming needs an explicit yes", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await login(ta.app, "leader@t.cn");
  const assignAll = async (id: number) => {
    const keys = (await itemsOf(ta, id)).map((x) => x.key);
    await form(ta, s, `/reports/drafts/${id}/ops`, [["op", "bulk"], ...keys.map((k): [string, string] => ["keys", k]), ["unitId", String(ta.ids.a)], ["ownerId", String(ta.ids.owner)], ["deadline", "2026-12-20"]]);
  };
  const first = await newDraft(ta, s);
  await assignAll(first);
  assert.equal((await form(ta, s, `/reports/drafts/${first}/confirm`, [])).statusCode, 303);
  const second = await newDraft(ta, s);
  await assignAll(second);
  const page = await get(ta.app, s, `/reports/drafts/${second}`);
  assert.match(page.body, /这份报告已经导入过/);
  const refused = await form(ta, s, `/reports/drafts/${second}/confirm`, []);
  assert.equal(refused.statusCode, 422);
  assert.match(refused.body, /已于2026年11月23日导入过/);
  assert.equal(await count(ta, reports), 1);
  assert.equal((await form(ta, s, `/reports/drafts/${second}/confirm`, [["acknowledgeDuplicate", "1"]])).statusCode, 303);
  assert.equal(await count(ta, reports), 2);
  assert.equal(await count(ta, tasks), 6);
});

test("discarding a draft keeps nothing of it but the row; split and add work over plain posts too", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await login(ta.app, "leader@t.cn");
  const id = await newDraft(ta, s);
  const split = await form(ta, s, `/reports/drafts/${id}/ops`, [["op", "split"], ["key", "p3"], ["text", "第二党支部会议记录不规范，存在事后补记的情况。"], ["at", String("第二党支部会议记录不规范，".length)]]);
  assert.equal(split.statusCode, 303);
  assert.deepEqual((await itemsOf(ta, id)).map((x) => x.text).slice(2), ["第二党支部会议记录不规范", "存在事后补记的情况。"]);
  await form(ta, s, `/reports/drafts/${id}/ops`, [["op", "add"], ["newText", "手工补充的问题"], ["newCategory", "其他"]]);
  assert.equal((await itemsOf(ta, id)).length, 5);
  const file = (await draftOf(ta, id)).storedFile!;
  assert.equal((await form(ta, s, `/reports/drafts/${id}/discard`, [])).statusCode, 303);
  assert.equal((await draftOf(ta, id)).status, "discarded");
  assert.equal(existsSync(join(ta.config.reportsDir, file)), false);
  assert.equal((await form(ta, s, `/reports/drafts/${id}/confirm`, [])).statusCode, 409);
  assert.equal(await count(ta, tasks), 0);
});
