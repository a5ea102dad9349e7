import { test } from "node:test";
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { makeApp, login, post, get, multipart, PNG_1PX, type TestApp, type Session } from "../../helpers/app.ts";

const count = async (t: TestApp, table: string, where = "1=1") => (await t.db.get<{ n: number }>(`select count(*) n from ${table} where ${where}`))!.n;
const taskRow = async (t: TestApp, id: number) => (await t.db.get<any>("select * from tasks where id = ?", [id]));

async function newTask(t: TestApp, s: Session, over: Record<string, unknown> = {}) {
  const res = await post(t.app, s, "/tasks", { title: "三会一课记录不规范", unitId: t.ids.a, ownerId: t.ids.owner, leaderId: t.ids.leaderA, deadlineKind: "dated", deadline: "2026-12-31", goal: "记录当场形成", measures: "组织委员当场记录", ...over });
  assert.equal(res.statusCode, 303, res.body.slice(0, 500));
  return Number(/\/tasks\/(\d+)/.exec(res.headers.location as string)![1]);
}

test("sign-in, sign-out, and pages need a session", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const anon = await get(ta.app, null, "/tasks");
  assert.equal(anon.statusCode, 303);
  assert.match(String(anon.headers.location), /^\/login\?next=/);
  const s = await login(ta.app, "leader@t.cn");
  const page = await get(ta.app, s, "/tasks");
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /任务列表/);
  const cookie = String((await ta.app.inject({ method: "GET", url: "/login" })).headers["set-cookie"]);
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Lax/i);
  const out = await post(ta.app, s, "/logout", {});
  assert.equal(out.statusCode, 303);
  assert.equal((await get(ta.app, s, "/tasks")).statusCode, 303, "the old cookie no longer works");
  assert.equal((await ta.app.inject({ url: "/healthz" })).statusCode, 200);
});

test("five wrong passwords lock the account, even for the right password", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  for (let i = 0; i < 5; i++) await assert.rejects(login(ta.app, "owner@t.cn", "wrong-pass-1"));
  const page = await ta.app.inject({ url: "/login" });
  const pre = String(page.headers["set-cookie"]).split(";")[0];
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
  const res = await ta.app.inject({ method: "POST", url: "/login", headers: { cookie: pre }, payload: { email: "owner@t.cn", password: "test1234pass", _csrf: csrf } });
  assert.equal(res.statusCode, 401);
  assert.match(res.body, /锁定/);
  ta.clock.now = new Date(ta.clock.now.getTime() + 16 * 60_000);
  await login(ta.app, "owner@t.cn");
});

test("a leader creates a task; bad input changes nothing and says why in Chinese", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await login(ta.app, "leadera@t.cn");
  const noOwner = await post(ta.app, s, "/tasks", { title: "x", unitId: ta.ids.a, deadlineKind: "dated", deadline: "2026-12-01" });
  assert.equal(noOwner.statusCode, 422);
  assert.match(noOwner.body, /请选择责任人/);
  const past = await post(ta.app, s, "/tasks", { title: "x", unitId: ta.ids.a, ownerId: ta.ids.owner, deadlineKind: "dated", deadline: "2026-11-01" });
  assert.equal(past.statusCode, 422);
  assert.match(past.body, /不能早于今天/);
  const otherUnit = await post(ta.app, s, "/tasks", { title: "x", unitId: ta.ids.b, ownerId: ta.ids.stranger, deadlineKind: "dated", deadline: "2026-12-01" });
  assert.equal(otherUnit.statusCode, 422);
  assert.match(otherUnit.body, /只能在本单位及下级单位/);
  assert.equal(await count(ta, "tasks"), 0);
  const staff = await login(ta.app, "owner@t.cn");
  const forbidden = await post(ta.app, staff, "/tasks", { title: "x", unitId: ta.ids.a, ownerId: ta.ids.owner, deadlineKind: "dated", deadline: "2026-12-01" });
  assert.equal(forbidden.statusCode, 403);
  assert.equal(await count(ta, "tasks"), 0);
  const id = await newTask(ta, s);
  const row = (await taskRow(ta, id));
  assert.equal(row.state, "todo");
  assert.equal(row.original_deadline, "2026-12-31");
  assert.equal(await count(ta, "task_events", `task_id = ${id} and kind = 'created'`), 1);
});

