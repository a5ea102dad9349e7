import { test } from "node:test";
import assert from "node:assert/strict";
import { safeNext } from "../../../server/features/auth/next.ts";

test("safeNext keeps paths on this site, with their query", () => {
  assert.equal(safeNext("/tasks?state=open&page=2"), "/tasks?state=open&page=2");
  assert.equal(safeNext("/reports/3#p2"), "/reports/3#p2");
  assert.equal(safeNext("/%E6%90%9C%E7%B4%A2"), "/%E6%90%9C%E7%B4%A2");
});

test("safeNext sends everything that could leave the site, or break the Location header, to /", () => {
  for (const bad of [
    "//evil.com",
    "/\t/evil.com",
    "/\n/evil.com",
    "/\r/evil.com",
    "/\u000b/evil.com",
    "/\\evil.com",
    "/\\/evil.com",
    "/.//evil.com",
    "/x/..//evil.com",
    "https://evil.com/",
    "evil.com",
    "javascript:alert(1)",
    " /tasks",
    "/tasks\u0000",
    "/a\u0085b",
    "",
    undefined,
    ["/tasks"],
    "/" + "a".repeat(3000),
  ]) {
    assert.equal(safeNext(bad), "/", JSON.stringify(bad));
  }
});
