// Which group robot gets which message, pure: the reminders planned for today (the mail planner's
// output, planned as if no mail had been sent) → one message per channel and planned mail, made
// of the items whose task lies in the channel's unit (or, with 含下级单位, its sub-units).
//
// Each item of a robot message is keyed `robot:<channel id>:<the mail item's key>` and claimed in
// reminder_log exactly as a mail's items are, so a channel gets each reminder once. A weekly
// digest goes to a channel once per unit and week (`robot:<channel>:unit<id>:weekly:<monday>`),
// whichever of the unit's leaders it was planned for.
import { cnDate } from "../../lib/dates.ts";
import { dueAttempts, type LogEntry, type PlannedItem, type PlannedMail, type TaskLine } from "../reminders/plan.ts";
import { MAX_LINES, type Mention, type MessageKind, type MessageLine, type RobotMessage } from "./robots.ts";

export type PlanChannel = { id: number; unitId: number; unitPath: string; kinds: MessageKind[]; includeSubunits: boolean };

/** One message for one channel, with the reminder_log items it carries. */
export type RobotSend = {
  channelId: number;
  kind: MessageKind;
  recipientId: number;
  items: PlannedItem[];
  message: RobotMessage;
  /** the message of only these items (when another run took some of them first) */
  only(keys: Set<string>): RobotMessage;
};

const MESSAGE_KIND_OF: Record<PlannedMail["kind"], MessageKind | null> = { owner: "owner", leader: "escalation", weekly: "digest", delivery: null };

export function robotKey(channelId: number, itemKey: string): string {
  return `robot:${channelId}:${itemKey}`;
}

/** Does a channel take a unit's messages: its own unit, or a sub-unit when it says so. */
export function covers(c: PlanChannel, unitId: number, unitPath: string): boolean {
  return c.unitId === unitId || (c.includeSubunits && unitPath.startsWith(c.unitPath));
}

function noteOf(l: TaskLine): string {
  if (l.reason === "nudge-signoff") return `销号申请已等${l.waitedDays ?? 0}天（${l.ownerName}）`;
  if (l.reason === "nudge-extension") return `延期申请已等${l.waitedDays ?? 0}天，申请延至${l.newDeadline ? cnDate(l.newDeadline) : "—"}（${l.ownerName}）`;
  if (l.reason === "escalate") return `${l.words}，责任人${l.ownerName}`;
  return l.deadline ? `${l.words}（${cnDate(l.deadline)}）` : l.words;
}

function linesOf(lines: TaskLine[], baseUrl: string): { lines: MessageLine[]; more: number } {
  const shown = lines.slice(0, MAX_LINES).map((l) => ({ title: l.title, url: `${baseUrl}/tasks/${l.taskId}`, note: noteOf(l) }));
  return { lines: shown, more: Math.max(0, lines.length - MAX_LINES) };
}

/** 【整改提醒】李干事：2项整改任务即将到期 */
export function ownerTitle(name: string, lines: TaskLine[]): string {
  const n = lines.length;
  const over = lines.filter((l) => l.daysLeft < 0).length;
  const today = lines.filter((l) => l.daysLeft === 0).length;
  const what = over === n ? "已逾期" : today === n ? "今天到期" : over + today === 0 ? "即将到期" : "临近或超过时限";
  return `【整改提醒】${name}：${n}项整改任务${what}`;
}

export function leaderTitle(name: string, lines: TaskLine[]): string {
  const overdue = lines.filter((l) => l.reason === "escalate").length;
  const waiting = lines.length - overdue;
  const parts = [overdue && `${overdue}项整改任务逾期未销号`, waiting && `${waiting}项申请待审批`].filter(Boolean);
  return `【整改督办】${name}：${parts.join("，")}`;
}

