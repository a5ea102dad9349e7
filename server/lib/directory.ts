// Units and people as pages show them on every request (names, paths, ratings, who is active),
// held in memory until directory_version moves: its triggers (migration 0005) fire in the writing
// transaction on any change to the unit tree or to a person's name, role, unit or active flag,
// from this process or any other; tasks changing state all day do not rebuild it. At 3,000 people
// and 300 units, joining them into each list row and filtering the filter form's choices in SQL
// was a third of the task list.
import type { Db } from "../../db/client.ts";
import type { Role } from "../features/auth/permissions.ts";
import { directoryVersion, memoByVersion } from "./stats-version.ts";

export type DirUnit = { id: number; name: string; path: string; rating: string | null; ratingYear: number | null; requireSignoffCheck: boolean; requireEvidence: boolean };
export type DirUser = { id: number; name: string; role: Role; unitId: number; unitName: string; unitPath: string; active: boolean };

export type Directory = {
  units: Map<number, DirUnit>;
  /** every unit in tree order (by path) */
  unitsInOrder: DirUnit[];
  /** everyone, active or not (a task keeps its owner's name after they leave) */
  users: Map<number, DirUser>;
  /** active people ordered by their unit's path, then name */
  activeUsers: DirUser[];
  /**
   * A value computed from this directory (a subtree, a scope's choices), kept as long as the
   * directory is: derived(key, build) builds it on first use and is rebuilt with the directory.
   */
  derived<T>(key: string, build: (dir: Directory) => T): T;
};

const cache = new WeakMap<Db, { v: number; value: Promise<Directory> }>();

/** at most this many derived values per directory (keys are scopes and units: a bound, not a need) */
const DERIVED_MAX = 10_000;

export async function directory(db: Db): Promise<Directory> {
  if (db.inTx()) {
    // Inside a transaction the counter is read afresh (the triggers move it in the writing
    // transaction): unchanged, the kept directory is this transaction's too, and every verb reads
    // it; moved (this transaction changed the tree or a person), a directory is built for this
    // transaction alone and not kept, as the transaction may still roll back.
    const v = await directoryVersion(db);
    const hit = cache.get(db);
    if (hit && hit.v === v) return hit.value;
    return build(db);
  }
  return memoByVersion(cache, db, () => build(db), directoryVersion);
}

async function build(db: Db): Promise<Directory> {
  const unitsInOrder = (
    await db.all<Omit<DirUnit, "requireSignoffCheck" | "requireEvidence"> & { requireSignoffCheck: number; requireEvidence: number }>(
      `SELECT id, name, path, rating, rating_year AS "ratingYear", require_signoff_check AS "requireSignoffCheck", require_evidence AS "requireEvidence" FROM units ORDER BY path`,
    )
  ).map((u) => ({ ...u, requireSignoffCheck: u.requireSignoffCheck === 1, requireEvidence: u.requireEvidence === 1 }));
  const people = (
    await db.all<Omit<DirUser, "active"> & { active: number }>(
      `SELECT us.id, us.name, us.role, us.unit_id AS "unitId", u.name AS "unitName", u.path AS "unitPath", us.active
       FROM users us JOIN units u ON u.id = us.unit_id ORDER BY u.path, us.name, us.id`,
    )
  ).map((u) => ({ ...u, active: u.active === 1 }));
  const values = new Map<string, unknown>();
  const dir: Directory = {
    units: new Map(unitsInOrder.map((u) => [u.id, u])),
    unitsInOrder,
    users: new Map(people.map((u) => [u.id, u])),
    activeUsers: people.filter((u) => u.active),
    derived<T>(key: string, make: (dir: Directory) => T): T {
      if (values.has(key)) return values.get(key) as T;
      const value = make(dir);
      if (values.size >= DERIVED_MAX) values.clear();
      values.set(key, value);
      return value;
    },
  };
  return dir;
}
