// 首页: the overview for leaders and admin (their unit and its sub-units; ?unit= drills down);
// staff keep 我的任务 as their home, where their own work is.
import type { FastifyInstance } from "fastify";
import { requireUser } from "../../plugins/auth.ts";
import { dayIn } from "../../lib/dates.ts";
import { positiveInt } from "../../lib/http.ts";
import { overview, tzOffsetMinutes } from "./service.ts";
import { pendingProblems } from "../reports/service.ts";
import { mailProblems } from "../reminders/send.ts";
import { recheckFigures, listRounds } from "../recheck/service.ts";
import { RATES_RULE } from "../recheck/plan.ts";
import { keptLatest, keptLatestOf } from "../../lib/stats-version.ts";
import { perDb } from "../../../db/client.ts";

type RecheckView = { figures: Awaited<ReturnType<typeof recheckFigures>>; rounds: Awaited<ReturnType<typeof listRounds>>; rule: typeof RATES_RULE };
/** the 回头看 parts by day and scope, kept until stats_version moves (at most 1,000 scopes) */
const kept = perDb(() => keptLatestOf<RecheckView>());

export async function homeRoutes(app: FastifyInstance) {
  const tz = app.config.timeZone;
  let offsetFor = { day: "", minutes: 0 };
  app.get("/", { preHandler: requireUser }, async (req, reply) => {
    const u = req.user!;
    if (u.role === "staff") return reply.redirect("/tasks/mine", 303);
    const now = app.clock();
    const today = dayIn(tz, now);
    if (offsetFor.day !== today) offsetFor = { day: today, minutes: tzOffsetMinutes(tz, now) };
    const unitId = positiveInt((req.query as Record<string, string>).unit);
    const view = await overview(app.db, u, today, offsetFor.minutes, unitId);
    // the page's other parts read side by side (on a database server, their round trips at once)
    const [pendingAll, recheck, mail] = await Promise.all([
      // problems confirmed without a 责任人: what is waiting for the leader
      pendingProblems({ db: app.db, actor: u }),
      // 回头看: due and overdue, 巩固率 and 反弹率 by unit, the rounds' progress: kept, as the overview's
      // snapshot is, until stats_version moves (recheck_items moves it: migration 0020) or the day does
      keptLatest(
        kept(app.db),
        app.db,
        `${today}|${u.role}|${u.id}|${u.unitPath}|${view.scope.id ?? ""}`,
        async () => ({ figures: await recheckFigures(app.db, u, today, view.scope.id), rounds: await listRounds(app.db, u, today, view.scope.id), rule: RATES_RULE }),
        { max: 1000 },
      ),
      u.role === "admin" ? mailProblems(app.db) : null,
    ]);
    const pending = pendingAll.filter((r) => !view.scope.id || r.unitPath.includes(`/${view.scope.id}/`));
    return reply.render("dashboard/index", { title: "首页", view, pending, recheck, mailProblems: mail });
  });
}
