// The database's change counter for figures, the unit tree and the people directory
// (stats_version, bumped by triggers in the writing transaction: db/migrations/0003 and 0005).
// Anything derived from tasks' states/deadlines, from the units or from people's names, roles,
// units and active flags may be memoised under it.
import type { Statement } from "better-sqlite3";
import { perDb, writeCount, type Db } from "../../db/client.ts";

const statement = perDb((db): Statement => db.$client.prepare("SELECT n FROM stats_version WHERE id = 1"));

const seen = new WeakMap<Db, { n: number; writes: number }>();

/**
 * The counter, read once per turn of the event loop: a page asks for it several times (the
 * directory, subtrees, choices), and each read was a query. It is read again after any write
 * this connection makes, and in the next turn (a write by another process is seen by the next request).
 */
export function statsVersion(db: Db): number {
  const writes = writeCount(db);
  const hit = seen.get(db);
  if (hit && hit.writes === writes) return hit.n;
  const n = statement(db).pluck().get() as number;
  const entry = { n, writes };
  seen.set(db, entry);
  setImmediate(() => {
    if (seen.get(db) === entry) seen.delete(db);
  });
  return n;
}

/** memo(db, key, build): build() once per (database, key, change counter) */
export function memoByVersion<T>(cache: WeakMap<Db, { v: number; value: T }>, db: Db, build: () => T): T {
  const v = statsVersion(db);
  const hit = cache.get(db);
  if (hit && hit.v === v) return hit.value;
  const value = build();
  cache.set(db, { v, value });
  return value;
}
