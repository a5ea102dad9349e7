// Group robots end to end: a local HTTP server plays 企业微信, 钉钉, 飞书 and a plain webhook (it
// checks signatures and body shapes, keeps the per-minute limit, answers the rate-limit error, a
// 500, and is slow once). Each kind's message; pacing under the limit; retries after the errors
// and on the retry pass; two runs at once post nothing twice; ten failures mark a channel 失效
// and mail its admin.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { makeApp, type TestApp } from "../../helpers/app.ts";
import { openDb, type Db } from "../../../db/client.ts";
import { createMailer } from "../../../server/features/reminders/mailer.ts";
import { runReminders, type RunOptions } from "../../../server/features/reminders/send.ts";
import { addChannel } from "../../../server/features/channels/service.ts";
import { addTask } from "../reminders/helpers.ts";
import { startPlatform, textOf, SECRETS, type Kind } from "./platform.ts";

const NOW = new Date("2026-11-23T02:00:00Z"); // Monday 10:00 in Shanghai
const FAST = { tries: 3, backoffMs: [50], rateLimitWaitMs: 150, windowMs: 1000 };

type LogRow = { dedupe_key: string; status: string; attempts: number; channel_id: number | null; error_code: string | null; last_error: string | null; retry_at: string | null; sent_to: string | null; recipient_id: number; task_id: number | null };
const robotRows = (db: Db) => db.all<LogRow>("SELECT dedupe_key, status, attempts, channel_id, error_code, last_error, retry_at, sent_to, recipient_id, task_id FROM reminder_log WHERE channel_id IS NOT NULL ORDER BY id");

async function setup(t: { after: (fn: () => Promise<void> | void) => void }, env: Record<string, string> = {}, platformOpts = {}) {
  const platform = await startPlatform(platformOpts);
  const ta = await makeApp({ CHANNEL_ALLOW_PRIVATE: "1", BASE_URL: "https://rectify.example.org", ...env });
  const mailer = createMailer(ta.config);
  t.after(async () => {
    mailer.close();
    await ta.close();
    await platform.close();
  });
  const run = (over: Partial<RunOptions> = {}) => runReminders({ db: ta.db, config: ta.config, mailer, now: NOW, robotTuning: FAST, ...over });
  const add = (kind: Kind, over: { kinds?: string; unitId?: number; includeSubunits?: boolean; url?: string } = {}) =>
    addChannel(ta.db, ta.config, { unitId: over.unitId ?? ta.ids.a, kind, url: over.url ?? platform.url(kind), secret: kind === "wecom" ? null : SECRETS[kind], kinds: over.kinds ?? "owner,escalation,digest", includeSubunits: over.includeSubunits }, ta.ids.admin);
  return { platform, ta, mailer, run, add };
}

/** n staff accounts in unit a, each with a task due tomorrow: n owner messages */
async function owners(ta: TestApp, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = (await ta.db.get<{ id: number }>("INSERT INTO users (email, name, role, unit_id, password_hash) VALUES (?, ?, 'staff', ?, 'x') RETURNING id", [`p${i}@t.cn`, `干事${i}`, ta.ids.a]))!.id;
    await addTask(ta.db, { unitId: ta.ids.a, ownerId: id, deadline: "2026-11-24", title: `任务${i}` });
    ids.push(id);
  }
  return ids;
}

