// Demo data on an empty database: a small organisation tree (one branch rated 后进), a leader,
// two staff, an admin, the demo 自查报告 and its problems as tasks in different states, each
// with its history. The story is played through the real domain operations at past moments,
// so the history is exactly what the app would have written.
import { sql } from "drizzle-orm";
import type { Db } from "./client.ts";
import { reports, problems, users } from "./schema.ts";
import type { Config } from "../server/config.ts";
import { createUnit, createUser, updateUnit } from "../server/features/admin/service.ts";
import * as tasks from "../server/features/tasks/service.ts";
import { storeEvidence } from "../server/features/tasks/evidence.ts";
import { addDays, dayIn } from "../server/lib/dates.ts";
import { setSetting } from "../server/features/admin/settings.ts";
import type { Actor } from "../server/features/auth/permissions.ts";
import { extractReport } from "../server/features/reports/extract/index.ts";
import { DEMO_REPORT_TEXT, DEMO_REPORT_TITLE, DEMO_PROBLEMS, DEMO_MEASURES } from "./demo-report.ts";

export const DEMO_PASSWORD = "rectify2026";
export const DEMO_ACCOUNTS = [
  { email: "admin@demo.rectify", name: "系统管理员", role: "admin", unit: "wlj" },
  { email: "leader@demo.rectify", name: "王书记", role: "leader", unit: "wlj" },
  { email: "staff@demo.rectify", name: "李干事", role: "staff", unit: "wlj-jg" },
  { email: "staff2@demo.rectify", name: "张队长", role: "staff", unit: "wlj-zf" },
  { email: "security@demo.rectify", name: "安全管理员", role: "security", unit: "wlj" },
  { email: "audit@demo.rectify", name: "审计管理员", role: "auditor", unit: "wlj" },
] as const;

export async function isEmpty(db: Db): Promise<boolean> {
  return (await db.select({ n: sql<number>`count(*)` }).from(users))[0].n === 0;
}

/** Seeds the demo on an empty database; returns false (and writes nothing) otherwise. */
export async function seedDemo(db: Db, config: Config, now = new Date()): Promise<boolean> {
  if (!(await isEmpty(db))) return false;
  // one transaction: several servers starting at once on one PostgreSQL seed it once (the others wait, then find it full)
  return db.tx(async () => {
    if (!(await isEmpty(db))) return false;
    await play(db, config, now);
    return true;
  });
}

