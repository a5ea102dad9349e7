// The life of a task (DOMAIN.md), pure: which action moves which state where, and the guards
// that do not depend on who acts. Who may act is permissions.ts.
//
//   待整改 ──progress──▶ 整改中 ──申请销号──▶ 待销号 ──销号──▶ 已销号
//                          ▲                      │              │
//                          └──── 退回 (reason) ───┘              │
//                          └──────────── 重新打开 (reason) ───────┘
//                          └──────────── 反弹 (回头看, reason) ────┘
// 已销号 ──巩固 (回头看 due)──▶ 已销号: a 回头看 confirms the fix holds; 反弹 reopens it, counted.
// Where a unit does not require a leader's check, 申请销号 closes the task at once.
import { daysBetween, isIsoDay, cnDate as cnDay } from "../../lib/dates.ts";

export const STATES = ["todo", "doing", "review", "done"] as const;
export type State = (typeof STATES)[number];

export const STATE_LABEL: Record<State, string> = { todo: "待整改", doing: "整改中", review: "待销号", done: "已销号" };

export const DEADLINE_KINDS = ["immediate", "dated", "ongoing"] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];
export const DEADLINE_KIND_LABEL: Record<DeadlineKind, string> = { immediate: "立行立改", dated: "限期整改", ongoing: "长期坚持" };

export const ACTIONS = [
  "edit",
  "progress",
  "requestSignOff",
  "signOff",
  "sendBack",
  "reopen",
  "requestExtension",
  "decideExtension",
  "confirmHeld",
  "rebound",
  "setRecheck",
] as const;
export type Action = (typeof ACTIONS)[number];

export const ACTION_LABEL: Record<Action, string> = {
  edit: "编辑任务",
  progress: "填报进展",
  requestSignOff: "申请销号",
  signOff: "销号",
  sendBack: "退回",
  reopen: "重新打开",
  requestExtension: "延期申请",
  decideExtension: "审批延期",
  confirmHeld: "回头看确认巩固",
  rebound: "回头看认定反弹",
  setRecheck: "设置回头看日期",
};

/** Where `action` takes a task in `state`; null when the action is not open in that state. */
export function nextState(state: State, action: Action, opts: { requireCheck: boolean }): State | null {
  switch (action) {
    case "edit":
      return state === "done" ? null : state;
    case "progress":
      if (state === "todo") return "doing";
      return state === "done" ? null : state;
    case "requestSignOff":
      return state === "doing" ? (opts.requireCheck ? "review" : "done") : null;
    case "signOff":
      return state === "review" ? "done" : null;
    case "sendBack":
      return state === "review" ? "doing" : null;
    case "reopen":
      return state === "done" ? "doing" : null;
    case "requestExtension":
      return state === "todo" || state === "doing" ? state : null;
    case "decideExtension":
      return state === "done" ? null : state;
    case "confirmHeld":
      return state === "done" ? "done" : null;
    case "rebound":
      return state === "done" ? "doing" : null;
    case "setRecheck":
      return state === "done" ? "done" : null;
  }
}

/** 逾期: past the deadline and not 已销号. Days overdue, 0 when not overdue. */
export function overdueDays(t: { state: State; deadline: string | null }, today: string): number {
  if (t.state === "done" || !t.deadline) return 0;
  return Math.max(0, daysBetween(t.deadline, today));
}

export type Light = "red" | "yellow" | "green" | null;
export const LIGHT_LABEL = { red: "红灯", yellow: "黄灯", green: "绿灯" } as const;

/** 红灯 overdue, 黄灯 due within `yellowDays`, 绿灯 otherwise; 长期坚持 has none. */
export function light(t: { state: State; deadline: string | null; deadlineKind: DeadlineKind }, today: string, yellowDays: number): Light {
  if (t.deadlineKind === "ongoing" || !t.deadline) return null;
  if (t.state === "done") return "green";
  const left = daysBetween(today, t.deadline);
  if (left < 0) return "red";
  if (left <= yellowDays) return "yellow";
  return "green";
}

/** 剩余N天 / 今天到期 / 逾期N天 / 已销号 / 长期坚持: the words a list shows beside the light. */
export function deadlineWords(t: { state: State; deadline: string | null; deadlineKind: DeadlineKind }, today: string): string {
  if (t.state === "done") return "已销号";
  if (t.deadlineKind === "ongoing" || !t.deadline) return "长期坚持";
  const left = daysBetween(today, t.deadline);
  if (left < 0) return `逾期${-left}天`;
  if (left === 0) return "今天到期";
  return `剩余${left}天`;
}

export class GuardError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The guards of each action that depend on the task and the input, not on who acts. Throws GuardError. */
export function checkGuards(
  action: Action,
  task: { state: State; progressCount: number; deadlineKind: DeadlineKind; deadline: string | null; hasPendingExtension: boolean; recheckDue?: string | null },
  input: { reason?: string; newDeadline?: string; text?: string; recheckDue?: string },
  today: string,
): void {
  const reason = (input.reason ?? "").trim();
  switch (action) {
    case "progress":
      if (!(input.text ?? "").trim()) throw new GuardError("请填写整改进展", "text");
      return;
    case "requestSignOff":
      if (task.progressCount < 1) throw new GuardError("申请销号前须至少填报一条整改进展");
      return;
    case "sendBack":
      if (!reason) throw new GuardError("请填写退回理由", "reason");
      return;
    case "reopen":
      if (!reason) throw new GuardError("请填写重新打开的理由（如问题反弹）", "reason");
      return;
    case "requestExtension": {
      if (task.deadlineKind === "ongoing" || !task.deadline) throw new GuardError("长期坚持的任务没有整改时限，无需延期");
      if (task.hasPendingExtension) throw new GuardError("已有一项延期申请待审批，请等待领导审批");
      const d = input.newDeadline ?? "";
      if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new GuardError("请选择新的整改时限", "newDeadline");
      if (d <= task.deadline) throw new GuardError("新的整改时限须晚于当前时限", "newDeadline");
      if (d < today) throw new GuardError("新的整改时限不能早于今天", "newDeadline");
      if (!reason) throw new GuardError("请填写延期理由", "reason");
      return;
    }
    case "decideExtension":
      if (!task.hasPendingExtension) throw new GuardError("没有待审批的延期申请");
      return;
    case "confirmHeld":
      if (!task.recheckDue) throw new GuardError("这项任务没有待进行的回头看");
      if (task.recheckDue > today) throw new GuardError(`回头看日期未到（${cnDay(task.recheckDue)}），届时再确认巩固`);
      return;
    case "rebound":
      if (!reason) throw new GuardError("请填写反弹的情况（问题如何再次出现）", "reason");
      return;
    case "setRecheck": {
      const d = input.recheckDue ?? "";
      if (d === "") return; // clears it
      if (!isIsoDay(d)) throw new GuardError("回头看日期不是有效日期", "recheckDue");
      if (d < today) throw new GuardError(`回头看日期不能早于今天（${cnDay(today)}）`, "recheckDue");
      return;
    }
    default:
      return;
  }
}
