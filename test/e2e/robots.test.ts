// 单位管理 › 群机器人 in a real browser: reached from 单位管理 by keyboard, a robot added through the
// form (a bad address first: the message, focus-reachable), 发送测试消息 answered in place by htmx
// and without JavaScript as a whole page; axe finds no WCAG 2 A/AA violation. Screenshots in
// test-results/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { makeApp } from "../helpers/app.ts";
import { browse, ARTIFACTS, NO_BROWSER } from "../helpers/browser.ts";
import { resolveFromRoot } from "../../server/lib/root.ts";
import { startPlatform, SECRETS } from "../features/channels/platform.ts";

test("群机器人 page: add (a bad address refused), 发送测试消息 with and without JavaScript, accessible", { skip: NO_BROWSER, timeout: 120_000 }, async (t) => {
  const platform = await startPlatform();
  const ta = await makeApp({ CHANNEL_ALLOW_PRIVATE: "1" });
  t.after(async () => {
    await ta.close();
    await platform.close();
  });
  const { as } = await browse(t, ta);
  const page = await as("admin@t.cn", undefined, undefined, { bypassCSP: true });
  await page.goto(page.url().replace(/\/[^/]*$/, "/admin/units"));
  await page.locator(`a[href="/admin/units/${ta.ids.a}/robots"]`).focus();
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/robots$/);
  assert.equal(await page.locator("h1").innerText(), "群机器人：第一党支部");

  // a bad address: refused, the message shown, nothing saved
  await page.selectOption("select[name=kind]", "feishu");
  await page.fill("input[name=url]", "ftp://example.org/hook");
  await page.getByRole("button", { name: "添加机器人" }).click();
  await page.waitForSelector(".alert-error");
  assert.match(await page.locator(".alert-error").innerText(), /机器人未添加：Webhook 地址须以 https:\/\/ 开头/);
  assert.equal(await page.locator("input[name=url]").getAttribute("aria-invalid"), "true");
  assert.equal(await ta.db.value<number>("SELECT count(*) FROM robot_channels"), 0);
  await page.screenshot({ path: join(ARTIFACTS, "robots-refused.png"), fullPage: true });

  // added
  await page.fill("input[name=url]", platform.url("feishu"));
  await page.fill("input[name=secret]", SECRETS.feishu);
  await page.getByRole("button", { name: "添加机器人" }).click();
  await page.waitForSelector("table.robots");
  assert.match(await page.locator(".flash").innerText(), /已添加飞书机器人/);
  assert.ok(!(await page.content()).includes(SECRETS.feishu));

  // 发送测试消息 with htmx: the answer beside the button, the page stays
  await page.getByRole("button", { name: "发送测试消息" }).focus();
  await page.keyboard.press("Enter");
  await page.waitForSelector(".robot-answer");
  assert.match(await page.locator(".robot-answer").innerText(), /测试消息已发出[^]*HTTP 200/);
  assert.equal(platform.received.length, 1);
  assert.ok(platform.received[0].signOk && platform.received[0].shapeOk);
  await page.screenshot({ path: join(ARTIFACTS, "robots-test-answer.png"), fullPage: true });

  // axe: WCAG 2 A/AA
  await page.addScriptTag({ content: readFileSync(resolveFromRoot("axe-core/axe.min.js"), "utf8") });
  const violations = await page.evaluate(async () => {
    const r = await (window as any).axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21aa"] });
    return r.violations.map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(" ")).join(", ")}`);
  });
  assert.deepEqual(violations, []);

  // without JavaScript: the whole page comes back with the platform's answer in it
  platform.script.push("500");
  const nojs = await as("admin@t.cn", { width: 390, height: 844 }, undefined, { javaScriptEnabled: false });
  await nojs.goto(nojs.url().replace(/\/[^/]*$/, `/admin/units/${ta.ids.a}/robots`));
  await nojs.getByRole("button", { name: "发送测试消息" }).click();
  await nojs.waitForSelector(".robot-answer");
  assert.match(await nojs.locator(".robot-answer").innerText(), /测试消息未发出[^]*HTTP 500/);
  assert.equal(await nojs.locator("h1").innerText(), "群机器人：第一党支部");
  await nojs.screenshot({ path: join(ARTIFACTS, "robots-narrow-nojs.png"), fullPage: true });
});
