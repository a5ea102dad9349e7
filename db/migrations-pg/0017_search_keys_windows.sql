-- Search reads the GIN index a window of ids at a time (issue 18). Each search index now also
-- holds a row's id window, 'w:' || (id >> 14) (16,384 ids: never a text's key, which is one or
-- two characters, nor a scope token), computed from the id by the index expression, so no row is
-- rewritten and no trigger changes. A search that needs the newest 200 matches of a term that
-- is common in a leader's tenth of a province no longer reads every match (谈心谈话 台账: 11,459
-- notes, 35 ms, at 5,000,000) nor walks tens of thousands of rows by id (23,900 tasks, 20 ms),
-- but asks the index for the matches in the newest windows that should hold them
-- (db/engines/search-postgres.ts). A query must write the expression exactly as here
-- (KEYS there) for the planner to use the index. The notes' index stays partial, and a query
-- says search_keys IS NOT NULL itself: the expression (array_cat) is not strict, so the planner
-- cannot infer it. Rebuilding the four indexes at 1,000,000 tasks: a few minutes.
SET maintenance_work_mem = '256MB';
--> statement-breakpoint
DROP INDEX IF EXISTS "tasks_search_keys_idx";
--> statement-breakpoint
CREATE INDEX "tasks_search_keys_idx" ON "tasks" USING gin (("search_keys" || ARRAY['w:' || CAST("id" >> 14 AS text)])) WITH (gin_pending_list_limit = 64);
--> statement-breakpoint
DROP INDEX IF EXISTS "problems_search_keys_idx";
--> statement-breakpoint
CREATE INDEX "problems_search_keys_idx" ON "problems" USING gin (("search_keys" || ARRAY['w:' || CAST("id" >> 14 AS text)])) WITH (gin_pending_list_limit = 64);
--> statement-breakpoint
DROP INDEX IF EXISTS "task_events_search_keys_idx";
--> statement-breakpoint
CREATE INDEX "task_events_search_keys_idx" ON "task_events" USING gin (("search_keys" || ARRAY['w:' || CAST("id" >> 14 AS text)])) WITH (gin_pending_list_limit = 64) WHERE "search_keys" IS NOT NULL;
--> statement-breakpoint
DROP INDEX IF EXISTS "reports_search_keys_idx";
--> statement-breakpoint
CREATE INDEX "reports_search_keys_idx" ON "reports" USING gin (("search_keys" || ARRAY['w:' || CAST("id" >> 14 AS text)])) WITH (gin_pending_list_limit = 64);
--> statement-breakpoint
RESET maintenance_work_mem;
