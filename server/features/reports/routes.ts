// Import and report pages. Thin: parse, call one service function, render or redirect.
//   GET  /reports                      reports and my unfinished imports
//   GET  /reports/import               upload form;  POST it → a draft
//   GET  /reports/drafts/:id           the review screen (survives reloads: it is all in the draft)
//   POST /reports/drafts/:id/items/:key  autosave of one problem's fields
//   POST /reports/drafts/:id/ops       merge / split / delete / up / down / add / bulk / title / measure
//   POST /reports/drafts/:id/confirm   确认生成任务;  POST …/discard
//   GET  /reports/:id, /reports/:id/original
//   POST /reports/:id/problems/:pid/assign   a problem left 待分派 becomes a task
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { requireUser, assertCsrf } from "../../plugins/auth.ts";
import { isHtmx } from "../../plugins/views.ts";
import { setFlash } from "../../plugins/flash.ts";
import { DomainError, ForbiddenError, ValidationError } from "../../lib/errors.ts";
import { dayIn } from "../../lib/dates.ts";
import { contentDisposition, positiveInt } from "../../lib/http.ts";
import { audit } from "../audit/service.ts";
import { readMultipart } from "../../lib/multipart.ts";
import { assignableUnits, assignableUsers } from "../tasks/service.ts";
import { getSetting } from "../admin/settings.ts";
import * as svc from "./service.ts";
import type { ItemPatch, DeadlineKind } from "./draft.ts";

type Body = Record<string, string | string[] | undefined>;
const int = positiveInt;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[v.length - 1] : v);
const many = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The fields of an item's form (or the bulk form) that were posted; "" clears a person. */
function patchOf(b: Body, opts: { bulk: boolean }): ItemPatch {
  const p: ItemPatch = {};
  const s = (k: string) => one(b[k]);
  const id = (k: string) => {
    const v = s(k);
    if (v === undefined || (opts.bulk && v === "")) return undefined;
    return int(v) ?? null;
  };
  if (!opts.bulk) {
    if (s("text") !== undefined) p.text = s("text");
    if (s("category") !== undefined) p.category = s("category");
    // the rating link is a checkbox: present in the form as a hidden marker, checked or not
    if (s("hasLink") !== undefined) p.linkedUnitId = int(s("linkedUnitId")) ?? null;
  }
  p.unitId = id("unitId");
  p.leaderId = id("leaderId");
  p.ownerId = id("ownerId");
  const kind = s("deadlineKind");
  if (kind !== undefined && !(opts.bulk && kind === "")) p.deadlineKind = kind as DeadlineKind;
  const deadline = s("deadline");
  if (deadline !== undefined && !(opts.bulk && deadline === "")) p.deadline = deadline;
  const measures = s("measures");
  if (measures !== undefined && !(opts.bulk && measures.trim() === "")) p.measures = measures;
  for (const k of Object.keys(p) as (keyof ItemPatch)[]) if (p[k] === undefined) delete p[k];
  return p;
}

/** what an htmx op on the review says it did (app.js announces it, and focuses it when nothing else holds focus) */
const OP_DONE: Record<string, string> = { merge: "已与下一条合并", split: "已拆分为两条", up: "已上移", down: "已下移", delete: "已删除", add: "已添加问题", bulk: "已应用到勾选的问题", title: "标题已保存" };