async function play(db: Db, config: Config, now: Date): Promise<void> {
  const today = dayIn(config.timeZone, now);
  const year = Number(today.slice(0, 4));

  const root = await createUnit(db, { code: "wlj", name: "中共示范县文化和旅游局委员会", kind: "committee", parentId: null });
  const jg = await createUnit(db, { code: "wlj-jg", name: "局机关党支部", kind: "branch", parentId: root });
  const zf = await createUnit(db, { code: "wlj-zf", name: "文化市场综合执法大队党支部", kind: "branch", parentId: root });
  await createUnit(db, { code: "wlj-wb", name: "网吧协会党支部", kind: "branch", parentId: root });
  const code2id: Record<string, number> = { wlj: root, "wlj-jg": jg, "wlj-zf": zf };

  const ids: Record<string, number> = {};
  for (const a of DEMO_ACCOUNTS) ids[a.role + (a.email.startsWith("staff2") ? "2" : "")] = await createUser(db, { email: a.email, name: a.name, role: a.role, unitId: code2id[a.unit], password: DEMO_PASSWORD });
  const actor = (id: number, role: Actor["role"], unitId: number, path: string): Actor => ({ id, role, unitId, unitPath: path });
  const leader = actor(ids.leader, "leader", root, `/${root}/`);
  const staff = actor(ids.staff, "staff", jg, `/${root}/${jg}/`);
  const staff2 = actor(ids.staff2, "staff", zf, `/${root}/${zf}/`);

  await updateUnit(db, zf, { code: "wlj-zf", name: "文化市场综合执法大队党支部", kind: "branch", parentId: root, rating: "backward", ratingYear: year - 1, secretaryId: ids.staff2, overseerId: ids.leader, requireSignoffCheck: true });
  await updateUnit(db, jg, { code: "wlj-jg", name: "局机关党支部", kind: "branch", parentId: root, secretaryId: ids.staff, overseerId: ids.leader, requireSignoffCheck: true });
  await setSetting(db, "periodEnd", `${year}-12-31`, now.toISOString());

  // the report, imported 40 days ago
  const at = (daysAgo: number, hour = 10) => {
    const d = new Date(now.getTime() - daysAgo * 86_400_000);
    d.setUTCHours(hour - 8, 0, 0, 0); // hour in Asia/Shanghai
    return d;
  };
  const ctx = (a: Actor, daysAgo: number, hour = 10) => ({ db, actor: a, now: at(daysAgo, hour), today: dayIn(config.timeZone, at(daysAgo, hour)) });
  const earlier = await playEarlierReport(db, config, { root, jg, leader, staff, at, ctx, today });
  const [{ id: reportId }] = await db
    .insert(reports)
    .values({ title: DEMO_REPORT_TITLE, unitId: root, format: "paste", fullText: DEMO_REPORT_TEXT, sectionsJson: JSON.stringify(extractReport(DEMO_REPORT_TEXT).sections), importedBy: ids.leader, importedAt: at(40).toISOString() })
    .returning({ id: reports.id });
  const problemIds: number[] = [];
  for (const [i, p] of DEMO_PROBLEMS.entries()) {
    const start = DEMO_REPORT_TEXT.indexOf(p.text);
    const [row] = await db
      .insert(problems)
      .values({ reportId, seq: i + 1, category: p.category, text: p.text, startOffset: start, endOffset: start + p.text.length, measures: DEMO_MEASURES[i], createdAt: at(40).toISOString() })
      .returning({ id: problems.id });
    problemIds.push(row.id);
  }
  const imported = { kind: "imported" as const, text: `由《${DEMO_REPORT_TITLE}》导入` };
  const base = (i: number, owner: Actor, unitId: number, deadline: string | null, kind = "dated") => ({
    title: DEMO_PROBLEMS[i].text,
    goal: "",
    measures: DEMO_MEASURES[i],
    coUnits: "",
    unitId,
    ownerId: owner.id,
    leaderId: leader.id,
    deadlineKind: kind,
    deadline: deadline ?? "",
    problemId: problemIds[i],
  });
  const v = async (id: number) => (await tasks.getTask(db, leader, id)).task.version;

  // 1 — 已销号 with evidence
  const t1 = await tasks.createTask(ctx(leader, 40), { ...base(0, staff, jg, addDays(today, -10)), goal: "会议记录当场形成、要素齐全，季度抽查无补记" }, imported);
  const evidence = await storeEvidence(config.evidenceDir, [{ filename: "机关党支部10月支委会会议记录.txt", data: Buffer.from("局机关党支部2026年10月支委会会议记录\n时间：10月12日\n记录人：组织委员（当场记录）\n议题：……\n", "utf8") }], config.uploadMaxBytes);
  await tasks.postProgress(ctx(staff, 30), t1, await v(t1), "已明确由组织委员当场记录，10月支委会记录已按新要求形成，附会议记录。", evidence.stored);
  await tasks.requestSignOff(ctx(staff, 29), t1, await v(t1), "整改完成，申请销号");
  await tasks.signOff(ctx(leader, 27, 15), t1, await v(t1), "记录规范，同意销号");

  // 2 — overdue (逾期)
  const t2 = await tasks.createTask(ctx(leader, 40), base(2, staff, jg, addDays(today, -5)), imported);
  // 屡查屡犯: last year's 党费 problem came back; marked 反弹/重复出现 at the import
  await tasks.markRecurrence(ctx(leader, 40), t2, earlier.recurring, DEMO_REPORT_TITLE);
  await tasks.postProgress(ctx(staff, 20), t2, await v(t2), "已建立党费收缴台账，正在逐一核对未交纳党员名单。", []);

  // 3 — due in two days (黄灯)
  await tasks.createTask(ctx(leader, 40), base(1, staff, jg, addDays(today, 2)), imported);

  // 4 — pending 延期申请
  const t4 = await tasks.createTask(ctx(leader, 40), base(3, staff2, zf, addDays(today, 6)), imported);
  await tasks.postProgress(ctx(staff2, 12), t4, await v(t4), "已向各党员所在社区发函核实流动党员去向，回函尚未收齐。", []);
  await tasks.requestExtension(ctx(staff2, 1), t4, await v(t4), addDays(today, 36), "需等待外地社区回函，预计一个月内收齐");

  // 5 — the 后进 branch itself: a 整顿转化 task, waiting for sign-off
  const t5 = await tasks.createTask(ctx(leader, 39), { ...base(4, staff2, zf, `${year}-12-31`), title: `文化市场综合执法大队党支部${year - 1}年度评定为后进党组织，开展整顿转化`, goal: "配齐支部班子，组织生活规范，下一年度定级达到一般及以上", linkedUnitId: zf }, imported);
  const minutes = await storeEvidence(config.evidenceDir, [{ filename: "支部党员大会选举结果.txt", data: Buffer.from("文化市场综合执法大队党支部党员大会\n议程：增补组织委员\n选举结果：当选1名\n", "utf8") }], config.uploadMaxBytes);
  await tasks.postProgress(ctx(staff2, 15), t5, await v(t5), "经党员大会选举，增补组织委员1名，支部班子已配齐，附选举结果。", minutes.stored);
  await tasks.requestSignOff(ctx(staff2, 2), t5, await v(t5), "班子已配齐，申请销号");

  // 6 — 长期坚持
  await tasks.createTask(ctx(leader, 38), { title: "持续开展“党员先锋岗”创建，每季度评比一次", goal: "", measures: "结合文旅市场检查，党员亮身份、作表率。", coUnits: "局办公室", unitId: root, ownerId: staff.id, leaderId: leader.id, deadlineKind: "ongoing", deadline: "" });
}

