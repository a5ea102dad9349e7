// 单位管理 › 群机器人 (admin): a unit's robots, the form to add one, 发送测试消息 with the
// platform's answer shown, 重新启用 after 失效, 删除. Works without JavaScript (full pages);
// with htmx the test answer is swapped in beside its button.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { requireAdmin } from "../../plugins/auth.ts";
import { setFlash } from "../../plugins/flash.ts";
import { isHtmx } from "../../plugins/views.ts";
import { DomainError, NotFoundError } from "../../lib/errors.ts";
import { positiveInt } from "../../lib/http.ts";
import { getUnit } from "../admin/service.ts";
import { audit } from "../audit/service.ts";
import { sendTestMessage, type TestAnswer } from "./deliver.ts";
import { CHANNEL_KINDS, CHANNEL_KIND_LABEL, MESSAGE_KINDS, MESSAGE_KIND_LABEL, RATE_LIMIT } from "./robots.ts";
import { addChannel, enableChannel, listChannels, removeChannel, unitOfChannel, updateChannel } from "./service.ts";

type Body = Record<string, string | string[] | undefined>;
const str = (v: unknown) => (Array.isArray(v) ? String(v[0] ?? "") : typeof v === "string" ? v : "");

export async function channelRoutes(app: FastifyInstance) {
  app.addHook("preHandler", async (req, reply) => {
    if (req.url.startsWith("/admin")) await requireAdmin(req, reply);
  });

  const idOf = (req: FastifyRequest) => {
    const id = positiveInt((req.params as { id: string }).id);
    if (!id) throw new NotFoundError("未找到");
    return id;
  };

  const page = async (reply: FastifyReply, unitId: number, extra: Record<string, unknown> = {}, status = 200) => {
    const unit = await getUnit(app.db, unitId);
    return reply.render(
      "channels/index",
      {
        title: `群机器人：${unit.name}`,
        unit,
        channels: await listChannels(app.db, unitId),
        kinds: CHANNEL_KINDS.map((k) => ({ value: k, label: CHANNEL_KIND_LABEL[k], limit: RATE_LIMIT[k].perMinute })),
        messageKinds: MESSAGE_KINDS.map((k) => ({ value: k, label: MESSAGE_KIND_LABEL[k] })),
        values: { kind: "dingtalk", kinds: [...MESSAGE_KINDS], includeSubunits: false },
        errors: {},
        allowPrivate: app.config.channelAllowPrivate,
        ...extra,
      },
      status,
    );
  };

  app.get("/admin/units/:id/robots", async (req, reply) => page(reply, idOf(req)));

  app.post("/admin/units/:id/robots", async (req, reply) => {
    const unitId = idOf(req);
    const b = (req.body ?? {}) as Body;
    const kinds = [b.kinds ?? []].flat().map(String);
    try {
      const id = await addChannel(app.db, app.config, { unitId, kind: str(b.kind), url: str(b.url), secret: str(b.secret), kinds, includeSubunits: str(b.includeSubunits) === "1" }, req.user!.id);
      await audit(req, "channel.create", { target: `群机器人 ${id}`, detail: `${CHANNEL_KIND_LABEL[str(b.kind) as "wecom"] ?? str(b.kind)}，单位 ${unitId}` });
      setFlash(reply, `已添加${CHANNEL_KIND_LABEL[str(b.kind) as "wecom"]}机器人。Webhook 地址和签名密钥已加密保存，不再显示；可点“发送测试消息”检查。`);
      return reply.redirect(`/admin/units/${unitId}/robots#robot-${id}`, 303);
    } catch (e) {
      if (!(e instanceof DomainError) || e.status === 404) throw e;
      // the address is given back to be corrected; the secret is asked for again
      return page(reply, unitId, { values: { kind: str(b.kind), url: str(b.url), kinds, includeSubunits: str(b.includeSubunits) === "1" }, errors: e.fields, error: e.message }, e.status);
    }
  });

  app.post("/admin/robots/:id/test", async (req, reply) => {
    const id = idOf(req);
    const r = await sendTestMessage(app.db, app.config, id, req.user!.name);
    await audit(req, "channel.test", { target: `群机器人 ${id}`, outcome: r.ok ? "ok" : "fail", detail: `${r.code ?? ""} ${r.message}`.trim().slice(0, 200) });
    const answer = answerView(r);
    if (isHtmx(req)) return reply.render("channels/_answer", { id, answer }, r.ok ? 200 : 422);
    return page(reply, r.channel.unitId, { answers: { [id]: answer } }, r.ok ? 200 : 422);
  });

  app.post("/admin/robots/:id", async (req, reply) => {
    const id = idOf(req);
    const b = (req.body ?? {}) as Body;
    try {
      const { unitId } = await updateChannel(app.db, id, { kinds: [b.kinds ?? []].flat().map(String), includeSubunits: str(b.includeSubunits) === "1" });
      await audit(req, "channel.update", { target: `群机器人 ${id}`, detail: [b.kinds ?? []].flat().join(",") + (str(b.includeSubunits) === "1" ? "，含下级单位" : "") });
      setFlash(reply, "已保存该机器人接收的消息类型");
      return reply.redirect(`/admin/units/${unitId}/robots#robot-${id}`, 303);
    } catch (e) {
      if (!(e instanceof DomainError) || e.status === 404) throw e;
      return page(reply, await unitOfChannel(app.db, id), { error: e.message }, e.status);
    }
  });

  app.post("/admin/robots/:id/enable", async (req, reply) => {
    const id = idOf(req);
    const { unitId } = await enableChannel(app.db, id);
    await audit(req, "channel.enable", { target: `群机器人 ${id}` });
    setFlash(reply, "已重新启用该机器人，失败次数已清零");
    return reply.redirect(`/admin/units/${unitId}/robots#robot-${id}`, 303);
  });

  app.post("/admin/robots/:id/delete", async (req, reply) => {
    const id = idOf(req);
    const { unitId } = await removeChannel(app.db, id);
    await audit(req, "channel.remove", { target: `群机器人 ${id}` });
    setFlash(reply, "已删除该机器人（提醒记录中的发送记录保留）");
    return reply.redirect(`/admin/units/${unitId}/robots`, 303);
  });
}

/** the platform's answer as the page shows it */
function answerView(r: TestAnswer) {
  return { ok: r.ok, code: r.code, message: r.message, status: r.status, text: r.text.slice(0, 500) };
}
