// Every table of Rectify. Dates people choose (deadlines) are 'YYYY-MM-DD' text; moments are
// ISO-8601 UTC text. Codes are English; the UI shows the Chinese labels (server/lib/labels.ts).
import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, uniqueIndex, check, primaryKey } from "drizzle-orm/sqlite-core";

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

/** 组织树: 党委 / 党组 / 党总支 / 党支部 */
export const units = sqliteTable(
  "units",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    code: text("code").notNull(),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["committee", "group", "general_branch", "branch"] }).notNull(),
    parentId: integer("parent_id").references((): any => units.id),
    /** '/1/4/9/': ids from the root down to this unit, for "this unit and its sub-units" */
    path: text("path").notNull().default(""),
    /** 分类定级: 先进 / 一般 / 后进 / 软弱涣散 */
    rating: text("rating", { enum: ["advanced", "average", "backward", "weak"] }),
    ratingYear: integer("rating_year"),
    /** 销号须经领导审核 (default on); off: the owner's mark closes the task at once */
    requireSignoffCheck: integer("require_signoff_check", { mode: "boolean" }).notNull().default(true),
    /** 佐证材料必传 (default on): 申请销号 and 销号 need at least one evidence file on the task */
    requireEvidence: integer("require_evidence", { mode: "boolean" }).notNull().default(true),
    /** 支部书记 */
    secretaryId: integer("secretary_id").references((): any => users.id),
    /** 联系/分管领导 */
    overseerId: integer("overseer_id").references((): any => users.id),
    /** 主送机关 last set for one of this unit's 整改情况报告: the next report starts from it */
    reportAddressee: text("report_addressee"),
    /** 回头看: months after 销号 (null: 3; 0: none); 长期坚持 tasks every recheck_ongoing_months (null: 6) */
    recheckMonths: integer("recheck_months"),
    recheckOngoingMonths: integer("recheck_ongoing_months"),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("units_code_uq").on(t.code), index("units_parent_idx").on(t.parentId), index("units_path_idx").on(t.path)],
);

export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    email: text("email").notNull(),
    name: text("name").notNull(),
    /** admin 系统管理员 · security 安全管理员 · auditor 审计管理员 (三员分立) · leader · staff */
    role: text("role", { enum: ["admin", "leader", "staff", "security", "auditor"] }).notNull(),
    unitId: integer("unit_id")
      .notNull()
      .references(() => units.id),
    passwordHash: text("password_hash").notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    remindEnabled: integer("remind_enabled", { mode: "boolean" }).notNull().default(true),
    /** lead days for deadline mails, e.g. "7,3,1" */
    remindDays: text("remind_days").notNull().default("7,3,1"),
    /** 手机 (11 digits): group robots @ the person by it */
    mobile: text("mobile"),
    failedLogins: integer("failed_logins").notNull().default(0),
    lockedUntil: text("locked_until"),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("users_email_uq").on(sql`lower(${t.email})`), index("users_unit_idx").on(t.unitId)],
);

export const sessions = sqliteTable(
  "sessions",
  {
    /** sha256 of the cookie's token: a stolen database holds no usable session */
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    createdAt: text("created_at").notNull().default(now),
    expiresAt: text("expires_at").notNull(),
    lastSeenAt: text("last_seen_at").notNull().default(now),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expires_idx").on(t.expiresAt)],
);

/** 自查报告 (filled by the import) */
export const reports = sqliteTable(
  "reports",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    title: text("title").notNull(),
    unitId: integer("unit_id")
      .notNull()
      .references(() => units.id),
    originalName: text("original_name"),
    format: text("format", { enum: ["docx", "doc", "txt", "paste", "ledger"] }).notNull(),
    storedFile: text("stored_file"),
    sha256: text("sha256"),
    fullText: text("full_text").notNull(),
    /** the parser's sections as JSON, so the measures section can be regenerated in place */
    sectionsJson: text("sections_json").notNull().default("[]"),
    importedBy: integer("imported_by")
      .notNull()
      .references(() => users.id),
    importedAt: text("imported_at").notNull().default(now),
    /** the 整改情况报告's title as a leader set it (a newline where the line breaks); null: derived from the title */
    docTitle: text("doc_title"),
    /** the 整改情况报告's 主送机关; null: the unit's last one */
    docAddressee: text("doc_addressee"),
  },
  (t) => [index("reports_unit_idx").on(t.unitId), index("reports_sha_idx").on(t.sha256), index("reports_imported_idx").on(t.importedAt, t.id)],
);

