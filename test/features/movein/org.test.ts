// Units and people come in from the office's files: preview, nothing written until 确认导入,
// re-import changes nothing, a changed row updates with history; new people get one-time links by real mail.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp, login, get, post, multipart, type Session, type TestApp } from "../../helpers/app.ts";
import { startSmtp } from "../reminders/helpers.ts";
import { xlsx, xls, csvGb18030, UNIT_ROWS, PEOPLE_ROWS } from "./files.ts";

function upload(ta: TestApp, s: Session, kind: string, filename: string, data: Buffer, fields: Record<string, string> = {}) {
  const mp = multipart({ _csrf: s.csrf, ...fields }, [{ name: "file", filename, data }]);
  return ta.app.inject({ method: "POST", url: `/movein/${kind}`, headers: { cookie: s.cookie, ...mp.headers }, payload: mp.payload });
}
const draftOf = (res: { statusCode: number; headers: Record<string, unknown>; body: string }) => {
  assert.equal(res.statusCode, 303, res.body.slice(0, 400));
  return String(res.headers.location);
};
const count = async (ta: TestApp, table: string) => Number(await ta.db.value(`SELECT count(*) FROM ${table}`));
const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

test("units: preview with refusals in Chinese, nothing written until 确认导入, re-import changes nothing, a changed row updates with history", async () => {
  const ta = await makeApp();
  try {
    const admin = await login(ta.app, "admin@t.cn");
    const file = await xlsx([{ rows: UNIT_ROWS, merges: [[1, 1, 1, 7]] }]);
    const before = await count(ta, "units");
    const url = draftOf(await upload(ta, admin, "units", "组织架构.xlsx", file));
    const page = await get(ta.app, admin, url);
    assert.equal(page.statusCode, 200);
    const t = text(page.body);
    assert.match(t, /将新增 3 个，更新 0 个，无变化 0 个，不能导入 3 行/);
    assert.match(t, /上级单位不存在：“不存在的党委”/);
    assert.match(t, /单位隶属关系成环：甲支部 → 乙支部 → 甲支部/);
    assert.equal(await count(ta, "units"), before, "a preview writes nothing");

    const done = await post(ta.app, admin, `${url}/confirm`, {});
    assert.equal(done.statusCode, 200, done.body.slice(0, 300));
    assert.match(text(done.body), /新增 3 个/);
    assert.equal(await count(ta, "units"), before + 3);
    const second = await ta.db.get<{ rating: string; ratingYear: number; parent: string }>(`SELECT u.rating, u.rating_year AS "ratingYear", p.name AS parent FROM units u JOIN units p ON p.id = u.parent_id WHERE u.name = '机关第二党支部'`);
    assert.deepEqual(second, { rating: "backward", ratingYear: 2025, parent: "机关党总支" });
    const again = await post(ta.app, admin, `${url}/confirm`, {});
    assert.equal(again.statusCode, 409, "a draft is confirmed once");

    // the same file again: nothing changes
    const url2 = draftOf(await upload(ta, admin, "units", "组织架构.xlsx", file));
    assert.match(text((await get(ta.app, admin, url2)).body), /将新增 0 个，更新 0 个，无变化 3 个/);
    // a changed row (rating) updates that unit, with history in the audit log
    const changed = UNIT_ROWS.map((r) => (r[1] === "机关第二党支部" ? [...r.slice(0, 6), "一般"] : r));
    const url3 = draftOf(await upload(ta, admin, "units", "组织架构.xls", xls(changed)));
    assert.match(text((await get(ta.app, admin, url3)).body), /将新增 0 个，更新 1 个.*分类定级：后进 → 一般/);
    await post(ta.app, admin, `${url3}/confirm`, {});
    assert.equal(await ta.db.value(`SELECT rating FROM units WHERE name = '机关第二党支部'`), "average");
    assert.match(String(await ta.db.value(`SELECT detail FROM audit_log WHERE action = 'unit.update' ORDER BY id DESC LIMIT 1`)), /分类定级 后进 → 一般/);
  } finally {
    await ta.close();
  }
});

test("units: staff and leaders may not import the organisation; a bad file is refused with a clear message", async () => {
  const ta = await makeApp();
  try {
    const leader = await login(ta.app, "leader@t.cn");
    const res = await upload(ta, leader, "units", "a.xlsx", await xlsx([{ rows: UNIT_ROWS }]));
    assert.equal(res.statusCode, 403);
    const admin = await login(ta.app, "admin@t.cn");
    const bad = await upload(ta, admin, "units", "a.xlsx", Buffer.from("not a spreadsheet"));
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /文件不是可识别的表格/);
    assert.equal(await count(ta, "movein_drafts"), 0);
  } finally {
    await ta.close();
  }
});

