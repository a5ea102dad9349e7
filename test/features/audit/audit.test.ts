// 安全审计: each kind of event written once with who, what, from where and the outcome; the log
// refuses to be edited; the roles' access to 审计日志 and 安全管理; the retention purge.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp, login, post, get, multipart, csrfOf, miniPdf, PASSWORD, type TestApp, type Session } from "../../helpers/app.ts";
import { createUser } from "../../../server/features/admin/service.ts";
import { makeDocx } from "../reports/extract/helpers.ts";
import { listAudit, purgeAudit, recordAudit } from "../../../server/features/audit/service.ts";
import { maintain } from "../../../server/lib/maintenance.ts";
import { canReadAudit, canManageSecurity, grantableRoles, mayOpen, ROLES } from "../../../server/features/auth/permissions.ts";

type Row = { id: number; at: string; user_id: number | null; user_name: string; action: string; target: string; outcome: string; address: string; user_agent: string; detail: string };
const rows = (ta: TestApp, action?: string) => ta.db.all<Row>(`select * from audit_log${action ? " where action = ?" : ""} order by id`, action ? [action] : []);
const UA = "Mozilla/5.0 (审计测试)";

async function signIn(ta: TestApp, email: string, password = PASSWORD, ip = "198.51.100.7") {
  const headers = { "x-forwarded-for": ip, "user-agent": UA };
  const page = await ta.app.inject({ url: "/login", headers });
  const pre = String(page.headers["set-cookie"]).split(";")[0];
  const res = await ta.app.inject({ method: "POST", url: "/login", headers: { cookie: pre, ...headers }, payload: { email, password, _csrf: csrfOf(page.body) } });
  return { res, pre };
}
async function withOversight(ta: TestApp) {
  const security = await createUser(ta.db, { email: "sec@t.cn", name: "安全员", role: "security", unitId: ta.ids.root, password: PASSWORD });
  const auditor = await createUser(ta.db, { email: "audit@t.cn", name: "审计员", role: "auditor", unitId: ta.ids.root, password: PASSWORD });
  return { security, auditor };
}
/** login() reads its token from /tasks, which the oversight roles may not open: theirs from /profile */
async function loginOversight(ta: TestApp, email: string): Promise<Session> {
  const { res, pre } = await signIn(ta, email);
  assert.equal(res.statusCode, 303);
  const cookie = [String(res.headers["set-cookie"]).split(";")[0], pre].join("; ");
  const profile = await ta.app.inject({ url: "/profile", headers: { cookie } });
  return { cookie, csrf: csrfOf(profile.body), email };
}
function form(ta: TestApp, s: Session, url: string, pairs: [string, string][]) {
  return ta.app.inject({ method: "POST", url, headers: { cookie: s.cookie, "content-type": "application/x-www-form-urlencoded" }, payload: new URLSearchParams([["_csrf", s.csrf], ...pairs]).toString() });
}

