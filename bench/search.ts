// node --import tsx bench/search.ts [--db FILE | --db postgres://…] [--n N] [--as EMAIL] [--q 词1,词2] [--at /tasks?q=]
// One search page's cost in this process, without the load: the real app (buildApp) on an
// existing benchmark database, signed in (the benchmark's admin by default), times GET /search
// for each of the benchmark's five phrases N times and prints median and p99 wall time and the
// CPU time per request. Opens the database as the app does (it writes sessions): use a copy of
// a database that others are measuring. For a profile: node --cpu-prof --import tsx bench/search.ts
import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../server/config.ts";
import { openDb, isPostgresUrl } from "../db/client.ts";
import { buildApp } from "../server/app.ts";
import { BENCH_ADMIN, BENCH_PASSWORD } from "./build.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { db: { type: "string", default: fileURLToPath(new URL("./data/bench-100000.db", import.meta.url)) }, n: { type: "string", default: "200" }, as: { type: "string", default: BENCH_ADMIN }, q: { type: "string", default: "组织生活会,谈心谈话,党费收缴,发展党员程序,会议记录" }, at: { type: "string", default: "/search?q=" } },
});
const pg = isPostgresUrl(values.db);
if (!pg && !existsSync(values.db)) throw new Error(`数据库不存在：${values.db}（先运行 npm run bench 建库）`);
const n = Number(values.n);
const config = loadConfig({ ...(pg ? { DATABASE_URL: values.db, DATA_DIR: fileURLToPath(new URL("./data/files-postgres", import.meta.url)) } : { DATABASE_FILE: values.db }), SESSION_SECRET: "bench-".repeat(8), LOG_LEVEL: "silent", SEED_DEMO: "0", REMIND_CRON: "off", TZ: "Asia/Shanghai" });
const db = await openDb(values.db);
const app = await buildApp({ config, db, logger: false });
await app.ready();

const cookiesOf = (res: { headers: Record<string, unknown> }) => {
  const h = res.headers["set-cookie"];
  return (Array.isArray(h) ? h : h ? [String(h)] : []).map((c: string) => c.split(";")[0]);
};
const login = await app.inject({ method: "GET", url: "/login" });
const pre = cookiesOf(login).join("; ");
const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)![1];
const signed = await app.inject({ method: "POST", url: "/login", headers: { cookie: pre }, payload: { email: values.as, password: BENCH_PASSWORD, _csrf: csrf } });
if (signed.statusCode !== 303) throw new Error(`登录失败：${values.as} ${signed.statusCode}`);
const cookie = [...cookiesOf(signed), pre].join("; ");

const at = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))];
for (const q of values.q.split(",")) {
  const url = values.at + encodeURIComponent(q);
  for (let i = 0; i < 10; i++) await app.inject({ method: "GET", url, headers: { cookie } }); // warm: statements prepared, code compiled
  const wall: number[] = [];
  const cpu0 = process.cpuUsage();
  let count = "";
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await app.inject({ method: "GET", url, headers: { cookie } });
    wall.push(performance.now() - t0);
    if (res.statusCode !== 200) throw new Error(`${q}: ${res.statusCode}`);
    count = /class="muted count">([^<（]*)/.exec(res.body)?.[1] ?? "";
  }
  const cpu = process.cpuUsage(cpu0);
  wall.sort((a, b) => a - b);
  console.log(`${q}\tmedian ${at(wall, 0.5).toFixed(2)} ms\tp99 ${at(wall, 0.99).toFixed(2)} ms\tCPU ${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms/请求\t${count}`);
}
await app.close();
await db.close();
