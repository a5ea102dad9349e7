// Builds the benchmark's database at scale: 300 units (a 市委 → 9 党委 → 27 党总支 → 263 党支部,
// about 5% of branches rated 后进/软弱涣散), 3,000 users (10 a unit: one leader, nine staff),
// N tasks (default 100,000) each from a problem of one of N/50 reports, 5 history rows a task,
// states and deadlines spread as in a real ledger, progress notes in Chinese. Deterministic
// (seeded), written with plain INSERTs through the real migrations, so the search index and the
// overview's change counter are filled by the same triggers the app relies on. The same rows on
// either engine (the store of db/store.ts): multi-row INSERT … VALUES (…), (…) statements of
// under 30,000 parameters through db.run / db.all inside db.tx, a few thousand tasks a
// transaction, which are fast on both (one statement for hundreds of rows: no round trip a row
// on PostgreSQL, one parse a batch on SQLite).
import type { Db } from "../db/client.ts";
import { hashPassword } from "../server/features/auth/passwords.ts";
import { addDays } from "../server/lib/dates.ts";
import { maintain } from "../server/lib/maintenance.ts";

export type Scale = { units: number; users: number; tasks: number; history: number; reports: number };
/** 300 units and 3,000 people up to 100,000 tasks; beyond, in proportion (a province: 1,000,000 tasks, 3,000 units, 30,000 people) */
export const scaleFor = (tasks: number): Scale => {
  const units = Math.max(300, Math.round(tasks / 100_000) * 300);
  return { units, users: units * 10, tasks, history: tasks * 5, reports: Math.max(1, Math.round(tasks / 50)) };
};

export const BENCH_PASSWORD = "bench-pass-2026";
export const BENCH_ADMIN = "admin@bench.rectify";
/** a staff member who owns ~3% of the tasks: the progress posts are theirs */
export const BENCH_OWNER = "owner@bench.rectify";

/** progress notes written after the server's nightly maintenance, one transaction each */
export const MORNING_NOTES = 200;

/** mulberry32: small, seeded, good enough to spread data */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] };
}

const SUBJECTS = ["支部委员会", "党员", "支部书记", "组织委员", "宣传委员", "党小组", "入党积极分子", "流动党员", "青年党员", "退休党员", "机关党员", "党员干部"];
const PROBLEMS = [
  "三会一课制度落实不到位，会议记录补记现象突出",
  "组织生活会质量不高，批评与自我批评辣味不足",
  "谈心谈话开展不经常，覆盖面不全",
  "党费收缴不及时，存在漏交少交情况",
  "理论学习流于形式，学用结合不紧密",
  "发展党员程序不规范，培养考察材料不齐全",
  "主题党日活动内容单一，吸引力不强",
  "党建工作与业务工作结合不够紧密",
  "民主评议党员走过场，评议结果运用不充分",
  "党务公开不及时，公开内容不全面",
  "意识形态工作责任制落实不到位",
  "作风建设常抓不懈的意识不强，形式主义问题仍有发生",
  "基层党组织标准化规范化建设推进缓慢",
  "党员教育管理针对性不强，流动党员联系不畅",
  "落实全面从严治党主体责任有差距",
  "重要事项请示报告制度执行不严格",
  "支部换届选举不按期进行",
  "廉政风险防控措施落实不到位",
  "联系服务群众不够深入，为民办实事成效不明显",
  "档案资料管理不规范，台账记录不完整",
];
const CATEGORIES = ["政治建设", "思想建设", "组织建设", "作风建设", "纪律建设", "制度建设", "党风廉政建设", "意识形态"];
const MEASURES = [
  "制定整改方案，明确责任人和完成时限",
  "建立工作台账，每月对账销号",
  "组织专题学习，开展警示教育",
  "完善相关制度，规范工作流程",
  "开展谈心谈话，逐人督促落实",
  "召开专题组织生活会，深入查摆原因",
  "定期通报整改进展，强化督促检查",
];
const NOTES = [
  "已召开支委会专题研究整改措施",
  "已完成问题台账梳理，逐项明确责任人",
  "组织党员集中学习有关规定",
  "开展谈心谈话十余人次",
  "已补齐缺失的会议记录和佐证材料",
  "正在修订完善相关制度",
  "已向党委报送阶段性整改情况",
  "经检查，整改措施已基本落实到位",
  "收缴党费并建立收缴台账",
  "组织开展主题党日活动",
];

