-- A unit's subtree is a range of tree paths ('/1/4/' ≤ path < '/1/40'…, server/lib/path-range.ts):
-- that needs paths compared byte by byte, as SQLite compares them. Under a database locale such as
-- en_US.UTF-8 or zh_CN.UTF-8, PostgreSQL's collation would ignore the slashes; COLLATE "C" on the
-- column makes its comparisons, its ORDER BY and its index byte-wise whatever the database's locale.
ALTER TABLE "units" ALTER COLUMN "path" TYPE text COLLATE "C";
