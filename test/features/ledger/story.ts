// A report with five problems and a history played through the real task services at chosen
// moments (Asia/Shanghai), so the ledger and the report can be checked at several dates:
//   T1 三会一课 (支部A, 李干事): progress 10-10, 申请销号 10-20, 销号 10-23 00:30 (just after
//      midnight, so still 待销号 at the end of 10-22), reopened 11-05, 销号 again 11-15
//   T2 主题党日 (支部A): deadline 10-15, extension to 11-30 approved 10-13, progress 10-05
//   T3 党费 (支部B, 孙干事): deadline 11-10, no progress → 逾期 from 11-11
//   T4 流动党员 (支部A, 钱干事): created only on 10-20
//   T5 后进支部 (支部B): 长期坚持, progress 11-01
import { reports, problems } from "../../../db/schema.ts";
import * as tasks from "../../../server/features/tasks/service.ts";
import { storeEvidence } from "../../../server/features/tasks/evidence.ts";
import { extractReport } from "../../../server/features/reports/extract/index.ts";
import { DEMO_REPORT_TEXT, DEMO_REPORT_TITLE, DEMO_PROBLEMS, DEMO_MEASURES } from "../../../db/demo-report.ts";
import type { Actor } from "../../../server/features/auth/permissions.ts";
import type { TestApp } from "../../helpers/app.ts";
import { miniPdf } from "../../helpers/app.ts";

export type Story = { reportId: number; problemIds: number[]; t: number[]; actors: Record<string, Actor> };

export async function actorsOf(ta: TestApp): Promise<Record<string, Actor>> {
  const u = async (id: number) => (await ta.db.get<Actor>(`SELECT u.id, u.role, u.unit_id AS "unitId", n.path AS "unitPath" FROM users u JOIN units n ON n.id = u.unit_id WHERE u.id = ?`, [id]))!;
  return { admin: await u(ta.ids.admin), leader: await u(ta.ids.leader), leaderA: await u(ta.ids.leaderA), owner: await u(ta.ids.owner), colleague: await u(ta.ids.colleague), stranger: await u(ta.ids.stranger) };
}

/** ctx for a service call at `day` `time` in Asia/Shanghai */
export function at(ta: TestApp, actor: Actor, day: string, time = "10:00") {
  const now = new Date(`${day}T${time}:00+08:00`);
  return { db: ta.db, actor, now, today: day };
}

export async function insertReport(ta: TestApp, importedAt: string, unitId = ta.ids.root): Promise<{ reportId: number; problemIds: number[] }> {
  const sectionsJson = JSON.stringify(extractReport(DEMO_REPORT_TEXT).sections);
  return ta.db.tx(async () => {
    const [rep] = await ta.db
      .insert(reports)
      .values({ title: DEMO_REPORT_TITLE, unitId, format: "paste", fullText: DEMO_REPORT_TEXT, sectionsJson, importedBy: ta.ids.leader, importedAt })
      .returning({ id: reports.id });
    const reportId = rep.id;
    const problemIds: number[] = [];
    for (const [i, p] of DEMO_PROBLEMS.entries()) problemIds.push((await ta.db.insert(problems).values({ reportId, seq: i + 1, category: p.category, text: p.text, measures: DEMO_MEASURES[i] }).returning({ id: problems.id }))[0].id);
    return { reportId, problemIds };
  });
}

export async function playStory(ta: TestApp): Promise<Story> {
  const a = await actorsOf(ta);
  const { reportId, problemIds } = await insertReport(ta, "2026-10-01T01:00:00Z");
  const v = async (id: number) => (await tasks.getTask(ta.db, a.admin, id)).task.version;
  const base = (i: number, unitId: number, ownerId: number, leaderId: number, deadline: string, kind = "dated") => ({ title: DEMO_PROBLEMS[i].text, goal: `目标${i + 1}`, measures: "", coUnits: i === 0 ? "局办公室" : "", unitId, ownerId, leaderId, deadlineKind: kind, deadline, problemId: problemIds[i] });
  const imported = { kind: "imported" as const, text: "由自查报告导入" };

  const t1 = await tasks.createTask(at(ta, a.leader, "2026-10-01"), base(0, ta.ids.a, ta.ids.owner, ta.ids.leaderA, "2026-10-31"), imported);
  const t2 = await tasks.createTask(at(ta, a.leader, "2026-10-01"), base(1, ta.ids.a, ta.ids.owner, ta.ids.leaderA, "2026-10-15"), imported);
  const t3 = await tasks.createTask(at(ta, a.leader, "2026-10-01"), base(2, ta.ids.b, ta.ids.stranger, ta.ids.leader, "2026-11-10"), imported);
  const t5 = await tasks.createTask(at(ta, a.leader, "2026-10-01"), base(4, ta.ids.b, ta.ids.stranger, ta.ids.leader, "", "ongoing"), imported);

  await tasks.postProgress(at(ta, a.owner, "2026-10-05"), t2, await v(t2), "已制定主题党日活动计划", []);
  const ev = storeEvidence(ta.config.evidenceDir, [{ filename: "支委会会议记录.pdf", data: miniPdf("记录") }], ta.config.uploadMaxBytes);
  await tasks.postProgress(at(ta, a.owner, "2026-10-10"), t1, await v(t1), "已明确由组织委员当场记录", ev.stored);
  await tasks.requestExtension(at(ta, a.owner, "2026-10-12"), t2, await v(t2), "2026-11-30", "需结合年底活动统一安排");
  await tasks.decideExtension(at(ta, a.leaderA, "2026-10-13"), t2, await v(t2), true, "同意");
  await tasks.requestSignOff(at(ta, a.owner, "2026-10-20"), t1, await v(t1), "申请销号");
  const t4 = await tasks.createTask(at(ta, a.leader, "2026-10-20"), base(3, ta.ids.a, ta.ids.colleague, ta.ids.leaderA, "2026-12-31"), imported);
  await tasks.signOff(at(ta, a.leaderA, "2026-10-23", "00:30"), t1, await v(t1), "同意销号");
  await tasks.postProgress(at(ta, a.stranger, "2026-11-01"), t5, await v(t5), "经党员大会选举增补组织委员1名", []);
  await tasks.reopen(at(ta, a.leader, "2026-11-05"), t1, await v(t1), "抽查发现记录仍有补写");
  await tasks.postProgress(at(ta, a.owner, "2026-11-08"), t1, await v(t1), "重新培训组织委员，11月支委会记录当场形成", []);
  await tasks.requestSignOff(at(ta, a.owner, "2026-11-12"), t1, await v(t1), "再次申请销号");
  await tasks.signOff(at(ta, a.leader, "2026-11-15"), t1, await v(t1), "复查合格");
  return { reportId, problemIds, t: [t1, t2, t3, t4, t5], actors: a };
}
