// System settings kept in the database (the admin edits them on the units page).
import type { Db } from "../../../db/client.ts";
import { settings } from "../../../db/schema.ts";
import { directoryVersion, memoByVersion } from "../../lib/stats-version.ts";

export type Settings = {
  /** 黄灯: due within this many days */
  yellowDays: number;
  /** end of the current rectification period (整顿转化 tasks' default deadline), YYYY-MM-DD or "" */
  periodEnd: string;
};

export const DEFAULT_SETTINGS: Settings = { yellowDays: 3, periodEnd: "" };

/**
 * The settings, read once per value of directory_version (read on every list and task page; on
 * PostgreSQL each read was a round trip): triggers on settings move that counter in the writing
 * transaction (migrations 0022 / 0010), so every server reads them again at its next request.
 */
const kept = new WeakMap<Db, { v: number; value: Promise<Map<string, string>> }>();
const readAll = async (db: Db) => new Map((await db.all<{ key: string; value: string }>("SELECT key, value FROM settings")).map((r) => [r.key, r.value]));

export async function getSetting<K extends keyof Settings>(db: Db, key: K): Promise<Settings[K]> {
  const value = (db.inTx() ? await readAll(db) : await memoByVersion(kept, db, () => readAll(db), directoryVersion)).get(key);
  if (value === undefined) return DEFAULT_SETTINGS[key];
  try {
    return JSON.parse(value) as Settings[K];
  } catch {
    return DEFAULT_SETTINGS[key];
  }
}

export async function setSetting<K extends keyof Settings>(db: Db, key: K, value: Settings[K], nowIso: string): Promise<void> {
  await db.tx(async () => {
    await db
      .insert(settings)
      .values({ key, value: JSON.stringify(value), updatedAt: nowIso })
      .onConflictDoUpdate({ target: settings.key, set: { value: JSON.stringify(value), updatedAt: nowIso } });
  });
}
