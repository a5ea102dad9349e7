-- Search no longer reads pg_trgm's indexes (issue 18). A term of three or more characters is
-- found through search_keys, its pairs with every other key in one GIN scan led by the rarest
-- (db/engines/search-postgres.ts), and LIKE checks the text; the trigram indexes on lower(col)
-- were scanned whole for a common term (谈心谈话 at 5,000,000 notes: 494,000 entries, 80 ms)
-- before the other key's index was consulted. Every write still kept them (a progress note, a
-- task's update): 53 MB at 100,000 tasks. The pg_trgm extension stays (created by 0001).
DROP INDEX IF EXISTS "tasks_title_trgm_idx";
--> statement-breakpoint
DROP INDEX IF EXISTS "tasks_measures_trgm_idx";
--> statement-breakpoint
DROP INDEX IF EXISTS "problems_text_trgm_idx";
--> statement-breakpoint
DROP INDEX IF EXISTS "task_events_text_trgm_idx";
--> statement-breakpoint
DROP INDEX IF EXISTS "reports_title_trgm_idx";