test("people: refusals (角色不明, 邮箱重复, 单位不存在); links mailed over real SMTP or shown; the link sets a password once", async () => {
  const smtp = await startSmtp();
  const ta = await makeApp({ SMTP_URL: smtp.url, BASE_URL: "https://zg.example.org" });
  try {
    const admin = await login(ta.app, "admin@t.cn");
    draftOf(await upload(ta, admin, "units", "units.xlsx", await xlsx([{ rows: UNIT_ROWS }])));
    await post(ta.app, admin, `/movein/drafts/1/confirm`, {});
    const url = draftOf(await upload(ta, admin, "people", "名单.csv", csvGb18030(PEOPLE_ROWS)));
    const t = text((await get(ta.app, admin, url)).body);
    assert.match(t, /将新增 3 个，更新 0 个，无变化 0 个，不能导入 3 行/);
    assert.match(t, /角色不明：“厨师”/);
    assert.match(t, /邮箱重复：与第 4 行相同/);
    assert.match(t, /单位不存在：“没有这个支部”/);
    const users = await count(ta, "users");
    const done = await post(ta.app, admin, `${url}/confirm`, {});
    assert.equal(done.statusCode, 200);
    assert.equal(await count(ta, "users"), users + 3);
    assert.equal(smtp.received.length, 2, "the two with mail got it");
    const mail = smtp.received.find((m) => m.to.includes("zhou@t.cn"))!;
    assert.match(mail.parsed.subject ?? "", /账号开通/);
    const link = /https:\/\/zg\.example\.org(\/welcome\/[A-Za-z0-9_-]+)/.exec(mail.parsed.text ?? "")![1];
    // the one without mail: shown to the admin, with a printable notice
    assert.match(text(done.body), /郑干事.*13800000003@noemail\.invalid/);
    const zheng = await ta.db.value<number>(`SELECT id FROM users WHERE name = '郑干事'`);
    assert.equal(Number(await ta.db.value(`SELECT remind_enabled FROM users WHERE id = ?`, [zheng])), 0, "no address: no reminder mail to a placeholder");
    const notice = await post(ta.app, admin, "/movein/notices", { userIds: zheng });
    assert.equal(notice.statusCode, 200);
    assert.match(text(notice.body), /账号开通通知.*郑干事.*13800000003@noemail\.invalid/);
    // hashed in the database: the token itself is nowhere
    const token = link.split("/").pop()!;
    assert.equal(await ta.db.value(`SELECT count(*) FROM signin_links WHERE token_hash = ?`, [token]), 0);
    // the book's secretary: 周书记 is now 机关第一党支部's 书记
    assert.equal(await ta.db.value(`SELECT u.name FROM units un JOIN users u ON u.id = un.secretary_id WHERE un.name = '机关第一党支部'`), "周书记");

    // the link: a page to set a password, once
    const page = await ta.app.inject({ method: "GET", url: link });
    assert.equal(page.statusCode, 200);
    const pre = String(page.headers["set-cookie"] ?? "").split(";")[0];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
    const weak = await ta.app.inject({ method: "POST", url: link, headers: { cookie: pre }, payload: { _csrf: csrf, password: "short", confirm: "short" } });
    assert.equal(weak.statusCode, 422);
    const set = await ta.app.inject({ method: "POST", url: link, headers: { cookie: pre }, payload: { _csrf: csrf, password: "newpass123", confirm: "newpass123" } });
    assert.equal(set.statusCode, 303);
    await login(ta.app, "zhou@t.cn", "newpass123");
    const reuse = await ta.app.inject({ method: "GET", url: link });
    assert.equal(reuse.statusCode, 410);
    assert.match(reuse.body, /链接无效或已过期/);
    // the same roster again: nothing changes
    const url2 = draftOf(await upload(ta, admin, "people", "名单.csv", csvGb18030(PEOPLE_ROWS)));
    assert.match(text((await get(ta.app, admin, url2)).body), /将新增 0 个，更新 0 个，无变化 3 个/);
    // expired after 7 days
    const wu = /https:\/\/zg\.example\.org(\/welcome\/[A-Za-z0-9_-]+)/.exec(smtp.received.find((m) => m.to.includes("wu@t.cn"))!.parsed.text ?? "")![1];
    ta.clock.now = new Date(ta.clock.now.getTime() + 8 * 86_400_000);
    assert.equal((await ta.app.inject({ method: "GET", url: wu })).statusCode, 410);

  } finally {
    await ta.close();
    await smtp.close();
  }
});

test("the mapping step: an unknown column is given its field and the preview follows", async () => {
  const ta = await makeApp();
  try {
    const admin = await login(ta.app, "admin@t.cn");
    const rows = [["姓名", "所属机构", "职务"], ["新人甲", "第一党支部", "党务干事"]];
    const url = draftOf(await upload(ta, admin, "people", "p.xlsx", await xlsx([{ rows }])));
    const page = await get(ta.app, admin, url);
    assert.match(text(page.body), /没有找到“单位”列/);
    await post(ta.app, admin, `${url}/map`, { "col-1": "unit" });
    assert.match(text((await get(ta.app, admin, url)).body), /将新增 1 个/);
  } finally {
    await ta.close();
  }
});
