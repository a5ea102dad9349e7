// Admin pages: 提醒记录 (the reminder log, with a resend button) and 发件箱 (the .eml files
// written when no SMTP_URL is set).
import type { FastifyInstance } from "fastify";
import type { AddressObject } from "mailparser";
// mailparser is loaded when a mail is first shown, not at start-up
type ParseOptions = import("mailparser").SimpleParserOptions;
const simpleParser = async (source: Buffer | string, options: ParseOptions) => (await import("mailparser")).simpleParser(source, options);
import { requireAdmin } from "../../plugins/auth.ts";
import { setFlash } from "../../plugins/flash.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { createMailer, outboxFiles, readOutboxFile, type Mailer } from "./mailer.ts";
import { acknowledge, listLog, LOG_STATUSES, resend, type RunResult } from "./send.ts";
import { audit } from "../audit/service.ts";

type Query = Record<string, string | undefined>;
const OUTBOX_PAGE = 50;
const SHOWN_HEADERS = ["list-id", "list-unsubscribe", "x-rectify-kind", "x-rectify-tasks", "auto-submitted", "references"];
/** the resend request waits this long for the mail server, then answers and lets it finish */
const RESEND_WAIT_MS = 10_000;

const addressText = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a.map((x) => x.text).join(", ") : (a?.text ?? ""));

export async function reminderRoutes(app: FastifyInstance) {
  let mailer: Mailer | null = null;
  const getMailer = () => (mailer ??= createMailer(app.config));
  app.addHook("onClose", async () => mailer?.close());
  app.addHook("preHandler", requireAdmin);

  app.get("/admin/reminders", async (req, reply) => {
    const q = req.query as Query;
    const status = LOG_STATUSES.find((x) => x === q.status) ?? "";
    const data = await listLog(app.db, { status, page: Number(q.page) || 1 });
    return reply.render("reminders/log", { title: "提醒记录", ...data, status, delivery: app.config.smtpUrl ? "smtp" : "outbox" });
  });

  app.post("/admin/reminders/:id/resend", async (req, reply) => {
    const id = Number((req.params as { id: string }).id);
    if (!Number.isInteger(id) || id < 1) throw new NotFoundError("未找到该提醒记录");
    await audit(req, "reminder.resend", { target: `提醒 ${id}` });
    const sending = resend({ db: app.db, config: app.config, mailer: getMailer(), now: app.clock() }, id);
    const outcome = await Promise.race([sending, new Promise<"slow">((r) => setTimeout(() => r("slow"), RESEND_WAIT_MS).unref())]);
    if (outcome === "slow") {
      sending.catch((err) => req.log.error({ err }, "resend failed"));
      setFlash(reply, "邮件服务器响应较慢，正在后台发送，请稍后刷新查看结果");
    } else {
      const r = outcome as RunResult;
      setFlash(reply, r.status === "sent" ? `已重新发送给 ${r.recipient.name}（${r.recipient.email}）` : r.status === "taken" ? "该提醒已在发送中" : `重新发送失败：${r.error ?? ""}`);
    }
    const back = typeof (req.body as Query)?.back === "string" && (req.body as Query).back!.startsWith("/admin/reminders") ? (req.body as Query).back! : "/admin/reminders";
    return reply.redirect(back, 303);
  });

  // 已知悉: failed, 退信 and given-up mail leaves 首页, the admins' weekly mail and remind's exit status
  app.post("/admin/reminders/acknowledge", async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, string | string[] | undefined>;
    const ids = body.all === "1" ? "all" : [body.id ?? []].flat().map(Number).filter((n) => Number.isInteger(n) && n > 0);
    const n = await acknowledge(app.db, req.user!.id, ids, app.clock());
    setFlash(reply, n ? `已标记 ${n} 项提醒邮件问题为已知悉` : "这些问题已由其他管理员标记为已知悉");
    return reply.redirect("/#mail-problems", 303);
  });

  app.get("/admin/outbox", async (req, reply) => {
    const files = outboxFiles(app.config.outboxDir);
    const pages = Math.max(1, Math.ceil(files.length / OUTBOX_PAGE));
    const page = Math.min(Math.max(1, Number((req.query as Query).page) || 1), pages);
    const mails = await Promise.all(
      files.slice((page - 1) * OUTBOX_PAGE, page * OUTBOX_PAGE).map(async (name) => {
        const m = await simpleParser(readOutboxFile(app.config.outboxDir, name)!, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
        return { name, subject: m.subject ?? "", to: addressText(m.to), date: m.date?.toISOString() ?? null, kind: String(m.headers.get("x-rectify-kind") ?? "") };
      }),
    );
    return reply.render("reminders/outbox", { title: "发件箱", mails, total: files.length, page, pages, dir: app.config.outboxDir, smtp: !!app.config.smtpUrl });
  });

  app.get("/admin/outbox/:name", async (req, reply) => {
    const name = (req.params as { name: string }).name;
    const raw = readOutboxFile(app.config.outboxDir, name.replace(/\.eml$/, "") + ".eml");
    if (!raw) throw new NotFoundError("发件箱中没有这封邮件");
    if ((req.query as Query).raw === "1") {
      await audit(req, "download.mail", { target: name });
      return reply.type("message/rfc822").header("Content-Disposition", `attachment; filename="${name}"`).send(raw);
    }
    const m = await simpleParser(raw, { skipImageLinks: true });
    return reply.render("reminders/outbox-mail", {
      title: m.subject ?? "邮件",
      name,
      subject: m.subject ?? "",
      from: addressText(m.from),
      to: addressText(m.to),
      date: m.date?.toISOString() ?? null,
      messageId: m.messageId ?? "",
      // as written in the file (mailparser folds List-* headers into one object)
      headers: m.headerLines.filter((h) => SHOWN_HEADERS.includes(h.key)).map((h) => [h.line.slice(0, h.line.indexOf(":")), h.line.slice(h.line.indexOf(":") + 1).trim()]),
      text: m.text ?? "",
      html: typeof m.html === "string" ? m.html : "",
    });
  });
}

