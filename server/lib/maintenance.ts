// The nightly upkeep of the database, run by the server at MAINTENANCE_CRON in TZ (3:00 by
// default; `npm run cli -- optimize` runs the same at once):
//  1. each search index merged into one b-tree (optimizeSearchTable): every transaction that
//     writes leaves FTS5 a new segment, and a search pays for each segment of each trigram it
//     looks up; merged nightly, a search reads one b-tree per index plus the day's few segments.
//  2. the audit log's retention: entries older than AUDIT_RETENTION_DAYS (at least 180) removed,
//     and sign-in failure counts nobody added to for a day forgotten.
//  3. the query planner's statistics refreshed (db.analyze(), the engine's own way): row counts
//     per index as the data grows, so the engine keeps choosing the indexes the pages are built on.
// In the server, one step per turn of the event loop, so requests are served between them; runs
// never overlap (croner's `protect`), and with several servers on one database each night's run
// is made by one of them (run-once.ts: the first to claim the night's slot).
import { Cron } from "croner";
import type { Db } from "../../db/client.ts";
import type { Config } from "../config.ts";
import { SEARCH_TABLES, optimizeSearchTable } from "../features/search/service.ts";
import { purgeAudit } from "../features/audit/service.ts";
import { forgetOldSignInFailures } from "../features/auth/service.ts";
import { pruneChangeNotes } from "../features/dashboard/service.ts";
import { runOnce, slotOf } from "./run-once.ts";

export const refreshPlannerStats = (db: Db): Promise<void> => db.analyze();

export type MaintenanceOptions = { /** AUDIT_RETENTION_DAYS */ auditRetentionDays: number; now: Date };
export type MaintenanceStep = { name: string; run: (db: Db, o: MaintenanceOptions) => Promise<void> };

/** The steps, in order: each search index, the audit log's retention, the overview's oldest change notes, then the statistics (which then count the merged indexes). */
export const MAINTENANCE_STEPS: MaintenanceStep[] = [
  ...SEARCH_TABLES.map((table) => ({ name: table, run: (db: Db) => optimizeSearchTable(db, table) })),
  {
    name: "audit retention",
    run: async (db: Db, o: MaintenanceOptions) => {
      await purgeAudit(db, o.auditRetentionDays, o.now);
      await forgetOldSignInFailures(db, o.now);
    },
  },
  { name: "overview notes", run: async (db: Db) => void (await pruneChangeNotes(db)) },
  { name: "planner statistics", run: refreshPlannerStats },
];

const defaults = (o: Partial<MaintenanceOptions>): MaintenanceOptions => ({ auditRetentionDays: o.auditRetentionDays ?? 180, now: o.now ?? new Date() });

/** Every step at once (the CLI, the benchmark's database); returns the steps' names. */
export async function maintain(db: Db, opts: Partial<MaintenanceOptions> = {}): Promise<string[]> {
  const o = defaults(opts);
  for (const step of MAINTENANCE_STEPS) await step.run(db, o);
  return MAINTENANCE_STEPS.map((s) => s.name);
}

type Log = { info: (obj: object, msg?: string) => void; error: (obj: object, msg?: string) => void };

export type MaintenanceSchedule = { stop(): void; next(): Date | null; /** a run now (or the one in progress) */ runNow(): Promise<void> };

export const MAINTENANCE_JOB = "maintenance";

export function startMaintenanceSchedule(opts: { db: Db; config: Pick<Config, "maintenanceCron" | "timeZone"> & Partial<Pick<Config, "auditRetentionDays">>; log: Log }): MaintenanceSchedule {
  const { db, config, log } = opts;
  let running: Promise<void> | null = null;
  const run = async (slot: string) => {
    const t0 = performance.now();
    try {
      const ran = await runOnce(db, MAINTENANCE_JOB, slot, async () => {
        const o = defaults({ auditRetentionDays: config.auditRetentionDays });
        for (const step of MAINTENANCE_STEPS) {
          await step.run(db, o);
          await new Promise((res) => setImmediate(res)); // let waiting requests in between steps
        }
      });
      if (ran) log.info({ steps: MAINTENANCE_STEPS.length, ms: Math.round(performance.now() - t0) }, "nightly maintenance done");
      else log.info({ slot }, "nightly maintenance run by another server");
    } catch (err) {
      log.error({ err }, "nightly maintenance failed");
    }
  };
  // a scheduled run claims its minute; runNow() (tests, a manual run) claims a slot of its own
  const start = (slot: string) => (running ??= run(slot).finally(() => (running = null)));
  const job = new Cron(config.maintenanceCron, { timezone: config.timeZone, protect: true }, (self: Cron) => start(slotOf(self.currentRun() ?? new Date())));
  return { stop: () => job.stop(), next: () => job.nextRun(), runNow: () => start(`manual ${new Date().toISOString()} ${Math.random().toString(36).slice(2, 8)}`) };
}
