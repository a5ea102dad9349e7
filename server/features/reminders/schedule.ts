// The reminder schedule inside the server: croner runs the daily run at REMIND_CRON in TZ, a
// retry pass every 15 minutes takes failed sends whose retry time has come, and a start after a
// missed run catches it up. Runs are async and never overlap in this process (one at a time: a
// retry pass due while a run is going is skipped, a daily run waits for it); errors are caught and
// logged. The database and the SMTP conversation are I/O, so requests are served meanwhile.
// Several processes or servers may run at once: the claims in reminder_log (send.ts) send each
// mail once.
import { Cron } from "croner";
import type { Db } from "../../../db/client.ts";
import type { Config } from "../../config.ts";
import type { Mailer } from "./mailer.ts";
import { runReminders, type RunResult } from "./send.ts";

type Log = { info: (obj: object, msg?: string) => void; error: (obj: object, msg?: string) => void };

export type Schedule = { stop(): void; next(): Date | null; runNow(kind?: "daily" | "retry"): Promise<void>; /** the run in progress or the last one */ idle(): Promise<void> };

/** Did an occurrence of `pattern` fall within the last `withinMs` before `now`? */
export function missedRecently(pattern: string, timeZone: string, now: Date, withinMs = 24 * 3600_000): boolean {
  const probe = new Cron(pattern, { timezone: timeZone, paused: true });
  const next = probe.nextRun(new Date(now.getTime() - withinMs));
  probe.stop();
  return !!next && next.getTime() <= now.getTime();
}

export function startReminderSchedule(opts: { db: Db; config: Config; mailer: Mailer; log: Log; clock?: () => Date; catchUp?: boolean; catchUpDelayMs?: number }): Schedule {
  const { db, config, mailer, log } = opts;
  const clock = opts.clock ?? (() => new Date());
  // one run at a time in this process: the run in progress, and at most one daily run waiting for it
  let current: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  let last: Promise<void> = Promise.resolve();
  let stopped = false;

  // never rejects: every error (the database, the mail server, the log itself) is caught and logged
  const run = async (kind: "daily" | "retry") => {
    try {
      const report = await runReminders({ db, config, mailer, now: clock(), retryOnly: kind === "retry" });
      const { today, results } = report;
      const count = (s: RunResult["status"]) => results.filter((r) => r.status === s).length;
      const robots = report.robots ?? [];
      if (results.length || robots.length || kind === "daily" || report.expired) log.info({ today, kind, sent: count("sent"), failed: count("failed"), bounced: count("bounced"), taken: count("taken"), claimed: count("claimed"), expired: report.expired, unacknowledged: report.unacknowledged, robotsSent: robots.filter((x) => x.status === "sent").length, robotsFailed: robots.filter((x) => x.status === "failed").length }, "reminders run");
      for (const r of results.filter((x) => x.status === "failed" || x.status === "bounced")) log.error({ to: r.recipient.email, subject: r.subject, status: r.status, error: r.error, retryAt: r.retryAt }, "reminder failed");
      for (const r of robots.filter((x) => x.status === "failed")) log.error({ channel: r.channel, title: r.title, code: r.code, error: r.error, retryAt: r.retryAt, broke: !!r.broke }, "robot message failed");
    } catch (err) {
      try {
        log.error({ err }, "reminders run failed");
      } catch {
        // the logger itself failed: nothing more to do here
      }
    }
  };
  /**
   * Starts a run unless one is in progress. Then a retry pass is not started (the run in progress
   * covers it, the next pass takes the rest); a daily run waits for it and then runs, once.
   */
  const start = (kind: "daily" | "retry"): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (current) {
      if (kind === "retry") return current;
      return (queued ??= current.then(() => {
        queued = null;
        return start("daily");
      }));
    }
    const p: Promise<void> = run(kind).finally(() => {
      if (current === p) current = null;
    });
    current = p;
    last = p;
    return p;
  };

  const daily = new Cron(config.remindCron, { timezone: config.timeZone, protect: true }, () => start("daily"));
  const retry = new Cron("*/15 * * * *", { timezone: config.timeZone, protect: true }, () => start("retry"));
  let catchUp: NodeJS.Timeout | null = null;
  if (opts.catchUp !== false && missedRecently(config.remindCron, config.timeZone, clock())) {
    // the server was down at the scheduled time today (or restarted since): catch up shortly after start
    catchUp = setTimeout(() => void start("daily"), opts.catchUpDelayMs ?? 3000);
    catchUp.unref();
  }
  return {
    stop() {
      stopped = true;
      daily.stop();
      retry.stop();
      if (catchUp) clearTimeout(catchUp);
    },
    next: () => daily.nextRun(),
    runNow: (kind = "daily") => start(kind),
    idle: async () => {
      await last;
      while (current || queued) await (queued ?? current);
    },
  };
}
