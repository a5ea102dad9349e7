import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, ConfigError } from "../server/config.ts";

test("defaults work out of the box, and a session secret is generated and kept", () => {
  const dir = mkdtempSync(join(tmpdir(), "rectify-cfg-"));
  const c = loadConfig({ DATABASE_FILE: join(dir, "r.db") });
  assert.equal(c.port, 3000);
  assert.equal(c.host, "127.0.0.1");
  assert.equal(c.baseUrl, "http://127.0.0.1:3000");
  assert.equal(c.timeZone, "Asia/Shanghai");
  assert.equal(c.smtpUrl, undefined);
  assert.equal(c.seedDemo, true);
  // RFC 5321 4.5.3.2: 5 minutes for the greeting, 10 for the reply to the end of DATA
  assert.deepEqual(c.smtpTimeouts, { connectMs: 120_000, commandMs: 300_000, dataMs: 600_000 });
  assert.equal(c.remindParallel, 4);
  assert.deepEqual(loadConfig({ DATABASE_FILE: join(dir, "r.db"), SMTP_DATA_TIMEOUT: "1.5", REMIND_PARALLEL: "2" }).smtpTimeouts.dataMs, 1500);
  assert.ok(c.sessionSecret.length >= 32);
  assert.equal(readFileSync(join(dir, "session-secret"), "utf8").trim(), c.sessionSecret);
  assert.equal(statSync(join(dir, "session-secret")).mode & 0o077, 0, "readable by the owner only");
  assert.equal(loadConfig({ DATABASE_FILE: join(dir, "r.db") }).sessionSecret, c.sessionSecret, "kept across restarts");
  assert.ok(Object.isFrozen(c));
});

test("a bad value stops the start with a clear Chinese message naming the variable", () => {
  const bad = (env: Record<string, string>, re: RegExp) => assert.throws(() => loadConfig({ SESSION_SECRET: "s".repeat(32), ...env }), (e: unknown) => e instanceof ConfigError && re.test(e.message));
  bad({ PORT: "abc" }, /PORT/);
  bad({ PORT: "70000" }, /PORT/);
  bad({ BASE_URL: "not a url" }, /BASE_URL.*完整网址/);
  bad({ TZ: "Mars/Olympus" }, /TZ.*时区/);
  bad({ SMTP_URL: "http://x" }, /SMTP_URL.*smtp/);
  bad({ SMTP_DATA_TIMEOUT: "0" }, /SMTP_DATA_TIMEOUT.*秒/);
  bad({ SMTP_TIMEOUT: "ten" }, /SMTP_TIMEOUT.*秒/);
  bad({ REMIND_PARALLEL: "0" }, /REMIND_PARALLEL.*1–16/);
  bad({ REMIND_PARALLEL: "2.5" }, /REMIND_PARALLEL.*1–16/);
  bad({ SEED_DEMO: "maybe" }, /SEED_DEMO/);
  bad({ SESSION_SECRET: "short" }, /SESSION_SECRET.*32/);
  bad({ SLOW_REQUEST_MS: "-1" }, /SLOW_REQUEST_MS.*毫秒/);
  bad({ SLOW_REQUEST_MS: "fast" }, /SLOW_REQUEST_MS.*毫秒/);
  const https = loadConfig({ SESSION_SECRET: "s".repeat(32), BASE_URL: "https://rectify.example.org/" });
  assert.equal(https.baseUrl, "https://rectify.example.org");
  assert.equal(https.secureCookies, true);
});
