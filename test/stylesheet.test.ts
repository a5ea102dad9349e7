// The one stylesheet is edited by every feature; an unclosed block silently swallows every rule
// after it (it once hid the overview's layout). Its braces must balance, block by block.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

test("public/css/app.css: every block is closed before the next feature's rules begin", () => {
  const css = readFileSync(new URL("../public/css/app.css", import.meta.url), "utf8").replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "));
  let depth = 0;
  css.split("\n").forEach((line, i) => {
    for (const ch of line) depth += ch === "{" ? 1 : ch === "}" ? -1 : 0;
    assert.ok(depth >= 0, `line ${i + 1}: a } without its {`);
  });
  assert.equal(depth, 0, "an unclosed { in app.css");
});
