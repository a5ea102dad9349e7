-- 搜索按权限走索引 on PostgreSQL (issue 18), as SQLite's 0023: a leader's or staff member's
-- search asks the index for the matches in their scope alone. Before, it walked the newest 2,000
-- matches of everyone and dropped the others' (at 100,000 tasks a staff member's search of a
-- common word: 22 req/s, p99 1.4 s), and said 结果较多 where the walk ended short of their rows.
--
-- Each searched row gets one array, search_keys, in one GIN index a table: its texts' grams
-- (rectify_grams: distinct lower-cased characters and pairs; a task's title and measures
-- together, since a term matches where it is in either) and who may see it, as the tokens of
-- grams.ts's scopeTokens with a colon (s:<id> for the row's unit and each ancestor, u:<id> the
-- unit, o:<id> the owner, l:<id> the leader; three characters or more, so never a gram). A note
-- carries its task's scope; a problem or report the s: tokens of its report's unit. A query is
-- then one GIN scan with two keys: `search_keys @> <the terms' pairs> AND search_keys &&
-- <the actor's tokens>` (rectify_term_keys; a term of three or more characters is rechecked
-- with LIKE: its pairs are necessary, not sufficient). The grams columns of 0004 and their indexes are replaced by
-- it: an administrator's one- and two-character terms read search_keys too. The pg_trgm indexes
-- stay for an administrator's longer terms.
--
-- Kept in step by the same transactions as the texts (row triggers): a row's keys when its
-- texts or its scope's columns change; a task's notes when its unit, owner or leader changes; a
-- report's problems when its unit changes; and every row of a unit when its path changes (a
-- subtree's move updates each unit's path, so each unit's rows are re-keyed by its own trigger).
CREATE FUNCTION "rectify_scope"(path text, unit_id bigint, owner_id bigint, leader_id bigint) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT ARRAY(SELECT 's:' || p FROM unnest(string_to_array(path, '/')) p WHERE p <> '')
		|| CASE WHEN unit_id IS NULL THEN '{}'::text[] ELSE ARRAY['u:' || unit_id] END
		|| CASE WHEN owner_id IS NULL THEN '{}'::text[] ELSE ARRAY['o:' || owner_id] END
		|| CASE WHEN leader_id IS NULL THEN '{}'::text[] ELSE ARRAY['l:' || leader_id] END
$$;
--> statement-breakpoint
-- a search term's keys: its distinct lower-cased pairs, or the character itself for a term of
-- one (a text's single characters are in its keys only for this). A text holds the term only if
-- its keys hold these; for one or two characters, exactly then.
CREATE FUNCTION "rectify_term_keys"(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN char_length(x.s) < 2 THEN ARRAY[x.s]
		ELSE ARRAY(SELECT DISTINCT substr(x.s, i, 2) FROM generate_series(1, char_length(x.s) - 1) i) END
	FROM (SELECT lower(t) AS s) x
$$;
--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "search_keys" text[];
--> statement-breakpoint
ALTER TABLE "problems" ADD COLUMN "search_keys" text[];
--> statement-breakpoint
ALTER TABLE "task_events" ADD COLUMN "search_keys" text[];
--> statement-breakpoint
ALTER TABLE "reports" ADD COLUMN "search_keys" text[];
--> statement-breakpoint
CREATE FUNCTION "search_keys_tasks"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.search_keys := rectify_grams(NEW.title) || rectify_grams(NEW.measures)
		|| rectify_scope((SELECT u.path FROM units u WHERE u.id = NEW.unit_id), NEW.unit_id, NEW.owner_id, NEW.leader_id);
	RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER "search_keys_tasks_bi" BEFORE INSERT ON "tasks" FOR EACH ROW EXECUTE FUNCTION search_keys_tasks();
--> statement-breakpoint
CREATE TRIGGER "search_keys_tasks_bu" BEFORE UPDATE OF "title", "measures", "unit_id", "owner_id", "leader_id" ON "tasks" FOR EACH ROW
	WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.measures IS DISTINCT FROM NEW.measures OR OLD.unit_id IS DISTINCT FROM NEW.unit_id
		OR OLD.owner_id IS DISTINCT FROM NEW.owner_id OR OLD.leader_id IS DISTINCT FROM NEW.leader_id)
	EXECUTE FUNCTION search_keys_tasks();
--> statement-breakpoint
-- a task's scope moved: its notes carry the new one
CREATE FUNCTION "search_keys_task_scope"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE task_events e SET search_keys = rectify_grams(e.text) || rectify_scope(u.path, NEW.unit_id, NEW.owner_id, NEW.leader_id)
	FROM units u WHERE u.id = NEW.unit_id AND e.task_id = NEW.id AND e.text <> '' AND e.kind NOT IN ('created', 'imported');
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "search_keys_task_scope_au" AFTER UPDATE OF "unit_id", "owner_id", "leader_id" ON "tasks" FOR EACH ROW
	WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id OR OLD.owner_id IS DISTINCT FROM NEW.owner_id OR OLD.leader_id IS DISTINCT FROM NEW.leader_id)
	EXECUTE FUNCTION search_keys_task_scope();
