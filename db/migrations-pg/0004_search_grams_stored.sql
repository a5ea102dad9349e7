-- The one- and two-character search index (0001) kept each text's grams as an index of the
-- expression rectify_grams(col). A query's filter then computed rectify_grams row by row (an SQL
-- function: ~0.1 ms a row) wherever the planner walked the table newest first instead of using
-- the index, as it does under a LIMIT: a rare two-character term took seconds at 100,000 tasks.
-- The grams are now stored columns, computed once when the text is written; the GIN indexes are
-- on them, and a row's check is a comparison of stored arrays. Notes store grams only when they
-- are indexed (text <> '' and not 'created'/'imported', as the partial indexes).
DROP INDEX "tasks_title_grams_idx";
--> statement-breakpoint
DROP INDEX "tasks_measures_grams_idx";
--> statement-breakpoint
DROP INDEX "problems_text_grams_idx";
--> statement-breakpoint
DROP INDEX "task_events_text_grams_idx";
--> statement-breakpoint
DROP INDEX "reports_title_grams_idx";
--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "title_grams" text[] GENERATED ALWAYS AS (rectify_grams("title")) STORED,
	ADD COLUMN "measures_grams" text[] GENERATED ALWAYS AS (rectify_grams("measures")) STORED;
--> statement-breakpoint
ALTER TABLE "problems" ADD COLUMN "text_grams" text[] GENERATED ALWAYS AS (rectify_grams("text")) STORED;
--> statement-breakpoint
ALTER TABLE "task_events" ADD COLUMN "text_grams" text[] GENERATED ALWAYS AS (CASE WHEN "text" <> '' AND "kind" NOT IN ('created', 'imported') THEN rectify_grams("text") END) STORED;
--> statement-breakpoint
ALTER TABLE "reports" ADD COLUMN "title_grams" text[] GENERATED ALWAYS AS (rectify_grams("title")) STORED;
--> statement-breakpoint
CREATE INDEX "tasks_title_grams_idx" ON "tasks" USING gin ("title_grams");
--> statement-breakpoint
CREATE INDEX "tasks_measures_grams_idx" ON "tasks" USING gin ("measures_grams");
--> statement-breakpoint
CREATE INDEX "problems_text_grams_idx" ON "problems" USING gin ("text_grams");
--> statement-breakpoint
CREATE INDEX "task_events_text_grams_idx" ON "task_events" USING gin ("text_grams")
	WHERE "text" <> '' AND "kind" NOT IN ('created', 'imported');
--> statement-breakpoint
CREATE INDEX "reports_title_grams_idx" ON "reports" USING gin ("title_grams");
