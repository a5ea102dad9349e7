// The whole task life played in the browser by a leader and an owner (with or without JavaScript:
// every step is a plain form that htmx may take over): create and assign, an extension asked and
// approved, progress with evidence, 申请销号, 退回, 申请销号 again, 销号. Returns the task's id.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { PNG_1PX, type TestApp } from "../helpers/app.ts";
import { ARTIFACTS } from "../helpers/browser.ts";

export const later = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** sendBack: how the leader sends it back on the task page (default: a reason, then 退回) */
export async function playTaskLife(ta: TestApp, base: string, leader: Page, owner: Page, sendBack?: (leader: Page) => Promise<void>): Promise<number> {
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
  assert.match((await leader.textContent("h1")) ?? "", /主题党日活动形式单一/);

  // the owner asks for an extension
  await owner.goto(taskUrl);
  // how to finish and how to ask for more time are open on the page, in the first screen
  const screenHeight = owner.viewportSize()?.height ?? 900;
  for (const sel of ["#action-signoff", "#action-extension"]) {
    assert.ok(await owner.locator(`${sel} button`).isVisible(), `${sel} is not folded away`);
    const box = (await owner.locator(`${sel} h2`).boundingBox())!;
    assert.ok(box.y + box.height <= screenHeight, `${sel} is seen without scrolling (at ${box.y})`);
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
  assert.match((await leader.textContent(".facts")) ?? "", /原定时限/);

  // the owner posts progress with an evidence file and asks for sign-off
  const evidence = join(ta.dir, "现场教学照片.png");
  writeFileSync(evidence, PNG_1PX);
  await owner.goto(taskUrl);
  await owner.fill("textarea[name=text]", "10月开展红色教育基地现场教学，党员参与率95%");
  await owner.setInputFiles("input[type=file]", evidence);
  await owner.click("button:has-text('提交进展')");
  await owner.waitForSelector("text=进展已提交");
  assert.match((await owner.textContent(".history")) ?? "", /现场教学照片\.png/);
  await owner.click("form button:has-text('申请销号')");
  await owner.waitForSelector(".state-review");

  // the leader sends it back with a reason
  await leader.goto(taskUrl);
  if (sendBack) await sendBack(leader);
  else {
    await leader.fill("input[name=reason]", "请补充活动签到表");
    await leader.click("button:has-text('退回')");
  }
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
  const kinds = ((await ta.db.all("select kind from task_events where task_id = ? order by id", [id])) as { kind: string }[]).map((r) => r.kind);
  assert.deepEqual(kinds, ["created", "extensionRequested", "extensionApproved", "progress", "requestSignOff", "sendBack", "requestSignOff", "signOff"]);
  return id;
}
