// npm run cli -- channel add|list|test, as a user runs it (a real process).
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp } from "../../helpers/app.ts";
import { cliAsync } from "../../helpers/cli.ts";
import { startPlatform, SECRETS, KEYS } from "./platform.ts";

test("channel add, list, test: a bad address refused with a clear message; the platform's answer printed", { timeout: 120_000 }, async (t) => {
  const platform = await startPlatform();
  const ta = await makeApp();
  t.after(async () => {
    await ta.close();
    await platform.close();
  });
  const env = { ...ta.dbEnv, SESSION_SECRET: "x".repeat(40) };
  const allow = { ...env, CHANNEL_ALLOW_PRIVATE: "1" };

  const refused = await cliAsync(env, "channel", "add", "--unit", "a", "--kind", "dingtalk", "--url", platform.url("dingtalk"), "--secret", SECRETS.dingtalk);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /错误：机器人未添加：Webhook 地址须指向公网地址，127\.0\.0\.1 是本机或内网地址（仅在设置 CHANNEL_ALLOW_PRIVATE=1 时允许）/);
  const plain = await cliAsync(allow, "channel", "add", "--unit", "a", "--kind", "webhook", "--url", "http://example.org/hook");
  assert.equal(plain.code, 1);
  assert.match(plain.err, /须以 https:\/\/ 开头/);
  const badKinds = await cliAsync(allow, "channel", "add", "--unit", "a", "--kind", "dingtalk", "--url", platform.url("dingtalk"), "--kinds", "owner,回头看");
  assert.equal(badKinds.code, 1);
  assert.match(badKinds.err, /不认识：回头看/);
  const noUnit = await cliAsync(allow, "channel", "add", "--unit", "nope", "--kind", "dingtalk", "--url", platform.url("dingtalk"));
  assert.match(noUnit.err, /单位代码不存在：nope/);
  assert.equal(await ta.db.value<number>("SELECT count(*) FROM robot_channels"), 0);

  const added = await cliAsync(allow, "channel", "add", "--unit", "a", "--kind", "dingtalk", "--url", platform.url("dingtalk"), "--secret", SECRETS.dingtalk, "--kinds", "owner,digest", "--subunits");
  assert.equal(added.code, 0, added.err);
  assert.match(added.out, /已添加 #1 钉钉机器人#1（第一党支部）/);
  assert.match(added.out, /接收责任人提醒、每周汇总（含下级单位），已设置签名密钥/);
  assert.ok(!added.out.includes(KEYS.dingtalk) && !added.out.includes(SECRETS.dingtalk));
  await cliAsync(allow, "channel", "add", "--unit", "root", "--kind", "feishu", "--url", platform.url("feishu"));

  const list = await cliAsync(env, "channel", "list");
  assert.equal(list.code, 0, list.err);
  const lines = list.out.trim().split("\n");
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^#2 {2}飞书 {2}测试党委（root）/);
  assert.match(lines[1], /^#1 {2}钉钉 {2}第一党支部（a）.*access_token=di…89.*接收：责任人提醒、每周汇总（含下级单位） {2}已签名 {2}正常/);
  assert.ok(!list.out.includes(KEYS.dingtalk) && !list.out.includes(SECRETS.dingtalk));

  const tested = await cliAsync(allow, "channel", "test", "1");
  assert.equal(tested.code, 0, tested.err);
  assert.match(tested.out, /测试消息已发出/);
  assert.match(tested.out, /平台回答：HTTP 200，错误码 0，ok/);
  assert.ok(platform.received[0].signOk && platform.received[0].shapeOk);
  // the feishu robot is unsigned while the platform wants a signature: its refusal is printed, exit 1
  const unsigned = await cliAsync(allow, "channel", "test", "2");
  assert.equal(unsigned.code, 1);
  assert.match(unsigned.out, /测试消息未发出/);
  assert.match(unsigned.out, /错误码 19021/);
  // without CHANNEL_ALLOW_PRIVATE the stored private address is refused when sending too
  const later = await cliAsync(env, "channel", "test", "1");
  assert.equal(later.code, 1);
  assert.match(later.out, /错误码 URL.*本机或内网地址/);
  const unknown = await cliAsync(env, "channel", "test", "x");
  assert.match(unknown.err, /请给出机器人编号/);
});
