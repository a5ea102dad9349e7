// The command line, run as a user runs it: a real process on a real SQLite file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cli as run } from "./helpers/cli.ts";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";

const cli = (dir: string, ...args: string[]) => run({ DATABASE_FILE: join(dir, "rectify.db") }, ...args);

test("cli: migrate, user add (first admin), seed-demo refuses a non-empty database, backup, errors exit non-zero", { timeout: 120_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), "rectify-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(cli(dir, "migrate").code, 0);
  const add = cli(dir, "user", "add", "--email", "boss@org.cn", "--name", "组织部管理员", "--role", "admin", "--unit", "zzb", "--unit-name", "县委组织部", "--password", "Secret123");
  assert.equal(add.code, 0, add.err);
  assert.match(add.out, /已新增账号/);
  const dupe = cli(dir, "user", "add", "--email", "boss@org.cn", "--name", "x", "--role", "admin", "--unit", "zzb", "--password", "Secret123");
  assert.equal(dupe.code, 1);
  assert.match(dupe.err, /该邮箱已有账号/);
  const badUnit = cli(dir, "user", "add", "--email", "a@org.cn", "--name", "x", "--role", "staff", "--unit", "nope", "--password", "Secret123");
  assert.equal(badUnit.code, 1);
  assert.match(badUnit.err, /单位代码不存在/);
  const badRole = cli(dir, "user", "add", "--email", "b@org.cn", "--name", "x", "--role", "boss", "--unit", "zzb", "--password", "Secret123");
  assert.equal(badRole.code, 1);
  assert.match(badRole.err, /角色/);
  const seed = cli(dir, "seed-demo");
  assert.equal(seed.code, 1);
  assert.match(seed.err, /已有账号/);
  const backup = join(dir, "backup.db");
  const b = cli(dir, "backup", backup);
  assert.equal(b.code, 0, b.err);
  const copy = new Database(backup, { readonly: true });
  assert.equal((copy.prepare("select count(*) n from users where email = 'boss@org.cn'").get() as { n: number }).n, 1);
  copy.close();
  assert.equal(cli(dir, "backup", backup).code, 1, "never overwrites");
  const unknown = cli(dir, "frobnicate");
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /未知命令/);
});

test("cli seed-demo: an empty database gets the demo story with its states and history", { timeout: 120_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), "rectify-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = cli(dir, "seed-demo");
  assert.equal(r.code, 0, r.err);
  const db = new Database(join(dir, "rectify.db"), { readonly: true });
  const states = (db.prepare("select state, count(*) n from tasks group by state").all() as { state: string; n: number }[]).reduce((m, x) => ({ ...m, [x.state]: x.n }), {} as Record<string, number>);
  assert.ok(states.done >= 1 && states.review >= 1 && states.doing >= 1 && states.todo >= 1, JSON.stringify(states));
  assert.equal((db.prepare("select count(*) n from extension_requests where status = 'pending'").get() as any).n, 1);
  assert.equal((db.prepare("select count(*) n from units where rating = 'backward'").get() as any).n, 1);
  assert.ok((db.prepare("select count(*) n from attachments a join tasks t on t.id = a.task_id where t.state = 'done'").get() as any).n >= 1);
  assert.equal((db.prepare("select count(*) n from tasks t where not exists (select 1 from task_events e where e.task_id = t.id)").get() as any).n, 0, "every task has history");
  assert.ok((db.prepare("select count(*) n from tasks where state <> 'done' and deadline < date('now')").get() as any).n >= 1, "one overdue");
  db.close();
  assert.ok(existsSync(join(dir, "evidence")));
});

test("cli extract: a file it cannot read prints its Chinese message alone, no stack trace", { timeout: 60_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), "rectify-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bad = join(dir, "setup.docx");
  writeFileSync(bad, Buffer.from("MZ\x90\x00\x03\x00\x00\x00 this is a program", "latin1"));
  const r = cli(dir, "extract", bad);
  assert.equal(r.code, 1);
  assert.match(r.err, /^错误：.*(不支持|Word|损坏)/);
  assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
  assert.equal(r.err.trim().split("\n").length, 1, r.err);
});
