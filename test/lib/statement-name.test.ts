// PostgreSQL's prepared statements by text (db/engines/postgres.ts, statementName): a text gets a
// name and keeps it; a text marked UNNAMED (search's combined steps, which vary with each walk's
// state) never takes one of the 2,000 names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { statementName, UNNAMED } from "../../db/engines/postgres.ts";

test("statementName: one name a text, kept; UNNAMED texts get none and use up none", () => {
  const text = `SELECT id FROM units WHERE id = $1 /* ${Math.random()} */`;
  const name = statementName(text);
  assert.match(name ?? "", /^r\d+$/);
  assert.equal(statementName(text), name, "the same text, the same name");
  for (let i = 0; i < 50; i++) assert.equal(statementName(`${UNNAMED}SELECT ${i}`), undefined);
  const next = statementName(`SELECT 2 /* ${Math.random()} */`);
  assert.equal(Number(next!.slice(1)), Number(name!.slice(1)) + 1, "the unnamed texts took no names in between");
});
