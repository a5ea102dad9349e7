// System settings kept in the database (the admin edits them on the units page).
import type { Db } from "../../../db/client.ts";
import { settings } from "../../../db/schema.ts";

export type Settings = {
  /** 黄灯: due within this many days */
  yellowDays: number;
  /** end of the current rectification period (整顿转化 tasks' default deadline), YYYY-MM-DD or "" */
  periodEnd: string;
};

export const DEFAULT_SETTINGS: Settings = { yellowDays: 3, periodEnd: "" };

export async function getSetting<K extends keyof Settings>(db: Db, key: K): Promise<Settings[K]> {
  // read on every list and task page: one statement by its text, no query building
  const value = await db.value<string>("SELECT value FROM settings WHERE key = ?", [key]);
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
