// The parser against whole reports: the shared fixtures (when ../shared is there) and our own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { extractReport } from "../../../../server/features/reports/extract/index.ts";
import { readReportFile } from "../../../../server/features/reports/extract/read-file.ts";
import { loadFixtures, missedKeys, type Fixture } from "./helpers.ts";

const SHARED = fileURLToPath(new URL("../../../../../shared/fixtures/reports/", import.meta.url));
const OWN = fileURLToPath(new URL("../../../fixtures/reports/", import.meta.url));

async function check(f: Fixture) {
  const { text } = await readReportFile(readFileSync(f.file), f.file);
  const r = extractReport(text);
  if (f.expected.problems) {
    assert.deepEqual(missedKeys(f.expected.problems, r.problems), [], `${f.name}: problems missed`);
    assert.equal(r.problems.length, f.expected.problems.length, `${f.name}: problems extracted\n${r.problems.map((p) => p.text).join("\n")}`);
  }
  if (f.expected.measures) {
    // the command line prints measures without their category; match on the text alone
    const measures = r.measures.map((m) => ({ text: m.text }));
    assert.deepEqual(missedKeys(f.expected.measures, measures), [], `${f.name}: measures missed`);
    assert.equal(r.measures.length, f.expected.measures.length, `${f.name}: measures extracted\n${r.measures.map((p) => p.text).join("\n")}`);
  }
  for (const p of [...r.problems, ...r.causes, ...r.measures]) assert.ok(p.start >= 0 && p.end <= text.length && p.start < p.end);
}

test("shared fixtures: every problem and measure, in order, nothing more", async (t) => {
  if (!existsSync(SHARED)) {
    t.skip("../shared/fixtures 不存在：跳过共享样例测试");
    return;
  }
  const fixtures = loadFixtures(SHARED);
  assert.ok(fixtures.length > 0);
  for (const f of fixtures) await t.test(f.name, () => check(f));
});

test("own fixtures: every problem and measure, in order, nothing more", async (t) => {
  const fixtures = loadFixtures(OWN);
  assert.ok(fixtures.length >= 8, "at least 8 own test reports");
  for (const f of fixtures) await t.test(f.name, () => check(f));
});

test("the GB18030 fixture is really GB18030 (not valid UTF-8)", () => {
  const buf = readFileSync(OWN + "gb18030-cun-zhibu.txt");
  assert.throws(() => new TextDecoder("utf-8", { fatal: true }).decode(buf));
});

/** The scorer's F1 over a batch (score-extraction.mjs: hits in order, precision over all extracted). */
async function batchF1(dir: string): Promise<{ problems: number; measures: number; files: number }> {
  const t = { problems: { hits: 0, want: 0, got: 0 }, measures: { hits: 0, want: 0, got: 0 } };
  const fixtures = loadFixtures(dir);
  for (const f of fixtures) {
    const { text } = await readReportFile(readFileSync(f.file), f.file);
    const r = extractReport(text);
    for (const kind of ["problems", "measures"] as const) {
      const want = f.expected[kind];
      if (!want) continue;
      const got = kind === "measures" ? r.measures.map((m) => ({ text: m.text })) : r.problems;
      t[kind].hits += want.length - missedKeys(want, got).length;
      t[kind].want += want.length;
      t[kind].got += got.length;
    }
  }
  const f1 = ({ hits, want, got }: { hits: number; want: number; got: number }) => {
    const p = got ? hits / got : want ? 0 : 1, r = want ? hits / want : 1;
    return p + r ? (2 * p * r) / (p + r) : 0;
  };
  return { problems: f1(t.problems), measures: f1(t.measures), files: fixtures.length };
}

test("narrative texts (meeting news, minutes, commentary): issue 15's targets on the batch never tuned on, and on the tuning batch", async () => {
  const unseen = await batchF1(fileURLToPath(new URL("../../../fixtures/narrative-unseen/", import.meta.url)));
  assert.ok(unseen.files >= 15, "at least 15 unseen texts");
  assert.ok(unseen.problems >= 0.97, `unseen problems F1 ${unseen.problems.toFixed(3)}`);
  assert.ok(unseen.measures >= 0.85, `unseen measures F1 ${unseen.measures.toFixed(3)}`);
  const tuning = await batchF1(fileURLToPath(new URL("../../../fixtures/narrative-tuning/", import.meta.url)));
  assert.ok(tuning.problems >= 0.97 && tuning.measures >= 0.97, `tuning F1 ${tuning.problems.toFixed(3)} / ${tuning.measures.toFixed(3)}`);
});
