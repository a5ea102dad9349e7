// 回头看 pages. Thin: parse, call the service, render.
//   GET  /rechecks                 the 回头看 list (?show=due|all|done) and the rounds
//   POST /rechecks/rounds          开展一轮回头看 (a report, or a unit's tree, as of a date)
//   GET  /rechecks/rounds/:id      a round's page with its progress
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { requireUser } from "../../plugins/auth.ts";
import { setFlash } from "../../plugins/flash.ts";
import { DomainError, ForbiddenError } from "../../lib/errors.ts";
import { dayIn } from "../../lib/dates.ts";
import { positiveInt } from "../../lib/http.ts";
import { assignableUnits } from "../tasks/service.ts";
import * as svc from "./service.ts";
import { RATES_RULE } from "./plan.ts";

type Body = Record<string, string | undefined>;
const SHOWS = ["due", "all", "done"] as const;

export async function recheckRoutes(app: FastifyInstance) {
  app.addHook("preHandler", requireUser);
  const ctx = (req: FastifyRequest) => {
    const now = app.clock();
    return { db: app.db, actor: req.user!, now, today: dayIn(app.config.timeZone, now) };
  };

  async function renderList(req: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const c = ctx(req);
    const q = req.query as Body;
    const show = (SHOWS as readonly string[]).includes(q.show ?? "") ? (q.show as (typeof SHOWS)[number]) : "due";
    const leader = c.actor.role === "leader" || c.actor.role === "admin";
    return reply.render(
      "recheck/index",
      {
        title: "回头看",
        show,
        rows: await svc.listRechecks(app.db, c.actor, c.today, show),
        rounds: await svc.listRounds(app.db, c.actor, c.today),
        units: leader ? await assignableUnits(app.db, c.actor) : [],
        reports: leader ? await app.db.all<{ id: number; title: string }>(`SELECT id, title FROM reports ORDER BY id DESC LIMIT 100`) : [],
        leader,
        ratesRule: RATES_RULE,
        form: {},
        errors: {},
        ...extra,
      },
      status,
    );
  }

  app.get("/rechecks", (req, reply) => renderList(req, reply));

  app.post("/rechecks/rounds", async (req, reply) => {
    const b = (req.body as Body) ?? {};
    const c = ctx(req);
    try {
      if (c.actor.role !== "leader" && c.actor.role !== "admin") throw new ForbiddenError("只有领导和管理员可以开展回头看");
      const scope = b.scope === "report" ? { reportId: positiveInt(b.reportId) ?? -1 } : { unitId: positiveInt(b.unitId) };
      const r = await svc.startRound(c, scope, (b.due ?? "").trim(), (b.asOf ?? "").trim() || undefined);
      setFlash(reply, `已开展回头看：${r.count} 项已销号任务须在期限前完成回头看`);
      return reply.redirect(`/rechecks/rounds/${r.roundId}`, 303);
    } catch (e) {
      if (!(e instanceof DomainError) || e.status === 404) throw e;
      return renderList(req, reply, { error: e.message, errors: e.fields ?? {}, form: b }, e.status);
    }
  });

  app.get("/rechecks/rounds/:id", async (req, reply) => {
    const c = ctx(req);
    const r = await svc.getRound(app.db, c.actor, c.today, Number((req.params as Body).id));
    return reply.render("recheck/round", { title: r.round.title, r });
  });
}
