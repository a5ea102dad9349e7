// 迁入导入: the organisation list, the roster (admin) and the 在办台账 (leader). Thin.
//   GET  /movein                      the three uploads and my open drafts
//   POST /movein/units | /movein/people | /movein/ledger   a file → a draft
//   GET  /movein/drafts/:id           preview (units, people) or review (ledger); survives reloads
//   POST /movein/drafts/:id/map       the mapping step: a column → a field
//   POST /movein/drafts/:id/ledger    the ledger review's edits (a row, a choice, bulk, settings)
//   POST /movein/drafts/:id/confirm   确认导入;  POST …/discard
//   POST /movein/notices              new one-time links for chosen people, as printable 账号开通通知
//   GET|POST /welcome/:token          a one-time sign-in link: set a password (no session needed)
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { requireUser, assertCsrf } from "../../plugins/auth.ts";
import { isHtmx } from "../../plugins/views.ts";
import { setFlash } from "../../plugins/flash.ts";
import { DomainError, ForbiddenError, ValidationError } from "../../lib/errors.ts";
import { dayIn } from "../../lib/dates.ts";
import { positiveInt } from "../../lib/http.ts";
import { readMultipart } from "../../lib/multipart.ts";
import { audit } from "../audit/service.ts";
import { createMailer, type Mailer } from "../reminders/mailer.ts";
import { assignableUnits, assignableUsers } from "../tasks/service.ts";
import { SHEET_ACCEPT } from "./sheet.ts";
import * as svc from "./service.ts";
import * as ledger from "./ledger-service.ts";
import { linkAccount, linkUrl, mailLinks, reissueLinks, setPasswordByLink, LINK_DAYS, type IssuedLink } from "./links.ts";

