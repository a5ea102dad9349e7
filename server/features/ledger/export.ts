// The exports for the command line: the same files as the pages, written to disk, as the
// system (everything visible). Used by `npm run cli -- export ledger|report`.
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Db } from "../../../db/client.ts";
import type { Config } from "../../config.ts";
import { cnDate, dayIn } from "../../lib/dates.ts";
import { formalReport, ledger, parseAsOf, reportProgress, saveDocumentSettings, SYSTEM_ACTOR } from "./service.ts";
import { ledgerXlsx } from "./xlsx.ts";
import { reportDocx } from "./docx.ts";

function write(out: string, buf: Buffer): string {
  const file = resolve(out);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, buf);
  return file;
}

export async function exportLedgerFile(db: Db, config: Config, o: { report?: number; unitCode?: string; asOf?: string; out: string }, now = new Date()): Promise<string> {
  const today = dayIn(config.timeZone, now);
  const asOf = parseAsOf(o.asOf, today);
  const l = await ledger(db, SYSTEM_ACTOR, { report: o.report, unitCode: o.unitCode }, asOf, today, config.timeZone);
  const file = write(o.out, await ledgerXlsx({ title: l.title, asOf, rows: l.rows, yellowDays: l.yellowDays, generatedAt: now }));
  return `已导出《${l.title}》（截至${cnDate(asOf)}，${l.rows.length} 项任务）：${file}`;
}

/**
 * `export report`: the 整改情况报告 proper; `--original`: the self-check report itself with its
 * 整改措施 section brought up to date. `--to` sets the 主送机关 and remembers it for the report
 * and its unit (as the report page does).
 */
export async function exportReportFile(db: Db, config: Config, o: { report: number; asOf?: string; out: string; original?: boolean; to?: string }, now = new Date()): Promise<string> {
  const today = dayIn(config.timeZone, now);
  const asOf = parseAsOf(o.asOf, today);
  if (o.original) {
    const doc = await reportProgress(db, SYSTEM_ACTOR, o.report, asOf, config.timeZone);
    const file = write(o.out, await reportDocx({ title: doc.title, blocks: doc.blocks, description: "自查报告（整改措施已更新）" }));
    return `已导出《${doc.title}》（整改措施更新至${cnDate(asOf)}，问题${doc.summary.problems}个，已销号${doc.summary.done}个）：${file}`;
  }
  if (o.to !== undefined) await saveDocumentSettings(db, SYSTEM_ACTOR, o.report, { addressee: o.to });
  const doc = await formalReport(db, SYSTEM_ACTOR, o.report, asOf, config.timeZone);
  const file = write(o.out, await reportDocx({ title: doc.title, blocks: doc.blocks }));
  const to = doc.settings.addressee ? `主送${doc.settings.addressee}` : "未设主送机关（可用 --to 给出）";
  return `已导出《${doc.title}》（截至${cnDate(asOf)}，${to}，问题${doc.summary.problems}个，已销号${doc.summary.done}个）：${file}`;
}
