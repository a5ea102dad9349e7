// `npm run cli -- recheck start`, run as a person runs it: a real process on the app's database.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp } from "../../helpers/app.ts";
import { cli as run } from "../../helpers/cli.ts";

test("cli recheck start: a round over a unit's tree or a report; bad flags, dates and codes exit 1 in Chinese, nothing written", { timeout: 120_000 }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const env: Record<string, string> = ta.config.databaseUrl ? { DATABASE_URL: ta.config.databaseUrl } : { DATABASE_FILE: ta.config.databaseFile };
  const cli = (...args: string[]) => run(env, ...args);
  const done = async (unitId: number, title: string) =>
    (await ta.db.get<{ id: number }>(
      `insert into tasks (unit_id, owner_id, title, deadline_kind, deadline, state, signed_off_at) values (?, ?, ?, 'dated', '2026-09-30', 'done', '2026-10-01T02:00:00.000Z') returning id`,
      [unitId, ta.ids.owner, title],
    ))!.id;
  const a1 = await done(ta.ids.a, "党费收缴不及时");
  const b1 = await done(ta.ids.b, "会议记录不规范");

  for (const [args, msg] of [
    [["recheck", "start", "--due", "2099-01-31"], /请给出 --report（报告编号）或 --unit（单位代码）中的一个/],
    [["recheck", "start", "--unit", "a", "--report", "1", "--due", "2099-01-31"], /中的一个/],
    [["recheck", "start", "--unit", "a"], /--due 应为完成期限/],
    [["recheck", "start", "--unit", "a", "--due", "2099-02-30"], /--due 应为完成期限 YYYY-MM-DD.*收到：2099-02-30/],
    [["recheck", "start", "--unit", "zz", "--due", "2099-01-31"], /没有代码为 zz 的单位/],
    [["recheck", "start", "--report", "x", "--due", "2099-01-31"], /报告编号无效/],
    [["recheck", "start", "--unit", "a", "--due", "2020-01-31"], /完成期限不能早于今天/],
    [["recheck", "go"], /未知的 recheck 子命令/],
  ] as const) {
    const r = cli(...args);
    assert.equal(r.code, 1, `${args.join(" ")}: ${r.out}${r.err}`);
    assert.match(r.err, msg);
  }
  assert.equal(await ta.db.value("select count(*) from recheck_rounds"), 0, "nothing written");

  const r = cli("recheck", "start", "--unit", "a", "--due", "2099-01-31");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /已开展回头看（第 \d+ 轮）：1 项已销号任务，须在2099年1月31日前完成回头看/);
  const items = await ta.db.all<{ taskId: number; due: string }>(`select task_id as "taskId", due from recheck_items order by task_id`);
  assert.deepEqual(items, [{ taskId: a1, due: "2099-01-31" }]);
  const root = cli("recheck", "start", "--unit", "root", "--due", "2099-02-28", "--as-of", "2026-10-02");
  assert.equal(root.code, 0, root.err);
  assert.match(root.out, /2 项已销号任务/);
  assert.deepEqual((await ta.db.all<{ taskId: number; due: string }>(`select task_id as "taskId", due from recheck_items where status = 'open' order by task_id`)).map((x) => [x.taskId, x.due]), [[a1, "2099-02-28"], [b1, "2099-02-28"]]);
});