export async function reportRoutes(app: FastifyInstance) {
  app.addHook("preHandler", requireUser);
  const ctx = (req: FastifyRequest) => {
    const now = app.clock();
    return { db: app.db, actor: req.user!, now, today: dayIn(app.config.timeZone, now) };
  };
  const maxMb = () => Math.round(app.config.reportMaxBytes / 1024 / 1024);
  const leaderOnly = (req: FastifyRequest) => {
    if (req.user!.role === "staff") throw new ForbiddenError("只有领导和管理员可以导入自查报告");
  };

  app.get("/reports", async (req, reply) => {
    const c = ctx(req);
    const list = await svc.listReports(c, positiveInt((req.query as Record<string, string>).page) ?? 1);
    return reply.render("reports/index", { title: "自查报告", list, query: req.query, drafts: c.actor.role === "staff" ? [] : await svc.myDrafts(c) });
  });

  // ── upload ──
  async function renderUpload(req: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const c = ctx(req);
    return reply.render("reports/import", { title: "导入自查报告", units: await assignableUnits(app.db, c.actor), values: { unitId: c.actor.unitId }, errors: {}, accept: svc.REPORT_ACCEPT, maxMb: maxMb(), ...extra }, status);
  }
  app.get("/reports/import", (req, reply) => {
    leaderOnly(req);
    return renderUpload(req, reply);
  });
  app.post("/reports/import", async (req, reply) => {
    leaderOnly(req);
    let fields: Record<string, string | undefined> = {};
    try {
      const form = await readMultipart(req, app.config.reportMaxBytes, { maxFiles: 1, fieldBytes: app.config.reportMaxBytes });
      fields = form.fields;
      assertCsrf(req, fields._csrf);
      const id = await svc.createDraft(ctx(req), app.config.reportsDir, { unitId: int(fields.unitId) ?? null, title: fields.title ?? "", file: form.files[0], pasted: fields.pasted });
      await audit(req, "import.upload", { target: `草稿 ${id}`, detail: form.files[0] ? `文件 ${form.files[0].filename}（${form.files[0].data.length} 字节）` : "粘贴全文" });
      if (isHtmx(req)) return reply.header("HX-Redirect", `/reports/drafts/${id}`).code(201).send("");
      return reply.redirect(`/reports/drafts/${id}`, 303);
    } catch (e) {
      if (!(e instanceof DomainError) || e.status === 403) throw e;
      return renderUpload(req, reply, { values: { ...fields, unitId: int(fields.unitId) }, errors: e.fields, error: e.message }, e.status);
    }
  });

  // ── the review screen ──
  async function reviewData(req: FastifyRequest, id: number, extra: Record<string, unknown> = {}) {
    const c = ctx(req);
    const people = await assignableUsers(app.db, c.actor);
    return {
      title: "核对导入的问题",
      v: await svc.getDraft(c, id),
      units: await assignableUnits(app.db, c.actor),
      people,
      // a 责任人 is a person of the unit's tree, never an admin account
      owners: people.filter((p) => p.role !== "admin"),
      leaders: people.filter((p) => p.role !== "staff"),
      itemErrors: {},
      ...extra,
    };
  }
  async function renderReview(req: FastifyRequest, reply: FastifyReply, id: number, extra: Record<string, unknown> = {}, status = 200) {
    const data = await reviewData(req, id, extra);
    if (data.v.draft.status === "confirmed" && data.v.draft.reportId) {
      // a stale tab after the confirmation: show the report it made
      if (status !== 200) setFlash(reply, "这份报告已确认生成任务，草稿不能再修改");
      if (isHtmx(req)) return reply.header("HX-Redirect", `/reports/${data.v.draft.reportId}`).send("");
      return reply.redirect(`/reports/${data.v.draft.reportId}`, 303);
    }
    return reply.render(isHtmx(req) ? "reports/_draft" : "reports/review", data, status);
  }
  app.get("/reports/drafts/:id", (req, reply) => {
    leaderOnly(req);
    return renderReview(req, reply, Number((req.params as any).id));
  });

  // autosave of one problem: answers with the item's save status only, so typing elsewhere is never disturbed
  app.post("/reports/drafts/:id/items/:key", async (req, reply) => {
    leaderOnly(req);
    const { id, key } = req.params as { id: string; key: string };
    const b = req.body as Body;
    try {
      await svc.updateDraft(ctx(req), Number(id), { op: "edit", key, patch: patchOf(b, { bulk: false }) });
      if (!isHtmx(req)) return reply.redirect(`/reports/drafts/${id}#item-${key}`, 303);
      return reply.render("reports/_saved", { ok: true, at: app.clock() });
    } catch (e) {
      if (!(e instanceof DomainError) || e.status === 403 || e.status === 404) throw e;
      if (!isHtmx(req)) return renderReview(req, reply, Number(id), { error: e.message }, e.status);
      return reply.render("reports/_saved", { ok: false, message: e.message }, e.status);
    }
  });

  app.post("/reports/drafts/:id/ops", async (req, reply) => {
    leaderOnly(req);
    const id = Number((req.params as any).id);
    const b = req.body as Body;
    const op = one(b.op);
    const key = one(b.key) ?? "";
    let o: svc.DraftOp;
    switch (op) {
      case "merge":
      case "up":
      case "down":
        o = { op, key, patch: patchOf(b, { bulk: false }) };
        break;
      case "split":
        {
          // the cursor position counts from the textarea's own text, before it is trimmed
          const text = one(b.text);
          const lead = text === undefined ? 0 : text.length - text.trimStart().length;
          o = { op, key, at: Number(one(b.at)) - lead, patch: patchOf(b, { bulk: false }) };
        }
        break;
      case "delete":
        o = { op, key };
        break;
      case "measure":
        // the picker's choice: an index into the report's own measures ("" when none is chosen)
        o = { op, key, index: /^\d+$/.test(one(b.measure) ?? "") ? Number(one(b.measure)) : NaN, patch: patchOf(b, { bulk: false }) };
        break;
      case "add":
        o = { op, text: one(b.newText) ?? "", category: one(b.newCategory) };
        break;
      case "bulk":
        o = { op, keys: many(b.keys), patch: patchOf(b, { bulk: true }) };
        break;
      case "title":
        o = { op, title: one(b.title) ?? "" };
        break;
      default:
        throw new ValidationError("未知的操作");
    }
    try {
      await svc.updateDraft(ctx(req), id, o);
      if (!isHtmx(req)) return reply.redirect(`/reports/drafts/${id}${"key" in o && op !== "delete" ? `#item-${key}` : ""}`, 303);
      return renderReview(req, reply, id, { changed: op === "add" ? "new" : key, flash: OP_DONE[op] });
    } catch (e) {
      if (!(e instanceof DomainError) || e.status === 403 || e.status === 404) throw e;
      return renderReview(req, reply, id, { error: e.message, errorKey: key, bulkValues: op === "bulk" ? b : undefined, addValues: op === "add" ? b : undefined }, e.status);
    }
  });

  app.post("/reports/drafts/:id/confirm", async (req, reply) => {
    leaderOnly(req);
    const id = Number((req.params as any).id);
    const b = req.body as Body;
    try {
      // "key:taskId" for each problem marked 反弹/重复出现 of an earlier task
      const recurs = new Map<string, number>();
      for (const v of ([] as unknown[]).concat(b.recurs ?? [])) {
        const m = /^([\w-]+):(\d+)$/.exec(String(v));
        if (m) recurs.set(m[1], Number(m[2]));
      }
      const r = await svc.confirmDraft(ctx(req), id, { acknowledgeDuplicate: one(b.acknowledgeDuplicate) === "1", acceptDefaultDeadlines: one(b.acceptDefaultDeadlines) === "1", recurs });
      await audit(req, "import.confirm", { target: `报告 ${r.reportId}`, detail: `草稿 ${id}，生成 ${r.tasks} 项任务${r.pending ? `，${r.pending} 条待分派` : ""}` });
      setFlash(reply, `已生成 ${r.tasks} 项整改任务${r.recurring ? `，其中 ${r.recurring} 项标记为反弹/重复出现` : ""}${r.pending ? `；${r.pending} 条问题待分派，可在本页逐条指定责任人` : ""}`);
      if (isHtmx(req)) return reply.header("HX-Redirect", `/reports/${r.reportId}`).send("");
      return reply.redirect(`/reports/${r.reportId}`, 303);
    } catch (e) {
      // a second click after the first one landed: show the report it made
      const done = (e as { reportId?: number }).reportId;
      if (done) {
        if (isHtmx(req)) return reply.header("HX-Redirect", `/reports/${done}`).send("");
        return reply.redirect(`/reports/${done}`, 303);
      }
      if (!(e instanceof DomainError) || e.status === 403 || e.status === 404) throw e;
      const itemErrors = e instanceof svc.ConfirmError ? e.itemErrors : {};
      return renderReview(req, reply, id, { error: e.message, itemErrors, confirmErrors: e.fields, recursChecked: ([] as unknown[]).concat(b.recurs ?? []).map(String) }, e.status);
    }
  });

  app.post("/reports/drafts/:id/discard", async (req, reply) => {
    leaderOnly(req);
    await svc.discardDraft(ctx(req), Number((req.params as any).id), app.config.reportsDir);
    setFlash(reply, "已放弃这次导入，没有生成任何任务");
    if (isHtmx(req)) return reply.header("HX-Redirect", "/reports").send("");
    return reply.redirect("/reports", 303);
  });

  // ── the report page ──
  async function renderReport(req: FastifyRequest, reply: FastifyReply, id: number, extra: Record<string, unknown> = {}, status = 200) {
    const c = ctx(req);
    const r = await svc.getReport(c, id);
    const people = r.canAssign ? await assignableUsers(app.db, c.actor) : [];
    const choices = r.canAssign ? { units: await assignableUnits(app.db, c.actor), people, leaders: people.filter((p) => p.role !== "staff") } : {};
    return reply.render("reports/show", { title: r.report.title, r, yellowDays: await getSetting(app.db, "yellowDays"), assignErrors: {}, ...choices, ...extra }, status);
  }
  app.get("/reports/:id", (req, reply) => renderReport(req, reply, Number((req.params as any).id)));

  // a problem left 待分派 at confirmation: its task, from the report page
  app.post("/reports/:id/problems/:pid/assign", async (req, reply) => {
    leaderOnly(req);
    const id = Number((req.params as any).id);
    const pid = Number((req.params as any).pid);
    const b = req.body as Body;
    const s = (k: string) => one(b[k]) ?? "";
    try {
      const taskId = await svc.assignProblem(ctx(req), id, pid, {
        goal: "",
        measures: s("measures"),
        coUnits: "",
        unitId: int(s("unitId")) ?? null,
        ownerId: int(s("ownerId")) ?? null,
        leaderId: int(s("leaderId")) ?? null,
        deadlineKind: s("deadlineKind"),
        deadline: s("deadline"),
        linkedUnitId: int(s("linkedUnitId")) ?? null,
      });
      setFlash(reply, `已分派，生成任务 #${taskId}`);
      return reply.redirect(`/reports/${id}#problem-${one(b.seq) ?? ""}`, 303);
    } catch (e) {
      if (!(e instanceof DomainError) || e.status === 403 || e.status === 404) throw e;
      return renderReport(req, reply, id, { error: e.message, assignErrors: { [pid]: { ...e.fields, _: e.message } }, assignValues: { [pid]: b } }, e.status);
    }
  });
  app.get("/reports/:id/original", async (req, reply) => {
    const f = await svc.reportFile(ctx(req), Number((req.params as any).id));
    await audit(req, "download.report-file", { target: `报告 ${(req.params as any).id}`, detail: f.name });
    const mime = f.format === "docx" ? "application/vnd.openxmlformats-officedocument.wordprocessingml.document" : f.format === "doc" ? "application/msword" : "text/plain; charset=utf-8";
    reply.header("Content-Disposition", contentDisposition(f.name, "attachment"));
    reply.header("Cache-Control", "private, max-age=3600");
    return reply.type(mime).send(createReadStream(join(app.config.reportsDir, f.storedFile)));
  });
}