/** 存在问题: one per problem found in a report */
export const problems = sqliteTable(
  "problems",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    reportId: integer("report_id")
      .notNull()
      .references(() => reports.id),
    seq: integer("seq").notNull(),
    category: text("category"),
    text: text("text").notNull(),
    /** position in the report's full text, for showing it in context */
    startOffset: integer("start_offset"),
    endOffset: integer("end_offset"),
    /** the report's own measures that match this problem */
    measures: text("measures"),
    /**
     * 待分派: a problem confirmed without a 责任人 keeps the review's choices so far (unit, leader,
     * deadline) here as JSON, to prefill its assignment from the report page; null once it has a task
     */
    pendingJson: text("pending_json"),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [index("problems_report_idx").on(t.reportId, t.seq), index("problems_pending_idx").on(t.reportId).where(sql`pending_json IS NOT NULL`)],
);

/** 整改任务 */
export const tasks = sqliteTable(
  "tasks",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    problemId: integer("problem_id").references(() => problems.id),
    /** 责任单位 */
    unitId: integer("unit_id")
      .notNull()
      .references(() => units.id),
    /** 配合单位 (free text, as ledgers carry it) */
    coUnits: text("co_units").notNull().default(""),
    /** 责任领导 */
    leaderId: integer("leader_id").references(() => users.id),
    /** 责任人 */
    ownerId: integer("owner_id")
      .notNull()
      .references(() => users.id),
    title: text("title").notNull(),
    /** 整改目标 / 完成标准 */
    goal: text("goal").notNull().default(""),
    /** 整改措施 */
    measures: text("measures").notNull().default(""),
    /** 立行立改 / 限期整改 / 长期坚持 */
    deadlineKind: text("deadline_kind", { enum: ["immediate", "dated", "ongoing"] }).notNull(),
    deadline: text("deadline"),
    originalDeadline: text("original_deadline"),
    /** 待整改 / 整改中 / 待销号 / 已销号 */
    state: text("state", { enum: ["todo", "doing", "review", "done"] }).notNull().default("todo"),
    /** 整顿转化: the branch whose rating this task answers */
    linkedUnitId: integer("linked_unit_id").references(() => units.id),
    version: integer("version").notNull().default(1),
    createdBy: integer("created_by").references(() => users.id),
    createdAt: text("created_at").notNull().default(now),
    updatedAt: text("updated_at").notNull().default(now),
    signoffRequestedBy: integer("signoff_requested_by").references(() => users.id),
    signoffRequestedAt: text("signoff_requested_at"),
    signedOffBy: integer("signed_off_by").references(() => users.id),
    signedOffAt: text("signed_off_at"),
    progressCount: integer("progress_count").notNull().default(0),
    lastProgressAt: text("last_progress_at"),
    /** 整改成效 recorded at 销号: clear 成效明显 / basic 基本完成 / weak 成效不明显 */
    effect: text("effect", { enum: ["clear", "basic", "weak"] }),
    /** 反弹: how often this signed-off problem came back (回头看 or 重复出现 in a later report) */
    reboundCount: integer("rebound_count").notNull().default(0),
    /** 反弹/重复出现: the earlier task whose problem this one repeats */
    recursOfTaskId: integer("recurs_of_task_id").references((): any => tasks.id),
  },
  (t) => [
    index("tasks_unit_state_idx").on(t.unitId, t.state, t.deadline),
    index("tasks_owner_state_idx").on(t.ownerId, t.state, t.deadline),
    index("tasks_leader_state_idx").on(t.leaderId, t.state),
    index("tasks_state_deadline_idx").on(t.state, t.deadline),
    index("tasks_problem_idx").on(t.problemId),
    index("tasks_linked_unit_idx").on(t.linkedUnitId),
    check("tasks_deadline_kind_ck", sql`(${t.deadlineKind} = 'ongoing') = (${t.deadline} IS NULL)`),
  ],
);