test("a forged or missing CSRF token is refused and nothing changes", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await login(ta.app, "leadera@t.cn");
  const res = await post(ta.app, { ...s, csrf: "forged" }, "/tasks", { title: "x", unitId: ta.ids.a, ownerId: ta.ids.owner, deadlineKind: "dated", deadline: "2026-12-01" });
  assert.equal(res.statusCode, 403);
  assert.match(res.body, /页面已过期|请求来源无效/);
  assert.equal(await count(ta, "tasks"), 0);
  const id = await newTask(ta, s);
  const owner = await login(ta.app, "owner@t.cn");
  const mp = multipart({ _csrf: "forged", version: "1", text: "进展" }, []);
  const r2 = await ta.app.inject({ method: "POST", url: `/tasks/${id}/progress`, headers: { cookie: owner.cookie, ...mp.headers }, payload: mp.payload });
  assert.equal(r2.statusCode, 403);
  assert.equal((await taskRow(ta, id)).progress_count, 0);
});

function progress(ta: TestApp, s: Session, id: number, version: number, text: string, files: { filename: string; data: Buffer }[] = [], headers: Record<string, string> = {}) {
  const mp = multipart({ _csrf: s.csrf, version: String(version), text }, files.map((f) => ({ name: "files", ...f })));
  return ta.app.inject({ method: "POST", url: `/tasks/${id}/progress`, headers: { cookie: s.cookie, ...mp.headers, ...headers }, payload: mp.payload });
}

test("the whole life: progress with evidence, 申请销号, 退回 with reason, again, 销号 by another", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leadera@t.cn");
  const owner = await login(ta.app, "owner@t.cn");
  const id = await newTask(ta, leader);

  const early = await post(ta.app, owner, `/tasks/${id}/request-signoff`, { version: 1 });
  assert.equal(early.statusCode, 409, "待整改 cannot ask for sign-off");
  const p = await progress(ta, owner, id, 1, "已整改，附会议记录", [{ filename: "会议记录.png", data: PNG_1PX }]);
  assert.equal(p.statusCode, 303, p.body.slice(0, 300));
  assert.equal((await taskRow(ta, id)).state, "doing");
  assert.equal(await count(ta, "attachments", `task_id = ${id}`), 1);

  const colleague = await login(ta.app, "colleague@t.cn");
  assert.equal((await post(ta.app, colleague, `/tasks/${id}/request-signoff`, { version: 2 })).statusCode, 403, "only the owner asks");
  assert.equal((await post(ta.app, owner, `/tasks/${id}/request-signoff`, { version: 2 })).statusCode, 303);
  assert.equal((await taskRow(ta, id)).state, "review");
  assert.equal((await post(ta.app, owner, `/tasks/${id}/sign-off`, { version: 3 })).statusCode, 403, "staff cannot sign off");

  const noReason = await post(ta.app, leader, `/tasks/${id}/send-back`, { version: 3, reason: "" });
  assert.equal(noReason.statusCode, 422);
  assert.match(noReason.body, /请填写退回理由/);
  assert.equal((await taskRow(ta, id)).state, "review");
  assert.equal((await post(ta.app, leader, `/tasks/${id}/send-back`, { version: 3, reason: "佐证材料不全" })).statusCode, 303);
  assert.equal((await taskRow(ta, id)).state, "doing");
  assert.equal((await post(ta.app, owner, `/tasks/${id}/request-signoff`, { version: 4 })).statusCode, 303);
  const signed = await post(ta.app, leader, `/tasks/${id}/sign-off`, { version: 5, note: "同意" });
  assert.equal(signed.statusCode, 303);
  const row = (await taskRow(ta, id));
  assert.equal(row.state, "done");
  assert.equal(row.signed_off_by, ta.ids.leaderA);
  const kinds = await ta.db.column<string>("select kind from task_events where task_id = ? order by id", [id]);
  assert.deepEqual(kinds, ["created", "progress", "requestSignOff", "sendBack", "requestSignOff", "signOff"]);
  const page = await get(ta.app, leader, `/tasks/${id}`);
  assert.match(page.body, /佐证材料不全/);
  assert.match(page.body, /会议记录\.png/);
  const reopenNoReason = await post(ta.app, leader, `/tasks/${id}/reopen`, { version: 6 });
  assert.equal(reopenNoReason.statusCode, 422);
  assert.equal((await post(ta.app, leader, `/tasks/${id}/reopen`, { version: 6, reason: "回头看发现问题反弹" })).statusCode, 303);
  assert.equal((await taskRow(ta, id)).state, "doing");
  assert.equal((await taskRow(ta, id)).signed_off_by, null);
});