/** the message of one planned mail (restricted to `lines`) for a group */
export function messageOf(m: PlannedMail, lines: TaskLine[], person: Mention, baseUrl: string): RobotMessage {
  if (m.kind === "weekly") {
    const d = m.digest!;
    const rate = d.completionRate === null ? "—" : `${d.completionRate}%`;
    const list = [...d.overdue, ...d.dueThisWeek];
    return {
      kind: "digest",
      title: `【整改周报】${d.unitName}（${cnDate(d.monday)}当周）`,
      intro: `共${d.total}项，已销号${d.done}项，完成率${rate}；上周新增${d.created.length}项、销号${d.signedOff.length}项；逾期${d.overdue.length}项，本周到期${d.dueThisWeek.length}项。`,
      ...linesOf(list, baseUrl),
      link: { text: "查看全部整改任务", url: `${baseUrl}/tasks?unit=${d.unitId}` },
      mentions: [],
    };
  }
  const owner = m.kind === "owner";
  return {
    kind: owner ? "owner" : "escalation",
    title: owner ? ownerTitle(person.name, lines) : leaderTitle(person.name, lines),
    intro: "",
    ...linesOf(lines, baseUrl),
    link: null,
    mentions: [person],
  };
}

/**
 * The robot messages of today: for each planned mail (owner, leader, weekly) and each active
 * channel taking its kind, the items of the tasks the channel covers. Items already sent, given
 * up, claimed by a run in progress or waiting for their retry are left out (the robot rows of
 * `log`); every robot item due today goes into `relevant`, sent or not.
 */
export function planRobots(
  mails: PlannedMail[],
  channels: PlanChannel[],
  ctx: {
    /** the unit of each task in the mails */
    taskUnit: Map<number, { unitId: number; unitPath: string }>;
    /** weekly digests: the unit's path */
    unitPath: Map<number, string>;
    mobile: Map<number, string>;
    baseUrl: string;
    log: Map<string, LogEntry>;
    nowMs: number;
    staleClaimMs: number;
    relevant?: Set<string>;
    /** only items that failed before (the retry pass) */
    retryOnly?: boolean;
  },
): RobotSend[] {
  const out: RobotSend[] = [];
  const digestSent = new Set<string>();
  for (const m of mails) {
    const kind = MESSAGE_KIND_OF[m.kind];
    if (!kind) continue;
    const person: Mention = { name: m.recipient.name, mobile: ctx.mobile.get(m.recipient.id) ?? null };
    for (const c of channels) {
      if (!c.kinds.includes(kind)) continue;
      let items: PlannedItem[];
      let lines: TaskLine[] = [];
      if (m.kind === "weekly") {
        const d = m.digest!;
        const path = ctx.unitPath.get(d.unitId);
        if (path === undefined || !covers(c, d.unitId, path)) continue;
        const key = robotKey(c.id, `unit${d.unitId}:weekly:${d.monday}`);
        if (digestSent.has(key)) continue;
        digestSent.add(key);
        items = [{ taskId: null, kind: "weekly", day: d.monday, dedupeKey: key, attempts: 0 }];
      } else {
        const mine = new Set<string>();
        for (const l of m.lines) {
          const u = ctx.taskUnit.get(l.taskId);
          if (u && covers(c, u.unitId, u.unitPath)) mine.add(l.key);
        }
        items = m.items.filter((i) => mine.has(i.dedupeKey)).map((i) => ({ ...i, dedupeKey: robotKey(c.id, i.dedupeKey), attempts: 0 }));
        lines = m.lines.filter((l) => mine.has(l.key)).map((l) => ({ ...l, key: robotKey(c.id, l.key) }));
      }
      const due: PlannedItem[] = [];
      for (const i of items) {
        ctx.relevant?.add(i.dedupeKey);
        const attempts = dueAttempts(ctx.log.get(i.dedupeKey), ctx.nowMs, ctx.staleClaimMs);
        if (attempts === null || (ctx.retryOnly && attempts === 0)) continue;
        due.push({ ...i, attempts });
      }
      if (!due.length) continue;
      const only = (keys: Set<string>) => messageOf(m, lines.filter((l) => keys.has(l.key)), person, ctx.baseUrl);
      out.push({ channelId: c.id, kind, recipientId: m.recipient.id, items: due, message: only(new Set(due.map((i) => i.dedupeKey))), only });
    }
  }
  return out;
}
