// Takes docs/screenshots/overview.png: the overview of a seeded organisation (the benchmark's
// builder at 3,000 tasks) as its administrator sees it, in Debian's Chromium.
//   node --import tsx bench/screenshot.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { loadConfig } from "../server/config.ts";
import { openDb, migrateDb } from "../db/client.ts";
import { buildApp } from "../server/app.ts";
import { dayIn } from "../server/lib/dates.ts";
import { buildBenchDb, scaleFor, BENCH_ADMIN, BENCH_PASSWORD } from "./build.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "rectify-shot-"));
const config = loadConfig({ DATABASE_FILE: join(dir, "shot.db"), SESSION_SECRET: "s".repeat(40), LOG_LEVEL: "silent", SEED_DEMO: "0" });
const db = await openDb(config.databaseFile);
await migrateDb(db);
await buildBenchDb(db, scaleFor(3000), dayIn(config.timeZone));
const app = await buildApp({ config, db, logger: false });
await app.listen({ port: 0, host: "127.0.0.1" });
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
try {
  const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: "zh-CN" })).newPage();
  await page.goto(`${base}/login`);
  await page.fill("input[name=email]", BENCH_ADMIN);
  await page.fill("input[name=password]", BENCH_PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
  await page.goto(`${base}/`);
  await page.screenshot({ path: join(root, "docs", "screenshots", "overview.png"), fullPage: true });
  console.log("已保存 docs/screenshots/overview.png");
} finally {
  await browser.close();
  await app.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