test("nobody signs off their own request: a leader who owns a task needs another leader", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const top = await login(ta.app, "leader@t.cn");
  const leaderA = await login(ta.app, "leadera@t.cn");
  const id = await newTask(ta, top, { ownerId: ta.ids.leaderA });
  await progress(ta, leaderA, id, 1, "完成", [{ filename: "照片.png", data: PNG_1PX }]);
  await post(ta.app, leaderA, `/tasks/${id}/request-signoff`, { version: 2 });
  const self = await post(ta.app, leaderA, `/tasks/${id}/sign-off`, { version: 3 });
  assert.equal(self.statusCode, 403);
  assert.match(self.body, /不能审核本人提出的销号申请/);
  assert.equal((await taskRow(ta, id)).state, "review");
  assert.equal((await post(ta.app, top, `/tasks/${id}/sign-off`, { version: 3 })).statusCode, 303);
});

test("two people on a stale page: the second gets 已被他人修改 and nothing is overwritten", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leaderA = await login(ta.app, "leadera@t.cn");
  const top = await login(ta.app, "leader@t.cn");
  const owner = await login(ta.app, "owner@t.cn");
  const id = await newTask(ta, leaderA);
  await progress(ta, owner, id, 1, "进展", [{ filename: "照片.png", data: PNG_1PX }]);
  await post(ta.app, owner, `/tasks/${id}/request-signoff`, { version: 2 });
  const first = await post(ta.app, leaderA, `/tasks/${id}/send-back`, { version: 3, reason: "材料不全" });
  assert.equal(first.statusCode, 303);
  const second = await post(ta.app, top, `/tasks/${id}/sign-off`, { version: 3 }, { "hx-request": "true" });
  assert.equal(second.statusCode, 409);
  assert.match(second.body, /已被他人修改/);
  assert.match(second.body, new RegExp(`id="task-${id}"`), "htmx gets the panel fragment");
  assert.doesNotMatch(second.body, /<html/);
  assert.equal((await taskRow(ta, id)).state, "doing");
  assert.equal(await count(ta, "task_events", `task_id = ${id} and kind = 'signOff'`), 0);
  // a second click of the same form
  const again = await post(ta.app, leaderA, `/tasks/${id}/send-back`, { version: 3, reason: "材料不全" });
  assert.equal(again.statusCode, 409);
  assert.equal(await count(ta, "task_events", `task_id = ${id} and kind = 'sendBack'`), 1);
  // a stale edit
  const edit = await post(ta.app, top, `/tasks/${id}`, { version: 1, title: "改名", unitId: ta.ids.a, ownerId: ta.ids.owner, deadlineKind: "dated", deadline: "2026-12-31" });
  assert.equal(edit.statusCode, 409);
  assert.equal((await taskRow(ta, id)).title, "三会一课记录不规范");
});

