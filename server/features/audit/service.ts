// 安全审计: one append-only table (audit_log; triggers in migration 0012 refuse UPDATE and any
// DELETE younger than 180 days). Routes write through audit(req, …) with who, from where and the
// outcome; the auditor reads it page by page (keyset paging on the id, no count) and exports it.
import type { FastifyRequest } from "fastify";
import type { Db } from "../../../db/client.ts";
import type { AuditEntry } from "../../../db/schema.ts";

export type Outcome = "ok" | "fail" | "denied";

/** Every kind of entry, with its name on the page and in the export. */
export const AUDIT_ACTIONS = {
  login: "登录",
  lockout: "登录锁定",
  logout: "退出登录",
  password: "修改密码",
  "unit.create": "新增单位",
  "unit.update": "修改单位",
  "settings.update": "修改系统设置",
  "account.create": "新增账号",
  "account.update": "修改账号",
  "role.change": "变更角色",
  "lockout.lift": "解除登录锁定",
  "reminder.resend": "重新发送提醒",
  "channel.create": "添加群机器人",
  "channel.update": "修改群机器人",
  "channel.test": "群机器人测试消息",
  "channel.enable": "重新启用群机器人",
  "channel.remove": "删除群机器人",
  "import.upload": "上传自查报告",
  "import.confirm": "导入自查报告",
  "movein.upload": "上传迁入表格",
  "movein.confirm": "确认迁入导入",
  "account.link": "生成一次性登录链接",
  "export.ledger": "导出整改台账",
  "export.report": "导出整改情况报告",
  "export.audit": "导出审计日志",
  "download.evidence": "下载佐证材料",
  "download.report-file": "下载报告原件",
  "download.mail": "下载提醒邮件",
  denied: "拒绝访问",
} as const;
export type AuditAction = keyof typeof AUDIT_ACTIONS;
export const OUTCOME_LABEL: Record<Outcome, string> = { ok: "成功", fail: "失败", denied: "拒绝" };

export type AuditInput = {
  at: string;
  userId: number | null;
  userName: string;
  action: AuditAction;
  target?: string;
  outcome: Outcome;
  address?: string;
  userAgent?: string;
  detail?: string;
};

const INSERT_SQL = "INSERT INTO audit_log (at, user_id, user_name, action, target, outcome, address, user_agent, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

/** One entry; in the caller's transaction when there is one, else in a transaction of its own. */
export async function recordAudit(db: Db, e: AuditInput): Promise<void> {
  await db.run(INSERT_SQL, [
    e.at,
    e.userId,
    e.userName.slice(0, 200),
    e.action,
    (e.target ?? "").slice(0, 500),
    e.outcome,
    (e.address ?? "").slice(0, 100),
    (e.userAgent ?? "").slice(0, 300),
    (e.detail ?? "").slice(0, 2000),
  ]);
}

/** An entry for this request: the signed-in person (unless named), the client's address and browser, now. */
export async function audit(req: FastifyRequest, action: AuditAction, opts: { target?: string; outcome?: Outcome; detail?: string; userId?: number | null; userName?: string } = {}): Promise<void> {
  const app = req.server;
  await recordAudit(app.db, {
    at: app.clock().toISOString(),
    userId: opts.userId !== undefined ? opts.userId : (req.user?.id ?? null),
    userName: opts.userName ?? req.user?.name ?? "",
    action,
    target: opts.target,
    outcome: opts.outcome ?? "ok",
    address: req.ip,
    userAgent: String(req.headers["user-agent"] ?? ""),
    detail: opts.detail,
  });
}

export type AuditFilter = {
  userId?: number;
  action?: string;
  /** ISO moments: from inclusive, to exclusive */
  fromIso?: string;
  toIso?: string;
  /** the page starts below this id (keyset paging, newest first) */
  before?: number;
};

export const AUDIT_PAGE = 50;

/**
 * One page of entries, newest first, and the id the next page starts below (null on the last).
 * Every filter is answered by an index: the person's and the action's indexes run by id, and a
 * date range becomes an id range through the index on `at` (ids grow with time; `at` is still
 * compared, for entries written with a clock that stepped back), so a page reads about a page of
 * rows however long the log is. No count of the whole.
 */
export async function listAudit(db: Db, f: AuditFilter, limit = AUDIT_PAGE): Promise<{ rows: AuditEntry[]; nextBefore: number | null }> {
  const where: string[] = [];
  const params: unknown[] = [];
  // a date range as an id range: the first id at or after `from`, the last before `to`
  const bounds = [
    { iso: f.fromIso, sql: "SELECT min(id) FROM audit_log WHERE at >= ?", where: "id >= ? AND at >= ?" },
    { iso: f.toIso, sql: "SELECT max(id) FROM audit_log WHERE at < ?", where: "id <= ? AND at < ?" },
  ];
  for (const b of bounds) {
    if (!b.iso) continue;
    const id = await db.value<number | null>(b.sql, [b.iso]);
    if (id == null) return { rows: [], nextBefore: null };
    where.push(b.where);
    params.push(id, b.iso);
  }
  if (f.before) {
    where.push("id < ?");
    params.push(f.before);
  }
  if (f.userId) {
    where.push("user_id = ?");
    params.push(f.userId);
  }
  if (f.action) {
    where.push("action = ?");
    params.push(f.action);
  }
  const n = Math.max(1, Math.min(limit, 10_000));
  const rows = await db.all<AuditEntry>(
    `SELECT id, at, user_id AS "userId", user_name AS "userName", action, target, outcome, address, user_agent AS "userAgent", detail FROM audit_log${where.length ? " WHERE " + where.join(" AND ") : ""} ORDER BY id DESC LIMIT ${n + 1}`,
    params,
  );
  const more = rows.length > n;
  if (more) rows.pop();
  return { rows, nextBefore: more ? rows[rows.length - 1].id : null };
}

/** Removes entries older than `days` (at least 180; the triggers refuse anything younger). Returns how many. */
export async function purgeAudit(db: Db, days: number, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - Math.max(180, days) * 86_400_000).toISOString();
  return db.run("DELETE FROM audit_log WHERE at < ?", [cutoff]);
}
