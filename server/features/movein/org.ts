// What an organisation list and a roster would change, pure: each row becomes a create, an update
// (with the fields that change, from → to), unchanged, or refused with the reason in Chinese.
// The service reads the tree and the accounts, calls these, shows the plan, and on 确认导入
// writes exactly the plan in one transaction.
import { createHash } from "node:crypto";
import { RATING_LABEL, UNIT_KIND_LABEL, type Rating, type UnitKind } from "../../lib/labels.ts";
import { ROLE_LABEL, type Role } from "../auth/permissions.ts";
import { readKind, readRating, readRole, unitKeys, yearIn } from "./words.ts";

export type Rec = { row: number; cells: Record<string, string>; indent?: Record<string, number> };
export type Change = { field: string; label: string; from: string; to: string };
export type Action = "create" | "update" | "unchanged" | "refused";

export type ExistingUnit = { id: number; code: string; name: string; kind: UnitKind; parentId: number | null; rating: Rating | null; ratingYear: number | null; secretaryId: number | null; overseerId: number | null };
export type ExistingUser = { id: number; name: string; email: string; role: Role; unitId: number; active: boolean };

/** A unit's parent in the plan: an existing unit, a row of the file (by its index), or none (a root). */
export type ParentRef = { id: number } | { row: number } | null;

export type UnitPlan = {
  row: number;
  name: string;
  action: Action;
  reason?: string;
  id?: number;
  code: string;
  kind: UnitKind | null;
  parent?: ParentRef;
  parentName: string;
  rating: Rating | null;
  ratingYear: number | null;
  secretaryId: number | null;
  overseerId: number | null;
  changes: Change[];
  notes: string[];
};

const sha = (s: string) => createHash("sha1").update(s).digest("hex");
const CODE = /^[A-Za-z0-9_-]{1,40}$/;

/** units' names (every short form) → ids; a key two units share is left out (ambiguous). */
export function nameIndex<T>(entries: { name: string; value: T }[]): Map<string, T | null> {
  const m = new Map<string, T | null>();
  for (const e of entries)
    for (const k of unitKeys(e.name)) {
      if (m.has(k) && m.get(k) !== e.value) m.set(k, null);
      else m.set(k, e.value);
    }
  return m;
}

/** The entry a written name points at: its full form first, then its short forms. */
export function lookup<T>(index: Map<string, T | null>, name: string): T | null | undefined {
  const keys = unitKeys(name);
  for (const k of keys) if (index.has(k)) return index.get(k);
  return undefined;
}

/** A parent from a 序号 like `1.2` (its parent is the row numbered `1`). */
function parentSeq(seq: string): string | null {
  const m = seq.trim().match(/^(\d+(?:\.\d+)*)\.\d+$/);
  return m ? m[1] : null;
}