test("evidence: oversize and wrong-type files are refused, nothing is written; files are served only to permitted users", async (t) => {
  const ta = await makeApp({ UPLOAD_MAX_MB: "0.01" });
  t.after(ta.close);
  const leader = await login(ta.app, "leadera@t.cn");
  const owner = await login(ta.app, "owner@t.cn");
  const id = await newTask(ta, leader);
  const big = await progress(ta, owner, id, 1, "大文件", [{ filename: "扫描件.pdf", data: Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(20_000, 65)]) }]);
  assert.equal(big.statusCode, 422);
  assert.match(big.body, /文件过大/);
  const exe = await progress(ta, owner, id, 1, "程序", [{ filename: "记录.exe", data: Buffer.from("MZ\x90\x00") }]);
  assert.equal(exe.statusCode, 422);
  assert.match(exe.body, /不支持的文件类型/);
  const renamed = await progress(ta, owner, id, 1, "改名", [{ filename: "记录.pdf", data: Buffer.from("MZ\x90\x00 not a pdf") }]);
  assert.equal(renamed.statusCode, 422);
  assert.match(renamed.body, /内容与扩展名不符/);
  assert.equal(await count(ta, "attachments"), 0);
  assert.equal((await taskRow(ta, id)).progress_count, 0);
  assert.equal((await taskRow(ta, id)).version, 1);
  const ok = await progress(ta, owner, id, 1, "会议照片", [{ filename: "支部会议照片.png", data: PNG_1PX }]);
  assert.equal(ok.statusCode, 303);
  const att = (await ta.db.get<any>("select * from attachments"))!;
  assert.equal(att.sha256.length, 64);
  assert.equal(att.size, PNG_1PX.length);
  const served = await get(ta.app, owner, `/attachments/${att.id}`);
  assert.equal(served.statusCode, 200);
  assert.equal(served.headers["content-type"], "image/png");
  assert.match(String(served.headers["content-disposition"]), /filename\*=UTF-8''%E6%94%AF%E9%83%A8/);
  assert.deepEqual(served.rawPayload, PNG_1PX);
  const stranger = await login(ta.app, "stranger@t.cn");
  assert.equal((await get(ta.app, stranger, `/attachments/${att.id}`)).statusCode, 404);
  assert.equal((await get(ta.app, null, `/attachments/${att.id}`)).statusCode, 303);
  assert.equal((await get(ta.app, null, `/static/../data/evidence`)).statusCode, 404);
});

test("延期申请: one open request; approval moves the deadline and keeps the original", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leadera@t.cn");
  const owner = await login(ta.app, "owner@t.cn");
  const id = await newTask(ta, leader, { deadline: "2026-11-30" });
  const bad = await post(ta.app, owner, `/tasks/${id}/extension`, { version: 1, newDeadline: "2026-11-20", reason: "x" });
  assert.equal(bad.statusCode, 422);
  assert.equal(await count(ta, "extension_requests"), 0);
  assert.equal((await post(ta.app, owner, `/tasks/${id}/extension`, { version: 1, newDeadline: "2026-12-20", reason: "等待批复" })).statusCode, 303);
  const dup = await post(ta.app, owner, `/tasks/${id}/extension`, { version: 2, newDeadline: "2026-12-25", reason: "再申请" });
  assert.equal(dup.statusCode, 422);
  assert.match(dup.body, /已有一项延期申请待审批/);
  const refuseNoReason = await post(ta.app, leader, `/tasks/${id}/extension/decide`, { version: 2, decision: "refuse", reason: "" });
  assert.equal(refuseNoReason.statusCode, 422);
  assert.equal((await post(ta.app, owner, `/tasks/${id}/extension/decide`, { version: 2, decision: "approve" })).statusCode, 403, "the owner cannot approve");
  assert.equal((await post(ta.app, leader, `/tasks/${id}/extension/decide`, { version: 2, decision: "approve" })).statusCode, 303);
  const row = (await taskRow(ta, id));
  assert.equal(row.deadline, "2026-12-20");
  assert.equal(row.original_deadline, "2026-11-30");
  assert.equal((await ta.db.get<any>("select status from extension_requests"))!.status, "approved");
  assert.equal(await count(ta, "task_events", `kind = 'extensionApproved'`), 1);
});

