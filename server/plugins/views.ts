// eta templates from views/, rendered by reply.render(); the cache is on outside development.
import { Eta } from "eta";
import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { cnDate, cnDateTime, dayIn } from "../lib/dates.ts";
import { EFFECT_LABEL, dueWords } from "../features/recheck/plan.ts";
import { STATE_LABEL, DEADLINE_KIND_LABEL, LIGHT_LABEL, light, deadlineWords, overdueDays, type State, type DeadlineKind } from "../features/tasks/workflow.ts";
import { ROLE_LABEL } from "../features/auth/permissions.ts";
import { ratePercent, taskStatus } from "../features/tasks/status.ts";
import { UNIT_KIND_LABEL, RATING_LABEL, EVENT_LABEL } from "../lib/labels.ts";
import { readFlash } from "./flash.ts";
import { fromRoot } from "../lib/root.ts";

export const viewsDir = fromRoot("views");

declare module "fastify" {
  interface FastifyReply {
    render(template: string, data?: Record<string, unknown>, status?: number): FastifyReply;
  }
}

export function isHtmx(req: FastifyRequest): boolean {
  return req.headers["hx-request"] === "true" && req.headers["hx-boosted"] !== "true" && req.headers["hx-history-restore-request"] !== "true";
}

function fileSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const escapeHtml = (v: unknown) => String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

type UnitOption = { id: number; name: string; depth: number; rating?: string | null };
const unitOptionsHtml = new WeakMap<readonly UnitOption[], { html: string; version: string }>();

function unitOptionsOf(units: readonly UnitOption[]): { html: string; version: string } {
  let made = unitOptionsHtml.get(units);
  if (made === undefined) {
    const html = units
      .map((u) => `<option value="${u.id}">${"　".repeat(Math.max(0, u.depth))}${escapeHtml(u.name)}${u.rating === "backward" || u.rating === "weak" ? `（${RATING_LABEL[u.rating]}）` : ""}</option>`)
      .join("\n");
    made = { html, version: createHash("sha256").update(html).digest("base64url").slice(0, 16) };
    unitOptionsHtml.set(units, made);
  }
  return made;
}

/**
 * The <option>s of a unit select: tree-indented, branches rated 后进/软弱涣散 marked. The markup
 * is built once per list of units (the service keeps one list per scope until the unit tree
 * changes: 300 units were a large part of the task list's rendering), the chosen one marked per call.
 */
export function unitOptions(units: readonly UnitOption[], chosen?: unknown): string {
  const { html } = unitOptionsOf(units);
  const id = String(chosen ?? "");
  return id ? html.replace(`<option value="${escapeHtml(id)}">`, `<option value="${escapeHtml(id)}" selected>`) : html;
}

/** A short hash of the options' markup: the version in the URL a browser may cache them under. */
export function unitOptionsVersion(units: readonly UnitOption[]): string {
  return unitOptionsOf(units).version;
}

/** A task's 红/黄/绿灯 (or none for 长期坚持): a helper, not a partial, since a list shows one per row. */
function lightHtml(t: Parameters<typeof light>[0], today: string, yellowDays: number): string {
  const l = light(t, today, yellowDays);
  if (!l) return `<span class="light light-none" role="img" title="长期坚持，无时限" aria-label="无时限"></span>`;
  // the label says what the colour means (and app.css gives each light its own shape), so 黄灯 and 绿灯 differ by more than colour
  const label = `${LIGHT_LABEL[l]}：${l === "red" ? "已逾期" : l === "yellow" ? `${yellowDays}天内到期` : "未到期"}`;
  return `<span class="light light-${l}" role="img" title="${label}" aria-label="${label}"></span>`;
}

/** ?a=1&b=2 from an object, leaving out empty values; `over` replaces keys. */
function qs(params: Record<string, unknown>, over: Record<string, unknown> = {}): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...params, ...over })) {
    if (v === undefined || v === null || v === "" || v === false) continue;
    u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : "";
}

export function registerViews(app: FastifyInstance): void {
  const eta = new Eta({ views: viewsDir, cache: !app.config.dev, autoEscape: true, autoTrim: [false, "nl"] });
  const tz = app.config.timeZone;
  const helpers = {
    cnDate,
    cnDateTime: (iso: string | null | undefined) => cnDateTime(iso, tz),
    stateLabel: (s: State) => STATE_LABEL[s] ?? s,
    kindLabel: (k: DeadlineKind) => DEADLINE_KIND_LABEL[k] ?? k,
    roleLabel: (r: keyof typeof ROLE_LABEL) => ROLE_LABEL[r] ?? r,
    unitKindLabel: (k: keyof typeof UNIT_KIND_LABEL) => UNIT_KIND_LABEL[k] ?? k,
    ratingLabel: (r: keyof typeof RATING_LABEL | null) => (r ? RATING_LABEL[r] : ""),
    lightHtml,
    /** the one name of a task's state (tasks/status.ts): the words the ledger and the report print */
    taskStatus,
    ratePercent,
    deadlineWords,
    overdueDays,
    fileSize,
    qs,
    /** for markup built in a template's code block (eta escapes only what `<%=` prints) */
    escape: escapeHtml,
    unitOptions,
    unitOptionsVersion,
    STATE_LABEL,
    DEADLINE_KIND_LABEL,
    RATING_LABEL,
    UNIT_KIND_LABEL,
    ROLE_LABEL,
    EFFECT_LABEL,
    recheckWords: dueWords,
  };
  app.decorate("eta", eta);
  app.decorateReply("render", function (this: FastifyReply, template: string, data: Record<string, unknown> = {}, status = 200) {
    const req = this.request;
    const today = dayIn(tz, app.clock());
    const html = eta.render(template, {
      user: req.user,
      csrf: req.csrfToken,
      today,
      h: helpers,
      path: req.url,
      flash: req.method === "GET" ? readFlash(req, this) : null,
      /** a fragment (its name starts with _): its messages show in it; a page's show in the layout */
      partial: /(^|\/)_[^/]*$/.test(template),
      EVENT_LABEL,
      ...data,
    });
    return this.code(status).header("Vary", "HX-Request").type("text/html; charset=utf-8").send(html);
  });
}

declare module "fastify" {
  interface FastifyInstance {
    eta: Eta;
  }
}
