// The benchmark's timed jobs, run in the bench process on the built database. The reminder
// planner (server/features/reminders/) and the ledger export (server/features/ledger/) are
// built on other branches; they are loaded by path, and until they are merged the timing is
// null with a note saying so.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { Db } from "../db/client.ts";
import { extractFileToJson } from "../server/features/reports/extract/file.ts";
import { pathEnd } from "../server/lib/path-range.ts";

export type Timing = { ms: number | null; note: string };

async function optional(path: string): Promise<any | null> {
  try {
    return await import(new URL(path, import.meta.url).href);
  } catch (e: any) {
    if (e?.code === "ERR_MODULE_NOT_FOUND") return null;
    throw e;
  }
}

const ms = (t0: number) => Math.round(performance.now() - t0);

/** loadAndPlan (loadPlanInput + plan() over every task, as a reminder run does), for today */
export async function timePlanner(db: Db, today: string, tz: string): Promise<Timing> {
  const send = await optional("../server/features/reminders/send.ts");
  const planMod = await optional("../server/features/reminders/plan.ts");
  if (!send?.loadAndPlan || !planMod?.DEFAULT_PLAN_SETTINGS) return { ms: null, note: "未计时：server/features/reminders/（提醒）尚未合并到本分支" };
  const t0 = performance.now();
  const { input, mails } = await send.loadAndPlan(db, today, { ...planMod.DEFAULT_PLAN_SETTINGS, timeZone: tz, now: new Date().toISOString() });
  // signed-off tasks that can show in no mail come as counts by unit (input.closed)
  const all = input.tasks.length + (input.closed ?? []).reduce((n: number, c: { total: number }) => n + c.total, 0);
  return { ms: ms(t0), note: `读取 ${all} 项任务并生成 ${mails.length} 封提醒的计划` };
}

/** every report under test/fixtures/reports, read and extracted as `npm run cli -- extract` does */
export async function timeExtractFixtures(dir: string): Promise<Timing> {
  const files = readdirSync(dir).filter((f) => /\.(txt|docx|doc)$/.test(f));
  const t0 = performance.now();
  let problems = 0;
  for (const f of files) problems += ((await extractFileToJson(join(dir, f))) as { problems: unknown[] }).problems.length;
  return { ms: ms(t0), note: `${files.length} 份报告，识别出 ${problems} 个问题` };
}

/**
 * A 10,000-row 整改台账: a committee's ledger, composed and written as .xlsx. Up to 100,000 tasks
 * a committee holds about 10,000 (the rows cut to 10,000); above, its 10,000 earliest-due tasks,
 * as 导出台账 exports the task list filtered by 时限 (to = the 10,000th deadline): at a million
 * tasks the whole committee is 110,000 rows, a different job from the target's.
 */
export async function timeLedger(db: Db, today: string, tz: string): Promise<Timing> {
  const svc = await optional("../server/features/ledger/service.ts");
  const xlsx = await optional("../server/features/ledger/xlsx.ts");
  if (!svc?.ledger || !xlsx?.ledgerXlsx) return { ms: null, note: "未计时：server/features/ledger/（台账导出）尚未合并到本分支" };
  const { id: unit, path } = (await db.get<{ id: number; path: string }>("SELECT u.id, u.path FROM units u WHERE u.kind = 'committee' AND u.parent_id IS NOT NULL ORDER BY u.id LIMIT 1"))!;
  const inCommittee = Number(await db.value<number>("SELECT count(*) FROM tasks t JOIN units u ON u.id = t.unit_id WHERE u.path >= ? AND u.path < ?", [path, pathEnd(path)]));
  const to = inCommittee > 12_000 ? await db.value<string>("SELECT t.deadline FROM tasks t JOIN units u ON u.id = t.unit_id WHERE u.path >= ? AND u.path < ? AND t.deadline IS NOT NULL ORDER BY t.deadline LIMIT 1 OFFSET 9999", [path, pathEnd(path)]) : undefined;
  const t0 = performance.now();
  const l = await svc.ledger(db, svc.SYSTEM_ACTOR, { unit, ...(to ? { filters: { to } } : {}) }, today, today, tz);
  const rows = l.rows.slice(0, 10_000);
  const buf: Buffer = await xlsx.ledgerXlsx({ title: l.title, asOf: l.asOf, rows });
  return { ms: ms(t0), note: `${rows.length} 行（该党委共 ${inCommittee} 项任务${to ? `，取时限不晚于 ${to} 的 ${l.rows.length} 项` : ""}），.xlsx ${Math.round(buf.length / 1024)} KB` };
}
