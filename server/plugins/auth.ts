// Session and CSRF on every request. A signed-in request carries req.user; every mutation
// must carry the CSRF token (form field _csrf, or the X-CSRF-Token header htmx sends), which is
// an HMAC of the session (or, before sign-in, of a random pre-session cookie).
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { resumeSession, type SessionUser } from "../features/auth/service.ts";
import { safeNext } from "../features/auth/next.ts";
import { ForbiddenError } from "../lib/errors.ts";
import { readMultipart } from "../lib/multipart.ts";

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

/** The CSRF token of a session (by its id) or of a pre-session ("pre:" + cookie). */
export function csrfTokenFor(secret: string, key: string): string {
  return createHmac("sha256", secret).update("csrf:" + key).digest("base64url");
}

export function registerAuth(app: FastifyInstance): void {
  const secret = app.config.sessionSecret;
  const tokenFor = (key: string) => csrfTokenFor(secret, key);

  app.decorateRequest("user", null);
  app.decorateRequest("sid", null);
  app.decorateRequest("csrfToken", "");

  app.addHook("onRequest", async (req, reply) => {
    if (req.url.startsWith("/static/") || req.url === "/healthz") return;
    const s = await resumeSession(app.db, req.cookies[SESSION_COOKIE], app.clock(), app.config.sessionTtlMs);
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
  // A post whose session has ended (its token was the old session's) gets the sign-in page
  // carrying what was typed, not a refusal: see signedOut below.
  app.addHook("preHandler", async (req, reply) => {
    if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return;
    if (req.isMultipart()) return;
    const body = req.body as Record<string, unknown> | undefined;
    try {
      assertCsrf(req, (body?._csrf as string | undefined) ?? (req.headers["x-csrf-token"] as string | undefined));
    } catch (e) {
      if (req.user) throw e;
      if (req.url === "/logout") return reply.redirect("/login", 303); // signed out already
      // a sign-in page left open too long: sign-in again, still carrying what it carried
      if (req.url === "/login") return reply.render("auth/login", { title: "登录", next: "/", email: String(body?.email ?? ""), error: "页面已过期，请重新登录", carry: carriedByLogin(body ?? {}) }, 403);
      return signedOut(req, reply);
    }
  });
}

export function assertCsrf(req: FastifyRequest, given: unknown): void {
  const want = Buffer.from(req.csrfToken);
  const got = Buffer.from(typeof given === "string" ? given : "");
  if (!req.csrfToken || got.length !== want.length || !timingSafeEqual(got, want)) throw new ForbiddenError(CSRF_MESSAGE);
}

/** preHandler: a signed-in user, else to /login (a GET), or the sign-in page keeping what a post carried. */
export async function requireUser(req: FastifyRequest, reply: FastifyReply) {
  if (req.user) return;
  if (req.method !== "GET" && req.method !== "HEAD") return signedOut(req, reply);
  const next = encodeURIComponent(req.url);
  if (req.headers["hx-request"] === "true") return reply.code(401).header("HX-Redirect", `/login?next=${next}`).send("请先登录");
  return reply.redirect(`/login?next=${next}`, 303);
}

/** What a post carried when its session had ended: replayed after sign-in (auth/replay.eta). */
export type Carried = { action: string; multipart: boolean; hadFiles: boolean; fields: [string, string][] };

export const SIGNED_OUT_MESSAGE = "登录已过期，请重新登录。您填写的内容已保留，登录后可确认继续提交。";

/** only same-site paths are followed after sign-in */
export { safeNext }; // one rule for where a sign-in may lead (features/auth/next.ts)

/** The carried post, as the sign-in form sends it back (hidden carry.* fields of auth/_login.eta). */
export function carriedByLogin(body: Record<string, unknown>): Carried | null {
  const action = safeNext(body.carryAction, "");
  if (!action) return null;
  const fields: [string, string][] = [];
  for (const [k, v] of Object.entries(body)) {
    if (!k.startsWith("carry.")) continue;
    for (const one of Array.isArray(v) ? v : [v]) if (typeof one === "string") fields.push([k.slice(6), one]);
  }
  return { action, multipart: body.carryMultipart === "1", hadFiles: body.carryFiles === "1", fields };
}

/**
 * A post without a session: 401 with the sign-in page carrying the posted text fields (the files
 * of a multipart form cannot be kept: the page says so). htmx gets the sign-in form in <main>.
 */
async function signedOut(req: FastifyRequest, reply: FastifyReply) {
  // Only a post from this site's own pages: its SameSite cookies come with it, a cross-site post's do not.
  if (!req.cookies[SESSION_COOKIE] && !req.cookies[PRE_COOKIE]) throw new ForbiddenError(CSRF_MESSAGE);
  const fields: [string, string][] = [];
  let multipart = false;
  let hadFiles = false;
  let kept = true;
  if (req.isMultipart()) {
    multipart = true;
    try {
      const form = await readMultipart(req, req.server.config.uploadMaxBytes, { fieldBytes: req.server.config.reportMaxBytes });
      hadFiles = form.files.length > 0;
      for (const [k, v] of Object.entries(form.fields)) if (v !== undefined) fields.push([k, v]);
    } catch {
      kept = false; // too large to keep: the sign-in page says so
      fields.length = 0;
    }
  } else {
    for (const [k, v] of Object.entries((req.body as Record<string, unknown> | undefined) ?? {})) {
      for (const one of Array.isArray(v) ? v : [v]) if (typeof one === "string") fields.push([k, one]);
    }
  }
  const carry: Carried = { action: req.url, multipart, hadFiles, fields: fields.filter(([k]) => k !== "_csrf") };
  if (req.headers["hx-request"] === "true") reply.header("HX-Retarget", "#main").header("HX-Reswap", "innerHTML");
  const error = kept ? SIGNED_OUT_MESSAGE : "登录已过期，请重新登录。所填内容超过大小限制，未能保留。";
  return reply.render(req.headers["hx-request"] === "true" ? "auth/_login" : "auth/login", { title: "登录", next: "/", email: "", error, carry: kept ? carry : null }, 401);
}

export async function requireAdmin(req: FastifyRequest, reply: FastifyReply) {
  await requireUser(req, reply);
  if (reply.sent) return;
  if (req.user!.role !== "admin") throw new ForbiddenError();
}
