// Two runs at once on the same database: two processes (the CLI, as cron would start it while
// the server runs its own), and two stores in one process. Each mail goes out once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp } from "../../helpers/app.ts";
import { openDb } from "../../../db/client.ts";
import { users } from "../../../db/schema.ts";
import { createMailer } from "../../../server/features/reminders/mailer.ts";
import { runReminders } from "../../../server/features/reminders/send.ts";
import { startSmtp, addTask } from "./helpers.ts";
import { cliAsync as cli } from "../../helpers/cli.ts";

async function seedOwners(ta: Awaited<ReturnType<typeof makeApp>>, n: number) {
  const hash = (await ta.db.select({ h: users.passwordHash }).from(users).limit(1))[0].h;
  for (let i = 0; i < n; i++) {
    const [{ id }] = await ta.db.tx(async () => await ta.db.insert(users).values({ email: `owner${i}@t.cn`, name: `责任人${i}`, role: "staff", unitId: ta.ids.a, passwordHash: hash }).returning({ id: users.id }));
    await addTask(ta.db, { unitId: ta.ids.a, ownerId: id, leaderId: ta.ids.leaderA, deadline: i % 2 ? "2026-11-24" : "2026-11-20" });
  }
}

test("two processes run `remind` at the same moment on one database: every mail once", { timeout: 180_000 }, async (t) => {
  const smtp = await startSmtp({ delayMs: 40 });
  const ta = await makeApp();
  t.after(async () => {
    await ta.close();
    await smtp.close();
  });
  await seedOwners(ta, 16);
  const env = { ...ta.dbEnv, SMTP_URL: smtp.url, SESSION_SECRET: "x".repeat(40) };
  const dry = await cli(env, "remind", "--dry-run", "--date", "2026-11-23");
  assert.equal(dry.code, 0, dry.err);
  const planned = (dry.out.match(/^  将发送/gm) ?? []).length;
  assert.ok(planned >= 18, `16 owners, a leader's escalation, weekly digests: ${planned}\n${dry.out}`);
  assert.equal(smtp.received.length, 0, "a dry run sends nothing");

  const [a, b] = await Promise.all([cli(env, "remind", "--date", "2026-11-23"), cli(env, "remind", "--date", "2026-11-23")]);
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  const sentA = (a.out.match(/^  已发送 /gm) ?? []).length;
  const sentB = (b.out.match(/^  已发送 /gm) ?? []).length;
  assert.equal(sentA + sentB, planned, `A sent ${sentA}, B sent ${sentB}\n${a.out}\n${b.out}`);
  assert.equal(smtp.received.length, planned, "the server got each mail once");
  const perRecipientKind = new Set(smtp.received.map((m) => `${m.to[0]}|${m.parsed.headers.get("x-rectify-kind")}`));
  assert.equal(perRecipientKind.size, smtp.received.length, "no recipient got the same kind of mail twice");
  const dupes = await ta.db.value<number>("select count(*) from reminder_log where status <> 'sent'");
  assert.equal(dupes, 0);
});

test("two connections in one process, runs interleaved: every mail once", { timeout: 60_000 }, async (t) => {
  const smtp = await startSmtp({ delayMs: 20 });
  const ta = await makeApp({ SMTP_URL: smtp.url });
  const second = await openDb(ta.config.database);
  t.after(async () => {
    await second.close();
    await ta.close();
    await smtp.close();
  });
  await seedOwners(ta, 10);
  const now = new Date("2026-11-23T02:00:00Z");
  const m1 = createMailer(ta.config);
  const m2 = createMailer(ta.config);
  t.after(() => (m1.close(), m2.close()));
  const [r1, r2] = await Promise.all([runReminders({ db: ta.db, config: ta.config, mailer: m1, now }), runReminders({ db: second, config: ta.config, mailer: m2, now })]);
  const sent = [...r1.results, ...r2.results].filter((r) => r.status === "sent");
  const messages = await ta.db.value<number>("select count(distinct message_id) from reminder_log");
  assert.equal(smtp.received.length, sent.length);
  assert.equal(messages, sent.length);
  // every item claimed once and sent: no row left pending or failed by the race
  assert.equal(await ta.db.value<number>("select count(*) from reminder_log where status <> 'sent'"), 0);
  assert.ok(r1.results.some((r) => r.status === "sent") && r2.results.some((r) => r.status === "sent"), "both runs did part of the work");
});
