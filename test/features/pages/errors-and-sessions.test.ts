// Every error is a page (or, for htmx, a message in the layout's message area), from inside the
// features too; a post whose session has ended keeps what was typed through the sign-in and is
// sent again, with the new session's CSRF token, when its author confirms it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp, login, get, csrfOf, multipart, PNG_1PX, type TestApp, type Session } from "../../helpers/app.ts";

const HTML = { accept: "text/html,application/xhtml+xml" };

function newTask(ta: TestApp, s: Session, title = "党费收缴不及时问题突出") {
  return ta.app
    .inject({ method: "POST", url: "/tasks", headers: { cookie: s.cookie }, payload: { _csrf: s.csrf, title, unitId: String(ta.ids.a), ownerId: String(ta.ids.owner), leaderId: String(ta.ids.leaderA), deadlineKind: "dated", deadline: "2026-12-31" } })
    .then((r) => Number(String(r.headers.location).split("/").pop()));
}

/** a whole page in the layout: Chinese, titled, with the message and a way on */
function assertErrorPage(body: string, title: string, message: RegExp) {
  assert.match(body, /^<!doctype html>\s*<html lang="zh-CN">/);
  assert.match(body, new RegExp(`<title>${title} · 整改台账</title>`));
  assert.match(body, message);
  assert.match(body, /<a href="\/"[^>]*>回到首页<\/a>|<a href="\/login"/, "a way on");
  assert.doesNotMatch(body, /"statusCode"/);
}

