// Moving in: an organisation list and a roster (admin), through a draft: upload → preview (the
// plan of org.ts) → 确认导入 (the plan, made again on the data of that moment, written in one
// transaction). New people get a one-time sign-in link (links.ts).
import { and, asc, desc, eq } from "drizzle-orm";
import { createHash } from "node:crypto";
import type { Db } from "../../../db/client.ts";
import { moveinDrafts, units, users } from "../../../db/schema.ts";
import type { Actor } from "../auth/permissions.ts";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../lib/errors.ts";
import { createUnit, updateUnit, updateUser } from "../admin/service.ts";
import { recordAudit } from "../audit/service.ts";
import { readTables, remap, records, missingFields, unknownColumns, SheetError, type FieldSpec, type Table } from "./sheet.ts";
import { PEOPLE_FIELDS, UNIT_FIELDS } from "./fields.ts";
import { planPeople, planUnits, summarize, type PersonPlan, type UnitPlan, type ExistingUser, type ExistingUnit } from "./org.ts";
import { issueLink, type IssuedLink } from "./links.ts";
import { yearIn } from "./words.ts";

export type Ctx = { db: Db; actor: Actor & { name?: string }; now: Date; today: string };
export type OrgKind = "units" | "people";
export const ORG_FIELDS: Record<OrgKind, FieldSpec[]> = { units: UNIT_FIELDS, people: PEOPLE_FIELDS };
export const KIND_LABEL = { units: "组织架构", people: "人员名单", ledger: "整改台账" } as const;

export type OrgPayload = { tables: Table[] };

export const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

function assertAdmin(actor: Actor) {
  if (actor.role !== "admin") throw new ForbiddenError("只有系统管理员可以导入组织架构和人员");
}

/** Reads a file into tables, with the reader's message as a form error. */
export function tablesOf(data: Buffer, filename: string, fields: FieldSpec[]): Table[] {
  try {
    return readTables(data, filename, fields);
  } catch (e) {
    if (e instanceof SheetError) throw new ValidationError(e.message, { file: e.message });
    throw e;
  }
}

export async function createOrgDraft(c: Ctx, kind: OrgKind, file: { filename: string; data: Buffer } | undefined): Promise<number> {
  assertAdmin(c.actor);
  if (!file) throw new ValidationError("请选择要导入的表格文件", { file: "请选择文件" });
  const tables = tablesOf(file.data, file.filename, ORG_FIELDS[kind]);
  const nowIso = c.now.toISOString();
  const payload: OrgPayload = { tables: tables.slice(0, 1) };
  return c.db.tx(async () => (await c.db.insert(moveinDrafts).values({ userId: c.actor.id, kind, originalName: file.filename.replace(/[\\/]/g, "_").slice(-200), sha256: sha256(file.data), payloadJson: JSON.stringify(payload), createdAt: nowIso, updatedAt: nowIso }).returning({ id: moveinDrafts.id }))[0].id);
}

export async function loadDraft(c: Ctx, id: number, kind?: string) {
  const d = (await c.db.select().from(moveinDrafts).where(eq(moveinDrafts.id, id)))[0];
  if (!d || (kind && d.kind !== kind)) throw new NotFoundError("导入草稿不存在");
  if (d.userId !== c.actor.id && c.actor.role !== "admin") throw new ForbiddenError("这是其他人的导入草稿");
  return d;
}

async function existingUnits(db: Db): Promise<ExistingUnit[]> {
  return db.select({ id: units.id, code: units.code, name: units.name, kind: units.kind, parentId: units.parentId, rating: units.rating, ratingYear: units.ratingYear, secretaryId: units.secretaryId, overseerId: units.overseerId }).from(units).orderBy(asc(units.path));
}
async function existingUsers(db: Db): Promise<ExistingUser[]> {
  return db.select({ id: users.id, name: users.name, email: users.email, role: users.role, unitId: users.unitId, active: users.active }).from(users);
}

/** The plan of a draft on the data of now. */
export async function planOf(db: Db, kind: OrgKind, t: Table): Promise<UnitPlan[] | PersonPlan[]> {
  const recs = records(t);
  if (kind === "units") {
    const yearCol = t.mapping.indexOf("rating");
    return planUnits(recs, await existingUnits(db), await existingUsers(db), { ratingYear: yearCol >= 0 ? yearIn(t.header[yearCol]) : null });
  }
  return planPeople(recs, await existingUnits(db), await existingUsers(db));
}

