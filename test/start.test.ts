// `npm start` runs the build (scripts/build.mjs, its prestart) and then plain `node dist/main.js`:
// this builds into a folder of its own, starts that build as a real process on a fresh database
// with the demo, and checks that what only the build can get wrong works: the sign-in page
// (views/), the stylesheet (public/), htmx (node_modules), the migrations (db/migrations) and
// the parts loaded on first use (the .xlsx and .docx writers).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { csrfOf } from "./helpers/app.ts";
import { projectRoot } from "../server/lib/root.ts";

const freePort = () =>
  new Promise<number>((res, rej) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
    s.on("error", rej);
  });

test("package.json: npm start builds first, then runs the build with plain node", () => {
  const { scripts } = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8"));
  assert.equal(scripts.prestart, "node scripts/build.mjs");
  assert.equal(scripts.start, "node dist/main.js");
});

test("the built server starts with plain node and serves pages, static files and exports", { timeout: 60_000 }, async (t) => {
  // inside the project (the build's imports find node_modules from there; test-results/ is
  // git-ignored), three folders deep: no source file is that deep, so a path taken relative to
  // the running file instead of from server/lib/root.ts cannot land on the right folder by chance
  mkdirSync(join(projectRoot, "test-results", "build"), { recursive: true });
  const out = mkdtempSync(join(projectRoot, "test-results", "build", "out-"));
  const dir = mkdtempSync(join(tmpdir(), "rectify-build-"));
  t.after(() => {
    rmSync(out, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });
  const built = spawnSync(process.execPath, ["scripts/build.mjs", "--outdir", out], { cwd: projectRoot, encoding: "utf8" });
  assert.equal(built.status, 0, built.stderr);
  const files = readdirSync(out);
  assert.ok(files.includes("main.js"), files.join(" "));
  assert.ok(!readFileSync(join(out, "main.js"), "utf8").includes('from "docx"'), "the .docx library stays out of main.js");

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dbFile = join(dir, "rectify.db");
  // from another working directory: nothing may depend on where the server is started from
  const child = spawn(process.execPath, [join(out, "main.js")], {
    cwd: dir,
    env: { ...process.env, DATABASE_FILE: dbFile, PORT: String(port), HOST: "127.0.0.1", SEED_DEMO: "1", LOG_LEVEL: "warn", REMIND_CRON: "off", SESSION_SECRET: "s".repeat(40) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });

  const t0 = Date.now();
  for (;;) {
    assert.equal(child.exitCode, null, `the server stopped: ${stderr}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {}
    assert.ok(Date.now() - t0 < 30_000, `no answer in 30 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.match(stdout, /整改台账已启动/);
  assert.match(stdout, /已载入演示数据/);

  const login = await fetch(`${base}/login`);
  assert.equal(login.status, 200);
  const page = await login.text();
  assert.match(page, /<h1>登录整改台账<\/h1>/);
  assert.match(page, /name="_csrf"/);

  const css = await fetch(`${base}/static/css/app.css`);
  assert.equal(css.status, 200);
  assert.match(css.headers.get("content-type") ?? "", /text\/css/);
  assert.equal(await css.text(), readFileSync(join(projectRoot, "public", "css", "app.css"), "utf8"));
  const htmx = await fetch(`${base}/static/htmx.min.js`);
  assert.equal(htmx.status, 200);
  assert.ok((await htmx.text()).length > 10_000);

  // sign in as the demo administrator, then the two exports whose code the build splits off
  const pre = login.headers.getSetCookie().map((c) => c.split(";")[0]);
  const signIn = await fetch(`${base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: pre.join("; "), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email: "admin@demo.rectify", password: "rectify2026", _csrf: csrfOf(page), next: "" }),
  });
  assert.equal(signIn.status, 303);
  const cookie = [...pre, ...signIn.headers.getSetCookie().map((c) => c.split(";")[0])].join("; ");

  // the overview: its counts come from the SQLite reader thread, a file of its own in the build
  const overview = await fetch(`${base}/`, { headers: { cookie } });
  assert.equal(overview.status, 200);
  assert.match(await overview.text(), /任务总数/);

  const xlsx = await fetch(`${base}/ledger.xlsx`, { headers: { cookie } });
  assert.equal(xlsx.status, 200);
  assert.equal(Buffer.from(await xlsx.arrayBuffer()).subarray(0, 2).toString(), "PK");
  const db = new Database(dbFile, { readonly: true });
  const report = db.prepare("select id from reports order by id limit 1").get() as { id: number };
  db.close();
  const docx = await fetch(`${base}/reports/${report.id}/export.docx`, { headers: { cookie } });
  assert.equal(docx.status, 200);
  assert.equal(Buffer.from(await docx.arrayBuffer()).subarray(0, 2).toString(), "PK");

  child.kill("SIGTERM");
  assert.equal(await exited, 0, stderr);
});