test("sign-in, failure, lockout, sign-out and password change: one entry each, with address and browser; the client learns nothing of it", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const ok = await signIn(ta, "owner@t.cn");
  assert.equal(ok.res.statusCode, 303);
  const [first] = await rows(ta, "login");
  assert.deepEqual(
    { user: first.user_id, name: first.user_name, outcome: first.outcome, address: first.address, ua: first.user_agent, target: first.target },
    { user: ta.ids.owner, name: "李干事", outcome: "ok", address: "198.51.100.7", ua: UA, target: "owner@t.cn" },
  );
  assert.equal(first.at, ta.clock.now.toISOString());

  // an unknown email: logged as a failure with what was typed, the answer the same as for a known one
  const unknown = await signIn(ta, "ghost@t.cn", "whatever-1", "203.0.113.5");
  const knownWrong = await signIn(ta, "colleague@t.cn", "whatever-1", "203.0.113.5");
  assert.equal(unknown.res.statusCode, 401);
  const msg = (b: string) => /role="alert"[^>]*>([^<]*)</.exec(b)?.[1];
  assert.equal(msg(unknown.res.body), msg(knownWrong.res.body));
  assert.doesNotMatch(unknown.res.body, /审计|不存在|未注册/);
  const fails = (await rows(ta, "login")).filter((r) => r.outcome === "fail");
  assert.equal(fails.length, 2);
  assert.deepEqual([fails[0].user_id, fails[0].user_name, fails[0].address], [null, "ghost@t.cn", "203.0.113.5"]);
  assert.deepEqual([fails[1].user_id, fails[1].user_name], [ta.ids.colleague, "colleague@t.cn"]);

  for (let i = 0; i < 4; i++) await signIn(ta, "colleague@t.cn", "whatever-1", "203.0.113.5");
  const locks = await rows(ta, "lockout");
  assert.equal(locks.length, 1, "one lockout entry when the lock falls");
  assert.deepEqual([locks[0].user_id, locks[0].target, locks[0].address, locks[0].outcome], [ta.ids.colleague, "colleague@t.cn", "203.0.113.5", "fail"]);

  const s = await login(ta.app, "owner@t.cn");
  const pw = await post(ta.app, s, "/profile/password", { current: PASSWORD, password: "NewPass1234", confirm: "NewPass1234" });
  assert.equal(pw.statusCode, 303);
  const pws = await rows(ta, "password");
  assert.equal(pws.length, 1);
  assert.deepEqual([pws[0].user_id, pws[0].outcome, pws[0].target], [ta.ids.owner, "ok", "owner@t.cn"]);
  await post(ta.app, s, "/logout", {});
  const outs = await rows(ta, "logout");
  assert.equal(outs.length, 1);
  assert.equal(outs[0].user_id, ta.ids.owner);
});