export async function getOrgPreview(c: Ctx, id: number) {
  assertAdmin(c.actor);
  const d = await loadDraft(c, id);
  const kind = d.kind as OrgKind;
  const t = (JSON.parse(d.payloadJson) as OrgPayload).tables[0];
  const missing = missingFields(t, ORG_FIELDS[kind]);
  const plans = missing.length ? [] : await planOf(c.db, kind, t);
  return { draft: d, kind, table: t, fields: ORG_FIELDS[kind], missing, unknown: unknownColumns(t), plans, summary: summarize(plans) };
}

/** The mapping step: a column given a field (or left out). */
export async function remapColumn(c: Ctx, id: number, index: number, key: string): Promise<void> {
  await c.db.tx(async () => {
    const d = await loadDraft(c, id);
    if (d.status !== "open") throw new ConflictError("这份导入已确认，不能再修改");
    const payload = JSON.parse(d.payloadJson) as OrgPayload & Record<string, unknown>;
    const fields = d.kind === "ledger" ? (await import("./fields.ts")).LEDGER_FIELDS : ORG_FIELDS[d.kind as OrgKind];
    if (key && !fields.some((f) => f.key === key)) throw new ValidationError("未知的字段");
    const t = payload.tables[0];
    if (!Number.isInteger(index) || index < 0 || index >= t.header.length) throw new ValidationError("未知的列");
    payload.tables = payload.tables.map((tb) => remap(tb, index, key));
    await c.db.update(moveinDrafts).set({ payloadJson: JSON.stringify(payload), version: d.version + 1, updatedAt: c.now.toISOString() }).where(eq(moveinDrafts.id, id));
  });
}

export type OrgResult = { created: number; updated: number; unchanged: number; refused: { row: number; name: string; reason: string }[]; links: IssuedLink[] };

/**
 * Writes the plan in one transaction. Refused rows stop everything unless `skipBad` (then the
 * other rows are written); `dryRun` plans and writes nothing.
 */
export async function applyOrg(c: Ctx, kind: OrgKind, t: Table, opts: { skipBad: boolean; dryRun: boolean; origin: string }): Promise<OrgResult> {
  const missing = missingFields(t, ORG_FIELDS[kind]);
  if (missing.length) throw new ValidationError(`表格缺少“${missing.map((f) => f.label).join("”“")}”列`);
  const run = async (): Promise<OrgResult> => {
    const plans = await planOf(c.db, kind, t);
    const refused = plans.filter((p) => p.action === "refused").map((p) => ({ row: p.row, name: p.name, reason: p.reason! }));
    const s = summarize(plans);
    const result: OrgResult = { created: s.create, updated: s.update, unchanged: s.unchanged, refused, links: [] };
    if (opts.dryRun || (refused.length && !opts.skipBad)) return result;
    if (kind === "units") await writeUnits(c, plans as UnitPlan[], opts.origin);
    else result.links = await writePeople(c, plans as PersonPlan[], opts.origin);
    return result;
  };
  return opts.dryRun ? run() : c.db.tx(run);
}

async function writeUnits(c: Ctx, plans: UnitPlan[], origin: string) {
  const nowIso = c.now.toISOString();
  const idOfRow = new Map<number, number>();
  plans.forEach((p, i) => p.id && p.action !== "refused" && idOfRow.set(i, p.id));
  const parentId = (p: UnitPlan): number | null | undefined => (!p.parent ? null : "id" in p.parent ? p.parent.id : idOfRow.get(p.parent.row));
  const log = (action: "unit.create" | "unit.update", id: number, detail: string) => recordAudit(c.db, { at: nowIso, userId: c.actor.id, userName: c.actor.name ?? "", action, target: `unit ${id}`, outcome: "ok", detail });
  // parents before children: passes until every creatable row is made
  let pending = plans.map((p, i) => ({ p, i })).filter(({ p }) => p.action === "create");
  while (pending.length) {
    const ready = pending.filter(({ p }) => parentId(p) !== undefined);
    if (!ready.length) throw new ValidationError("单位隶属关系无法确定，未导入任何单位");
    for (const { p, i } of ready) {
      const id = await createUnit(c.db, { code: p.code, name: p.name, kind: p.kind!, parentId: parentId(p)!, rating: p.rating, ratingYear: p.ratingYear, secretaryId: p.secretaryId, overseerId: p.overseerId });
      idOfRow.set(i, id);
      await log("unit.create", id, `由${origin}导入：${p.name}`);
    }
    pending = pending.filter((x) => !ready.includes(x));
  }
  for (const p of plans) {
    if (p.action !== "update") continue;
    const old = (await c.db.select().from(units).where(eq(units.id, p.id!)))[0]!;
    await updateUnit(c.db, p.id!, { code: old.code, name: p.name, kind: p.kind!, parentId: parentId(p) ?? null, rating: p.rating, ratingYear: p.ratingYear, requireSignoffCheck: old.requireSignoffCheck, requireEvidence: old.requireEvidence, secretaryId: p.secretaryId, overseerId: p.overseerId });
    await log("unit.update", p.id!, `由${origin}导入：${p.changes.map((ch) => `${ch.label} ${ch.from} → ${ch.to}`).join("；")}`);
  }
}

