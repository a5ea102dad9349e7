// Delivery through nodemailer: to the SMTP server of SMTP_URL, or, with none, into the outbox
// folder as .eml files (the admin page 发件箱 shows them), so the embedded default needs no
// mail server. nodemailer itself is loaded with the first mail, not when the server starts.
import type Nodemailer from "nodemailer";
import type { Transporter } from "nodemailer";
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { Config } from "../../config.ts";

export type OutgoingMail = {
  to: { name: string; address: string };
  subject: string;
  html: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
  references?: string;
  date: Date;
};

export type Mailer = {
  kind: "smtp" | "outbox";
  /** resolves when the server accepted the message (or the file is written); rejects with the reason */
  send(mail: OutgoingMail): Promise<{ where: string }>;
  close(): void;
};

export function createMailer(config: Pick<Config, "smtpUrl" | "mailFrom" | "outboxDir"> & Partial<Pick<Config, "smtpTimeouts">>): Mailer {
  if (config.smtpUrl) return smtpMailer(config.smtpUrl, config.mailFrom, config.smtpTimeouts ?? DEFAULT_SMTP_TIMEOUTS);
  return outboxMailer(config.outboxDir, config.mailFrom);
}

/** RFC 5321 4.5.3.2: 5 minutes for the greeting and each command, 10 for the reply to the end of DATA */
export const DEFAULT_SMTP_TIMEOUTS: Config["smtpTimeouts"] = { connectMs: 120_000, commandMs: 300_000, dataMs: 600_000 };

/**
 * How long one send can take before it has surely ended, one way or the other: connecting, the
 * greeting, then at most five waits of the inactivity timer (EHLO, MAIL, RCPT, DATA, the end
 * of DATA). A claim older than this was left by a run that died; it is taken again.
 */
export function longestSendMs(t: Config["smtpTimeouts"]): number {
  return t.connectMs + t.commandMs + 5 * t.dataMs;
}

/** A failed send: permanent (退信, a 5xx to the recipient or the message) or temporary (4xx, network, anything else). */
export class SendError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** nodemailer's error → SendError with the server's words. */
export function classify(err: unknown): SendError {
  if (err instanceof SendError) return err;
  const e = err as Error & { response?: string; responseCode?: number; code?: string; command?: string };
  const reason = [e.code, e.response ?? e.message].filter(Boolean).join(" ") || "发送失败";
  // a 5xx to RCPT TO or to the message is about this recipient or this mail: retrying cannot help.
  // A 5xx elsewhere (AUTH, MAIL FROM) is about our settings: it fails every mail and is retried.
  const permanent = typeof e.responseCode === "number" && e.responseCode >= 500 && e.responseCode < 600 && (e.command === "RCPT TO" || e.command === "DATA");
  return new SendError(reason, permanent);
}

function message(from: string, m: OutgoingMail) {
  return {
    from,
    to: m.to,
    subject: m.subject,
    html: m.html,
    text: m.text,
    messageId: m.messageId,
    date: m.date,
    headers: m.headers,
    ...(m.references ? { references: m.references, inReplyTo: m.references } : {}),
  };
}

type TransportOptions = Parameters<typeof Nodemailer.createTransport>[0];

/** nodemailer's transport, made when the first mail is sent (nodemailer is ~50 ms of a start). */
function lazyTransport(options: TransportOptions) {
  let transport: Transporter | undefined;
  let loading: Promise<Transporter> | undefined;
  return {
    get: (): Promise<Transporter> =>
      transport ? Promise.resolve(transport) : (loading ??= import("nodemailer").then((m) => (transport = m.default.createTransport(options)))),
    close: () => transport?.close(),
  };
}

function smtpMailer(url: string, from: string, t: Config["smtpTimeouts"]): Mailer {
  // Timeouts in the spirit of RFC 5321 4.5.3.2, so a slow server that does accept the mail is
  // not taken for a failure (and sent again). nodemailer has one inactivity timer for the whole
  // conversation after the greeting, so it is the longest wait the RFC allows, the one for the
  // reply to the end of DATA. nodemailer reads host, port, secure and credentials from `url`.
  const options = { url, connectionTimeout: t.connectMs, greetingTimeout: t.commandMs, socketTimeout: t.dataMs, disableFileAccess: true, disableUrlAccess: true };
  const transport = lazyTransport(options as TransportOptions);
  return {
    kind: "smtp",
    async send(m) {
      let info;
      try {
        info = await (await transport.get()).sendMail(message(from, m));
      } catch (err) {
        throw classify(err);
      }
      if (info.rejected?.length) throw new SendError(`收件人被拒绝：${info.rejected.join(", ")} ${info.response ?? ""}`.trim(), true);
      return { where: info.response ?? "accepted" };
    },
    close: () => transport.close(),
  };
}

function outboxMailer(dir: string, from: string): Mailer {
  const transport = lazyTransport({ streamTransport: true, buffer: true, newline: "windows", disableFileAccess: true, disableUrlAccess: true });
  return {
    kind: "outbox",
    async send(m) {
      const info = await (await transport.get()).sendMail(message(from, m));
      mkdirSync(dir, { recursive: true });
      const stamp = m.date.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
      const name = `${stamp}-${randomBytes(4).toString("hex")}.eml`;
      const tmp = join(dir, `.${name}.tmp`);
      writeFileSync(tmp, info.message as Buffer);
      renameSync(tmp, join(dir, name));
      return { where: join(dir, name) };
    },
    close: () => {},
  };
}

// ── the outbox folder, read by the admin page ──

const EML_NAME = /^[0-9TZ]+-[0-9a-f]{8}\.eml$/;

export function isOutboxName(name: string): boolean {
  return EML_NAME.test(name);
}

/** .eml file names, newest first */
export function outboxFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter(isOutboxName)
    .sort()
    .reverse();
}

export function readOutboxFile(dir: string, name: string): Buffer | null {
  if (!isOutboxName(name)) return null;
  const file = join(dir, name);
  if (!existsSync(file) || !statSync(file).isFile()) return null;
  return readFileSync(file);
}
