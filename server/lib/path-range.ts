// A unit's subtree as a range of paths (a path starts with its ancestors'): `path >= p AND path < pathEnd(p)`.
// Not LIKE: SQLite plans a LIKE with its pattern's value, so a statement with a bound pattern is planned anew on every run.

/** The first string after every string that starts with `prefix` (its last character raised by one). */
export function pathEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
