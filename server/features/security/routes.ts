// 安全管理 (安全管理员 only): who holds which role, the sign-in lockouts in force (lift one), and
// the security policies as configured. Each change is written to the audit log.
import type { FastifyInstance } from "fastify";
import { onlyFor } from "../../plugins/front-door.ts";
import { setFlash } from "../../plugins/flash.ts";
import { DomainError } from "../../lib/errors.ts";
import { canManageSecurity, ROLES, ROLE_LABEL } from "../auth/permissions.ts";
import { currentLockouts, liftLockout, LOCK_MINUTES, MAX_FAILED_LOGINS } from "../auth/service.ts";
import { listUsers, setRole } from "../admin/service.ts";
import { audit } from "../audit/service.ts";

type Body = Record<string, string | undefined>;

export async function securityRoutes(app: FastifyInstance) {
  onlyFor(app, "/security", canManageSecurity, "只有安全管理员可以管理角色和登录锁定");

  const page = async (extra: Record<string, unknown> = {}) => ({
    title: "安全管理",
    users: await listUsers(app.db),
    roles: ROLES,
    lockouts: await currentLockouts(app.db, app.clock()),
    policy: { maxFailed: MAX_FAILED_LOGINS, lockMinutes: LOCK_MINUTES, rate: app.config.loginRateLimit, retention: app.config.auditRetentionDays, ttlHours: Math.round(app.config.sessionTtlMs / 3600_000) },
    ...extra,
  });

  app.get("/security", async (req, reply) => reply.render("security/index", await page()));

  app.post("/security/users/:id/role", async (req, reply) => {
    const id = Number((req.params as { id: string }).id);
    const role = (req.body as Body).role ?? "";
    try {
      const old = await setRole(app.db, req.user!.id, id, role);
      if (old !== role) await audit(req, "role.change", { target: `账号 ${id}`, detail: `${ROLE_LABEL[old]} → ${ROLE_LABEL[role as keyof typeof ROLE_LABEL]}` });
      setFlash(reply, old === role ? "角色未变" : "角色已变更，该账号需重新登录");
      return reply.redirect("/security", 303);
    } catch (e) {
      if (!(e instanceof DomainError) || e.status === 404) throw e;
      return reply.render("security/index", await page({ error: e.message }), e.status);
    }
  });

  app.post("/security/lockouts/lift", async (req, reply) => {
    const b = req.body as Body;
    const lifted = await liftLockout(app.db, b.email ?? "", b.address ?? "");
    if (lifted) await audit(req, "lockout.lift", { target: b.email ?? "", detail: `来源 ${b.address ?? ""}` });
    setFlash(reply, lifted ? `已解除 ${b.email} 在 ${b.address} 的登录锁定` : "该锁定已不存在");
    return reply.redirect("/security", 303);
  });
}
