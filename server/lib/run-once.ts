// A scheduled job that every server fires at the same moment but that must run once across all
// of them (several servers on one PostgreSQL; a server and the CLI on one SQLite file): the
// first to insert its (name, slot) row in job_runs runs it; the others find the row and skip.
// Portable SQL, one short transaction to claim, one to record the end: no lock is held while
// the job runs, and a crashed run leaves its row (started, not finished) for people to see.
import { hostname } from "node:os";
import type { Db } from "../../db/client.ts";

export const HOLDER = `${hostname()}:${process.pid}`;

/** The slot a scheduled run answers: its moment to the minute (servers fire within the same minute). */
export const slotOf = (at: Date) => at.toISOString().slice(0, 16);

/** Runs fn if this call claims (name, slot); returns whether it ran. fn's error is recorded and rethrown. */
export async function runOnce(db: Db, name: string, slot: string, fn: () => Promise<void>, now: () => Date = () => new Date()): Promise<boolean> {
  const claimed = await db.value<string>(
    "INSERT INTO job_runs (name, slot, holder, started_at) VALUES (?, ?, ?, ?) ON CONFLICT (name, slot) DO NOTHING RETURNING holder",
    [name, slot, HOLDER, now().toISOString()],
  );
  if (claimed === undefined) return false;
  try {
    await fn();
    await db.run("UPDATE job_runs SET finished_at = ? WHERE name = ? AND slot = ?", [now().toISOString(), name, slot]);
    return true;
  } catch (err) {
    await db.run("UPDATE job_runs SET finished_at = ?, error = ? WHERE name = ? AND slot = ?", [now().toISOString(), String((err as Error)?.message ?? err).slice(0, 500), name, slot]);
    throw err;
  }
}
