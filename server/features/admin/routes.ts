// 单位管理 and 账号管理 (admin only), and the system settings.
import { positiveInt } from "../../lib/http.ts";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { eq } from "drizzle-orm";
import { requireAdmin } from "../../plugins/auth.ts";
import { setFlash } from "../../plugins/flash.ts";
import { DomainError, ForbiddenError, NotFoundError, ValidationError } from "../../lib/errors.ts";
import { isIsoDay, dayIn } from "../../lib/dates.ts";
import { users } from "../../../db/schema.ts";
import * as svc from "./service.ts";
import { getSetting, setSetting } from "./settings.ts";
import { normalizeMobile } from "../channels/robots.ts";
import { audit } from "../audit/service.ts";
import { grantableRoles, mayEditAccount, ROLE_LABEL, type Role } from "../auth/permissions.ts";

type Body = Record<string, string | undefined>;
const int = (v: unknown) => positiveInt(v) ?? null;

function unitInput(b: Body): svc.UnitInput {
  return {
    code: b.code ?? "",
    name: b.name ?? "",
    kind: b.kind ?? "",
    parentId: int(b.parentId),
    rating: b.rating || null,
    ratingYear: int(b.ratingYear),
    requireSignoffCheck: b.requireSignoffCheck === "1",
    requireEvidence: b.requireEvidence === "1",
    secretaryId: int(b.secretaryId),
    overseerId: int(b.overseerId),
    // 回头看: blank → the default; "0" turns it off
    recheckMonths: b.recheckMonths?.trim() ? Number(b.recheckMonths) : null,
    recheckOngoingMonths: b.recheckOngoingMonths?.trim() ? Number(b.recheckOngoingMonths) : null,
  };
}

function userInput(b: Body): svc.UserInput {
  return { email: b.email ?? "", name: b.name ?? "", role: b.role ?? "", unitId: int(b.unitId), password: b.password || undefined, active: b.active === "1", mobile: b.mobile };
}

