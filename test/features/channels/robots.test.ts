// The group robots, pure: each platform's body and signature, reading answers, the addresses
// allowed, pacing under the limit, the sealed secrets, and which channel gets which message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { checkWebhookUrl, dingtalkSign, feishuSign, isPrivateAddress, maskUrl, nextSlot, normalizeMobile, pacePlan, parseMessageKinds, readAnswer, requestFor, webhookSign, MAX_LINES, type RobotMessage } from "../../../server/features/channels/robots.ts";
import { channelKey, seal, unseal, SecretError } from "../../../server/features/channels/secret.ts";
import { planRobots, robotKey, type PlanChannel } from "../../../server/features/channels/plan.ts";
import type { PlannedMail } from "../../../server/features/reminders/plan.ts";

const msg = (over: Partial<RobotMessage> = {}): RobotMessage => ({
  kind: "owner",
  title: "【整改提醒】李干事：2项整改任务即将到期",
  intro: "",
  lines: [
    { title: "三会一课落实不到位", url: "https://r.example.org/tasks/1", note: "剩余1天（2026年11月24日）" },
    { title: "党费收缴*不规范*", url: "https://r.example.org/tasks/2", note: "剩余3天（2026年11月26日）" },
  ],
  more: 0,
  link: null,
  mentions: [{ name: "李干事", mobile: "13800138000" }],
  ...over,
});
const NOW = Date.parse("2026-11-23T02:00:00Z");

