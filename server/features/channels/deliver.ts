// Posting to group robots, under the same exactly-once rule as mail (reminders/send.ts): each
// message's items are claimed in reminder_log (claim(): one writing transaction, a unique key per
// channel and item) after its turn in the robot's pace has come and before it is posted, outside
// any transaction; the outcome is recorded in a transaction of its own (record()), with the
// platform's error code. A message that fails is tried again within the run after a short
// backoff (a "too fast" answer waits for the robot's minute to pass), then left failed for the
// retry pass (15 min, 1 h, 4 h, then daily: retryDelayMs) while still planned. A channel whose
// messages fail ten times in a row is marked 失效 (broken) and its admin is told by mail.
//
// Pacing: per robot, a sliding window keeps every minute under the platform's limit (nextSlot);
// the window is shared by every run in this process and starts from the sends the log holds for
// the last minute (so a restart, or another server's run shortly before, is counted).
import http from "node:http";
import https from "node:https";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { eq, sql } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";
import { robotChannels, units, users } from "../../../db/schema.ts";
import type { Config } from "../../config.ts";
import { cnDateTime } from "../../lib/dates.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { plan, type PlanSettings } from "../reminders/plan.ts";
import type { Mailer } from "../reminders/mailer.ts";
import type { PlanInput, LoggedEntry } from "../reminders/send.ts";
import { claim, record, messageIdFor, mailDomain } from "../reminders/send.ts";
import { planRobots, type PlanChannel, type RobotSend } from "./plan.ts";
import { CHANNEL_KIND_LABEL, checkWebhookUrl, isPrivateAddress, MINUTE_MS, nextSlot, RATE_LIMIT, readAnswer, requestFor, type Answer, type ChannelKind, type MessageKind, type RobotMessage } from "./robots.ts";
import { channelKey, SecretError, unseal } from "./secret.ts";

/** a channel is 失效 after this many failed messages in a row */
export const BREAK_AFTER = 10;

export type RobotTuning = {
  /** attempts of a message within one run */
  tries: number;
  /** waits before the 2nd, 3rd … attempt after a 5xx, a timeout or a network error */
  backoffMs: number[];
  /** the wait after a "too fast" answer */
  rateLimitWaitMs: number;
  /** the pacing window ("a minute"; tests shorten it) */
  windowMs: number;
};
export const DEFAULT_TUNING: RobotTuning = { tries: 3, backoffMs: [2000, 10_000], rateLimitWaitMs: MINUTE_MS, windowMs: MINUTE_MS };

export type RobotConfig = Pick<Config, "baseUrl" | "mailFrom" | "timeZone" | "sessionSecret" | "channelSecretKey" | "channelAllowPrivate" | "channelTimeoutMs">;

/** A channel ready to post: its address and secret opened (or why they cannot be). */
export type LiveChannel = PlanChannel & { kind: ChannelKind; unitName: string; createdBy: number | null; url: string | null; secret: string | null; problem: string | null; label: string };

export const channelLabel = (c: { id: number; kind: ChannelKind; unitName: string }) => `${CHANNEL_KIND_LABEL[c.kind]}机器人#${c.id}（${c.unitName}）`;

type ChannelRow = typeof robotChannels.$inferSelect & { unitName: string; unitPath: string };

async function channelRows(db: Db, where: ReturnType<typeof eq>): Promise<ChannelRow[]> {
  const rows = await db
    .select({ c: robotChannels, unitName: units.name, unitPath: units.path })
    .from(robotChannels)
    .innerJoin(units, eq(units.id, robotChannels.unitId))
    .where(where)
    .orderBy(robotChannels.id);
  return rows.map((r) => ({ ...r.c, unitName: r.unitName, unitPath: r.unitPath }));
}

export function openChannel(r: ChannelRow, config: RobotConfig): LiveChannel {
  let url: string | null = null;
  let secret: string | null = null;
  let problem: string | null = null;
  try {
    const key = channelKey(config);
    url = unseal(r.urlSealed, key);
    secret = r.secretSealed ? unseal(r.secretSealed, key) : null;
  } catch (err) {
    if (!(err instanceof SecretError)) throw err;
    problem = err.message;
  }
  const kinds = r.messageKinds.split(",").filter(Boolean) as MessageKind[];
  return { id: r.id, unitId: r.unitId, unitPath: r.unitPath, unitName: r.unitName, kind: r.kind, kinds, includeSubunits: !!r.includeSubunits, createdBy: r.createdBy, url, secret, problem, label: channelLabel(r) };
}

