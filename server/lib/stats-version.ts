// The database's change counters, bumped by triggers in the writing transaction, from this
// process or any other:
// - stats_version (migration 0003): anything a figure reads — tasks' states, deadlines, units,
//   sign-offs, problems' categories, the unit tree and ratings. The overview's snapshot is kept under it.
// - directory_version (migration 0005): the unit tree and people's names, roles, units and active
//   flags. The in-memory directory (directory.ts) and what is derived from it are kept under it;
//   tasks changing state all day leave it alone.
import { AsyncLocalStorage } from "node:async_hooks";
import { writeCount, type Db } from "../../db/client.ts";

type Counter = "stats_version" | "directory_version";

const SQL: Record<Counter, string> = {
  stats_version: "SELECT n FROM stats_version WHERE id = 1",
  directory_version: "SELECT n FROM directory_version WHERE id = 1",
};

type Seen = Map<Counter, { n: number | Promise<number>; writes: number }>;
const seen = new WeakMap<Db, Seen>();

/**
 * A request's own memory of the counters (app.ts opens one per request): on PostgreSQL every
 * query is a round trip that ends the turn, so "once per turn" was several reads a page; within
 * a request the counters are read once, and again after any write the request's server makes.
 */
const perRequest = new AsyncLocalStorage<WeakMap<Db, Seen>>();
/**
 * fn as one request. On a store whose queries are round trips (db.roundTrips) the counters are
 * then read once for the request; on one that answers in this process (SQLite) once per turn
 * of the event loop as before, without a request scope (on Node 20 an AsyncLocalStorage costs
 * every promise of the process a hook).
 */
export const withCounterScope = <T>(db: Db, fn: () => T): T => (db.roundTrips ? perRequest.run(new WeakMap(), fn) : fn());

/**
 * A counter, read once per request (withCounterScope), else once per turn of the event loop: a
 * page asks for it several times, and each read was a query. It is read again after any write
 * this server makes, and by the next request or turn (a write by another process or another
 * server is seen by the next request: with several
 * servers on one PostgreSQL, a cache kept under a counter is never stale for more than a request).
 * Inside a transaction the counter is read anew each time (the transaction may be moving it).
 */
async function counter(db: Db, name: Counter): Promise<number> {
  if (db.inTx()) return (await db.value<number>(SQL[name]))!;
  const writes = writeCount(db);
  const request = perRequest.getStore();
  const memory = request ?? seen;
  let byName = memory.get(db);
  if (!byName) memory.set(db, (byName = new Map()));
  const hit = byName.get(name);
  if (hit && hit.writes === writes) return hit.n;
  const n = db.value<number>(SQL[name]).then((v) => v!);
  const entry: { n: number | Promise<number>; writes: number } = { n, writes };
  byName.set(name, entry);
  // outside a request (the CLI, the schedules), kept for this turn of the event loop only
  if (!request)
    setImmediate(() => {
      if (byName.get(name) === entry) byName.delete(name);
    });
  try {
    entry.n = await n;
  } catch (e) {
    if (byName.get(name) === entry) byName.delete(name);
    throw e;
  }
  return entry.n;
}

/**
 * Counters another statement of the request has read (the session's statement reads both in its
 * one round trip): kept in the request's memory as if read here. Outside a request, or inside a
 * transaction, nothing is kept.
 */
export function primeCounters(db: Db, values: { statsVersion: number; directoryVersion: number }): void {
  const request = perRequest.getStore();
  if (!request || db.inTx()) return;
  let byName = request.get(db);
  if (!byName) request.set(db, (byName = new Map()));
  const writes = writeCount(db);
  byName.set("stats_version", { n: Number(values.statsVersion), writes });
  byName.set("directory_version", { n: Number(values.directoryVersion), writes });
}

export const statsVersion = (db: Db): Promise<number> => counter(db, "stats_version");
export const directoryVersion = (db: Db): Promise<number> => counter(db, "directory_version");

type Memo<T> = { v: number; value: Promise<T> };

/**
 * memo(cache, db, build): build() once per (database, value of the counter); stats_version unless
 * told. Requests that arrive while it is being built share the one build.
 */
export async function memoByVersion<T>(cache: WeakMap<Db, Memo<T>>, db: Db, build: () => Promise<T>, version: (db: Db) => Promise<number> = statsVersion): Promise<T> {
  const v = await version(db);
  const hit = cache.get(db);
  if (hit && hit.v === v) return hit.value;
  const value = build();
  const entry = { v, value };
  cache.set(db, entry);
  value.catch(() => {
    if (cache.get(db) === entry) cache.delete(db);
  });
  return value;
}

/** Values kept by key under a counter (keptLatest's memory: one per kind of value and store). */
export type KeptLatest<T> = { v: number; values: Map<string, T>; flying: Map<string, { v: number; value: Promise<T> }>; queued: Map<string, Promise<T>> };
export const keptLatestOf = <T>(): KeptLatest<T> => ({ v: -1, values: new Map(), flying: new Map(), queued: new Map() });
const ignore = () => {};

/**
 * The value of `key` as of the counter (stats_version unless told), kept until the counter moves;
 * made by build() at most once at a time per key. While progress is posted the counter moves many
 * times a second, and made anew by every request after each move, a value that takes tens of ms
 * (a count over a tenth of a million tasks) became the whole server's work. So a request that
 * finds a build of an older value under way waits for the one after it, made once for all who
 * wait, which reads the counter when it starts: what a person has just changed is in what they
 * get. At most `max` keys are kept (all dropped when full, as the counter's move drops them).
 */
export async function keptLatest<T>(cache: KeptLatest<T>, db: Db, key: string, build: () => Promise<T>, opts: { max?: number; version?: (db: Db) => Promise<number> } = {}): Promise<T> {
  const version = opts.version ?? statsVersion;
  const v = await version(db);
  if (cache.v === v && cache.values.has(key)) return cache.values.get(key)!;
  const flying = cache.flying.get(key);
  if (flying && flying.v >= v) return flying.value;
  if (flying) {
    let next = cache.queued.get(key);
    if (!next) {
      next = flying.value.then(ignore, ignore).then(async () => {
        cache.queued.delete(key);
        return start(await version(db));
      });
      cache.queued.set(key, next);
    }
    return next;
  }
  return start(v);

  function start(at: number): Promise<T> {
    // a value of this version or a newer one is kept meanwhile (by a request that read the counter later)
    if (cache.v >= at && cache.values.has(key)) return Promise.resolve(cache.values.get(key)!);
    const value = build();
    const flight = { v: at, value };
    cache.flying.set(key, flight);
    const landed = () => {
      if (cache.flying.get(key) === flight) cache.flying.delete(key);
    };
    value.then((x) => {
      landed();
      if (at < cache.v) return; // values of a newer version are kept meanwhile
      if (at > cache.v || cache.values.size >= (opts.max ?? 5000)) {
        cache.v = at;
        cache.values.clear();
      }
      cache.values.set(key, x);
    }, landed);
    return value;
  }
}
