-- The search indexes' pending lists kept short (issue 18). A GIN index with fastupdate (the
-- default) takes new entries into an unsorted pending list, flushed into the index only by
-- VACUUM, by the nightly maintenance (gin_clean_pending_list) or once it reaches
-- gin_pending_list_limit (4 MB by default), and every search reads the whole list. A task's
-- every update re-enters its search_keys and texts (the row is not updated in place), so a
-- busy hour filled the lists: at 100,000 tasks, 2,500 progress posts (300 pages of pending
-- entries) took a mix of search terms from 186 to 49 req/s (p99 145 ms → 1.2 s). At 64 kB
-- (the least allowed) a writer flushes the list every few dozen rows and a search reads a few
-- pages at most: 116 req/s after the same writes; writes still go in batches (fastupdate=off,
-- a row's entries into the index one by one, measured the same for searches).
ALTER INDEX "tasks_search_keys_idx" SET (gin_pending_list_limit = 64);
--> statement-breakpoint
ALTER INDEX "problems_search_keys_idx" SET (gin_pending_list_limit = 64);
--> statement-breakpoint
ALTER INDEX "task_events_search_keys_idx" SET (gin_pending_list_limit = 64);
--> statement-breakpoint
ALTER INDEX "reports_search_keys_idx" SET (gin_pending_list_limit = 64);
--> statement-breakpoint
ALTER INDEX "tasks_title_trgm_idx" SET (gin_pending_list_limit = 64);
--> statement-breakpoint
ALTER INDEX "tasks_measures_trgm_idx" SET (gin_pending_list_limit = 64);
--> statement-breakpoint
ALTER INDEX "problems_text_trgm_idx" SET (gin_pending_list_limit = 64);
--> statement-breakpoint
ALTER INDEX "task_events_text_trgm_idx" SET (gin_pending_list_limit = 64);
--> statement-breakpoint
ALTER INDEX "reports_title_trgm_idx" SET (gin_pending_list_limit = 64);
