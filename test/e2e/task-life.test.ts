// End to end in real headless Chromium (Debian's /usr/bin/chromium through playwright-core):
// a leader creates and assigns a task, the owner asks for an extension and the leader approves,
// the owner posts progress with evidence and asks for sign-off, the leader sends it back, the
// owner asks again, the leader signs it off; the history shows every step.
import { test } from "node:test";
import { join } from "node:path";
import { makeApp } from "../helpers/app.ts";
import { browse, ARTIFACTS, NO_BROWSER } from "../helpers/browser.ts";
import { playTaskLife } from "./task-life-steps.ts";

test("a task from assignment to 销号 in a real browser", { timeout: 120_000, skip: NO_BROWSER }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { base, as } = await browse(t, ta);
  const leader = await as("leadera@t.cn");
  const owner = await as("owner@t.cn");
  await playTaskLife(ta, base, leader, owner);

  await leader.screenshot({ path: join(ARTIFACTS, "task-page.png"), fullPage: true });
  await owner.setViewportSize({ width: 390, height: 844 });
  await owner.goto(`${base}/tasks/mine`);
  await owner.screenshot({ path: join(ARTIFACTS, "my-tasks-phone.png"), fullPage: true });
});
