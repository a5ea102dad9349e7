// Environment → one validated, typed, frozen object, read once at boot.
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { Cron } from "croner";

const bool = z
  .enum(["0", "1", "true", "false", "yes", "no"], { message: "应为 0 或 1" })
  .transform((v) => v === "1" || v === "true" || v === "yes");

/** A cron pattern (croner's syntax) or "off": no schedule in the server, the system's cron runs the CLI instead. */
function cronOrOff(fallback: string, message: string) {
  return z
    .string()
    .default(fallback)
    .refine((p) => {
      if (p === "off") return true;
      try {
        new Cron(p, { paused: true }).stop();
        return true;
      } catch {
        return false;
      }
    }, message);
}

const schema = z.object({
  PORT: z.coerce.number({ message: "应为端口号" }).int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATABASE_FILE: z.string().min(1).default("./data/rectify.db"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/i, { message: "应为 PostgreSQL 连接串，如 postgres://rectify:密码@db.example.org:5432/rectify" })
    .optional(),
  DATA_DIR: z.string().optional(),
  BASE_URL: z.string().url({ message: "应为完整网址，如 https://rectify.example.org" }).optional(),
  SESSION_SECRET: z.string().min(32, { message: "至少 32 个字符" }).optional(),
  SESSION_TTL_HOURS: z.coerce.number().positive().max(24 * 90).default(12),
  SEED_DEMO: bool.default(true),
  UPLOAD_MAX_MB: z.coerce.number().positive().max(1024).default(20),
  REPORT_MAX_MB: z.coerce.number().positive().max(1024).default(10),
  TZ: z
    .string()
    .default("Asia/Shanghai")
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat("zh-CN", { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, "不是有效的时区名，如 Asia/Shanghai"),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, { message: "应以 smtp:// 或 smtps:// 开头" })
    .optional(),
  MAIL_FROM: z.string().default("整改台账 <rectify@localhost>"),
  // seconds (RFC 5321 4.5.3.2: 5 minutes for the greeting and commands, 10 for the reply to the end of DATA)
  SMTP_CONNECT_TIMEOUT: z.coerce.number({ message: "应为秒数" }).positive({ message: "应为正的秒数" }).max(3600).default(120),
  SMTP_TIMEOUT: z.coerce.number({ message: "应为秒数" }).positive({ message: "应为正的秒数" }).max(3600).default(300),
  SMTP_DATA_TIMEOUT: z.coerce.number({ message: "应为秒数" }).positive({ message: "应为正的秒数" }).max(3600).default(600),
  REMIND_PARALLEL: z.coerce.number({ message: "应为 1–16 的整数" }).int({ message: "应为 1–16 的整数" }).min(1, { message: "应为 1–16 的整数" }).max(16, { message: "应为 1–16 的整数" }).default(4),
  REMIND_CRON: cronOrOff("30 8 * * *", "不是有效的 cron 表达式，如 30 8 * * *（每天 8:30）；不在服务器内定时发送时设为 off"),
  MAINTENANCE_CRON: cronOrOff("0 3 * * *", "不是有效的 cron 表达式，如 0 3 * * *（每天 3:00）；不在服务器内定时维护时设为 off"),
  AUDIT_RETENTION_DAYS: z.coerce.number({ message: "应为天数" }).int({ message: "应为整数天数" }).min(180, { message: "审计日志至少保留 180 天" }).max(36500).default(180),
  LOGIN_RATE_LIMIT: z.coerce.number({ message: "应为次数" }).int().min(1).max(10000).default(20),
  TRUST_PROXY: z.string().default("127.0.0.1,::1"),
  CHANNEL_SECRET_KEY: z.string().min(32, { message: "至少 32 个字符（或 64 位十六进制，即 32 字节的密钥）" }).optional(),
  CHANNEL_ALLOW_PRIVATE: bool.default(false),
  CHANNEL_TIMEOUT: z.coerce.number({ message: "应为秒数" }).positive({ message: "应为正的秒数" }).max(120).default(10),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  SLOW_REQUEST_MS: z.coerce.number({ message: "应为毫秒数（0 为不记录）" }).int({ message: "应为整数毫秒" }).min(0, { message: "应为毫秒数（0 为不记录）" }).max(3_600_000).default(2000),
  RECTIFY_DEV: bool.default(false),
});

