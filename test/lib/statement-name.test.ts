// PostgreSQL's prepared statements by text (db/engines/postgres.ts, statementName): a text gets a
// name and keeps it; texts marked VARIED (search's combined steps, which vary with each walk's
// state) take names from a pool of their own, and past it run unnamed, never using up the app's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { statementName, VARIED } from "../../db/engines/postgres.ts";

test("statementName: one name a text, kept; VARIED texts name from their own pool of 500, then none, and use up none of the app's", () => {
  const text = `SELECT id FROM units WHERE id = $1 /* ${Math.random()} */`;
  const name = statementName(text);
  assert.match(name ?? "", /^r\d+$/);
  assert.equal(statementName(text), name, "the same text, the same name");
  const first = statementName(`${VARIED}SELECT 0`);
  assert.match(first ?? "", /^v\d+$/);
  for (let i = 1; i < 600; i++) statementName(`${VARIED}SELECT ${i}`);
  assert.equal(statementName(`${VARIED}SELECT 0`), first, "a varied text named keeps its name");
  assert.equal(statementName(`${VARIED}SELECT 599`), undefined, "past the pool: unnamed");
  const next = statementName(`SELECT 2 /* ${Math.random()} */`);
  assert.equal(Number(next!.slice(1)), Number(name!.slice(1)) + 1, "the varied texts took none of the app's names");
});