export function planUnits(recs: Rec[], existing: ExistingUnit[], people: ExistingUser[], opts: { ratingYear?: number | null } = {}): UnitPlan[] {
  const rows = recs.filter((r) => (r.cells.name ?? "").trim());
  const byId = new Map(existing.map((u) => [u.id, u]));
  const exIndex = nameIndex(existing.map((u) => ({ name: u.name, value: u.id })));
  const rowIndex = nameIndex(rows.map((r, i) => ({ name: r.cells.name.trim(), value: i })));
  const seqIndex = new Map(rows.map((r, i) => [(r.cells.seq ?? "").trim(), i]));
  const codes = new Map(existing.map((u) => [u.code, u.id]));
  const seenNames = new Map<string, number>();

  const plans: UnitPlan[] = rows.map((r, i) => {
    const c = r.cells;
    const name = c.name.trim().replace(/\s+/g, "");
    const p: UnitPlan = { row: r.row, name, action: "create", code: "", kind: null, parentName: (c.parent ?? "").trim(), rating: null, ratingYear: null, secretaryId: null, overseerId: null, changes: [], notes: [] };
    const refuse = (reason: string) => Object.assign(p, { action: "refused" as const, reason });
    if (seenNames.has(name)) return refuse(`单位名称重复（与第 ${seenNames.get(name)} 行相同）`);
    seenNames.set(name, r.row);
    // the existing unit this row is: by its code, else by its name in any of its forms
    const code = (c.code ?? "").trim();
    const byCode = code ? codes.get(code) : undefined;
    const found = byCode ?? lookup(exIndex, name) ?? (c.shortName ? lookup(exIndex, c.shortName) : undefined);
    if (found === null) return refuse("单位名称与现有的多个单位相同，请在表中填写单位代码");
    const old = found !== undefined ? byId.get(found) : undefined;
    p.id = old?.id;
    p.code = old?.code ?? (code && CODE.test(code) && !codes.has(code) ? code : `u-${sha(name).slice(0, 10)}`);
    p.kind = readKind(c.kind ?? "", name) ?? old?.kind ?? null;
    if (!p.kind) return refuse(`类型不明（“${c.kind ?? ""}”）：应为党委、党组、党总支或党支部`);
    const rating = readRating(c.rating ?? "");
    if (rating === undefined) return refuse(`分类定级不明（“${c.rating}”）：应为先进、一般、后进或软弱涣散`);
    p.rating = rating;
    p.ratingYear = rating ? (Number((c.ratingYear ?? "").match(/\d{4}/)?.[0]) || yearIn(c.rating ?? "") || opts.ratingYear || null) : null;
    if (rating && !p.ratingYear) return refuse("分类定级缺少年度：请加一列“定级年度”，或在表头写明年度");
    // the parent: a row of this file first, then the tree; 序号 1.2 under 1 when no column says
    const parentText = p.parentName;
    if (parentText) {
      const inFile = lookup(rowIndex, parentText);
      const inTree = lookup(exIndex, parentText);
      if (inFile !== undefined && inFile !== null && inFile !== i) p.parent = { row: inFile };
      else if (inTree) p.parent = { id: inTree };
      else if (inFile === null || inTree === null) return refuse(`上级单位“${parentText}”不唯一`);
      else return refuse(`上级单位不存在：“${parentText}”`);
    } else {
      const ps = parentSeq(c.seq ?? "");
      // a tree shown by indentation: the nearest row above that is indented less
      const depth = r.indent?.name ?? 0;
      let above = -1;
      if (depth > 0) for (let j = i - 1; j >= 0; j--) if ((rows[j].indent?.name ?? 0) < depth) { above = j; break; }
      if (ps && seqIndex.has(ps)) p.parent = { row: seqIndex.get(ps)! };
      else if (above >= 0) p.parent = { row: above };
      else p.parent = old ? { id: old.parentId! } : null;
      if (old && old.parentId === null) p.parent = null;
    }
    // people named as 书记 / 联系领导: accounts of that name (in the unit first); none yet is a note
    const person = (text: string, label: string, inUnit: number | undefined): number | null => {
      const n = text.trim();
      if (!n) return null;
      const all = people.filter((u) => u.name === n && u.active);
      const mine = inUnit ? all.filter((u) => u.unitId === inUnit) : [];
      const pick = mine.length === 1 ? mine[0] : all.length === 1 ? all[0] : null;
      if (!pick) p.notes.push(all.length ? `${label}“${n}”有重名，未设置` : `${label}“${n}”尚无账号，导入人员名单后再导入一次即可设置`);
      return pick?.id ?? null;
    };
    p.secretaryId = person(c.secretary ?? "", "书记", old?.id) ?? old?.secretaryId ?? null;
    p.overseerId = person(c.overseer ?? "", "联系领导", undefined) ?? old?.overseerId ?? null;
    if (!old) return p;
    if (!rating) {
      p.rating = old.rating;
      p.ratingYear = old.ratingYear;
    }
    return p;
  });

  // a parent refused, or a loop in the tree the file would make: refused too, until nothing moves
  const parentOf = (i: number): { row: number } | { id: number } | null => plans[i].parent ?? null;
  let moved = true;
  while (moved) {
    moved = false;
    plans.forEach((p, i) => {
      if (p.action === "refused") return;
      const par = parentOf(i);
      if (par && "row" in par && plans[par.row].action === "refused") {
        Object.assign(p, { action: "refused", reason: `上级单位“${plans[par.row].name}”未能导入` });
        moved = true;
        return;
      }
      // walk up: rows of the file by their parent, existing units by theirs (or the row that updates them)
      const rowOfUnit = new Map(plans.filter((q) => q.id && q.action !== "refused").map((q) => [q.id!, plans.indexOf(q)]));
      const seen: string[] = [p.name];
      let cur: { row: number } | { id: number } | null = par;
      for (let steps = 0; cur && steps < 10_000; steps++) {
        const r: number | undefined = "row" in cur ? cur.row : rowOfUnit.get(cur.id);
        if (r === i || ("id" in cur && cur.id === p.id)) {
          Object.assign(p, { action: "refused", reason: `单位隶属关系成环：${[...seen, p.name].join(" → ")}` });
          moved = true;
          return;
        }
        if (r !== undefined) {
          seen.push(plans[r].name);
          cur = parentOf(r);
        } else {
          const u: ExistingUnit | undefined = byId.get((cur as { id: number }).id);
          if (!u) break;
          seen.push(u.name);
          cur = u.parentId ? { id: u.parentId } : null;
        }
      }
    });
  }

  // what an existing unit's row changes
  for (const p of plans) {
    if (p.action === "refused" || !p.id) continue;
    const old = byId.get(p.id)!;
    const par = p.parent;
    const parentLabel = (ref: ParentRef | undefined) => (!ref ? "（无）" : "row" in ref ? plans[ref.row].name : byId.get(ref.id)?.name ?? "");
    const ch = (field: string, label: string, from: unknown, to: unknown, show: (v: any) => string = (v) => String(v ?? "")) => {
      if ((from ?? null) !== (to ?? null)) p.changes.push({ field, label, from: show(from), to: show(to) });
    };
    ch("name", "单位名称", old.name, p.name);
    ch("kind", "类型", old.kind, p.kind, (v) => UNIT_KIND_LABEL[v as UnitKind] ?? "");
    const parId = par === null ? null : par === undefined ? old.parentId : "id" in par ? par.id : (plans[par.row].id ?? -1);
    const samePar = parId === old.parentId;
    if (!samePar) p.changes.push({ field: "parentId", label: "上级单位", from: old.parentId ? byId.get(old.parentId)?.name ?? "" : "（无）", to: parentLabel(par) });
    ch("rating", "分类定级", old.rating, p.rating, (v) => (v ? RATING_LABEL[v as Rating] : "（无）"));
    ch("ratingYear", "定级年度", old.ratingYear, p.ratingYear);
    const who = (id: number | null) => people.find((u) => u.id === id)?.name ?? "（无）";
    ch("secretaryId", "书记", old.secretaryId, p.secretaryId, who);
    ch("overseerId", "联系领导", old.overseerId, p.overseerId, who);
    p.action = p.changes.length ? "update" : "unchanged";
  }
  return plans;
}

