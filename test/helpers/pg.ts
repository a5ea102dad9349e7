// PostgreSQL for the tests: a throw-away cluster of their own (never a shared server), one
// migrated template database per cluster, and a fresh database per test copied from it
// (CREATE DATABASE … TEMPLATE: ~tens of ms, against a whole migration run each time).
//
//   const pg = await startCluster();                  // null when PostgreSQL is not installed
//   const url = await freshDatabase(pg.url);           // postgres://…/t_1a2b3c…, migrated, empty
//   …
//   await pg.stop();
//
// As root (these machines, CI) the cluster runs as the postgres user through runuser, since
// initdb refuses root. scripts/pg-cluster.mjs does the same for shell scripts (plain JS).
import { spawnSync, execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
// @ts-expect-error: plain JavaScript (the script runs without tsx), no declarations
import { answersFrom } from "../../scripts/pg-cluster.mjs";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";

export const migrationsFolder = fileURLToPath(new URL("../../db/migrations-pg", import.meta.url));
export const TEMPLATE = "rectify_template";
/** pg_advisory_lock key held while the template is checked or built (db/engines/postgres.ts uses 724_001–2) */
const TEMPLATE_LOCK = 724_003;

export const NO_POSTGRES =
  "找不到 PostgreSQL（initdb、pg_ctl）：请安装 postgresql postgresql-contrib，或设置 PG_BIN。 " +
  "No PostgreSQL binaries (initdb, pg_ctl) found: install postgresql postgresql-contrib, or set PG_BIN.";

/** the folder holding initdb and pg_ctl ($PG_BIN when set, else Debian's /usr/lib/postgresql/<v>/bin, 15 first), or null */
export function pgBinDir(): string | null {
  const candidates: string[] = [];
  // PG_BIN, when set, is the only place looked at (and names no binaries when they are not there)
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const base = "/usr/lib/postgresql";
  if (!process.env.PG_BIN && existsSync(base)) {
    const versions = readdirSync(base).filter((v) => /^\d+$/.test(v));
    versions.sort((a, b) => (a === "15" ? -1 : b === "15" ? 1 : Number(b) - Number(a)));
    for (const v of versions) candidates.push(join(base, v, "bin"));
  }
  return candidates.find((d) => existsSync(join(d, "initdb")) && existsSync(join(d, "pg_ctl"))) ?? null;
}

const asRoot = () => typeof process.getuid === "function" && process.getuid() === 0;

function run(bin: string, args: string[]): string {
  const [cmd, argv] = asRoot() ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(" ")} failed (${r.status}): ${r.error?.message ?? ""}${r.stderr}${r.stdout}`);
  return r.stdout;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => ok(port));
    });
  });
}

export type Cluster = { url: string; dir: string; stop(): Promise<void> };

/**
 * Starts a throw-away cluster (initdb -A trust -U postgres in a temporary folder, a free port
 * of 127.0.0.1, durability off). Returns null when no PostgreSQL is installed, or throws
 * NO_POSTGRES instead with { required: true } (CI: a test must never skip there).
 */
export async function startCluster(opts?: { required?: false }): Promise<Cluster | null>;
export async function startCluster(opts: { required: true }): Promise<Cluster>;
export async function startCluster(opts: { required?: boolean } = {}): Promise<Cluster | null> {
  const bin = pgBinDir();
  if (!bin) {
    if (opts.required) throw new Error(NO_POSTGRES);
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), "rectify-pg-"));
  if (asRoot()) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }));
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  const pgCtl = join(bin, "pg_ctl");
  let started = false;
  const stopSync = () => {
    if (started && existsSync(join(data, "postmaster.pid"))) {
      try {
        run(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {}
    }
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // C.UTF-8: pg_trgm makes trigrams of Chinese, and text sorts by code point as on SQLite
    run(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
    let port = 0;
    for (let attempt = 1; !started; attempt++) {
      port = await freePort(); // free when found; another process may bind it first: retry
      const o = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
      try {
        run(pgCtl, ["-D", data, "-o", o, "-l", join(dir, "log"), "-w", "-t", "60", "start"]);
        started = true;
        // another process may have taken the port meanwhile (PostgreSQL then starts on its socket alone)
        if (!(await answersFrom(`postgres://postgres@127.0.0.1:${port}/postgres`, data))) {
          run(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"]);
          started = false;
          throw new Error(`127.0.0.1:${port} answers as another server`);
        }
      } catch (e) {
        if (attempt >= 5) {
          let log = "";
          try {
            log = readFileSync(join(dir, "log"), "utf8");
          } catch {}
          throw new Error(`${(e as Error).message}\n${log}`);
        }
      }
    }
    // a test process that dies without stop() leaves no server behind
    process.once("exit", stopSync);
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      dir,
      async stop() {
        process.removeListener("exit", stopSync);
        stopSync();
      },
    };
  } catch (e) {
    stopSync();
    throw e;
  }
}

