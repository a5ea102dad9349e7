// The list's owner filter offers the chosen unit's people only (at 3,000 users the full list
// was most of the page); the owner filter itself still works with any visible owner.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp, login, get } from "../../helpers/app.ts";

test("owner choices follow the unit filter", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const leader = await login(ta.app, "leader@t.cn");
  const all = await get(ta.app, leader, "/tasks");
  assert.match(all.body, /<option value="\d+" >李干事（第一党支部）<\/option>/);
  assert.match(all.body, /孙干事（第二党支部）/);
  const a = await get(ta.app, leader, `/tasks?unit=${ta.ids.a}`);
  assert.match(a.body, /李干事（第一党支部）/);
  assert.doesNotMatch(a.body, /孙干事（第二党支部）/);
  const chosen = await get(ta.app, leader, `/tasks?unit=${ta.ids.a}&owner=${ta.ids.owner}`);
  assert.match(chosen.body, new RegExp(`<option value="${ta.ids.owner}" selected>李干事`));
});