test("a leader's edit of the deadline needs a reason and is recorded", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leadera@t.cn");
  const id = await newTask(ta, leader);
  const form = { version: 1, title: "三会一课记录不规范", unitId: ta.ids.a, ownerId: ta.ids.colleague, leaderId: ta.ids.leaderA, deadlineKind: "dated", deadline: "2027-01-15", goal: "记录当场形成", measures: "组织委员当场记录" };
  const noReason = await post(ta.app, leader, `/tasks/${id}`, form);
  assert.equal(noReason.statusCode, 422);
  assert.match(noReason.body, /修改整改时限须填写理由/);
  assert.equal((await taskRow(ta, id)).owner_id, ta.ids.owner);
  assert.equal((await post(ta.app, leader, `/tasks/${id}`, { ...form, deadlineReason: "上级调整时间安排" })).statusCode, 303);
  const row = (await taskRow(ta, id));
  assert.equal(row.owner_id, ta.ids.colleague);
  assert.equal(row.deadline, "2027-01-15");
  assert.equal(row.original_deadline, "2026-12-31");
  const ev = (await ta.db.get<any>("select * from task_events where kind = 'edited'"))!;
  assert.equal(ev.text, "上级调整时间安排");
  assert.match(ev.data, /责任人/);
  const staff = await login(ta.app, "owner@t.cn");
  assert.equal((await post(ta.app, staff, `/tasks/${id}`, { ...form, version: 2, title: "员工改" })).statusCode, 403);
});

test("where the unit needs no leader's check, the owner's 销号 closes the task at once", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  await ta.db.run("update units set require_signoff_check = 0 where id = ?", [ta.ids.a]);
  const leader = await login(ta.app, "leadera@t.cn");
  const owner = await login(ta.app, "owner@t.cn");
  const id = await newTask(ta, leader);
  await progress(ta, owner, id, 1, "完成", [{ filename: "照片.png", data: PNG_1PX }]);
  const res = await post(ta.app, owner, `/tasks/${id}/request-signoff`, { version: 2 }, { "hx-request": "true" });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers["hx-trigger"], "task-changed");
  const row = (await taskRow(ta, id));
  assert.equal(row.state, "done");
  assert.equal(row.signed_off_by, ta.ids.owner);
  assert.equal(await count(ta, "task_events", `kind = 'closedByOwner' and actor_id = ${ta.ids.owner}`), 1);
});

test("a 责任人 is a person of the chosen unit's tree, never an admin account; the form offers no admin", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leader@t.cn");
  const form = (ownerId: number) => ({ title: "党费收缴不及时", unitId: ta.ids.a, ownerId, deadlineKind: "dated", deadline: "2026-12-31" });
  const admin = await post(ta.app, leader, "/tasks", form(ta.ids.admin));
  assert.equal(admin.statusCode, 422);
  assert.match(admin.body, /系统管理员账号不能作为责任人/);
  const outside = await post(ta.app, leader, "/tasks", form(ta.ids.stranger));
  assert.equal(outside.statusCode, 422);
  assert.match(outside.body, /责任人须为第一党支部（含下级单位）的人员/);
  assert.equal(await count(ta, "tasks"), 0);
  assert.equal((await post(ta.app, leader, "/tasks", form(ta.ids.owner))).statusCode, 303);
  const page = (await get(ta.app, leader, "/tasks/new")).body;
  const owners = page.split('name="ownerId"')[1].split("</select>")[0];
  assert.doesNotMatch(owners, /管理员（/);
  assert.match(owners, new RegExp(`value="${ta.ids.owner}" data-path="/${ta.ids.root}/${ta.ids.a}/"`), "each owner carries its unit's path, for the list to follow the unit");
});

