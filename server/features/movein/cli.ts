// npm run cli -- import units|people FILE [--dry-run] [--skip-bad]
//                 import ledger FILE --unit CODE [--report ID] [--dry-run] [--skip-bad]
// The same rules as the pages; a summary printed; exit 1 when a row is refused unless --skip-bad;
// nothing written on a dry run or a refusal. Acts as the first active 系统管理员.
import { readFileSync, existsSync } from "node:fs";
import { basename } from "node:path";
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";
import type { Config } from "../../config.ts";
import { units, users } from "../../../db/schema.ts";
import { dayIn } from "../../lib/dates.ts";
import { DomainError } from "../../lib/errors.ts";
import { applyOrg, tablesOf, ORG_FIELDS, KIND_LABEL, type Ctx } from "./service.ts";
import { createLedgerDraft, confirmLedgerDraft } from "./ledger-service.ts";
import { linkUrl, mailLinks } from "./links.ts";
import { createMailer } from "../reminders/mailer.ts";

export class ImportCliError extends Error {}
class DryRun extends Error {}

export type ImportArgs = { kind: "units" | "people" | "ledger"; file: string; unit?: string; report?: number; dryRun: boolean; skipBad: boolean };

async function adminCtx(db: Db, config: Config): Promise<Ctx> {
  const a = (await db.select({ id: users.id, name: users.name, unitId: users.unitId, unitPath: units.path }).from(users).innerJoin(units, eq(units.id, users.unitId)).where(and(eq(users.role, "admin"), eq(users.active, true))).orderBy(asc(users.id)).limit(1))[0];
  if (!a) throw new ImportCliError("数据库中还没有在用的系统管理员账号：请先用 user add 建一个");
  const now = new Date();
  return { db, actor: { id: a.id, role: "admin", unitId: a.unitId, unitPath: a.unitPath, name: a.name }, now, today: dayIn(config.timeZone, now) };
}

export async function importCommand(db: Db, config: Config, a: ImportArgs): Promise<{ lines: string[]; exitCode: number }> {
  if (!existsSync(a.file)) throw new ImportCliError(`文件不存在：${a.file}`);
  const data = readFileSync(a.file);
  const name = basename(a.file);
  const c = await adminCtx(db, config);
  const lines: string[] = [];
  const tail = a.dryRun ? "（试运行，未写入任何内容）" : "";
  if (a.kind !== "ledger") {
    const t = tablesOf(data, name, ORG_FIELDS[a.kind])[0];
    const r = await applyOrg(c, a.kind, t, { skipBad: a.skipBad, dryRun: a.dryRun, origin: `命令行《${name}》` });
    lines.push(`${KIND_LABEL[a.kind]}《${name}》：新增 ${r.created}，更新 ${r.updated}，未变 ${r.unchanged}，不能导入 ${r.refused.length}${tail}`);
    for (const x of r.refused) lines.push(`  第 ${x.row} 行 ${x.name}：${x.reason}`);
    const stopped = r.refused.length > 0 && !a.skipBad;
    if (stopped && !a.dryRun) lines.push("有不能导入的行，未写入任何内容（加 --skip-bad 可只导入其余各行）");
    if (r.links.length) {
      const mailer = createMailer(config);
      try {
        const m = await mailLinks(mailer, config.baseUrl, r.links, c.now);
        lines.push(`新账号 ${r.links.length} 个：已${mailer.kind === "smtp" ? "发送" : "写入发件箱"}开通邮件 ${m.sent} 封`);
        for (const l of r.links.filter((l) => l.noMail || m.failed.some((f) => f.name === l.name))) lines.push(`  ${l.name}（${l.unitName}，登录账号 ${l.email}）一次性登录链接：${linkUrl(config.baseUrl, l.token)}`);
      } finally {
        mailer.close();
      }
    }
    return { lines, exitCode: stopped ? 1 : 0 };
  }
  if (!a.unit) throw new ImportCliError("缺少 --unit（台账所属单位的代码）");
  const unit = (await db.select({ id: units.id }).from(units).where(eq(units.code, a.unit)))[0];
  if (!unit) throw new ImportCliError(`单位代码不存在：${a.unit}`);
  let result: Awaited<ReturnType<typeof confirmLedgerDraft>> | undefined;
  try {
    // one transaction: the draft, the report and the tasks, or (dry run, refusal) nothing at all
    await db.tx(async () => {
      const id = await createLedgerDraft(c, { unitId: unit.id, reportId: a.report ?? null, file: { filename: name, data } });
      try {
        result = await confirmLedgerDraft(c, id, { skipBad: true, dryRun: a.dryRun });
      } catch (e) {
        if (e instanceof DomainError && /没有可导入的问题行/.test(e.message)) result = { reportId: 0, created: 0, done: 0, doing: 0, todo: 0, skipped: 0, refused: [] };
        else throw e;
      }
      if (a.dryRun || (result!.refused.length && !a.skipBad) || !result!.created) throw new DryRun();
    });
  } catch (e) {
    if (!(e instanceof DryRun)) throw e;
  }
  const r = result!;
  const written = !a.dryRun && !(r.refused.length && !a.skipBad) && r.created > 0;
  lines.push(`整改台账《${name}》：可导入 ${r.created} 项（已销号 ${r.done}，整改中 ${r.doing}，待整改 ${r.todo}），不能导入 ${r.refused.length} 行${tail}`);
  for (const x of r.refused) lines.push(`  第 ${x.row} 行 ${x.title.slice(0, 30)}：${x.reason}`);
  if (written) lines.push(`已导入 ${r.created} 项整改任务，报告编号 ${r.reportId}`);
  else if (!a.dryRun) lines.push(r.created ? "有不能导入的行，未写入任何内容（加 --skip-bad 可只导入其余各行）" : "没有可导入的行，未写入任何内容");
  return { lines, exitCode: (r.refused.length && !a.skipBad) || (!r.created && !a.dryRun) ? 1 : 0 };
}