test("admin actions, exports, downloads, imports and denied requests: one entry each with who, what and the outcome", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const admin = await login(ta.app, "admin@t.cn");
  const before = (await rows(ta)).length;
  assert.equal((await post(ta.app, admin, "/admin/units", { code: "c", name: "第三党支部", kind: "branch", parentId: ta.ids.root, requireSignoffCheck: "1" })).statusCode, 303);
  const unitId = Number((await rows(ta, "unit.create"))[0].target.replace(/\D/g, ""));
  assert.equal((await post(ta.app, admin, `/admin/units/${unitId}`, { code: "c", name: "第三党支部（改）", kind: "branch", parentId: ta.ids.root, requireSignoffCheck: "1" })).statusCode, 303);
  assert.equal((await post(ta.app, admin, "/admin/settings", { yellowDays: 5, periodEnd: "2026-12-31" })).statusCode, 303);
  assert.equal((await post(ta.app, admin, "/admin/users", { email: "new@t.cn", name: "新同志", role: "staff", unitId: ta.ids.a, password: "Passw0rd99" })).statusCode, 303);
  const newId = Number((await rows(ta, "account.create"))[0].target.replace(/\D/g, ""));
  assert.equal((await post(ta.app, admin, `/admin/users/${newId}`, { email: "new@t.cn", name: "新同志", role: "leader", unitId: ta.ids.a, active: "1" })).statusCode, 303);
  for (const a of ["unit.create", "unit.update", "settings.update", "account.create", "account.update"]) {
    const r = await rows(ta, a);
    assert.equal(r.length, 1, a);
    assert.deepEqual([r[0].user_id, r[0].outcome], [ta.ids.admin, "ok"], a);
  }
  assert.match((await rows(ta, "account.update"))[0].detail, /角色/);
  assert.match((await rows(ta, "settings.update"))[0].detail, /黄灯天数 5/);

  // admin may not grant the oversight roles, nor read the audit log: refused, and the refusal logged
  const grant = await post(ta.app, admin, "/admin/users", { email: "x@t.cn", name: "x", role: "auditor", unitId: ta.ids.a, password: "Passw0rd99" });
  assert.equal(grant.statusCode, 422);
  assert.match(grant.body, /安全管理员授予/);
  assert.equal((await get(ta.app, admin, "/audit")).statusCode, 403);
  const denied = await rows(ta, "denied");
  assert.equal(denied.length, 1);
  assert.deepEqual([denied[0].user_id, denied[0].target, denied[0].outcome], [ta.ids.admin, "GET /audit", "denied"]);
  assert.equal((await rows(ta)).length, before + 6);

  // an import, its confirmation, the report's file, the ledger, the .docx, an evidence file
  const leader = await login(ta.app, "leader@t.cn");
  const docx = makeDocx("第一党支部2026年度自查报告\n\n二、存在问题\n1.支委会召开不经常，有时以例会代替支委会。\n\n三、整改措施\n1.严格落实支委会每月召开制度。");
  const mp = multipart({ _csrf: leader.csrf, unitId: String(ta.ids.root), title: "" }, [{ name: "file", filename: "自查报告.docx", data: docx }]);
  const up = await ta.app.inject({ method: "POST", url: "/reports/import", headers: { cookie: leader.cookie, ...mp.headers }, payload: mp.payload });
  assert.equal(up.statusCode, 303, up.body.slice(0, 300));
  const draftId = Number(/drafts\/(\d+)/.exec(String(up.headers.location))![1]);
  const keys = (JSON.parse((await ta.db.value<string>("select items_json from import_drafts where id = ?", [draftId]))!) as { key: string }[]).map((x) => x.key);
  await form(ta, leader, `/reports/drafts/${draftId}/ops`, [["op", "bulk"], ...keys.map((k): [string, string] => ["keys", k]), ["unitId", String(ta.ids.a)], ["ownerId", String(ta.ids.owner)], ["leaderId", String(ta.ids.leaderA)], ["deadline", "2026-12-20"], ["deadlineKind", ""], ["measures", ""]]);
  const done = await form(ta, leader, `/reports/drafts/${draftId}/confirm`, []);
  assert.equal(done.statusCode, 303, done.body.slice(0, 300));
  const reportId = Number(/\/reports\/(\d+)$/.exec(String(done.headers.location))![1]);
  assert.equal((await get(ta.app, leader, `/reports/${reportId}/original`)).statusCode, 200);
  assert.equal((await get(ta.app, leader, `/ledger.xlsx?report=${reportId}`)).statusCode, 200);
  assert.equal((await get(ta.app, leader, `/reports/${reportId}/export.docx`)).statusCode, 200);
  const owner = await login(ta.app, "owner@t.cn");
  const taskId = (await ta.db.value<number>("select id from tasks"))!;
  const ev = multipart({ _csrf: owner.csrf, version: "1", text: "已整改" }, [{ name: "files", filename: "记录.pdf", data: miniPdf() }]);
  assert.equal((await ta.app.inject({ method: "POST", url: `/tasks/${taskId}/progress`, headers: { cookie: owner.cookie, ...ev.headers }, payload: ev.payload })).statusCode, 303);
  const attId = (await ta.db.value<number>("select id from attachments"))!;
  assert.equal((await get(ta.app, owner, `/attachments/${attId}`)).statusCode, 200);
  const want: [string, number, RegExp][] = [
    ["import.upload", ta.ids.leader, /草稿/],
    ["import.confirm", ta.ids.leader, new RegExp(`报告 ${reportId}`)],
    ["download.report-file", ta.ids.leader, new RegExp(`报告 ${reportId}`)],
    ["export.ledger", ta.ids.leader, /ledger\.xlsx/],
    ["export.report", ta.ids.leader, new RegExp(`报告 ${reportId}`)],
    ["download.evidence", ta.ids.owner, new RegExp(`佐证材料 ${attId}`)],
  ];
  for (const [action, user, target] of want) {
    const r = await rows(ta, action);
    assert.equal(r.length, 1, action);
    assert.equal(r[0].user_id, user, action);
    assert.match(r[0].target, target, action);
    assert.equal(r[0].outcome, "ok", action);
  }
});

