import { test } from "node:test";
import assert from "node:assert/strict";
import { similarity, mostSimilar, bigrams, SIMILAR_THRESHOLD } from "../../../server/features/recheck/similar.ts";
import { SAME, DIFFERENT } from "./pairs.ts";

function measure(threshold: number) {
  const tp = SAME.filter(([a, b]) => similarity(a, b) >= threshold).length;
  const fp = DIFFERENT.filter(([a, b]) => similarity(a, b) >= threshold).length;
  return { recall: tp / SAME.length, precision: tp + fp ? tp / (tp + fp) : 1 };
}

test("the pairs set is large enough to judge by, both ways", () => {
  assert.ok(SAME.length >= 30 && DIFFERENT.length >= 30);
});

test(`at the chosen threshold (${SIMILAR_THRESHOLD}) precision ≥ 0.9 and recall ≥ 0.8 on the pairs`, () => {
  const m = measure(SIMILAR_THRESHOLD);
  assert.ok(m.precision >= 0.9, `precision ${m.precision}`);
  assert.ok(m.recall >= 0.8, `recall ${m.recall}`);
});

test("the threshold is not at an edge: a much lower one lets different problems through", () => {
  assert.ok(measure(0.3).precision < 0.9);
});

test("symmetry, identity, and the filler words do not make two problems alike", () => {
  assert.equal(similarity("党费收缴不及时", "党费收缴不及时"), 1);
  const [a, b] = SAME[0];
  assert.equal(similarity(a, b), similarity(b, a));
  assert.ok(similarity("存在一些问题，工作不够到位", "存在问题，部分工作不到位") === 0, "nothing but filler");
  assert.ok(!bigrams("存在问题").size);
  assert.ok(similarity("党费收缴不及时", "党费收缴登记不及时，存在补记") >= SIMILAR_THRESHOLD, "DOMAIN.md's own example");
});

test("mostSimilar picks the closest earlier problem above the threshold, or none", () => {
  const earlier = [
    { id: 1, text: "党费使用管理不规范，账目不清" },
    { id: 2, text: "党费收缴不及时" },
    { id: 3, text: "主题党日活动形式单一" },
  ];
  assert.equal(mostSimilar("党费收缴登记不及时，存在补记现象", earlier)?.item.id, 2);
  assert.equal(mostSimilar("干部选拔任用程序不规范", earlier), null);
});
