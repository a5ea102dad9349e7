// The command line as a user runs it: a real `node --import tsx server/cli.ts` process.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshDatabaseEnv } from "./app.ts";
import { openDb, type Db } from "../../db/client.ts";

export type CliResult = { code: number | null; out: string; err: string };
const ARGS = ["--import", "tsx", "server/cli.ts"];
const envOf = (env: Record<string, string>) => ({ ...process.env, LOG_LEVEL: "silent", ...env });

/** Runs one command and waits for it. */
export function cli(env: Record<string, string>, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [...ARGS, ...args], { encoding: "utf8", env: envOf(env), timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Runs one command without blocking, so independent commands can run side by side. */
export function cliAsync(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...ARGS, ...args], { env: envOf(env) });
    let out = "";
    let err = "";
    p.stdout.setEncoding("utf8").on("data", (d) => (out += d));
    p.stderr.setEncoding("utf8").on("data", (d) => (err += d));
    const timer = setTimeout(() => p.kill(), 60_000);
    p.on("error", reject);
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/**
 * A new folder with its own empty database for CLI runs: a file in it, or (TEST_DATABASE_URL) a
 * PostgreSQL database of its own with DATA_DIR the folder. Removed after the test.
 */
export async function cliPlace(t: { after: (fn: () => unknown) => void }): Promise<{ dir: string; env: Record<string, string>; open: () => Promise<Db> }> {
  const dir = mkdtempSync(join(tmpdir(), "rectify-cli-"));
  const env = await freshDatabaseEnv(dir);
  t.after(async () => {
    if (env.DATABASE_URL) await (await import("./pg.ts")).dropDatabase(env.DATABASE_URL);
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, env, open: () => openDb(env.DATABASE_URL ?? env.DATABASE_FILE) };
}
