// A fresh app on a fresh migrated database per test (an SQLite file; or, when TEST_DATABASE_URL
// names a PostgreSQL server (test/run.sh starts one), a database of its own made from the
// migrated template), with a small organisation:
//   党委 (root) → 支部A, 支部B; admin, leader (root), leaderA (支部A), owner + colleague (支部A), stranger (支部B).
// The organisation is made once with the services (createUnit, createUser: argon2 hashes of
// PASSWORD) into a template that each test's database is copied from: an SQLite file (once per
// run in test/run.sh's RECTIFY_TEST_RUN folder, else once per test process), a template database
// on PostgreSQL. A migration run (~25 ms of CPU and ~150 ms of fsync on SQLite) and six hashes
// per test were most of makeApp's time.
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { loadConfig, type Config } from "../../server/config.ts";
import { openDb, migrateDb, type Db } from "../../db/client.ts";
import { buildApp } from "../../server/app.ts";
import { createUnit, createUser } from "../../server/features/admin/service.ts";
import { fromRoot } from "../../server/lib/root.ts";

export const PASSWORD = "test1234pass";

export type TestApp = {
  app: FastifyInstance;
  db: Db;
  config: Config;
  /** the environment a child process (the CLI, a second server) needs to open the same database */
  dbEnv: Record<string, string>;
  dir: string;
  ids: { root: number; a: number; b: number; admin: number; leader: number; leaderA: number; owner: number; colleague: number; stranger: number };
  clock: { now: Date };
  close: () => Promise<void>;
};

/** the PostgreSQL server the suite runs on, when it runs there */
export const TEST_PG = process.env.TEST_DATABASE_URL || undefined;

type Ids = TestApp["ids"];
/** makeApp's units (code, name, kind, parent's code) and accounts (ids' key: email, name, role, unit's code) */
const UNITS = [
  ["root", "测试党委", "committee", null],
  ["a", "第一党支部", "branch", "root"],
  ["b", "第二党支部", "branch", "root"],
] as const;
const USERS = [
  ["admin", "admin@t.cn", "管理员", "admin", "root"],
  ["leader", "leader@t.cn", "王书记", "leader", "root"],
  ["leaderA", "leadera@t.cn", "赵书记", "leader", "a"],
  ["owner", "owner@t.cn", "李干事", "staff", "a"],
  ["colleague", "colleague@t.cn", "钱干事", "staff", "a"],
  ["stranger", "stranger@t.cn", "孙干事", "staff", "b"],
] as const;

/** makes the organisation in an empty migrated database, as an administrator would */
async function createOrg(db: Db): Promise<void> {
  const unit: Record<string, number> = {};
  for (const [code, name, kind, parent] of UNITS) unit[code] = await createUnit(db, { code, name, kind, parentId: parent ? unit[parent] : null });
  for (const [, email, name, role, code] of USERS) await createUser(db, { email, name, role, unitId: unit[code], password: PASSWORD });
}

/** the organisation's ids in a database copied from the template */
async function orgIds(db: Db): Promise<Ids> {
  const units = new Map((await db.all<{ id: number; code: string }>("SELECT id, code FROM units")).map((u) => [u.code, u.id]));
  const users = new Map((await db.all<{ id: number; email: string }>("SELECT id, email FROM users")).map((u) => [u.email, u.id]));
  return Object.fromEntries([...UNITS.map(([code]) => [code, units.get(code)!]), ...USERS.map(([key, email]) => [key, users.get(email)!])]) as Ids;
}

let sqliteOrg: Promise<string> | undefined;
/** the SQLite file with the organisation (made once; copied per test) */
function sqliteOrgTemplate(): Promise<string> {
  return (sqliteOrg ??= (async () => {
    let dir = process.env.RECTIFY_TEST_RUN;
    if (!dir) {
      const own = (dir = mkdtempSync(join(tmpdir(), "rectify-org-")));
      process.once("exit", () => rmSync(own, { recursive: true, force: true }));
    }
    const file = join(dir, "org.db");
    if (existsSync(file)) return file;
    // made beside it and renamed into place: another test process may be making it too
    const part = join(mkdtempSync(join(dir, "org-")), "org.db");
    const db = await openDb(part);
    await migrateDb(db);
    await createOrg(db);
    await db.close(); // checkpoints the WAL into the file and removes it: the file alone is the database
    if (existsSync(`${part}-wal`)) throw new Error(`${part}-wal left after close`);
    renameSync(part, file);
    rmSync(join(part, ".."), { recursive: true, force: true });
    return file;
  })());
}

let pgOrg: Promise<string> | undefined;

