// PostgreSQL for the tests: a throw-away cluster of their own (never a shared server), one
// migrated template database per cluster, and a fresh database per test copied from it
// (CREATE DATABASE … TEMPLATE: ~tens of ms, against a whole migration run each time).
//
//   const pg = await startCluster();                  // null when PostgreSQL is not installed
//   const url = await freshDatabase(pg.url);           // postgres://…/t_1a2b3c…, migrated, empty
//   …
//   await pg.stop();
//
// The cluster is scripts/pg-cluster.mjs's (test/run.sh starts one for the whole run with it): as
// root (these machines, CI) it runs as the postgres user through runuser, since initdb refuses root.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { NO_PG, pgBinDir, start, stop } from "../../scripts/pg-cluster.mjs";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";

export const migrationsFolder = fileURLToPath(new URL("../../db/migrations-pg", import.meta.url));
export const TEMPLATE = "rectify_template";
/** pg_advisory_lock key held while the template is checked or built (db/engines/postgres.ts uses 724_001–2) */
const TEMPLATE_LOCK = 724_003;

export { pgBinDir, NO_PG as NO_POSTGRES };

export type Cluster = { url: string; dir: string; stop(): Promise<void> };

/**
 * Starts a throw-away cluster (scripts/pg-cluster.mjs in a temporary folder: a free port of
 * 127.0.0.1, durability off). Returns null when no PostgreSQL is installed, or throws
 * NO_POSTGRES instead with { required: true } (CI: a test must never skip there).
 */
export async function startCluster(opts?: { required?: false }): Promise<Cluster | null>;
export async function startCluster(opts: { required: true }): Promise<Cluster>;
export async function startCluster(opts: { required?: boolean } = {}): Promise<Cluster | null> {
  if (!pgBinDir()) {
    if (opts.required) throw new Error(NO_PG);
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), "rectify-pg-"));
  const stopSync = () => {
    try {
      stop(dir);
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = await start(dir);
    // a test process that dies without stop() leaves no server behind
    process.once("exit", stopSync);
    return {
      url,
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

/** a digest of the files below the folders (or of the files) named: a template built from others is built again */
export function filesDigest(...paths: string[]): string {
  const h = createHash("sha256");
  const walk = (path: string) => {
    if (!statSync(path).isDirectory()) return void h.update(basename(path)).update(readFileSync(path));
    for (const name of readdirSync(path).sort()) walk(join(path, name));
  };
  for (const path of paths) walk(path);
  return h.digest("hex").slice(0, 16);
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
  return ownTemplate(url, TEMPLATE, `rectify migrations ${filesDigest(migrationsFolder)}`, async (t) => {
    await withClient(t, async (c) => void (await migrate(drizzle({ client: c }), { migrationsFolder })));
  });
}

/**
 * A template database `name` of the server at url, made once as templateDatabase's is: a copy
 * of the migrated template that fill(its URL) fills in (fill closes what it opens). It is made
 * again when `digest` (a comment on it) differs: say in it what the contents are made from.
 */
export function filledTemplate(url: string, name: string, digest: string, fill: (templateUrl: string) => Promise<void>): Promise<string> {
  return templateDatabase(url).then(() => ownTemplate(url, name, `${digest} on ${filesDigest(migrationsFolder)}`, fill, TEMPLATE));
}

function ownTemplate(url: string, name: string, digest: string, fill: (templateUrl: string) => Promise<void>, from?: string): Promise<string> {
  const key = `${url} ${name}`;
  let p = templates.get(key);
  if (!p) {
    p = buildTemplate(url, name, digest, fill, from);
    templates.set(key, p);
    p.catch(() => templates.delete(key));
  }
  return p;
}

async function buildTemplate(url: string, name: string, digest: string, fill: (templateUrl: string) => Promise<void>, from?: string): Promise<string> {
  await withClient(url, async (c) => {
    await c.query(`SELECT pg_advisory_lock(${TEMPLATE_LOCK})`);
    try {
      const row = (
        await c.query<{ ready: boolean; comment: string | null }>(
          "SELECT datistemplate AS ready, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1",
          [name],
        )
      ).rows[0];
      if (row?.ready && row.comment === digest) return;
      if (row) {
        // half built (a process died), or from other sources
        await c.query(`ALTER DATABASE ${name} WITH IS_TEMPLATE false`);
        await c.query(`DROP DATABASE ${name} WITH (FORCE)`);
      }
      await c.query(`CREATE DATABASE ${name}${from ? ` TEMPLATE ${from}` : ""}`);
      await fill(databaseUrl(url, name));
      await c.query(`COMMENT ON DATABASE ${name} IS '${digest}'`);
      // ready: marked last, so a template found marked is whole
      await c.query(`ALTER DATABASE ${name} WITH IS_TEMPLATE true ALLOW_CONNECTIONS true`);
    } finally {
      await c.query(`SELECT pg_advisory_unlock(${TEMPLATE_LOCK})`).catch(() => {});
    }
  });
  return databaseUrl(url, name);
}

const copyStrategies = new Map<string, Promise<string>>();
/**
 * FILE_COPY on PostgreSQL 15 and later: the template's files copied as they are, not written
 * again through the WAL (15's default): ~25 ms against ~60 ms a database, a third of the server's CPU.
 */
function copyStrategy(url: string): Promise<string> {
  let p = copyStrategies.get(url);
  if (!p) {
    p = withClient(url, async (c) => ((await c.query<{ n: number }>("SELECT current_setting('server_version_num')::int AS n")).rows[0].n >= 150000 ? " STRATEGY FILE_COPY" : ""));
    copyStrategies.set(url, p);
    p.catch(() => copyStrategies.delete(url));
  }
  return p;
}

/** a new empty database t_<random> copied from the migrated template (or the template named); returns its URL */
export async function freshDatabase(url: string, template?: Promise<string>): Promise<string> {
  const from = new URL(await (template ?? templateDatabase(url))).pathname.slice(1);
  const name = `t_${randomBytes(8).toString("hex")}`;
  const strategy = await copyStrategy(url);
  await withClient(url, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${from}${strategy}`));
  return databaseUrl(url, name);
}

/** drops a database freshDatabase made (connections to it are ended) */
export async function dropDatabase(databaseUrlToDrop: string): Promise<void> {
  const u = new URL(databaseUrlToDrop);
  const name = u.pathname.slice(1);
  if (!/^t_[0-9a-f]+$/.test(name)) throw new Error(`not a test database: ${name}`);
  await withClient(databaseUrl(databaseUrlToDrop, "postgres"), (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
