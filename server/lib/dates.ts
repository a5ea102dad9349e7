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

/** The calendar day of `at` in time zone `tz`, as 'YYYY-MM-DD'. */
export function dayIn(tz: string, at: Date = new Date()): string {
  const f = formatter("day", tz, () => new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }));
  // en-CA prints YYYY-MM-DD; format() is several times cheaper than formatToParts()
  const s = f.format(at);
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
  const parts = f.formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

function toUtc(day: string): number {
  // called for every row of a list (light, words, days overdue): no split/map garbage
  return Date.UTC(+day.slice(0, 4), +day.slice(5, 7) - 1, +day.slice(8, 10));
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
  const day = dayIn(tz, at);
  const time = formatter("time", tz, () => new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hour12: false })).format(at);
  return `${cnDate(day)} ${time}`;
}
