// Who may do what, pure. Every route asks here; the server never trusts a hidden button.
//  admin  — every leader action in every unit, and the units and accounts pages
//  leader — creates and assigns tasks in their unit and its sub-units; edits, signs off, sends
//           back, reopens, decides 延期申请 there (also on tasks where they are 责任领导)
//  staff  — sees their unit's tasks and the tasks they own
//  owner  — (any role) posts progress, marks 销号 / 申请销号, asks for an extension
// Nobody signs off (or sends back) a task whose sign-off they requested, nor decides their own
// extension request.
import type { Action, State } from "../tasks/workflow.ts";

export type Role = "admin" | "leader" | "staff";
export const ROLE_LABEL: Record<Role, string> = { admin: "管理员", leader: "领导", staff: "工作人员" };

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
};

/** Is unit `path` the actor's unit or below it? */
export function unitInScope(actor: Actor, unitPath: string): boolean {
  if (actor.role === "admin") return true;
  return unitPath.startsWith(actor.unitPath);
}

export function canView(actor: Actor, t: TaskScope): boolean {
  if (actor.role === "admin") return true;
  if (t.ownerId === actor.id || t.leaderId === actor.id) return true;
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
  }
}

export function canCreateTaskIn(actor: Actor, unitPath: string): boolean {
  return (actor.role === "admin" || actor.role === "leader") && unitInScope(actor, unitPath);
}

export function canAdmin(actor: Actor): boolean {
  return actor.role === "admin";
}

/** 403 text shown to a user who tries what they may not. */
export const FORBIDDEN_MESSAGE = "您没有权限执行此操作";