export type Config = Readonly<{
  port: number;
  host: string;
  /** the SQLite file (unused when databaseUrl is set) */
  databaseFile: string;
  /** DATABASE_URL: PostgreSQL; when set it wins and no SQLite file is touched */
  databaseUrl: string | undefined;
  /** what openDb opens: databaseUrl, else databaseFile */
  database: string;
  /** the database as messages name it (a URL without its password) */
  databaseLabel: string;
  dataDir: string;
  evidenceDir: string;
  reportsDir: string;
  outboxDir: string;
  baseUrl: string;
  sessionSecret: string;
  sessionTtlMs: number;
  seedDemo: boolean;
  uploadMaxBytes: number;
  reportMaxBytes: number;
  timeZone: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  /** milliseconds: connecting, the greeting and each command, the reply to the end of DATA */
  smtpTimeouts: Readonly<{ connectMs: number; commandMs: number; dataMs: number }>;
  /** mails sent at once by a reminder run */
  remindParallel: number;
  remindCron: string;
  /** when the server runs its nightly upkeep (server/lib/maintenance.ts), or "off" */
  maintenanceCron: string;
  /** CHANNEL_SECRET_KEY: seals the group robots' addresses and secrets (unset: derived from the session secret) */
  channelSecretKey: string | undefined;
  /** CHANNEL_ALLOW_PRIVATE=1: robot webhooks may point to loopback or private addresses, over http:// too */
  channelAllowPrivate: boolean;
  /** milliseconds a robot's platform has to answer */
  channelTimeoutMs: number;
  logLevel: string;
  /** a request that takes this long or longer is logged as a warning with its path and time (0: none) */
  slowRequestMs: number;
  /** audit_log rows older than this are purged nightly (at least 180) */
  auditRetentionDays: number;
  /** sign-in attempts (POST /login) per client address per minute */
  loginRateLimit: number;
  /** whose X-Forwarded-For is believed: addresses/CIDRs of the reverse proxy ("" or "off": nobody's) */
  trustProxy: string[] | false;
  /** template cache off, no production-only behaviour */
  dev: boolean;
  secureCookies: boolean;
}>;

export class ConfigError extends Error {}

/** Reads the environment (or the given object) into a frozen Config; throws ConfigError with a readable message. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = schema.safeParse(clean);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}（当前值：${JSON.stringify(clean[String(i.path[0])])}）`);
    throw new ConfigError(`配置有误，请检查环境变量：\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const databaseFile = e.DATABASE_FILE === ":memory:" ? ":memory:" : resolve(e.DATABASE_FILE);
  const databaseUrl = e.DATABASE_URL;
  const dataDir = resolve(e.DATA_DIR ?? (databaseUrl || databaseFile === ":memory:" ? "./data" : dirname(databaseFile)));
  const baseUrl = (e.BASE_URL ?? `http://${e.HOST === "0.0.0.0" ? "localhost" : e.HOST}:${e.PORT}`).replace(/\/+$/, "");
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseFile,
    databaseUrl,
    database: databaseUrl ?? databaseFile,
    databaseLabel: databaseUrl ? withoutPassword(databaseUrl) : databaseFile,
    dataDir,
    evidenceDir: join(dataDir, "evidence"),
    reportsDir: join(dataDir, "reports"),
    outboxDir: join(dataDir, "outbox"),
    baseUrl,
    sessionSecret: e.SESSION_SECRET ?? sessionSecretFromDisk(dataDir),
    sessionTtlMs: e.SESSION_TTL_HOURS * 3600_000,
    seedDemo: e.SEED_DEMO,
    uploadMaxBytes: Math.round(e.UPLOAD_MAX_MB * 1024 * 1024),
    reportMaxBytes: Math.round(e.REPORT_MAX_MB * 1024 * 1024),
    timeZone: e.TZ,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    smtpTimeouts: Object.freeze({ connectMs: Math.round(e.SMTP_CONNECT_TIMEOUT * 1000), commandMs: Math.round(e.SMTP_TIMEOUT * 1000), dataMs: Math.round(e.SMTP_DATA_TIMEOUT * 1000) }),
    remindParallel: e.REMIND_PARALLEL,
    remindCron: e.REMIND_CRON,
    maintenanceCron: e.MAINTENANCE_CRON,
    channelSecretKey: e.CHANNEL_SECRET_KEY,
    channelAllowPrivate: e.CHANNEL_ALLOW_PRIVATE,
    channelTimeoutMs: Math.round(e.CHANNEL_TIMEOUT * 1000),
    logLevel: e.LOG_LEVEL,
    slowRequestMs: e.SLOW_REQUEST_MS,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    loginRateLimit: e.LOGIN_RATE_LIMIT,
    trustProxy: e.TRUST_PROXY === "off" ? false : e.TRUST_PROXY.split(",").map((s) => s.trim()).filter(Boolean),
    dev: e.RECTIFY_DEV,
    secureCookies: baseUrl.startsWith("https://"),
  });
}

function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "PostgreSQL";
  }
}

/** SESSION_SECRET unset: one is generated on first start and kept in the data folder. */
function sessionSecretFromDisk(dataDir: string): string {
  const file = join(dataDir, "session-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new ConfigError(`无法在数据目录 ${dataDir} 保存会话密钥（${(err as NodeJS.ErrnoException).code ?? String(err)}）：请让 DATA_DIR 指向可写的目录，或设置 SESSION_SECRET`);
  }
  const secret = randomBytes(32).toString("base64url");
  try {
    writeFileSync(file, secret + "\n", { mode: 0o600, flag: "wx" });
    chmodSync(file, 0o600);
    return secret;
  } catch (err) {
    // another process wrote it first: use theirs
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return readFileSync(file, "utf8").trim();
    throw err;
  }
}
