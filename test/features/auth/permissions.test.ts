import { test } from "node:test";
import assert from "node:assert/strict";
import { can, canView, canCreateTaskIn, type Actor, type TaskScope } from "../../../server/features/auth/permissions.ts";
import { ACTIONS, STATES, nextState, type Action } from "../../../server/features/tasks/workflow.ts";

// Tree: 1 党委 /1/ → 2 支部A /1/2/, 3 支部B /1/3/
const admin: Actor = { id: 1, role: "admin", unitId: 1, unitPath: "/1/" };
const topLeader: Actor = { id: 2, role: "leader", unitId: 1, unitPath: "/1/" };
const leaderA: Actor = { id: 3, role: "leader", unitId: 2, unitPath: "/1/2/" };
const leaderB: Actor = { id: 4, role: "leader", unitId: 3, unitPath: "/1/3/" };
const owner: Actor = { id: 5, role: "staff", unitId: 2, unitPath: "/1/2/" };
const colleague: Actor = { id: 6, role: "staff", unitId: 2, unitPath: "/1/2/" };
const stranger: Actor = { id: 7, role: "staff", unitId: 3, unitPath: "/1/3/" };

const task = (over: Partial<TaskScope> = {}): TaskScope => ({ unitId: 2, unitPath: "/1/2/", ownerId: 5, leaderId: 3, state: "doing", signoffRequestedBy: null, ...over });

const ownerActions: Action[] = ["progress", "requestSignOff", "requestExtension"];
const leaderActions: Action[] = ["edit", "signOff", "sendBack", "reopen", "decideExtension", "confirmHeld", "rebound", "setRecheck"];

// Expected by role, written out: who may take which action on task() (owner 5, unit A, 责任领导 3).
const expected: [Actor, string, Action[]][] = [
  [admin, "admin", leaderActions],
  [topLeader, "leader of the parent unit", leaderActions],
  [leaderA, "leader of the unit", leaderActions],
  [leaderB, "leader of a sibling unit", []],
  [owner, "owner", ownerActions],
  [colleague, "staff of the unit, not owner", []],
  [stranger, "staff elsewhere", []],
];

test("every role × action on a task", () => {
  for (const [actor, who, allowed] of expected)
    for (const a of ACTIONS) assert.equal(can(actor, a, task()), allowed.includes(a), `${who} × ${a}`);
});

test("every state × action × role: the combined answer is role AND state", () => {
  let checked = 0;
  for (const [actor, who, allowed] of expected)
    for (const s of STATES)
      for (const a of ACTIONS) {
        const t = task({ state: s });
        const open = can(actor, a, t) && nextState(s, a, { requireCheck: true }) !== null;
        const want = allowed.includes(a) && nextState(s, a, { requireCheck: true }) !== null;
        assert.equal(open, want, `${who} × ${s} × ${a}`);
        checked++;
      }
  assert.equal(checked, expected.length * STATES.length * ACTIONS.length);
});

test("回头看: the unit's overseer (a leader elsewhere) sees the task and may judge it, nothing more; an overseer who is staff may not", () => {
  const t = task({ state: "done", overseerId: leaderB.id });
  assert.ok(canView(leaderB, t));
  for (const a of ACTIONS) assert.equal(can(leaderB, a, t), a === "confirmHeld" || a === "rebound" || a === "setRecheck", `overseer × ${a}`);
  const staffOverseer = task({ state: "done", overseerId: stranger.id });
  assert.ok(!canView(stranger, staffOverseer));
  assert.ok(!can(stranger, "rebound", staffOverseer));
});

test("visibility: staff see their unit and their own tasks; leaders their subtree", () => {
  assert.equal(canView(colleague, task()), true);
  assert.equal(canView(stranger, task()), false);
  assert.equal(canView(stranger, task({ ownerId: 7 })), true);
  assert.equal(canView(leaderB, task()), false);
  assert.equal(canView(leaderB, task({ leaderId: 4 })), true, "责任领导 sees the task wherever it is");
  assert.equal(canView(topLeader, task()), true);
});

test("nobody signs off or sends back their own sign-off request, nor decides their own extension", () => {
  const mine = task({ ownerId: 3, signoffRequestedBy: 3, extensionRequestedBy: 3, state: "review" });
  assert.equal(can(leaderA, "signOff", mine), false);
  assert.equal(can(leaderA, "sendBack", mine), false);
  assert.equal(can(leaderA, "decideExtension", mine), false);
  assert.equal(can(topLeader, "signOff", mine), true);
  assert.equal(can(admin, "signOff", task({ signoffRequestedBy: 1 })), false, "not even an admin");
});

test("creating tasks: leaders in their subtree, admin anywhere, staff never", () => {
  assert.equal(canCreateTaskIn(leaderA, "/1/2/"), true);
  assert.equal(canCreateTaskIn(leaderA, "/1/3/"), false);
  assert.equal(canCreateTaskIn(leaderA, "/1/"), false);
  assert.equal(canCreateTaskIn(topLeader, "/1/3/"), true);
  assert.equal(canCreateTaskIn(admin, "/9/"), true);
  assert.equal(canCreateTaskIn(owner, "/1/2/"), false);
});

test("a leader whose path is a prefix string of another unit's is not its ancestor", () => {
  const l: Actor = { id: 9, role: "leader", unitId: 1, unitPath: "/1/" };
  assert.equal(canView(l, task({ unitPath: "/12/", unitId: 12, leaderId: null })), false);
});
