// Properties: the parser never throws, and everything it returns is cut from its input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { collapseBreaks, extractReport, NO_PROBLEMS_NOTICE, type Extracted } from "../../../../server/features/reports/extract/index.ts";
import { decodeText } from "../../../../server/features/reports/extract/read-file.ts";
import { loadFixtures } from "./helpers.ts";

/**
 * The guarantee: each item's text is exactly its source range with line breaks (and the white
 * space around them) removed, never empty, never padded with white space; each category and the
 * title occur in the input read the same way.
 */
function assertCutFromInput(input: string, r: Extracted) {
  const whole = collapseBreaks(input);
  for (const kind of ["problems", "causes", "measures"] as const) {
    for (const it of r[kind]) {
      assert.ok(Number.isInteger(it.start) && Number.isInteger(it.end), "integer offsets");
      assert.ok(0 <= it.start && it.start < it.end && it.end <= input.length, `offsets in bounds: ${it.start}-${it.end} of ${input.length}`);
      assert.equal(it.text, collapseBreaks(input.slice(it.start, it.end)));
      assert.ok(it.text.length > 0);
      assert.ok(!/^\s|\s$/.test(it.text), "no surrounding white space");
      if (it.category !== null) {
        assert.ok(it.category.length > 0);
        assert.ok(whole.includes(it.category), "category occurs in the input");
      }
    }
  }
  for (const s of r.sections) assert.ok(0 <= s.start && s.start <= s.end && s.end <= input.length);
  if (r.title) assert.ok(whole.includes(r.title));
  assert.equal(r.notice === NO_PROBLEMS_NOTICE, r.problems.length === 0);
}

// Fragments that steer the parser: markers, headings, labels, punctuation of both widths.
const PIECES = [
  "一、", "二、", "三、", "（一）", "(二)", "（三）", "1.", "2.", "3、", "(1)", "（2）", "①", "②", "一是", "二是", "三是",
  "第一，", "第二，", "首先，", "其次，", "此外，", "有的党员", "问题1：", "问题2：", "整改措施：", "存在问题", "原因分析",
  "下一步工作计划", "存在问题及原因分析", "问题清單：", "主要问题是：", "但也存在一些问题，", "究其原因，", "下一步，",
  "会议要求：要", "方面。", "等问题", "、", "；", ";", "，", ",", "。", ".", "：", ":", "\n", "\r\n", "\n\n", " ", "　",
  "X", "**", "##paidbegin##", "本文档编辑密码：abc", "党支部", "三会一课", "落实不到位", "2023年5月6日", "\u0000", "\ud800", "🙂",
];

const textArb = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 6 }), fc.string({ unit: "binary", maxLength: 4 })), { maxLength: 60 }).map((a) => a.join(""));

test("random text never throws and is cut from its input", () => {
  fc.assert(fc.property(textArb, (s) => assertCutFromInput(s, extractReport(s))), { numRuns: 300 });
});

test("edge inputs: empty, white space, headings only, no headings, binary", () => {
  const bin = Buffer.alloc(3000);
  for (let i = 0; i < bin.length; i++) bin[i] = (i * 131 + 7) % 256;
  for (const s of ["", " ", "\n\n\n", "一、存在问题\n二、整改措施\n三、原因分析", "今天天气很好。", decodeText(bin), "一是", "（一）", "问题1："]) {
    const r = extractReport(s);
    assertCutFromInput(s, r);
  }
  assert.equal(extractReport("").notice, NO_PROBLEMS_NOTICE);
  // not even a string
  assert.equal(extractReport(undefined as unknown as string).notice, NO_PROBLEMS_NOTICE);
});

const SHARED = fileURLToPath(new URL("../../../../../shared/fixtures/reports/", import.meta.url));
const OWN = fileURLToPath(new URL("../../../fixtures/reports/", import.meta.url));
const sources = [...loadFixtures(OWN), ...(existsSync(SHARED) ? loadFixtures(SHARED) : [])].map((f) => decodeText(readFileSync(f.file)));

const WIDTH: Record<string, string> = { "（": "(", "）": ")", "：": ":", "；": ";", "，": ",", "(": "（", ")": "）", ":": "：", ";": "；", ",": "，" };

type Mutation =
  | { op: "insert"; at: number; s: string }
  | { op: "delete"; at: number; n: number }
  | { op: "width" }
  | { op: "nobreak" }
  | { op: "wrap"; width: number };

function mutate(text: string, ms: Mutation[]): string {
  for (const m of ms) {
    const at = (x: number) => Math.floor(x * text.length);
    if (m.op === "insert") { const i = at(m.at); text = text.slice(0, i) + m.s + text.slice(i); }
    else if (m.op === "delete") { const i = at(m.at); text = text.slice(0, i) + text.slice(i + m.n); }
    else if (m.op === "width") text = [...text].map((c) => WIDTH[c] ?? c).join("");
    else if (m.op === "nobreak") text = text.replace(/\s*\n\s*/g, "");
    else text = text.split("\n").flatMap((l) => l.match(new RegExp(`.{1,${m.width}}`, "gu")) ?? [""]).join("\n");
  }
  return text;
}

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("insert" as const), at: fc.double({ min: 0, max: 1, noNaN: true }), s: fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 3 })) }),
  fc.record({ op: fc.constant("delete" as const), at: fc.double({ min: 0, max: 1, noNaN: true }), n: fc.integer({ min: 1, max: 40 }) }),
  fc.constant({ op: "width" as const }),
  fc.constant({ op: "nobreak" as const }),
  fc.record({ op: fc.constant("wrap" as const), width: fc.integer({ min: 8, max: 60 }) }),
);

test("mutated reports never throw and stay cut from their input", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: sources.length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: 6 }), (k, ms) => {
      const s = mutate(sources[k], ms);
      assertCutFromInput(s, extractReport(s));
    }),
    { numRuns: 150 },
  );
});

// how long it takes is the benchmark's business (npm run bench), not a timed test's
test("a 5 MB report is parsed without throwing, its problems cut from it", () => {
  const base = sources.join("\n");
  const big = base.repeat(Math.ceil(5_000_000 / base.length)).slice(0, 5_000_000);
  const r = extractReport(big);
  assert.ok(r.problems.length > 0);
  for (const p of r.problems.slice(0, 50)) assert.ok(p.end > p.start && p.end <= big.length);
});