export type Built = { scale: Scale; seconds: number; adminId: number; ownerId: number; ledgerUnitId: number; listUnitId: number; today: string };

/** under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters a statement */
const MAX_PARAMS = 30_000;

/**
 * INSERT INTO table (cols) VALUES (…), (…) for every row, in statements of under MAX_PARAMS
 * parameters; with `returning`, the new ids in the rows' order. Ids are handed out in VALUES order
 * within one statement on both engines (SQLite's rowid, PostgreSQL's identity sequence, with the
 * writers' lock held); RETURNING's order is not promised, so they are sorted.
 */
async function insertRows(db: Db, table: string, cols: string, rows: unknown[][], returning = false): Promise<number[]> {
  const ids: number[] = [];
  if (rows.length === 0) return ids;
  const width = rows[0].length;
  const tuple = `(${Array(width).fill("?").join(", ")})`;
  const per = Math.max(1, Math.floor(MAX_PARAMS / width));
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const sql = `INSERT INTO ${table} (${cols}) VALUES ${Array(chunk.length).fill(tuple).join(", ")}`;
    const params = chunk.flat();
    if (returning) ids.push(...(await db.column<number>(`${sql} RETURNING id`, params)).map(Number).sort((a, b) => a - b));
    else await db.run(sql, params);
  }
  return ids;
}

