// Sign-in, sessions and sign-out. A session cookie holds a random token; the database holds only
// its sha256. Repeated failures lock the account for a while.
import { createHash, randomBytes } from "node:crypto";
import { and, eq, lt, sql } from "drizzle-orm";
import { perDb, type Db } from "../../../db/client.ts";
import { sessions, users } from "../../../db/schema.ts";
import { dummyHash, verifyPassword } from "./passwords.ts";
import type { Actor } from "./permissions.ts";
import { directory } from "../../lib/directory.ts";

export const MAX_FAILED_LOGINS = 5;
export const LOCK_MINUTES = 15;
/** a session is never kept longer than this, however active */
const ABSOLUTE_MAX_MS = 7 * 24 * 3600_000;

export type SessionUser = Actor & { name: string; unitName: string };

export type LoginResult = { ok: true; token: string; sid: string; user: SessionUser } | { ok: false; message: string };

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export async function login(db: Db, email: string, password: string, now: Date, ttlMs: number, userAgent?: string): Promise<LoginResult> {
  const generic = "邮箱或密码不正确";
  const row = db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${email.trim().toLowerCase()}`)
    .get();
  if (!row) {
    await verifyPassword(await dummyHash(), password);
    return { ok: false, message: generic };
  }
  if (row.lockedUntil && row.lockedUntil > now.toISOString()) {
    return { ok: false, message: `登录失败次数过多，账号已暂时锁定，请于 ${LOCK_MINUTES} 分钟后再试` };
  }
  const good = await verifyPassword(row.passwordHash, password);
  if (!good) {
    const failed = row.failedLogins + 1;
    const lock = failed >= MAX_FAILED_LOGINS;
    db.update(users)
      .set({ failedLogins: lock ? 0 : failed, lockedUntil: lock ? new Date(now.getTime() + LOCK_MINUTES * 60_000).toISOString() : row.lockedUntil })
      .where(eq(users.id, row.id))
      .run();
    if (lock) return { ok: false, message: `登录失败次数过多，账号已暂时锁定，请于 ${LOCK_MINUTES} 分钟后再试` };
    return { ok: false, message: `${generic}（还可尝试 ${MAX_FAILED_LOGINS - failed} 次）` };
  }
  if (!row.active) return { ok: false, message: "该账号已停用，请联系管理员" };
  db.update(users).set({ failedLogins: 0, lockedUntil: null }).where(eq(users.id, row.id)).run();
  const token = randomBytes(32).toString("base64url");
  db.insert(sessions)
    .values({
      id: hashToken(token),
      userId: row.id,
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
      userAgent: userAgent?.slice(0, 200),
    })
    .run();
  db.delete(sessions).where(lt(sessions.expiresAt, now.toISOString())).run();
  const user = sessionUser(db, row.id)!;
  return { ok: true, token, sid: hashToken(token), user };
}

/** Every request reads its session: one statement by hand, prepared once per database, rows as arrays. */
const sessionRow = perDb((db) => db.$client.prepare("SELECT user_id, created_at, last_seen_at, expires_at FROM sessions WHERE id = ?").raw());

/** The signed-in person as pages need them, from the directory (in memory; null when inactive or gone). */
function sessionUser(db: Db, userId: number): SessionUser | null {
  const u = directory(db).users.get(userId);
  if (!u || !u.active) return null;
  return { id: u.id, role: u.role, unitId: u.unitId, unitPath: u.unitPath, name: u.name, unitName: u.unitName };
}

/** The signed-in user for a cookie token, or null; slides the idle expiry forward. */
export function resumeSession(db: Db, token: string | undefined, now: Date, ttlMs: number): { sid: string; user: SessionUser } | null {
  if (!token || token.length > 100) return null;
  const sid = hashToken(token);
  const row = sessionRow(db).get(sid) as [userId: number, createdAt: string, lastSeenAt: string, expiresAt: string] | undefined;
  if (!row) return null;
  const [userId, createdAt, lastSeenAt, expiresAt] = row;
  const nowIso = now.toISOString();
  if (expiresAt <= nowIso || now.getTime() - Date.parse(createdAt) > ABSOLUTE_MAX_MS) {
    db.delete(sessions).where(eq(sessions.id, sid)).run();
    return null;
  }
  const user = sessionUser(db, userId);
  if (!user) return null;
  if (now.getTime() - Date.parse(lastSeenAt) > 60_000) {
    db.update(sessions)
      .set({ lastSeenAt: nowIso, expiresAt: new Date(now.getTime() + ttlMs).toISOString() })
      .where(eq(sessions.id, sid))
      .run();
  }
  return { sid, user };
}

export function logout(db: Db, token: string | undefined): void {
  if (!token) return;
  db.delete(sessions).where(eq(sessions.id, hashToken(token))).run();
}

/** Ends every session of a user (deactivation, password change). */
export function endSessionsOf(db: Db, userId: number, exceptSid?: string): void {
  const where = exceptSid ? and(eq(sessions.userId, userId), sql`${sessions.id} <> ${exceptSid}`) : eq(sessions.userId, userId);
  db.delete(sessions).where(where).run();
}
