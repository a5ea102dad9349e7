// End to end in real headless Chromium (Debian's /usr/bin/chromium through playwright-core):
// a leader creates and assigns a task, the owner asks for an extension and the leader approves,
// the owner posts progress with evidence and asks for sign-off, the leader sends it back, the
// owner asks again, the leader signs it off; the history shows every step.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeApp, PNG_1PX } from "../helpers/app.ts";
import { browse, ARTIFACTS, NO_BROWSER } from "../helpers/browser.ts";

test("a task from assignment to 销号 in a real browser", { timeout: 120_000, skip: NO_BROWSER }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { base, as } = await browse(t, ta);
  const later = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

  // the leader creates and assigns
  const leader = await as("leadera@t.cn");
  await leader.goto(`${base}/tasks/new`);
  await leader.fill("textarea[name=title]", "主题党日活动形式单一，党员参与积极性不高");
  await leader.selectOption("select[name=unitId]", String(ta.ids.a));
  await leader.selectOption("select[name=ownerId]", String(ta.ids.owner));
  await leader.selectOption("select[name=leaderId]", String(ta.ids.leaderA));
  await leader.fill("input[name=deadline]", later(10));
  await leader.fill("textarea[name=goal]", "每季度至少一次现场教学");
  await leader.click("button:has-text('创建任务')");
  await leader.waitForURL(/\/tasks\/\d+$/);
  const taskUrl = leader.url();
  const id = Number(taskUrl.split("/").pop());
  assert.match(await leader.textContent("h1") ?? "", /主题党日活动形式单一/);

  // the owner asks for an extension (htmx swaps the panel)
  const owner = await as("owner@t.cn");
  await owner.goto(taskUrl);
  // how to finish and how to ask for more time are open on the page, in the first screen
  for (const sel of ["#action-signoff", "#action-extension"]) {
    assert.ok(await owner.locator(`${sel} button`).isVisible(), `${sel} is not folded away`);
    const box = (await owner.locator(`${sel} h2`).boundingBox())!;
    assert.ok(box.y + box.height <= 900, `${sel} is seen without scrolling (at ${box.y})`);
  }
  assert.ok(await owner.locator("#action-signoff button").isDisabled(), "no 申请销号 before progress and evidence");
  assert.match(await owner.locator("#action-signoff").innerText(), /须先填报至少一条整改进展；本单位规定销号须有佐证材料/);
  await owner.screenshot({ path: join(ARTIFACTS, "task-owner-first-view.png") });
  await owner.fill("input[name=newDeadline]", later(30));
  await owner.fill("textarea[name=reason]", "需等待上级党委统一安排");
  await owner.click("button:has-text('提交延期申请')");
  await owner.waitForSelector("text=延期申请已提交");

  // the leader approves it
  await leader.goto(taskUrl);
  await leader.click("button:has-text('同意延期')");
  await leader.waitForSelector("text=已处理延期申请");
  assert.match(await leader.textContent(".facts") ?? "", /原定时限/);

  // the owner posts progress with an evidence file and asks for sign-off
  const evidence = join(ta.dir, "现场教学照片.png");
  writeFileSync(evidence, PNG_1PX);
  await owner.goto(taskUrl);
  await owner.fill("textarea[name=text]", "10月开展红色教育基地现场教学，党员参与率95%");
  await owner.setInputFiles("input[type=file]", evidence);
  await owner.click("button:has-text('提交进展')");
  await owner.waitForSelector("text=进展已提交");
  assert.match(await owner.textContent(".history") ?? "", /现场教学照片\.png/);
  await owner.click("form button:has-text('申请销号')");
  await owner.waitForSelector(".state-review");

  // the leader sends it back with a reason
  await leader.goto(taskUrl);
  await leader.fill("input[name=reason]", "请补充活动签到表");
  await leader.click("button:has-text('退回')");
  await leader.waitForSelector("text=已退回责任人");

  // the owner asks again, the leader signs off
  await owner.goto(taskUrl);
  await owner.click("form button:has-text('申请销号')");
  await owner.waitForSelector(".state-review");
  await leader.goto(`${base}/tasks/review`);
  await leader.click(`a[href="/tasks/${id}"]`);
  await leader.click("button:has-text('同意销号')");
  await leader.waitForSelector(".task-meta .state-done");

  const history = (await leader.textContent(".timeline")) ?? "";
  for (const step of ["创建任务", "延期申请", "同意延期", "填报进展", "申请销号", "退回", "请补充活动签到表", "审核销号"]) assert.ok(history.includes(step), `history shows ${step}`);
  const kinds = (ta.db.$client.prepare("select kind from task_events where task_id = ? order by id").all(id) as { kind: string }[]).map((r) => r.kind);
  assert.deepEqual(kinds, ["created", "extensionRequested", "extensionApproved", "progress", "requestSignOff", "sendBack", "requestSignOff", "signOff"]);

  await leader.screenshot({ path: join(ARTIFACTS, "task-page.png"), fullPage: true });
  await owner.setViewportSize({ width: 390, height: 844 });
  await owner.goto(`${base}/tasks/mine`);
  await owner.screenshot({ path: join(ARTIFACTS, "my-tasks-phone.png"), fullPage: true });
});
