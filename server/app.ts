// buildApp(config): plugins → error and 404 handlers → features.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import multipart from "@fastify/multipart";
import fastifyStatic from "@fastify/static";
import { readFileSync } from "node:fs";
import type { Config } from "./config.ts";
import type { Db } from "../db/client.ts";
import { withCounterScope } from "./lib/stats-version.ts";
import { DomainError } from "./lib/errors.ts";
import { fromRoot, resolveFromRoot } from "./lib/root.ts";
import { lazySchemaCompilers } from "./lib/schema-compilers.ts";
import { registerViews, isHtmx } from "./plugins/views.ts";
import { registerAuth } from "./plugins/auth.ts";
import { registerFrontDoor } from "./plugins/front-door.ts";
import { authRoutes } from "./features/auth/routes.ts";
import { taskRoutes } from "./features/tasks/routes.ts";
import { adminRoutes } from "./features/admin/routes.ts";
import { homeRoutes } from "./features/dashboard/routes.ts";
import { reportRoutes } from "./features/reports/routes.ts";
import { reminderRoutes } from "./features/reminders/routes.ts";
import { ledgerRoutes } from "./features/ledger/routes.ts";
import { searchRoutes } from "./features/search/routes.ts";
import { auditRoutes } from "./features/audit/routes.ts";
import { securityRoutes } from "./features/security/routes.ts";
import { channelRoutes } from "./features/channels/routes.ts";
import { moveinRoutes } from "./features/movein/routes.ts";
import { recheckRoutes } from "./features/recheck/routes.ts";

declare module "fastify" {
  interface FastifyInstance {
    db: Db;
    config: Config;
    /** the current moment; tests pass a fixed clock */
    clock: () => Date;
  }
}

/** sent with every response */
const SECURITY_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "same-origin",
  "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; form-action 'self'; frame-ancestors 'none'",
};

/**
 * An error as a page in the layout (lang, a title, a way on), or for htmx a message put in the
 * layout's message area (#flash), leaving the region that asked as it was.
 */
function errorPage(req: FastifyRequest, reply: FastifyReply, status: number, title: string, message: string) {
  if (isHtmx(req)) {
    reply.header("HX-Retarget", "#flash").header("HX-Reswap", "innerHTML show:top");
    return reply.render("partials/_message", { title, message, error: true }, status);
  }
  const referer = req.headers.referer;
  const back = referer && referer.startsWith(`${req.protocol}://${req.host}/`) && !referer.endsWith(req.url) ? referer : null;
  return reply.render("error", { title, message, error: true, status, back }, status);
}

export type AppOptions = { config: Config; db: Db; clock?: () => Date; logger?: boolean | object };

const publicDir = fromRoot("public");

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { config, db } = opts;
  const app = Fastify({
    logger: opts.logger ?? { level: config.logLevel },
    bodyLimit: 1024 * 1024,
    trustProxy: config.trustProxy && config.trustProxy.length ? config.trustProxy : false,
    schemaController: { compilersFactory: lazySchemaCompilers() },
  });
  app.decorate("db", db);
  // each request reads the change counters once (stats-version.ts): first of the hooks, so the
  // whole request runs in its scope
  app.addHook("onRequest", (_req, _reply, done) => withCounterScope(db, done));
  app.decorate("config", config);
  app.decorate("clock", opts.clock ?? (() => new Date()));

  await app.register(cookie, { secret: config.sessionSecret });
  await app.register(formbody);
  await app.register(multipart, { limits: { fileSize: config.uploadMaxBytes, files: 10, fields: 30, fieldSize: 200_000 } });
  await app.register(fastifyStatic, { root: publicDir, prefix: "/static/", maxAge: config.dev ? 0 : "1h" });

  // htmx, served from our own origin (no CDN)
  const htmx = readFileSync(resolveFromRoot("htmx.org/dist/htmx.min.js"));
  app.get("/static/htmx.min.js", (_req, reply) => reply.type("text/javascript; charset=utf-8").header("Cache-Control", "public, max-age=86400").send(htmx));

  registerViews(app);
  registerAuth(app);
  registerFrontDoor(app);

  // on every response; a callback hook, not an async one: no promise per request
  app.addHook("onSend", (_req, reply, payload, done) => {
    reply.headers(SECURITY_HEADERS);
    done(null, payload);
  });

  // a request slower than SLOW_REQUEST_MS: a warning with its path and time, to find what a
  // crowded server is slow at (a callback hook; nothing when off)
  const slowMs = config.slowRequestMs;
  if (slowMs > 0)
    app.addHook("onResponse", (req, reply, done) => {
      const ms = reply.elapsedTime;
      if (ms >= slowMs) req.log.warn({ method: req.method, url: req.url, statusCode: reply.statusCode, ms: Math.round(ms) }, "慢请求");
      done();
    });

  app.get("/healthz", async (_req, reply) => {
    try {
      await db.value("SELECT 1");
      return { ok: true };
    } catch (err) {
      return reply.code(503).send({ ok: false, error: "数据库不可用" });
    }
  });

  // Before the features, so that their errors and unknown paths reach these handlers too (a child
  // context takes the handlers its parent has when it is registered).
  app.setNotFoundHandler((req, reply) => errorPage(req, reply, 404, "页面不存在", "您访问的页面不存在，可能地址有误或已被删除。"));

  app.setErrorHandler((err: any, req, reply) => {
    let status = 500;
    let message = "服务器内部错误，请稍后重试。";
    if (err instanceof DomainError) {
      status = err.status;
      message = err.message;
    } else if (err.code === "FST_REQ_FILE_TOO_LARGE" || err.code === "FST_FILES_LIMIT" || err.statusCode === 413) {
      status = 413;
      message = `文件过大：单个文件不能超过 ${Math.round(config.uploadMaxBytes / 1024 / 1024)} MB`;
    } else if (err.statusCode && err.statusCode < 500) {
      status = err.statusCode;
      message = "请求无效，请检查后重试。";
    }
    if (status >= 500) req.log.error({ err, url: req.url, user: req.user?.id }, "request failed");
    else req.log.info({ status, msg: message, url: req.url }, "request refused");
    if (reply.sent) return;
    if (!(req.headers.accept ?? "").includes("html") && req.headers["hx-request"] !== "true" && req.method !== "GET") {
      return reply.code(status).type("text/plain; charset=utf-8").send(message);
    }
    return errorPage(req, reply, status, status === 403 ? "无权操作" : status === 404 ? "未找到" : "出错了", message);
  });

  await app.register(authRoutes);
  await app.register(homeRoutes);
  await app.register(taskRoutes);
  await app.register(adminRoutes);
  await app.register(reportRoutes);
  await app.register(reminderRoutes);
  await app.register(ledgerRoutes);
  await app.register(searchRoutes);
  await app.register(auditRoutes);
  await app.register(recheckRoutes);
  await app.register(securityRoutes);
  await app.register(channelRoutes);
  await app.register(moveinRoutes);

  return app;
}
