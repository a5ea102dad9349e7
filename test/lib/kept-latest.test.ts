// keptLatest (server/lib/stats-version.ts): a value kept under a counter that moves many times a
// second is made at most once at a time per key; who finds the counter moved while one is made
// waits for one more after it, which reads the counter when it starts (never an older value than
// the counter they read), and a failed build is not kept.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Db } from "../../db/client.ts";
import { keptLatest, keptLatestOf } from "../../server/lib/stats-version.ts";

/** a counter we move by hand, and builds we finish by hand, each recording the counter when it began */
function harness() {
  let counter = 1;
  const db = {} as Db;
  const builds: { startedAt: number; finish: (v?: unknown) => void; fail: (e: Error) => void }[] = [];
  const cache = keptLatestOf<number>();
  const build = () =>
    new Promise<number>((resolve, reject) => {
      const startedAt = counter;
      builds.push({ startedAt, finish: () => resolve(startedAt), fail: reject });
    });
  const get = (key = "k") => keptLatest(cache, db, key, build, { version: async () => counter });
  return { db, builds, get, move: () => counter++, now: () => counter };
}

test("one build per key at a time; everyone who found the counter moved shares the one after it", async () => {
  const h = harness();
  const first = h.get();
  await nextTurn();
  assert.equal(h.builds.length, 1);
  // the counter moves three times while the first build runs; five requests arrive meanwhile
  h.move();
  const a = h.get();
  h.move();
  const b = h.get();
  const c = h.get();
  h.move();
  const d = [h.get(), h.get()];
  await nextTurn();
  assert.equal(h.builds.length, 1, "no second build while the first runs");
  h.builds[0].finish();
  assert.equal(await first, 1);
  await nextTurn();
  await nextTurn();
  assert.equal(h.builds.length, 2, "one build after it, for all who waited");
  assert.equal(h.builds[1].startedAt, 4, "it read the counter when it started: newer than any waiter's");
  h.builds[1].finish();
  assert.deepEqual(await Promise.all([a, b, c, ...d]), [4, 4, 4, 4, 4]);
  // kept: the same counter asks for nothing more
  assert.equal(await h.get(), 4);
  assert.equal(h.builds.length, 2);
  // a request that read the counter the running build started at shares it
  h.move();
  const e = h.get();
  await nextTurn();
  const f = h.get();
  await nextTurn();
  assert.equal(h.builds.length, 3);
  h.builds[2].finish();
  assert.deepEqual(await Promise.all([e, f]), [5, 5]);
});

test("keys are made apart; a failed build is not kept, and the next request builds again", async () => {
  const h = harness();
  const x = h.get("x");
  const y = h.get("y");
  await nextTurn();
  assert.equal(h.builds.length, 2, "two keys, two builds at once");
  h.builds[0].fail(new Error("boom"));
  h.builds[1].finish();
  await assert.rejects(x, /boom/);
  assert.equal(await y, 1);
  const again = h.get("x");
  await nextTurn();
  assert.equal(h.builds.length, 3, "the failed key is built again");
  h.builds[2].finish();
  assert.equal(await again, 1);
  assert.equal(await h.get("y"), 1);
  assert.equal(h.builds.length, 3, "the other key stayed kept");
});
