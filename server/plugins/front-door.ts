// What every request passes on its way in and out:
//  - ids in the path (:id) are decimal digits, else 404 before any handler reads them
//    (Number() would take "0x1", "1e0", " 1", "1.0");
//  - the oversight roles (安全管理员, 审计管理员) open only their own pages;
//  - every 403 answer is written to the audit log as a denied request;
//  - /favicon.ico, which every browser asks for on every page.
import type { FastifyInstance } from "fastify";
import { readFileSync } from "node:fs";
import { homeOf, mayOpen } from "../features/auth/permissions.ts";
import { ForbiddenError, NotFoundError } from "../lib/errors.ts";
import { fromRoot } from "../lib/root.ts";
import { audit } from "../features/audit/service.ts";
import { requireUser } from "./auth.ts";
import type { SessionUser } from "../features/auth/service.ts";

/** An id as it may appear in a URL: 1 to 15 decimal digits, no sign, no leading zero. */
export const ID_PATTERN = /^[1-9][0-9]{0,14}$/;

/** In a feature's plugin: every URL under `prefix` needs a signed-in person whom `may` lets in (else 403 with `message`). */
export function onlyFor(app: FastifyInstance, prefix: string, may: (u: SessionUser) => boolean, message: string): void {
  app.addHook("preHandler", async (req, reply) => {
    if (!req.url.startsWith(prefix)) return;
    await requireUser(req, reply);
    if (reply.sent) return;
    if (!may(req.user!)) throw new ForbiddenError(message);
  });
}

export function registerFrontDoor(app: FastifyInstance): void {
  app.addHook("preValidation", (req, _reply, done) => {
    const id = (req.params as Record<string, string> | undefined)?.id;
    done(id !== undefined && !ID_PATTERN.test(id) ? new NotFoundError("您访问的页面不存在。") : undefined);
  });

  const favicon = readFileSync(fromRoot("public", "favicon.ico"));
  app.get("/favicon.ico", (_req, reply) => reply.type("image/x-icon").header("Cache-Control", "public, max-age=604800").send(favicon));

  // callback style: this runs on every request, and an async hook costs a promise each time
  app.addHook("preHandler", (req, reply, done) => {
    const u = req.user;
    if (!u) return done();
    const home = homeOf(u.role);
    if (home && req.method === "GET" && req.url.split("?")[0] === "/") {
      reply.redirect(home, 303); // answered here: fastify goes on without done()
      return;
    }
    done(mayOpen(u.role, req.url) ? undefined : new ForbiddenError());
  });

  // callback style, like the security headers: no promise per request (only a 403 waits for its audit entry)
  app.addHook("onSend", (req, reply, payload, done) => {
    if (reply.statusCode !== 403) return done(null, payload);
    Promise.resolve()
      .then(() => audit(req, "denied", { outcome: "denied", target: `${req.method} ${req.url}` }))
      .then(
        () => done(null, payload),
        (err: unknown) => {
          req.log.error({ err }, "audit write failed");
          done(null, payload);
        },
      );
  });
}
