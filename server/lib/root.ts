// The project's folder, from which views/, public/, db/migrations and node_modules are found.
// Run from the sources (tsx) this file is server/lib/root.ts, two folders below it; run from the
// build (scripts/build.mjs bundles server/ and db/ into dist/), import.meta.url is the bundle's,
// and the build defines RECTIFY_ROOT_FROM_BUILD as the path from its output folder back up.
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

declare const RECTIFY_ROOT_FROM_BUILD: string | undefined;

const here = dirname(fileURLToPath(import.meta.url));

export const projectRoot: string = typeof RECTIFY_ROOT_FROM_BUILD === "string" ? resolve(here, RECTIFY_ROOT_FROM_BUILD) : resolve(here, "../..");

/** A path inside the project: fromRoot("views"), fromRoot("db", "migrations"). */
export const fromRoot = (...parts: string[]): string => join(projectRoot, ...parts);

/** require.resolve from the project (node_modules), wherever the running code lives. */
export const resolveFromRoot = (id: string): string => createRequire(join(projectRoot, "package.json")).resolve(id);