/** an account no password opens until its link is used: not an argon2 hash, so no password verifies */
const NO_PASSWORD = "!unset";

async function writePeople(c: Ctx, plans: PersonPlan[], origin: string): Promise<IssuedLink[]> {
  const nowIso = c.now.toISOString();
  const links: IssuedLink[] = [];
  for (const p of plans) {
    if (p.action === "create") {
      // no mail address: no reminders either (the placeholder login is not an address; 个人设置 turns them on once one is set)
      const [{ id }] = await c.db.insert(users).values({ email: p.email, name: p.name, role: p.role!, unitId: p.unitId!, passwordHash: NO_PASSWORD, active: true, remindEnabled: !p.noMail, createdAt: nowIso }).returning({ id: users.id });
      await recordAudit(c.db, { at: nowIso, userId: c.actor.id, userName: c.actor.name ?? "", action: "account.create", target: `user ${id}`, outcome: "ok", detail: `由${origin}导入：${p.name}（${p.unitName}，${p.title}）` });
      links.push(await issueLink(c.db, { id, name: p.name, email: p.email, unitName: p.unitName }, c.actor.id, c.now));
    } else if (p.action === "update") {
      const old = (await c.db.select().from(users).where(eq(users.id, p.id!)))[0]!;
      await updateUser(c.db, p.id!, { email: p.email, name: p.name, role: p.role!, unitId: p.unitId!, active: old.active });
      await recordAudit(c.db, { at: nowIso, userId: c.actor.id, userName: c.actor.name ?? "", action: "account.update", target: `user ${p.id}`, outcome: "ok", detail: `由${origin}导入：${p.changes.map((ch) => `${ch.label} ${ch.from} → ${ch.to}`).join("；")}` });
    } else continue;
    // a 书记 of a unit that has none becomes its secretary
    if (/书记/.test(p.title) && !/副书记/.test(p.title) && p.role === "leader") {
      const u = (await c.db.select({ secretaryId: units.secretaryId }).from(units).where(eq(units.id, p.unitId!)))[0];
      const id = p.id ?? links[links.length - 1].userId;
      if (u && !u.secretaryId) await c.db.update(units).set({ secretaryId: id }).where(eq(units.id, p.unitId!));
    }
  }
  return links;
}

/** 确认导入 of a draft: once; the draft remembers the outcome's counts. */
export async function confirmOrgDraft(c: Ctx, id: number): Promise<OrgResult> {
  assertAdmin(c.actor);
  return c.db.tx(async () => {
    const d = await loadDraft(c, id);
    if (d.status !== "open") throw new ConflictError("这份导入已确认过，不能重复导入");
    const payload = JSON.parse(d.payloadJson) as OrgPayload & { result?: unknown };
    const result = await applyOrg(c, d.kind as OrgKind, payload.tables[0], { skipBad: true, dryRun: false, origin: `《${d.originalName}》` });
    const { links, ...counts } = result;
    payload.result = { ...counts, people: links.map((l) => ({ userId: l.userId, name: l.name, noMail: l.noMail })) };
    await c.db.update(moveinDrafts).set({ status: "confirmed", payloadJson: JSON.stringify(payload), version: d.version + 1, updatedAt: c.now.toISOString() }).where(eq(moveinDrafts.id, id));
    return result;
  });
}

export async function discardDraft(c: Ctx, id: number): Promise<void> {
  await c.db.tx(async () => {
    const d = await loadDraft(c, id);
    if (d.status === "open") await c.db.update(moveinDrafts).set({ status: "discarded", updatedAt: c.now.toISOString() }).where(eq(moveinDrafts.id, id));
  });
}

/** Open drafts of the signed-in person (the 迁入 page lists them to pick up again). */
export async function myMoveinDrafts(c: Ctx) {
  return c.db
    .select({ id: moveinDrafts.id, kind: moveinDrafts.kind, originalName: moveinDrafts.originalName, updatedAt: moveinDrafts.updatedAt })
    .from(moveinDrafts)
    .where(and(eq(moveinDrafts.userId, c.actor.id), eq(moveinDrafts.status, "open")))
    .orderBy(desc(moveinDrafts.updatedAt));
}