export type PersonPlan = {
  row: number;
  name: string;
  unitName: string;
  action: Action;
  reason?: string;
  id?: number;
  unitId: number | null;
  role: Role | null;
  email: string;
  /** no mail address in the file: the login is a placeholder, the link goes on a printed notice */
  noMail: boolean;
  phone: string;
  title: string;
  changes: Change[];
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** the login of someone without a mail address: never mailed to (.invalid is reserved) */
export const NO_MAIL_DOMAIN = "noemail.invalid";
export const isNoMail = (email: string) => email.endsWith("@" + NO_MAIL_DOMAIN);

export function planPeople(recs: Rec[], unitsNow: { id: number; name: string }[], existing: ExistingUser[]): PersonPlan[] {
  const idx = nameIndex(unitsNow.map((u) => ({ name: u.name, value: u.id })));
  const unitName = new Map(unitsNow.map((u) => [u.id, u.name]));
  const byEmail = new Map(existing.map((u) => [u.email.toLowerCase(), u]));
  const emailsInFile = new Map<string, number>();
  const peopleInFile = new Map<string, number>();
  return recs
    .filter((r) => (r.cells.name ?? "").trim())
    .map((r) => {
      const c = r.cells;
      const name = c.name.trim().replace(/\s+/g, "");
      const title = (c.title ?? "").trim();
      const phone = (c.phone ?? "").replace(/[\s-]/g, "");
      const p: PersonPlan = { row: r.row, name, unitName: (c.unit ?? "").trim(), action: "create", unitId: null, role: null, email: (c.email ?? "").trim().toLowerCase(), noMail: false, phone, title, changes: [] };
      const refuse = (reason: string) => Object.assign(p, { action: "refused" as const, reason });
      const unit = lookup(idx, p.unitName);
      if (!p.unitName) return refuse("未填单位");
      if (unit === null) return refuse(`单位“${p.unitName}”与多个单位同名，请写全称`);
      if (unit === undefined) return refuse(`单位不存在：“${p.unitName}”（请先导入组织架构）`);
      p.unitId = unit;
      p.role = readRole(title);
      if (!p.role) return refuse(`角色不明：“${title || "（未填）"}”不能确定为领导还是工作人员`);
      if (p.email && !EMAIL.test(p.email)) return refuse(`邮箱格式不正确：“${p.email}”`);
      if (p.email) {
        if (emailsInFile.has(p.email)) return refuse(`邮箱重复：与第 ${emailsInFile.get(p.email)} 行相同`);
        emailsInFile.set(p.email, r.row);
      }
      const key = `${name}|${unit}`;
      if (peopleInFile.has(key)) return refuse(`人员重复：与第 ${peopleInFile.get(key)} 行同单位同名`);
      peopleInFile.set(key, r.row);
      // who this is already: by mail address, else by name within the unit
      const sameName = existing.filter((u) => u.name === name && u.unitId === unit);
      const old = (p.email ? byEmail.get(p.email) : undefined) ?? (sameName.length === 1 ? sameName[0] : undefined);
      if (p.email) {
        const holder = byEmail.get(p.email);
        if (holder && holder.id !== old?.id) return refuse(`邮箱重复：已被“${holder.name}”使用`);
      }
      if (!old) {
        if (sameName.length > 1) return refuse("单位中已有多位同名人员，请填写邮箱以区分");
        if (!p.email) {
          p.noMail = true;
          p.email = `${phone && /^\d{5,20}$/.test(phone) ? phone : "p-" + sha(key).slice(0, 10)}@${NO_MAIL_DOMAIN}`;
          if (byEmail.has(p.email)) return refuse(`手机号重复：与“${byEmail.get(p.email)!.name}”相同`);
        }
        return p;
      }
      p.id = old.id;
      if (!p.email) {
        p.email = old.email;
        p.noMail = isNoMail(old.email);
      }
      if (old.role === "security" || old.role === "auditor" || (old.role === "admin" && p.role !== "admin")) p.role = old.role; // 三员 and admins are not changed by a roster
      const ch = (field: string, label: string, from: string, to: string) => from !== to && p.changes.push({ field, label, from, to });
      ch("name", "姓名", old.name, name);
      ch("unitId", "单位", unitName.get(old.unitId) ?? "", unitName.get(unit) ?? "");
      ch("role", "角色", ROLE_LABEL[old.role], ROLE_LABEL[p.role]);
      ch("email", "邮箱", old.email, p.email);
      p.action = p.changes.length ? "update" : "unchanged";
      return p;
    });
}

export type Summary = { create: number; update: number; unchanged: number; refused: number };
export function summarize(plans: { action: Action }[]): Summary {
  const s: Summary = { create: 0, update: 0, unchanged: 0, refused: 0 };
  for (const p of plans) s[p.action]++;
  return s;
}