test("each kind: its own body shape and signature, Chinese, the task links, @ by mobile; logged per channel; a second run posts nothing", { timeout: 60_000 }, async (t) => {
  const { platform, ta, run, add } = await setup(t);
  const { db, ids } = ta;
  await db.run("UPDATE users SET mobile = '13800138000' WHERE id = ?", [ids.owner]);
  const t1 = await addTask(db, { unitId: ids.a, ownerId: ids.owner, leaderId: ids.leaderA, deadline: "2026-11-24", title: "三会一课落实不到位" });
  const t2 = await addTask(db, { unitId: ids.a, ownerId: ids.colleague, leaderId: ids.leaderA, deadline: "2026-11-20", title: "党费收缴不规范" }); // overdue: escalation too
  const channels = { wecom: await add("wecom"), dingtalk: await add("dingtalk"), feishu: await add("feishu"), webhook: await add("webhook") };

  const r = await run();
  assert.ok(r.robots.length > 0);
  assert.deepEqual(r.robots.filter((x) => x.status !== "sent"), []);
  assert.ok(platform.received.every((x) => x.signOk && x.shapeOk), JSON.stringify(platform.received.filter((x) => !x.signOk || !x.shapeOk).map((x) => [x.kind, x.answered])));
  for (const kind of ["wecom", "dingtalk", "feishu", "webhook"] as const) {
    const got = platform.delivered(kind);
    const texts = got.map(textOf);
    // 李干事 (due tomorrow), 钱干事 (overdue), 赵书记's escalation, the unit's weekly digest
    assert.equal(got.length, 4, `${kind}: ${texts.join(" | ")}`);
    const mine = texts.find((x) => x.includes("李干事：1项整改任务即将到期"))!;
    assert.ok(mine, kind);
    assert.ok(mine.includes(`https://rectify.example.org/tasks/${t1}`), kind);
    assert.ok(texts.some((x) => x.includes("【整改督办】赵书记：1项整改任务逾期未销号") && x.includes(`/tasks/${t2}`)), kind);
    assert.ok(texts.some((x) => x.includes("【整改周报】第一党支部")), kind);
  }
  const ding = platform.delivered("dingtalk").find((x) => textOf(x).includes("李干事"))!;
  assert.deepEqual(ding.body.at.atMobiles, ["13800138000"]);
  const wecom = platform.delivered("wecom").find((x) => textOf(x).includes("李干事"))!;
  assert.equal(wecom.body.msgtype, "text");
  assert.deepEqual(wecom.body.text.mentioned_mobile_list, ["13800138000"]);
  assert.equal(platform.delivered("wecom").find((x) => textOf(x).includes("钱干事"))!.body.msgtype, "markdown", "no mobile: markdown");
  assert.equal(platform.delivered("feishu")[0].body.msg_type, "interactive");

  const rows = await robotRows(db);
  assert.equal(rows.length, 16);
  assert.ok(rows.every((x) => x.status === "sent" && x.attempts === 1 && x.dedupe_key.startsWith(`robot:${x.channel_id}:`)));
  assert.equal(rows.filter((x) => x.channel_id === channels.dingtalk).length, 4);
  assert.match(rows.find((x) => x.channel_id === channels.dingtalk)!.sent_to!, /^钉钉机器人#\d+（第一党支部）$/);
  // mail went out as before, beside the robots
  assert.ok(r.results.some((x) => x.status === "sent" && x.recipient.email === "owner@t.cn"));

  const before = platform.received.length;
  const again = await run({ wall: () => new Date(Date.now() + 3600_000) });
  assert.deepEqual(again.robots, []);
  assert.equal(platform.received.length, before, "nothing twice");
});

test("sub-units and kinds: a parent's channel takes sub-units' messages only with 含下级单位; a channel takes only its kinds", { timeout: 60_000 }, async (t) => {
  const { platform, ta, run, add } = await setup(t);
  await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.owner, leaderId: ta.ids.leaderA, deadline: "2026-11-24" });
  await add("dingtalk", { unitId: ta.ids.root, kinds: "owner" }); // root only: nothing
  await add("webhook", { unitId: ta.ids.root, kinds: "owner", includeSubunits: true }); // root and below: the owner's message
  await add("wecom", { kinds: "escalation" }); // unit a, escalations only: nothing (not overdue)
  await run();
  assert.equal(platform.delivered("dingtalk").length, 0);
  assert.equal(platform.delivered("wecom").length, 0);
  assert.deepEqual(platform.delivered("webhook").map((x) => x.body.kind), ["owner"]);
});