test("钉钉: markdown with title and text, @ by mobile in at.atMobiles and in the text, signed in the address as documented", () => {
  const r = requestFor("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=T0K", msg(), { secret: "SECabc", now: NOW });
  const u = new URL(r.url);
  assert.equal(u.searchParams.get("access_token"), "T0K");
  assert.equal(u.searchParams.get("timestamp"), String(NOW));
  // sign = urlencode(base64(HmacSHA256(key = secret, message = timestamp + "\n" + secret)))
  const expected = createHmac("sha256", "SECabc").update(`${NOW}\nSECabc`).digest("base64");
  assert.equal(u.searchParams.get("sign"), expected);
  assert.ok(r.url.includes(`sign=${encodeURIComponent(expected)}`), "the sign is URL-encoded");
  const b = JSON.parse(r.body);
  assert.equal(b.msgtype, "markdown");
  assert.equal(typeof b.markdown.title, "string");
  assert.match(b.markdown.text, /^### 【整改提醒】李干事：2项整改任务即将到期/);
  assert.match(b.markdown.text, /\[三会一课落实不到位\]\(https:\/\/r\.example\.org\/tasks\/1\)/);
  assert.match(b.markdown.text, /党费收缴\\\*不规范\\\*/, "markdown in titles is escaped");
  assert.deepEqual(b.at.atMobiles, ["13800138000"]);
  assert.match(b.markdown.text, /@13800138000/);
  // no secret: the address as given
  assert.equal(requestFor("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=T0K", msg(), { now: NOW }).url, "https://oapi.dingtalk.com/robot/send?access_token=T0K");
});

test("企业微信: markdown when nobody can be @-ed; a text message with mentioned_mobile_list when someone has a mobile", () => {
  const plain = JSON.parse(requestFor("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K", msg({ mentions: [{ name: "李干事", mobile: null }] }), { now: NOW }).body);
  assert.equal(plain.msgtype, "markdown");
  assert.match(plain.markdown.content, /^### 【整改提醒】/);
  assert.match(plain.markdown.content, /\(https:\/\/r\.example\.org\/tasks\/2\)/);
  assert.match(plain.markdown.content, /请 李干事 及时处理/);
  const at = requestFor("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K", msg(), { now: NOW });
  assert.equal(at.url, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K", "企业微信 is not signed");
  const b = JSON.parse(at.body);
  assert.equal(b.msgtype, "text");
  assert.deepEqual(b.text.mentioned_mobile_list, ["13800138000"]);
  assert.match(b.text.content, /https:\/\/r\.example\.org\/tasks\/1/);
});

test("飞书: an interactive card, timestamp (seconds) and sign in the body as documented", () => {
  const r = requestFor("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/abc", msg({ kind: "escalation" }), { secret: "fs-secret", now: NOW });
  const b = JSON.parse(r.body);
  const ts = Math.floor(NOW / 1000);
  assert.equal(b.timestamp, String(ts));
  // sign = base64(HmacSHA256(key = timestamp + "\n" + secret, message = ""))
  assert.equal(b.sign, createHmac("sha256", `${ts}\nfs-secret`).update("").digest("base64"));
  assert.equal(b.sign, feishuSign("fs-secret", ts));
  assert.equal(b.msg_type, "interactive");
  assert.equal(b.card.header.title.content, "【整改提醒】李干事：2项整改任务即将到期");
  assert.equal(b.card.header.template, "red");
  assert.equal(b.card.elements[0].text.tag, "lark_md");
  assert.match(b.card.elements[0].text.content, /\[三会一课落实不到位\]\(https:\/\/r\.example\.org\/tasks\/1\)/);
  assert.ok(!("timestamp" in JSON.parse(requestFor("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/abc", msg(), { now: NOW }).body)), "unsigned without a secret");
});

test("webhook: plain JSON with the items, signed in headers when a secret is set", () => {
  const r = requestFor("webhook", "https://hooks.example.org/x", msg({ more: 3 }), { secret: "s3", now: NOW });
  const b = JSON.parse(r.body);
  assert.equal(b.source, "rectify");
  assert.equal(b.kind, "owner");
  assert.equal(b.items.length, 2);
  assert.equal(b.more, 3);
  assert.deepEqual(b.mentions, [{ name: "李干事", mobile: "13800138000" }]);
  const ts = r.headers["x-rectify-timestamp"];
  assert.equal(r.headers["x-rectify-signature"], "sha256=" + createHmac("sha256", "s3").update(`${ts}.${r.body}`).digest("hex"));
  assert.equal(webhookSign("s3", Number(ts), r.body), r.headers["x-rectify-signature"]);
});

test("signatures match the platforms' documented examples' shape (base64 of 32 bytes), and change with the time", () => {
  assert.equal(Buffer.from(dingtalkSign("s", 1), "base64").length, 32);
  assert.notEqual(dingtalkSign("s", 1), dingtalkSign("s", 2));
  assert.notEqual(feishuSign("s", 1), feishuSign("s", 2));
});

test("answers: success is the platform's code 0, even on HTTP 200; rate limits recognised; a 500 fails", () => {
  assert.deepEqual(readAnswer("dingtalk", 200, '{"errcode":0,"errmsg":"ok"}'), { ok: true, code: "0", message: "ok", rateLimited: false });
  const limited = readAnswer("dingtalk", 200, '{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}');
  assert.equal(limited.ok, false);
  assert.equal(limited.code, "130101");
  assert.ok(limited.rateLimited);
  assert.ok(readAnswer("wecom", 200, '{"errcode":45009,"errmsg":"api freq out of limit"}').rateLimited);
  assert.ok(readAnswer("feishu", 200, '{"code":9499,"msg":"too many request"}').rateLimited);
  assert.equal(readAnswer("feishu", 200, '{"code":19021,"msg":"sign match fail"}').code, "19021");
  assert.ok(readAnswer("feishu", 200, '{"StatusCode":0,"StatusMessage":"success"}').ok, "older 飞书 robots");
  const five = readAnswer("wecom", 500, "Internal Server Error");
  assert.equal(five.ok, false);
  assert.equal(five.code, "HTTP 500");
  assert.equal(readAnswer("wecom", 200, "<html>").ok, false, "200 without the code is not success");
  assert.ok(readAnswer("webhook", 204, "").ok);
  assert.equal(readAnswer("webhook", 200, '{"code":7}').ok, false);
});

test("addresses: https to a public address; private, loopback, plain http refused unless CHANNEL_ALLOW_PRIVATE", () => {
  const strict = { allowPrivate: false };
  const loose = { allowPrivate: true };
  assert.ok(checkWebhookUrl("https://oapi.dingtalk.com/robot/send?access_token=x", strict).ok);
  for (const [u, re] of [
    ["http://oapi.dingtalk.com/robot/send", /须以 https:\/\/ 开头/],
    ["https://127.0.0.1/hook", /本机或内网地址/],
    ["https://localhost/hook", /本机或内网地址/],
    ["https://10.1.2.3/hook", /本机或内网地址/],
    ["https://192.168.0.8/hook", /本机或内网地址/],
    ["https://172.20.0.1/hook", /本机或内网地址/],
    ["https://169.254.169.254/latest", /本机或内网地址/],
    ["https://[::1]/hook", /本机或内网地址/],
    ["https://[::ffff:10.0.0.1]/hook", /本机或内网地址/],
    ["https://2130706433/hook", /本机或内网地址/],
    ["https://intranet/hook", /本机或内网地址/],
    ["ftp://example.org/x", /https:\/\//],
    ["not a url", /格式不正确/],
    ["https://user:pw@example.org/x", /用户名或密码/],
    ["", /请填写/],
  ] as const) {
    const r = checkWebhookUrl(u, strict);
    assert.equal(r.ok, false, u);
    assert.match((r as { error: string }).error, re, u);
  }
  assert.ok(checkWebhookUrl("http://127.0.0.1:8080/hook", loose).ok);
  assert.ok(checkWebhookUrl("https://10.1.2.3/hook", loose).ok);
  assert.equal(checkWebhookUrl("http://example.org/hook", loose).ok, false, "plain http to a public address stays refused");
  assert.ok(isPrivateAddress("100.64.0.1") && isPrivateAddress("fd00::1") && isPrivateAddress("fe80::1") && !isPrivateAddress("8.8.8.8") && !isPrivateAddress("2400:3200::1"));
});

test("pacing: never more than the limit in any window, as early as that allows", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 60 }), fc.array(fc.integer({ min: 0, max: 120_000 }), { maxLength: 40 }), fc.boolean(), (n, history, feishu) => {
      const limit = feishu ? { perMinute: 100, perSecond: 5 } : { perMinute: 20 };
      const now = 120_000;
      const past = history.filter((t) => t <= now);
      const plan = pacePlan(n, past, now, limit, 60_000);
      assert.equal(plan.length, n);
      const all = [...past, ...plan].sort((a, b) => a - b);
      for (const t of plan) {
        assert.ok(t >= now);
        // every window of 60 s that ends at a send holds at most perMinute sends
        assert.ok(all.filter((x) => x > t - 60_000 && x <= t).length <= limit.perMinute);
        if (limit.perSecond) assert.ok(all.filter((x) => x > t - 1000 && x <= t).length <= limit.perSecond);
      }
      for (let i = 1; i < plan.length; i++) assert.ok(plan[i] >= plan[i - 1]);
    }),
    { numRuns: 200 },
  );
  // 25 messages to a fresh 钉钉 robot: 20 at once, 5 a minute later
  const p = pacePlan(25, [], 0, { perMinute: 20 }, 60_000);
  assert.deepEqual(p.slice(0, 20), Array(20).fill(0));
  assert.deepEqual(p.slice(20), Array(5).fill(60_000));
  assert.equal(nextSlot([0, 0, 0, 0, 0], 0, { perMinute: 100, perSecond: 5 }), 1000);
});

