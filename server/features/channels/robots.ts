// Group robots (企业微信, 钉钉, 飞书, or a plain JSON webhook), pure: each platform's message body,
// its signature, how to read its answer, which webhook addresses are allowed, and the pacing
// that keeps a robot under its per-minute limit. No I/O here (send.ts and service.ts do that).
//
// The platforms (../shared/DOMAIN.md):
//   企业微信  {"msgtype":"markdown","markdown":{"content":…}}; @ by mobile only in a text message
//            ({"msgtype":"text","text":{"content":…,"mentioned_mobile_list":[…]}}); no signing (the
//            key in the address is the secret); 20 a minute per robot; answers {errcode, errmsg}.
//   钉钉      {"msgtype":"markdown","markdown":{"title","text"},"at":{"atMobiles":[…]}}, the mobiles
//            also written "@138…" in the text; signed: &timestamp=ms&sign=urlencode(base64(
//            HmacSHA256(key = secret, message = ms + "\n" + secret))); 20 a minute; {errcode, errmsg}.
//   飞书      an interactive card (header + lark_md); signed: the body carries timestamp (seconds)
//            and sign = base64(HmacSHA256(key = seconds + "\n" + secret, message = "")); about 100
//            a minute and 5 a second; answers {code, msg} (older robots {StatusCode, StatusMessage}).
//   webhook   {"source":"rectify", kind, title, text (markdown), items, mentions}; with a secret,
//            X-Rectify-Timestamp (seconds) and X-Rectify-Signature: sha256=hex(HmacSHA256(key =
//            secret, message = timestamp + "." + body)).
// Success is the platform's code (0), not the HTTP status.
import { createHmac } from "node:crypto";
import { isIP } from "node:net";

export const CHANNEL_KINDS = ["wecom", "dingtalk", "feishu", "webhook"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export const CHANNEL_KIND_LABEL: Record<ChannelKind, string> = { wecom: "企业微信", dingtalk: "钉钉", feishu: "飞书", webhook: "通用 Webhook" };
/** the platforms that sign requests with a secret (the generic webhook may, too) */
export const SIGNED_KINDS: readonly ChannelKind[] = ["dingtalk", "feishu", "webhook"];

/** What a channel may take: 责任人提醒, 逾期督办 (escalations and nudges to the leader), 每周汇总. */
export const MESSAGE_KINDS = ["owner", "escalation", "digest"] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
export const MESSAGE_KIND_LABEL: Record<MessageKind, string> = { owner: "责任人提醒", escalation: "逾期督办", digest: "每周汇总" };

/** "owner,digest" → ["owner", "digest"]; unknown words → an error message */
export function parseMessageKinds(s: string | string[] | undefined): { kinds: MessageKind[]; error?: string } {
  const words = [s ?? []].flat().flatMap((x) => String(x).split(/[,，、\s]+/)).filter(Boolean);
  const bad = words.filter((w) => !(MESSAGE_KINDS as readonly string[]).includes(w));
  if (bad.length) return { kinds: [], error: `消息类型只能是 ${MESSAGE_KINDS.join("、")}（${MESSAGE_KINDS.map((k) => MESSAGE_KIND_LABEL[k]).join("、")}），不认识：${bad.join("、")}` };
  const kinds = MESSAGE_KINDS.filter((k) => words.includes(k));
  if (!kinds.length) return { kinds, error: "请至少选择一种消息类型" };
  return { kinds };
}

// ───────────────────────── limits ─────────────────────────

export type RateLimit = { perMinute: number; perSecond?: number };
/** 钉钉 and 企业微信: 20 a minute per robot; 飞书: 100 a minute, 5 a second; a plain webhook as 钉钉 */
export const RATE_LIMIT: Record<ChannelKind, RateLimit> = { wecom: { perMinute: 20 }, dingtalk: { perMinute: 20 }, feishu: { perMinute: 100, perSecond: 5 }, webhook: { perMinute: 20 } };
/** the window counted as "a minute": a second more, for the clocks and the network between us */
export const MINUTE_MS = 61_000;

/**
 * The earliest moment ≥ now at which one more message may go: fewer than perMinute sent in the
 * window before it (and fewer than perSecond in the second before it). `sent`: earlier sends'
 * moments (ms), any order.
 */
export function nextSlot(sent: readonly number[], now: number, limit: RateLimit, windowMs = MINUTE_MS): number {
  const times = [...sent].sort((a, b) => a - b);
  let t = now;
  for (;;) {
    const inWindow = times.filter((x) => x > t - windowMs);
    if (inWindow.length >= limit.perMinute) {
      // wait until the oldest that keeps the window full has left it
      t = inWindow[inWindow.length - limit.perMinute] + windowMs;
      continue;
    }
    if (limit.perSecond) {
      const inSecond = times.filter((x) => x > t - 1000);
      if (inSecond.length >= limit.perSecond) {
        t = inSecond[inSecond.length - limit.perSecond] + 1000;
        continue;
      }
    }
    return t;
  }
}

/** The moments at which `n` messages go, after `sent`, starting at `now`: never over the limit. */
export function pacePlan(n: number, sent: readonly number[], now: number, limit: RateLimit, windowMs = MINUTE_MS): number[] {
  const all = [...sent];
  const out: number[] = [];
  let t = now;
  for (let i = 0; i < n; i++) {
    t = nextSlot(all, t, limit, windowMs);
    out.push(t);
    all.push(t);
  }
  return out;
}

// ───────────────────────── signatures ─────────────────────────

/** 钉钉: base64(HmacSHA256(key = secret, message = timestampMs + "\n" + secret)), to be URL-encoded in the address */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac("sha256", secret).update(`${timestampMs}\n${secret}`, "utf8").digest("base64");
}

