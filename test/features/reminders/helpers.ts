// A real SMTP server on 127.0.0.1 (smtp-server) that keeps what it receives, and tasks put
// straight into a test database.
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { simpleParser, type ParsedMail } from "mailparser";
import type { AddressInfo } from "node:net";
import type { Db } from "../../../db/client.ts";
import { tasks } from "../../../db/schema.ts";

export type Received = { from: string; to: string[]; raw: Buffer; parsed: ParsedMail };

/**
 * How the test server misbehaves; change the fields while it runs.
 *   onRcpt       an Error (see rejectWith) refuses that recipient: 451 for everyone, 550 for one
 *   delayMs      holds the reply to the end of DATA (the message is already received)
 *   afterData    "drop-mid": the connection is cut while the message arrives (nothing received);
 *                "drop-after": the whole message is received, then the connection is cut
 *                without a reply; an Error answers the end of DATA with it (e.g. 554)
 */
export type Faults = { onRcpt?: (address: string, n: number) => Error | null; delayMs?: number; afterData?: "drop-mid" | "drop-after" | Error | null };

export async function startSmtp(hooks: Faults = {}) {
  const received: Received[] = [];
  let rcpts = 0;
  let inData = 0;
  const stats = { maxConcurrent: 0, dataStarted: 0 };
  const cut = (session: { id: string }) => {
    for (const c of server.connections as Set<{ session?: { id: string }; _socket?: { destroy(): void } }>) if (c.session?.id === session.id) c._socket?.destroy();
  };
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
      stats.dataStarted++;
      stats.maxConcurrent = Math.max(stats.maxConcurrent, ++inData);
      const chunks: Buffer[] = [];
      const fault = hooks.afterData;
      stream.on("data", (c: Buffer) => {
        chunks.push(c);
        if (fault === "drop-mid") cut(session);
      });
      stream.on("error", () => {});
      stream.on("end", async () => {
        if (fault === "drop-mid") return void inData--;
        const raw = Buffer.concat(chunks);
        const parsed = await simpleParser(raw);
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "", to: session.envelope.rcptTo.map((r) => r.address), raw, parsed });
        const answer = () => {
          inData--;
          if (fault === "drop-after") return cut(session);
          cb(fault instanceof Error ? fault : undefined);
        };
        if (hooks.delayMs) setTimeout(answer, hooks.delayMs).unref();
        else answer();
      });
    },
  };
  const server = new SMTPServer(opts);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { received, stats, hooks, port, url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The Message-IDs received, in order. */
export const messageIds = (received: Received[]) => received.map((m) => m.parsed.messageId);

export function rejectWith(code: number, message: string): Error {
  const e = new Error(message) as Error & { responseCode: number };
  e.responseCode = code;
  return e;
}

let n = 0;
export async function addTask(db: Db, t: { unitId: number; ownerId: number; leaderId?: number | null; deadline: string | null; title?: string; state?: "todo" | "doing" | "review" | "done"; createdAt?: string }): Promise<number> {
  n++;
  const title = t.title ?? `整改任务${n}`;
  // an async function: the builder runs when awaited, and must be awaited inside the transaction
  const [row] = await db.tx(async () =>
    await db
      .insert(tasks)
      .values({
        unitId: t.unitId,
        ownerId: t.ownerId,
        leaderId: t.leaderId ?? null,
        title,
        deadlineKind: t.deadline ? "dated" : "ongoing",
        deadline: t.deadline,
        originalDeadline: t.deadline,
        state: t.state ?? "doing",
        createdAt: t.createdAt ?? "2026-10-01T02:00:00.000Z",
      })
      .returning({ id: tasks.id }),
  );
  return row.id;
}