test("secrets: sealed with AES-256-GCM, opened with the same key only; the key from CHANNEL_SECRET_KEY or derived from the session secret", () => {
  const k1 = channelKey({ channelSecretKey: undefined, sessionSecret: "x".repeat(40) });
  const k2 = channelKey({ channelSecretKey: "y".repeat(40), sessionSecret: "x".repeat(40) });
  const k3 = channelKey({ channelSecretKey: "ab".repeat(32), sessionSecret: "x".repeat(40) });
  assert.equal(k1.length, 32);
  assert.notDeepEqual(k1, k2);
  assert.deepEqual(k3, Buffer.from("ab".repeat(32), "hex"));
  const s = seal("SEC123 钉钉密钥", k1);
  assert.match(s, /^v1\./);
  assert.ok(!s.includes("SEC123"));
  assert.notEqual(seal("SEC123 钉钉密钥", k1), s, "a fresh IV every time");
  assert.equal(unseal(s, k1), "SEC123 钉钉密钥");
  assert.throws(() => unseal(s, k2), (e: Error) => e instanceof SecretError && /CHANNEL_SECRET_KEY/.test(e.message));
  // one character of the ciphertext changed (to another: the one it replaces decides, so the
  // value always differs; it had looked at the last one, and 1 seal in 64 was left unchanged)
  const at = s.length - 2;
  const tampered = s.slice(0, at) + (s[at] === "A" ? "B" : "A") + s.slice(at + 1);
  assert.notEqual(tampered, s);
  assert.throws(() => unseal(tampered, k1), SecretError);
});

