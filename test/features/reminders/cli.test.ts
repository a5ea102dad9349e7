// npm run cli -- remind, run as cron or a person runs it: a real process on a seeded database.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cli as run, cliPlace } from "../../helpers/cli.ts";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb } from "../../../db/client.ts";
import { createServer } from "node:net";

const places = new Map<string, Awaited<ReturnType<typeof cliPlace>>>();
async function place(t: Parameters<typeof cliPlace>[0]): Promise<string> {
  const p = await cliPlace(t);
  places.set(p.dir, p);
  return p.dir;
}
function cli(dir: string, ...args: string[]) {
  return cliEnv(dir, {}, ...args);
}
function cliEnv(dir: string, env: Record<string, string>, ...args: string[]) {
  return run({ ...places.get(dir)!.env, SMTP_URL: "", BASE_URL: "https://zg.example.org", ...env }, ...args);
}

test("cli remind: --dry-run lists and sends nothing; a run writes the outbox and prints what it sent; a second run sends nothing; a bad date is refused in Chinese", { timeout: 120_000 }, async (t) => {
  const dir = await place(t);
  assert.equal(cli(dir, "seed-demo").code, 0);
  const outbox = join(dir, "outbox");

  const dry = cli(dir, "remind", "--dry-run");
  assert.equal(dry.code, 0, dry.err);
  assert.match(dry.out, /试运行，不发送/);
  const planned = (dry.out.match(/^  将发送 /gm) ?? []).length;
  assert.ok(planned >= 2, dry.out);
  assert.match(dry.out, /李干事 <staff@demo\.rectify>  【整改提醒】/);
  assert.ok(!existsSync(outbox) || readdirSync(outbox).length === 0, "a dry run writes nothing");

  const run = cli(dir, "remind");
  assert.equal(run.code, 0, run.err);
  assert.equal((run.out.match(/^  已发送 /gm) ?? []).length, planned);
  assert.match(run.out, new RegExp(`本次：发送 ${planned} 封，此前已发送 0 项，等待重试 0 项，退信 0 封，放弃 0 项。`));
  assert.doesNotMatch(run.out, /未处理的投递问题/);
  assert.equal(readdirSync(outbox).filter((f) => f.endsWith(".eml")).length, planned);
  const db = await places.get(dir)!.open();
  assert.equal((await db.value<number>("select count(*) from reminder_log where status = 'sent'"))! >= planned, true);
  await db.close();

  const again = cli(dir, "remind");
  assert.equal(again.code, 0);
  assert.match(again.out, /没有需要发送的提醒/);
  assert.match(again.out, new RegExp(`本次：发送 0 封，此前已发送 \\d+ 项`));
  assert.equal(readdirSync(outbox).filter((f) => f.endsWith(".eml")).length, planned);

  // a later date: a dry run for it lists that day's reminders
  const later = cli(dir, "remind", "--dry-run", "--date", "2027-03-01");
  assert.equal(later.code, 0, later.err);
  assert.match(later.out, /2027年3月1日的提醒/);

  for (const bad of ["2026-13-01", "2026-02-30", "明天", "20261123"]) {
    const r = cli(dir, "remind", "--date", bad);
    assert.equal(r.code, 1, bad);
    assert.match(r.err, /日期无效/);
    assert.match(r.err, /YYYY-MM-DD/);
  }
  const unknown = cli(dir, "remind", "--force");
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /错误/);
});

test("cli remind with a mail server that is down: prints the failure with its reason, exits 2, and a later run retries", { timeout: 120_000 }, async (t) => {
  const dir = await place(t);
  assert.equal(cli(dir, "seed-demo").code, 0);
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  const down = cliEnv(dir, { SMTP_URL: `smtp://127.0.0.1:${port}` }, "remind");
  assert.equal(down.code, 2, down.err);
  assert.match(down.out, /^  暂时失败 .*ECONNREFUSED.*（将于 \d{4}年\d+月\d+日 \d\d:\d\d 重试）$/m);
  assert.match(down.out, /未处理的投递问题：发送失败 \d+ 项/);
  const failed = (down.out.match(/^  暂时失败 /gm) ?? []).length;
  assert.ok(failed >= 2, down.out);
  // at once: nothing is tried before its retry time, and the run says so and still exits 2
  const early = cli(dir, "remind");
  assert.equal(early.code, 2, early.err);
  const db = await places.get(dir)!.open();
  const failedItems = await db.value<number>("select count(*) from reminder_log where status = 'failed' and retry_at is not null");
  assert.match(early.out, new RegExp(`等待重试 ${failedItems} 项（最早 `));
  // the retry time has come (the clock moved on): no SMTP_URL now, the outbox takes the retries
  await db.run("update reminder_log set retry_at = '2000-01-01T00:00:00.000Z' where status = 'failed'");
  await db.close();
  const retry = cli(dir, "remind");
  assert.equal(retry.code, 0, retry.err);
  assert.equal((retry.out.match(/^  已发送 /gm) ?? []).length, failed);
  assert.doesNotMatch(retry.out, /未处理的投递问题/);
});
