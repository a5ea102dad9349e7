// The benchmark's ledger_10k timing (bench/timings.ts timeLedger), split into ledger() and
// ledgerXlsx() and repeated, with wall and CPU time (CPU time is steadier on a shared machine):
//   node --import tsx bench/ledger.ts [bench/data/bench-100000.db | postgres://…] [runs=5]
// Build the database first with `npm run bench -- --tasks 100000` (or copy one, with its -wal/-shm).
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { openDb, isPostgresUrl } from "../db/client.ts";
import { dayIn } from "../server/lib/dates.ts";
import { ledger, SYSTEM_ACTOR } from "../server/features/ledger/service.ts";
import { ledgerXlsx } from "../server/features/ledger/xlsx.ts";

const TZ = "Asia/Shanghai";
const file = process.argv[2] ?? "bench/data/bench-100000.db";
const runs = Number(process.argv[3] ?? 5);
if (!isPostgresUrl(file) && !existsSync(file)) throw new Error(`没有找到基准数据库：${file}（先运行 npm run bench -- --tasks 100000）`);
const db = await openDb(file);
const today = dayIn(TZ, new Date());
// the same committee as timeLedger
const unit = Number(await db.value<number>("SELECT u.id FROM units u WHERE u.kind = 'committee' AND u.parent_id IS NOT NULL ORDER BY u.id LIMIT 1"));
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const wall = { ledger: [] as number[], xlsx: [] as number[], total: [] as number[] };
const cpus = { ledger: [] as number[], xlsx: [] as number[], total: [] as number[] };
for (let i = 0; i < runs; i++) {
  const t0 = performance.now(), c0 = cpu();
  const l = await ledger(db, SYSTEM_ACTOR, { unit }, today, today, TZ);
  const rows = l.rows.slice(0, 10_000);
  const t1 = performance.now(), c1 = cpu();
  const buf = await ledgerXlsx({ title: l.title, asOf: l.asOf, rows });
  const t2 = performance.now(), c2 = cpu();
  wall.ledger.push(t1 - t0), wall.xlsx.push(t2 - t1), wall.total.push(t2 - t0);
  cpus.ledger.push(c1 - c0), cpus.xlsx.push(c2 - c1), cpus.total.push(c2 - c0);
  console.log(`#${i + 1}: ledger() ${Math.round(t1 - t0)} ms (${l.rows.length} 项任务), ledgerXlsx() ${Math.round(t2 - t1)} ms (${rows.length} 行, ${Math.round(buf.length / 1024)} KB), 共 ${Math.round(t2 - t0)} ms`);
}
const median = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
const line = (m: typeof wall) => `ledger() ${median(m.ledger)} ms, ledgerXlsx() ${median(m.xlsx)} ms, total ${median(m.total)} ms`;
console.log(`median of ${runs}, wall: ${line(wall)}`);
console.log(`median of ${runs}, CPU:  ${line(cpus)} (load average ${loadavg()[0].toFixed(1)})`);
await db.close();
