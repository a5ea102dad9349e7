// The in-memory directory of units and people (server/lib/directory.ts) follows every change a
// page shows, made through the app or straight in the database by another process; changes
// nobody sees on a page (a password, a failed sign-in) leave it as it was.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeApp, login, get, PASSWORD } from "../helpers/app.ts";
import { directory } from "../../server/lib/directory.ts";
import { updateUser, updateUnit, getUnit } from "../../server/features/admin/service.ts";
import { createTask } from "../../server/features/tasks/service.ts";

test("directory: renames, moves, ratings and deactivations show at once; sign-ins and tasks changing do not rebuild it", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { db, ids } = ta;
  const first = (await directory(db));
  assert.equal(first.users.get(ids.owner)?.name, "李干事");
  assert.ok(first.activeUsers.some((u) => u.id === ids.owner));

  // failed sign-ins and a password change touch the users row but nothing a page shows
  (await db.run("UPDATE users SET failed_logins = failed_logins + 1, password_hash = password_hash || '' WHERE id = ?", [ids.owner]));
  assert.equal((await directory(db)), first, "rebuilt for a change no page shows");
  // tasks move all day: a task changing state leaves the directory alone
  (await db.run("INSERT INTO tasks (unit_id, owner_id, title, deadline_kind, deadline) VALUES (?, ?, '三会一课', 'dated', '2026-12-31')", [ids.a, ids.owner]));
  (await db.run("UPDATE tasks SET state = 'doing' WHERE title = '三会一课'"));
  assert.equal((await directory(db)), first, "rebuilt because a task changed");

  // a rename through the admin service
  await updateUser(db, ids.owner, { email: "owner@t.cn", name: "李明", role: "staff", unitId: ids.a, password: undefined, active: true });
  const renamed = (await directory(db));
  assert.notEqual(renamed, first);
  assert.equal(renamed.users.get(ids.owner)?.name, "李明");

  // another process moves and deactivates a person, and re-rates a unit's year, straight in SQL
  (await db.run("UPDATE users SET unit_id = ?, active = 0 WHERE id = ?", [ids.b, ids.colleague]));
  (await db.run("UPDATE units SET rating_year = 2024 WHERE id = ?", [ids.b]));
  const checkBefore = (await directory(db)).units.get(ids.a)!.requireSignoffCheck;
  (await db.run("UPDATE units SET require_signoff_check = ? WHERE id = ?", [checkBefore ? 0 : 1, ids.a]));
  const after = (await directory(db));
  const colleague = after.users.get(ids.colleague)!;
  assert.equal(colleague.unitId, ids.b);
  assert.equal(colleague.unitName, "第二党支部");
  assert.equal(colleague.active, false);
  assert.ok(!after.activeUsers.some((u) => u.id === ids.colleague), "a deactivated person is still offered");
  assert.equal(after.units.get(ids.b)?.ratingYear, 2024);
  assert.equal(after.units.get(ids.a)?.requireSignoffCheck, !checkBefore, "a unit's sign-off check is read from the directory by every verb");

  // a unit renamed through the admin service
  const b = (await getUnit(db, ids.b))!;
  await updateUnit(db, ids.b, { code: b.code, name: "第二党支部（新）", kind: b.kind, parentId: b.parentId });
  assert.equal((await directory(db)).units.get(ids.b)?.name, "第二党支部（新）");
});

test("directory: the task list and the task page show a renamed owner", async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { app, db, ids } = ta;
  const id = await createTask(
    { db, actor: { id: ids.leader, role: "leader", unitId: ids.root, unitPath: (await directory(db)).units.get(ids.root)!.path }, now: ta.clock.now, today: "2026-11-23" },
    { title: "三会一课记录不全", goal: "", measures: "", coUnits: "", unitId: ids.a, ownerId: ids.owner, leaderId: ids.leaderA, deadlineKind: "dated", deadline: "2026-12-31", linkedUnitId: null },
  );
  const s = await login(app, "leader@t.cn", PASSWORD);
  assert.match((await get(app, s, "/tasks")).body, /李干事/);
  (await db.run("UPDATE users SET name = '李晓明' WHERE id = ?", [ids.owner]));
  const list = (await get(app, s, "/tasks")).body;
  assert.match(list, /李晓明/);
  assert.doesNotMatch(list, /李干事/);
  assert.match((await get(app, s, `/tasks/${id}`)).body, /李晓明/);
});
