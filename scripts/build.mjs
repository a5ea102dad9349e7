// The server as plain JavaScript, for `npm start` (which runs it as its `prestart`):
//   node scripts/build.mjs [--outdir DIR]        (default dist/, git-ignored)
// esbuild bundles our own code (server/ and db/) into DIR/main.js; every package stays an
// import from node_modules (better-sqlite3 and @node-rs/argon2 are native and could not be
// bundled anyway). Code that server/ loads on first use (the .docx and .xlsx writers, …) becomes
// its own file beside main.js, loaded with its libraries only when first needed, as from the
// sources. Started with plain `node`, the server loads no TypeScript loader: tsx's module hooks
// were most of the start-up time. `npm test` and `npm run dev` still run the sources with tsx.
//
// With --cli it builds DIR/cli.js (server/cli.ts) instead of main.js: the command line the tests
// run (test/helpers/cli.ts), which is then one plain `node` start, not tsx's hooks for every module.
//
// Paths to views/, public/ and db/migrations come from server/lib/root.ts, which the build tells
// where the project is relative to DIR. DIR must be inside the project, so that the bundle's
// imports find node_modules. A file is rewritten only when its content changes (through a
// temporary file and a rename), so a build that changes nothing touches nothing.
import { build } from "esbuild";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

export const projectRoot = fileURLToPath(new URL("..", import.meta.url));
export const defaultOutdir = join(projectRoot, "dist");

/** Builds DIR/main.js, or with { cli: true } DIR/cli.js (and its lazily loaded parts); returns the files written and the time taken. */
export async function buildServer(outdir = defaultOutdir, { cli = false } = {}) {
  const t0 = performance.now();
  outdir = resolve(outdir);
  const fromRoot = relative(projectRoot, outdir);
  if (fromRoot === "" || fromRoot.startsWith("..") || isAbsolute(fromRoot)) {
    throw new Error(`输出目录须在项目目录之内（其中的代码要从 node_modules 载入依赖）：${outdir}`);
  }
  const result = await build({
    absWorkingDir: projectRoot,
    // the SQLite engine's reader thread (db.scan) is a file of its own beside main.js
    entryPoints: { ...(cli ? { cli: "server/cli.ts" } : { main: "server/main.ts" }), "sqlite-reader": "db/engines/sqlite-reader.ts" },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    sourcemap: "linked",
    sourcesContent: false,
    chunkNames: "[name]-[hash]",
    define: { RECTIFY_ROOT_FROM_BUILD: JSON.stringify(relative(outdir, projectRoot).split(sep).join("/")) },
    banner: { js: "// Built by scripts/build.mjs from server/ and db/ (npm start builds it); do not edit." },
    metafile: true,
    write: false,
    logLevel: "warning",
  });
  mkdirSync(outdir, { recursive: true });
  const written = [];
  const keep = new Set();
  for (const file of result.outputFiles) {
    const name = relative(outdir, file.path);
    keep.add(name);
    const old = existsSync(file.path) ? readFileSync(file.path) : null;
    if (old && Buffer.compare(old, file.contents) === 0) continue;
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
    written.push(name);
  }
  // parts of an earlier build that this one no longer has (their names carry a content hash)
  for (const name of readdirSync(outdir)) {
    if (!keep.has(name) && /\.js(\.map)?$/.test(name)) rmSync(join(outdir, name));
  }
  return { outdir, files: [...keep].sort(), written, metafile: result.metafile, ms: Math.round(performance.now() - t0) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { outdir: { type: "string" }, cli: { type: "boolean", default: false }, quiet: { type: "boolean", default: false } } });
  try {
    const r = await buildServer(values.outdir ?? defaultOutdir, { cli: values.cli });
    if (!values.quiet) {
      const what = r.written.length ? `写入 ${r.written.filter((f) => f.endsWith(".js")).join("、") || r.written.join("、")}` : "无变化";
      console.error(`构建：${relative(projectRoot, r.outdir) || basename(r.outdir)}/（${what}，${r.ms} ms）`);
    }
  } catch (err) {
    console.error("构建失败：", err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
