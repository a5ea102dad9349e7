// 审计日志 and 安全管理 in real headless Chromium, at 1280×900 and on a 390×844 phone: the auditor
// lands on the log, filters it, the export downloads; the security officer sees roles and a
// lockout. No page scrolls sideways; screenshots kept in test-results/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeApp, PASSWORD } from "../helpers/app.ts";
import { browse, ARTIFACTS, NO_BROWSER } from "../helpers/browser.ts";
import { createUser } from "../../server/features/admin/service.ts";

test("the auditor's 审计日志 and the security officer's 安全管理, on a desk and on a phone", { timeout: 180_000, skip: NO_BROWSER }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  await createUser(ta.db, { email: "sec@t.cn", name: "安全员", role: "security", unitId: ta.ids.root, password: PASSWORD });
  await createUser(ta.db, { email: "audit@t.cn", name: "审计员", role: "auditor", unitId: ta.ids.root, password: PASSWORD });
  const { base, as } = await browse(t, ta);
  // some history: a failed sign-in for an unknown email, a lockout, an admin's refused look at the log
  const bad = await as("leader@t.cn");
  await bad.context().clearCookies();
  for (let i = 0; i < 6; i++) {
    await bad.goto(`${base}/login`);
    await bad.fill("input[name=email]", i ? "owner@t.cn" : "ghost@t.cn");
    await bad.fill("input[name=password]", "wrong-pass-1");
    await bad.click("button[type=submit]");
  }
  const admin = await as("admin@t.cn");
  const refused = await admin.goto(`${base}/audit`);
  assert.equal(refused!.status(), 403);

  for (const [name, viewport] of [["desk", { width: 1280, height: 900 }], ["phone", { width: 390, height: 844 }]] as const) {
    const a = await as("audit@t.cn", viewport);
    assert.match(new URL(a.url()).pathname, /^\/audit/, "the auditor lands on the log");
    assert.deepEqual(await a.locator("nav.nav a").allInnerTexts(), ["审计日志"]);
    assert.ok((await a.locator("tr[id^=audit-]").count()) >= 6);
    assert.match(await a.locator("main").innerText(), /ghost@t\.cn/);
    assert.match(await a.locator("main").innerText(), /拒绝访问/);
    await a.screenshot({ path: join(ARTIFACTS, `audit-${name}.png`), fullPage: true });
    assert.ok(await a.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name}: no sideways scroll on 审计日志`);
    await a.selectOption("select[name=action]", "lockout");
    await a.click("form.filters button");
    await a.waitForURL(/action=lockout/);
    assert.equal(await a.locator("tr[id^=audit-]").count(), 1);
    if (name === "desk") {
      const [download] = await Promise.all([a.waitForEvent("download"), a.click("a[href^='/audit.xlsx']")]);
      assert.match(download.suggestedFilename(), /^审计日志.*\.xlsx$/);
    }
    const s = await as("sec@t.cn", viewport);
    assert.match(new URL(s.url()).pathname, /^\/security/);
    assert.match(await s.locator("main").innerText(), /owner@t\.cn/);
    await s.screenshot({ path: join(ARTIFACTS, `security-${name}.png`), fullPage: true });
    assert.ok(await s.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name}: no sideways scroll on 安全管理`);
  }
});
