// Paging for the pages that list what grows (reports, accounts, units): a page number from the
// query string, and a page cut from rows already in order. Pure.

export type Paged<T> = { rows: T[]; page: number; pages: number; total: number };

/** `items` (already in order) cut to page `requested` of `size`; past the end gives the last page. */
export function pageOf<T>(items: readonly T[], requested: number | undefined, size: number): Paged<T> {
  const total = items.length;
  const pages = Math.max(1, Math.ceil(total / size));
  const page = Math.min(Math.max(1, requested ?? 1), pages);
  return { rows: items.slice((page - 1) * size, page * size), page, pages, total };
}