/** 飞书: base64(HmacSHA256(key = timestampSeconds + "\n" + secret, message = "")) */
export function feishuSign(secret: string, timestampSec: number): string {
  return createHmac("sha256", `${timestampSec}\n${secret}`).update("").digest("base64");
}

/** the generic webhook: "sha256=" + hex(HmacSHA256(key = secret, message = timestampSec + "." + body)) */
export function webhookSign(secret: string, timestampSec: number, body: string): string {
  return "sha256=" + createHmac("sha256", secret).update(`${timestampSec}.${body}`, "utf8").digest("hex");
}

// ───────────────────────── messages ─────────────────────────

/** One line of a message: a task with its link and a few words (剩余3天, 逾期2天 …). */
export type MessageLine = { title: string; url: string; note: string };
export type Mention = { name: string; mobile: string | null };

/** A message before it takes a platform's shape. */
export type RobotMessage = {
  kind: MessageKind | "test";
  /** 【整改提醒】李干事：2项整改任务即将到期 */
  title: string;
  /** a sentence under the title (may be empty) */
  intro: string;
  lines: MessageLine[];
  /** lines left out to keep it short ("另有N项") */
  more: number;
  /** a link to the whole list */
  link: { text: string; url: string } | null;
  /** people to @ (by mobile where the platform can) */
  mentions: Mention[];
};

/** at most this many lines in a message: a chat message is short */
export const MAX_LINES = 8;

