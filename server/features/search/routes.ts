// GET /search?q=…: the whole page on a plain load, only the results when htmx asks (active search).
import type { FastifyInstance } from "fastify";
import { requireUser } from "../../plugins/auth.ts";
import { isHtmx } from "../../plugins/views.ts";
import { search, HIT_KIND_LABEL, RANK_WINDOW } from "./service.ts";

export async function searchRoutes(app: FastifyInstance) {
  app.get("/search", { preHandler: requireUser }, async (req, reply) => {
    const result = await search(app.db, req.user!, (req.query as Record<string, unknown>).q);
    const data = { title: result.query.text ? `搜索：${result.query.text}` : "搜索", result, kindLabel: HIT_KIND_LABEL, window: RANK_WINDOW };
    return reply.render(isHtmx(req) ? "search/_results" : "search/index", data);
  });
}
