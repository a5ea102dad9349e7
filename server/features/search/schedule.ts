// The nightly merge of the search indexes inside the server: croner runs optimizeSearchTable for
// each index at SEARCH_OPTIMIZE_CRON in TZ (3:00 by default), one index per turn of the event
// loop so requests are served between them. Runs never overlap (croner's `protect`). A day's
// writes leave FTS5 a new segment per transaction; merged every night, a search reads one
// b-tree per index plus the day's few segments (see optimizeSearchIndex).
import { Cron } from "croner";
import type { Db } from "../../../db/client.ts";
import type { Config } from "../../config.ts";
import { SEARCH_TABLES, optimizeSearchTable } from "./service.ts";

type Log = { info: (obj: object, msg?: string) => void; error: (obj: object, msg?: string) => void };

export type OptimizeSchedule = { stop(): void; next(): Date | null; /** a run now (waits for one in progress) */ runNow(): Promise<void> };

export function startSearchOptimizeSchedule(opts: { db: Db; config: Pick<Config, "searchOptimizeCron" | "timeZone">; log: Log }): OptimizeSchedule {
  const { db, config, log } = opts;
  let running: Promise<void> | null = null;
  const run = async () => {
    const t0 = performance.now();
    try {
      for (const table of SEARCH_TABLES) {
        optimizeSearchTable(db, table);
        await new Promise((res) => setImmediate(res)); // let waiting requests in between indexes
      }
      log.info({ tables: SEARCH_TABLES.length, ms: Math.round(performance.now() - t0) }, "search index optimized");
    } catch (err) {
      log.error({ err }, "search index optimize failed");
    }
  };
  const start = () => (running ??= run().finally(() => (running = null)));
  const job = new Cron(config.searchOptimizeCron, { timezone: config.timeZone, protect: true }, () => start());
  return { stop: () => job.stop(), next: () => job.nextRun(), runNow: () => start() };
}
