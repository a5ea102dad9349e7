// A unit's group robots (单位管理 › 群机器人, and `channel add|list|test`): added with a checked
// webhook address, the address and the secret sealed at once and never shown again; listed with
// the address masked; taken off (removed: the log keeps its rows), enabled again after 失效.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { and, asc, eq, ne } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";
import { robotChannels, units } from "../../../db/schema.ts";
import { NotFoundError, ValidationError } from "../../lib/errors.ts";
import { channelLabel, type RobotConfig } from "./deliver.ts";
import { CHANNEL_KINDS, CHANNEL_KIND_LABEL, checkWebhookUrl, isPrivateAddress, maskUrl, MESSAGE_KIND_LABEL, parseMessageKinds, type ChannelKind, type MessageKind } from "./robots.ts";
import { channelKey, seal } from "./secret.ts";

export type ChannelInput = { unitId: number; kind: string; url: string; secret?: string | null; kinds?: string | string[]; includeSubunits?: boolean };

/** What is wrong with a new channel: every field's message (Chinese), or the cleaned values. */
async function checkChannel(db: Db, config: RobotConfig, input: ChannelInput) {
  const errors: Record<string, string> = {};
  const unit = (await db.select({ id: units.id, name: units.name }).from(units).where(eq(units.id, input.unitId)))[0];
  if (!unit) throw new NotFoundError("单位不存在");
  const kind = input.kind as ChannelKind;
  if (!(CHANNEL_KINDS as readonly string[]).includes(kind)) errors.kind = `机器人类型须为 ${CHANNEL_KINDS.map((k) => `${k}（${CHANNEL_KIND_LABEL[k]}）`).join("、")} 之一`;
  const url = (input.url ?? "").trim();
  const checked = checkWebhookUrl(url, { allowPrivate: config.channelAllowPrivate });
  if (!checked.ok) errors.url = checked.error;
  else if (!config.channelAllowPrivate && !isIP(checked.url.hostname.replace(/^\[|\]$/g, ""))) {
    // a public-looking name that resolves to an intranet address is refused too (checked again on every connection)
    try {
      const bad = (await lookup(checked.url.hostname, { all: true })).find((a) => isPrivateAddress(a.address));
      if (bad) errors.url = `Webhook 地址须指向公网地址：${checked.url.hostname} 解析到内网地址 ${bad.address}（仅在设置 CHANNEL_ALLOW_PRIVATE=1 时允许）`;
    } catch {
      // not resolvable from here now: kept; a send that cannot connect is a failure like any other
    }
  }
  const secret = (input.secret ?? "").trim() || null;
  if (secret && kind === "wecom") errors.secret = "企业微信群机器人没有签名密钥（地址中的 key 即是密钥），请留空";
  if (secret && secret.length > 200) errors.secret = "签名密钥过长";
  const k = parseMessageKinds(input.kinds ?? "owner,escalation,digest");
  if (k.error) errors.kinds = k.error;
  if (Object.keys(errors).length) throw new ValidationError("机器人未添加：" + Object.values(errors)[0], errors);
  return { unit, kind, url, secret, kinds: k.kinds };
}

export async function addChannel(db: Db, config: RobotConfig, input: ChannelInput, actorId: number | null): Promise<number> {
  const v = await checkChannel(db, config, input);
  const key = channelKey(config);
  return db.tx(async () => {
    if (!(await db.select({ id: units.id }).from(units).where(eq(units.id, v.unit.id)))[0]) throw new NotFoundError("单位不存在");
    const [{ id }] = await db
      .insert(robotChannels)
      .values({ unitId: v.unit.id, kind: v.kind, urlSealed: seal(v.url, key), urlHint: maskUrl(v.url), secretSealed: v.secret ? seal(v.secret, key) : null, messageKinds: v.kinds.join(","), includeSubunits: !!input.includeSubunits, createdBy: actorId })
      .returning({ id: robotChannels.id });
    return id;
  });
}

export type ChannelView = {
  id: number;
  unitId: number;
  unitName: string;
  unitCode: string;
  kind: ChannelKind;
  kindLabel: string;
  label: string;
  urlHint: string;
  signed: boolean;
  kinds: MessageKind[];
  kindsLabel: string;
  includeSubunits: boolean;
  status: "active" | "broken";
  failures: number;
  lastError: string | null;
  lastSentAt: string | null;
  brokenAt: string | null;
};

/** The channels (of one unit, or all), without their address or secret. */
export async function listChannels(db: Db, unitId?: number): Promise<ChannelView[]> {
  const rows = await db
    .select({ c: robotChannels, unitName: units.name, unitCode: units.code, unitPath: units.path })
    .from(robotChannels)
    .innerJoin(units, eq(units.id, robotChannels.unitId))
    .where(unitId ? and(eq(robotChannels.unitId, unitId), ne(robotChannels.status, "removed")) : ne(robotChannels.status, "removed"))
    .orderBy(asc(units.path), asc(robotChannels.id));
  return rows.map(({ c, unitName, unitCode }) => {
    const kinds = c.messageKinds.split(",").filter(Boolean) as MessageKind[];
    return {
      id: c.id,
      unitId: c.unitId,
      unitName,
      unitCode,
      kind: c.kind,
      kindLabel: CHANNEL_KIND_LABEL[c.kind],
      label: channelLabel({ id: c.id, kind: c.kind, unitName }),
      urlHint: c.urlHint,
      signed: !!c.secretSealed,
      kinds,
      kindsLabel: kinds.map((k) => MESSAGE_KIND_LABEL[k]).join("、"),
      includeSubunits: !!c.includeSubunits,
      status: c.status as "active" | "broken",
      failures: c.failures,
      lastError: c.lastError,
      lastSentAt: c.lastSentAt,
      brokenAt: c.brokenAt,
    };
  });
}

async function liveRow(db: Db, id: number) {
  const row = (await db.select().from(robotChannels).where(eq(robotChannels.id, id)))[0];
  if (!row || row.status === "removed") throw new NotFoundError("该机器人不存在或已删除");
  return row;
}

export async function unitOfChannel(db: Db, id: number): Promise<number> {
  return (await liveRow(db, id)).unitId;
}

/** 删除: the channel gets nothing more; its rows in 提醒记录 stay. */
export async function removeChannel(db: Db, id: number): Promise<{ unitId: number }> {
  return db.tx(async () => {
    const row = await liveRow(db, id);
    await db.update(robotChannels).set({ status: "removed" }).where(eq(robotChannels.id, id));
    return { unitId: row.unitId };
  });
}

/** 重新启用 after 失效: the count of failures starts again. */
export async function enableChannel(db: Db, id: number): Promise<{ unitId: number }> {
  return db.tx(async () => {
    const row = await liveRow(db, id);
    await db.update(robotChannels).set({ status: "active", failures: 0, brokenAt: null }).where(eq(robotChannels.id, id));
    return { unitId: row.unitId };
  });
}

/** Which messages a channel takes, and whether sub-units' too. */
export async function updateChannel(db: Db, id: number, input: { kinds: string | string[] | undefined; includeSubunits: boolean }): Promise<{ unitId: number }> {
  const k = parseMessageKinds(input.kinds);
  if (k.error) throw new ValidationError("未保存：" + k.error, { kinds: k.error });
  return db.tx(async () => {
    const row = await liveRow(db, id);
    await db.update(robotChannels).set({ messageKinds: k.kinds.join(","), includeSubunits: input.includeSubunits }).where(eq(robotChannels.id, id));
    return { unitId: row.unitId };
  });
}
