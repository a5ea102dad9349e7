// Who may do what, pure. Every route asks here; the server never trusts a hidden button.
//  admin  — every leader action in every unit, and the units and accounts pages
//  leader — creates and assigns tasks in their unit and its sub-units; edits, signs off, sends
//           back, reopens, decides 延期申请 there (also on tasks where they are 责任领导)
//  staff  — sees their unit's tasks and the tasks they own
//  owner  — (any role) posts progress, marks 销号 / 申请销号, asks for an extension
// Nobody signs off (or sends back) a task whose sign-off they requested, nor decides their own
// extension request.
// The separation of duties (三员分立) adds two roles that take no part in the work on tasks:
//  security — 安全管理员: who holds which role, sign-in lockouts, the security policies
//  auditor  — 审计管理员: reads (and exports) the audit log, nothing else
// and keeps the audit log from admin, who may neither read it nor grant admin/security/auditor.
import type { Action, State } from "../tasks/workflow.ts";

export type Role = "admin" | "leader" | "staff" | "security" | "auditor";
export const ROLES: Role[] = ["admin", "leader", "staff", "security", "auditor"];
export const ROLE_LABEL: Record<Role, string> = { admin: "系统管理员", leader: "领导", staff: "工作人员", security: "安全管理员", auditor: "审计管理员" };

export type Actor = { id: number; role: Role; unitId: number; unitPath: string };

export type TaskScope = {
  unitId: number;
  unitPath: string;
  ownerId: number;
  leaderId: number | null;
  state: State;
  signoffRequestedBy: number | null;
  /** who asked for the pending extension, if any */
  extensionRequestedBy?: number | null;
  /** the unit's 联系/分管领导: may answer its 回头看 too */
  overseerId?: number | null;
};

/** Is unit `path` the actor's unit or below it? */
export function unitInScope(actor: Actor, unitPath: string): boolean {
  if (actor.role === "admin") return true;
  return unitPath.startsWith(actor.unitPath);
}

export function canView(actor: Actor, t: TaskScope): boolean {
  if (actor.role === "admin") return true;
  if (actor.role === "security" || actor.role === "auditor") return false;
  if (t.ownerId === actor.id || t.leaderId === actor.id) return true;
  if (actor.role === "leader" && t.overseerId === actor.id) return true;
  if (actor.role === "leader") return unitInScope(actor, t.unitPath);
  return t.unitId === actor.unitId;
}

/** A leader (or admin) who answers for this task's unit. */
function supervises(actor: Actor, t: TaskScope): boolean {
  if (actor.role === "admin") return true;
  if (actor.role !== "leader") return false;
  return unitInScope(actor, t.unitPath) || t.leaderId === actor.id;
}

/** May `actor` take `action` on the task, as far as roles go? (The state is workflow.ts's.) */
export function can(actor: Actor, action: Action, t: TaskScope): boolean {
  if (!canView(actor, t)) return false;
  const owner = t.ownerId === actor.id;
  switch (action) {
    case "progress":
    case "requestSignOff":
    case "requestExtension":
      return owner;
    case "edit":
    case "reopen":
      return supervises(actor, t);
    case "signOff":
    case "sendBack":
      return supervises(actor, t) && t.signoffRequestedBy !== actor.id;
    case "decideExtension":
      return supervises(actor, t) && t.extensionRequestedBy !== actor.id;
    case "confirmHeld":
    case "rebound":
    case "setRecheck":
      // 回头看: the 责任领导, the unit's overseer, or a leader above the unit
      return supervises(actor, t) || (actor.role === "leader" && t.overseerId === actor.id);
  }
}

export function canCreateTaskIn(actor: Actor, unitPath: string): boolean {
  return (actor.role === "admin" || actor.role === "leader") && unitInScope(actor, unitPath);
}

export function canAdmin(actor: Actor): boolean {
  return actor.role === "admin";
}

/** 审计日志: the auditor alone (not admin, not security). */
export function canReadAudit(actor: Pick<Actor, "role">): boolean {
  return actor.role === "auditor";
}

/** 安全管理 (roles, lockouts, policies): the security officer alone. */
export function canManageSecurity(actor: Pick<Actor, "role">): boolean {
  return actor.role === "security";
}

/** The roles `actor` may give an account: admin the working roles, security every role. */
export function grantableRoles(actor: Pick<Actor, "role">): Role[] {
  if (actor.role === "security") return ROLES;
  if (actor.role === "admin") return ["leader", "staff"];
  return [];
}

/** May `actor` edit an account that holds `role`? Admin keeps off the two oversight accounts. */
export function mayEditAccount(actor: Pick<Actor, "role">, role: Role): boolean {
  if (actor.role === "admin") return role !== "security" && role !== "auditor";
  return false;
}

/** Pages every signed-in person may open, whatever their role. */
const EVERYONE = ["/profile", "/logout", "/login", "/static", "/favicon.ico", "/healthz"];
/** The only pages the two oversight roles open; everything else answers them 403. */
const ONLY: Partial<Record<Role, string[]>> = { security: ["/security", ...EVERYONE], auditor: ["/audit", ...EVERYONE] };

/** May a signed-in `role` open this path at all? (Every other rule still applies after this.) */
export function mayOpen(role: Role, path: string): boolean {
  const only = ONLY[role];
  if (!only) return true;
  const p = path.split("?")[0];
  return only.some((prefix) => p === prefix || p.startsWith(prefix + "/") || p.startsWith(prefix + "."));
}

/** Where a role's 首页 is. */
export function homeOf(role: Role): string | null {
  return role === "security" ? "/security" : role === "auditor" ? "/audit" : null;
}

/** 403 text shown to a user who tries what they may not. */
export const FORBIDDEN_MESSAGE = "您没有权限执行此操作";
