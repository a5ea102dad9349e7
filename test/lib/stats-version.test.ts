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
