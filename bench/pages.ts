// The benchmark's pages: every page a person reaches from the menu, for each role, with the
// list's filters (bench/run.ts loads each with autocannon, then all of them at once), and the
// search terms by class. Run directly, it times each page in this process (median, p99, CPU a
// request: quieter than a load on a shared machine, and good for an A/B in one run):
//   node --import tsx bench/pages.ts [--db FILE | --db postgres://…] [--n N] [--only name,name] [--churn]
// With --churn, a write that moves the change counter (as a task changing state does) comes before
// each request: the page as it is read while people post progress, its kept counts made anew.
// It opens the database as the app does (it writes sessions): give it a copy others are not measuring.
// With --queries, each page's statements a request are counted too (the store's calls, wrapped here).
import type { Db } from "../db/client.ts";
import { BENCH_ADMIN, BENCH_OWNER } from "./build.ts";

export type Role = "admin" | "leader" | "staff";
/** a page to load: who, and its path (or paths, taken in turn) */
export type BenchPage = { name: string; role: Role; paths: string[] };

/** Search terms by class: the five common phrases of earlier runs; rare 1–2 character words (few or no hits); common 1–2 character words; 3–6 characters, common and rare. */
export const SEARCH_TERMS = {
  common: ["组织生活会", "谈心谈话", "党费收缴", "发展党员程序", "会议记录"],
  rare: ["违纪", "台风", "贪污", "赌博", "纪", "赌", "风"],
  short: ["党费", "台账", "整改", "谈心", "党", "账"],
  mixed: ["组织生活会", "违纪", "党", "台账", "谈心谈话 台账", "发展党员程序", "贪污腐败", "赌博", "会议记录 党费", "整改", "台风", "三会一课制度"],
};

const q = (terms: string[]) => terms.map((t) => `/search?q=${encodeURIComponent(t)}`);

/** The benchmark database's people and places each page needs. */
export type BenchIds = { listUnit: number; leaderEmail: string; taskIds: number[] };

export async function benchIds(db: Db): Promise<BenchIds> {
  return {
    // the list: a branch with a thousandth of the tasks, filtered by state (ties: the first unit, on either engine)
    listUnit: Number(await db.value<number>("SELECT unit_id FROM tasks WHERE state = 'doing' GROUP BY unit_id ORDER BY count(*) DESC, unit_id LIMIT 1")),
    // a leader of one of the nine 党委 (a ninth of everything in scope)
    leaderEmail: (await db.value<string>("SELECT us.email FROM users us JOIN units u ON u.id = us.unit_id WHERE us.role = 'leader' AND u.kind = 'committee' AND u.parent_id IS NOT NULL ORDER BY us.id LIMIT 1"))!,
    // 500 tasks spread over the ids (bigint: a million ids × 7919 is beyond PostgreSQL's integer)
    taskIds: (await db.column<number>("SELECT id FROM tasks ORDER BY (CAST(id AS BIGINT) * 7919) % 10007, id LIMIT 500")).map(Number),
  };
}

export const ROLE_EMAIL = (ids: BenchIds): Record<Role, string> => ({ admin: BENCH_ADMIN, leader: ids.leaderEmail, staff: BENCH_OWNER });

/** Every menu page beyond the five of earlier runs (list, task, overview, search, progress_post), for each role that has it. */
export function menuPages(ids: BenchIds): BenchPage[] {
  const p = (name: string, role: Role, ...paths: string[]): BenchPage => ({ name, role, paths });
  return [
    p("list_all", "admin", "/tasks"),
    p("list_todo", "admin", "/tasks?state=todo"),
    p("list_overdue", "admin", "/tasks?overdue=1"),
    p("list_flagged", "admin", "/tasks?flagged=1"),
    p("list_keyword", "admin", ...["台账", "违纪", "组织生活会", "党费 谈心"].map((t) => `/tasks?q=${encodeURIComponent(t)}`)),
    p("review", "admin", "/tasks/review"),
    p("reports", "admin", "/reports", "/reports?page=2", "/reports?page=20"),
    p("users", "admin", "/admin/users", "/admin/users?page=5"),
    p("units", "admin", "/admin/units", "/admin/units?page=2"),
    p("reminders", "admin", "/admin/reminders", "/admin/reminders?status=failed"),
    p("leader_overview", "leader", "/"),
    p("leader_list", "leader", "/tasks"),
    p("leader_overdue", "leader", "/tasks?overdue=1"),
    p("leader_review", "leader", "/tasks/review"),
    p("leader_reports", "leader", "/reports"),
    p("leader_search", "leader", ...q(SEARCH_TERMS.mixed)),
    p("staff_list", "staff", "/tasks"),
    p("staff_mine", "staff", "/tasks/mine"),
    p("staff_reports", "staff", "/reports"),
    p("staff_search", "staff", ...q(SEARCH_TERMS.mixed)),
    p("search_mixed", "admin", ...q(SEARCH_TERMS.mixed)),
    p("search_short", "admin", ...q(SEARCH_TERMS.short)),
    p("search_rare", "admin", ...q(SEARCH_TERMS.rare)),
  ];
}

// ───────────── in process ─────────────