--> statement-breakpoint
-- notes: only those search indexes (text <> '' and not 'created'/'imported'); the others NULL
CREATE FUNCTION "search_keys_events"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.text <> '' AND NEW.kind NOT IN ('created', 'imported') THEN
		NEW.search_keys := rectify_grams(NEW.text)
			|| (SELECT rectify_scope(u.path, t.unit_id, t.owner_id, t.leader_id) FROM tasks t JOIN units u ON u.id = t.unit_id WHERE t.id = NEW.task_id);
	ELSE
		NEW.search_keys := NULL;
	END IF;
	RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER "search_keys_events_bi" BEFORE INSERT ON "task_events" FOR EACH ROW EXECUTE FUNCTION search_keys_events();
--> statement-breakpoint
CREATE TRIGGER "search_keys_events_bu" BEFORE UPDATE OF "text", "kind", "task_id" ON "task_events" FOR EACH ROW
	WHEN (OLD.text IS DISTINCT FROM NEW.text OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.task_id IS DISTINCT FROM NEW.task_id)
	EXECUTE FUNCTION search_keys_events();
--> statement-breakpoint
CREATE FUNCTION "search_keys_problems"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.search_keys := rectify_grams(NEW.text)
		|| (SELECT rectify_scope(u.path, NULL, NULL, NULL) FROM reports r JOIN units u ON u.id = r.unit_id WHERE r.id = NEW.report_id);
	RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER "search_keys_problems_bi" BEFORE INSERT ON "problems" FOR EACH ROW EXECUTE FUNCTION search_keys_problems();
--> statement-breakpoint
CREATE TRIGGER "search_keys_problems_bu" BEFORE UPDATE OF "text", "report_id" ON "problems" FOR EACH ROW
	WHEN (OLD.text IS DISTINCT FROM NEW.text OR OLD.report_id IS DISTINCT FROM NEW.report_id)
	EXECUTE FUNCTION search_keys_problems();
--> statement-breakpoint
CREATE FUNCTION "search_keys_reports"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.search_keys := rectify_grams(NEW.title) || rectify_scope((SELECT u.path FROM units u WHERE u.id = NEW.unit_id), NULL, NULL, NULL);
	RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER "search_keys_reports_bi" BEFORE INSERT ON "reports" FOR EACH ROW EXECUTE FUNCTION search_keys_reports();
--> statement-breakpoint
CREATE TRIGGER "search_keys_reports_bu" BEFORE UPDATE OF "title", "unit_id" ON "reports" FOR EACH ROW
	WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.unit_id IS DISTINCT FROM NEW.unit_id)
	EXECUTE FUNCTION search_keys_reports();
