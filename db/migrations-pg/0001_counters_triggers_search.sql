-- Everything SQLite's hand-written migrations (db/migrations 0002–0015) do, on PostgreSQL: the
-- change counters and their triggers, the list-order indexes, the audit log's append-only
-- triggers and the search indexes. Left out, being SQLite's own: the FTS5 tables and their
-- triggers (0002, 0013: search here reads the source columns through pg_trgm and rectify_grams
-- indexes, kept by PostgreSQL itself, so there is nothing to copy or keep in step), FTS5's
-- crisismerge settings (0006, 0013) and the ANALYZE statistics rows (sqlite_stat1/4; autovacuum
-- analyses here).
--
-- Counters (0003 stats_version, 0005 directory_version, 0008, 0015): bumped by triggers in the
-- transaction that writes, with SQLite's conditions. SQLite's triggers run once per row; these
-- run once per statement over its transition tables and add the number of rows that meet the
-- condition, so the counter moves exactly as far as on SQLite, while a statement writing many
-- rows writes the counter row once (every update of one row inside one transaction leaves a row
-- version that the next update must step over until the transaction ends).
CREATE TABLE "stats_version" (
	"id" integer PRIMARY KEY NOT NULL CHECK ("id" = 1),
	"n" bigint NOT NULL
);
--> statement-breakpoint
INSERT INTO "stats_version" ("id", "n") VALUES (1, 0);
--> statement-breakpoint
CREATE TABLE "directory_version" (
	"id" integer PRIMARY KEY NOT NULL CHECK ("id" = 1),
	"n" bigint NOT NULL
);
--> statement-breakpoint
INSERT INTO "directory_version" ("id", "n") VALUES (1, 0);
--> statement-breakpoint
-- AFTER INSERT / AFTER DELETE, every row counts: the trigger names its transition table "changed";
-- TG_ARGV[0] names the counter
CREATE FUNCTION "rectify_bump_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE k bigint;
BEGIN
	SELECT count(*) INTO k FROM changed;
	IF k > 0 THEN
		IF TG_ARGV[0] = 'stats_version' THEN
			UPDATE stats_version SET n = n + k WHERE id = 1;
		ELSE
			UPDATE directory_version SET n = n + k WHERE id = 1;
		END IF;
	END IF;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "stats_tasks_ai" AFTER INSERT ON "tasks" REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION rectify_bump_rows('stats_version');
--> statement-breakpoint
CREATE TRIGGER "stats_tasks_ad" AFTER DELETE ON "tasks" REFERENCING OLD TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION rectify_bump_rows('stats_version');
--> statement-breakpoint
CREATE TRIGGER "stats_units_ai" AFTER INSERT ON "units" REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION rectify_bump_rows('stats_version');
--> statement-breakpoint
CREATE TRIGGER "stats_units_ad" AFTER DELETE ON "units" REFERENCING OLD TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION rectify_bump_rows('stats_version');
--> statement-breakpoint
CREATE TRIGGER "dir_users_ai" AFTER INSERT ON "users" REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION rectify_bump_rows('directory_version');
--> statement-breakpoint
CREATE TRIGGER "dir_users_ad" AFTER DELETE ON "users" REFERENCING OLD TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION rectify_bump_rows('directory_version');
--> statement-breakpoint
CREATE TRIGGER "dir_units_ai" AFTER INSERT ON "units" REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION rectify_bump_rows('directory_version');
--> statement-breakpoint
CREATE TRIGGER "dir_units_ad" AFTER DELETE ON "units" REFERENCING OLD TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION rectify_bump_rows('directory_version');
--> statement-breakpoint
-- AFTER UPDATE: the rows whose watched columns changed (old and new paired by id, which no
-- statement of the app changes); `IS DISTINCT FROM` is SQLite's `IS NOT`
CREATE FUNCTION "stats_tasks_au"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE k bigint;
BEGIN
	SELECT count(*) INTO k FROM old_rows o JOIN new_rows n ON n.id = o.id
	WHERE o.state IS DISTINCT FROM n.state OR o.deadline IS DISTINCT FROM n.deadline OR o.deadline_kind IS DISTINCT FROM n.deadline_kind
		OR o.unit_id IS DISTINCT FROM n.unit_id OR o.signed_off_at IS DISTINCT FROM n.signed_off_at OR o.problem_id IS DISTINCT FROM n.problem_id
		OR o.created_at IS DISTINCT FROM n.created_at
		OR o.owner_id IS DISTINCT FROM n.owner_id OR o.leader_id IS DISTINCT FROM n.leader_id OR o.signoff_requested_by IS DISTINCT FROM n.signoff_requested_by;
	IF k > 0 THEN UPDATE stats_version SET n = n + k WHERE id = 1; END IF;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "stats_tasks_au" AFTER UPDATE ON "tasks" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION stats_tasks_au();
