// npm run cli -- import units|people|ledger: the same rules, a summary, exit 1 on a refusal
// unless --skip-bad, nothing written on a dry run or a refusal. Real processes on the test's database.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeApp } from "../../helpers/app.ts";
import { cliAsync } from "../../helpers/cli.ts";
import { xlsx, xls, csvUtf8Bom, UNIT_ROWS, PEOPLE_ROWS, LEDGER_ROWS, LEDGER_MERGES } from "./files.ts";

test("import units / people / ledger from the command line", async () => {
  const ta = await makeApp();
  try {
    const env = { ...ta.dbEnv, SESSION_SECRET: "x".repeat(40), SMTP_URL: "", BASE_URL: "https://zg.example.org" };
    const run = (...args: string[]) => cliAsync(env, ...args);
    const count = async (t: string) => Number(await ta.db.value(`SELECT count(*) FROM ${t}`));
    const units = join(ta.dir, "units.xlsx");
    writeFileSync(units, await xlsx([{ rows: UNIT_ROWS }]));
    const before = await count("units");

    const dry = await run("import", "units", units, "--dry-run");
    assert.equal(dry.code, 1, dry.err + dry.out);
    assert.match(dry.out, /组织架构《units\.xlsx》：新增 3，更新 0，未变 0，不能导入 3（试运行，未写入任何内容）/);
    assert.match(dry.out, /第 6 行 财务科党支部：上级单位不存在/);
    const refused = await run("import", "units", units);
    assert.equal(refused.code, 1);
    assert.match(refused.out, /未写入任何内容/);
    assert.equal(await count("units"), before);
    const skip = await run("import", "units", units, "--skip-bad");
    assert.equal(skip.code, 0, skip.err);
    assert.equal(await count("units"), before + 3);
    const good = join(ta.dir, "good.xls");
    writeFileSync(good, xls(UNIT_ROWS.slice(0, 5)));
    const same = await run("import", "units", good);
    assert.equal(same.code, 0, same.err);
    assert.match(same.out, /新增 0，更新 0，未变 3，不能导入 0/);

    const people = join(ta.dir, "people.csv");
    writeFileSync(people, csvUtf8Bom(PEOPLE_ROWS.slice(0, 5)));
    const p = await run("import", "people", people);
    assert.equal(p.code, 0, p.err + p.out);
    assert.match(p.out, /新增 3，更新 0，未变 0，不能导入 0/);
    assert.match(p.out, /郑干事（机关第二党支部，登录账号 13800000003@noemail\.invalid）一次性登录链接：https:\/\/zg\.example\.org\/welcome\//);
    assert.match(p.out, /写入发件箱开通邮件 2 封/);

    const ledger = join(ta.dir, "台账.xlsx");
    writeFileSync(ledger, await xlsx([{ rows: LEDGER_ROWS, merges: LEDGER_MERGES }]));
    const l = await run("import", "ledger", ledger, "--unit", "root");
    assert.equal(l.code, 1);
    assert.match(l.out, /第 6 行 理论学习不深入：责任单位“第一支部”未匹配/);
    assert.equal(await count("tasks"), 0);
    assert.equal(await count("movein_drafts"), 0, "the CLI leaves no draft behind");
    const ls = await run("import", "ledger", ledger, "--unit", "root", "--skip-bad");
    assert.equal(ls.code, 0, ls.err + ls.out);
    assert.match(ls.out, /已导入 1 项整改任务/);
    assert.equal(await count("tasks"), 1);

    const missing = await run("import", "ledger", ledger);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /缺少 --unit/);
    const bad = await run("import", "units", join(ta.dir, "nope.xlsx"));
    assert.match(bad.err, /文件不存在/);
  } finally {
    await ta.close();
  }
});
