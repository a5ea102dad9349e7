// A worker thread with its own read-only connection to the SQLite file: the store's db.scan()
// runs here the reads that walk many rows (the overview's grouped counts over every task), so
// the server's event loop keeps answering other requests meanwhile. better-sqlite3 is
// synchronous: on the main thread such a query holds every other request for its whole length.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { searchGrams } from "../../server/features/search/grams.ts";

const sqlite = new Database(workerData.file as string, { readonly: true, fileMustExist: true });
sqlite.pragma("busy_timeout = 5000");
sqlite.pragma("cache_size = -32000");
sqlite.function("search_grams", { deterministic: true }, (text: unknown) => searchGrams(text as string | null));
const statements = new Map<string, Database.Statement>();

parentPort!.on("message", (m: { id: number; sql: string; params: unknown[] }) => {
  try {
    let stmt = statements.get(m.sql);
    if (!stmt) {
      if (statements.size > 500) statements.clear();
      statements.set(m.sql, (stmt = sqlite.prepare(m.sql)));
    }
    parentPort!.postMessage({ id: m.id, rows: stmt.all(...m.params) });
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: (e as Error).message, code: (e as { code?: string }).code });
  }
});
