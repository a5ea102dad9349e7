// 单位管理 › 群机器人: adding a robot (the address and secret sealed, never shown again), a bad
// address refused with a clear message and nothing saved, 发送测试消息 showing the platform's
// answer (full page and htmx fragment), 重新启用 and 删除; admins only. 手机 on the account form.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp, login, get, post } from "../../helpers/app.ts";
import { startPlatform, SECRETS, KEYS } from "./platform.ts";

const count = (db: Awaited<ReturnType<typeof makeApp>>["db"]) => db.value<number>("SELECT count(*) FROM robot_channels");

test("add a robot: sealed, listed masked, the secret never shown; 发送测试消息 shows the platform's answer; 重新启用, 删除", { timeout: 60_000 }, async (t) => {
  const platform = await startPlatform();
  const ta = await makeApp({ CHANNEL_ALLOW_PRIVATE: "1" });
  t.after(async () => {
    await ta.close();
    await platform.close();
  });
  const { app, db, ids } = ta;
  const admin = await login(app, "admin@t.cn");
  const empty = await get(app, admin, `/admin/units/${ids.a}/robots`);
  assert.equal(empty.statusCode, 200);
  assert.match(empty.body, /本单位还没有群机器人/);
  assert.match((await get(app, admin, "/admin/units")).body, new RegExp(`href="/admin/units/${ids.a}/robots"`));

  const res = await post(app, admin, `/admin/units/${ids.a}/robots`, { kind: "dingtalk", url: platform.url("dingtalk"), secret: SECRETS.dingtalk, kinds: "owner", includeSubunits: "1" });
  assert.equal(res.statusCode, 303);
  const id = (await db.value<number>("SELECT id FROM robot_channels"))!;
  const row = (await db.get<{ url_sealed: string; secret_sealed: string; url_hint: string; message_kinds: string; include_subunits: number; created_by: number }>("SELECT * FROM robot_channels WHERE id = ?", [id]))!;
  assert.ok(!row.url_sealed.includes(KEYS.dingtalk) && !row.secret_sealed.includes(SECRETS.dingtalk), "sealed");
  assert.equal(row.message_kinds, "owner");
  assert.equal(row.include_subunits, 1);
  assert.equal(row.created_by, ids.admin);
  const page = await get(app, admin, `/admin/units/${ids.a}/robots`);
  assert.ok(!page.body.includes(KEYS.dingtalk), "the token is not shown");
  assert.ok(!page.body.includes(SECRETS.dingtalk), "the secret is not shown");
  assert.match(page.body, /access_token=di…89/);
  assert.match(page.body, /已设置签名密钥（不再显示）/);

  // 发送测试消息: the platform checks the signature and answers
  const tested = await post(app, admin, `/admin/robots/${id}/test`, {});
  assert.equal(tested.statusCode, 200);
  assert.match(tested.body, /测试消息已发出/);
  assert.match(tested.body, /HTTP 200/);
  assert.match(tested.body, /&quot;errcode&quot;:0/);
  assert.equal(platform.received.length, 1);
  assert.ok(platform.received[0].signOk && platform.received[0].shapeOk);
  assert.match(platform.received[0].body.markdown.text, /测试消息/);
  // with htmx: the answer alone, for the region beside the button
  platform.script.push("500");
  const fragment = await post(app, admin, `/admin/robots/${id}/test`, {}, { "hx-request": "true" });
  assert.equal(fragment.statusCode, 422);
  assert.ok(!fragment.body.includes("<html"));
  assert.match(fragment.body, new RegExp(`id="robot-answer-${id}"`));
  assert.match(fragment.body, /测试消息未发出/);
  assert.match(fragment.body, /错误码 <code>HTTP 500<\/code>/);
  platform.script.push("limit");
  const limited = await post(app, admin, `/admin/robots/${id}/test`, {}, { "hx-request": "true" });
  assert.match(limited.body, /130101/);
  assert.match(limited.body, /send too fast/);

  // which messages: saved; none refused
  assert.equal((await post(app, admin, `/admin/robots/${id}`, { kinds: "digest" })).statusCode, 303);
  assert.equal(await db.value<string>("SELECT message_kinds FROM robot_channels WHERE id = ?", [id]), "digest");
  const none = await post(app, admin, `/admin/robots/${id}`, {});
  assert.equal(none.statusCode, 422);
  assert.match(none.body, /请至少选择一种消息类型/);

  // 失效 → 重新启用
  await db.run("UPDATE robot_channels SET status = 'broken', failures = 10, broken_at = ? WHERE id = ?", ["2026-11-23T02:00:00.000Z", id]);
  assert.match((await get(app, admin, `/admin/units/${ids.a}/robots`)).body, /失效/);
  assert.equal((await post(app, admin, `/admin/robots/${id}/enable`, {})).statusCode, 303);
  assert.deepEqual(await db.get("SELECT status, failures FROM robot_channels WHERE id = ?", [id]), { status: "active", failures: 0 });
  // 删除: gone from the page, the row kept for the log
  assert.equal((await post(app, admin, `/admin/robots/${id}/delete`, {})).statusCode, 303);
  assert.match((await get(app, admin, `/admin/units/${ids.a}/robots`)).body, /本单位还没有群机器人/);
  assert.equal(await db.value<string>("SELECT status FROM robot_channels WHERE id = ?", [id]), "removed");
  assert.equal((await post(app, admin, `/admin/robots/${id}/test`, {})).statusCode, 404);
  // the audit log has each step
  const actions = await db.column<string>("SELECT action FROM audit_log WHERE action LIKE 'channel.%' ORDER BY id");
  assert.deepEqual(actions, ["channel.create", "channel.test", "channel.test", "channel.test", "channel.update", "channel.enable", "channel.remove"]);

  // not for others
  const staff = await login(app, "owner@t.cn");
  assert.equal((await get(app, staff, `/admin/units/${ids.a}/robots`)).statusCode, 403);
  assert.equal((await post(app, staff, `/admin/units/${ids.a}/robots`, { kind: "wecom", url: platform.url("wecom") })).statusCode, 403);
});

