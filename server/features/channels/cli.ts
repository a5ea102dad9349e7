// npm run cli -- channel add|list|test: the group robots from the command line.
import { parseArgs } from "node:util";
import type { Db } from "../../../db/client.ts";
import { ValidationError } from "../../lib/errors.ts";
import { cnDateTime } from "../../lib/dates.ts";
import { unitByCode } from "../admin/service.ts";
import { sendTestMessage, type RobotConfig } from "./deliver.ts";
import { addChannel, listChannels } from "./service.ts";

const USAGE = "用法：channel add --unit CODE --kind wecom|dingtalk|feishu|webhook --url URL [--secret S] [--kinds owner,escalation,digest] [--subunits] · channel list · channel test ID";

export async function runChannelCommand(db: Db, config: RobotConfig, sub: string | undefined, args: string[]): Promise<{ lines: string[]; exitCode: number }> {
  if (sub === "add") {
    const { values } = parseArgs({ args, options: { unit: { type: "string" }, kind: { type: "string" }, url: { type: "string" }, secret: { type: "string" }, kinds: { type: "string" }, subunits: { type: "boolean" } }, strict: true });
    for (const k of ["unit", "kind", "url"] as const) if (!values[k]) throw new ValidationError(`缺少 --${k}。${USAGE}`);
    const unit = await unitByCode(db, values.unit!);
    if (!unit) throw new ValidationError(`单位代码不存在：${values.unit}`);
    const id = await addChannel(db, config, { unitId: unit.id, kind: values.kind!, url: values.url!, secret: values.secret ?? null, kinds: values.kinds ?? "owner,escalation,digest", includeSubunits: !!values.subunits }, null);
    const c = (await listChannels(db, unit.id)).find((x) => x.id === id)!;
    return { lines: [`已添加 #${id} ${c.label}：${c.urlHint}，接收${c.kindsLabel}${c.includeSubunits ? "（含下级单位）" : ""}${c.signed ? "，已设置签名密钥" : ""}。地址和密钥已加密保存，不再显示。`, `发送测试消息：npm run cli -- channel test ${id}`], exitCode: 0 };
  }
  if (sub === "list") {
    if (args.length) throw new ValidationError(`channel list 不接受参数。${USAGE}`);
    const list = await listChannels(db);
    if (!list.length) return { lines: ["还没有群机器人。添加：npm run cli -- channel add --unit CODE --kind dingtalk --url URL [--secret S]"], exitCode: 0 };
    const lines = list.map((c) => {
      const state = c.status === "broken" ? `失效（自 ${cnDateTime(c.brokenAt, config.timeZone)}）` : c.failures ? `正常，已连续失败 ${c.failures} 次` : "正常";
      return `#${c.id}  ${c.kindLabel}  ${c.unitName}（${c.unitCode}）  ${c.urlHint}  接收：${c.kindsLabel}${c.includeSubunits ? "（含下级单位）" : ""}  ${c.signed ? "已签名" : "未签名"}  ${state}${c.lastError ? `  最近错误：${c.lastError}` : ""}`;
    });
    return { lines, exitCode: 0 };
  }
  if (sub === "test") {
    if (args.length !== 1 || !/^[1-9]\d*$/.test(args[0])) throw new ValidationError(`请给出机器人编号：channel test ID（编号见 channel list）`);
    const r = await sendTestMessage(db, config, Number(args[0]), "管理员（命令行）");
    const head = r.ok ? `测试消息已发出（${r.channel.label}）` : `测试消息未发出（${r.channel.label}）`;
    const answer = `平台回答：${r.status === null ? "未收到回答" : `HTTP ${r.status}`}${r.code !== null ? `，错误码 ${r.code}` : ""}，${r.message}`;
    return { lines: [head, answer, ...(r.text ? [r.text.slice(0, 500)] : [])], exitCode: r.ok ? 0 : 1 };
  }
  throw new ValidationError(`未知的 channel 子命令：${sub ?? "（无）"}。${USAGE}`);
}