/** 延期申请 */
export const extensionRequests = sqliteTable(
  "extension_requests",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    taskId: integer("task_id")
      .notNull()
      .references(() => tasks.id),
    requestedBy: integer("requested_by")
      .notNull()
      .references(() => users.id),
    requestedAt: text("requested_at").notNull().default(now),
    oldDeadline: text("old_deadline"),
    newDeadline: text("new_deadline").notNull(),
    reason: text("reason").notNull(),
    status: text("status", { enum: ["pending", "approved", "refused"] }).notNull().default("pending"),
    decidedBy: integer("decided_by").references(() => users.id),
    decidedAt: text("decided_at"),
    decisionReason: text("decision_reason"),
  },
  (t) => [
    index("ext_task_idx").on(t.taskId),
    // one open request per task, enforced by the database too
    uniqueIndex("ext_one_pending_uq").on(t.taskId).where(sql`status = 'pending'`),
    index("ext_status_idx").on(t.status, t.requestedAt),
  ],
);

/** 任务历史: every change, never deleted */
export const taskEvents = sqliteTable(
  "task_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    taskId: integer("task_id")
      .notNull()
      .references(() => tasks.id),
    actorId: integer("actor_id").references(() => users.id),
    at: text("at").notNull().default(now),
    kind: text("kind").notNull(),
    fromState: text("from_state"),
    toState: text("to_state"),
    text: text("text").notNull().default(""),
    /** structured detail (changed fields, old/new deadline) as JSON */
    data: text("data"),
  },
  (t) => [index("task_events_task_idx").on(t.taskId, t.at), index("task_events_kind_at_idx").on(t.kind, t.at)],
);

