// The nightly upkeep of the database, run by the server at MAINTENANCE_CRON in TZ (3:00 by
// default; `npm run cli -- optimize` runs the same at once):
//  1. each search index merged into one b-tree (optimizeSearchTable): every transaction that
//     writes leaves FTS5 a new segment, and a search pays for each segment of each trigram it
//     looks up; merged nightly, a search reads one b-tree per index plus the day's few segments.
//  2. the audit log's retention: entries older than AUDIT_RETENTION_DAYS (at least 180) removed,
//     and sign-in failure counts nobody added to for a day forgotten.
//  3. the query planner's statistics refreshed (refreshPlannerStats): row counts per index
//     (sqlite_stat1) as the data grows, so SQLite keeps choosing the indexes the pages are built on.
// In the server, one step per turn of the event loop, so requests are served between them; runs
// never overlap (croner's `protect`).
import { Cron } from "croner";
import { tx, type Db } from "../../db/client.ts";
import type { Config } from "../config.ts";
import { SEARCH_TABLES, optimizeSearchTable } from "../features/search/service.ts";
import { purgeAudit } from "../features/audit/service.ts";
import { forgetOldSignInFailures } from "../features/auth/service.ts";

/**
 * ANALYZE (on a sample: analysis_limit), keeping the per-index row counts and dropping
 * sqlite_stat4's per-value samples. With samples, SQLite plans a statement again on every run
 * whose bound values it compares with an indexed column (unit_id = ?, id = ?), which cost the
 * task list more than any plan they could improve; without them a prepared statement keeps its plan.
 */
export function refreshPlannerStats(db: Db): void {
  const c = db.$client;
  c.pragma("analysis_limit = 1000");
  tx(db, () => {
    c.exec("ANALYZE");
    if (c.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat4'").get()) c.exec("DELETE FROM sqlite_stat4");
  });
  c.exec("ANALYZE sqlite_schema"); // this connection reads the statistics again: stat1 alone
}

export type MaintenanceOptions = { /** AUDIT_RETENTION_DAYS */ auditRetentionDays: number; now: Date };
export type MaintenanceStep = { name: string; run: (db: Db, o: MaintenanceOptions) => void };

/** The steps, in order: each search index, the audit log's retention, then the statistics (which then count the merged indexes). */
export const MAINTENANCE_STEPS: MaintenanceStep[] = [
  ...SEARCH_TABLES.map((table) => ({ name: table, run: (db: Db) => optimizeSearchTable(db, table) })),
  {
    name: "audit retention",
    run: (db: Db, o: MaintenanceOptions) => {
      purgeAudit(db, o.auditRetentionDays, o.now);
      forgetOldSignInFailures(db, o.now);
    },
  },
  { name: "planner statistics", run: refreshPlannerStats },
];

const defaults = (o: Partial<MaintenanceOptions>): MaintenanceOptions => ({ auditRetentionDays: o.auditRetentionDays ?? 180, now: o.now ?? new Date() });

/** Every step at once (the CLI, the benchmark's database); returns the steps' names. */
export function maintain(db: Db, opts: Partial<MaintenanceOptions> = {}): string[] {
  const o = defaults(opts);
  for (const step of MAINTENANCE_STEPS) step.run(db, o);
  return MAINTENANCE_STEPS.map((s) => s.name);
}

type Log = { info: (obj: object, msg?: string) => void; error: (obj: object, msg?: string) => void };

export type MaintenanceSchedule = { stop(): void; next(): Date | null; /** a run now (or the one in progress) */ runNow(): Promise<void> };

export function startMaintenanceSchedule(opts: { db: Db; config: Pick<Config, "maintenanceCron" | "timeZone"> & Partial<Pick<Config, "auditRetentionDays">>; log: Log }): MaintenanceSchedule {
  const { db, config, log } = opts;
  let running: Promise<void> | null = null;
  const run = async () => {
    const t0 = performance.now();
    try {
      const o = defaults({ auditRetentionDays: config.auditRetentionDays });
      for (const step of MAINTENANCE_STEPS) {
        step.run(db, o);
        await new Promise((res) => setImmediate(res)); // let waiting requests in between steps
      }
      log.info({ steps: MAINTENANCE_STEPS.length, ms: Math.round(performance.now() - t0) }, "nightly maintenance done");
    } catch (err) {
      log.error({ err }, "nightly maintenance failed");
    }
  };
  const start = () => (running ??= run().finally(() => (running = null)));
  const job = new Cron(config.maintenanceCron, { timezone: config.timeZone, protect: true }, () => start());
  return { stop: () => job.stop(), next: () => job.nextRun(), runNow: () => start() };
}
