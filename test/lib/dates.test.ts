// Dates in a time zone come from an offset cached per zone and quarter hour (server/lib/dates.ts);
// they must equal what Intl says for the moment itself: at random moments, and minute by minute
// around every offset change of 2024–2027 in zones with odd offsets and half-hour DST.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { dayIn, cnDateTime, cnDate } from "../../server/lib/dates.ts";

const ZONES = ["Asia/Shanghai", "UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Chatham", "America/St_Johns", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Tehran"];

const formats = new Map<string, Intl.DateTimeFormat>();
function reference(tz: string, at: Date): { day: string; time: string } {
  let f = formats.get(tz);
  if (!f) formats.set(tz, (f = new Intl.DateTimeFormat("en-CA", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })));
  const p: Record<string, string> = {};
  for (const x of f.formatToParts(at)) p[x.type] = x.value;
  return { day: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

function check(tz: string, at: Date) {
  const want = reference(tz, at);
  assert.equal(dayIn(tz, at), want.day, `${tz} ${at.toISOString()}`);
  assert.equal(cnDateTime(at.toISOString(), tz), `${cnDate(want.day)} ${want.time}`, `${tz} ${at.toISOString()}`);
}

test("dayIn and cnDateTime equal Intl at random moments, 1990–2060", () => {
  fc.assert(
    fc.property(fc.constantFrom(...ZONES), fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) }), (tz, ms) => check(tz, new Date(ms))),
    { numRuns: 3000 },
  );
});

test("dayIn and cnDateTime equal Intl around changes off the quarter hour (St. John's at 00:01 local until 2011)", () => {
  for (const change of [Date.UTC(2010, 10, 7, 2, 31), Date.UTC(2011, 2, 13, 3, 31)])
    for (let m = change - 3_600_000; m <= change + 3_600_000; m += 60_000) for (const s of [0, 1_000, 59_000]) check("America/St_Johns", new Date(m + s));
});

test("dayIn and cnDateTime equal Intl minute by minute around every offset change, 2024–2027", () => {
  const offset = (tz: string, ms: number) => {
    const r = reference(tz, new Date(ms));
    return Date.UTC(+r.day.slice(0, 4), +r.day.slice(5, 7) - 1, +r.day.slice(8, 10), +r.time.slice(0, 2), +r.time.slice(3, 5)) - Math.floor(ms / 60_000) * 60_000;
  };
  let changes = 0;
  for (const tz of ZONES) {
    let prev = offset(tz, Date.UTC(2024, 0, 1));
    for (let ms = Date.UTC(2024, 0, 1); ms < Date.UTC(2028, 0, 1); ms += 3 * 3_600_000) {
      const now = offset(tz, ms);
      if (now === prev) continue;
      prev = now;
      changes++;
      // the change lies in the last three hours: every minute of them, and an hour either side
      for (let m = ms - 4 * 3_600_000; m <= ms + 3_600_000; m += 60_000) check(tz, new Date(m));
    }
  }
  assert.ok(changes >= 40, `only ${changes} offset changes found: the sweep did not reach the DST zones`);
});