/** Fills an empty, migrated database. `today` anchors deadlines (the bench runs with the real clock). */
export async function buildBenchDb(db: Db, scale: Scale, today: string, log: (s: string) => void = () => {}): Promise<Built> {
  const t0 = Date.now();
  const r = rng(20261123);
  const hash = await hashPassword(BENCH_PASSWORD);
  const iso = (day: string, hour = 2) => `${day}T${String(hour).padStart(2, "0")}:00:00.000Z`;

  // ── units: 1 + 9 + 27 + the rest as branches; each its id, then its path (one statement each: 300 rows) ──
  type U = { id: number; path: string; kind: string; parent: number | null; name: string };
  const units: U[] = [];
  const addUnit = async (code: string, name: string, kind: string, parent: U | null, rating: string | null = null) => {
    const id = Number(await db.value<number>("INSERT INTO units (code, name, kind, parent_id, path, rating, rating_year) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id", [code, name, kind, parent?.id ?? null, "", rating, rating ? 2025 : null]));
    const path = `${parent?.path ?? "/"}${id}/`;
    await db.run("UPDATE units SET path = ? WHERE id = ?", [path, id]);
    const u = { id, path, kind, parent: parent?.id ?? null, name };
    units.push(u);
    return u;
  };
  const NUM = "一二三四五六七八九十";
  const cn = (n: number): string => (n <= 10 ? NUM[n - 1] : n < 20 ? "十" + NUM[n - 11] : n < 100 ? NUM[Math.floor(n / 10) - 1] + "十" + (n % 10 ? NUM[(n % 10) - 1] : "") : String(n));
  await db.tx(async () => {
    const root = await addUnit("sw", "中共示范市委员会", "committee", null);
    const committees: U[] = [];
    for (let i = 0; i < 9; i++) committees.push(await addUnit(`dw${i + 1}`, `第${cn(i + 1)}党委`, "committee", root));
    const generals: U[] = [];
    for (const [i, cm] of committees.entries()) for (let j = 0; j < 3; j++) generals.push(await addUnit(`dw${i + 1}-z${j + 1}`, `${cm.name}第${cn(j + 1)}党总支`, "general_branch", cm));
    let n = 0;
    while (units.length < scale.units) {
      const g = generals[n % generals.length];
      const k = Math.floor(n / generals.length) + 1;
      const rating = r.next() < 0.05 ? r.pick(["backward", "weak"]) : r.next() < 0.5 ? "average" : "advanced";
      await addUnit(`${g.path.split("/").filter(Boolean).join("-")}-b${k}`, `${g.name}第${cn(k)}党支部`, "branch", g, rating);
      n++;
    }
  });
  const branches = units.filter((u) => u.kind === "branch");
  log(`  单位 ${units.length}`);

  // ── users: 10 a unit; the first of each unit is its leader; the root's first is the admin ──
  const leaderOf = new Map<number, number>();
  const staffOf = new Map<number, number[]>();
  let adminId = 0;
  let ownerId = 0;
  const SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗";
  const GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂";
  {
    type P = { unit: U; i: number; role: string; isAdmin: boolean; isOwner: boolean };
    const people: P[] = [];
    const rows: unknown[][] = [];
    let k = 0;
    for (const u of units) {
      for (let i = 0; i < scale.users / units.length; i++) {
        k++;
        const isAdmin = u.parent === null && i === 0;
        const isOwner = u === branches[0] && i === 1;
        const role = isAdmin ? "admin" : i === 0 || (u.parent === null && i < 3) ? "leader" : "staff";
        const email = isAdmin ? BENCH_ADMIN : isOwner ? BENCH_OWNER : `u${k}@bench.rectify`;
        const name = SURNAMES[k % SURNAMES.length] + GIVEN[(k * 7) % GIVEN.length] + (k % 3 ? GIVEN[(k * 13) % GIVEN.length] : "");
        people.push({ unit: u, i, role, isAdmin, isOwner });
        rows.push([email, name, role, u.id, hash, "7,3,1"]);
      }
    }
    const ids = await db.tx(() => insertRows(db, "users", "email, name, role, unit_id, password_hash, remind_days", rows, true));
    for (const [j, p] of people.entries()) {
      const id = ids[j];
      if (p.isAdmin) adminId = id;
      if (p.isOwner) ownerId = id;
      if (p.i === 0) leaderOf.set(p.unit.id, id);
      else if (p.role === "staff") (staffOf.get(p.unit.id) ?? staffOf.set(p.unit.id, []).get(p.unit.id)!).push(id);
    }
  }
  log(`  账号 ${scale.users}`);

  // ── reports, problems, tasks, history: a batch's rows made first (the same random draws in the
  // same order as ever), then written table by table, each row's parent id from the insert before ──
  const perReport = Math.ceil(scale.tasks / scale.reports);
  const eventsPerTask = Math.round(scale.history / scale.tasks);
  // a committee of about a tenth of the tasks: the ledger export's 10,000 rows at full scale
  const ledgerUnit = units.find((u) => u.kind === "committee" && u.parent !== null)!;
  let made = 0;
  const YEARS = ["2024", "2025", "2026"];
  const batch = 2000;
  const EVENT_COLS = "task_id, actor_id, at, kind, from_state, to_state, text";
  while (made < scale.tasks) {
    const reports: unknown[][] = [];
    /** problems: [report index, …columns after report_id] */
    const problems: { report: number; row: unknown[] }[] = [];
    /** tasks: [problem index, …]; events: [task index, …] */
    const tasks: unknown[][] = [];
    const events: { task: number; row: unknown[] }[] = [];
    for (let b = 0; b < batch && made < scale.tasks; ) {
      const unit = r.pick(branches);
      const reportDay = addDays(today, -(30 + r.int(700)));
      const leader = leaderOf.get(unit.parent!) ?? leaderOf.get(unit.id)!;
      const title = `${unit.name}${r.pick(YEARS)}年度组织生活会对照检查材料`;
      const report = reports.push([title, unit.id, `${title}\n一、存在问题\n……\n二、整改措施\n……`, "[]", leader, iso(reportDay)]) - 1;
      for (let p = 1; p <= perReport && made < scale.tasks; p++, b++, made++) {
        const text = `${r.pick(SUBJECTS)}${r.pick(PROBLEMS)}`;
        const measures = `${r.pick(MEASURES)}；${r.pick(MEASURES)}`;
        problems.push({ report, row: [p, r.pick(CATEGORIES), text, measures, iso(reportDay)] });
        const staff = staffOf.get(unit.id)!;
        const owner = r.next() < 0.03 ? ownerId : r.pick(staff);
        const created = reportDay;
        const kind = r.next() < 0.08 ? "ongoing" : r.next() < 0.05 ? "immediate" : "dated";
        const deadline = kind === "ongoing" ? null : addDays(created, 20 + r.int(240));
        const x = r.next();
        // older tasks are mostly done; recent ones mostly open
        const age = -((new Date(created).getTime() - new Date(today).getTime()) / 86_400_000);
        const pDone = Math.min(0.92, age / 500);
        const state = x < pDone ? "done" : x < pDone + 0.08 ? "review" : x < pDone + 0.6 * (1 - pDone) ? "doing" : "todo";
        const lastDay = addDays(created, Math.max(1, Math.min(age - 1, 5 + r.int(Math.max(1, age - 5)))));
        const signedOff = state === "done" ? iso(lastDay, 7) : null;
        const requested = state === "done" || state === "review" ? iso(lastDay, 3) : null;
        const progress = state === "todo" ? 0 : eventsPerTask - 2;
        const task = tasks.push([unit.id, leader, owner, text, "", measures, kind, deadline, deadline, state, 1 + progress + (requested ? 1 : 0) + (signedOff ? 1 : 0), leader, iso(created), signedOff ?? requested ?? iso(created), requested ? owner : null, requested, signedOff ? leader : null, signedOff, progress, progress ? iso(lastDay, 1) : null]) - 1;
        // history: imported, then notes, then the request and the sign-off (always eventsPerTask rows)
        events.push({ task, row: [leader, iso(created), "imported", null, "todo", `由《${title}》导入`] });
        let from = "todo";
        for (let e = 0; e < eventsPerTask - 1 - (requested ? 1 : 0) - (signedOff ? 1 : 0); e++) {
          const to = state === "todo" ? "todo" : "doing";
          events.push({ task, row: [owner, iso(addDays(created, 1 + e), 1), state === "todo" ? "edited" : "progress", state === "todo" ? null : from, state === "todo" ? null : to, `${r.pick(NOTES)}，${r.pick(NOTES)}`] });
          from = to;
        }
        if (requested) events.push({ task, row: [owner, requested, "requestSignOff", "doing", "review", "整改完成，申请销号"] });
        if (signedOff) events.push({ task, row: [leader, signedOff, "signOff", "review", "done", "佐证材料齐全，同意销号"] });
      }
    }
    await db.tx(async () => {
      const reportIds = await insertRows(db, "reports", "title, unit_id, format, full_text, sections_json, imported_by, imported_at", reports.map((row) => [row[0], row[1], "paste", ...row.slice(2)]), true);
      const problemIds = await insertRows(db, "problems", "report_id, seq, category, text, measures, created_at", problems.map((p) => [reportIds[p.report], ...p.row]), true);
      const taskIds = await insertRows(
        db,
        "tasks",
        `problem_id, unit_id, leader_id, owner_id, title, goal, measures, deadline_kind, deadline, original_deadline, state, version,
    created_by, created_at, updated_at, signoff_requested_by, signoff_requested_at, signed_off_by, signed_off_at, progress_count, last_progress_at`,
        tasks.map((row, i) => [problemIds[i], ...row]),
        true,
      );
      await insertRows(db, "task_events", EVENT_COLS, events.map((e) => [taskIds[e.task], ...e.row]));
    });
    if (made % 20000 < batch) log(`  任务 ${made}`);
  }
  await db.run("INSERT INTO settings (key, value) VALUES ('periodEnd', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [JSON.stringify(`${today.slice(0, 4)}-12-31`)]);
  // the database as a running server leaves it in a working day: its nightly maintenance
  // (MAINTENANCE_CRON: search indexes merged, planner statistics refreshed: maintain(), the
  // engine's own way), then a morning's progress notes since, one transaction each as the app
  // writes them, every one a new segment in SQLite's notes' search index until FTS5's automerge folds them
  await maintain(db);
  const open = await db.all<{ id: number; owner_id: number }>("SELECT id, owner_id FROM tasks WHERE state = 'doing' ORDER BY id DESC LIMIT ?", [MORNING_NOTES]);
  for (const [i, t] of open.entries()) {
    const at = iso(today, 1 + (i % 3));
    await db.tx(async () => {
      await db.run(`INSERT INTO task_events (${EVENT_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)`, [t.id, t.owner_id, at, "progress", "doing", "doing", `${r.pick(NOTES)}，${r.pick(NOTES)}`]);
      await db.run("UPDATE tasks SET progress_count = progress_count + 1, last_progress_at = ?, version = version + 1, updated_at = ? WHERE id = ?", [at, at, t.id]);
    });
  }
  return { scale, seconds: (Date.now() - t0) / 1000, adminId, ownerId, ledgerUnitId: ledgerUnit.id, listUnitId: branches[1].id, today };
}
