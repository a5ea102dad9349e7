// A local HTTP server on 127.0.0.1 that plays the four robots as DOMAIN.md describes them:
//   企业微信 POST /cgi-bin/webhook/send?key=KEY            (the key is the secret)
//   钉钉     POST /robot/send?access_token=T&timestamp=&sign=  (sign checked, timestamp within 1 h)
//   飞书     POST /open-apis/bot/v2/hook/ID               (timestamp and sign in the body)
//   webhook  POST /hook/ID                                (X-Rectify-Signature)
// It checks each body's shape and signature, keeps the platform's own per-minute limit (answering
// its rate-limit error past it), and misbehaves on demand: `script` holds the next answers
// ("limit": the platform's rate-limit error, "500", "slow": success after slowMs), one per request.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createHmac } from "node:crypto";

export type Kind = "wecom" | "dingtalk" | "feishu" | "webhook";
export type Script = "ok" | "limit" | "500" | "slow";
export type Received = { kind: Kind; robot: string; at: number; body: any; shapeOk: boolean; signOk: boolean; answered: Script | "badsign" | "badshape" | "overlimit" };

export const SECRETS = { dingtalk: "SECdingtalk-test-secret", feishu: "feishu-test-secret", webhook: "webhook-test-secret" };
export const KEYS = { wecom: "wecom-key-0123456789", dingtalk: "dingtalk-token-0123456789", feishu: "feishu-hook-0123456789", webhook: "hook-0123456789" };

const OK: Record<Kind, object> = { wecom: { errcode: 0, errmsg: "ok" }, dingtalk: { errcode: 0, errmsg: "ok" }, feishu: { code: 0, msg: "success", data: {} }, webhook: { ok: true } };
const LIMITED: Record<Kind, object> = {
  wecom: { errcode: 45009, errmsg: "api freq out of limit" },
  dingtalk: { errcode: 130101, errmsg: "send too fast, exceed 20 times per minute" },
  feishu: { code: 9499, msg: "too many request" },
  webhook: { code: 429, msg: "too many requests" },
};
const LIMIT: Record<Kind, number> = { wecom: 20, dingtalk: 20, feishu: 100, webhook: 20 };

function shapeOk(kind: Kind, b: any): boolean {
  const str = (x: unknown) => typeof x === "string" && x.length > 0;
  const strs = (x: unknown) => x === undefined || (Array.isArray(x) && x.every((y) => typeof y === "string"));
  if (kind === "wecom") return (b.msgtype === "markdown" && str(b.markdown?.content) && b.markdown.content.length <= 4096) || (b.msgtype === "text" && str(b.text?.content) && strs(b.text.mentioned_mobile_list));
  if (kind === "dingtalk") return b.msgtype === "markdown" && str(b.markdown?.title) && str(b.markdown?.text) && strs(b.at?.atMobiles);
  if (kind === "feishu") return (b.msg_type === "interactive" && Array.isArray(b.card?.elements) && str(b.card?.header?.title?.content)) || (b.msg_type === "text" && str(b.content?.text));
  return b.source === "rectify" && str(b.title) && Array.isArray(b.items);
}