const mdEscape = (s: string) => s.replace(/([\\`*_[\]<>])/g, "\\$1");
const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();
const short = (s: string, n = 40) => (s.length > n ? s.slice(0, n - 1) + "…" : s);

function markdownLines(m: RobotMessage): string[] {
  const out = m.lines.map((l) => `- [${mdEscape(short(oneLine(l.title)))}](${l.url})　${l.note}`);
  if (m.more > 0) out.push(`- 另有${m.more}项`);
  return out;
}

function plainLines(m: RobotMessage): string[] {
  const out = m.lines.map((l) => `· ${short(oneLine(l.title))}（${l.note}）${l.url}`);
  if (m.more > 0) out.push(`· 另有${m.more}项`);
  return out;
}

const mobilesOf = (m: RobotMessage) => [...new Set(m.mentions.map((x) => x.mobile).filter((x): x is string => !!x))];
/** the people written by name (those without a mobile, or on a platform that cannot @ by mobile) */
const namesLine = (people: Mention[]) => (people.length ? `请 ${people.map((p) => p.name).join("、")} 及时处理。` : "");

export type Request = { url: string; body: string; headers: Record<string, string> };

/**
 * The HTTP request for a message: the address (钉钉's carries timestamp and sign), the JSON body
 * (飞书's carries timestamp and sign) and headers (the generic webhook's signature).
 */
export function requestFor(kind: ChannelKind, address: string, m: RobotMessage, opts: { secret?: string | null; now: number }): Request {
  const secret = opts.secret || null;
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  const intro = m.intro ? [m.intro] : [];
  const link = m.link ? [`[${m.link.text}](${m.link.url})`] : [];
  if (kind === "wecom") {
    const mobiles = mobilesOf(m);
    if (mobiles.length) {
      // 企业微信 @s by mobile only in a text message
      const content = [m.title, ...intro, ...plainLines(m), ...(m.link ? [`${m.link.text}：${m.link.url}`] : []), namesLine(m.mentions.filter((p) => !p.mobile))].filter(Boolean).join("\n");
      return { url: address, headers, body: JSON.stringify({ msgtype: "text", text: { content, mentioned_mobile_list: mobiles } }) };
    }
    const content = [`### ${mdEscape(m.title)}`, ...intro, ...markdownLines(m), ...link, namesLine(m.mentions)].filter(Boolean).join("\n");
    return { url: address, headers, body: JSON.stringify({ msgtype: "markdown", markdown: { content } }) };
  }
  if (kind === "dingtalk") {
    const mobiles = mobilesOf(m);
    // 钉钉 shows the @ only when "@mobile" is also in the text
    const at = mobiles.map((x) => `@${x}`).join(" ");
    const text = [`### ${mdEscape(m.title)}`, ...intro, ...markdownLines(m), ...link, namesLine(m.mentions.filter((p) => !p.mobile)), at].filter(Boolean).join("\n\n");
    let url = address;
    if (secret) {
      const ts = opts.now;
      url += `${address.includes("?") ? "&" : "?"}timestamp=${ts}&sign=${encodeURIComponent(dingtalkSign(secret, ts))}`;
    }
    return { url, headers, body: JSON.stringify({ msgtype: "markdown", markdown: { title: short(m.title, 30), text }, at: { atMobiles: mobiles, isAtAll: false } }) };
  }
  if (kind === "feishu") {
    // a custom robot cannot @ by mobile (only by open_id): the people are named
    const content = [...intro, ...markdownLines(m).map((l) => l.replace(/^- /, "• ")), ...link, namesLine(m.mentions)].filter(Boolean).join("\n");
    const card = {
      header: { title: { tag: "plain_text", content: m.title }, template: m.kind === "escalation" ? "red" : m.kind === "owner" ? "orange" : "blue" },
      elements: [{ tag: "div", text: { tag: "lark_md", content } }],
    };
    const signed = secret ? { timestamp: String(Math.floor(opts.now / 1000)), sign: feishuSign(secret, Math.floor(opts.now / 1000)) } : {};
    return { url: address, headers, body: JSON.stringify({ ...signed, msg_type: "interactive", card }) };
  }
  const text = [`### ${m.title}`, ...intro, ...markdownLines(m), ...link].join("\n");
  const body = JSON.stringify({
    source: "rectify",
    kind: m.kind,
    title: m.title,
    text,
    items: m.lines.map((l) => ({ title: l.title, url: l.url, note: l.note })),
    more: m.more,
    mentions: m.mentions.map((p) => ({ name: p.name, mobile: p.mobile })),
  });
  if (secret) {
    const ts = Math.floor(opts.now / 1000);
    headers["x-rectify-timestamp"] = String(ts);
    headers["x-rectify-signature"] = webhookSign(secret, ts, body);
  }
  return { url: address, headers, body };
}

// ───────────────────────── answers ─────────────────────────

export type Answer = {
  ok: boolean;
  /** the platform's error code ("HTTP 500" when there is none) */
  code: string | null;
  /** the platform's words, or ours */
  message: string;
  /** the platform asks us to slow down: wait, then try again */
  rateLimited: boolean;
};

/** the platforms' "too fast" codes: 企业微信 45009; 钉钉 130101, 410100; 飞书 9499, 11232 */
export const RATE_LIMIT_CODES: Record<ChannelKind, string[]> = { wecom: ["45009"], dingtalk: ["130101", "410100"], feishu: ["9499", "11232"], webhook: [] };

/** What an HTTP answer means: success is the platform's code 0, even on HTTP 200. */
export function readAnswer(kind: ChannelKind, status: number, text: string): Answer {
  let json: Record<string, unknown> | null = null;
  try {
    const v = JSON.parse(text);
    if (v && typeof v === "object") json = v as Record<string, unknown>;
  } catch {
    json = null;
  }
  const raw = json ? (json.errcode ?? json.code ?? json.StatusCode) : undefined;
  const code = raw === undefined || raw === null ? null : String(raw);
  const words = json ? String(json.errmsg ?? json.msg ?? json.StatusMessage ?? "") : text.slice(0, 200);
  const limited = status === 429 || (code !== null && RATE_LIMIT_CODES[kind].includes(code));
  if (status < 200 || status >= 300) return { ok: false, code: code ?? `HTTP ${status}`, message: words || `HTTP ${status}`, rateLimited: limited };
  if (kind === "webhook") return code === null || code === "0" ? { ok: true, code: null, message: words || "ok", rateLimited: false } : { ok: false, code, message: words, rateLimited: limited };
  if (code === null) return { ok: false, code: `HTTP ${status}`, message: `平台的回答不是预期的 JSON：${text.slice(0, 120)}`, rateLimited: false };
  if (code === "0") return { ok: true, code: "0", message: words || "ok", rateLimited: false };
  return { ok: false, code, message: words, rateLimited: limited };
}

// ───────────────────────── addresses ─────────────────────────

/** loopback, private, link-local, shared, unspecified, multicast and reserved addresses (v4 and v6) */
export function isPrivateAddress(ip: string): boolean {
  const v = isIP(ip);
  if (v === 4) {
    const [a, b] = ip.split(".").map(Number);
    return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 198 && (b === 18 || b === 19)) || a >= 224;
  }
  if (v === 6) {
    const x = ip.toLowerCase().replace(/^\[|\]$/g, "");
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(x);
    if (mapped) return isPrivateAddress(mapped[1]);
    if (/^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(x)) {
      const [hi, lo] = x.slice(7).split(":").map((h) => parseInt(h, 16));
      return isPrivateAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
    }
    return x === "::" || x === "::1" || /^f[cd]/.test(x) || /^fe[89ab]/.test(x) || /^ff/.test(x) || /^64:ff9b:1:/.test(x) || /^2001:db8:/.test(x);
  }
  return false;
}