/** url with its database name replaced */
export function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** a digest of db/migrations-pg: a template built from other migrations is built again */
function migrationsDigest(): string {
  const h = createHash("sha256");
  const walk = (dir: string) => {
    for (const name of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, name.name);
      if (name.isDirectory()) walk(p);
      else h.update(name.name).update(readFileSync(p));
    }
  };
  walk(migrationsFolder);
  return `rectify migrations ${h.digest("hex").slice(0, 16)}`;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const templates = new Map<string, Promise<string>>();

/**
 * The migrated template database `rectify_template` of the server at url (the maintenance
 * database, e.g. …/postgres), built once: several test processes may call this at once; an
 * advisory lock lets one build while the others wait and then find it. Rebuilt when
 * db/migrations-pg has changed since. Returns its URL (connect to it only to look: a database
 * with a connection open cannot serve as a template).
 */
export function templateDatabase(url: string): Promise<string> {
  let p = templates.get(url);
  if (!p) {
    p = buildTemplate(url);
    templates.set(url, p);
    p.catch(() => templates.delete(url));
  }
  return p;
}

async function buildTemplate(url: string): Promise<string> {
  const digest = migrationsDigest();
  await withClient(url, async (c) => {
    await c.query(`SELECT pg_advisory_lock(${TEMPLATE_LOCK})`);
    try {
      const row = (
        await c.query<{ ready: boolean; comment: string | null }>(
          "SELECT datistemplate AS ready, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1",
          [TEMPLATE],
        )
      ).rows[0];
      if (row?.ready && row.comment === digest) return;
      if (row) {
        // half built (a process died), or from other migrations
        await c.query(`ALTER DATABASE ${TEMPLATE} WITH IS_TEMPLATE false`);
        await c.query(`DROP DATABASE ${TEMPLATE} WITH (FORCE)`);
      }
      await c.query(`CREATE DATABASE ${TEMPLATE}`);
      await withClient(databaseUrl(url, TEMPLATE), async (t) => {
        await migrate(drizzle({ client: t }), { migrationsFolder });
      });
      await c.query(`COMMENT ON DATABASE ${TEMPLATE} IS '${digest}'`);
      // ready: marked last, so a template found marked is whole
      await c.query(`ALTER DATABASE ${TEMPLATE} WITH IS_TEMPLATE true ALLOW_CONNECTIONS true`);
    } finally {
      await c.query(`SELECT pg_advisory_unlock(${TEMPLATE_LOCK})`).catch(() => {});
    }
  });
  return databaseUrl(url, TEMPLATE);
}

/** a new migrated, empty database t_<random> copied from the template; returns its URL */
export async function freshDatabase(url: string): Promise<string> {
  await templateDatabase(url);
  const name = `t_${randomBytes(8).toString("hex")}`;
  await withClient(url, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`));
  return databaseUrl(url, name);
}

/** drops a database freshDatabase made (connections to it are ended) */
export async function dropDatabase(databaseUrlToDrop: string): Promise<void> {
  const u = new URL(databaseUrlToDrop);
  const name = u.pathname.slice(1);
  if (!/^t_[0-9a-f]+$/.test(name)) throw new Error(`not a test database: ${name}`);
  await withClient(databaseUrl(databaseUrlToDrop, "postgres"), (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
