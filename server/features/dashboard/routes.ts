// 首页: the overview for leaders and admin (their unit and its sub-units; ?unit= drills down);
// staff keep 我的任务 as their home, where their own work is.
import type { FastifyInstance } from "fastify";
import { requireUser } from "../../plugins/auth.ts";
import { dayIn } from "../../lib/dates.ts";
import { positiveInt } from "../../lib/http.ts";
import { overview, tzOffsetMinutes } from "./service.ts";
import { pendingProblems } from "../reports/service.ts";
import { mailProblems } from "../reminders/send.ts";

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
    // problems confirmed without a 责任人: what is waiting for the leader
    const pending = (await pendingProblems({ db: app.db, actor: u })).filter((r) => !view.scope.id || r.unitPath.includes(`/${view.scope.id}/`));
    return reply.render("dashboard/index", { title: "首页", view, pending, mailProblems: u.role === "admin" ? await mailProblems(app.db) : null });
  });
}
