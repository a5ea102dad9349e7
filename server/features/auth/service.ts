// Sign-in, sessions and sign-out. A session cookie holds a random token; the database holds only
// its sha256. Repeated failures from one address lock that email from that address for a while.
import { createHash, randomBytes } from "node:crypto";
import { and, eq, lt, sql } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";
import { sessions, signInFailures, users } from "../../../db/schema.ts";
import { dummyHash, verifyPassword } from "./passwords.ts";
import type { Actor } from "./permissions.ts";
import { directory } from "../../lib/directory.ts";
import { primeCounters } from "../../lib/stats-version.ts";

export const MAX_FAILED_LOGINS = 5;
export const LOCK_MINUTES = 15;
/** a session is never kept longer than this, however active */
const ABSOLUTE_MAX_MS = 7 * 24 * 3600_000;

export type SessionUser = Actor & { name: string; unitName: string };

export type LoginResult =
  | { ok: true; token: string; sid: string; user: SessionUser }
  | { ok: false; message: string; /** for the audit log only, never shown: */ userId: number | null; lockedNow: boolean };

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/** Where a sign-in comes from: the failures are counted per (email typed, address). */
export type LoginFrom = { address: string; userAgent?: string };

const LOCKED_MESSAGE = `登录失败次数过多，已暂时锁定，请于 ${LOCK_MINUTES} 分钟后再试`;

/**
 * Signs in. Every refusal reads the same whether the email belongs to an account or not: the
 * failures are counted per (email typed, client address), so an unknown email also hears
 * "还可尝试 N 次" and then the lockout, and a password is hashed either way. The lockout holds
 * that email from that address only: someone guessing from elsewhere cannot lock a person out of
 * their own usual address (the per-address rate limit on POST /login caps the guessing itself).
 */
export async function login(db: Db, email: string, password: string, now: Date, ttlMs: number, from: LoginFrom): Promise<LoginResult> {
  const generic = "邮箱或密码不正确";
  const key = email.trim().toLowerCase().slice(0, 200);
  const nowIso = now.toISOString();
  const row = (await db.select().from(users).where(sql`lower(${users.email}) = ${key}`))[0];
  // a password is hashed on every path, so the time taken does not tell either (before the
  // transaction: the writers' turn is not held while argon2 works)
  const good = await verifyPassword(row?.passwordHash ?? (await dummyHash()), password);
  // the failure count is read and written in one transaction: concurrent attempts, on this
  // server or another on the same database, each count
  const out = await db.tx(async (): Promise<LoginResult | { ok: true; token: string }> => {
    const seen = (await db.select().from(signInFailures).where(and(eq(signInFailures.email, key), eq(signInFailures.address, from.address))))[0];
    if (seen?.lockedUntil && seen.lockedUntil > nowIso) return { ok: false, message: LOCKED_MESSAGE, userId: row?.id ?? null, lockedNow: false };
    if (!row || !good) {
      // failures older than the lock's length are forgotten
      const before = seen && Date.parse(seen.lastAt) > now.getTime() - LOCK_MINUTES * 60_000 ? seen.failures : 0;
      const failed = before + 1;
      const lock = failed >= MAX_FAILED_LOGINS;
      const values = { failures: lock ? 0 : failed, lockedUntil: lock ? new Date(now.getTime() + LOCK_MINUTES * 60_000).toISOString() : null, lastAt: nowIso };
      await db
        .insert(signInFailures)
        .values({ email: key, address: from.address, ...values })
        .onConflictDoUpdate({ target: [signInFailures.email, signInFailures.address], set: values });
      if (lock) return { ok: false, message: LOCKED_MESSAGE, userId: row?.id ?? null, lockedNow: true };
      return { ok: false, message: `${generic}（还可尝试 ${MAX_FAILED_LOGINS - failed} 次）`, userId: row?.id ?? null, lockedNow: false };
    }
    if (!row.active) return { ok: false, message: "该账号已停用，请联系管理员", userId: row.id, lockedNow: false };
    if (seen) await db.delete(signInFailures).where(and(eq(signInFailures.email, key), eq(signInFailures.address, from.address)));
    const token = randomBytes(32).toString("base64url");
    await db.insert(sessions).values({
      id: hashToken(token),
      userId: row.id,
      createdAt: nowIso,
      lastSeenAt: nowIso,
      expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
      userAgent: from.userAgent?.slice(0, 200),
    });
    await db.delete(sessions).where(lt(sessions.expiresAt, nowIso));
    return { ok: true, token };
  });
  if (!out.ok) return out;
  const user = (await sessionUser(db, row!.id))!;
  return { ok: true, token: out.token, sid: hashToken(out.token), user };
}

