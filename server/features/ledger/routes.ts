// The live 整改措施 section (page, fragment, plain text), the 整改情况报告 .docx and the 整改台账
// .xlsx. Thin: parse, call the service, render or send the file. Who may see what: service.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
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
  /** ?original=1: the self-check report with its 整改措施 section updated; else the 整改情况报告 proper */
  const progress = async (req: FastifyRequest) => {
    const t = today();
    const q = req.query as Query;
    const asOf = svc.parseAsOf(q.asOf, t);
    const original = q.original === "1";
    const live = await svc.reportProgress(app.db, req.user!, reportId(req), asOf, app.config.timeZone);
    const formal = original ? null : await svc.formalReport(app.db, req.user!, live.report.id, asOf, app.config.timeZone);
    const doc = { ...live, title: formal?.title ?? live.title, blocks: formal?.blocks ?? live.blocks };
    return { today: t, asOf, original, doc, settings: svc.documentSettings(live.report, live.unit) };
  };
  const progressPage = async (req: FastifyRequest, reply: FastifyReply, more: { error?: string; form?: { title: string; addressee: string } } = {}, status = 200) => {
    const { today, asOf, original, doc, settings } = await progress(req);
    const copyText = original ? liveSectionText(doc) : blocksToText(doc.blocks);
    const canEdit = svc.canEditDocument(req.user!, doc.unit);
    const data = { title: `${doc.report.title} · 整改情况报告`, doc, asOf, today, isToday: asOf === today, original, copyText, settings, canEdit, ...more };
    return reply.render(isHtmx(req) && !more.error ? "ledger/_progress" : "ledger/progress", data, status);
  };

  /** 整改情况报告 (or ?original=1 the report with its live 整改措施 section), as of a day (htmx swaps the fragment). */
  app.get("/reports/:id/progress", (req, reply) => progressPage(req, reply));

  /** The 整改情况报告's title and 主送机关 (leaders of the unit or above); the 主送机关 is remembered for the unit. */
  app.post("/reports/:id/document", async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      await svc.saveDocumentSettings(app.db, req.user!, reportId(req), { title: body.title ?? "", addressee: body.addressee ?? "" });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      return progressPage(req, reply, { error: e.message, form: { title: String(body.title ?? ""), addressee: String(body.addressee ?? "") } }, 422);
    }
    const to = `/reports/${reportId(req)}/progress`;
    if (isHtmx(req)) return reply.header("HX-Redirect", to).send("");
    return reply.redirect(to, 303);
  });

  /** The whole document as plain text (paste into a message or a document). */
  app.get("/reports/:id/progress.txt", async (req, reply) => {
    const { doc, asOf } = await progress(req);
    await audit(req, "export.report", { target: `报告 ${doc.report.id}`, detail: `progress.txt 截至 ${asOf}` });
    return reply.header("Cache-Control", "private, no-store").type("text/plain; charset=utf-8").send(blocksToText(doc.blocks));
  });

  /** 整改情况报告 .docx; ?original=1: the self-check report with its 整改措施 section updated */
  app.get("/reports/:id/export.docx", async (req, reply) => {
    const { asOf, doc, original } = await progress(req);
    const buf = await (await import("./docx.ts")).reportDocx({ title: doc.title, blocks: doc.blocks, description: original ? "自查报告（整改措施已更新）" : "整改情况报告" });
    await audit(req, "export.report", { target: `报告 ${doc.report.id}`, detail: `${original ? "原报告 " : ""}.docx 截至 ${asOf}` });
    return reply
      .header("Content-Disposition", contentDisposition(svc.reportFileName(doc.title, asOf, original)))
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
    const l = await svc.ledger(app.db, req.user!, { report: int(q.report), unit, filters: { ...filters, unit: undefined } }, asOf, t, app.config.timeZone);
    const buf = await (await import("./xlsx.ts")).ledgerXlsx({ title: l.title, asOf, rows: l.rows, yellowDays: l.yellowDays, generatedAt: app.clock() });
    await audit(req, "export.ledger", { target: req.url.slice(0, 300), detail: `${l.title}，${l.rows.length} 行，截至 ${asOf}` });
    return reply
      .header("Content-Disposition", contentDisposition(svc.ledgerFileName(l.title, asOf)))
      .header("Cache-Control", "private, no-store")
      .type(XLSX_TYPE)
      .send(buf);
  });
}
