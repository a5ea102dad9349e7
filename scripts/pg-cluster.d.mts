// Types of scripts/pg-cluster.mjs (plain JavaScript: it runs without tsx) for the TypeScript that imports it.
/** the message when no PostgreSQL binaries are found (Chinese, then English) */
export const NO_PG: string;
/** the folder holding initdb and pg_ctl ($PG_BIN when set, else /usr/lib/postgresql/<v>/bin, 15 first), or null */
export function pgBinDir(): string | null;
/** is the server answering on the URL's TCP port the one whose data folder is `data`? */
export function answersFrom(url: string, data: string): Promise<boolean>;
/** initdb in <dir>/data, started on a free port of 127.0.0.1; returns its URL (also written to <dir>/url) */
export function start(dir: string): Promise<string>;
/** stops the cluster in <dir> (immediate) and removes what start made */
export function stop(dir: string): void;