export async function loadChannel(db: Db, id: number, config: RobotConfig): Promise<LiveChannel | null> {
  const r = (await channelRows(db, eq(robotChannels.id, id)))[0];
  return r && r.status !== "removed" ? openChannel(r, config) : null;
}

// ───────────────────────── HTTP ─────────────────────────

/** dns.lookup that refuses a name resolving to a loopback or private address (unless allowed): checked on the very connection made */
function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: object, cb: (err: Error | null, address?: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return cb(err);
      const list = addresses as LookupAddress[];
      const bad = list.find((a) => isPrivateAddress(a.address));
      if (bad && !allowPrivate) return cb(new Error(`域名 ${hostname} 解析到内网地址 ${bad.address}，已拒绝（仅在设置 CHANNEL_ALLOW_PRIVATE=1 时允许）`));
      if ((options as { all?: boolean }).all) return cb(null, list);
      cb(null, list[0].address, list[0].family);
    });
  };
}

export type HttpAnswer = { status: number; text: string };

/** POSTs the request; rejects on a timeout (the whole exchange) or a network error. The answer is cut at 64 KB. */
export function postJson(req: { url: string; body: string; headers: Record<string, string> }, opts: { timeoutMs: number; allowPrivate: boolean }): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const url = new URL(req.url);
    const lib = url.protocol === "https:" ? https : http;
    const r = lib.request(url, { method: "POST", headers: { ...req.headers, "content-length": Buffer.byteLength(req.body), "user-agent": "Rectify-robot/1" }, lookup: guardedLookup(opts.allowPrivate) as never }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        if (size < 65_536) chunks.push(c);
        size += c.length;
      });
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8").slice(0, 65_536) });
      });
      res.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const timer = setTimeout(() => r.destroy(Object.assign(new Error(`平台在 ${Math.round(opts.timeoutMs / 100) / 10} 秒内没有回答`), { code: "TIMEOUT" })), opts.timeoutMs);
    r.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    r.end(req.body);
  });
}

export type Attempt = Answer & { status: number | null; text: string };

/** One post of a message to a channel, its answer read; never throws. */
export async function postOnce(c: LiveChannel, m: RobotMessage, config: RobotConfig, now = Date.now()): Promise<Attempt> {
  if (c.problem || !c.url) return { ok: false, code: "SECRET", message: c.problem ?? "没有 Webhook 地址", rateLimited: false, status: null, text: "" };
  const checked = checkWebhookUrl(c.url, { allowPrivate: config.channelAllowPrivate });
  if (!checked.ok) return { ok: false, code: "URL", message: checked.error, rateLimited: false, status: null, text: "" };
  try {
    const res = await postJson(requestFor(c.kind, c.url, m, { secret: c.secret, now }), { timeoutMs: config.channelTimeoutMs, allowPrivate: config.channelAllowPrivate });
    return { ...readAnswer(c.kind, res.status, res.text), status: res.status, text: res.text };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ok: false, code: e.code === "TIMEOUT" ? "TIMEOUT" : (e.code ?? "NETWORK"), message: e.message || "网络错误", rateLimited: false, status: null, text: "" };
  }
}

/** worth trying again in this run: too fast, a server error, a timeout or a network error */
function transient(a: Attempt): boolean {
  if (a.rateLimited) return true;
  if (a.status === null) return a.code !== "URL" && a.code !== "SECRET";
  return a.status >= 500;
}

// ───────────────────────── pacing ─────────────────────────

