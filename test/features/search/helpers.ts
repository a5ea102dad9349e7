// Small helpers the search tests share: an actor read back as the session loads it, and an
// insert that returns the new row's id (on either engine).
import type { Db } from "../../../db/client.ts";
import type { Actor } from "../../../server/features/auth/permissions.ts";

export async function actorOf(db: Db, id: number): Promise<Actor> {
  const u = (await db.get<Actor>('select u.id AS id, u.role AS role, u.unit_id AS "unitId", n.path AS "unitPath" from users u join units n on n.id = u.unit_id where u.id = ?', [id]))!;
  return { id: u.id, role: u.role, unitId: u.unitId, unitPath: u.unitPath };
}

/** `insert … returning id` → the id (inside the caller's db.tx, or a transaction of its own) */
export async function insertId(db: Db, sql: string, params: unknown[]): Promise<number> {
  return Number((await db.get<{ id: number }>(`${sql} returning id`, params))!.id);
}
