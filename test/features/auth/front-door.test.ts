// The probes of issue 14, each against the real routes on a fresh database: where sign-in sends
// you (next), what a wrong password tells about an email, the lockout and the per-address limit,
// ids in URLs, and what evidence is accepted and how it is served.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp, login, post, get, multipart, csrfOf, miniPdf, PNG_1PX, PASSWORD, type TestApp, type Session } from "../../helpers/app.ts";
import { makeDocx, makeZip } from "../reports/extract/helpers.ts";
import { positiveInt } from "../../../server/lib/http.ts";

/** A sign-in attempt from a given client address (the app believes X-Forwarded-For from its local proxy only). */
async function attempt(ta: TestApp, email: string, password: string, opts: { ip?: string; next?: string } = {}) {
  const headers: Record<string, string> = opts.ip ? { "x-forwarded-for": opts.ip } : {};
  const page = await ta.app.inject({ url: "/login", headers });
  const pre = String(page.headers["set-cookie"]).split(";")[0];
  const payload: Record<string, string> = { email, password, _csrf: csrfOf(page.body) };
  if (opts.next !== undefined) payload.next = opts.next;
  return ta.app.inject({ method: "POST", url: "/login", headers: { cookie: pre, ...headers }, payload });
}
const errorOf = (html: string) => /class="alert alert-error"[^>]*>([^<]*)</.exec(html)?.[1] ?? /role="alert"[^>]*>([^<]*)</.exec(html)?.[1] ?? "";