const LOCAL_NAMES = /(^|\.)(localhost|local|internal|intranet|lan|home|corp|localdomain)$/i;

/**
 * Whether a webhook address may be used: https:// to a public address; with allowPrivate
 * (CHANNEL_ALLOW_PRIVATE=1), a loopback or private address too, over plain http:// as well.
 * Names are judged here by their shape (localhost, single-label and intranet names); the
 * addresses a name resolves to are checked again when connecting (send.ts).
 */
export function checkWebhookUrl(raw: string, opts: { allowPrivate: boolean }): { ok: true; url: URL } | { ok: false; error: string } {
  const s = (raw ?? "").trim();
  if (!s) return { ok: false, error: "请填写 Webhook 地址" };
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return { ok: false, error: "Webhook 地址格式不正确，应为完整网址，如 https://oapi.dingtalk.com/robot/send?access_token=…" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, error: `Webhook 地址须以 https:// 开头（当前为 ${url.protocol}）` };
  if (url.username || url.password) return { ok: false, error: "Webhook 地址中不能含用户名或密码" };
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const local = isIP(host) ? isPrivateAddress(host) : LOCAL_NAMES.test(host) || !host.includes(".");
  if (local && !opts.allowPrivate) return { ok: false, error: `Webhook 地址须指向公网地址，${host} 是本机或内网地址（仅在设置 CHANNEL_ALLOW_PRIVATE=1 时允许）` };
  if (url.protocol === "http:" && !(local && opts.allowPrivate)) return { ok: false, error: "Webhook 地址须以 https:// 开头（明文 http:// 仅在设置 CHANNEL_ALLOW_PRIVATE=1 时、且只对本机或内网地址允许）" };
  return { ok: true, url };
}

/** An address as the page shows it: the secret parts of the query (key, access_token …) and the path's last part hidden. */
export function maskUrl(raw: string): string {
  try {
    const u = new URL(raw);
    for (const k of [...u.searchParams.keys()]) {
      const v = u.searchParams.get(k) ?? "";
      u.searchParams.set(k, v.length > 4 ? `${v.slice(0, 2)}…${v.slice(-2)}` : "…");
    }
    const parts = u.pathname.split("/");
    const last = parts[parts.length - 1];
    if (last.length > 12) parts[parts.length - 1] = `${last.slice(0, 4)}…${last.slice(-4)}`;
    u.pathname = parts.join("/");
    return decodeURI(u.toString());
  } catch {
    return "（地址无效）";
  }
}

/** 138 0013 8000, +86-13800138000 → 13800138000; else null (a mainland mobile number) */
export function normalizeMobile(s: string | null | undefined): string | null {
  const d = String(s ?? "").replace(/[\s-]/g, "").replace(/^(\+?86)/, "");
  return /^1[3-9]\d{9}$/.test(d) ? d : null;
}
