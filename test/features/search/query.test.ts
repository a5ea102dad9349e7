import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseQuery, ftsMatch, highlight, matchRanges, escapeHtml } from "../../../server/features/search/query.ts";

test("a query splits on any white space, keeps 3+ character terms for the index and 1–2 for instr()", () => {
  const q = parseQuery("  组织生活会\u3000党员 三会一课 党员 x ");
  assert.deepEqual(q.terms, ["组织生活会", "党员", "三会一课", "x"]);
  assert.deepEqual(q.long, ["组织生活会", "三会一课"]);
  assert.deepEqual(q.short, ["党员", "x"]);
  assert.equal(parseQuery(undefined).terms.length, 0);
  assert.equal(parseQuery(["a"]).terms.length, 0);
  assert.equal(parseQuery("一".repeat(500)).text.length, 100);
});

test("user text never becomes FTS syntax", () => {
  assert.equal(ftsMatch(['党"员 OR', "NEAR(x"]), '"党""员 OR" AND "NEAR(x"');
});

test("highlight escapes first, then marks every term, cutting long text around the first hit", () => {
  assert.equal(highlight("<b>党员</b>教育", ["党员"]), "&lt;b&gt;<mark>党员</mark>&lt;/b&gt;教育");
  assert.equal(highlight("整改整改", ["整改"]), "<mark>整改整改</mark>");
  const long = "甲".repeat(200) + "三会一课" + "乙".repeat(200);
  const h = highlight(long, ["三会一课"], 40);
  assert.match(h, /^…甲+<mark>三会一课<\/mark>乙+…$/);
  assert.ok([...h.replace(/<\/?mark>/g, "")].length <= 42);
  assert.equal(highlight("ABC abc", ["abc"]), "<mark>ABC</mark> <mark>abc</mark>");
  assert.deepEqual(matchRanges("三会一课三会", ["三会", "会一"]), [[0, 3], [4, 6]]);
});

test("property: whatever the text, the highlighted HTML has no raw < or & but the marks, and reads back to the text", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), fc.array(fc.string({ minLength: 1, maxLength: 3 }), { maxLength: 3 }), (text, terms) => {
      const html = highlight(text, terms, 1000);
      const bare = html.replace(/<\/?mark>/g, "");
      assert.ok(!/[<>]/.test(bare), html);
      const back = bare.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
      assert.equal(back, text.replace(/\s+/g, " ").trim());
      assert.equal(escapeHtml("&"), "&amp;");
    }),
  );
});
