-- 一两个字的词 (issue 18): a character-bigram index beside each trigram index of 0002_search.sql,
-- for terms the trigram tokenizer cannot match (1–2 characters; Chinese words are mostly two).
-- Each text is stored as the tokens searchGrams() makes (server/features/search/grams.ts: its
-- overlapping character pairs, then its last character, as hex for the ascii tokenizer), by the
-- SQL function search_grams that openDb registers on every connection. Contentless (the text
-- lives in the source rows) with contentless_delete, so a trigger deletes by rowid; prefix='6'
-- keeps an index of each pair's first character, so a one-character term (a prefix query) reads
-- one doclist instead of merging every pair that starts with it. rowid = the source row's id;
-- the same triggers' conditions as 0002, in the same transactions as the writes.
CREATE VIRTUAL TABLE `search_tasks_bi` USING fts5(title, body, content = '', contentless_delete = 1, tokenize = 'ascii', prefix = '6');
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_problems_bi` USING fts5(body, content = '', contentless_delete = 1, tokenize = 'ascii', prefix = '6');
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_events_bi` USING fts5(body, content = '', contentless_delete = 1, tokenize = 'ascii', prefix = '6');
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_reports_bi` USING fts5(title, content = '', contentless_delete = 1, tokenize = 'ascii', prefix = '6');
--> statement-breakpoint
INSERT INTO `search_tasks_bi` (`search_tasks_bi`, `rank`) VALUES ('crisismerge', 4);
--> statement-breakpoint
INSERT INTO `search_problems_bi` (`search_problems_bi`, `rank`) VALUES ('crisismerge', 4);
--> statement-breakpoint
INSERT INTO `search_events_bi` (`search_events_bi`, `rank`) VALUES ('crisismerge', 4);
--> statement-breakpoint
INSERT INTO `search_reports_bi` (`search_reports_bi`, `rank`) VALUES ('crisismerge', 4);
--> statement-breakpoint
CREATE TRIGGER `search_tasks_bi_ai` AFTER INSERT ON `tasks` BEGIN
	INSERT INTO search_tasks_bi(rowid, title, body) VALUES (new.id, search_grams(new.title), search_grams(new.measures));
END;
--> statement-breakpoint
CREATE TRIGGER `search_tasks_bi_au` AFTER UPDATE OF title, measures ON `tasks`
WHEN old.title IS NOT new.title OR old.measures IS NOT new.measures BEGIN
	DELETE FROM search_tasks_bi WHERE rowid = old.id;
	INSERT INTO search_tasks_bi(rowid, title, body) VALUES (new.id, search_grams(new.title), search_grams(new.measures));
END;
--> statement-breakpoint
CREATE TRIGGER `search_tasks_bi_ad` AFTER DELETE ON `tasks` BEGIN
	DELETE FROM search_tasks_bi WHERE rowid = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_problems_bi_ai` AFTER INSERT ON `problems` BEGIN
	INSERT INTO search_problems_bi(rowid, body) VALUES (new.id, search_grams(new.text));
END;
--> statement-breakpoint
CREATE TRIGGER `search_problems_bi_au` AFTER UPDATE OF text ON `problems` WHEN old.text IS NOT new.text BEGIN
	DELETE FROM search_problems_bi WHERE rowid = old.id;
	INSERT INTO search_problems_bi(rowid, body) VALUES (new.id, search_grams(new.text));
END;
--> statement-breakpoint
CREATE TRIGGER `search_problems_bi_ad` AFTER DELETE ON `problems` BEGIN
	DELETE FROM search_problems_bi WHERE rowid = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_events_bi_ai` AFTER INSERT ON `task_events` WHEN new.text <> '' AND new.kind NOT IN ('created', 'imported') BEGIN
	INSERT INTO search_events_bi(rowid, body) VALUES (new.id, search_grams(new.text));
END;
--> statement-breakpoint
CREATE TRIGGER `search_events_bi_au` AFTER UPDATE OF text ON `task_events` WHEN old.text IS NOT new.text BEGIN
	DELETE FROM search_events_bi WHERE rowid = old.id;
	INSERT INTO search_events_bi(rowid, body) SELECT new.id, search_grams(new.text) WHERE new.text <> '' AND new.kind NOT IN ('created', 'imported');
END;
--> statement-breakpoint
CREATE TRIGGER `search_events_bi_ad` AFTER DELETE ON `task_events` BEGIN
	DELETE FROM search_events_bi WHERE rowid = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_reports_bi_ai` AFTER INSERT ON `reports` BEGIN
	INSERT INTO search_reports_bi(rowid, title) VALUES (new.id, search_grams(new.title));
END;
--> statement-breakpoint
CREATE TRIGGER `search_reports_bi_au` AFTER UPDATE OF title ON `reports` WHEN old.title IS NOT new.title BEGIN
	DELETE FROM search_reports_bi WHERE rowid = old.id;
	INSERT INTO search_reports_bi(rowid, title) VALUES (new.id, search_grams(new.title));
END;
--> statement-breakpoint
CREATE TRIGGER `search_reports_bi_ad` AFTER DELETE ON `reports` BEGIN
	DELETE FROM search_reports_bi WHERE rowid = old.id;
END;
--> statement-breakpoint
INSERT INTO search_tasks_bi(rowid, title, body) SELECT id, search_grams(title), search_grams(measures) FROM tasks;
--> statement-breakpoint
INSERT INTO search_problems_bi(rowid, body) SELECT id, search_grams(text) FROM problems;
--> statement-breakpoint
INSERT INTO search_events_bi(rowid, body) SELECT id, search_grams(text) FROM task_events WHERE text <> '' AND kind NOT IN ('created', 'imported');
--> statement-breakpoint
INSERT INTO search_reports_bi(rowid, title) SELECT id, search_grams(title) FROM reports;
