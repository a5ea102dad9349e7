// The command line as a user runs it: a real process of its own, on the database it is given.
//
// The command line run is server/cli.ts built with esbuild (`node scripts/build.mjs --cli`, as
// `npm start` builds the server) and started with plain node: run with tsx, every command paid
// ~0.6 s of CPU for tsx's module hooks, and a run of the suite starts some 80 commands on each
// engine. test/run.sh builds it once for the whole run, into cli/ of the folder RECTIFY_TEST_RUN
// names; a test file run alone builds its own on first use (~0.3 s), removed when its process exits.
// FROM_SOURCES is `npm run cli` itself (tsx on the sources), which test/cli.test.ts runs too.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshDatabaseEnv } from "./app.ts";
import { openDb, type Db } from "../../db/client.ts";
import { projectRoot } from "../../server/lib/root.ts";

export type CliResult = { code: number | null; out: string; err: string };
/** `npm run cli`'s arguments to node: the sources through tsx */
export const FROM_SOURCES = ["--import", "tsx", "server/cli.ts"];
const envOf = (env: Record<string, string>) => ({ ...process.env, LOG_LEVEL: "silent", ...env });

let built: string | undefined;
/** the built command line, cli.js (test/run.sh's, else built now into test-results/) */
function builtCli(): string {
  if (built) return built;
  let dir = process.env.RECTIFY_TEST_RUN && join(process.env.RECTIFY_TEST_RUN, "cli");
  if (!dir || !existsSync(join(dir, "cli.js"))) {
    // inside the project, so that the build's imports find node_modules (test-results/ is git-ignored)
    mkdirSync(join(projectRoot, "test-results"), { recursive: true });
    const own = (dir = mkdtempSync(join(projectRoot, "test-results", "cli-")));
    process.once("exit", () => rmSync(own, { recursive: true, force: true }));
    const r = spawnSync(process.execPath, ["scripts/build.mjs", "--cli", "--quiet", "--outdir", dir], { cwd: projectRoot, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`node scripts/build.mjs --cli failed: ${r.stderr}`);
  }
  return (built = join(dir, "cli.js"));
}

/** node's arguments for one command: the built command line and the command's own arguments */
export const cliArgs = (...args: string[]): string[] => [builtCli(), ...args];

/** Runs one command and waits for it. */
export function cli(env: Record<string, string>, ...args: string[]): CliResult {
  return cliFrom(cliArgs(), env, ...args);
}

/** Runs one command with node's arguments `from` before the command's (FROM_SOURCES: as `npm run cli` does). */
export function cliFrom(from: string[], env: Record<string, string>, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [...from, ...args], { cwd: projectRoot, encoding: "utf8", env: envOf(env), timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Runs one command without blocking, so independent commands can run side by side. */
export function cliAsync(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, cliArgs(...args), { env: envOf(env) });
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
