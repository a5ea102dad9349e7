-- Search's choice between walking the newest rows and reading every match from the GIN index
-- takes the planner's statistics of search_keys into account (db/engines/search-postgres.ts,
-- matchShare): a term rare among the newest rows but common in older ones had been read from
-- the index whole (谈心谈话 台账 at 5,000,000 notes: 104,000 matches, 3.3 s). With the default
-- target (100) ANALYZE lists ~300 keys of the notes, each in more than 3% of them, which says
-- nothing of most terms; at 1,000 it lists ~4,000, and a key not listed is in fewer than 0.03%
-- (ANALYZE of the notes' keys: 6 s at 5,000,000 notes, by the nightly maintenance and autovacuum).
ALTER TABLE "tasks" ALTER COLUMN "search_keys" SET STATISTICS 1000;
--> statement-breakpoint
ALTER TABLE "problems" ALTER COLUMN "search_keys" SET STATISTICS 1000;
--> statement-breakpoint
ALTER TABLE "task_events" ALTER COLUMN "search_keys" SET STATISTICS 1000;
--> statement-breakpoint
ALTER TABLE "reports" ALTER COLUMN "search_keys" SET STATISTICS 1000;
--> statement-breakpoint
ANALYZE "tasks" ("search_keys");
--> statement-breakpoint
ANALYZE "problems" ("search_keys");
--> statement-breakpoint
ANALYZE "task_events" ("search_keys");
--> statement-breakpoint
ANALYZE "reports" ("search_keys");