export async function adminRoutes(app: FastifyInstance) {
  app.addHook("preHandler", async (req, reply) => {
    if (req.url.startsWith("/admin")) await requireAdmin(req, reply);
  });
  const people = async () => (await svc.listUsers(app.db)).filter((u) => u.active);
  const settingsData = async () => ({ yellowDays: await getSetting(app.db, "yellowDays"), periodEnd: await getSetting(app.db, "periodEnd") });
  const page = (req: FastifyRequest) => positiveInt((req.query as Body).page);
  const unitsPage = async (req: FastifyRequest, extra: Record<string, unknown> = {}) => ({ title: "单位管理", list: await svc.unitsPage(app.db, page(req)), query: req.query, settings: await settingsData(), ...extra });

  app.get("/admin/units", async (req, reply) => reply.render("admin/units", await unitsPage(req)));

  app.get("/admin/units/new", async (req, reply) =>
    reply.render("admin/unit-form", { title: "新增单位", values: { kind: "branch", requireSignoffCheck: true, requireEvidence: true, parentId: int((req.query as Body).parent) }, errors: {}, units: await svc.listUnits(app.db), people: await people() }),
  );

  app.post("/admin/units", async (req, reply) => {
    const b = req.body as Body;
    try {
      const id = await svc.createUnit(app.db, unitInput(b));
      await audit(req, "unit.create", { target: `单位 ${id}`, detail: `${b.code ?? ""} ${b.name ?? ""}` });
      setFlash(reply, `已新增单位“${b.name}”`);
      return reply.redirect("/admin/units", 303);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      return reply.render("admin/unit-form", { title: "新增单位", values: { ...b, requireSignoffCheck: b.requireSignoffCheck === "1", requireEvidence: b.requireEvidence === "1" }, errors: e.fields, error: e.message, units: await svc.listUnits(app.db), people: await people() }, e.status);
    }
  });

  app.get("/admin/units/:id", async (req, reply) => {
    const u = await svc.getUnit(app.db, Number((req.params as any).id));
    return reply.render("admin/unit-form", { title: `编辑单位：${u.name}`, unit: u, values: u, errors: {}, units: await svc.listUnits(app.db), people: await people(), rectTasks: await svc.rectificationTasksOf(app.db, u.id), offer: (req.query as Body).offer === "1" ? await offerFor(u) : null });
  });

  /** The 整顿转化 task the form offers to open for a branch rated 后进/软弱涣散. */
  async function offerFor(u: Awaited<ReturnType<typeof svc.getUnit>>) {
    const year = u.ratingYear ?? "";
    const q = new URLSearchParams({
      unit: String(u.id),
      linkedUnit: String(u.id),
      title: `${u.name}${year}年度评定为${u.rating === "weak" ? "软弱涣散" : "后进"}党组织，开展整顿转化`,
      goal: "完成整顿转化，下一年度分类定级达到“一般”及以上等次",
      deadline: (await getSetting(app.db, "periodEnd")) || `${dayIn(app.config.timeZone, app.clock()).slice(0, 4)}-12-31`,
    });
    if (u.secretaryId) q.set("owner", String(u.secretaryId));
    if (u.overseerId) q.set("leader", String(u.overseerId));
    return `/tasks/new?${q}`;
  }

  app.post("/admin/units/:id", async (req, reply) => {
    const id = Number((req.params as any).id);
    const b = req.body as Body;
    try {
      const { becameFlagged } = await svc.updateUnit(app.db, id, unitInput(b));
      await audit(req, "unit.update", { target: `单位 ${id}`, detail: `${b.code ?? ""} ${b.name ?? ""}${b.rating ? " 定级 " + b.rating : ""}` });
      setFlash(reply, becameFlagged ? "已保存。该党组织被评定为后进/软弱涣散，可为其开启整顿转化任务。" : "单位已保存");
      return reply.redirect(becameFlagged ? `/admin/units/${id}?offer=1` : "/admin/units", 303);
    } catch (e) {
      if (!(e instanceof DomainError) || e.status === 404) throw e;
      const u = await svc.getUnit(app.db, id);
      return reply.render("admin/unit-form", { title: `编辑单位：${u.name}`, unit: u, values: { ...b, requireSignoffCheck: b.requireSignoffCheck === "1", requireEvidence: b.requireEvidence === "1" }, errors: e.fields, error: e.message, units: await svc.listUnits(app.db), people: await people(), rectTasks: await svc.rectificationTasksOf(app.db, u.id) }, e.status);
    }
  });

  app.post("/admin/settings", async (req, reply) => {
    const b = req.body as Body;
    const yellow = Number(b.yellowDays);
    const errors: Record<string, string> = {};
    if (!Number.isInteger(yellow) || yellow < 0 || yellow > 30) errors.yellowDays = "黄灯天数应为 0–30 的整数";
    if (b.periodEnd && !isIsoDay(b.periodEnd)) errors.periodEnd = "整改期截止日期无效";
    if (Object.keys(errors).length) return reply.render("admin/units", await unitsPage(req, { errors, error: "设置未保存：" + Object.values(errors)[0] }), 422);
    const nowIso = app.clock().toISOString();
    // both settings in one transaction: saved together or not at all
    await app.db.tx(async () => {
      await setSetting(app.db, "yellowDays", yellow, nowIso);
      await setSetting(app.db, "periodEnd", b.periodEnd ?? "", nowIso);
    });
    await audit(req, "settings.update", { target: "系统设置", detail: `黄灯天数 ${yellow}；整改期截止 ${b.periodEnd || "—"}` });
    setFlash(reply, "设置已保存");
    return reply.redirect("/admin/units", 303);
  });

  // ── accounts ──
  /** the roles the form offers: those admin may grant, and the account's own */
  const roleChoices = (req: FastifyRequest, current?: string) => {
    const grantable: string[] = grantableRoles(req.user!);
    return current && !grantable.includes(current) ? [current, ...grantable] : grantable;
  };
  /** admin gives only the working roles; the others are the 安全管理员's to give */
  const checkRole = (req: FastifyRequest, role: string | undefined, old?: Role) => {
    if (role === old || (grantableRoles(req.user!) as string[]).includes(role ?? "")) return;
    throw new ValidationError(`${ROLE_LABEL.admin}只能设置领导、工作人员角色；其他角色由${ROLE_LABEL.security}授予`, { role: "无权授予此角色" });
  };
  const editable = (u: typeof users.$inferSelect | undefined) => {
    if (!u) throw new NotFoundError("账号不存在");
    if (!mayEditAccount({ role: "admin" }, u.role)) throw new ForbiddenError(`${ROLE_LABEL.security}、${ROLE_LABEL.auditor}的账号不由${ROLE_LABEL.admin}管理`);
    return u;
  };
  app.get("/admin/users", async (req, reply) => reply.render("admin/users", { title: "账号管理", list: await svc.usersPage(app.db, page(req)), query: req.query }));
  app.get("/admin/users/new", async (req, reply) => reply.render("admin/user-form", { title: "新增账号", values: { role: "staff", active: true }, errors: {}, units: await svc.listUnits(app.db), roles: roleChoices(req) }));
  app.post("/admin/users", async (req, reply) => {
    const b = req.body as Body;
    try {
      checkRole(req, b.role);
      const id = await svc.createUser(app.db, userInput({ ...b, active: "1" }));
      await audit(req, "account.create", { target: `账号 ${id}`, detail: `${b.email} ${b.name} ${b.role}` });
      setFlash(reply, `已新增账号 ${b.email}`);
      return reply.redirect("/admin/users", 303);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      return reply.render("admin/user-form", { title: "新增账号", values: { ...b, password: "" }, errors: e.fields, error: e.message, units: await svc.listUnits(app.db), roles: roleChoices(req) }, e.status);
    }
  });
  app.get("/admin/users/:id", async (req, reply) => {
    const u = editable((await app.db.select().from(users).where(eq(users.id, Number((req.params as any).id))))[0]);
    return reply.render("admin/user-form", { title: `编辑账号：${u.name}`, account: u, values: u, errors: {}, units: await svc.listUnits(app.db), roles: roleChoices(req, u.role) });
  });
  app.post("/admin/users/:id", async (req: FastifyRequest, reply) => {
    const id = Number((req.params as any).id);
    const b = req.body as Body;
    const old = editable((await app.db.select().from(users).where(eq(users.id, id)))[0]);
    try {
      checkRole(req, b.role, old.role);
      await svc.updateUser(app.db, id, userInput(b));
      const changed = [old.email !== (b.email ?? "").trim().toLowerCase() && "邮箱", old.name !== (b.name ?? "").trim() && "姓名", old.role !== b.role && "角色", String(old.unitId) !== b.unitId && "单位", old.active !== (b.active === "1") && (b.active === "1" ? "启用" : "停用"), b.mobile !== undefined && (old.mobile ?? "") !== (normalizeMobile(b.mobile) ?? "") && "手机", b.password && "重设密码"].filter(Boolean);
      await audit(req, "account.update", { target: `账号 ${id}`, detail: `${old.email}：${changed.join("、") || "未改动"}` });
      setFlash(reply, "账号已保存");
      return reply.redirect("/admin/users", 303);
    } catch (e) {
      if (!(e instanceof DomainError) || e.status === 404) throw e;
      return reply.render("admin/user-form", { title: `编辑账号：${old.name}`, account: old, values: { ...b, password: "", active: b.active === "1" }, errors: e.fields, error: e.message, units: await svc.listUnits(app.db), roles: roleChoices(req, old.role) }, e.status);
    }
  });
}