test("佐证材料必传 (a unit setting, on by default): no 申请销号 and no direct 销号 without an evidence file; off, both go through", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leadera@t.cn");
  const owner = await login(ta.app, "owner@t.cn");
  const admin = await login(ta.app, "admin@t.cn");
  const unitForm = (o: Record<string, string>) => ({ code: "a", name: "第一党支部", kind: "branch", parentId: ta.ids.root, ...o });
  assert.equal(await ta.db.value("select require_evidence from units where id = ?", [ta.ids.a]), 1, "on by default");
  const settingText = (await get(ta.app, admin, `/admin/units/${ta.ids.a}`)).body;
  assert.match(settingText, /name="requireEvidence" value="1" checked/);
  assert.match(settingText, /佐证材料必传（勾选后，任务没有佐证材料时，系统拒绝申请销号和销号）/);

  // 申请销号 without a file: refused with the rule's words, nothing changes; the page says what the server does
  const id = await newTask(ta, leader);
  await progress(ta, owner, id, 1, "已整改，材料随后补");
  const page = (await get(ta.app, owner, `/tasks/${id}`)).body;
  assert.match(page, /本单位规定销号须有佐证材料：任务没有佐证材料时，系统不受理申请销号/);
  const refused = await post(ta.app, owner, `/tasks/${id}/request-signoff`, { version: 2 }, { "hx-request": "true" });
  assert.equal(refused.statusCode, 422);
  assert.match(refused.body, /本单位规定销号须有佐证材料/);
  assert.equal((await taskRow(ta, id)).state, "doing");
  assert.equal(await count(ta, "task_events", `task_id = ${id} and kind = 'requestSignOff'`), 0);

  // a direct 销号 (the unit needs no leader's check) is refused the same way
  assert.equal((await post(ta.app, admin, `/admin/units/${ta.ids.a}`, unitForm({ requireEvidence: "1" }))).statusCode, 303);
  assert.equal(await ta.db.value("select require_signoff_check from units where id = ?", [ta.ids.a]), 0);
  const direct = await post(ta.app, owner, `/tasks/${id}/request-signoff`, { version: 2 });
  assert.equal(direct.statusCode, 422);
  assert.match(direct.body, /本单位规定销号须有佐证材料/);
  assert.equal((await taskRow(ta, id)).state, "doing");

  // with a file it goes through
  await progress(ta, owner, id, 2, "补充会议记录", [{ filename: "会议记录.png", data: PNG_1PX }]);
  assert.equal((await post(ta.app, owner, `/tasks/${id}/request-signoff`, { version: 3 })).statusCode, 303);
  assert.equal((await taskRow(ta, id)).state, "done");

  // the admin turns the rule off (on 单位管理): a task without a file may be closed, and the page says so
  assert.equal((await post(ta.app, admin, `/admin/units/${ta.ids.a}`, unitForm({ requireSignoffCheck: "1" }))).statusCode, 303);
  assert.equal(await ta.db.value("select require_evidence from units where id = ?", [ta.ids.a]), 0);
  const id2 = await newTask(ta, leader);
  await progress(ta, owner, id2, 1, "已整改");
  assert.match((await get(ta.app, owner, `/tasks/${id2}`)).body, /本单位未要求佐证材料/);
  assert.equal((await post(ta.app, owner, `/tasks/${id2}/request-signoff`, { version: 2 })).statusCode, 303);
  assert.equal((await taskRow(ta, id2)).state, "review");
  // and back on: the leader's 销号 of a request made meanwhile is refused too
  assert.equal((await post(ta.app, admin, `/admin/units/${ta.ids.a}`, unitForm({ requireSignoffCheck: "1", requireEvidence: "1" }))).statusCode, 303);
  const top = await login(ta.app, "leader@t.cn");
  const signOff = await post(ta.app, top, `/tasks/${id2}/sign-off`, { version: 3 });
  assert.equal(signOff.statusCode, 422);
  assert.equal((await taskRow(ta, id2)).state, "review");
});

test("lists: scope, filters with sub-units, 逾期, paging that keeps the URL, and the htmx fragment", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const top = await login(ta.app, "leader@t.cn");
  for (let i = 0; i < 32; i++) await newTask(ta, top, { title: `支部A任务${i}`, deadline: i < 3 ? "2026-11-24" : "2026-12-31" });
  await newTask(ta, top, { title: "支部B任务", unitId: ta.ids.b, ownerId: ta.ids.stranger });
  await ta.db.run("update tasks set deadline = '2026-11-01' where title = '支部A任务0'");
  const all = await get(ta.app, top, "/tasks");
  assert.match(all.body, /共 <strong>33<\/strong> 项/);
  const byUnit = await get(ta.app, top, `/tasks?unit=${ta.ids.root}`);
  assert.match(byUnit.body, /共 <strong>33<\/strong> 项/, "the root unit includes its sub-units");
  const b = await get(ta.app, top, `/tasks?unit=${ta.ids.b}`);
  assert.match(b.body, /共 <strong>1<\/strong> 项/);
  const overdue = await get(ta.app, top, "/tasks?overdue=1");
  assert.match(overdue.body, /共 <strong>1<\/strong> 项/);
  assert.match(overdue.body, /逾期22天/);
  assert.match(overdue.body, /light-red/);
  const page2 = await get(ta.app, top, `/tasks?unit=${ta.ids.a}&page=2`);
  assert.match(page2.body, /第 2 \/ 2 页/);
  assert.match(page2.body, new RegExp(`href="/tasks\\?unit=${ta.ids.a}&amp;page=1"`));
  const frag = await get(ta.app, top, "/tasks?state=todo", { "hx-request": "true" });
  assert.doesNotMatch(frag.body, /<html/);
  assert.match(frag.body, /^<section id="task-list"/);
  assert.equal(frag.headers.vary, "HX-Request");
  const stranger = await login(ta.app, "stranger@t.cn");
  assert.match((await get(ta.app, stranger, "/tasks")).body, /共 <strong>1<\/strong> 项/, "staff see only their unit");
  const mine = await get(ta.app, stranger, "/tasks/mine");
  assert.match(mine.body, /支部B任务/);
  assert.equal((await get(ta.app, stranger, "/tasks/1")).statusCode, 404);
  const xss = await newTask(ta, top, { title: "<script>alert(1)</script>" });
  const shown = await get(ta.app, top, `/tasks/${xss}`);
  assert.doesNotMatch(shown.body, /<script>alert/);
  assert.match(shown.body, /&lt;script&gt;/);
});