const paces = new WeakMap<Db, Map<number, number[]>>();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** This process's sends to a channel (ms), started from the log's sends of the last window. */
async function paceOf(db: Db, channelId: number, windowMs: number): Promise<number[]> {
  let byChannel = paces.get(db);
  if (!byChannel) paces.set(db, (byChannel = new Map()));
  let h = byChannel.get(channelId);
  if (!h) {
    const since = new Date(Date.now() - windowMs).toISOString();
    const sent = await db.column<string>("SELECT sent_at FROM reminder_log WHERE channel_id = ? AND sent_at >= ?", [channelId, since]);
    // read while another run may have started this channel's pace: keep the one already there
    h = byChannel.get(channelId) ?? sent.map((s) => Date.parse(s));
    byChannel.set(channelId, h);
  }
  return h;
}

/** Waits for the channel's next slot under its limit and takes it; returns the slot (to give back with release). */
export async function takeSlot(db: Db, c: { id: number; kind: ChannelKind }, windowMs: number): Promise<number> {
  const h = await paceOf(db, c.id, windowMs);
  const now = Date.now();
  while (h.length && h[0] <= now - windowMs - 1000) h.shift();
  const at = nextSlot(h, now, RATE_LIMIT[c.kind], windowMs);
  h.push(at);
  h.sort((a, b) => a - b);
  if (at > now) await sleep(at - now);
  return at;
}

/** The slot's moment becomes the moment the post actually starts (what the platform counts). */
function stamp(db: Db, channelId: number, at: number): number {
  const h = paces.get(db)?.get(channelId);
  const i = h ? h.indexOf(at) : -1;
  const now = Date.now();
  if (h && i >= 0) {
    h[i] = now;
    h.sort((a, b) => a - b);
  }
  return now;
}

function releaseSlot(db: Db, channelId: number, at: number) {
  const h = paces.get(db)?.get(channelId);
  const i = h ? h.indexOf(at) : -1;
  if (h && i >= 0) h.splice(i, 1);
}

/** After a "too fast" answer: the robot counts as full for a window from now. */
function fillWindow(db: Db, c: { id: number; kind: ChannelKind }) {
  const h = paces.get(db)?.get(c.id);
  if (!h) return;
  const now = Date.now();
  for (let i = 0; i < RATE_LIMIT[c.kind].perMinute; i++) h.push(now);
  h.sort((a, b) => a - b);
}

/**
 * Posts a message, paced, trying again within the run after a transient failure. The first
 * slot is the caller's (taken before the claim).
 */
async function postPaced(db: Db, c: LiveChannel, m: RobotMessage, config: RobotConfig, tuning: RobotTuning, slot: number): Promise<Attempt & { tries: number }> {
  let a: Attempt = await postOnce(c, m, config, stamp(db, c.id, slot));
  let tries = 1;
  while (!a.ok && transient(a) && tries < tuning.tries) {
    if (a.rateLimited) {
      fillWindow(db, c);
      await sleep(tuning.rateLimitWaitMs);
    } else await sleep(tuning.backoffMs[Math.min(tries - 1, tuning.backoffMs.length - 1)] ?? 0);
    const next = await takeSlot(db, c, tuning.windowMs);
    a = await postOnce(c, m, config, stamp(db, c.id, next));
    tries++;
  }
  return { ...a, tries };
}

// ───────────────────────── the channel's health ─────────────────────────

/**
 * Counts a message's outcome on its channel: a success clears the count; the tenth failure in
 * a row marks the channel 失效. Returns true only to the one call that marked it.
 */
async function countOutcome(db: Db, channelId: number, ok: boolean, error: string, at: Date): Promise<boolean> {
  return db.tx(async () => {
    const row = (await db.select({ failures: robotChannels.failures, status: robotChannels.status }).from(robotChannels).where(eq(robotChannels.id, channelId)))[0];
    if (!row) return false;
    if (ok) {
      await db.update(robotChannels).set({ failures: 0, lastError: null, lastSentAt: at.toISOString() }).where(eq(robotChannels.id, channelId));
      return false;
    }
    const failures = row.failures + 1;
    const breaks = row.status === "active" && failures >= BREAK_AFTER;
    await db
      .update(robotChannels)
      .set({ failures, lastError: error.slice(0, 500), ...(breaks ? { status: "broken" as const, brokenAt: at.toISOString() } : {}) })
      .where(eq(robotChannels.id, channelId));
    return breaks;
  });
}

