// The overview's snapshot made before anyone asks: at start and just after each local midnight.
// A new day reads every task again (service.ts, snapshot(): the figures are "as of today"), which
// at a million tasks is seconds on SQLite's reader thread; the first leader to open 首页 in the
// morning, and every request queued behind theirs, would wait for it. Built here, the first
// request finds it made (or joins the build under way: snapshot() keeps the one being built).
import { Cron } from "croner";
import type { Db } from "../../../db/client.ts";
import { dayIn } from "../../lib/dates.ts";
import { snapshot, tzOffsetMinutes, type Snapshot } from "./service.ts";

type Log = { info: (o: object, msg: string) => void; error: (o: object, msg: string) => void };

/** Today's snapshot as 首页 would ask for it at `now` (the same day and offset as its route). */
export function warmOverview(db: Db, timeZone: string, now = new Date()): Promise<Snapshot> {
  return snapshot(db, dayIn(timeZone, now), tzOffsetMinutes(timeZone, now));
}

/** Warms now, then at 00:00:05 each local day; stop() ends the schedule. Failures are logged (not after stop()), never thrown. */
export function startOverviewWarmer(opts: { db: Db; timeZone: string; log: Log }): { stop: () => void; first: Promise<void> } {
  let stopped = false;
  const warm = () =>
    warmOverview(opts.db, opts.timeZone).then(
      (snap) => opts.log.info({ today: snap.today, ms: Math.round(snap.builtMs) }, "overview snapshot made"),
      (err) => {
        if (!stopped) opts.log.error({ err }, "overview snapshot failed"); // else the store closed under it
      },
    );
  const first = warm();
  const job = new Cron("5 0 0 * * *", { timezone: opts.timeZone, protect: true }, () => warm());
  return {
    stop: () => {
      stopped = true;
      job.stop();
    },
    first,
  };
}
