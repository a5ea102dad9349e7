// The organisation tree and the accounts. Used by the admin pages, the CLI and the demo seed.
import { asc, eq, inArray, like, sql } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";
import { units, users, tasks } from "../../../db/schema.ts";
import { ValidationError, NotFoundError } from "../../lib/errors.ts";
import { MONTHS_MAX } from "../recheck/plan.ts";
import { UNIT_KINDS, RATINGS, RATINGS_TO_RECTIFY, type UnitKind, type Rating } from "../../lib/labels.ts";
import { hashPassword, passwordProblem } from "../auth/passwords.ts";
import { directory } from "../../lib/directory.ts";
import { pageOf, type Paged } from "../../lib/paging.ts";
import { endSessionsOf } from "../auth/service.ts";
import { ROLES, ROLE_LABEL, type Role } from "../auth/permissions.ts";
import { normalizeMobile } from "../channels/robots.ts";

export type UnitInput = {
  code: string;
  name: string;
  kind: string;
  parentId: number | null;
  rating?: string | null;
  ratingYear?: number | null;
  requireSignoffCheck?: boolean;
  /** 佐证材料必传 (default on) */
  requireEvidence?: boolean;
  secretaryId?: number | null;
  overseerId?: number | null;
  /** 回头看: months after 销号 (null: 3; 0: none), and 长期坚持's period (null: 6) */
  recheckMonths?: number | null;
  recheckOngoingMonths?: number | null;
};

async function checkUnit(db: Db, input: UnitInput, selfId?: number) {
  const errors: Record<string, string> = {};
  const code = input.code.trim();
  const name = input.name.trim();
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(code)) errors.code = "单位代码为 1–40 位字母、数字、- 或 _";
  else {
    const dup = (await db.select({ id: units.id }).from(units).where(eq(units.code, code)))[0];
    if (dup && dup.id !== selfId) errors.code = "单位代码已被使用";
  }
  if (!name) errors.name = "请填写单位名称";
  if (!(UNIT_KINDS as readonly string[]).includes(input.kind)) errors.kind = "请选择单位类型";
  let parentPath = "/";
  if (input.parentId) {
    const p = (await db.select().from(units).where(eq(units.id, input.parentId)))[0];
    if (!p) errors.parentId = "上级单位不存在";
    else if (selfId && p.path.includes(`/${selfId}/`)) errors.parentId = "不能把单位移到它自己或其下级单位之下";
    else parentPath = p.path;
  }
  const rating = input.rating || null;
  if (rating && !(RATINGS as readonly string[]).includes(rating)) errors.rating = "评定等次无效";
  if (rating && !input.ratingYear) errors.ratingYear = "请填写评定年度";
  for (const k of ["recheckMonths", "recheckOngoingMonths"] as const) {
    const m = input[k];
    if (m !== null && m !== undefined && !(Number.isInteger(m) && m >= 0 && m <= MONTHS_MAX)) errors[k] = `回头看间隔为 0–${MONTHS_MAX} 个整月（0 为不安排，留空为默认）`;
  }
  if (input.ratingYear && (input.ratingYear < 2000 || input.ratingYear > 2100)) errors.ratingYear = "评定年度无效";
  for (const f of ["secretaryId", "overseerId"] as const) {
    const id = input[f];
    if (id && !(await db.select({ id: users.id }).from(users).where(eq(users.id, id)))[0]) errors[f] = "所选人员不存在";
  }
  if (Object.keys(errors).length) throw new ValidationError("请修正标出的内容", errors);
  return { code, name, kind: input.kind as UnitKind, parentId: input.parentId, parentPath, rating: rating as Rating | null, ratingYear: rating ? (input.ratingYear ?? null) : null };
}

export async function createUnit(db: Db, input: UnitInput): Promise<number> {
  return db.tx(async () => {
    const v = await checkUnit(db, input);
    const [{ id }] = await db
      .insert(units)
      .values({ code: v.code, name: v.name, kind: v.kind, parentId: v.parentId, rating: v.rating, ratingYear: v.ratingYear, requireSignoffCheck: input.requireSignoffCheck ?? true, requireEvidence: input.requireEvidence ?? true, secretaryId: input.secretaryId ?? null, overseerId: input.overseerId ?? null, recheckMonths: input.recheckMonths ?? null, recheckOngoingMonths: input.recheckOngoingMonths ?? null })
      .returning({ id: units.id });
    await db.update(units).set({ path: `${v.parentPath}${id}/` }).where(eq(units.id, id));
    return id;
  });
}

