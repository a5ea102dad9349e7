// 审计日志: the auditor's page (filters: person, action, date range; keyset paging) and its .xlsx
// export, itself written to the log. Nobody else opens either (403, which is logged too).
import type { FastifyInstance, FastifyRequest } from "fastify";
import { onlyFor } from "../../plugins/front-door.ts";
import { contentDisposition, positiveInt } from "../../lib/http.ts";
import { addDays, dayIn, isIsoDay } from "../../lib/dates.ts";
import { canReadAudit } from "../auth/permissions.ts";
import { tzOffsetMinutes } from "../dashboard/service.ts";
import { listUsers } from "../admin/service.ts";
import { AUDIT_ACTIONS, OUTCOME_LABEL, audit, listAudit, type AuditFilter } from "./service.ts";

type Query = Record<string, string | undefined>;
/** the most rows one export holds */
export const AUDIT_EXPORT_MAX = 100_000;

export async function auditRoutes(app: FastifyInstance) {
  onlyFor(app, "/audit", canReadAudit, "只有审计管理员可以查看审计日志");

  /** the start of a calendar day in TZ, as an ISO moment */
  const dayStart = (day: string) => {
    const guess = new Date(`${day}T00:00:00Z`);
    return new Date(guess.getTime() - tzOffsetMinutes(app.config.timeZone, guess) * 60_000).toISOString();
  };
  function filters(req: FastifyRequest) {
    const q = req.query as Query;
    const form = { user: positiveInt(q.user), action: q.action && q.action in AUDIT_ACTIONS ? q.action : "", from: isIsoDay(q.from) ? q.from : "", to: isIsoDay(q.to) ? q.to : "" };
    const f: AuditFilter = { userId: form.user, action: form.action || undefined, fromIso: form.from ? dayStart(form.from) : undefined, toIso: form.to ? dayStart(addDays(form.to, 1)) : undefined, before: positiveInt(q.before) };
    return { form, f };
  }

  app.get("/audit", async (req, reply) => {
    const { form, f } = filters(req);
    const page = await listAudit(app.db, f);
    return reply.render("audit/index", {
      title: "审计日志",
      form,
      rows: page.rows,
      nextBefore: page.nextBefore,
      first: !f.before,
      actions: AUDIT_ACTIONS,
      outcomes: OUTCOME_LABEL,
      people: await listUsers(app.db),
      retentionDays: app.config.auditRetentionDays,
      today: dayIn(app.config.timeZone, app.clock()),
    });
  });

  app.get("/audit.xlsx", async (req, reply) => {
    const { form, f } = filters(req);
    const { rows } = await listAudit(app.db, { ...f, before: undefined }, AUDIT_EXPORT_MAX);
    const { auditXlsx } = await import("./xlsx.ts");
    const buf = await auditXlsx(rows, app.config.timeZone);
    await audit(req, "export.audit", { target: req.url.slice(0, 300), detail: `${rows.length} 条` });
    const name = `审计日志${form.from || form.to ? `（${form.from || "…"}至${form.to || "…"}）` : ""}.xlsx`;
    return reply
      .header("Content-Disposition", contentDisposition(name))
      .header("Cache-Control", "private, no-store")
      .type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
      .send(buf);
  });
}