test("pacing: 26 messages to one 钉钉 robot never exceed its limit in any window; none refused", { timeout: 60_000 }, async (t) => {
  const { platform, ta, run, add } = await setup(t, {}, { windowMs: 800 });
  await owners(ta, 26);
  await add("dingtalk", { kinds: "owner" });
  const t0 = Date.now();
  const r = await run();
  const took = Date.now() - t0;
  assert.equal(r.robots.filter((x) => x.status === "sent").length, 26);
  const got = platform.received;
  assert.equal(got.length, 26, "no attempt refused, none repeated: " + got.map((x) => `${x.at - got[0].at}:${x.answered}`).join(" "));
  assert.ok(got.every((x) => x.answered === "ok"));
  // the platform counts 20 in any 800 ms (the run paces to 1000 ms: a margin for the network, as 61 s for a minute)
  for (const x of got) assert.ok(got.filter((y) => y.at > x.at - 800 && y.at <= x.at).length <= 20, "at most 20 in any window");
  assert.ok(took >= 900, `the last 6 waited for the window (took ${took} ms)`);
});

test("retries: the rate-limit error and a 500 are tried again within the run; all failing leaves it failed with the platform's code, sent on the retry pass", { timeout: 60_000 }, async (t) => {
  const { platform, ta, run, add } = await setup(t);
  const { db, ids } = ta;
  await addTask(db, { unitId: ids.a, ownerId: ids.owner, deadline: "2026-11-24" });
  const ch = await add("dingtalk", { kinds: "owner" });
  platform.script.push("limit", "500", "ok");
  const r = await run();
  assert.deepEqual(r.robots.map((x) => x.status), ["sent"]);
  assert.deepEqual(platform.received.map((x) => x.answered), ["limit", "500", "ok"]);
  assert.ok(platform.received[1].at - platform.received[0].at >= 140, "waited after 130101");
  assert.deepEqual((await robotRows(db)).map((x) => [x.status, x.attempts, x.error_code]), [["sent", 1, null]]);

  // another robot (the first taken off): every attempt refused, two messages
  await db.run("UPDATE robot_channels SET status = 'removed' WHERE id = ?", [ch]);
  await addTask(db, { unitId: ids.a, ownerId: ids.colleague, deadline: "2026-11-24" });
  const ch2 = await add("feishu", { kinds: "owner" });
  platform.received.length = 0;
  platform.script.push("500", "500", "500", "limit", "limit", "limit");
  const r2 = await run();
  assert.deepEqual(r2.robots.map((x) => x.status), ["failed", "failed"]);
  assert.equal(platform.received.length, 6);
  const rows = (await robotRows(db)).filter((x) => x.status === "failed");
  assert.deepEqual(rows.map((x) => [x.channel_id, x.error_code]), [
    [ch2, "HTTP 500"],
    [ch2, "9499"],
  ]);
  for (const row of rows) {
    assert.match(row.last_error!, /本次共尝试3次/);
    const wait = Date.parse(row.retry_at!) - Date.now();
    assert.ok(wait > 14 * 60_000 && wait <= 15 * 60_000, "the retry pass in 15 minutes");
  }
  assert.equal(await db.value<number>("SELECT failures FROM robot_channels WHERE id = ?", [ch2]), 2);

  // 提醒记录 shows the platform's code
  const { login, get } = await import("../../helpers/app.ts");
  const admin = await login(ta.app, "admin@t.cn");
  const page = await get(ta.app, admin, "/admin/reminders?status=failed");
  assert.equal(page.statusCode, 200);
  assert.ok(rows.every((x) => page.body.includes(`错误码 <code>${x.error_code}</code>`)), page.body.slice(0, 3000));
  assert.match(page.body, /机器人#\d+/);

  // the retry pass, its time come: sent, the channel's count cleared
  platform.received.length = 0;
  const r3 = await run({ retryOnly: true, wall: () => new Date(Date.now() + 16 * 60_000) });
  assert.deepEqual(r3.robots.map((x) => x.status), ["sent", "sent"]);
  assert.deepEqual((await robotRows(db)).map((x) => [x.status, x.attempts]), [
    ["sent", 1],
    ["sent", 2],
    ["sent", 2],
  ]);
  assert.equal(await db.value<number>("SELECT failures FROM robot_channels WHERE id = ?", [ch2]), 0);
});

test("slow once: a slow answer within the timeout is a success; past the timeout it is tried again", { timeout: 60_000 }, async (t) => {
  const { platform, ta, run, add } = await setup(t, { CHANNEL_TIMEOUT: "0.4" }, { slowMs: 200 });
  await addTask(ta.db, { unitId: ta.ids.a, ownerId: ta.ids.owner, deadline: "2026-11-24" });
  await add("wecom", { kinds: "owner" });
  platform.script.push("slow");
  const r = await run();
  assert.deepEqual(r.robots.map((x) => x.status), ["sent"]);
  assert.equal(platform.received.length, 1);

  const slower = await setup(t, { CHANNEL_TIMEOUT: "0.2" }, { slowMs: 600 });
  await addTask(slower.ta.db, { unitId: slower.ta.ids.a, ownerId: slower.ta.ids.owner, deadline: "2026-11-24" });
  await slower.add("webhook", { kinds: "owner" });
  slower.platform.script.push("slow");
  const r2 = await slower.run();
  assert.deepEqual(r2.robots.map((x) => x.status), ["sent"]);
  assert.deepEqual(slower.platform.received.map((x) => x.answered), ["slow", "ok"], "timed out, then tried again");
  assert.deepEqual((await robotRows(slower.ta.db)).map((x) => x.status), ["sent"]);
});

test("two runs at once (two stores on one database): every robot message posted once", { timeout: 60_000 }, async (t) => {
  const { platform, ta, mailer, add } = await setup(t, {}, { slowMs: 100 });
  await owners(ta, 6);
  await add("dingtalk", { kinds: "owner" });
  await add("feishu", { kinds: "owner" });
  for (let i = 0; i < 20; i++) platform.script.push("slow");
  const other = await openDb(ta.config.database);
  t.after(() => other.close());
  const [a, b] = await Promise.all([
    runReminders({ db: ta.db, config: ta.config, mailer, now: NOW, robotTuning: FAST }),
    runReminders({ db: other, config: ta.config, mailer, now: NOW, robotTuning: FAST }),
  ]);
  const sent = [...a.robots, ...b.robots].filter((x) => x.status === "sent");
  assert.equal(sent.length, 12);
  const texts = platform.received.map((x) => `${x.kind}:${textOf(x)}`);
  assert.equal(texts.length, 12, "no message posted twice");
  assert.equal(new Set(texts).size, 12);
  assert.ok((await robotRows(ta.db)).every((x) => x.status === "sent" && x.attempts === 1));
});

test("失效: ten failed messages in a row mark the channel broken, its admin is told by mail, nothing more goes to it", { timeout: 60_000 }, async (t) => {
  const { platform, ta, run, add } = await setup(t);
  await owners(ta, 12);
  const ch = await add("webhook", { kinds: "owner" });
  for (let i = 0; i < 30; i++) platform.script.push("500");
  const r = await run({ robotTuning: { ...FAST, tries: 1 } });
  assert.equal(platform.received.length, 10, "stopped at the tenth failure");
  const broke = r.robots.filter((x) => x.broke);
  assert.equal(broke.length, 1);
  assert.deepEqual(broke[0].broke!.notified, ["admin@t.cn"]);
  const c = (await ta.db.get<{ status: string; failures: number; broken_at: string | null; last_error: string }>("SELECT status, failures, broken_at, last_error FROM robot_channels WHERE id = ?", [ch]))!;
  assert.equal(c.status, "broken");
  assert.equal(c.failures, 10);
  assert.ok(c.broken_at);
  assert.match(c.last_error, /HTTP 500/);
  const files = readdirSync(ta.config.outboxDir);
  const mails = await Promise.all(files.map(async (f) => simpleParser(readFileSync(join(ta.config.outboxDir, f)))));
  const notice = mails.filter((m) => m.headers.get("x-rectify-kind") === "robot-broken");
  assert.equal(notice.length, 1);
  assert.match(notice[0].subject!, /【群机器人失效】第一党支部的通用 Webhook机器人连续10次发送失败/);
  assert.equal((notice[0].to as any).value[0].address, "admin@t.cn");
  assert.match(notice[0].text!, new RegExp(`/admin/units/${ta.ids.a}/robots`));
  // the next run leaves a broken channel alone
  platform.received.length = 0;
  platform.script.length = 0;
  const r2 = await run({ wall: () => new Date(Date.now() + 24 * 3600_000) });
  assert.deepEqual(r2.robots, []);
  assert.equal(platform.received.length, 0);
});