test("admin pages: only admins; rating a branch 后进 offers a 整顿转化 task linked to it", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leader@t.cn");
  assert.equal((await get(ta.app, leader, "/admin/units")).statusCode, 403);
  assert.equal((await post(ta.app, leader, `/admin/units/${ta.ids.a}`, { code: "a", name: "x", kind: "branch" })).statusCode, 403);
  const admin = await login(ta.app, "admin@t.cn");
  const res = await post(ta.app, admin, `/admin/units/${ta.ids.a}`, { code: "a", name: "第一党支部", kind: "branch", parentId: ta.ids.root, rating: "backward", ratingYear: 2026, requireSignoffCheck: "1", secretaryId: ta.ids.owner, overseerId: ta.ids.leader });
  assert.equal(res.statusCode, 303);
  assert.equal(res.headers.location, `/admin/units/${ta.ids.a}?offer=1`);
  const offer = await get(ta.app, admin, String(res.headers.location));
  const link = /href="(\/tasks\/new\?[^"]+)"/.exec(offer.body)![1].replaceAll("&amp;", "&");
  assert.match(link, new RegExp(`owner=${ta.ids.owner}`));
  assert.match(link, new RegExp(`leader=${ta.ids.leader}`));
  const form = await get(ta.app, admin, link);
  assert.match(form.body, /整顿转化任务/);
  assert.match(form.body, new RegExp(`name="linkedUnitId" value="${ta.ids.a}"`));
  const cycle = await post(ta.app, admin, `/admin/units/${ta.ids.root}`, { code: "root", name: "测试党委", kind: "committee", parentId: ta.ids.a });
  assert.equal(cycle.statusCode, 422);
  assert.match(cycle.body, /不能把单位移到它自己或其下级单位之下/);
  const flagged = await get(ta.app, admin, "/tasks?flagged=1");
  assert.equal(flagged.statusCode, 200);
  const user = await post(ta.app, admin, "/admin/users", { email: "new@t.cn", name: "新人", role: "staff", unitId: ta.ids.b, password: "short" });
  assert.equal(user.statusCode, 422);
  assert.match(user.body, /密码至少 8 位/);
  assert.equal(await count(ta, "users", "email = 'new@t.cn'"), 0);
});

test("a deactivated account cannot sign in and its sessions end", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const owner = await login(ta.app, "owner@t.cn");
  const admin = await login(ta.app, "admin@t.cn");
  const res = await post(ta.app, admin, `/admin/users/${ta.ids.owner}`, { email: "owner@t.cn", name: "李干事", role: "staff", unitId: ta.ids.a });
  assert.equal(res.statusCode, 303);
  assert.equal((await get(ta.app, owner, "/tasks")).statusCode, 303);
  await assert.rejects(login(ta.app, "owner@t.cn"), /401/);
  assert.equal((await ta.db.select({ n: sql<number>`count(*)` }).from(sql`sessions`))[0]!.n >= 1, true);
});