type Body = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[v.length - 1] : v);
const many = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export async function moveinRoutes(app: FastifyInstance) {
  let mailer: Mailer | null = null;
  const getMailer = () => (mailer ??= createMailer(app.config));
  app.addHook("onClose", async () => mailer?.close());
  const ctx = (req: FastifyRequest): svc.Ctx => {
    const now = app.clock();
    return { db: app.db, actor: req.user!, now, today: dayIn(app.config.timeZone, now) };
  };
  const maxMb = () => Math.round(app.config.reportMaxBytes / 1024 / 1024);
  const notStaff = (req: FastifyRequest) => {
    if (req.user!.role !== "admin" && req.user!.role !== "leader") throw new ForbiddenError("只有管理员和领导可以使用迁入导入");
  };

  async function renderIndex(req: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const c = ctx(req);
    return reply.render("movein/index", { title: "迁入导入", accept: SHEET_ACCEPT, maxMb: maxMb(), drafts: await svc.myMoveinDrafts(c), units: c.actor.role === "staff" ? [] : await assignableUnits(app.db, c.actor), reports: await ledger.reportChoices(c), errors: {}, values: { unitId: c.actor.unitId }, linkDays: LINK_DAYS, ...extra }, status);
  }
  app.get("/movein", { preHandler: requireUser }, (req, reply) => {
    notStaff(req);
    return renderIndex(req, reply);
  });

  for (const kind of ["units", "people", "ledger"] as const) {
    app.post(`/movein/${kind}`, { preHandler: requireUser }, async (req, reply) => {
      notStaff(req);
      let fields: Record<string, string | undefined> = {};
      try {
        const form = await readMultipart(req, app.config.reportMaxBytes, { maxFiles: 1 });
        fields = form.fields;
        assertCsrf(req, fields._csrf);
        const file = form.files[0];
        const id = kind === "ledger" ? await ledger.createLedgerDraft(ctx(req), { unitId: positiveInt(fields.unitId) ?? null, reportId: positiveInt(fields.reportId) ?? null, file }) : await svc.createOrgDraft(ctx(req), kind, file);
        await audit(req, "movein.upload", { target: `草稿 ${id}`, detail: `${svc.KIND_LABEL[kind]}：${file?.filename}（${file?.data.length} 字节）` });
        return reply.redirect(`/movein/drafts/${id}`, 303);
      } catch (e) {
        if (!(e instanceof DomainError) || e.status === 403) throw e;
        return renderIndex(req, reply, { errorKind: kind, error: e.message, values: { unitId: positiveInt(fields.unitId), reportId: positiveInt(fields.reportId) } }, e.status);
      }
    });
  }

  async function renderDraft(req: FastifyRequest, reply: FastifyReply, id: number, extra: Record<string, unknown> = {}, status = 200) {
    const c = ctx(req);
    const d = await svc.loadDraft(c, id);
    if (d.kind === "ledger") {
      if (d.status === "confirmed" && d.reportId) {
        if (isHtmx(req)) return reply.header("HX-Redirect", `/reports/${d.reportId}`).send("");
        return reply.redirect(`/reports/${d.reportId}`, 303);
      }
      const people = await assignableUsers(app.db, c.actor);
      return reply.render(isHtmx(req) ? "movein/_ledger" : "movein/ledger", { title: "核对台账导入", v: await ledger.getLedgerReview(c, id), units: await assignableUnits(app.db, c.actor), owners: people.filter((p) => p.role !== "admin"), leaders: people.filter((p) => p.role === "leader"), ...extra }, status);
    }
    const p = await svc.getOrgPreview(c, id);
    return reply.render("movein/org-preview", { title: `导入${svc.KIND_LABEL[p.kind]}：预览`, p, ...extra }, status);
  }
  app.get("/movein/drafts/:id", { preHandler: requireUser }, (req, reply) => {
    notStaff(req);
    // ?edit=<row key>: that row's form open (the others' forms are not sent: a ledger of hundreds of rows stays light)
    const edit = (req.query as Record<string, string | undefined>).edit;
    return renderDraft(req, reply, Number((req.params as { id: string }).id), { edit: edit && /^r\d{1,6}$/.test(edit) ? edit : undefined });
  });

  app.post("/movein/drafts/:id/map", { preHandler: requireUser }, async (req, reply) => {
    notStaff(req);
    const id = Number((req.params as { id: string }).id);
    const b = req.body as Body;
    // every unknown column's select is posted at once: col-<index> = field key
    for (const [k, v] of Object.entries(b)) {
      const m = k.match(/^col-(\d+)$/);
      if (m) await svc.remapColumn(ctx(req), id, Number(m[1]), one(v) ?? "");
    }
    if ((await svc.loadDraft(ctx(req), id)).kind === "ledger") await ledger.rebuildLedgerRows(ctx(req), id);
    return reply.redirect(`/movein/drafts/${id}`, 303);
  });

  app.post("/movein/drafts/:id/ledger", { preHandler: requireUser }, async (req, reply) => {
    notStaff(req);
    const id = Number((req.params as { id: string }).id);
    const b = req.body as Body;
    try {
      const op = ledger.opOf(b, many);
      await ledger.updateLedgerDraft(ctx(req), id, op);
      if (!isHtmx(req)) return reply.redirect(`/movein/drafts/${id}${op.op === "row" ? `#row-${op.key}` : ""}`, 303);
      return renderDraft(req, reply, id, { flash: ledger.OP_DONE[op.op] });
    } catch (e) {
      if (!(e instanceof DomainError) || e.status === 403 || e.status === 404) throw e;
      return renderDraft(req, reply, id, { error: e.message }, e.status);
    }
  });

  app.post("/movein/drafts/:id/confirm", { preHandler: requireUser }, async (req, reply) => {
    notStaff(req);
    const id = Number((req.params as { id: string }).id);
    const c = ctx(req);
    const d = await svc.loadDraft(c, id);
    if (d.kind === "ledger") {
      try {
        const r = await ledger.confirmLedgerDraft(c, id);
        await audit(req, "movein.confirm", { target: `report ${r.reportId}`, detail: `台账《${d.originalName}》：${r.created} 项任务` });
        setFlash(reply, `已由台账导入 ${r.created} 项整改任务`);
        if (isHtmx(req)) return reply.header("HX-Redirect", `/reports/${r.reportId}`).send("");
        return reply.redirect(`/reports/${r.reportId}`, 303);
      } catch (e) {
        if (!(e instanceof DomainError) || e.status === 403 || e.status === 404) throw e;
        return renderDraft(req, reply, id, { error: e.message, confirmErrors: (e as ValidationError).fields }, e.status);
      }
    }
    const r = await svc.confirmOrgDraft(c, id);
    await audit(req, "movein.confirm", { target: `草稿 ${id}`, detail: `${svc.KIND_LABEL[d.kind]}《${d.originalName}》：新增 ${r.created}，更新 ${r.updated}，未变 ${r.unchanged}，未导入 ${r.refused.length}` });
    const mailed = r.links.length ? await mailLinks(getMailer(), app.config.baseUrl, r.links, c.now) : { sent: 0, failed: [] };
    return reply.render("movein/org-done", { title: "导入完成", kind: d.kind, label: svc.KIND_LABEL[d.kind], r, mailed, shown: r.links.filter((l) => l.noMail || mailed.failed.some((f) => f.name === l.name)).map((l) => ({ ...l, url: linkUrl(app.config.baseUrl, l.token) })) });
  });

  app.post("/movein/drafts/:id/discard", { preHandler: requireUser }, async (req, reply) => {
    notStaff(req);
    await svc.discardDraft(ctx(req), Number((req.params as { id: string }).id));
    setFlash(reply, "已放弃这次导入，未写入任何内容");
    return reply.redirect("/movein", 303);
  });

  // 账号开通通知: new links (the old ones stop working), printed one person a page
  app.post("/movein/notices", { preHandler: requireUser }, async (req, reply) => {
    if (req.user!.role !== "admin") throw new ForbiddenError("只有系统管理员可以生成账号开通通知");
    const ids = many((req.body as Body).userIds).map((v) => positiveInt(v)).filter((v): v is number => !!v);
    if (!ids.length) throw new ValidationError("请勾选要打印开通通知的人员");
    const links: IssuedLink[] = await reissueLinks(app.db, ids, req.user!.id, app.clock());
    await audit(req, "account.link", { target: ids.map((i) => `user ${i}`).join(",").slice(0, 400), detail: `生成 ${links.length} 份账号开通通知` });
    return reply.render("movein/notice", { title: "账号开通通知", links: links.map((l) => ({ ...l, url: linkUrl(app.config.baseUrl, l.token) })), baseUrl: app.config.baseUrl });
  });

  // ── the link itself: no session ──
  app.get("/welcome/:token", async (req, reply) => {
    const token = (req.params as { token: string }).token;
    const acc = await linkAccount(app.db, token, app.clock());
    reply.header("Referrer-Policy", "no-referrer");
    if (!acc.ok) return reply.render("movein/welcome", { title: "设置密码", error: acc.message, token: null }, 410);
    return reply.render("movein/welcome", { title: "设置密码", acc, token });
  });
  app.post("/welcome/:token", async (req, reply) => {
    const token = (req.params as { token: string }).token;
    const b = req.body as Record<string, string | undefined>;
    try {
      const r = await setPasswordByLink(app.db, token, b.password ?? "", b.confirm ?? "", app.clock());
      await audit(req, "password", { userId: r.userId, userName: r.email, detail: "通过一次性登录链接设置密码" });
      setFlash(reply, "密码已设置，请用登录账号和新密码登录");
      return reply.redirect(`/login`, 303);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      const acc = await linkAccount(app.db, token, app.clock());
      return reply.render("movein/welcome", { title: "设置密码", acc: acc.ok ? acc : null, token: acc.ok ? token : null, error: e.message }, e.status);
    }
  });
}