/** 回头看轮次: a re-check of every task signed off before `asOf` in a report or a unit's tree */
export const recheckRounds = sqliteTable(
  "recheck_rounds",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    title: text("title").notNull(),
    /** the tree the round covers (a report's unit for a report round) */
    unitId: integer("unit_id")
      .notNull()
      .references(() => units.id),
    reportId: integer("report_id").references(() => reports.id),
    asOf: text("as_of").notNull(),
    due: text("due").notNull(),
    createdBy: integer("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [index("recheck_rounds_unit_idx").on(t.unitId, t.id)],
);

/** 回头看: one re-check of a signed-off task, planned at 销号 or by a round; judged 巩固 or 反弹 */
export const recheckItems = sqliteTable(
  "recheck_items",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    taskId: integer("task_id")
      .notNull()
      .references(() => tasks.id),
    roundId: integer("round_id").references(() => recheckRounds.id),
    due: text("due").notNull(),
    status: text("status", { enum: ["open", "held", "rebound"] }).notNull().default("open"),
    note: text("note").notNull().default(""),
    decidedBy: integer("decided_by").references(() => users.id),
    decidedAt: text("decided_at"),
    eventId: integer("event_id").references(() => taskEvents.id),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [
    // one open 回头看 per task, enforced by the database too
    uniqueIndex("recheck_one_open_uq").on(t.taskId).where(sql`status = 'open'`),
    index("recheck_items_task_idx").on(t.taskId, t.id),
    index("recheck_items_status_due_idx").on(t.status, t.due),
    index("recheck_items_round_idx").on(t.roundId, t.status),
  ],
);

/** 佐证材料 */
export const attachments = sqliteTable(
  "attachments",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    taskId: integer("task_id")
      .notNull()
      .references(() => tasks.id),
    eventId: integer("event_id").references(() => taskEvents.id),
    originalName: text("original_name").notNull(),
    mime: text("mime").notNull(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    storedFile: text("stored_file").notNull(),
    uploadedBy: integer("uploaded_by")
      .notNull()
      .references(() => users.id),
    uploadedAt: text("uploaded_at").notNull().default(now),
  },
  (t) => [index("attachments_task_idx").on(t.taskId), index("attachments_event_idx").on(t.eventId)],
);

/** 提醒记录: one row per (task, recipient, kind, day); the unique key makes a send happen once */
export const reminderLog = sqliteTable(
  "reminder_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    taskId: integer("task_id").references(() => tasks.id),
    recipientId: integer("recipient_id")
      .notNull()
      .references(() => users.id),
    kind: text("kind").notNull(),
    day: text("day").notNull(),
    /** `${taskId ?? "-"}:${recipientId}:${kind}:${day}`: unique, so a send is claimed once */
    dedupeKey: text("dedupe_key").notNull(),
    /** failed: temporary (4xx, network), retried at retry_at; bounced: 退信 (5xx), never retried; expired: given up, no longer relevant */
    status: text("status", { enum: ["pending", "sent", "failed", "bounced", "expired"] }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    /** derived from the mail's dedupe keys when first claimed, the same on every attempt */
    messageId: text("message_id"),
    createdAt: text("created_at").notNull().default(now),
    sentAt: text("sent_at"),
    /** when the current attempt was claimed: a pending claim older than the longest send was lost */
    claimedAt: text("claimed_at"),
    /** a temporary failure's next attempt */
    retryAt: text("retry_at"),
    /** the address the last attempt went to (a 退信 flags the person while it is still theirs) */
    sentTo: text("sent_to"),
    /** an admin saw this failure (提醒邮件投递问题 on 首页) */
    acknowledgedAt: text("acknowledged_at"),
    acknowledgedBy: integer("acknowledged_by").references(() => users.id),
    /** a group robot's message (its keys start "robot:"): the channel it went to */
    channelId: integer("channel_id").references((): any => robotChannels.id),
    /** the platform's error code of the last failed attempt (errcode / code, or "HTTP 500") */
    errorCode: text("error_code"),
  },
  (t) => [
    uniqueIndex("reminder_once_uq").on(t.dedupeKey),
    index("reminder_recipient_idx").on(t.recipientId, t.day),
    index("reminder_status_idx").on(t.status, t.createdAt),
    index("reminder_created_idx").on(t.createdAt, t.id),
    index("reminder_channel_idx").on(t.channelId, t.sentAt),
  ],
);

/** 群机器人: a unit's chat-group robot (企业微信, 钉钉, 飞书, or a plain JSON webhook). The webhook
 * address and the signing secret are sealed (AES-256-GCM, server/features/channels/secret.ts). */
export const robotChannels = sqliteTable(
  "robot_channels",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    unitId: integer("unit_id")
      .notNull()
      .references(() => units.id),
    kind: text("kind", { enum: ["wecom", "dingtalk", "feishu", "webhook"] }).notNull(),
    /** the webhook address, sealed (it carries the robot's key or token) */
    urlSealed: text("url_sealed").notNull(),
    /** the address as shown: host and path, the key hidden */
    urlHint: text("url_hint").notNull(),
    /** 钉钉's / 飞书's signing secret, sealed; never shown again */
    secretSealed: text("secret_sealed"),
    /** "owner,escalation,digest" */
    messageKinds: text("message_kinds").notNull().default("owner,escalation,digest"),
    /** sub-units' messages go here too */
    includeSubunits: integer("include_subunits", { mode: "boolean" }).notNull().default(false),
    /** broken: 失效 after ten failures in a row; removed: deleted by an admin (the log keeps its rows) */
    status: text("status", { enum: ["active", "broken", "removed"] }).notNull().default("active"),
    /** failures in a row (0 after a success) */
    failures: integer("failures").notNull().default(0),
    lastError: text("last_error"),
    lastSentAt: text("last_sent_at"),
    brokenAt: text("broken_at"),
    createdBy: integer("created_by").references(() => users.id),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [index("robot_channels_unit_idx").on(t.unitId)],
);

/** 导入草稿: an uploaded report under review. Nothing of it becomes a report or tasks until
 * 确认生成任务; the draft survives reloads. `itemsJson` holds the problems being edited. */
export const importDrafts = sqliteTable(
  "import_drafts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    unitId: integer("unit_id")
      .notNull()
      .references(() => units.id),
    title: text("title").notNull(),
    originalName: text("original_name"),
    format: text("format", { enum: ["docx", "doc", "txt", "paste"] }).notNull(),
    /** the uploaded file, kept under REPORTS dir from upload on; the report takes it over */
    storedFile: text("stored_file"),
    sha256: text("sha256"),
    fullText: text("full_text").notNull(),
    sectionsJson: text("sections_json").notNull().default("[]"),
    /** the report's own measures as extracted, for matching and the picker */
    measuresJson: text("measures_json").notNull().default("[]"),
    itemsJson: text("items_json").notNull().default("[]"),
    notice: text("notice"),
    status: text("status", { enum: ["open", "confirmed", "discarded"] }).notNull().default("open"),
    reportId: integer("report_id").references(() => reports.id),
    version: integer("version").notNull().default(1),
    createdAt: text("created_at").notNull().default(now),
    updatedAt: text("updated_at").notNull().default(now),
  },
  (t) => [index("import_drafts_user_idx").on(t.userId, t.status)],
);

/** 系统设置 (key → JSON value): 黄灯天数, 整改期截止日期 */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: text("updated_at").notNull().default(now),
});