test("the log is append-only: the database refuses UPDATE and any DELETE younger than 180 days; the nightly purge removes only what is older than AUDIT_RETENTION_DAYS", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const now = new Date();
  const day = 86_400_000;
  for (const daysAgo of [400, 200, 100, 1]) await recordAudit(ta.db, { at: new Date(now.getTime() - daysAgo * day).toISOString(), userId: null, userName: `${daysAgo}`, action: "login", outcome: "ok" });
  await assert.rejects(ta.db.run("UPDATE audit_log SET outcome = 'ok', user_name = 'x'"), /append-only/);
  await assert.rejects(ta.db.run("DELETE FROM audit_log"), /at least 180 days/);
  await assert.rejects(ta.db.run("DELETE FROM audit_log WHERE user_name = '1'"), /at least 180 days/);
  assert.equal((await rows(ta)).length, 4, "nothing changed");
  // retention 300 days: only the 400-day-old row goes
  assert.equal(await purgeAudit(ta.db, 300, now), 1);
  assert.deepEqual((await rows(ta)).map((r) => r.user_name), ["200", "100", "1"]);
  // a retention below the floor acts as 180
  assert.equal(await purgeAudit(ta.db, 30, now), 1);
  assert.deepEqual((await rows(ta)).map((r) => r.user_name), ["100", "1"]);
  // the nightly maintenance runs the purge
  await recordAudit(ta.db, { at: new Date(now.getTime() - 365 * day).toISOString(), userId: null, userName: "old", action: "login", outcome: "ok" });
  await maintain(ta.db, { auditRetentionDays: 180, now });
  assert.deepEqual((await rows(ta)).map((r) => r.user_name), ["100", "1"]);
});

test("AUDIT_RETENTION_DAYS: 180 by default, less refused at start with a message naming it", async () => {
  const { loadConfig, ConfigError } = await import("../../../server/config.ts");
  const env = { SESSION_SECRET: "x".repeat(40) };
  assert.equal(loadConfig(env).auditRetentionDays, 180);
  assert.equal(loadConfig({ ...env, AUDIT_RETENTION_DAYS: "365" }).auditRetentionDays, 365);
  assert.throws(() => loadConfig({ ...env, AUDIT_RETENTION_DAYS: "90" }), (e: unknown) => e instanceof ConfigError && /AUDIT_RETENTION_DAYS/.test(e.message) && /180/.test(e.message));
});

test("三员分立 in the rules: the auditor alone reads the log, the security officer alone gives roles, admin only the working roles", () => {
  assert.deepEqual(ROLES.filter((role) => canReadAudit({ role })), ["auditor"]);
  assert.deepEqual(ROLES.filter((role) => canManageSecurity({ role })), ["security"]);
  assert.deepEqual(grantableRoles({ role: "admin" }), ["leader", "staff"]);
  assert.deepEqual(grantableRoles({ role: "security" }), ROLES);
  assert.deepEqual(grantableRoles({ role: "auditor" }), []);
  assert.ok(mayOpen("auditor", "/audit?user=3") && mayOpen("auditor", "/audit.xlsx") && mayOpen("auditor", "/profile"));
  assert.ok(!mayOpen("auditor", "/tasks") && !mayOpen("auditor", "/auditx") && !mayOpen("auditor", "/security") && !mayOpen("auditor", "/ledger.xlsx"));
  assert.ok(mayOpen("security", "/security/users/3/role") && !mayOpen("security", "/audit") && !mayOpen("security", "/admin/users"));
  assert.ok(mayOpen("admin", "/admin/users") && mayOpen("leader", "/tasks"));
});