if (import.meta.url === `file://${process.argv[1]}`) {
  const { parseArgs } = await import("node:util");
  const { existsSync } = await import("node:fs");
  const { fileURLToPath } = await import("node:url");
  const { loadConfig } = await import("../server/config.ts");
  const { buildApp } = await import("../server/app.ts");
  const { BENCH_PASSWORD } = await import("./build.ts");
  const { openDb, migrateDb, isPostgresUrl } = await import("../db/client.ts");
  const { values } = parseArgs({ args: process.argv.slice(2), options: { db: { type: "string", default: fileURLToPath(new URL("./data/bench-100000.db", import.meta.url)) }, n: { type: "string", default: "50" }, only: { type: "string" }, queries: { type: "boolean", default: false }, churn: { type: "boolean", default: false } } });
  const pg = isPostgresUrl(values.db);
  if (!pg && !existsSync(values.db)) throw new Error(`数据库不存在：${values.db}（先运行 npm run bench 建库）`);
  const config = loadConfig({ ...(pg ? { DATABASE_URL: values.db, DATA_DIR: fileURLToPath(new URL("./data/files-postgres", import.meta.url)) } : { DATABASE_FILE: values.db }), SESSION_SECRET: "bench-".repeat(8), LOG_LEVEL: "silent", SEED_DEMO: "0", REMIND_CRON: "off", MAINTENANCE_CRON: "off", TZ: "Asia/Shanghai" });
  const db = await openDb(values.db);
  await migrateDb(db);
  const ids = await benchIds(db);
  const queries = values.queries ? await countQueries(db) : null;
  const app = await buildApp({ config, db, logger: false });
  await app.ready();
  const cookiesOf = (res: { headers: Record<string, unknown> }) => {
    const h = res.headers["set-cookie"];
    return (Array.isArray(h) ? h : h ? [String(h)] : []).map((c: string) => c.split(";")[0]);
  };
  const cookies: Partial<Record<Role, string>> = {};
  for (const [role, email] of Object.entries(ROLE_EMAIL(ids)) as [Role, string][]) {
    const login = await app.inject({ method: "GET", url: "/login" });
    const pre = cookiesOf(login).join("; ");
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)![1];
    const signed = await app.inject({ method: "POST", url: "/login", headers: { cookie: pre }, payload: { email, password: BENCH_PASSWORD, _csrf: csrf } });
    if (signed.statusCode !== 303) throw new Error(`登录失败：${email} ${signed.statusCode}`);
    cookies[role] = [...cookiesOf(signed), pre].join("; ");
  }
  const only = values.only?.split(",");
  const n = Number(values.n);
  // a state change's footprint on the counters: stats_version moves, the list unit is noted as changed
  const churn = () => db.tx(async () => {
    await db.run("UPDATE stats_version SET n = n + 1 WHERE id = 1");
    await db.run("INSERT INTO stats_changes (unit_id) VALUES (?)", [ids.listUnit]);
  });
  const at = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))];
  const pages = [p0("list", "admin", `/tasks?unit=${ids.listUnit}&state=doing`), p0("task", "admin", ...ids.taskIds.slice(0, 50).map((id) => `/tasks/${id}`)), p0("overview", "admin", "/"), p0("search", "admin", ...q(SEARCH_TERMS.common)), ...menuPages(ids)];
  for (const page of pages.filter((p) => !only || only.includes(p.name))) {
    const headers = { cookie: cookies[page.role]! };
    for (const url of page.paths) for (let i = 0; i < 3; i++) await app.inject({ method: "GET", url, headers }); // warm
    const wall: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const url = page.paths[i % page.paths.length];
      if (values.churn) await churn();
      const t0 = performance.now();
      const res = await app.inject({ method: "GET", url, headers });
      wall.push(performance.now() - t0);
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`);
    }
    const cpu = process.cpuUsage(cpu0);
    wall.sort((a, b) => a - b);
    let perRequest = "";
    if (queries) {
      queries.reset();
      await app.inject({ method: "GET", url: page.paths[0], headers });
      perRequest = `  查询 ${queries.count()} 次/请求\n    ${queries.summary()}`;
    }
    console.log(`${page.name.padEnd(16)} median ${at(wall, 0.5).toFixed(2).padStart(7)} ms  p99 ${at(wall, 0.99).toFixed(2).padStart(7)} ms  max ${wall[wall.length - 1].toFixed(2).padStart(7)} ms  CPU ${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms/请求${perRequest}`);
  }
  await app.close();
  await db.close();
}

/**
 * Counts the statements a request makes. On PostgreSQL every statement node-postgres sends (each a
 * round trip: a transaction's BEGIN, writers' lock and COMMIT included), by its first words; on
 * SQLite the store's calls: hand-written (all/get/value/column/run/exec), builder queries (each
 * awaited builder is one statement) and transactions. Wraps in place: for this measurement only.
 */
export async function countQueries(db: Db): Promise<{ reset(): void; count(): number; summary(): string }> {
  const seen: string[] = [];
  const tally = () => Object.entries(seen.reduce<Record<string, number>>((m, v) => ((m[v] = (m[v] ?? 0) + 1), m), {})).map(([k, v]) => `${k} ${v}`).join("; ");
  if (db.engine === "postgres") {
    const pg = (await import("pg")).default;
    const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
    pg.Client.prototype.query = function (this: unknown, ...a: unknown[]) {
      const q = a[0] as string | { text: string };
      const text = typeof q === "string" ? q : q.text;
      seen.push(text.replace(/\s+/g, " ").trim().slice(0, 60));
      return query.apply(this, a);
    } as typeof pg.Client.prototype.query;
    return { reset: () => void (seen.length = 0), count: () => seen.length, summary: tally };
  }
  const w = db as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const verb of ["all", "get", "value", "column", "run", "exec", "tx"]) {
    const f = w[verb].bind(db);
    w[verb] = (...a: unknown[]) => (seen.push(`${verb}`), f(...a));
  }
  for (const verb of ["select", "selectDistinct", "insert", "update", "delete"]) {
    const f = w[verb].bind(db);
    w[verb] = (...a: unknown[]) => (seen.push(`builder.${verb}`), f(...a));
  }
  return {
    reset: () => void (seen.length = 0),
    count: () => seen.length,
    summary: tally,
  };
}
function p0(name: string, role: Role, ...paths: string[]): BenchPage {
  return { name, role, paths };
}