const hidden = (html: string) =>
  [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(([, k, v]) => [k, v.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")] as [string, string]);

test("errors inside the features are pages in the layout: 404, 403, a stale token, a 500", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leadera@t.cn");
  const id = await newTask(ta, leader);

  const missing = await get(ta.app, leader, "/tasks/9999", HTML);
  assert.equal(missing.statusCode, 404);
  assertErrorPage(missing.body, "未找到", /未找到该任务/);
  assert.match(missing.body, /<a href="\/tasks"[^>]*>任务列表<\/a>/);

  const nowhere = await get(ta.app, leader, "/no/such/page", HTML);
  assert.equal(nowhere.statusCode, 404);
  assertErrorPage(nowhere.body, "页面不存在", /您访问的页面不存在/);

  const stale = await ta.app.inject({ method: "POST", url: `/tasks/${id}/sign-off`, headers: { cookie: leader.cookie, ...HTML, referer: `http://localhost:80/tasks/${id}` }, payload: { _csrf: "stale-token", version: "1" } });
  assert.equal(stale.statusCode, 403);
  assertErrorPage(stale.body, "无权操作", /页面已过期或请求来源无效/);

  const staff = await login(ta.app, "owner@t.cn");
  const refused = await get(ta.app, staff, "/reports/import", HTML);
  assert.equal(refused.statusCode, 403);
  assertErrorPage(refused.body, "无权操作", /只有领导和管理员可以导入自查报告/);

  // htmx: the message goes to the layout's message area; the region that asked stays as it was
  const hx = await ta.app.inject({ method: "POST", url: `/tasks/${id}/sign-off`, headers: { cookie: leader.cookie, "hx-request": "true", "x-csrf-token": "stale-token" }, payload: { version: "1" } });
  assert.equal(hx.statusCode, 403);
  assert.equal(hx.headers["hx-retarget"], "#flash");
  assert.doesNotMatch(hx.body, /<html/);
  assert.match(hx.body, /data-message[^>]*>.*页面已过期/);

  // a sign-in page left open too long: the sign-in page again, not a refusal
  const oldLogin = await ta.app.inject({ method: "POST", url: "/login", headers: { ...HTML, cookie: "rectify_pre=" + "a".repeat(24) }, payload: { _csrf: "old", email: "leadera@t.cn", password: "x" } });
  assert.equal(oldLogin.statusCode, 403);
  assert.match(oldLogin.body, /<html lang="zh-CN">[\s\S]*<title>登录 · 整改台账<\/title>[\s\S]*页面已过期，请重新登录/);
  assert.match(oldLogin.body, /name="email" value="leadera@t.cn"/);

  // a failure inside a feature (its table gone) is a 500 page that hides the details
  await ta.db.exec("alter table task_events rename to task_events_gone");
  const broken = await get(ta.app, leader, `/tasks/${id}`, HTML);
  assert.equal(broken.statusCode, 500);
  assertErrorPage(broken.body, "出错了", /服务器内部错误，请稍后重试/);
  assert.doesNotMatch(broken.body, /task_events|SqliteError/);
  await ta.db.exec("alter table task_events_gone rename to task_events");
});

test("a form posted after the session ended keeps its text through the sign-in and is sent again with a fresh token", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leadera@t.cn");
  const id = await newTask(ta, leader);
  const owner = await login(ta.app, "owner@t.cn");
  const mp0 = multipart({ _csrf: owner.csrf, version: "1", text: "已开展自查" }, [{ name: "files", filename: "自查记录.png", data: PNG_1PX, type: "image/png" }]);
  await ta.app.inject({ method: "POST", url: `/tasks/${id}/progress`, headers: { cookie: owner.cookie, ...mp0.headers }, payload: mp0.payload });
  await ta.app.inject({ method: "POST", url: `/tasks/${id}/request-signoff`, headers: { cookie: owner.cookie }, payload: { _csrf: owner.csrf, version: "2" } });
  const page = await get(ta.app, leader, `/tasks/${id}`, HTML);
  const version = /name="version" value="(\d+)"/.exec(page.body)![1];

  // the session ends (as the idle timeout would) while the leader types a reason
  ta.clock.now = new Date(ta.clock.now.getTime() + ta.config.sessionTtlMs + 60_000);
  const reason = '请补充 10 月支委会 "会议记录" <签到表>\n及照片';
  const expired = await ta.app.inject({ method: "POST", url: `/tasks/${id}/send-back`, headers: { cookie: leader.cookie, ...HTML }, payload: { _csrf: leader.csrf, version, reason } });
  assert.equal(expired.statusCode, 401);
  assert.match(expired.body, /<html lang="zh-CN">/);
  assert.match(expired.body, /登录已过期，请重新登录。您填写的内容已保留/);
  const carried = hidden(expired.body);
  assert.deepEqual(carried.find(([k]) => k === "carryAction"), ["carryAction", `/tasks/${id}/send-back`]);
  assert.deepEqual(carried.find(([k]) => k === "carry.reason"), ["carry.reason", reason]);
  assert.ok(!carried.some(([k]) => k === "carry._csrf"), "the old token is not carried");
  assert.equal(await ta.db.value("select state from tasks where id = ?", [id]), "review", "nothing changed");

  // sign in from that page: the carried post comes back to confirm, with the new session's token
  const form = Object.fromEntries(carried.filter(([k]) => k !== "email"));
  const pre = String(expired.headers["set-cookie"] ?? "").split(";")[0];
  const cookie = [pre, leader.cookie].filter(Boolean).join("; ");
  const signIn = await ta.app.inject({ method: "POST", url: "/login", headers: { cookie }, payload: { ...form, email: "leadera@t.cn", password: "test1234pass" } });
  assert.equal(signIn.statusCode, 200);
  assert.match(signIn.body, /<h1>继续提交<\/h1>/);
  assert.ok(signIn.body.includes("请补充 10 月支委会 &quot;会议记录&quot; &lt;签到表&gt;"), "what will be sent is shown");
  const session = String(signIn.headers["set-cookie"]).split(";")[0];
  const fresh = csrfOf(signIn.body);
  assert.notEqual(fresh, leader.csrf);
  const replay = Object.fromEntries(hidden(signIn.body.slice(signIn.body.indexOf(`action="/tasks/${id}/send-back"`))));
  assert.equal(replay._csrf, fresh);
  assert.equal(replay.reason, reason);
  const sent = await ta.app.inject({ method: "POST", url: `/tasks/${id}/send-back`, headers: { cookie: session, ...HTML }, payload: replay });
  assert.equal(sent.statusCode, 303);
  const row = await ta.db.get<{ state: string; text: string }>("select state, (select text from task_events where task_id = tasks.id order by id desc limit 1) AS text from tasks where id = ?", [id]);
  assert.deepEqual(row, { state: "doing", text: reason });
});

test("an expired session keeps a multipart form's text (not its files) and htmx gets the sign-in form in <main>", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leadera@t.cn");
  const id = await newTask(ta, leader);
  const owner = await login(ta.app, "owner@t.cn");
  await ta.db.run("delete from sessions");

  const mp = multipart({ _csrf: owner.csrf, version: "1", text: "10月开展红色教育基地现场教学" }, [{ name: "files", filename: "照片.png", data: Buffer.from("png") }]);
  const expired = await ta.app.inject({ method: "POST", url: `/tasks/${id}/progress`, headers: { cookie: owner.cookie, ...HTML, ...mp.headers }, payload: mp.payload });
  assert.equal(expired.statusCode, 401);
  const carried = hidden(expired.body);
  assert.deepEqual(carried.find(([k]) => k === "carry.text"), ["carry.text", "10月开展红色教育基地现场教学"]);
  assert.ok(carried.some(([k, v]) => k === "carryMultipart" && v === "1"));
  const signIn = await ta.app.inject({ method: "POST", url: "/login", headers: { cookie: owner.cookie }, payload: { ...Object.fromEntries(carried), email: "owner@t.cn", password: "test1234pass" } });
  assert.match(signIn.body, /enctype="multipart\/form-data"/);
  assert.match(signIn.body, /上传的文件无法随登录保留/);
  const fields = Object.fromEntries(hidden(signIn.body.slice(signIn.body.indexOf(`action="/tasks/${id}/progress"`))));
  const again = multipart(fields, []);
  const session = String(signIn.headers["set-cookie"]).split(";")[0];
  const sent = await ta.app.inject({ method: "POST", url: `/tasks/${id}/progress`, headers: { cookie: session, ...HTML, ...again.headers }, payload: again.payload });
  assert.equal(sent.statusCode, 303);
  assert.equal(await ta.db.value("select progress_count from tasks where id = ?", [id]), 1);

  const hx = await ta.app.inject({ method: "POST", url: `/tasks/${id}/request-signoff`, headers: { cookie: owner.cookie, "hx-request": "true", "x-csrf-token": owner.csrf }, payload: { _csrf: owner.csrf, version: "2", note: "已整改" } });
  assert.equal(hx.statusCode, 401);
  assert.equal(hx.headers["hx-retarget"], "#main");
  assert.doesNotMatch(hx.body, /<html/);
  assert.match(hx.body, /name="carry.note" value="已整改"/);

  // a post from another site (no SameSite cookie comes with it) is refused, not carried to a sign-in
  const forged = await ta.app.inject({ method: "POST", url: `/tasks/${id}/request-signoff`, headers: HTML, payload: { version: "2", note: "伪造" } });
  assert.equal(forged.statusCode, 403);
  assert.doesNotMatch(forged.body, /伪造/);
});

