// 屡查屡犯 in the import review: a problem that repeats one of an earlier report of the unit's
// tree gets the hint with a link, and confirming can mark the new task 反弹/重复出现.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LATER } from "./reports.ts";
import { makeApp, login, get, multipart, type TestApp, type Session } from "../../helpers/app.ts";

const EARLIER = `第一党支部2025年度自查报告
二、存在问题
1.党费收缴不及时，个别党员存在拖欠。
2.主题党日活动形式单一，缺乏吸引力。
三、整改措施
1.按月收缴党费并公示。
2.丰富主题党日活动形式。
`;

function upload(ta: TestApp, s: Session, title: string, pasted: string) {
  const mp = multipart({ _csrf: s.csrf, unitId: String(ta.ids.a), title, pasted }, []);
  return ta.app.inject({ method: "POST", url: "/reports/import", headers: { cookie: s.cookie, ...mp.headers }, payload: mp.payload });
}
function form(ta: TestApp, s: Session, url: string, pairs: [string, string][]) {
  const body = new URLSearchParams([["_csrf", s.csrf], ...pairs]).toString();
  return ta.app.inject({ method: "POST", url, headers: { cookie: s.cookie, "content-type": "application/x-www-form-urlencoded" }, payload: body });
}
async function importReport(ta: TestApp, s: Session, title: string, text: string, confirm: [string, string][] = []) {
  const up = await upload(ta, s, title, text);
  assert.equal(up.statusCode, 303, up.body.slice(0, 300));
  const id = Number(/(\d+)$/.exec(up.headers.location as string)![1]);
  const items = JSON.parse((await ta.db.get<{ items: string }>(`select items_json as items from import_drafts where id = ?`, [id]))!.items) as { key: string }[];
  const bulk = await form(ta, s, `/reports/drafts/${id}/ops`, [["op", "bulk"], ...items.map((x): [string, string] => ["keys", x.key]), ["unitId", String(ta.ids.a)], ["ownerId", String(ta.ids.owner)], ["leaderId", String(ta.ids.leaderA)], ["deadline", "2026-12-20"], ["deadlineKind", ""], ["measures", ""]]);
  assert.equal(bulk.statusCode, 303);
  return { draftId: id, items, confirm: () => form(ta, s, `/reports/drafts/${id}/confirm`, [["acceptDefaultDeadlines", "1"], ...confirm]) };
}

test("a recurring problem: the review card says which earlier problem it repeats, with a link; confirming marks it 反弹/重复出现", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const s = await login(ta.app, "leadera@t.cn");
  const first = await importReport(ta, s, "第一党支部2025年度自查报告", EARLIER);
  assert.equal((await first.confirm()).statusCode, 303);
  const earlierTask = (await ta.db.get<{ id: number }>(`select t.id from tasks t join problems p on p.id = t.problem_id where p.seq = 1`))!.id;
  await ta.db.run(`update tasks set state = 'done', signed_off_at = '2026-11-23T02:00:00.000Z', signed_off_by = ? where id = ?`, [ta.ids.leaderA, earlierTask]);

  const second = await importReport(ta, s, "第一党支部2026年度自查报告", LATER);
  const review = await get(ta.app, s, `/reports/drafts/${second.draftId}`);
  assert.equal(review.statusCode, 200);
  assert.match(review.body, /与《第一党支部2025年度自查报告》第1个问题相似（已于2026年11月23日销号）/);
  assert.match(review.body, new RegExp(`href="/tasks/${earlierTask}"`));
  assert.equal(review.body.match(/可能屡查屡犯/g)?.length, 1, "the other problem is new");
  const key = second.items[0].key;

  // a forged link to a task the leader may not see is refused, nothing written
  const strangerTask = (await ta.db.get<{ id: number }>(
    `insert into tasks (unit_id, owner_id, title, deadline_kind, deadline, state) values (?, ?, '别的单位的任务', 'dated', '2026-12-01', 'done') returning id`,
    [ta.ids.b, ta.ids.stranger],
  ))!.id;
  const forged = await form(ta, s, `/reports/drafts/${second.draftId}/confirm`, [["acceptDefaultDeadlines", "1"], ["recurs", `${key}:${strangerTask}`]]);
  assert.equal(forged.statusCode, 422);
  assert.equal(await ta.db.value(`select count(*) from reports`), 1);

  const ok = await form(ta, s, `/reports/drafts/${second.draftId}/confirm`, [["acceptDefaultDeadlines", "1"], ["recurs", `${key}:${earlierTask}`]]);
  assert.equal(ok.statusCode, 303, ok.body.slice(0, 300));
  const newTask = (await ta.db.get<any>(`select t.* from tasks t join problems p on p.id = t.problem_id join reports r on r.id = p.report_id where r.title = '第一党支部2026年度自查报告' and p.seq = 1`))!;
  assert.equal(newTask.recurs_of_task_id, earlierTask);
  assert.equal((await ta.db.get<any>(`select rebound_count from tasks where id = ?`, [earlierTask])).rebound_count, 1, "the earlier task's 反弹 is counted");
  assert.deepEqual(await ta.db.column(`select kind from task_events where task_id = ? order by id`, [newTask.id]), ["imported", "recurrence"]);
  assert.match(String(await ta.db.value(`select text from task_events where task_id = ? and kind = 'recurred'`, [earlierTask])), /第一党支部2026年度自查报告/);
  const page = await get(ta.app, s, `/tasks/${newTask.id}`);
  assert.match(page.body, /反弹\/重复出现/);
  assert.match(page.body, new RegExp(`href="/tasks/${earlierTask}"`));
  const home = await get(ta.app, await login(ta.app, "leader@t.cn"), "/");
  assert.match(home.body, /反弹 <strong class="overdue">1<\/strong>/);
});
