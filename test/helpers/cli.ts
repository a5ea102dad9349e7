// The command line as a user runs it: a real `node --import tsx server/cli.ts` process.
import { spawn, spawnSync } from "node:child_process";

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
