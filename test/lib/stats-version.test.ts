// stats_version is read once per turn of the event loop: a write on this connection is seen at
// once, a write by another process (another connection) by the next turn, i.e. the next request.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setImmediate as nextTurn } from "node:timers/promises";
import { makeApp } from "../helpers/app.ts";
import { openDb } from "../../db/client.ts";
import { statsVersion } from "../../server/lib/stats-version.ts";

test("statsVersion: this connection's writes at once, another process's (or server's) by the next turn", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const v0 = await statsVersion(ta.db);
  (await ta.db.run("UPDATE units SET name = name || '·' WHERE id = ?", [ta.ids.b]));
  const v1 = await statsVersion(ta.db);
  assert.equal(v1, v0 + 1, "a write on this connection is seen in the same turn");

  // a page asks several times within one turn: one read, shared
  const [a, b] = await Promise.all([statsVersion(ta.db), statsVersion(ta.db)]);
  assert.deepEqual([a, b], [v1, v1]);

  const other = await openDb(ta.config.database);
  t.after(() => other.close());
  if (ta.db.engine === "sqlite") {
    // SQLite answers at once: the other connection's write lands within this turn, and the counter read in it stands
    const stale = statsVersion(ta.db);
    await other.run("UPDATE units SET name = name || '·' WHERE id = ?", [ta.ids.b]);
    assert.equal(await statsVersion(ta.db), await stale, "read once per turn");
  } else await other.run("UPDATE units SET name = name || '·' WHERE id = ?", [ta.ids.b]);
  await nextTurn();
  assert.equal(await statsVersion(ta.db), v1 + 1, "another connection's (or server's) write is seen by the next turn, i.e. the next request");
});

test("a page reads each change counter at most once (per request, not per turn, where every query is a round trip and ends a turn: PostgreSQL)", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const reads: string[] = [];
  const counting = new Proxy(ta.db, {
    get(target, key) {
      const v = Reflect.get(target, key);
      if (key === "value") return (text: string, params?: unknown[]) => (/FROM (stats|directory)_version/.test(text) && reads.push(text), target.value(text, params));
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const { buildApp } = await import("../../server/app.ts");
  const app = await buildApp({ config: ta.config, db: counting, clock: () => ta.clock.now, logger: false });
  t.after(() => app.close());
  const { login, get } = await import("../helpers/app.ts");
  const s = await login(app, "leader@t.cn");
  for (const url of ["/", "/tasks", "/tasks?state=doing", "/tasks/review", "/search?q=%E8%AE%B0%E5%BD%95"]) {
    reads.length = 0;
    assert.equal((await get(app, s, url)).statusCode, 200, url);
    const stats = reads.filter((r) => /stats_version/.test(r)).length;
    const dir = reads.length - stats;
    if (!ta.db.roundTrips) continue; // SQLite: once per turn of the event loop (the test above)
    assert.ok(stats <= 1 && dir <= 1, `${url}: stats_version read ${stats}×, directory_version ${dir}×`);
    // the session's statement reads both counters in its round trip: no statement of their own
    assert.equal(stats + dir, 0, `${url}: the counters are read with the session, not again`);
  }
});

test("a setting changed on another server is used from that server's next request on", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { getSetting, setSetting } = await import("../../server/features/admin/settings.ts");
  const { withCounterScope } = await import("../../server/lib/stats-version.ts");
  const request = <T>(fn: () => Promise<T>) => withCounterScope(ta.db, fn);
  assert.equal(await request(() => getSetting(ta.db, "yellowDays")), 3);
  const other = await openDb(ta.config.database); // a second server's store on the same database
  t.after(() => other.close());
  await setSetting(other, "yellowDays", 9, new Date().toISOString());
  await nextTurn(); // the next request
  assert.equal(await request(() => getSetting(ta.db, "yellowDays")), 9, "kept under directory_version, which setSetting moves");
  // read inside a transaction: what the transaction sees
  await ta.db.tx(async () => {
    await ta.db.run("UPDATE settings SET value = '5' WHERE key = 'yellowDays'");
    assert.equal(await getSetting(ta.db, "yellowDays"), 5);
  });
});
