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

export function createMailer(config: Pick<Config, "smtpUrl" | "mailFrom" | "outboxDir">): Mailer {
  if (config.smtpUrl) return smtpMailer(config.smtpUrl, config.mailFrom);
  return outboxMailer(config.outboxDir, config.mailFrom);
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

function smtpMailer(url: string, from: string): Mailer {
  // timeouts: a slow or silent server fails the send (and it is retried later); it never hangs a run
  // nodemailer reads host, port, secure and the credentials from `url` and merges the rest
  const options = { url, connectionTimeout: 20_000, greetingTimeout: 15_000, socketTimeout: 30_000, disableFileAccess: true, disableUrlAccess: true };
  const transport = lazyTransport(options as TransportOptions);
  return {
    kind: "smtp",
    async send(m) {
      const info = await (await transport.get()).sendMail(message(from, m));
      if (info.rejected?.length) throw new Error(`收件人被拒绝：${info.rejected.join(", ")} ${info.response ?? ""}`.trim());
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