test("roles' access: the auditor reads, filters, pages and exports 审计日志 and opens nothing else; admin, security and leaders get 403", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  await withOversight(ta);
  for (let i = 0; i < 60; i++) await recordAudit(ta.db, { at: new Date(Date.UTC(2026, 10, 1 + (i % 20), 3)).toISOString(), userId: i % 2 ? ta.ids.owner : ta.ids.leader, userName: i % 2 ? "李干事" : "王书记", action: i % 3 ? "login" : "export.ledger", outcome: "ok", address: "10.0.0.1" });
  for (const email of ["admin@t.cn", "leader@t.cn", "sec@t.cn"]) {
    const s = email === "sec@t.cn" ? await loginOversight(ta, email) : await login(ta.app, email);
    assert.equal((await get(ta.app, s, "/audit")).statusCode, 403, email);
    assert.equal((await get(ta.app, s, "/audit.xlsx")).statusCode, 403, email);
  }
  const a = await loginOversight(ta, "audit@t.cn");
  const home = await get(ta.app, a, "/");
  assert.equal(home.statusCode, 303);
  assert.equal(home.headers.location, "/audit");
  for (const url of ["/tasks", "/reports", "/search?q=党", "/ledger.xlsx", "/admin/users", "/security"]) assert.equal((await get(ta.app, a, url)).statusCode, 403, url);

  const page1 = await get(ta.app, a, "/audit");
  assert.equal(page1.statusCode, 200);
  assert.equal((page1.body.match(/<tr id="audit-/g) ?? []).length, 50, "a page of 50");
  const next = /href="\/audit\?before=(\d+)"/.exec(page1.body.replace(/&amp;/g, "&"));
  assert.ok(next, "a link to older entries");
  const page2 = await get(ta.app, a, `/audit?before=${next![1]}`);
  assert.ok((page2.body.match(/<tr id="audit-/g) ?? []).length > 0);

  const byPerson = await listAudit(ta.db, { userId: ta.ids.owner, action: "login" });
  assert.ok(byPerson.rows.length > 0 && byPerson.rows.every((r) => r.userId === ta.ids.owner && r.action === "login"));
  const filtered = await get(ta.app, a, `/audit?user=${ta.ids.owner}&action=login&from=2026-11-03&to=2026-11-05`);
  const ids = [...filtered.body.matchAll(/<tr id="audit-(\d+)"/g)].map((m) => Number(m[1]));
  const expect = await ta.db.column<number>("select id from audit_log where user_id = ? and action = 'login' and at >= '2026-11-02T16:00:00.000Z' and at < '2026-11-05T16:00:00.000Z' order by id desc", [ta.ids.owner]);
  assert.ok(expect.length > 0);
  assert.deepEqual(ids, expect);

  const x = await get(ta.app, a, `/audit.xlsx?action=export.ledger`);
  assert.equal(x.statusCode, 200);
  assert.equal(x.rawPayload.subarray(0, 2).toString(), "PK");
  const ExcelJS = (await import("exceljs")).default;
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
  const ws = wb.getWorksheet("审计日志")!;
  assert.equal(ws.rowCount - 1, 20, "the 20 ledger exports");
  assert.equal(ws.getRow(2).getCell(4).value, "导出整改台账");
  const exp = await rows(ta, "export.audit");
  assert.equal(exp.length, 1, "the export is itself logged");
  assert.match(exp[0].detail, /20 条/);
});

test("安全管理: the security officer changes a role (logged, sessions ended) and lifts a lockout; not their own role", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { security } = await withOversight(ta);
  for (let i = 0; i < 5; i++) await signIn(ta, "owner@t.cn", "bad-pass-1", "203.0.113.7");
  const s = await loginOversight(ta, "sec@t.cn");
  const page = await get(ta.app, s, "/security");
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /203\.0\.113\.7/);
  const owner = await login(ta.app, "owner@t.cn");
  assert.equal((await post(ta.app, s, `/security/users/${ta.ids.owner}/role`, { role: "leader" })).statusCode, 303);
  assert.equal(await ta.db.value<string>("select role from users where id = ?", [ta.ids.owner]), "leader");
  assert.equal((await get(ta.app, owner, "/tasks")).statusCode, 303, "the changed account signs in again");
  const rc = await rows(ta, "role.change");
  assert.equal(rc.length, 1);
  assert.deepEqual([rc[0].user_id, rc[0].target, rc[0].detail], [security, `账号 ${ta.ids.owner}`, "工作人员 → 领导"]);
  const self = await post(ta.app, s, `/security/users/${security}/role`, { role: "auditor" });
  assert.equal(self.statusCode, 422);
  assert.match(self.body, /不能变更自己的角色/);
  assert.equal((await post(ta.app, s, "/security/lockouts/lift", { email: "owner@t.cn", address: "203.0.113.7" })).statusCode, 303);
  assert.equal((await signIn(ta, "owner@t.cn", PASSWORD, "203.0.113.7")).res.statusCode, 303, "signs in from that address again");
  const lift = await rows(ta, "lockout.lift");
  assert.equal(lift.length, 1);
  assert.equal(lift[0].user_id, security);
  const admin = await login(ta.app, "admin@t.cn");
  assert.equal((await get(ta.app, admin, "/security")).statusCode, 403);
  assert.equal((await get(ta.app, admin, `/admin/users/${security}`)).statusCode, 403, "admin keeps off the oversight accounts");
});
