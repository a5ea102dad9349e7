// SLOW_REQUEST_MS: a request that takes that long is logged as a warning with its method, path,
// status and time; quicker ones are not, and 0 logs none.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { buildApp } from "../../server/app.ts";
import { loadConfig } from "../../server/config.ts";
import { openDb } from "../../db/client.ts";

async function appLogging(slowMs: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  const config = loadConfig({ DATABASE_FILE: ":memory:", SESSION_SECRET: "x".repeat(40), SEED_DEMO: "0", LOG_LEVEL: "warn", SLOW_REQUEST_MS: slowMs });
  const db = await openDb(":memory:");
  const app = await buildApp({ config, db, logger: { level: "warn", stream } });
  let wait = 0;
  app.get("/test-slow", async () => {
    await new Promise((r) => setTimeout(r, wait));
    return "ok";
  });
  await app.ready();
  return { app, lines, setWait: (ms: number) => (wait = ms), close: async () => (await app.close(), await db.close()) };
}

test("a request at or past SLOW_REQUEST_MS is logged as a warning; a quick one is not", async (t) => {
  const a = await appLogging("400");
  t.after(a.close);
  a.setWait(0);
  assert.equal((await a.app.inject({ url: "/test-slow?q=quick" })).statusCode, 200);
  assert.equal(a.lines.filter((l) => l.msg === "慢请求").length, 0, "a quick request is not logged");
  a.setWait(450);
  assert.equal((await a.app.inject({ url: "/test-slow?q=slow" })).statusCode, 200);
  const slow = a.lines.filter((l) => l.msg === "慢请求");
  assert.equal(slow.length, 1);
  assert.equal(slow[0].url, "/test-slow?q=slow");
  assert.equal(slow[0].method, "GET");
  assert.equal(slow[0].statusCode, 200);
  assert.ok(Number(slow[0].ms) >= 400, `its time: ${slow[0].ms}`);
  assert.equal(slow[0].level, 40, "a warning");
});

test("SLOW_REQUEST_MS=0 logs no request", async (t) => {
  const a = await appLogging("0");
  t.after(a.close);
  a.setWait(50);
  await a.app.inject({ url: "/test-slow" });
  assert.equal(a.lines.filter((l) => l.msg === "慢请求").length, 0);
});
