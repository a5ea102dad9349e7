// /login, /logout, /profile (password and reminder preferences).
import type { FastifyInstance, FastifyRequest } from "fastify";
import { bounceOf } from "../reminders/send.ts";
import { eq } from "drizzle-orm";
import { login, logout, endSessionsOf } from "./service.ts";
import { SESSION_COOKIE, sessionCookieOptions, requireUser, safeNext, carriedByLogin, csrfTokenFor } from "../../plugins/auth.ts";
import { setFlash } from "../../plugins/flash.ts";
import { users } from "../../../db/schema.ts";
import { hashPassword, passwordProblem, verifyPassword } from "./passwords.ts";
import { DomainError } from "../../lib/errors.ts";
import { audit } from "../audit/service.ts";
import rateLimit from "@fastify/rate-limit";

type Body = Record<string, string | undefined>;

export async function authRoutes(app: FastifyInstance) {
  // sign-in attempts per client address (LOGIN_RATE_LIMIT a minute), on POST /login only
  await app.register(rateLimit, { global: false });
  const tooMany = "登录尝试过于频繁，请稍后再试";
  app.get("/login", (req, reply) => {
    if (req.user) return reply.redirect("/", 303);
    return reply.render("auth/login", { title: "登录", next: safeNext((req.query as Body).next), email: "" });
  });

  const loginLimit = {
    max: app.config.loginRateLimit,
    timeWindow: 60_000,
    keyGenerator: (req: FastifyRequest) => req.ip,
    errorResponseBuilder: () => new DomainError(tooMany, 429),
  };
  app.post("/login", { config: { rateLimit: loginLimit } }, async (req, reply) => {
    const b = req.body as Body;
    const next = safeNext(b.next);
    const email = (b.email ?? "").trim();
    // a post made after the session ended, carried through the sign-in (plugins/auth.ts)
    const carry = carriedByLogin(b);
    if (!email || !b.password) return reply.render("auth/login", { title: "登录", next, email, error: "请输入邮箱和密码", carry }, 422);
    const r = await login(app.db, email, b.password, app.clock(), app.config.sessionTtlMs, { address: req.ip, userAgent: req.headers["user-agent"] });
    if (!r.ok) {
      req.log.info({ email }, "login refused");
      await audit(req, "login", { outcome: "fail", userId: r.userId, userName: email, detail: r.message });
      if (r.lockedNow) await audit(req, "lockout", { outcome: "fail", userId: r.userId, userName: email, target: email });
      return reply.render("auth/login", { title: "登录", next, email, error: r.message, carry }, 401);
    }
    await audit(req, "login", { userId: r.user.id, userName: r.user.name, target: email });
    reply.setCookie(SESSION_COOKIE, r.token, sessionCookieOptions(app));
    // the carried post is sent again only when its author confirms it, with the new session's token
    if (carry) return reply.render("auth/replay", { title: "继续提交", carry, user: r.user, csrf: csrfTokenFor(app.config.sessionSecret, r.sid) });
    return reply.redirect(next, 303);
  });

  app.post("/logout", async (req, reply) => {
    if (req.user) await audit(req, "logout");
    await logout(app.db, req.cookies[SESSION_COOKIE]);
    reply.clearCookie(SESSION_COOKIE, { path: "/" });
    return reply.redirect("/login", 303);
  });

  app.get("/profile", { preHandler: requireUser }, async (req, reply) => {
    const u = (await app.db.select().from(users).where(eq(users.id, req.user!.id)))[0]!;
    return reply.render("auth/profile", { title: "个人设置", me: u, bounce: await bounceOf(app.db, u.id, u.email), errors: {} });
  });

  app.post("/profile/password", { preHandler: requireUser }, async (req, reply) => {
    const b = req.body as Body;
    const u = (await app.db.select().from(users).where(eq(users.id, req.user!.id)))[0]!;
    const errors: Record<string, string> = {};
    if (!(await verifyPassword(u.passwordHash, b.current ?? ""))) errors.current = "当前密码不正确";
    const problem = passwordProblem(b.password ?? "");
    if (problem) errors.password = problem;
    else if (b.password !== b.confirm) errors.confirm = "两次输入的新密码不一致";
    if (Object.keys(errors).length) await audit(req, "password", { target: u.email, outcome: "fail", detail: Object.values(errors)[0] });
    if (Object.keys(errors).length) return reply.render("auth/profile", { title: "个人设置", me: u, bounce: await bounceOf(app.db, u.id, u.email), errors, error: "密码未修改：" + Object.values(errors)[0] }, 422);
    // hashed before the transaction: the writers' turn is not held while argon2 works
    const passwordHash = await hashPassword(b.password!);
    await app.db.tx(async () => {
      await app.db.update(users).set({ passwordHash }).where(eq(users.id, u.id));
      await endSessionsOf(app.db, u.id, req.sid ?? undefined);
    });
    await audit(req, "password", { target: u.email });
    setFlash(reply, "密码已修改，其他设备上的登录已退出");
    return reply.redirect("/profile", 303);
  });

  app.post("/profile/reminders", { preHandler: requireUser }, async (req, reply) => {
    const b = req.body as Body;
    const u = (await app.db.select().from(users).where(eq(users.id, req.user!.id)))[0]!;
    const days = [...new Set(String(b.remindDays ?? "").split(/[,，、\s]+/).filter(Boolean).map(Number))];
    if (days.some((d) => !Number.isInteger(d) || d < 0 || d > 60)) {
      return reply.render("auth/profile", { title: "个人设置", me: u, bounce: await bounceOf(app.db, u.id, u.email), errors: { remindDays: "请填写 0–60 之间的整数天数，用逗号分隔，如 7,3,1" }, error: "提醒设置未保存" }, 422);
    }
    await app.db.tx(async () => {
      await app.db
        .update(users)
        .set({ remindEnabled: b.remindEnabled === "1", remindDays: days.sort((a, z) => z - a).join(",") || "7,3,1" })
        .where(eq(users.id, u.id));
    });
    setFlash(reply, "提醒设置已保存");
    return reply.redirect("/profile", 303);
  });
}