/**
 * A new database: its environment for loadConfig and child processes. With makeApp's
 * organisation (withOrg), copied from its template; else empty: on PostgreSQL copied from the
 * migrated template, on SQLite a file not yet there (the app or the CLI migrates it).
 */
export async function freshDatabaseEnv(dir: string, withOrg = false): Promise<Record<string, string>> {
  if (!TEST_PG) {
    const file = join(dir, "rectify.db");
    if (withOrg) copyFileSync(await sqliteOrgTemplate(), file);
    return { DATABASE_FILE: file };
  }
  const { freshDatabase, filledTemplate, filesDigest } = await import("./pg.ts");
  if (!withOrg) return { DATABASE_URL: await freshDatabase(TEST_PG), DATA_DIR: dir }; // the files where SQLite's would be: beside the database's folder
  // made again when the services or this file change (a server's cluster may outlive a change)
  pgOrg ??= filledTemplate(TEST_PG, "rectify_template_org", `makeApp ${filesDigest(fromRoot("server"), fromRoot("db"), fileURLToPath(import.meta.url))}`, async (url) => {
    const db = await openDb(url);
    try {
      await createOrg(db);
    } finally {
      await db.close();
    }
  });
  return { DATABASE_URL: await freshDatabase(TEST_PG, pgOrg), DATA_DIR: dir };
}

export async function makeApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), "rectify-test-"));
  const dbEnv = await freshDatabaseEnv(dir, true);
  const config = loadConfig({ ...dbEnv, SESSION_SECRET: "x".repeat(40), LOG_LEVEL: "silent", SEED_DEMO: "0", ...env });
  const db = await openDb(config.database);
  await migrateDb(db); // nothing to do on the copy, as at a restart
  const ids = await orgIds(db);
  const clock = { now: new Date("2026-11-23T02:00:00Z") }; // 10:00 in Asia/Shanghai
  const app = await buildApp({ config, db, clock: () => clock.now, logger: false });
  await app.ready();
  return {
    app,
    db,
    config,
    dbEnv,
    dir,
    ids,
    clock,
    close: async () => {
      await app.close();
      await db.close();
      if (config.databaseUrl) await (await import("./pg.ts")).dropDatabase(config.databaseUrl);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Session = { cookie: string; csrf: string; email: string };

function cookiesOf(res: { headers: Record<string, unknown> }): string[] {
  const h = res.headers["set-cookie"];
  const list = Array.isArray(h) ? h : h ? [String(h)] : [];
  return list.map((c) => String(c).split(";")[0]);
}

export function csrfOf(html: string): string {
  const m = /data-csrf="([^"]+)"/.exec(html) ?? /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error("no csrf token in page");
  return m[1];
}

export async function login(app: FastifyInstance, email: string, password = PASSWORD): Promise<Session> {
  const page = await app.inject({ method: "GET", url: "/login" });
  const pre = cookiesOf(page).join("; ");
  const res = await app.inject({ method: "POST", url: "/login", headers: { cookie: pre }, payload: { email, password, _csrf: csrfOf(page.body) } });
  if (res.statusCode !== 303) throw new Error(`login failed for ${email}: ${res.statusCode} ${res.body.slice(0, 200)}`);
  const cookie = [...cookiesOf(res), pre].join("; ");
  const home = await app.inject({ method: "GET", url: "/tasks", headers: { cookie } });
  return { cookie, csrf: csrfOf(home.body), email };
}

export function post(app: FastifyInstance, s: Session, url: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) {
  return app.inject({ method: "POST", url, headers: { cookie: s.cookie, ...headers }, payload: { _csrf: s.csrf, ...stringify(payload) } });
}

export function get(app: FastifyInstance, s: Session | null, url: string, headers: Record<string, string> = {}) {
  return app.inject({ method: "GET", url, headers: { ...(s ? { cookie: s.cookie } : {}), ...headers } });
}

function stringify(p: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
}

/** multipart body for the progress form */
export function multipart(fields: Record<string, string>, files: { name: string; filename: string; data: Buffer; type?: string }[]) {
  const boundary = "----rectify" + Math.random().toString(16).slice(2);
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const f of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"; filename="${f.filename}"\r\nContent-Type: ${f.type ?? "application/octet-stream"}\r\n\r\n`));
    parts.push(f.data, Buffer.from("\r\n"));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}

export const PNG_1PX = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

/** A small well-formed PDF (one empty page): header, objects, xref, startxref and %%EOF. */
export function miniPdf(note = ""): Buffer {
  const objs = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"];
  let body = `%PDF-1.4\n%${note}\n`;
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(Buffer.byteLength(body));
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body);
  body += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => String(o).padStart(10, "0") + " 00000 n \n").join("")}`;
  body += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body);
}