/**
 * 回头看 in the demo: last year's report with two problems, both signed off. The first held at
 * its 回头看 and came back in this year's report (屡查屡犯); the second's 回头看 is due now.
 */
async function playEarlierReport(
  db: Db,
  config: Config,
  o: { root: number; jg: number; leader: Actor; staff: Actor; at: (daysAgo: number, hour?: number) => Date; ctx: (a: Actor, daysAgo: number, hour?: number) => tasks.Ctx; today: string },
): Promise<{ recurring: number }> {
  const title = `中共示范县文化和旅游局委员会${Number(o.today.slice(0, 4)) - 1}年度基层党建工作自查报告`;
  const items = [
    { text: "党费收缴不及时，部分党员未按月足额交纳党费", measures: "每月收缴党费并登记。", signedAgo: 300, heldAgo: 205 },
    { text: "党员活动阵地建设滞后，活动室设施陈旧", measures: "更新活动室设施，完善党建阵地。", signedAgo: 95, heldAgo: null },
  ];
  const fullText = `${title}\n\n二、存在问题\n${items.map((x, i) => `${i + 1}.${x.text}。`).join("\n")}\n\n三、整改措施\n${items.map((x, i) => `${i + 1}.${x.measures}`).join("\n")}\n`;
  const [{ id: reportId }] = await db
    .insert(reports)
    .values({ title, unitId: o.root, format: "paste", fullText, sectionsJson: JSON.stringify(extractReport(fullText).sections), importedBy: o.leader.id, importedAt: o.at(420).toISOString() })
    .returning({ id: reports.id });
  const ids: number[] = [];
  for (const [i, x] of items.entries()) {
    const start = fullText.indexOf(x.text);
    const [p] = await db.insert(problems).values({ reportId, seq: i + 1, text: x.text, startOffset: start, endOffset: start + x.text.length, measures: x.measures, createdAt: o.at(420).toISOString() }).returning({ id: problems.id });
    const id = await tasks.createTask(o.ctx(o.leader, 420), { title: x.text, goal: "", measures: x.measures, coUnits: "", unitId: o.jg, ownerId: o.staff.id, leaderId: o.leader.id, deadlineKind: "dated", deadline: addDays(o.today, -x.signedAgo + 10), problemId: p.id }, { kind: "imported", text: `由《${title}》导入` });
    const v = async () => (await tasks.getTask(db, o.leader, id)).task.version;
    const file = await storeEvidence(config.evidenceDir, [{ filename: `整改佐证${i + 1}.txt`, data: Buffer.from(`${x.text}：整改完成情况记录\n`, "utf8") }], config.uploadMaxBytes);
    await tasks.postProgress(o.ctx(o.staff, x.signedAgo + 5), id, await v(), `${x.measures.replace(/。$/, "")}，已完成。`, file.stored);
    await tasks.requestSignOff(o.ctx(o.staff, x.signedAgo + 2), id, await v(), "整改完成，申请销号");
    await tasks.signOff(o.ctx(o.leader, x.signedAgo), id, await v(), "同意销号", "clear");
    if (x.heldAgo !== null) await tasks.confirmHeld(o.ctx(o.leader, x.heldAgo), id, await v(), "抽查近三个月党费收缴记录，均按月足额收缴", []);
    ids.push(id);
  }
  return { recurring: ids[0] };
}
