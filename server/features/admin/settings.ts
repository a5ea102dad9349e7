// System settings kept in the database (the admin edits them on the units page).
import { eq } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";
import { settings } from "../../../db/schema.ts";

export type Settings = {
  /** 黄灯: due within this many days */
  yellowDays: number;
  /** end of the current rectification period (整顿转化 tasks' default deadline), YYYY-MM-DD or "" */
  periodEnd: string;
};

export const DEFAULT_SETTINGS: Settings = { yellowDays: 3, periodEnd: "" };

export function getSetting<K extends keyof Settings>(db: Db, key: K): Settings[K] {
  const row = db.select().from(settings).where(eq(settings.key, key)).get();
  if (!row) return DEFAULT_SETTINGS[key];
  try {
    return JSON.parse(row.value) as Settings[K];
  } catch {
    return DEFAULT_SETTINGS[key];
  }
}

export function setSetting<K extends keyof Settings>(db: Db, key: K, value: Settings[K], nowIso: string): void {
  db.insert(settings)
    .values({ key, value: JSON.stringify(value), updatedAt: nowIso })
    .onConflictDoUpdate({ target: settings.key, set: { value: JSON.stringify(value), updatedAt: nowIso } })
    .run();
}
