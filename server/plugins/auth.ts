// Session and CSRF on every request. A signed-in request carries req.user; every mutation
// must carry the CSRF token (form field _csrf, or the X-CSRF-Token header htmx sends), which is
// an HMAC of the session (or, before sign-in, of a random pre-session cookie).
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { resumeSession, type SessionUser } from "../features/auth/service.ts";
import { ForbiddenError } from "../lib/errors.ts";

export const SESSION_COOKIE = "rectify_session";
const PRE_COOKIE = "rectify_pre";

declare module "fastify" {
  interface FastifyRequest {
    user: SessionUser | null;
    sid: string | null;
    csrfToken: string;
  }
}

export const CSRF_MESSAGE = "页面已过期或请求来源无效，请刷新页面后重试";

export function sessionCookieOptions(app: FastifyInstance) {
  return { path: "/", httpOnly: true, sameSite: "lax" as const, secure: app.config.secureCookies, maxAge: Math.floor(app.config.sessionTtlMs / 1000) };
}

export function registerAuth(app: FastifyInstance): void {
  const secret = app.config.sessionSecret;
  const tokenFor = (key: string) => createHmac("sha256", secret).update("csrf:" + key).digest("base64url");

  app.decorateRequest("user", null);
  app.decorateRequest("sid", null);
  app.decorateRequest("csrfToken", "");

  app.addHook("onRequest", async (req, reply) => {
    if (req.url.startsWith("/static/") || req.url === "/healthz") return;
    const s = resumeSession(app.db, req.cookies[SESSION_COOKIE], app.clock(), app.config.sessionTtlMs);
    if (s) {
      req.user = s.user;
      req.sid = s.sid;
      req.csrfToken = tokenFor(s.sid);
    } else {
      let pre = req.cookies[PRE_COOKIE];
      if (!pre || !/^[A-Za-z0-9_-]{20,64}$/.test(pre)) {
        pre = randomBytes(18).toString("base64url");
        reply.setCookie(PRE_COOKIE, pre, { path: "/", httpOnly: true, sameSite: "lax", secure: app.config.secureCookies });
      }
      req.csrfToken = tokenFor("pre:" + pre);
    }
  });

  // Multipart bodies are checked in their handlers (assertCsrf) once the fields are read.
  app.addHook("preHandler", async (req) => {
    if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return;
    if (req.isMultipart()) return;
    const body = req.body as Record<string, unknown> | undefined;
    assertCsrf(req, (body?._csrf as string | undefined) ?? (req.headers["x-csrf-token"] as string | undefined));
  });
}

export function assertCsrf(req: FastifyRequest, given: unknown): void {
  const want = Buffer.from(req.csrfToken);
  const got = Buffer.from(typeof given === "string" ? given : "");
  if (!req.csrfToken || got.length !== want.length || !timingSafeEqual(got, want)) throw new ForbiddenError(CSRF_MESSAGE);
}

/** preHandler: a signed-in user, else to /login (or 401 for a non-GET / HX-Redirect for htmx). */
export async function requireUser(req: FastifyRequest, reply: FastifyReply) {
  if (req.user) return;
  const next = encodeURIComponent(req.url);
  if (req.headers["hx-request"] === "true") return reply.code(401).header("HX-Redirect", `/login?next=${next}`).send("请先登录");
  if (req.method !== "GET") return reply.code(401).type("text/plain; charset=utf-8").send("请先登录");
  return reply.redirect(`/login?next=${next}`, 303);
}

export async function requireAdmin(req: FastifyRequest, reply: FastifyReply) {
  await requireUser(req, reply);
  if (reply.sent) return;
  if (req.user!.role !== "admin") throw new ForbiddenError();
}
