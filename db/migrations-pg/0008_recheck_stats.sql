-- 回头看 figures on the overview (issue 19) are kept with the overview's snapshot under
-- stats_version: a 巩固 or a 反弹 moves no task counter, so recheck_items moves it itself, a row
-- changed a step, as SQLite's row triggers do (0001's rectify_bump_rows).
CREATE TRIGGER "stats_recheck_items_ai" AFTER INSERT ON "recheck_items" REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION rectify_bump_rows('stats_version');
--> statement-breakpoint
CREATE TRIGGER "stats_recheck_items_au" AFTER UPDATE ON "recheck_items" REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION rectify_bump_rows('stats_version');
--> statement-breakpoint
CREATE TRIGGER "stats_recheck_items_ad" AFTER DELETE ON "recheck_items" REFERENCING OLD TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION rectify_bump_rows('stats_version');
