// Fastify's schema compilers, loaded on first use (server/lib/schema-compilers.ts): the server
// starts without them, and a route that does declare a schema is validated and serialised as
// with fastify's defaults.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import Fastify from "fastify";
import { lazySchemaCompilers } from "../../server/lib/schema-compilers.ts";
import { projectRoot } from "../../server/lib/root.ts";

test("a route with a body, querystring and response schema works with the lazily loaded compilers", async (t) => {
  const app = Fastify({ logger: false, schemaController: { compilersFactory: lazySchemaCompilers() } });
  t.after(() => app.close());
  app.post(
    "/echo",
    {
      schema: {
        querystring: { type: "object", properties: { n: { type: "integer" } }, required: ["n"] },
        body: { type: "object", properties: { name: { type: "string", minLength: 2 } }, required: ["name"] },
        response: { 200: { type: "object", properties: { name: { type: "string" }, n: { type: "integer" } } } },
      },
    },
    async (req) => ({ ...(req.body as object), n: (req.query as { n: number }).n, secret: "not in the response schema" }),
  );
  const ok = await app.inject({ method: "POST", url: "/echo?n=7", payload: { name: "王书记" } });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { name: "王书记", n: 7 }, "coerced by ajv, filtered by fast-json-stringify");
  const short = await app.inject({ method: "POST", url: "/echo?n=7", payload: { name: "王" } });
  assert.equal(short.statusCode, 400);
  assert.match(short.json().message, /body\/name must NOT have fewer than 2 characters/);
  const noN = await app.inject({ method: "POST", url: "/echo?n=x", payload: { name: "王书记" } });
  assert.equal(noN.statusCode, 400);
});

test("the app itself starts without loading ajv", () => {
  // a fresh process: build the app on an in-memory database, then look at what was required
  const code = `
    import { createRequire } from "node:module";
    import { loadConfig } from "./server/config.ts";
    import { openDb, migrateDb } from "./db/client.ts";
    import { buildApp } from "./server/app.ts";
    const db = await openDb(":memory:"); await migrateDb(db);
    const app = await buildApp({ config: loadConfig({ DATABASE_FILE: ":memory:", SESSION_SECRET: "x".repeat(40), LOG_LEVEL: "silent" }), db, logger: false });
    await app.ready();
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes("/node_modules/ajv/"));
    console.log(JSON.stringify(loaded.length));
    await app.close();
  `;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: projectRoot, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout.trim()), 0);
});