/** Lockouts in force now (安全管理), newest first. */
export async function currentLockouts(db: Db, now: Date) {
  return db.select().from(signInFailures).where(sql`${signInFailures.lockedUntil} > ${now.toISOString()}`).orderBy(sql`${signInFailures.lockedUntil} DESC`).limit(500);
}

/** Lifts one lockout (安全管理员). Returns whether there was one. */
export async function liftLockout(db: Db, email: string, address: string): Promise<boolean> {
  return db.tx(async () => {
    const gone = await db
      .delete(signInFailures)
      .where(and(eq(signInFailures.email, email), eq(signInFailures.address, address)))
      .returning({ email: signInFailures.email });
    return gone.length > 0;
  });
}

/** Failure counts nobody has added to for a day are dropped (nightly maintenance). */
export async function forgetOldSignInFailures(db: Db, now: Date): Promise<void> {
  await db.tx(async () => {
    await db.delete(signInFailures).where(lt(signInFailures.lastAt, new Date(now.getTime() - 24 * 3600_000).toISOString()));
  });
}

/** Every request reads its session: one statement by hand (the engine keeps it prepared). */
/** the session, and in the same statement the change counters the rest of the request reads (primeCounters) */
const SESSION_ROW = `SELECT user_id AS "userId", created_at AS "createdAt", last_seen_at AS "lastSeenAt", expires_at AS "expiresAt", (SELECT n FROM stats_version WHERE id = 1) AS "statsVersion", (SELECT n FROM directory_version WHERE id = 1) AS "directoryVersion" FROM sessions WHERE id = ?`;
type SessionRow = { userId: number; createdAt: string; lastSeenAt: string; expiresAt: string; statsVersion: number; directoryVersion: number };

/** The signed-in person as pages need them, from the directory (in memory; null when inactive or gone). */
async function sessionUser(db: Db, userId: number): Promise<SessionUser | null> {
  const u = (await directory(db)).users.get(userId);
  if (!u || !u.active) return null;
  return { id: u.id, role: u.role, unitId: u.unitId, unitPath: u.unitPath, name: u.name, unitName: u.unitName };
}

/** The signed-in user for a cookie token, or null; slides the idle expiry forward. */
export async function resumeSession(db: Db, token: string | undefined, now: Date, ttlMs: number): Promise<{ sid: string; user: SessionUser } | null> {
  if (!token || token.length > 100) return null;
  const sid = hashToken(token);
  const row = await db.get<SessionRow>(SESSION_ROW, [sid]);
  if (!row) return null;
  primeCounters(db, row);
  const nowIso = now.toISOString();
  if (row.expiresAt <= nowIso || now.getTime() - Date.parse(row.createdAt) > ABSOLUTE_MAX_MS) {
    await db.run("DELETE FROM sessions WHERE id = ?", [sid]);
    return null;
  }
  const user = await sessionUser(db, row.userId);
  if (!user) return null;
  if (now.getTime() - Date.parse(row.lastSeenAt) > 60_000) {
    await db.run("UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?", [nowIso, new Date(now.getTime() + ttlMs).toISOString(), sid]);
  }
  return { sid, user };
}

export async function logout(db: Db, token: string | undefined): Promise<void> {
  if (!token) return;
  await db.run("DELETE FROM sessions WHERE id = ?", [hashToken(token)]);
}

/** Ends every session of a user (deactivation, password change). */
export async function endSessionsOf(db: Db, userId: number, exceptSid?: string): Promise<void> {
  const where = exceptSid ? and(eq(sessions.userId, userId), sql`${sessions.id} <> ${exceptSid}`) : eq(sessions.userId, userId);
  await db.tx(async () => {
    await db.delete(sessions).where(where);
  });
}
