// A real SMTP server on 127.0.0.1 (smtp-server) that keeps what it receives, and tasks put
// straight into a test database.
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { simpleParser, type ParsedMail } from "mailparser";
import type { AddressInfo } from "node:net";
import type { Db } from "../../../db/client.ts";
import { tasks } from "../../../db/schema.ts";

export type Received = { from: string; to: string[]; raw: Buffer; parsed: ParsedMail };

export async function startSmtp(hooks: { onRcpt?: (address: string, n: number) => Error | null; delayMs?: number } = {}) {
  const received: Received[] = [];
  let rcpts = 0;
  const opts: SMTPServerOptions = {
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onRcptTo(address, _session, cb) {
      rcpts++;
      const err = hooks.onRcpt?.(address.address, rcpts) ?? null;
      cb(err ?? undefined);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", async () => {
        const raw = Buffer.concat(chunks);
        const parsed = await simpleParser(raw);
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "", to: session.envelope.rcptTo.map((r) => r.address), raw, parsed });
        if (hooks.delayMs) setTimeout(() => cb(), hooks.delayMs);
        else cb();
      });
    },
  };
  const server = new SMTPServer(opts);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { received, port, url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export function rejectWith(code: number, message: string): Error {
  const e = new Error(message) as Error & { responseCode: number };
  e.responseCode = code;
  return e;
}

let n = 0;
export function addTask(db: Db, t: { unitId: number; ownerId: number; leaderId?: number | null; deadline: string | null; title?: string; state?: "todo" | "doing" | "review" | "done"; createdAt?: string }): number {
  n++;
  return db
    .insert(tasks)
    .values({
      unitId: t.unitId,
      ownerId: t.ownerId,
      leaderId: t.leaderId ?? null,
      title: t.title ?? `整改任务${n}`,
      deadlineKind: t.deadline ? "dated" : "ongoing",
      deadline: t.deadline,
      originalDeadline: t.deadline,
      state: t.state ?? "doing",
      createdAt: t.createdAt ?? "2026-10-01T02:00:00.000Z",
    })
    .returning({ id: tasks.id })
    .get().id;
}
