// No feature knows which engine it runs on (issue 16): the engine's name, its driver and the SQL
// only one engine takes live in db/ (db/engines/*), never in server/. A line that breaks the
// rule fails here with its file and line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fromRoot } from "../../server/lib/root.ts";

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

const RULES: [RegExp, string][] = [
  [/\bdb\.engine\b|\.engine\s*===\s*["'](sqlite|postgres)/, "reads the engine's name"],
  [/\$client\b/, "reaches past the store to the driver"],
  [/from\s+["'](better-sqlite3|pg|drizzle-orm\/(better-sqlite3|node-postgres)[^"']*)["']/, "imports a driver"],
  [/db\/engines\//, "imports an engine"],
  [/\bdb\.(select|selectDistinct|insert|update|delete)\b.*\.(all|get|run|values)\(\)|^\s*\.(all|get|run)\(\)[;,)]?\s*$/, "calls a builder's SQLite-only .all()/.get()/.run()/.values()"],
  [/\bjson_each\b|\bjulianday\s*\(|\bstrftime\s*\(|\bgroup_concat\s*\(|\bifnull\s*\(|\binstr\s*\(|\browid\b|\bINSERT\s+OR\s+(IGNORE|REPLACE)\b|\bMATCH\s+\?|\bsqlite_\w+/i, "uses SQL only SQLite takes"],
  [/::\s*(int|text|jsonb?|bigint)\b|\bILIKE\b|\bstring_agg\s*\(|\bjsonb_\w+\s*\(/i, "uses SQL only PostgreSQL takes"],
];

test("server/ holds no engine-specific code: one store interface for both engines", () => {
  const bad: string[] = [];
  for (const file of files(fromRoot("server"))) {
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (/^\s*(\/\/|\*|\/\*)/.test(line)) return; // comments may name them
        for (const [re, why] of RULES) if (re.test(line)) bad.push(`${file.slice(fromRoot("").length)}:${i + 1} ${why}: ${line.trim().slice(0, 120)}`);
      });
  }
  assert.deepEqual(bad, []);
});
