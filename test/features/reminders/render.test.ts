// Subjects that say what the mail is, the plain-text body's layout, and REMIND_CRON checked at start.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadConfig, ConfigError } from "../../../server/config.ts";
import { subjectOf, renderMail } from "../../../server/features/reminders/send.ts";
import type { PlannedMail, TaskLine } from "../../../server/features/reminders/plan.ts";

const line = (daysLeft: number, reason: TaskLine["reason"] = daysLeft < 0 ? "overdue" : "due", over: Partial<TaskLine> = {}): TaskLine => ({
  key: `k${Math.random()}`,
  taskId: 7,
  title: "谈心谈话不经常",
  deadline: "2026-11-30",
  daysLeft,
  words: daysLeft < 0 ? `逾期${-daysLeft}天` : daysLeft === 0 ? "今天到期" : `剩余${daysLeft}天`,
  state: "doing",
  unitName: "第一党支部",
  ownerName: "李干事",
  reason,
  ...over,
});
const mail = (kind: PlannedMail["kind"], lines: TaskLine[]): PlannedMail => ({ kind, recipient: { id: 3, name: "李干事", email: "li@t.cn" }, items: lines.map((l) => ({ taskId: l.taskId, kind: "x", day: "2026-11-23", dedupeKey: l.key, attempts: 0 })), lines });

test("subjects: 即将到期 / 今天到期 / 已逾期 / mixed; the leader's 督办", () => {
  assert.equal(subjectOf(mail("owner", [line(1), line(3)])), "【整改提醒】您有2项整改任务即将到期");
  assert.equal(subjectOf(mail("owner", [line(0)])), "【整改提醒】您有1项整改任务今天到期");
  assert.equal(subjectOf(mail("owner", [line(-1), line(-8)])), "【整改提醒】您有2项整改任务已逾期");
  assert.equal(subjectOf(mail("owner", [line(-1), line(0), line(3)])), "【整改提醒】您有3项整改任务临近或超过时限（1项已逾期，1项今天到期，1项即将到期）");
  assert.equal(subjectOf(mail("leader", [line(-1, "escalate")])), "【整改督办】1项整改任务逾期未销号");
  assert.equal(subjectOf(mail("leader", [line(5, "nudge-signoff", { waitedDays: 3 })])), "【整改督办】1项销号或延期申请等待您审批");
  assert.equal(subjectOf(mail("leader", [line(-2, "escalate"), line(5, "nudge-extension", { waitedDays: 4, newDeadline: "2026-12-31" })])), "【整改督办】1项整改任务逾期未销号，1项申请等待您审批");
});

test("the plain-text body: one block per task with its link, a blank line between, nothing HTML-escaped", () => {
  const out = renderMail(mail("owner", [line(1, "due", { title: "A&B <党建>" }), line(-2, "overdue", { taskId: 9 })]), { baseUrl: "https://zg.example.org", today: "2026-11-23", now: new Date("2026-11-23T02:00:00Z"), messageId: "<x@y>" });
  assert.match(out.text, /^李干事，您好！\n\n您负责的以下整改任务1项即将到期、1项已逾期，请抓紧推进/);
  assert.match(out.text, /· A&B <党建>\n  整改时限：2026年11月30日（剩余1天）  状态：整改中  单位：第一党支部\n  https:\/\/zg\.example\.org\/tasks\/7\n\n· /);
  assert.match(out.text, /https:\/\/zg\.example\.org\/tasks\/9\n/);
  assert.doesNotMatch(out.text, /&lt;|&amp;/);
  assert.match(out.html, /A&amp;B &lt;党建&gt;/);
  assert.equal(out.headers["X-Rectify-Kind"], "deadline-reminder");
  const lead = renderMail(mail("leader", [line(-2, "escalate"), line(5, "nudge-extension", { taskId: 11, waitedDays: 4, newDeadline: "2026-12-31" })]), { baseUrl: "https://zg.example.org", today: "2026-11-23", now: new Date(), messageId: "<x@y>" });
  assert.match(lead.text, /【逾期未销号（1项）】/);
  assert.match(lead.text, /延期申请（延至2026年12月31日）已等待 4 天/);
  assert.match(lead.html, /延期申请（延至2026年12月31日）已等待 4 天/);
});

test("REMIND_CRON is checked at start: a bad expression stops it with a message naming the variable", () => {
  assert.equal(loadConfig({ REMIND_CRON: "0 7 * * 1-5", SESSION_SECRET: "x".repeat(40) }).remindCron, "0 7 * * 1-5");
  assert.throws(() => loadConfig({ REMIND_CRON: "every morning", SESSION_SECRET: "x".repeat(40) }), (e: unknown) => e instanceof ConfigError && /REMIND_CRON/.test(e.message) && /cron 表达式/.test(e.message));
  // "off": no schedule in the server (the system's cron runs `npm run cli -- remind`)
  assert.equal(loadConfig({ REMIND_CRON: "off", SESSION_SECRET: "x".repeat(40) }).remindCron, "off");
});