--> statement-breakpoint
CREATE FUNCTION "stats_problems_au"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE k bigint;
BEGIN
	SELECT count(*) INTO k FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.category IS DISTINCT FROM n.category;
	IF k > 0 THEN UPDATE stats_version SET n = n + k WHERE id = 1; END IF;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "stats_problems_au" AFTER UPDATE ON "problems" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION stats_problems_au();
--> statement-breakpoint
CREATE FUNCTION "stats_units_au"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE k bigint;
BEGIN
	SELECT count(*) INTO k FROM old_rows o JOIN new_rows n ON n.id = o.id
	WHERE o.path IS DISTINCT FROM n.path OR o.parent_id IS DISTINCT FROM n.parent_id OR o.name IS DISTINCT FROM n.name OR o.rating IS DISTINCT FROM n.rating;
	IF k > 0 THEN UPDATE stats_version SET n = n + k WHERE id = 1; END IF;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "stats_units_au" AFTER UPDATE ON "units" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION stats_units_au();
--> statement-breakpoint
CREATE FUNCTION "dir_users_au"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE k bigint;
BEGIN
	SELECT count(*) INTO k FROM old_rows o JOIN new_rows n ON n.id = o.id
	WHERE o.name IS DISTINCT FROM n.name OR o.role IS DISTINCT FROM n.role OR o.unit_id IS DISTINCT FROM n.unit_id OR o.active IS DISTINCT FROM n.active;
	IF k > 0 THEN UPDATE directory_version SET n = n + k WHERE id = 1; END IF;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "dir_users_au" AFTER UPDATE ON "users" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION dir_users_au();
--> statement-breakpoint
CREATE FUNCTION "dir_units_au"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE k bigint;
BEGIN
	SELECT count(*) INTO k FROM old_rows o JOIN new_rows n ON n.id = o.id
	WHERE o.path IS DISTINCT FROM n.path OR o.parent_id IS DISTINCT FROM n.parent_id OR o.name IS DISTINCT FROM n.name OR o.rating IS DISTINCT FROM n.rating
		OR o.rating_year IS DISTINCT FROM n.rating_year OR o.require_signoff_check IS DISTINCT FROM n.require_signoff_check
		OR o.require_evidence IS DISTINCT FROM n.require_evidence;
	IF k > 0 THEN UPDATE directory_version SET n = n + k WHERE id = 1; END IF;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "dir_units_au" AFTER UPDATE ON "units" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION dir_units_au();
