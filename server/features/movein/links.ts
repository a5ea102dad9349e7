// One-time sign-in links (一次性登录链接) for people who came in from a roster: valid 7 days,
// used once, to set a password. The database keeps only the token's sha256; the link itself is
// mailed, or shown to the admin once (and printed on the 账号开通通知) for those without mail.
import { and, eq, isNull, sql } from "drizzle-orm";
import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../../../db/client.ts";
import { signinLinks, units, users } from "../../../db/schema.ts";
import { hashPassword, passwordProblem } from "../auth/passwords.ts";
import { endSessionsOf } from "../auth/service.ts";
import { ValidationError } from "../../lib/errors.ts";
import { isNoMail } from "./org.ts";
import type { Mailer } from "../reminders/mailer.ts";

export const LINK_DAYS = 7;
const hash = (token: string) => createHash("sha256").update(token).digest("hex");

export type IssuedLink = { userId: number; name: string; email: string; unitName: string; noMail: boolean; token: string; expiresAt: string };

/** A new link for the account; any earlier unused link of it stops working. In the caller's transaction. */
export async function issueLink(db: Db, u: { id: number; name: string; email: string; unitName: string }, byId: number | null, now: Date): Promise<IssuedLink> {
  const nowIso = now.toISOString();
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + LINK_DAYS * 86_400_000).toISOString();
  await db.tx(async () => {
    await db.update(signinLinks).set({ expiresAt: nowIso }).where(and(eq(signinLinks.userId, u.id), isNull(signinLinks.usedAt), sql`${signinLinks.expiresAt} > ${nowIso}`));
    await db.insert(signinLinks).values({ userId: u.id, tokenHash: hash(token), createdBy: byId, createdAt: nowIso, expiresAt });
  });
  return { userId: u.id, name: u.name, email: u.email, unitName: u.unitName, noMail: isNoMail(u.email), token, expiresAt };
}

/** New links for these accounts (the admin's 重新生成 / the printed notice): returns them with the people's names. */
export async function reissueLinks(db: Db, userIds: number[], byId: number, now: Date): Promise<IssuedLink[]> {
  return db.tx(async () => {
    const out: IssuedLink[] = [];
    for (const id of userIds) {
      const u = (await db.select({ id: users.id, name: users.name, email: users.email, unitName: units.name }).from(users).innerJoin(units, eq(units.id, users.unitId)).where(eq(users.id, id)))[0];
      if (u) out.push(await issueLink(db, u, byId, now));
    }
    return out;
  });
}

const BAD_LINK = "链接无效或已过期：一次性登录链接只能使用一次，有效期 7 天。请联系管理员重新生成。";

/** The account a link opens, or a Chinese reason it does not. */
export async function linkAccount(db: Db, token: string, now: Date): Promise<{ ok: true; userId: number; name: string; email: string; noMail: boolean } | { ok: false; message: string }> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return { ok: false, message: BAD_LINK };
  const row = (await db.select({ userId: signinLinks.userId, expiresAt: signinLinks.expiresAt, usedAt: signinLinks.usedAt, name: users.name, email: users.email, active: users.active }).from(signinLinks).innerJoin(users, eq(users.id, signinLinks.userId)).where(eq(signinLinks.tokenHash, hash(token))))[0];
  if (!row || row.usedAt || row.expiresAt <= now.toISOString() || !row.active) return { ok: false, message: BAD_LINK };
  return { ok: true, userId: row.userId, name: row.name, email: row.email, noMail: isNoMail(row.email) };
}

/** Sets the password through a link, and uses the link up. */
export async function setPasswordByLink(db: Db, token: string, password: string, confirm: string, now: Date): Promise<{ userId: number; email: string }> {
  const problem = passwordProblem(password) ?? (password !== confirm ? "两次输入的密码不一致" : null);
  if (problem) throw new ValidationError(problem, { password: problem });
  const passwordHash = await hashPassword(password); // before the transaction
  return db.tx(async () => {
    const acc = await linkAccount(db, token, now);
    if (!acc.ok) throw new ValidationError(acc.message);
    const used = await db.update(signinLinks).set({ usedAt: now.toISOString() }).where(and(eq(signinLinks.tokenHash, hash(token)), isNull(signinLinks.usedAt))).returning({ id: signinLinks.id });
    if (used.length !== 1) throw new ValidationError(BAD_LINK);
    await db.update(users).set({ passwordHash, failedLogins: 0, lockedUntil: null }).where(eq(users.id, acc.userId));
    await endSessionsOf(db, acc.userId);
    return { userId: acc.userId, email: acc.email };
  });
}

export const linkUrl = (baseUrl: string, token: string) => `${baseUrl}/welcome/${token}`;

/** Mails each link to its person (those with an address); returns who could not be reached. After the transaction. */
export async function mailLinks(mailer: Mailer, baseUrl: string, links: IssuedLink[], now: Date): Promise<{ sent: number; failed: { name: string; error: string }[] }> {
  let sent = 0;
  const failed: { name: string; error: string }[] = [];
  for (const l of links) {
    if (l.noMail) continue;
    const url = linkUrl(baseUrl, l.token);
    const until = l.expiresAt.slice(0, 10).replace(/^(\d+)-(\d+)-(\d+)$/, (_m, y, m, d) => `${y}年${Number(m)}月${Number(d)}日`);
    const text = `${l.name}同志：\n\n您在整改台账系统的账号已开通，登录账号为 ${l.email}。\n请在 ${until} 前打开下面的链接设置密码（链接只能使用一次）：\n\n${url}\n\n如非本人操作，请忽略本邮件。`;
    const esc = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]!);
    const html = `<p>${esc(l.name)}同志：</p><p>您在整改台账系统的账号已开通，登录账号为 <b>${esc(l.email)}</b>。</p><p>请在 ${until} 前打开下面的链接设置密码（链接只能使用一次）：</p><p><a href="${esc(url)}">${esc(url)}</a></p><p>如非本人操作，请忽略本邮件。</p>`;
    try {
      await mailer.send({ to: { name: l.name, address: l.email }, subject: "【整改台账】账号开通：请设置密码", html, text, messageId: `<link-${l.userId}-${now.getTime()}@rectify>`, headers: {}, date: now });
      sent++;
    } catch (e) {
      failed.push({ name: l.name, error: (e as Error).message });
    }
  }
  return { sent, failed };
}