test("small helpers: message kinds, masked addresses, mobiles", () => {
  assert.deepEqual(parseMessageKinds("digest,owner").kinds, ["owner", "digest"]);
  assert.match(parseMessageKinds("owner,回头看").error!, /不认识：回头看/);
  assert.match(parseMessageKinds("").error!, /至少选择一种/);
  const m = maskUrl("https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789");
  assert.ok(!m.includes("abcdef0123456789"));
  assert.match(m, /^https:\/\/oapi\.dingtalk\.com\/robot\/send\?access_token=ab…89$/);
  assert.ok(!maskUrl("https://open.feishu.cn/open-apis/bot/v2/hook/0123456789abcdef").includes("0123456789abcdef"));
  assert.equal(normalizeMobile("138 0013 8000"), "13800138000");
  assert.equal(normalizeMobile("+86-13800138000"), "13800138000");
  assert.equal(normalizeMobile("12345"), null);
});

test("which channel gets what: the unit's own, sub-units only with the flag, the kinds it takes, a digest once per unit; the log keeps it once", () => {
  const line = (taskId: number, key: string) => ({ key, taskId, title: `任务${taskId}`, deadline: "2026-11-24", daysLeft: 1, words: "剩余1天", state: "doing" as const, unitName: "支部", ownerName: "李干事", reason: "due" as const });
  const owner: PlannedMail = {
    kind: "owner",
    recipient: { id: 5, name: "李干事", email: "o@t.cn" },
    items: [
      { taskId: 1, kind: "due-1", day: "2026-11-23", dedupeKey: "1:5:due-1:2026-11-23", attempts: 0 },
      { taskId: 2, kind: "due-1", day: "2026-11-23", dedupeKey: "2:5:due-1:2026-11-23", attempts: 0 },
    ],
    lines: [line(1, "1:5:due-1:2026-11-23"), line(2, "2:5:due-1:2026-11-23")],
  };
  const digest = (leader: number): PlannedMail => ({
    kind: "weekly",
    recipient: { id: leader, name: `领导${leader}`, email: `l${leader}@t.cn` },
    items: [{ taskId: null, kind: "weekly", day: "2026-11-23", dedupeKey: `-:${leader}:weekly:2026-11-23`, attempts: 0 }],
    lines: [],
    digest: { unitId: 2, unitName: "支部", monday: "2026-11-23", sunday: "2026-11-29", from: "2026-11-16", to: "2026-11-22", total: 2, withEnd: 2, done: 0, completionRate: 0, created: [], signedOff: [], overdue: [], dueThisWeek: [line(1, "")] },
  });
  const channels: PlanChannel[] = [
    { id: 10, unitId: 2, unitPath: "/1/2/", kinds: ["owner", "digest"], includeSubunits: false },
    { id: 11, unitId: 1, unitPath: "/1/", kinds: ["owner"], includeSubunits: false },
    { id: 12, unitId: 1, unitPath: "/1/", kinds: ["owner", "escalation"], includeSubunits: true },
    { id: 13, unitId: 2, unitPath: "/1/2/", kinds: ["escalation"], includeSubunits: false },
  ];
  const ctx = {
    taskUnit: new Map([
      [1, { unitId: 2, unitPath: "/1/2/" }],
      [2, { unitId: 3, unitPath: "/1/3/" }],
    ]),
    unitPath: new Map([[2, "/1/2/"]]),
    mobile: new Map([[5, "13800138000"]]),
    baseUrl: "https://r.example.org",
    log: new Map(),
    nowMs: NOW,
    staleClaimMs: 15 * 60_000,
    relevant: new Set<string>(),
  };
  const sends = planRobots([owner, digest(7), digest(8)], channels, ctx);
  const by = (id: number) => sends.filter((s) => s.channelId === id);
  assert.deepEqual(by(10).map((s) => [s.kind, s.items.map((i) => i.dedupeKey)]), [
    ["owner", [robotKey(10, "1:5:due-1:2026-11-23")]],
    ["digest", [robotKey(10, "unit2:weekly:2026-11-23")]],
  ]);
  assert.equal(by(11).length, 0, "task 1 and 2 are in sub-units; channel 11 takes only its own unit");
  assert.equal(by(12).length, 1);
  assert.equal(by(12)[0].items.length, 2, "with 含下级单位, both");
  assert.equal(by(13).length, 0, "escalations only");
  const m = by(10)[0].message;
  assert.equal(m.title, "【整改提醒】李干事：1项整改任务即将到期");
  assert.deepEqual(m.mentions, [{ name: "李干事", mobile: "13800138000" }]);
  assert.equal(m.lines[0].url, "https://r.example.org/tasks/1");
  assert.match(by(10)[1].message.title, /^【整改周报】支部/);
  assert.equal(ctx.relevant.size, 4);
  // already sent: nothing again; failed with its time come: again with its attempts
  const log = new Map([
    [robotKey(10, "1:5:due-1:2026-11-23"), { dedupeKey: robotKey(10, "1:5:due-1:2026-11-23"), status: "sent" as const, attempts: 1 }],
    [robotKey(12, "2:5:due-1:2026-11-23"), { dedupeKey: robotKey(12, "2:5:due-1:2026-11-23"), status: "failed" as const, attempts: 2, retryAt: "2026-11-23T01:00:00Z" }],
  ]);
  const again = planRobots([owner], channels, { ...ctx, log });
  assert.deepEqual(again.map((s) => [s.channelId, s.items.map((i) => [i.dedupeKey, i.attempts])]), [
    [12, [[robotKey(12, "1:5:due-1:2026-11-23"), 0], [robotKey(12, "2:5:due-1:2026-11-23"), 2]]],
  ]);
  const retry = planRobots([owner], channels, { ...ctx, log, retryOnly: true });
  assert.deepEqual(retry.map((s) => s.items.map((i) => i.dedupeKey)), [[robotKey(12, "2:5:due-1:2026-11-23")]]);
  assert.equal(retry[0].message.lines.length, 1, "the message carries only its items");
  // long lists are cut short
  const many: PlannedMail = { ...owner, items: [], lines: [] };
  for (let i = 1; i <= MAX_LINES + 3; i++) {
    many.items.push({ taskId: 1, kind: `due-${i}`, day: "2026-11-23", dedupeKey: `k${i}`, attempts: 0 });
    many.lines.push(line(1, `k${i}`));
  }
  const cut = planRobots([many], [channels[0]], { ...ctx, relevant: undefined })[0].message;
  assert.equal(cut.lines.length, MAX_LINES);
  assert.equal(cut.more, 3);
});