test("pages: a skip link, one live region, the flash once, task pages titled with the task, lights with a role and words", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leadera@t.cn");
  const title = "主题党日活动形式单一，党员参与积极性不高，需要加强组织和引导工作";
  const created = await ta.app.inject({ method: "POST", url: "/tasks", headers: { cookie: leader.cookie }, payload: { _csrf: leader.csrf, title, unitId: String(ta.ids.a), ownerId: String(ta.ids.owner), deadlineKind: "dated", deadline: "2026-12-31" } });
  const flash = String(created.headers["set-cookie"] ?? "").split(";")[0];
  assert.match(flash, /^rectify_flash=/);
  const page = await get(ta.app, { ...leader, cookie: `${leader.cookie}; ${flash}` }, String(created.headers.location));
  assert.ok(page.body.includes(`<title>${title} · 整改台账</title>`), "the task's title, not just 整改台账");
  assert.match(page.body, /<a class="skip-link" href="#main">跳到正文<\/a>/);
  assert.match(page.body, /<main id="main"[^>]*tabindex="-1"/);
  assert.equal(page.body.match(/任务已创建/g)?.length, 1, "the flash once");
  assert.equal(page.body.match(/<[^>]*(aria-live|role="(status|alert)")[^>]*>/g)?.length, 1, "one live region");
  const list = await get(ta.app, leader, "/tasks");
  assert.match(list.body, /<span class="light light-green" role="img" title="绿灯：未到期" aria-label="绿灯：未到期"><\/span>/);
});
