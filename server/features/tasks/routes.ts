// Task pages and the workflow verbs. Thin: parse, call one service function, render or redirect.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { requireUser, assertCsrf } from "../../plugins/auth.ts";
import { isHtmx, unitOptions, unitOptionsVersion } from "../../plugins/views.ts";
import { setFlash } from "../../plugins/flash.ts";
import { DomainError, ValidationError } from "../../lib/errors.ts";
import { dayIn } from "../../lib/dates.ts";
import { contentDisposition, positiveInt } from "../../lib/http.ts";
import { audit } from "../audit/service.ts";
import * as svc from "./service.ts";
import { storeEvidence, ACCEPT, ALLOWED_TYPES_TEXT, EVIDENCE_CSP, isInlineType, type StoredFile } from "./evidence.ts";
import { readMultipart } from "../../lib/multipart.ts";
import { getSetting } from "../admin/settings.ts";

type Body = Record<string, string | undefined>;
const int = positiveInt;

export async function taskRoutes(app: FastifyInstance) {
  app.addHook("preHandler", requireUser);
  const ctx = (req: FastifyRequest) => {
    const now = app.clock();
    return { db: app.db, actor: req.user!, now, today: dayIn(app.config.timeZone, now) };
  };
  const yellowDays = () => getSetting(app.db, "yellowDays");

  // ── lists ──
  const parseFilters = (q: Record<string, string | undefined>): svc.TaskFilters => ({ ...svc.filtersFromQuery(q), page: int(q.page) });

  async function renderList(req: FastifyRequest, reply: FastifyReply, view: { title: string; base: string; fixed: Partial<svc.TaskFilters> }) {
    const c = ctx(req);
    const filters = { ...parseFilters(req.query as Record<string, string>), ...view.fixed };
    const result = await svc.listTasks(app.db, c.actor, filters, c.today);
    // the filter form's choices only on a whole page; htmx swaps the list alone
    const full = !isHtmx(req);
    const data = {
      ...view,
      result,
      filters,
      query: req.query,
      yellowDays: await yellowDays(),
      units: full ? await svc.filterUnits(app.db, c.actor) : [],
      unitOptionsInline: svc.UNIT_OPTIONS_INLINE_MAX,
      keywordLimit: svc.KEYWORD_LIMIT,
      ...(full && !view.fixed.mine ? await svc.visibleOwners(app.db, c.actor, filters.unit, filters.owner) : { owners: [], manyOwners: false }),
    };
    return reply.render(full ? "tasks/index" : "tasks/_list", data);
  }

  app.get("/tasks", (req, reply) => renderList(req, reply, { title: "任务列表", base: "/tasks", fixed: {} }));
  // The unit filter's options where there are many (public/js/app.js fills the select from here):
  // under a versioned URL the browser keeps them, so a list page does not carry them every time.
  app.get("/tasks/unit-options", async (req, reply) => {
    const units = await svc.filterUnits(app.db, req.user!);
    const current = (req.query as Body).v === unitOptionsVersion(units);
    reply.header("Cache-Control", current ? "private, max-age=31536000, immutable" : "private, no-cache");
    return reply.type("text/html; charset=utf-8").send(`<option value="">全部</option>\n${unitOptions(units)}`);
  });
  app.get("/tasks/mine", (req, reply) => renderList(req, reply, { title: "我的任务", base: "/tasks/mine", fixed: { mine: true } }));
  app.get("/tasks/review", (req, reply) => renderList(req, reply, { title: "待我销号", base: "/tasks/review", fixed: { review: true } }));

  // ── new / edit ──
  function taskInput(b: Body): svc.TaskInput {
    return {
      title: b.title ?? "",
      goal: b.goal ?? "",
      measures: b.measures ?? "",
      coUnits: b.coUnits ?? "",
      unitId: int(b.unitId) ?? null,
      ownerId: int(b.ownerId) ?? null,
      leaderId: int(b.leaderId) ?? null,
      deadlineKind: b.deadlineKind ?? "",
      deadline: b.deadline ?? "",
      deadlineReason: b.deadlineReason,
      linkedUnitId: int(b.linkedUnitId) ?? null,
    };
  }
  async function formData(req: FastifyRequest) {
    const c = ctx(req);
    return { units: await svc.assignableUnits(app.db, c.actor), people: await svc.assignableUsers(app.db, c.actor) };
  }

  app.get("/tasks/new", async (req, reply) => {
    const u = req.user!;
    if (u.role === "staff") return reply.render("error", { title: "无权操作", message: "只有领导和管理员可以新建任务。" }, 403);
    const q = req.query as Body;
    const values = { unitId: int(q.unit) ?? u.unitId, deadlineKind: "dated", ownerId: int(q.owner), leaderId: int(q.leader) ?? (u.role === "leader" ? u.id : undefined), title: q.title ?? "", deadline: q.deadline ?? "", linkedUnitId: int(q.linkedUnit), goal: q.goal ?? "", measures: q.measures ?? "", coUnits: "" };
    return reply.render("tasks/form", { title: "新建整改任务", values, errors: {}, ...(await formData(req)) });
  });

  app.post("/tasks", async (req, reply) => {
    const b = req.body as Body;
    try {
      const id = await svc.createTask(ctx(req), taskInput(b));
      setFlash(reply, "任务已创建");
      if (isHtmx(req)) return reply.header("HX-Redirect", `/tasks/${id}`).code(201).send("");
      return reply.redirect(`/tasks/${id}`, 303);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      return reply.render("tasks/form", { title: "新建整改任务", values: b, errors: e.fields, error: e.message, ...(await formData(req)) }, e.status);
    }
  });

  app.get("/tasks/:id/edit", async (req, reply) => {
    const d = await svc.getTask(app.db, req.user!, Number((req.params as any).id));
    if (!d.allowed.has("edit")) return reply.render("error", { title: "无权操作", message: "您不能编辑这个任务（只有本单位领导可以编辑未销号的任务）。" }, 403);
    return reply.render("tasks/form", { title: "编辑整改任务", task: d.task, values: d.task, errors: {}, ...(await formData(req)) });
  });

  app.post("/tasks/:id", async (req, reply) => {
    const id = Number((req.params as any).id);
    const b = req.body as Body;
    try {
      await svc.editTask(ctx(req), id, Number(b.version), taskInput(b));
      setFlash(reply, "修改已保存");
      if (isHtmx(req)) return reply.header("HX-Redirect", `/tasks/${id}`).send("");
      return reply.redirect(`/tasks/${id}`, 303);
    } catch (e) {
      if (!(e instanceof DomainError) || e.status === 404) throw e;
      const d = await svc.getTask(app.db, req.user!, id);
      return reply.render("tasks/form", { title: "编辑整改任务", task: { ...d.task, version: Number(b.version) || d.task.version }, values: b, errors: e.fields, error: e.message, ...(await formData(req)) }, e.status);
    }
  });

  // ── the task page and its verbs ──
  async function renderTask(req: FastifyRequest, reply: FastifyReply, id: number, extra: Record<string, unknown> = {}, status = 200) {
    const d = await svc.getTask(app.db, req.user!, id);
    const data = { title: d.task.title.length > 40 ? d.task.title.slice(0, 40) + "…" : d.task.title, d, yellowDays: await yellowDays(), accept: ACCEPT, allowedTypes: ALLOWED_TYPES_TEXT, maxMb: Math.round(app.config.uploadMaxBytes / 1024 / 1024), form: {}, errors: {}, ...extra };
    return reply.render(isHtmx(req) ? "tasks/_panel" : "tasks/show", data, status);
  }

  app.get("/tasks/:id", (req, reply) => renderTask(req, reply, Number((req.params as any).id)));

  /** Runs a verb; answers htmx with the panel (and an event), a plain post with 303 + flash. */
  function verb(done: string, run: (req: FastifyRequest, id: number, b: Body) => unknown | Promise<unknown>) {
    return async (req: FastifyRequest, reply: FastifyReply) => {
      const id = Number((req.params as any).id);
      let b: Body = (req.body as Body) ?? {};
      try {
        const r = await run(req, id, b);
        if (r && typeof r === "object") b = r as Body;
        if (isHtmx(req)) {
          reply.header("HX-Trigger", "task-changed");
          return renderTask(req, reply, id, { flash: done });
        }
        setFlash(reply, done);
        return reply.redirect(`/tasks/${id}`, 303);
      } catch (e) {
        if (!(e instanceof DomainError) || e.status === 404 || (e.status === 403 && !(await svc.canSee(app.db, req.user!, id)))) throw e;
        return renderTask(req, reply, id, { error: e.message, errors: e.fields, form: (e as any).formValues ?? b }, e.status);
      }
    };
  }

  app.post(
    "/tasks/:id/progress",
    verb("进展已提交", async (req, id) => {
      const { fields, files } = await readMultipart(req, app.config.uploadMaxBytes);
      assertCsrf(req, fields._csrf);
      const { stored, undo } = storeEvidence(app.config.evidenceDir, files, app.config.uploadMaxBytes);
      try {
        await svc.postProgress(ctx(req), id, Number(fields.version), fields.text ?? "", stored);
      } catch (e) {
        undo();
        if (e instanceof DomainError) Object.assign(e, { formValues: fields });
        throw e;
      }
      if (fields.thenRequest === "1") {
        const v = (await svc.getTask(app.db, req.user!, id)).task.version;
        try {
          await svc.requestSignOff(ctx(req), id, v, "");
        } catch (e) {
          // the progress is saved: say so, and do not offer its text for posting again
          if (e instanceof DomainError) e.message = `进展已提交，但未能申请销号：${e.message}`;
          throw e;
        }
      }
      return fields;
    }),
  );
  app.post("/tasks/:id/request-signoff", verb("已申请销号，等待领导审核", (req, id, b) => svc.requestSignOff(ctx(req), id, Number(b.version), b.note ?? "")));
  app.post("/tasks/:id/sign-off", verb("已销号", (req, id, b) => svc.signOff(ctx(req), id, Number(b.version), b.note ?? "", b.effect ?? "")));
  // 回头看: 巩固 (note, optional evidence) · 反弹 (reason) · the date set or cleared
  const withFiles = (message: string, run: (req: FastifyRequest, id: number, fields: Record<string, string | undefined>, stored: StoredFile[]) => Promise<unknown>) =>
    verb(message, async (req, id) => {
      const { fields, files } = await readMultipart(req, app.config.uploadMaxBytes);
      assertCsrf(req, fields._csrf);
      const { stored, undo } = storeEvidence(app.config.evidenceDir, files, app.config.uploadMaxBytes);
      try {
        await run(req, id, fields, stored);
      } catch (e) {
        undo();
        if (e instanceof DomainError) Object.assign(e, { formValues: fields });
        throw e;
      }
      return fields;
    });
  app.post("/tasks/:id/recheck/held", withFiles("回头看已确认：整改成果巩固", (req, id, f, stored) => svc.confirmHeld(ctx(req), id, Number(f.version), f.note ?? "", stored)));
  app.post("/tasks/:id/recheck/rebound", withFiles("已认定反弹，任务重新打开整改", (req, id, f, stored) => svc.rebound(ctx(req), id, Number(f.version), f.reason ?? "", stored)));
  app.post("/tasks/:id/recheck/date", verb("回头看日期已保存", (req, id, b) => svc.setRecheckDue(ctx(req), id, Number(b.version), (b.recheckDue ?? "").trim())));
  app.post("/tasks/:id/send-back", verb("已退回责任人", (req, id, b) => svc.sendBack(ctx(req), id, Number(b.version), b.reason ?? "")));
  app.post("/tasks/:id/reopen", verb("任务已重新打开", (req, id, b) => svc.reopen(ctx(req), id, Number(b.version), b.reason ?? "")));
  app.post("/tasks/:id/extension", verb("延期申请已提交，等待领导审批", (req, id, b) => svc.requestExtension(ctx(req), id, Number(b.version), b.newDeadline ?? "", b.reason ?? "")));
  app.post(
    "/tasks/:id/extension/decide",
    verb("已处理延期申请", (req, id, b) => {
      if (b.decision !== "approve" && b.decision !== "refuse") throw new ValidationError("请选择同意或不同意");
      return svc.decideExtension(ctx(req), id, Number(b.version), b.decision === "approve", b.reason ?? "");
    }),
  );

  // ── evidence files, only to those who may see the task ──
  // Images and PDFs open in the browser, in a sandbox (no script, no same-origin access, whatever
  // the file holds); everything else, and any file asked for with ?download=1, is a download.
  // A route onSend runs after the app's, so this CSP replaces the app's on these responses only.
  const sandboxed = (_req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, p: unknown) => void) => {
    if (String(reply.getHeader("content-disposition") ?? "").startsWith("inline")) reply.header("Content-Security-Policy", EVIDENCE_CSP);
    done(null, payload);
  };
  app.get("/attachments/:id", { onSend: sandboxed }, async (req, reply) => {
    const a = await svc.getAttachment(app.db, req.user!, Number((req.params as any).id));
    const inline = isInlineType(a.mime) && (req.query as Body).download !== "1";
    await audit(req, "download.evidence", { target: `佐证材料 ${a.id}`, detail: a.originalName });
    reply.header("Content-Disposition", contentDisposition(a.originalName, inline ? "inline" : "attachment"));
    reply.header("Cache-Control", "private, max-age=3600");
    return reply.type(a.mime).send(createReadStream(join(app.config.evidenceDir, a.storedFile)));
  });
}
