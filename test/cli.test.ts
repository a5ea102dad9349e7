// The command line, run as a user runs it: a real process on a real SQLite file, or on a
// PostgreSQL database of its own when the suite runs there (TEST_DATABASE_URL).
import { test } from "node:test";
import assert from "node:assert/strict";
import { cli as run, cliFrom, cliPlace, FROM_SOURCES } from "./helpers/cli.ts";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { TEST_PG } from "./helpers/app.ts";
import type { Db } from "../db/client.ts";

const envs = new Map<string, Record<string, string>>();
/** a new folder with its own empty database (a file in it, or a PostgreSQL database) */
async function place(t: { after: (fn: () => unknown) => void }): Promise<string> {
  const p = await cliPlace(t);
  envs.set(p.dir, p.env);
  stores.set(p.dir, p.open);
  return p.dir;
}
const stores = new Map<string, () => Promise<Db>>();
const cli = (dir: string, ...args: string[]) => run(envs.get(dir) ?? { DATABASE_FILE: join(dir, "rectify.db") }, ...args);
/** the folder's database, as the app opens it */
const storeOf = (dir: string): Promise<Db> => stores.get(dir)!();

test("cli: migrate, user add (first admin), seed-demo refuses a non-empty database, backup, errors exit non-zero", { timeout: 120_000 }, async (t) => {
  const dir = await place(t);
  // `npm run cli` itself, the sources through tsx (the other commands run the build: helpers/cli.ts)
  assert.equal(JSON.parse(readFileSync("package.json", "utf8")).scripts.cli, `node ${FROM_SOURCES.join(" ")}`);
  const migrated = cliFrom(FROM_SOURCES, envs.get(dir)!, "migrate");
  assert.equal(migrated.code, 0, migrated.err);
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
  if (TEST_PG) {
    // PostgreSQL keeps its own backups: the command says so and prints pg_dump's command line
    assert.match(b.out, /pg_dump --format=custom --file=\S*backup\.db postgres:\/\//);
    assert.equal(existsSync(backup), false);
  } else {
    const copy = new Database(backup, { readonly: true });
    assert.equal((copy.prepare("select count(*) n from users where email = 'boss@org.cn'").get() as { n: number }).n, 1);
    copy.close();
    assert.equal(cli(dir, "backup", backup).code, 1, "never overwrites");
  }
  const unknown = cli(dir, "frobnicate");
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /未知命令/);
});

test("cli seed-demo: an empty database gets the demo story with its states and history", { timeout: 120_000 }, async (t) => {
  const dir = await place(t);
  const r = cli(dir, "seed-demo");
  assert.equal(r.code, 0, r.err);
  const db = await storeOf(dir);
  const n = async (sql: string, params: unknown[] = []) => (await db.value<number>(sql, params))!;
  const states = (await db.all<{ state: string; n: number }>("select state, count(*) AS n from tasks group by state")).reduce((m, x) => ({ ...m, [x.state]: x.n }), {} as Record<string, number>);
  assert.ok(states.done >= 1 && states.review >= 1 && states.doing >= 1 && states.todo >= 1, JSON.stringify(states));
  assert.equal(await n("select count(*) from extension_requests where status = 'pending'"), 1);
  assert.equal(await n("select count(*) from units where rating = 'backward'"), 1);
  assert.ok((await n("select count(*) from attachments a join tasks t on t.id = a.task_id where t.state = 'done'")) >= 1);
  assert.equal(await n("select count(*) from tasks t where not exists (select 1 from task_events e where e.task_id = t.id)"), 0, "every task has history");
  assert.ok((await n("select count(*) from tasks where state <> 'done' and deadline < ?", [new Date().toISOString().slice(0, 10)])) >= 1, "one overdue");
  await db.close();
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

test("on PostgreSQL a server or command that cannot write DATA_DIR (shared by every server) refuses to start, with the reason", { skip: !TEST_PG && "需要 PostgreSQL（TEST_DATABASE_URL）", timeout: 60_000 }, async (t) => {
  const p = await cliPlace(t);
  const blocker = join(p.dir, "not-a-folder");
  writeFileSync(blocker, "");
  const noSecret = run({ ...p.env, DATA_DIR: join(blocker, "data") }, "migrate");
  assert.equal(noSecret.code, 1);
  assert.match(noSecret.err, /^错误：无法在数据目录 .*not-a-folder\/data 保存会话密钥（ENOTDIR）：请让 DATA_DIR 指向可写的目录，或设置 SESSION_SECRET\n$/);
  const r = run({ ...p.env, DATA_DIR: join(blocker, "data"), SESSION_SECRET: "s".repeat(40) }, "migrate");
  assert.equal(r.code, 1);
  assert.match(r.err, /^错误：数据目录不可写：.*not-a-folder\/data（ENOTDIR）。使用 PostgreSQL（DATABASE_URL）时，各服务器的 DATA_DIR 须指向同一个可写的共享目录/);
  const ok = run(p.env, "migrate");
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /数据库已是最新：postgres:\/\//);
});
