// 首页: sends each user to where their work is until the overview (issue 7) lands.
import type { FastifyInstance } from "fastify";
import { requireUser } from "../../plugins/auth.ts";

export async function homeRoutes(app: FastifyInstance) {
  app.get("/", { preHandler: requireUser }, (req, reply) => {
    const u = req.user!;
    return reply.redirect(u.role === "staff" ? "/tasks/mine" : "/tasks", 303);
  });
}
