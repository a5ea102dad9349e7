// Dates as people read them (2026年11月22日) and the calendar arithmetic of deadlines.
// A deadline is a calendar day 'YYYY-MM-DD'; "today" is the day in the configured time zone.

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

// Building an Intl.DateTimeFormat costs far more than using one (it was a tenth of a task
// page's time in the benchmark), so each (kind, time zone) is built once.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: string, tz: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  const key = kind + "|" + tz;
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = make()));
  return f;
}

export function isIsoDay(s: unknown): s is string {
  if (typeof s !== "string") return false;
  const m = ISO_DAY.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

/**
 * The zone's offset from UTC at `at` (ms), kept per zone and quarter hour: a page shows a dozen
 * moments (history, sign-off, the footer's today) and each was an Intl call. A quarter hour is
 * kept only when its first and last second have the same offset; the rare one with a change in it
 * (St. John's changed at 00:01 local until 2011) is worked out for each moment.
 */
const offsets = new Map<string, Map<number, number>>();
const QUARTER_HOUR = 900_000;
function offsetAt(tz: string, at: number): number {
  let byQuarter = offsets.get(tz);
  if (!byQuarter) offsets.set(tz, (byQuarter = new Map()));
  const q = Math.floor(at / QUARTER_HOUR);
  let off = byQuarter.get(q);
  if (off === undefined) {
    const first = exactOffset(tz, q * QUARTER_HOUR);
    off = first === exactOffset(tz, (q + 1) * QUARTER_HOUR - 1000) ? first : Number.NaN;
    if (byQuarter.size >= 100_000) byQuarter.clear();
    byQuarter.set(q, off);
  }
  return Number.isNaN(off) ? exactOffset(tz, at) : off;
}

/** The offset at `at` from Intl (offsets change on whole seconds). */
function exactOffset(tz: string, at: number): number {
  const f = formatter("offset", tz, () => new Intl.DateTimeFormat("en-CA", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }));
  const second = Math.floor(at / 1000) * 1000;
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(second))) if (part.type !== "literal") p[part.type] = Number(part.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - second;
}

/** `at` as the zone's wall clock, in an ISO string: 'YYYY-MM-DDTHH:MM:SS.sssZ' (the Z is not UTC). */
function wallClock(tz: string, at: Date): string {
  const ms = at.getTime();
  return new Date(ms + offsetAt(tz, ms)).toISOString();
}

/** The calendar day of `at` in time zone `tz`, as 'YYYY-MM-DD'. */
export function dayIn(tz: string, at: Date = new Date()): string {
  return wallClock(tz, at).slice(0, 10);
}

const utcByDay = new Map<string, number>();
function toUtc(day: string): number {
  // called several times for every row of a list (light, words, days overdue): parsed once a day
  let ms = utcByDay.get(day);
  if (ms === undefined) {
    ms = Date.UTC(+day.slice(0, 4), +day.slice(5, 7) - 1, +day.slice(8, 10));
    if (utcByDay.size >= 50_000) utcByDay.clear();
    utcByDay.set(day, ms);
  }
  return ms;
}

/** b − a in whole days. */
export function daysBetween(a: string, b: string): number {
  return Math.round((toUtc(b) - toUtc(a)) / 86_400_000);
}

export function addDays(day: string, n: number): string {
  return new Date(toUtc(day) + n * 86_400_000).toISOString().slice(0, 10);
}

/** 2026-11-22 → 2026年11月22日 */
export function cnDate(day: string | null | undefined): string {
  if (!day) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(day);
  if (!m) return day;
  return `${m[1]}年${Number(m[2])}月${Number(m[3])}日`;
}

/** An ISO moment → 2026年11月22日 14:05 in time zone tz. */
export function cnDateTime(iso: string | null | undefined, tz: string): string {
  if (!iso) return "";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const wall = wallClock(tz, at);
  return `${cnDate(wall.slice(0, 10))} ${wall.slice(11, 16)}`;
}
