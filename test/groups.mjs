// test/run.sh's helper: spreads test files over a few test processes, each importing its files
// one after the other (node --test then runs their tests in that process, in order).
//
//   node test/groups.mjs OUTDIR NAME COUNT FILE…   writes OUTDIR/NAME-1.test.mjs … and prints their paths
//
// Why: node --test starts a process per file, and each process paid ~1.5 s of CPU to load tsx and
// the app's modules before its first test; ten route test files took 29.5 CPU-s one process each
// and 13.5 CPU-s in one process. Files go, the costliest first (a rough cost: the file's length,
// more for a browser or the command line), to the group that stays least loaded for its share;
// node --test starts the next group when one ends.
// Every test file still runs alone in its process with RECTIFY_TEST_ISOLATE=1 (test/run.sh).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [outdir, name, count, ...files] = process.argv.slice(2);
if (!outdir || !name || !(Number(count) >= 1)) {
  console.error("usage: node test/groups.mjs OUTDIR NAME COUNT FILE…");
  process.exit(2);
}

const cost = (file) => {
  const text = readFileSync(file, "utf8");
  let c = 1 + text.length / 4000;
  if (text.includes("helpers/browser.ts")) c *= 4; // Chromium
  if (text.includes("helpers/cli.ts")) c *= 3; // processes of the command line
  return c;
};

// shares falling from the first group to the last (n, n-1, …, 1): node --test starts them in that
// order, so the last to start are small and the run does not end on one long group alone
const n = Math.min(Number(count), files.length);
const groups = Array.from({ length: n }, (_, i) => ({ cost: 0, share: n - i, files: [] }));
for (const { file, c } of files.map((file) => ({ file, c: cost(file) })).sort((a, b) => b.c - a.c)) {
  const least = groups.reduce((m, g) => ((g.cost + c) / g.share < (m.cost + c) / m.share ? g : m));
  least.files.push(file);
  least.cost += c;
}
mkdirSync(outdir, { recursive: true });
groups.forEach((g, i) => {
  const path = join(outdir, `${name}-${i + 1}.test.mjs`);
  const imports = g.files.map((f) => `await import(${JSON.stringify(pathToFileURL(resolve(f)).href)});`);
  writeFileSync(path, [`// made by test/run.sh (test/groups.mjs): ${g.files.length} test files in one process`, ...imports, ""].join("\n"));
  console.log(path);
});
