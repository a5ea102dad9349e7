// The database's change counters, bumped by triggers in the writing transaction, from this
// process or any other:
// - stats_version (migration 0003): anything a figure reads — tasks' states, deadlines, units,
//   sign-offs, problems' categories, the unit tree and ratings. The overview's snapshot is kept under it.
// - directory_version (migration 0005): the unit tree and people's names, roles, units and active
//   flags. The in-memory directory (directory.ts) and what is derived from it are kept under it;
//   tasks changing state all day leave it alone.
import type { Statement } from "better-sqlite3";
import { perDb, writeCount, type Db } from "../../db/client.ts";

type Counter = "stats_version" | "directory_version";

const statements = perDb((db) => ({
  stats_version: db.$client.prepare("SELECT n FROM stats_version WHERE id = 1").pluck() as Statement,
  directory_version: db.$client.prepare("SELECT n FROM directory_version WHERE id = 1").pluck() as Statement,
}));

const seen = new WeakMap<Db, Map<Counter, { n: number; writes: number }>>();

/**
 * A counter, read once per turn of the event loop: a page asks for it several times, and each
 * read was a query. It is read again after any write this connection makes, and in the next turn
 * (a write by another process is seen by the next request).
 */
function counter(db: Db, name: Counter): number {
  const writes = writeCount(db);
  let byName = seen.get(db);
  if (!byName) seen.set(db, (byName = new Map()));
  const hit = byName.get(name);
  if (hit && hit.writes === writes) return hit.n;
  const stmt = statements(db)[name];
  const n = stmt.pluck().get() as number;
  const entry = { n, writes };
  byName.set(name, entry);
  setImmediate(() => {
    if (byName.get(name) === entry) byName.delete(name);
  });
  return n;
}

export const statsVersion = (db: Db): number => counter(db, "stats_version");
export const directoryVersion = (db: Db): number => counter(db, "directory_version");

/** memo(cache, db, build): build() once per (database, value of the counter); stats_version unless told */
export function memoByVersion<T>(cache: WeakMap<Db, { v: number; value: T }>, db: Db, build: () => T, version: (db: Db) => number = statsVersion): T {
  const v = version(db);
  const hit = cache.get(db);
  if (hit && hit.v === v) return hit.value;
  const value = build();
  cache.set(db, { v, value });
  return value;
}