test("a bad address is refused with a clear message and nothing is saved; private addresses only with CHANNEL_ALLOW_PRIVATE", { timeout: 60_000 }, async (t) => {
  const ta = await makeApp();
  t.after(() => ta.close());
  const { app, db, ids } = ta;
  const admin = await login(app, "admin@t.cn");
  for (const [url, re] of [
    ["http://oapi.dingtalk.com/robot/send?access_token=x", /须以 https:\/\/ 开头/],
    ["https://127.0.0.1:9/robot/send?access_token=x", /须指向公网地址，127\.0\.0\.1 是本机或内网地址（仅在设置 CHANNEL_ALLOW_PRIVATE=1 时允许）/],
    ["https://192.168.1.10/robot/send", /本机或内网地址/],
    ["https://localhost/robot/send", /本机或内网地址/],
    ["oapi.dingtalk.com/robot/send", /格式不正确/],
  ] as const) {
    const res = await post(app, admin, `/admin/units/${ids.a}/robots`, { kind: "dingtalk", url, secret: "s", kinds: "owner" });
    assert.equal(res.statusCode, 422, url);
    assert.match(res.body, re, url);
    assert.match(res.body, /机器人未添加/);
    assert.match(res.body, /aria-invalid="true"/);
    assert.ok(!res.body.includes('value="s"'), "the secret is not echoed back");
  }
  const wrongKind = await post(app, admin, `/admin/units/${ids.a}/robots`, { kind: "qq", url: "https://example.org/x", kinds: "owner" });
  assert.equal(wrongKind.statusCode, 422);
  assert.match(wrongKind.body, /机器人类型须为/);
  const wecomSecret = await post(app, admin, `/admin/units/${ids.a}/robots`, { kind: "wecom", url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", secret: "s", kinds: "owner" });
  assert.equal(wecomSecret.statusCode, 422);
  assert.match(wecomSecret.body, /企业微信群机器人没有签名密钥/);
  assert.equal(await count(db), 0, "nothing saved");
  // a public https address is taken (not contacted when saved)
  const ok = await post(app, admin, `/admin/units/${ids.a}/robots`, { kind: "wecom", url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdef123456", kinds: "owner" });
  assert.equal(ok.statusCode, 303);
  assert.equal(await count(db), 1);
});

test("手机 on the admin's account form: kept as 11 digits, a wrong one refused", { timeout: 60_000 }, async (t) => {
  const ta = await makeApp();
  t.after(() => ta.close());
  const { app, db, ids } = ta;
  const admin = await login(app, "admin@t.cn");
  const form = await get(app, admin, `/admin/users/${ids.owner}`);
  assert.match(form.body, /name="mobile"/);
  const base = { email: "owner@t.cn", name: "李干事", role: "staff", unitId: ids.a, active: "1" };
  const bad = await post(app, admin, `/admin/users/${ids.owner}`, { ...base, mobile: "12345" });
  assert.equal(bad.statusCode, 422);
  assert.match(bad.body, /手机号应为 11 位数字/);
  assert.equal(await db.value("SELECT mobile FROM users WHERE id = ?", [ids.owner]), null);
  assert.equal((await post(app, admin, `/admin/users/${ids.owner}`, { ...base, mobile: "138 0013 8000" })).statusCode, 303);
  assert.equal(await db.value("SELECT mobile FROM users WHERE id = ?", [ids.owner]), "13800138000");
  assert.match((await get(app, admin, `/admin/users/${ids.owner}`)).body, /value="13800138000"/);
  assert.equal((await post(app, admin, `/admin/users/${ids.owner}`, { ...base, mobile: "" })).statusCode, 303);
  assert.equal(await db.value("SELECT mobile FROM users WHERE id = ?", [ids.owner]), null);
});