export async function startPlatform(opts: { windowMs?: number; slowMs?: number } = {}) {
  const received: Received[] = [];
  const script: Script[] = [];
  const accepted = new Map<string, number[]>();
  const windowMs = opts.windowMs ?? 60_000;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", "http://x");
      let kind: Kind;
      let robot: string;
      if (url.pathname === "/cgi-bin/webhook/send") [kind, robot] = ["wecom", url.searchParams.get("key") ?? ""];
      else if (url.pathname === "/robot/send") [kind, robot] = ["dingtalk", url.searchParams.get("access_token") ?? ""];
      else if (url.pathname.startsWith("/open-apis/bot/v2/hook/")) [kind, robot] = ["feishu", url.pathname.slice(23)];
      else if (url.pathname.startsWith("/hook/")) [kind, robot] = ["webhook", url.pathname.slice(6)];
      else return void res.writeHead(404).end("not found");
      let body: any = null;
      try {
        body = JSON.parse(raw);
      } catch {
        body = null;
      }
      const now = Date.now();
      let signOk = true;
      if (kind === "wecom") signOk = robot === KEYS.wecom;
      if (kind === "dingtalk") {
        const ts = Number(url.searchParams.get("timestamp"));
        const sign = url.searchParams.get("sign") ?? "";
        signOk = robot === KEYS.dingtalk && Math.abs(now - ts) < 3600_000 && sign === createHmac("sha256", SECRETS.dingtalk).update(`${ts}\n${SECRETS.dingtalk}`).digest("base64");
      }
      if (kind === "feishu") {
        const ts = Number(body?.timestamp);
        signOk = Math.abs(now / 1000 - ts) < 3600 && body?.sign === createHmac("sha256", `${ts}\n${SECRETS.feishu}`).update("").digest("base64");
      }
      if (kind === "webhook") {
        const ts = String(req.headers["x-rectify-timestamp"] ?? "");
        signOk = req.headers["x-rectify-signature"] === "sha256=" + createHmac("sha256", SECRETS.webhook).update(`${ts}.${raw}`).digest("hex");
      }
      const shape = !!body && shapeOk(kind, body);
      const rec: Received = { kind, robot, at: now, body, shapeOk: shape, signOk, answered: "ok" };
      received.push(rec);
      const json = (status: number, o: object) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(o));
      if (!signOk) {
        rec.answered = "badsign";
        return kind === "wecom" ? json(200, { errcode: 93000, errmsg: "invalid webhook url" }) : kind === "dingtalk" ? json(200, { errcode: 310000, errmsg: "sign not match" }) : kind === "feishu" ? json(200, { code: 19021, msg: "sign match fail or timestamp is not within one hour from current time" }) : json(401, { code: 401, msg: "bad signature" });
      }
      if (!shape) {
        rec.answered = "badshape";
        return kind === "feishu" ? json(200, { code: 9499, msg: "Bad Request" }) : json(200, { errcode: 40008, errmsg: "invalid message type" });
      }
      const step = script.shift() ?? "ok";
      rec.answered = step;
      if (step === "limit") return json(200, LIMITED[kind]);
      if (step === "500") return void res.writeHead(500, { "content-type": "text/plain" }).end("Internal Server Error");
      // the platform's own limit: a robot takes LIMIT messages in any window
      const key = `${kind}:${robot}`;
      const times = (accepted.get(key) ?? []).filter((t) => t > now - windowMs);
      if (times.length >= LIMIT[kind]) {
        rec.answered = "overlimit";
        accepted.set(key, times);
        return json(200, LIMITED[kind]);
      }
      times.push(now);
      accepted.set(key, times);
      if (step === "slow") return void setTimeout(() => json(200, OK[kind]), opts.slowMs ?? 300);
      json(200, OK[kind]);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    received,
    script,
    base,
    url(kind: Kind, key: string = KEYS[kind]): string {
      if (kind === "wecom") return `${base}/cgi-bin/webhook/send?key=${key}`;
      if (kind === "dingtalk") return `${base}/robot/send?access_token=${key}`;
      if (kind === "feishu") return `${base}/open-apis/bot/v2/hook/${key}`;
      return `${base}/hook/${key}`;
    },
    /** the robot messages that went through, by kind (test messages and refused ones left out) */
    delivered: (kind?: Kind) => received.filter((r) => (!kind || r.kind === kind) && (r.answered === "ok" || r.answered === "slow")),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** the text of a message, whatever its platform */
export function textOf(r: Received): string {
  const b = r.body;
  if (r.kind === "wecom") return b.markdown?.content ?? b.text?.content ?? "";
  if (r.kind === "dingtalk") return b.markdown.text;
  if (r.kind === "feishu") return `${b.card.header.title.content}\n${b.card.elements[0].text.content}`;
  return b.text;
}