/** Saves a unit; returns whether its rating became one that calls for 整顿转化. */
export async function updateUnit(db: Db, id: number, input: UnitInput): Promise<{ becameFlagged: boolean }> {
  return db.tx(async () => {
    const old = (await db.select().from(units).where(eq(units.id, id)))[0];
    if (!old) throw new NotFoundError("单位不存在");
    const v = await checkUnit(db, input, id);
    const newPath = `${v.parentPath}${id}/`;
    await db
      .update(units)
      .set({ code: v.code, name: v.name, kind: v.kind, parentId: v.parentId, rating: v.rating, ratingYear: v.ratingYear, requireSignoffCheck: input.requireSignoffCheck ?? true, requireEvidence: input.requireEvidence ?? true, secretaryId: input.secretaryId ?? null, overseerId: input.overseerId ?? null, recheckMonths: input.recheckMonths ?? null, recheckOngoingMonths: input.recheckOngoingMonths ?? null })
      .where(eq(units.id, id));
    if (newPath !== old.path) {
      // move the whole subtree
      await db
        .update(units)
        .set({ path: sql`CAST(${newPath} AS TEXT) || substr(${units.path}, CAST(${old.path.length + 1} AS INTEGER))` })
        .where(like(units.path, `${old.path}%`));
    }
    const flagged = (r: string | null) => !!r && (RATINGS_TO_RECTIFY as readonly string[]).includes(r);
    return { becameFlagged: flagged(v.rating) && (!flagged(old.rating) || old.ratingYear !== v.ratingYear) };
  });
}

export async function listUnits(db: Db) {
  return (await db.select().from(units).orderBy(asc(units.path))).map((u) => ({ ...u, depth: u.path.split("/").length - 3 }));
}

export async function getUnit(db: Db, id: number) {
  const u = (await db.select().from(units).where(eq(units.id, id)))[0];
  if (!u) throw new NotFoundError("单位不存在");
  return u;
}

export async function unitByCode(db: Db, code: string) {
  return (await db.select().from(units).where(eq(units.code, code)))[0];
}

/** open 整顿转化 tasks for a unit */
export async function rectificationTasksOf(db: Db, unitId: number) {
  return db.select({ id: tasks.id, title: tasks.title, state: tasks.state }).from(tasks).where(eq(tasks.linkedUnitId, unitId));
}

export type UserInput = { email: string; name: string; role: string; unitId: number | null; password?: string; active?: boolean; /** 手机: "" clears it; undefined leaves it */ mobile?: string };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const activeAdmins = async (db: Db) => (await db.select({ n: sql<number>`count(*)` }).from(users).where(sql`${users.role} = 'admin' AND ${users.active} = 1`))[0]!.n;

/**
 * What is wrong with an account's input: a new one's (`old` undefined: a password is required)
 * or an edit of `old`. Throws ValidationError with every field's message. Run before hashing
 * the password, and again in the writing transaction (another server may have taken the email
 * or the last admin in between).
 */
