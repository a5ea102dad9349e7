// The live 整改措施 section (page, fragment, plain text), the 整改情况报告 .docx and the 整改台账
// .xlsx. Thin: parse, call the service, render or send the file. Who may see what: service.ts.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { requireUser } from "../../plugins/auth.ts";
import { isHtmx } from "../../plugins/views.ts";
import { dayIn } from "../../lib/dates.ts";
import { contentDisposition, positiveInt } from "../../lib/http.ts";
import { NotFoundError, ValidationError } from "../../lib/errors.ts";
import { filtersFromQuery, type TaskFilters } from "../tasks/service.ts";
import * as svc from "./service.ts";
import { blocksToText, liveSectionText } from "./compose.ts";
import { audit } from "../audit/service.ts";

type Query = Record<string, string | undefined>;
const int = positiveInt;

export const DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** The task list's filters (server/features/tasks/routes.ts), plus its fixed views 我的任务 / 待我销号. */
function listFilters(q: Query): TaskFilters {
  return { ...filtersFromQuery(q), mine: q.mine === "1", review: q.review === "1" };
}

export async function ledgerRoutes(app: FastifyInstance) {
  app.addHook("preHandler", requireUser);
  const today = () => dayIn(app.config.timeZone, app.clock());
  const reportId = (req: FastifyRequest) => {
    const id = int((req.params as { id: string }).id);
    if (!id) throw new NotFoundError("未找到该自查报告");
    return id;
  };
  const progress = (req: FastifyRequest) => {
    const t = today();
    const asOf = svc.parseAsOf((req.query as Query).asOf, t);
    return { today: t, asOf, doc: svc.reportProgress(app.db, req.user!, reportId(req), asOf, app.config.timeZone) };
  };

  /** 整改情况: the report with its live 整改措施 section, as of a day (htmx swaps the fragment). */
  app.get("/reports/:id/progress", (req, reply) => {
    const { today, asOf, doc } = progress(req);
    const data = { title: `${doc.report.title} · 整改情况`, doc, asOf, today, isToday: asOf === today, copyText: liveSectionText(doc) };
    return reply.render(isHtmx(req) ? "ledger/_progress" : "ledger/progress", data);
  });

  /** The whole report as plain text (paste into a message or a document). */
  app.get("/reports/:id/progress.txt", (req, reply) => {
    const { doc, asOf } = progress(req);
    audit(req, "export.report", { target: `报告 ${doc.report.id}`, detail: `progress.txt 截至 ${asOf}` });
    return reply.header("Cache-Control", "private, no-store").type("text/plain; charset=utf-8").send(blocksToText(doc.blocks));
  });

  /** 整改情况报告 .docx */
  app.get("/reports/:id/export.docx", async (req, reply) => {
    const { asOf, doc } = progress(req);
    const buf = await (await import("./docx.ts")).reportDocx({ title: doc.title, blocks: doc.blocks });
    audit(req, "export.report", { target: `报告 ${doc.report.id}`, detail: `.docx 截至 ${asOf}` });
    return reply
      .header("Content-Disposition", contentDisposition(svc.reportFileName(doc.title, asOf)))
      .header("Cache-Control", "private, no-store")
      .type(DOCX_TYPE)
      .send(buf);
  });

  /** 整改台账 .xlsx: ?report=ID, ?unit=ID (with sub-units) and/or the task list's filters; ?asOf=YYYY-MM-DD */
  app.get("/ledger.xlsx", async (req, reply) => {
    const q = req.query as Query;
    const t = today();
    const asOf = svc.parseAsOf(q.asOf, t);
    if (q.report !== undefined && q.report !== "" && !int(q.report)) throw new ValidationError("报告编号无效");
    const filters = listFilters(q);
    const unit = filters.unit;
    const l = svc.ledger(app.db, req.user!, { report: int(q.report), unit, filters: { ...filters, unit: undefined } }, asOf, t, app.config.timeZone);
    const buf = await (await import("./xlsx.ts")).ledgerXlsx({ title: l.title, asOf, rows: l.rows, generatedAt: app.clock() });
    audit(req, "export.ledger", { target: req.url.slice(0, 300), detail: `${l.name}，${l.rows.length} 行，截至 ${asOf}` });
    return reply
      .header("Content-Disposition", contentDisposition(svc.ledgerFileName(l.name, asOf)))
      .header("Cache-Control", "private, no-store")
      .type(XLSX_TYPE)
      .send(buf);
  });
}
