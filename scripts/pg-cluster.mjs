#!/usr/bin/env node
// A throw-away PostgreSQL cluster for test/run.sh, .ci/run and the benchmark (plain JS: no tsx).
//
//   node scripts/pg-cluster.mjs start <dir>   initdb in <dir>/data, start it on a free port of
//                                             127.0.0.1 (socket in <dir>), print its URL and
//                                             write it to <dir>/url
//   node scripts/pg-cluster.mjs stop <dir>    stop it (immediate) and remove what start made
//
// As root (these machines, CI) every PostgreSQL command runs as the postgres user through
// `runuser -u postgres --`, since initdb refuses root; <dir> is chowned to postgres, so each of
// its parent folders must be traversable by that user (mktemp -d under /tmp is). The binaries
// are found in $PG_BIN when set, else /usr/lib/postgresql/<version>/bin (Debian's; 15 first). Durability
// is off (fsync, synchronous_commit, full_page_writes): the cluster is thrown away.
// test/helpers/pg.ts imports it (startCluster, pgBinDir, NO_PG) for the tests; pg-cluster.d.mts has its types.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, chownSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { realpathSync } from "node:fs";
import pg from "pg";

/**
 * Is the server answering on the URL's TCP port the one whose data folder is `data`? Another
 * process (a test's SMTP server) may take the port between freePort() and the start, and
 * PostgreSQL still starts on its Unix socket alone: it must not be taken for ours.
 */
export async function answersFrom(url, data) {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  c.on("error", () => {});
  try {
    await c.connect();
    const r = await c.query("SHOW data_directory");
    return realpathSync(r.rows[0].data_directory) === realpathSync(data);
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

export const NO_PG =
  "找不到 PostgreSQL（initdb、pg_ctl）：请安装 postgresql postgresql-contrib，或设置 PG_BIN。 " +
  "No PostgreSQL binaries (initdb, pg_ctl) found: install postgresql postgresql-contrib, or set PG_BIN.";

/** the folder holding initdb and pg_ctl, or null */
export function pgBinDir() {
  const candidates = [];
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

function run(bin, args) {
  const [cmd, argv] = asRoot() ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(" ")} failed (${r.status}): ${r.error?.message ?? ""}${r.stderr}${r.stdout}`);
  return r.stdout;
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const port = s.address().port;
      s.close(() => ok(port));
    });
  });
}

function postgresIds() {
  const u = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const g = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (u.status !== 0 || g.status !== 0) throw new Error("no postgres user on this machine / 本机没有 postgres 用户");
  return [Number(u.stdout), Number(g.stdout)];
}

export async function start(dir) {
  const bin = pgBinDir();
  if (!bin) throw new Error(NO_PG);
  dir = resolve(dir);
  mkdirSync(dir, { recursive: true });
  if (asRoot()) {
    const [uid, gid] = postgresIds();
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  run(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
  // the port is free when found; another process may take it before the server binds: retry
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    try {
      run(join(bin, "pg_ctl"), ["-D", data, "-o", opts, "-l", join(dir, "log"), "-w", "-t", "60", "start"]);
    } catch (e) {
      if (attempt < 3) continue;
      let log = "";
      try {
        log = readFileSync(join(dir, "log"), "utf8");
      } catch {}
      throw new Error(`${e.message}\n${log}`);
    }
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    if (!(await answersFrom(url, data))) {
      // the port was taken meanwhile: stop this start and try another port
      run(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
      if (attempt < 5) continue;
      throw new Error(`PostgreSQL started but 127.0.0.1:${port} answers as another server`);
    }
    writeFileSync(join(dir, "url"), url + "\n");
    return url;
  }
}

export function stop(dir) {
  const bin = pgBinDir();
  dir = resolve(dir);
  const data = join(dir, "data");
  if (bin && existsSync(join(data, "postmaster.pid"))) {
    try {
      run(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
    } catch (e) {
      if (existsSync(join(data, "postmaster.pid"))) throw e;
    }
  }
  for (const f of ["data", "url", "log"]) rmSync(join(dir, f), { recursive: true, force: true });
  try {
    if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true, force: true });
  } catch {}
}

const isMain = process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const [cmd, dir] = process.argv.slice(2);
  if (!["start", "stop"].includes(cmd) || !dir) {
    console.error("usage: node scripts/pg-cluster.mjs start|stop <dir>");
    process.exit(2);
  }
  try {
    if (cmd === "start") console.log(await start(dir));
    else stop(dir);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