async function checkUser(db: Db, input: UserInput, old?: typeof users.$inferSelect): Promise<string> {
  const errors: Record<string, string> = {};
  const email = input.email.trim().toLowerCase();
  if (!EMAIL.test(email)) errors.email = "邮箱格式不正确";
  else {
    const dup = (await db.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${email}`))[0];
    if (dup && dup.id !== old?.id) errors.email = "该邮箱已有账号";
  }
  if (!input.name.trim()) errors.name = "请填写姓名";
  if (input.mobile?.trim() && !normalizeMobile(input.mobile)) errors.mobile = "手机号应为 11 位数字，如 13800138000";
  if (!(ROLES as string[]).includes(input.role)) errors.role = old ? "请选择角色" : `角色须为 ${ROLES.join("、")} 之一`;
  if (!input.unitId || !(await db.select({ id: units.id }).from(units).where(eq(units.id, input.unitId)))[0]) errors.unitId = "请选择所在单位";
  if (!old || input.password) {
    const pw = passwordProblem(input.password ?? "");
    if (pw) errors.password = pw;
  }
  if (old?.role === "admin" && (input.role !== "admin" || input.active === false)) {
    if ((await activeAdmins(db)) <= 1) errors.role = "至少要保留一个在用的管理员账号";
  }
  if (Object.keys(errors).length) throw new ValidationError((old ? "账号未保存：" : "账号未创建：") + Object.values(errors)[0], errors);
  return email;
}

export async function createUser(db: Db, input: UserInput): Promise<number> {
  await checkUser(db, input);
  // hashed before the transaction: the writers' turn is not held while argon2 works
  const passwordHash = await hashPassword(input.password!);
  return db.tx(async () => {
    const email = await checkUser(db, input);
    const [{ id }] = await db
      .insert(users)
      .values({ email, name: input.name.trim(), role: input.role as "staff", unitId: input.unitId!, passwordHash, active: input.active ?? true, mobile: normalizeMobile(input.mobile) })
      .returning({ id: users.id });
    return id;
  });
}

export async function updateUser(db: Db, id: number, input: UserInput): Promise<void> {
  const before = (await db.select().from(users).where(eq(users.id, id)))[0];
  if (!before) throw new NotFoundError("账号不存在");
  await checkUser(db, input, before);
  // hashed before the transaction: the writers' turn is not held while argon2 works
  const passwordHash = input.password ? await hashPassword(input.password) : undefined;
  await db.tx(async () => {
    const old = (await db.select().from(users).where(eq(users.id, id)))[0];
    if (!old) throw new NotFoundError("账号不存在");
    const email = await checkUser(db, input, old);
    const set: Partial<typeof users.$inferInsert> = { email, name: input.name.trim(), role: input.role as "staff", unitId: input.unitId!, active: input.active ?? true };
    if (passwordHash) set.passwordHash = passwordHash;
    if (input.mobile !== undefined) set.mobile = normalizeMobile(input.mobile);
    await db.update(users).set(set).where(eq(users.id, id));
    if (input.active === false || input.password || input.role !== old.role) await endSessionsOf(db, id);
  });
}

/** 安全管理员 gives an account another role; nobody changes their own. Returns the old role. */
export async function setRole(db: Db, actorId: number, id: number, role: string): Promise<Role> {
  return db.tx(async () => {
    const old = (await db.select().from(users).where(eq(users.id, id)))[0];
    if (!old) throw new NotFoundError("账号不存在");
    if (!(ROLES as string[]).includes(role)) throw new ValidationError("请选择角色");
    if (id === actorId) throw new ValidationError("不能变更自己的角色");
    if (old.role === role) return old.role;
    if (old.role === "admin" && (await activeAdmins(db)) <= 1) throw new ValidationError(`至少要保留一个在用的${ROLE_LABEL.admin}账号`);
    await db.update(users).set({ role: role as Role }).where(eq(users.id, id));
    await endSessionsOf(db, id);
    return old.role;
  });
}

export const ADMIN_PAGE_SIZE = 50;

/**
 * 单位管理, a page at a time: the units in tree order from the directory (kept in memory until the
 * tree changes), then the page's own columns by id. Nothing sorted or read per request but the page.
 */
export async function unitsPage(db: Db, requested: number | undefined): Promise<Paged<Awaited<ReturnType<typeof listUnits>>[number]>> {
  const p = pageOf((await directory(db)).unitsInOrder, requested, ADMIN_PAGE_SIZE);
  const byId = new Map((await db.select().from(units).where(inArray(units.id, p.rows.map((u) => u.id)))).map((u) => [u.id, u]));
  return { ...p, rows: p.rows.map((d) => byId.get(d.id)!).filter(Boolean).map((u) => ({ ...u, depth: u.path.split("/").length - 3 })) };
}

/** 账号管理, a page at a time: everyone in the directory's order (unit's path, name), then the page's rows by id. */
export async function usersPage(db: Db, requested: number | undefined): Promise<Paged<Awaited<ReturnType<typeof listUsers>>[number]>> {
  const p = pageOf((await directory(db)).derived("everyone", (dir) => [...dir.users.values()]), requested, ADMIN_PAGE_SIZE);
  const byId = new Map((await usersQuery(db).where(inArray(users.id, p.rows.map((u) => u.id)))).map((u) => [u.id, u]));
  return { ...p, rows: p.rows.map((d) => byId.get(d.id)!).filter(Boolean) };
}

function usersQuery(db: Db) {
  return db
    .select({ id: users.id, email: users.email, name: users.name, role: users.role, active: users.active, unitId: users.unitId, unitName: units.name, lockedUntil: users.lockedUntil })
    .from(users)
    .innerJoin(units, eq(units.id, users.unitId))
    .$dynamic();
}

export async function listUsers(db: Db) {
  return usersQuery(db).orderBy(asc(units.path), asc(users.name));
}