test("next after sign-in: a path on this site, anything else (other origins, tabs, newlines, backslashes) goes to /", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const cases: [string, string][] = [
    ["/tasks?state=open", "/tasks?state=open"],
    ["/\t/evil.com", "/"],
    ["/\n/evil.com", "/"],
    ["/\r/evil.com", "/"],
    ["/\u000b/evil.com", "/"],
    ["/\\evil.com", "/"],
    ["//evil.com", "/"],
    ["/.//evil.com", "/"],
    ["https://evil.com", "/"],
  ];
  for (const [next, want] of cases) {
    const res = await attempt(ta, "owner@t.cn", PASSWORD, { next });
    assert.equal(res.statusCode, 303, `${JSON.stringify(next)}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    assert.equal(res.headers.location, want, JSON.stringify(next));
  }
  // the form carries only a safe next
  const page = await ta.app.inject({ url: "/login?next=%2F%09%2Fevil.com" });
  assert.equal(page.statusCode, 200);
  assert.doesNotMatch(page.body, /evil\.com/);
});

test("a wrong password reads the same for a known and an unknown email, up to and including the lockout", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const known: string[] = [];
  const unknown: string[] = [];
  for (let i = 0; i < 6; i++) {
    const k = await attempt(ta, "owner@t.cn", "wrong-pass-1");
    const u = await attempt(ta, "nobody@t.cn", "wrong-pass-1");
    assert.equal(k.statusCode, u.statusCode);
    known.push(errorOf(k.body));
    unknown.push(errorOf(u.body));
  }
  assert.deepEqual(unknown, known);
  assert.match(known[0], /还可尝试 4 次/);
  assert.match(known[4], /锁定/);
  assert.match(known[5], /锁定/);
  // while locked, the right password is refused the same way from that address
  assert.match(errorOf((await attempt(ta, "owner@t.cn", PASSWORD)).body), /锁定/);
});

test("someone hammering an account from elsewhere does not lock its owner out of their usual address; the lock lifts after 15 minutes", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  for (let i = 0; i < 5; i++) await attempt(ta, "owner@t.cn", "guess-" + i, { ip: "203.0.113.9" });
  assert.match(errorOf((await attempt(ta, "owner@t.cn", PASSWORD, { ip: "203.0.113.9" })).body), /锁定/, "the guesser's address is locked");
  const mine = await attempt(ta, "owner@t.cn", PASSWORD, { ip: "198.51.100.7" });
  assert.equal(mine.statusCode, 303, "the owner signs in from their own address");
  ta.clock.now = new Date(ta.clock.now.getTime() + 16 * 60_000);
  assert.equal((await attempt(ta, "owner@t.cn", PASSWORD, { ip: "203.0.113.9" })).statusCode, 303);
});

test("sign-in attempts are limited per client address (LOGIN_RATE_LIMIT a minute), other addresses unaffected", async (t) => {
  const ta = await makeApp({ LOGIN_RATE_LIMIT: "3" });
  t.after(ta.close);
  for (let i = 0; i < 3; i++) assert.equal((await attempt(ta, `x${i}@t.cn`, "nope-1234", { ip: "203.0.113.50" })).statusCode, 401);
  const limited = await attempt(ta, "owner@t.cn", PASSWORD, { ip: "203.0.113.50" });
  assert.equal(limited.statusCode, 429);
  assert.match(limited.body, /登录尝试过于频繁/);
  assert.equal((await attempt(ta, "owner@t.cn", PASSWORD, { ip: "198.51.100.7" })).statusCode, 303);
});

test("a client's own X-Forwarded-For is not believed unless it comes through a trusted proxy", async (t) => {
  const ta = await makeApp({ TRUST_PROXY: "off", LOGIN_RATE_LIMIT: "2" });
  t.after(ta.close);
  for (let i = 0; i < 2; i++) await attempt(ta, "owner@t.cn", "nope-1234", { ip: `203.0.113.${i}` });
  assert.equal((await attempt(ta, "owner@t.cn", PASSWORD, { ip: "203.0.113.99" })).statusCode, 429, "a new X-Forwarded-For does not buy new attempts");
});

test("ids in URLs are decimal digits: 0x1, 1e0, 1.0, +1, 01 are 404 everywhere, the plain id works", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leadera@t.cn");
  const res = await post(ta.app, leader, "/tasks", { title: "三会一课记录不规范", unitId: ta.ids.a, ownerId: ta.ids.owner, leaderId: ta.ids.leaderA, deadlineKind: "dated", deadline: "2026-12-31" });
  const id = Number(/\/tasks\/(\d+)/.exec(String(res.headers.location))![1]);
  assert.equal(id, 1);
  assert.equal((await get(ta.app, leader, `/tasks/${id}`)).statusCode, 200);
  const admin = await login(ta.app, "admin@t.cn");
  for (const bad of ["0x1", "1e0", "1.0", "+1", "01", "%201", "1%20"]) {
    for (const [s, url] of [
      [leader, `/tasks/${bad}`],
      [leader, `/tasks/${bad}/edit`],
      [leader, `/attachments/${bad}`],
      [leader, `/reports/${bad}`],
      [leader, `/reports/${bad}/original`],
      [leader, `/reports/${bad}/progress`],
      [admin, `/admin/users/${bad}`],
      [admin, `/admin/units/${bad}`],
    ] as [Session, string][]) {
      const r = await get(ta.app, s, url);
      assert.equal(r.statusCode, 404, `${url}: ${r.statusCode}`);
    }
  }
  const verb = await post(ta.app, leader, `/tasks/1e0/reopen`, { version: 1, reason: "x" });
  assert.equal(verb.statusCode, 404);
  assert.equal(positiveInt("0x1"), undefined);
  assert.equal(positiveInt("1e0"), undefined);
  assert.equal(positiveInt("12"), 12);
});

async function taskFor(ta: TestApp) {
  const leader = await login(ta.app, "leadera@t.cn");
  const res = await post(ta.app, leader, "/tasks", { title: "佐证材料测试", unitId: ta.ids.a, ownerId: ta.ids.owner, leaderId: ta.ids.leaderA, deadlineKind: "dated", deadline: "2026-12-31" });
  return Number(/\/tasks\/(\d+)/.exec(String(res.headers.location))![1]);
}
function upload(ta: TestApp, s: Session, id: number, version: number, files: { filename: string; data: Buffer }[]) {
  const mp = multipart({ _csrf: s.csrf, version: String(version), text: "进展" }, files.map((f) => ({ name: "files", ...f })));
  return ta.app.inject({ method: "POST", url: `/tasks/${id}/progress`, headers: { cookie: s.cookie, ...mp.headers }, payload: mp.payload });
}
const count = async (ta: TestApp, table: string) => (await ta.db.value<number>(`select count(*) AS n from ${table}`))!;

test("evidence: a program behind PDF or zip magic bytes is refused; real PDFs and Office files are kept", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const id = await taskFor(ta);
  const owner = await login(ta.app, "owner@t.cn");
  const exe = Buffer.concat([Buffer.from("MZ\x90\x00\x03\x00\x00\x00\x04\x00", "latin1"), Buffer.alloc(2000, 0x90)]);
  const refused: [string, Buffer][] = [
    ["会议记录.pdf", Buffer.concat([Buffer.from("%PDF-1.4\n"), exe])],
    ["会议记录.pdf", Buffer.concat([Buffer.from("%PDF-1.7\n"), exe, Buffer.from("\n%%EOF\n")])],
    ["台账.docx", makeZip({ "setup.exe": exe })],
    ["台账.xlsx", makeZip({ "[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>" })],
    ["台账.docx", Buffer.concat([Buffer.from("PK\x03\x04", "latin1"), exe])],
  ];
  for (const [filename, data] of refused) {
    const r = await upload(ta, owner, id, 1, [{ filename, data }]);
    assert.equal(r.statusCode, 422, `${filename}: ${r.statusCode}`);
    assert.match(r.body, /内容与扩展名不符/);
  }
  assert.equal(await count(ta, "attachments"), 0, "nothing stored");
  const ok = await upload(ta, owner, id, 1, [
    { filename: "会议记录.pdf", data: miniPdf() },
    { filename: "整改方案.docx", data: makeDocx("整改方案\n一、总体要求") },
  ]);
  assert.equal(ok.statusCode, 303, ok.body.slice(0, 300));
  assert.equal(await count(ta, "attachments"), 2);
});

test("evidence is served as a download, except images and PDFs, which open inline in a CSP sandbox", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const id = await taskFor(ta);
  const owner = await login(ta.app, "owner@t.cn");
  const r = await upload(ta, owner, id, 1, [
    { filename: "记录.pdf", data: miniPdf() },
    { filename: "照片.png", data: PNG_1PX },
    { filename: "说明.txt", data: Buffer.from("<script>alert(1)</script>") },
    { filename: "方案.docx", data: makeDocx("方案") },
  ]);
  assert.equal(r.statusCode, 303, r.body.slice(0, 300));
  const rows = await ta.db.all<{ id: number; original_name: string }>("select id, original_name from attachments order by id");
  for (const a of rows) {
    const res = await get(ta.app, owner, `/attachments/${a.id}`);
    assert.equal(res.statusCode, 200);
    const cd = String(res.headers["content-disposition"]);
    const csp = String(res.headers["content-security-policy"]);
    if (/\.(pdf|png)$/.test(a.original_name)) {
      assert.match(cd, /^inline;/, a.original_name);
      assert.match(csp, /^sandbox;/, a.original_name);
      assert.doesNotMatch(csp, /allow-scripts|allow-same-origin/);
    } else {
      assert.match(cd, /^attachment;/, a.original_name);
    }
    assert.equal(res.headers["x-content-type-options"], "nosniff");
  }
  const forced = await get(ta.app, owner, `/attachments/${rows[0].id}?download=1`);
  assert.match(String(forced.headers["content-disposition"]), /^attachment;/);
});

test("favicon.ico is served, so no page logs a 404 for it", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const res = await ta.app.inject({ url: "/favicon.ico" });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers["content-type"], "image/x-icon");
  assert.deepEqual([...res.rawPayload.subarray(0, 4)], [0, 0, 1, 0], "an ICO header");
});