/** 失效: a mail to the admin who added the channel (or, if that account is gone or not an admin, every active admin). */
export async function tellAdmins(db: Db, mailer: Mailer, config: RobotConfig, c: LiveChannel, lastError: string, at: Date): Promise<string[]> {
  const admins = await db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(sql`${users.role} = 'admin' AND ${users.active} = 1`).orderBy(users.id);
  const to = admins.filter((a) => a.id === c.createdBy);
  const list = to.length ? to : admins;
  const page = `${config.baseUrl}/admin/units/${c.unitId}/robots`;
  const subject = `【群机器人失效】${c.unitName}的${CHANNEL_KIND_LABEL[c.kind]}机器人连续${BREAK_AFTER}次发送失败`;
  const when = cnDateTime(at.toISOString(), config.timeZone);
  const text = [`${c.label}自${when}起已标记为“失效”，不再向该群发送提醒。`, `最近一次错误：${lastError}`, "", "请核对机器人的 Webhook 地址、签名密钥和群设置，处理后在单位管理中“重新启用”：", page].join("\n");
  const esc = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]!);
  const html = `<p>${esc(c.label)}自${esc(when)}起已标记为“失效”，不再向该群发送提醒。</p><p>最近一次错误：${esc(lastError)}</p><p>请核对机器人的 Webhook 地址、签名密钥和群设置，处理后在单位管理中“重新启用”：<a href="${esc(page)}">${esc(page)}</a></p>`;
  const sent: string[] = [];
  for (const a of list) {
    try {
      await mailer.send({ to: { name: a.name, address: a.email }, subject, text, html, messageId: `<rectify.robot-broken.${c.id}.${at.getTime()}.${a.id}@${mailDomain(config)}>`, date: at, headers: { "Auto-Submitted": "auto-generated", "X-Rectify-Kind": "robot-broken" } });
      sent.push(a.email);
    } catch {
      // the mail server failed too: the channel's state on 单位管理 still says 失效
    }
  }
  return sent;
}

// ───────────────────────── the run ─────────────────────────

export type RobotResult = {
  channelId: number;
  channel: string;
  kind: MessageKind;
  title: string;
  items: number;
  /** taken: another run has these items (sent, or sending) */
  status: "sent" | "failed" | "taken" | "would-send";
  code?: string | null;
  error?: string;
  retryAt?: string;
  /** this failure marked the channel 失效; the admins told by mail */
  broke?: { notified: string[] };
};

export type RobotRun = {
  db: Db;
  config: RobotConfig;
  mailer: Mailer;
  today: string;
  settings: PlanSettings;
  input: PlanInput;
  /** receives every robot item due today (expire() gives up the others) */
  relevant: Set<string>;
  staleClaimMs: number;
  retryOnly?: boolean;
  dryRun?: boolean;
  wall?: () => Date;
  tuning?: Partial<RobotTuning>;
};

/** Today's robot messages: planned, then posted channel by channel (channels at once, each robot's messages in turn). */
export async function runRobots(o: RobotRun): Promise<RobotResult[]> {
  const channels = (await channelRows(o.db, eq(robotChannels.status, "active"))).map((r) => openChannel(r, o.config));
  if (!channels.length) return [];
  const tuning = { ...DEFAULT_TUNING, ...o.tuning };
  const wall = o.wall ?? (() => new Date());
  // what is due today, whatever mail has been sent: planned without the mail log
  const mails = plan(o.input.tasks, o.input.users, [], o.today, o.settings, o.input.closed);
  const mobiles = await o.db.all<{ id: number; mobile: string }>("SELECT id, mobile FROM users WHERE mobile IS NOT NULL AND mobile <> ''");
  const unitPaths = await o.db.all<{ id: number; path: string }>("SELECT id, path FROM units");
  const robotLog = new Map<string, LoggedEntry>(o.input.log.filter((e) => e.dedupeKey.startsWith("robot:")).map((e) => [e.dedupeKey, e]));
  const sends = planRobots(mails, channels, {
    taskUnit: new Map(o.input.tasks.map((t) => [t.id, { unitId: t.unitId, unitPath: t.unitPath }])),
    unitPath: new Map(unitPaths.map((u) => [u.id, u.path])),
    mobile: new Map(mobiles.map((u) => [u.id, u.mobile])),
    baseUrl: o.config.baseUrl,
    log: robotLog,
    nowMs: Date.parse(o.settings.now),
    staleClaimMs: o.staleClaimMs,
    relevant: o.relevant,
    retryOnly: o.retryOnly,
  });
  const byId = new Map(channels.map((c) => [c.id, c]));
  if (o.dryRun) return sends.map((s) => ({ channelId: s.channelId, channel: byId.get(s.channelId)!.label, kind: s.kind, title: s.message.title, items: s.items.length, status: "would-send" as const }));
  const queues = new Map<number, RobotSend[]>();
  for (const s of sends) {
    let q = queues.get(s.channelId);
    if (!q) queues.set(s.channelId, (q = []));
    q.push(s);
  }
  const results: RobotResult[] = [];
  await Promise.all(
    [...queues].map(async ([id, queue]) => {
      const c = byId.get(id)!;
      for (const s of queue) {
        const r = await deliverOne(o, c, s, tuning, wall);
        results.push(r);
        if (r.broke) break; // 失效: the rest waits until an admin enables the channel again
      }
    }),
  );
  return results;
}

