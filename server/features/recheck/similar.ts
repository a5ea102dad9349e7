// 屡查屡犯, pure: is a problem of this year's report the same problem as one of an earlier report,
// worded a little differently (党费收缴不及时 / 党费收缴登记不及时，存在补记)?
//
// Text → Han character bigrams after dropping what every problem says (存在, 问题, 不够, 有的…),
// numbers and punctuation. The score is the larger of the Dice coefficient and a discounted
// overlap coefficient (|A∩B| ÷ min(|A|,|B|)): a short problem restated inside a longer one
// still counts, but only when the short one has enough substance. SIMILAR_THRESHOLD was chosen on
// the pairs of test/features/recheck/pairs.ts (precision ≥ 0.9 at recall ≥ 0.8, asserted there).

/** Words nearly every problem sentence carries: they say nothing about which problem it is. */
const FILLER = [
  "存在", "问题", "方面", "一些", "个别", "部分", "有的", "有些", "少数", "一定", "程度", "情况", "现象", "工作", "不够", "不到位", "还不", "仍然",
  "较为", "比较", "有时", "时有", "发生", "主要", "表现", "一是", "二是", "三是", "四是", "五是", "等", "的",
];
const FILLER_RE = new RegExp(FILLER.sort((a, b) => b.length - a.length).join("|"), "g");

/** The text's Han characters with the filler words taken out (each removal breaks the bigram chain). */
export function core(text: string): string[] {
  const han = text.replace(/[^\u3400-\u9fff]+/g, " ");
  return han
    .replace(FILLER_RE, " ")
    .split(/\s+/)
    .filter((s) => s.length > 0);
}

/** Character bigrams of the core pieces (a lone character counts as itself). */
export function bigrams(text: string): Set<string> {
  const out = new Set<string>();
  for (const piece of core(text)) {
    const cs = [...piece];
    if (cs.length === 1) out.add(cs[0]);
    for (let i = 0; i + 1 < cs.length; i++) out.add(cs[i] + cs[i + 1]);
  }
  return out;
}

/** Below this many bigrams a text is too thin for the overlap coefficient alone. */
const MIN_FOR_OVERLAP = 4;
const OVERLAP_WEIGHT = 0.85;

export function similarityOfSets(a: Set<string>, b: Set<string>): number {
  if (!a.size || !b.size) return 0;
  let common = 0;
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  for (const g of small) if (big.has(g)) common++;
  const dice = (2 * common) / (a.size + b.size);
  const overlap = small.size >= MIN_FOR_OVERLAP ? (OVERLAP_WEIGHT * common) / small.size : 0;
  return Math.max(dice, overlap);
}

/** 0 … 1: how clearly `a` and `b` state the same problem. */
export function similarity(a: string, b: string): number {
  return similarityOfSets(bigrams(a), bigrams(b));
}

/** At or above this, two problems are "clearly the same problem". */
export const SIMILAR_THRESHOLD = 0.55;

/** The earlier problem most like `text`, if one reaches the threshold. */
export function mostSimilar<T extends { text: string }>(text: string, earlier: T[], threshold = SIMILAR_THRESHOLD): { item: T; score: number } | null {
  const mine = bigrams(text);
  let best: { item: T; score: number } | null = null;
  for (const e of earlier) {
    const s = similarityOfSets(mine, bigrams(e.text));
    if (s >= threshold && (!best || s > best.score)) best = { item: e, score: s };
  }
  return best;
}
