// 审计日志 .xlsx: one row per entry, newest first, times in TZ.
import ExcelJS from "exceljs";
import type { AuditEntry } from "../../../db/schema.ts";
import { cnDateTime } from "../../lib/dates.ts";
import { AUDIT_ACTIONS, OUTCOME_LABEL } from "./service.ts";

export async function auditXlsx(rows: AuditEntry[], tz: string): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "整改台账";
  const ws = wb.addWorksheet("审计日志", { views: [{ state: "frozen", ySplit: 1 }] });
  ws.columns = [
    { header: "编号", key: "id", width: 8 },
    { header: "时间", key: "at", width: 22 },
    { header: "人员", key: "user", width: 16 },
    { header: "操作", key: "action", width: 16 },
    { header: "对象", key: "target", width: 28 },
    { header: "结果", key: "outcome", width: 8 },
    { header: "来源地址", key: "address", width: 18 },
    { header: "浏览器", key: "ua", width: 30 },
    { header: "说明", key: "detail", width: 40 },
  ];
  ws.getRow(1).font = { bold: true };
  for (const r of rows) {
    ws.addRow({
      id: r.id,
      at: cnDateTime(r.at, tz),
      user: r.userName + (r.userId ? `（#${r.userId}）` : ""),
      action: AUDIT_ACTIONS[r.action as keyof typeof AUDIT_ACTIONS] ?? r.action,
      target: r.target,
      outcome: OUTCOME_LABEL[r.outcome] ?? r.outcome,
      address: r.address,
      ua: r.userAgent,
      detail: r.detail,
    });
  }
  ws.autoFilter = { from: "A1", to: "I1" };
  return Buffer.from(await wb.xlsx.writeBuffer());
}