--> statement-breakpoint
-- The list's indexes (0003, 0004, 0007, 0015) with the expressions of LIST_ORDER and
-- LIST_ORDER_ONE_STATE (server/features/tasks/service.ts: `deadline IS NULL, deadline NULLS
-- FIRST, id`). SQLite's indexes carry the rowid (= id) at their end; PostgreSQL's do not, so id
-- is named, and the page is read in index order without a sort. An ORDER BY must match these
-- exactly (NULLS FIRST included) for PostgreSQL to use them.
CREATE INDEX "tasks_signed_off_at_idx" ON "tasks" ("signed_off_at") WHERE "signed_off_at" IS NOT NULL;
--> statement-breakpoint
CREATE INDEX "tasks_list_order_idx" ON "tasks" (("state" = 'done'), ("deadline" IS NULL), "deadline" NULLS FIRST, "id");
--> statement-breakpoint
CREATE INDEX "tasks_unit_state_order_idx" ON "tasks" ("unit_id", "state", ("deadline" IS NULL), "deadline" NULLS FIRST, "id");
--> statement-breakpoint
CREATE INDEX "tasks_state_order_idx" ON "tasks" ("state", ("deadline" IS NULL), "deadline" NULLS FIRST, "id");
--> statement-breakpoint
-- 安全审计 (0012): audit_log is append-only. No row is ever updated; a row may be deleted only
-- once it is older than 180 days (the nightly purge). Same messages as SQLite's RAISE(ABORT).
-- TRUNCATE, which SQLite does not have and which skips row triggers, is refused too.
CREATE FUNCTION "audit_log_no_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only';
END $$;
--> statement-breakpoint
CREATE TRIGGER "audit_log_no_update" BEFORE UPDATE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION audit_log_no_update();
--> statement-breakpoint
CREATE FUNCTION "audit_log_no_early_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log rows are kept at least 180 days';
END $$;
--> statement-breakpoint
CREATE TRIGGER "audit_log_no_early_delete" BEFORE DELETE ON "audit_log" FOR EACH ROW
	WHEN (old.at > to_char(statement_timestamp() AT TIME ZONE 'UTC' - interval '180 days', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
	EXECUTE FUNCTION audit_log_no_early_delete();
--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log" FOR EACH STATEMENT EXECUTE FUNCTION audit_log_no_early_delete();
--> statement-breakpoint
-- 全文检索 (0002, 0013) on PostgreSQL: for each searched text, a pg_trgm index on lower(col)
-- (terms of three or more characters: `lower(col) LIKE '%' || lower(term) || '%'`) and an index
-- of rectify_grams(col) (terms of one or two characters: `rectify_grams(col) @> ARRAY[term]`).
-- Progress notes as in 0002: not the 'created'/'imported' rows, nor empty texts.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
-- the distinct lower-cased single characters and overlapping two-character pairs of t; NULL and
-- '' give an empty array. 党费收缴 → {党,党费,费,费收,收,收缴,缴}
CREATE FUNCTION "rectify_grams"(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT COALESCE(array_agg(DISTINCT g), '{}'::text[])
	FROM (SELECT lower(t) AS s) x,
	LATERAL (
		SELECT substr(x.s, i, 1) FROM generate_series(1, char_length(x.s)) i
		UNION ALL
		SELECT substr(x.s, i, 2) FROM generate_series(1, char_length(x.s) - 1) i
	) p(g)
$$;
--> statement-breakpoint
CREATE INDEX "tasks_title_trgm_idx" ON "tasks" USING gin (lower("title") gin_trgm_ops);
--> statement-breakpoint
CREATE INDEX "tasks_title_grams_idx" ON "tasks" USING gin (rectify_grams("title"));
--> statement-breakpoint
CREATE INDEX "tasks_measures_trgm_idx" ON "tasks" USING gin (lower("measures") gin_trgm_ops);
--> statement-breakpoint
CREATE INDEX "tasks_measures_grams_idx" ON "tasks" USING gin (rectify_grams("measures"));
--> statement-breakpoint
CREATE INDEX "problems_text_trgm_idx" ON "problems" USING gin (lower("text") gin_trgm_ops);
--> statement-breakpoint
CREATE INDEX "problems_text_grams_idx" ON "problems" USING gin (rectify_grams("text"));
--> statement-breakpoint
CREATE INDEX "task_events_text_trgm_idx" ON "task_events" USING gin (lower("text") gin_trgm_ops)
	WHERE "text" <> '' AND "kind" NOT IN ('created', 'imported');
--> statement-breakpoint
CREATE INDEX "task_events_text_grams_idx" ON "task_events" USING gin (rectify_grams("text"))
	WHERE "text" <> '' AND "kind" NOT IN ('created', 'imported');
--> statement-breakpoint
CREATE INDEX "reports_title_trgm_idx" ON "reports" USING gin (lower("title") gin_trgm_ops);
--> statement-breakpoint
CREATE INDEX "reports_title_grams_idx" ON "reports" USING gin (rectify_grams("title"));