/**
 * 安全审计: who did what, when, from where, with what outcome. Append-only: triggers (migration
 * 0009) refuse every UPDATE, and every DELETE of a row younger than 180 days, so neither the app
 * nor anyone with its database can rewrite the trail; the nightly purge removes rows older than
 * AUDIT_RETENTION_DAYS (at least 180).
 */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: text("at").notNull(),
    /** the signed-in person (null before sign-in) */
    userId: integer("user_id"),
    /** their name then, or the email typed at a sign-in */
    userName: text("user_name").notNull().default(""),
    /** login, logout, lockout, password, unit.create, account.update, role.change, export.ledger, download.evidence, denied, … */
    action: text("action").notNull(),
    /** what it was done to, e.g. "unit 3", "/tasks/9" */
    target: text("target").notNull().default(""),
    outcome: text("outcome", { enum: ["ok", "fail", "denied"] }).notNull(),
    address: text("address").notNull().default(""),
    userAgent: text("user_agent").notNull().default(""),
    detail: text("detail").notNull().default(""),
  },
  (t) => [index("audit_log_at_idx").on(t.at), index("audit_log_user_idx").on(t.userId, t.id), index("audit_log_action_idx").on(t.action, t.id)],
);

/** Failed sign-ins per (email typed, client address): the lockout is per account and address. */
export const signInFailures = sqliteTable(
  "sign_in_failures",
  {
    email: text("email").notNull(),
    address: text("address").notNull(),
    failures: integer("failures").notNull().default(0),
    lockedUntil: text("locked_until"),
    lastAt: text("last_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.email, t.address] }), index("sign_in_failures_last_idx").on(t.lastAt)],
);

/**
 * Scheduled jobs that must run once across every server on one database (the nightly
 * maintenance): the first server to insert (name, slot) runs it; the others find the row and skip.
 */
export const jobRuns = sqliteTable(
  "job_runs",
  {
    name: text("name").notNull(),
    /** the scheduled moment, to the minute (ISO), that this run answers */
    slot: text("slot").notNull(),
    /** host:pid of the server that runs it */
    holder: text("holder").notNull(),
    startedAt: text("started_at").notNull(),
    finishedAt: text("finished_at"),
    error: text("error"),
  },
  (t) => [primaryKey({ columns: [t.name, t.slot] })],
);

/**
 * 迁入导入草稿 (issue 17): an uploaded organisation list, roster or 整改台账 under review. The
 * tables read from the file, the column mapping and the review's choices are `payloadJson`;
 * nothing else is written until 确认导入.
 */
export const moveinDrafts = sqliteTable(
  "movein_drafts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    kind: text("kind", { enum: ["units", "people", "ledger"] }).notNull(),
    /** the ledger's unit (its tree is where rows are matched); null for units and people */
    unitId: integer("unit_id").references(() => units.id),
    originalName: text("original_name").notNull(),
    sha256: text("sha256").notNull(),
    payloadJson: text("payload_json").notNull(),
    status: text("status", { enum: ["open", "confirmed", "discarded"] }).notNull().default("open"),
    reportId: integer("report_id").references(() => reports.id),
    version: integer("version").notNull().default(1),
    createdAt: text("created_at").notNull().default(now),
    updatedAt: text("updated_at").notNull().default(now),
  },
  (t) => [index("movein_drafts_user_idx").on(t.userId, t.kind, t.status), index("movein_drafts_sha_idx").on(t.sha256)],
);

/** 一次性登录链接: a new account's way in to set its password; only the token's sha256 is kept. */
export const signinLinks = sqliteTable(
  "signin_links",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    tokenHash: text("token_hash").notNull(),
    createdBy: integer("created_by").references(() => users.id),
    createdAt: text("created_at").notNull().default(now),
    expiresAt: text("expires_at").notNull(),
    usedAt: text("used_at"),
  },
  (t) => [uniqueIndex("signin_links_token_uq").on(t.tokenHash), index("signin_links_user_idx").on(t.userId)],
);

export type Unit = typeof units.$inferSelect;
export type User = typeof users.$inferSelect;
export type Task = typeof tasks.$inferSelect;
export type TaskEvent = typeof taskEvents.$inferSelect;
export type Attachment = typeof attachments.$inferSelect;
export type ExtensionRequest = typeof extensionRequests.$inferSelect;
export type Report = typeof reports.$inferSelect;
export type Problem = typeof problems.$inferSelect;
export type ImportDraft = typeof importDrafts.$inferSelect;
export type AuditEntry = typeof auditLog.$inferSelect;
export type RecheckItem = typeof recheckItems.$inferSelect;
export type RecheckRound = typeof recheckRounds.$inferSelect;