--> statement-breakpoint
-- a report's unit changed: its problems carry the new scope
CREATE FUNCTION "search_keys_report_scope"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE problems p SET search_keys = rectify_grams(p.text) || rectify_scope(u.path, NULL, NULL, NULL)
	FROM units u WHERE u.id = NEW.unit_id AND p.report_id = NEW.id;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "search_keys_report_scope_au" AFTER UPDATE OF "unit_id" ON "reports" FOR EACH ROW
	WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id)
	EXECUTE FUNCTION search_keys_report_scope();
--> statement-breakpoint
-- a unit's path changed (it moved, or an ancestor did): every row of the unit is re-keyed
CREATE FUNCTION "search_keys_unit_scope"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE tasks t SET search_keys = rectify_grams(t.title) || rectify_grams(t.measures) || rectify_scope(NEW.path, t.unit_id, t.owner_id, t.leader_id)
	WHERE t.unit_id = NEW.id;
	UPDATE task_events e SET search_keys = rectify_grams(e.text) || rectify_scope(NEW.path, t.unit_id, t.owner_id, t.leader_id)
	FROM tasks t WHERE t.unit_id = NEW.id AND e.task_id = t.id AND e.text <> '' AND e.kind NOT IN ('created', 'imported');
	UPDATE reports r SET search_keys = rectify_grams(r.title) || rectify_scope(NEW.path, NULL, NULL, NULL) WHERE r.unit_id = NEW.id;
	UPDATE problems p SET search_keys = rectify_grams(p.text) || rectify_scope(NEW.path, NULL, NULL, NULL)
	FROM reports r WHERE r.unit_id = NEW.id AND p.report_id = r.id;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "search_keys_unit_scope_au" AFTER UPDATE OF "path" ON "units" FOR EACH ROW
	WHEN (OLD.path IS DISTINCT FROM NEW.path)
	EXECUTE FUNCTION search_keys_unit_scope();
--> statement-breakpoint
UPDATE tasks t SET search_keys = rectify_grams(t.title) || rectify_grams(t.measures) || rectify_scope(u.path, t.unit_id, t.owner_id, t.leader_id)
FROM units u WHERE u.id = t.unit_id;
--> statement-breakpoint
UPDATE task_events e SET search_keys = rectify_grams(e.text) || rectify_scope(u.path, t.unit_id, t.owner_id, t.leader_id)
FROM tasks t JOIN units u ON u.id = t.unit_id WHERE t.id = e.task_id AND e.text <> '' AND e.kind NOT IN ('created', 'imported');
--> statement-breakpoint
UPDATE reports r SET search_keys = rectify_grams(r.title) || rectify_scope(u.path, NULL, NULL, NULL) FROM units u WHERE u.id = r.unit_id;
--> statement-breakpoint
UPDATE problems p SET search_keys = rectify_grams(p.text) || rectify_scope(u.path, NULL, NULL, NULL)
FROM reports r JOIN units u ON u.id = r.unit_id WHERE r.id = p.report_id;
--> statement-breakpoint
ALTER TABLE "tasks" DROP COLUMN "title_grams", DROP COLUMN "measures_grams";
--> statement-breakpoint
ALTER TABLE "problems" DROP COLUMN "text_grams";
--> statement-breakpoint
ALTER TABLE "task_events" DROP COLUMN "text_grams";
--> statement-breakpoint
ALTER TABLE "reports" DROP COLUMN "title_grams";
--> statement-breakpoint
CREATE INDEX "tasks_search_keys_idx" ON "tasks" USING gin ("search_keys");
--> statement-breakpoint
CREATE INDEX "problems_search_keys_idx" ON "problems" USING gin ("search_keys");
--> statement-breakpoint
CREATE INDEX "task_events_search_keys_idx" ON "task_events" USING gin ("search_keys") WHERE "search_keys" IS NOT NULL;
--> statement-breakpoint
CREATE INDEX "reports_search_keys_idx" ON "reports" USING gin ("search_keys");
