// What `remind` prints after a run, and its exit status: pure, from the run's report. Never
// silent: every mail's outcome, then the counts (sent, already sent, waiting for a retry and
// when, 退信, given up, claimed by another run and when it is taken again); non-zero while any
// failure (temporary, 退信 or given up) is left that no admin has acknowledged on 首页.
import { cnDate, cnDateTime } from "../../lib/dates.ts";
import type { RunReport, RunResult } from "./send.ts";

const LABEL: Record<RunResult["status"], string> = {
  "would-send": "将发送",
  sent: "已发送",
  failed: "暂时失败",
  bounced: "退信",
  taken: "已由另一进程发送",
  claimed: "另一进程认领中",
};

/** exit status while unacknowledged failures remain */
export const EXIT_UNACKNOWLEDGED = 2;

export function summarize(r: RunReport, o: { dryRun: boolean; where: string; timeZone: string }): { lines: string[]; exitCode: number } {
  const at = (iso: string) => cnDateTime(iso, o.timeZone);
  const earliest = (xs: { retryAt: string }[]) => xs.map((x) => x.retryAt).sort()[0];
  const lines = [`${cnDate(r.today)}的提醒${o.dryRun ? "（试运行，不发送）" : `（${o.where}）`}：`];
  for (const x of r.results) {
    const tail = x.status === "failed" ? `：${x.error}（将于 ${at(x.retryAt!)} 重试）` : x.status === "bounced" ? `：${x.error}（不再重试）` : x.status === "claimed" ? `（尚未确认发出；若该进程已中断，将于 ${at(x.retryAt!)} 后重试）` : "";
    lines.push(`  ${LABEL[x.status]}  ${x.recipient.name} <${x.recipient.email}>  ${x.subject}（${x.items}项）${tail}`);
  }
  const robots = r.robots ?? [];
  const ROBOT: Record<string, string> = { "would-send": "将发送", sent: "已发送", failed: "暂时失败", taken: "已由另一进程发送" };
  for (const x of robots) {
    const tail = x.status === "failed" ? `：${x.error}${x.retryAt ? `（将于 ${at(x.retryAt)} 重试）` : ""}${x.broke ? `；已连续失败多次，标记为失效${x.broke.notified.length ? `，已邮件通知 ${x.broke.notified.join("、")}` : ""}` : ""}` : "";
    lines.push(`  ${ROBOT[x.status]}  [群] ${x.channel}  ${x.title}（${x.items}项）${tail}`);
  }
  const n = (st: RunResult["status"]) => r.results.filter((x) => x.status === st).length;
  if (o.dryRun) {
    lines.push(r.results.length || robots.length ? `共 ${n("would-send")} 封邮件、${robots.length} 条群消息将发送。` : "  没有需要发送的提醒（已发送过的不会重复发送）");
    return { lines, exitCode: 0 };
  }
  if (!r.results.length && !robots.length) lines.push("  没有需要发送的提醒（已发送过的不会重复发送）");
  const parts = [`发送 ${n("sent")} 封`, `此前已发送 ${r.alreadySent} 项`];
  if (robots.length) parts.push(`群消息发送 ${robots.filter((x) => x.status === "sent").length} 条、失败 ${robots.filter((x) => x.status === "failed").length} 条`);
  // items, as the log counts them (a mail holds one or more)
  const failed = r.results.filter((x) => x.status === "failed");
  const waiting = [...failed.map((x) => ({ retryAt: x.retryAt! })), ...r.waiting];
  const waitingItems = failed.reduce((k, x) => k + x.items, 0) + r.waiting.length;
  parts.push(`等待重试 ${waitingItems} 项${waiting.length ? `（最早 ${at(earliest(waiting))}）` : ""}`);
  parts.push(`退信 ${n("bounced")} 封`, `放弃 ${r.expired} 项`);
  lines.push(`本次：${parts.join("，")}。`);
  const claimed = [...r.claimedElsewhere, ...r.results.filter((x) => x.status === "claimed").map((x) => ({ retryAt: x.retryAt! }))];
  if (claimed.length) {
    lines.push(`另有 ${claimed.length} 项已被另一进程认领、尚未确认发出（可能仍在发送，或该进程已中断）；若未发出，将于 ${at(earliest(claimed))} 后重试。`);
  }
  const u = r.unacknowledged;
  const open = u.failed + u.bounced + u.expired;
  if (open) {
    lines.push(`未处理的投递问题：发送失败 ${u.failed} 项，退信 ${u.bounced} 项，已放弃 ${u.expired} 项。请管理员在首页查看并标记“已知悉”（退信请核对收件人的邮箱地址）。`);
  }
  return { lines, exitCode: open ? EXIT_UNACKNOWLEDGED : 0 };
}