async function deliverOne(o: RobotRun, c: LiveChannel, s: RobotSend, tuning: RobotTuning, wall: () => Date): Promise<RobotResult> {
  const base = { channelId: c.id, channel: c.label, kind: s.kind };
  const keysAll = s.items.map((i) => i.dedupeKey);
  // the same ID on every attempt of these items (record() finds its rows by it)
  const messageId = messageIdFor(keysAll, "robot");
  // the turn in the robot's pace first, then the claim: a claim is never held while waiting
  const slot = await takeSlot(o.db, c, tuning.windowMs);
  const keys = await claim(o.db, s.items.map((i) => ({ ...i, recipientId: s.recipientId, channelId: c.id })), messageId, wall(), { staleClaimMs: o.staleClaimMs, address: c.label });
  if (!keys.size) {
    releaseSlot(o.db, c.id, slot);
    return { ...base, title: s.message.title, items: s.items.length, status: "taken" };
  }
  const message = keys.size === s.items.length ? s.message : s.only(keys);
  const a = await postPaced(o.db, c, message, o.config, tuning, slot);
  const at = wall();
  const error = a.ok ? "" : `${a.code ? `[${a.code}] ` : ""}${a.message}${a.tries > 1 ? `（本次共尝试${a.tries}次）` : ""}`;
  const retryAt = await record(o.db, messageId, keys, a.ok ? { ok: true, at } : { ok: false, permanent: false, error, errorCode: a.code, at });
  const broke = await countOutcome(o.db, c.id, a.ok, error, at);
  const result: RobotResult = { ...base, title: message.title, items: keys.size, status: a.ok ? "sent" : "failed", ...(a.ok ? {} : { code: a.code, error, retryAt }) };
  if (broke) result.broke = { notified: await tellAdmins(o.db, o.mailer, o.config, c, error, at) };
  return result;
}

// ───────────────────────── the test message ─────────────────────────

export type TestAnswer = { ok: boolean; code: string | null; message: string; status: number | null; text: string };

/** 发送测试消息: one post now (paced like the others), the platform's answer as it came. The channel's count is not touched. */
export async function sendTestMessage(db: Db, config: RobotConfig, id: number, by: string): Promise<TestAnswer & { channel: LiveChannel }> {
  const c = await loadChannel(db, id, config);
  if (!c) throw new NotFoundError("该机器人不存在或已删除");
  const m: RobotMessage = {
    kind: "test",
    title: "【整改台账】测试消息",
    intro: `这是一条测试消息：${by}在整改台账中为“${c.unitName}”添加了本群机器人，今后的整改提醒将发送到本群。`,
    lines: [],
    more: 0,
    link: { text: "打开整改台账", url: `${config.baseUrl}/tasks` },
    mentions: [],
  };
  const slot = await takeSlot(db, c, MINUTE_MS);
  const a = await postOnce(c, m, config, stamp(db, c.id, slot));
  return { ok: a.ok, code: a.code, message: a.message, status: a.status, text: a.text, channel: c };
}
