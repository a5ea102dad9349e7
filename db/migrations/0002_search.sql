-- 全文检索 (issue 7): FTS5 with the trigram tokenizer (works for Chinese: every three-character
-- run is a token), one table per kind of text, so each kind's matches can be ranked among its
-- newest without walking the others': task titles and measures, problem texts, progress notes
-- (task_events.text, except 'created'/'imported' rows, whose text only repeats the report
-- title) and report titles. rowid = the source row's id. Triggers keep every table in step
-- inside the very transaction that writes the data; existing rows are copied at the end.
CREATE VIRTUAL TABLE `search_tasks` USING fts5(title, body, tokenize = 'trigram');
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_problems` USING fts5(body, report_id UNINDEXED, tokenize = 'trigram');
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_events` USING fts5(body, task_id UNINDEXED, tokenize = 'trigram');
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_reports` USING fts5(title, tokenize = 'trigram');
--> statement-breakpoint
CREATE TRIGGER `search_tasks_ai` AFTER INSERT ON `tasks` BEGIN
	INSERT INTO search_tasks(rowid, title, body) VALUES (new.id, new.title, new.measures);
END;
--> statement-breakpoint
CREATE TRIGGER `search_tasks_au` AFTER UPDATE OF title, measures ON `tasks`
WHEN old.title IS NOT new.title OR old.measures IS NOT new.measures BEGIN
	DELETE FROM search_tasks WHERE rowid = old.id;
	INSERT INTO search_tasks(rowid, title, body) VALUES (new.id, new.title, new.measures);
END;
--> statement-breakpoint
CREATE TRIGGER `search_tasks_ad` AFTER DELETE ON `tasks` BEGIN
	DELETE FROM search_tasks WHERE rowid = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_problems_ai` AFTER INSERT ON `problems` BEGIN
	INSERT INTO search_problems(rowid, body, report_id) VALUES (new.id, new.text, new.report_id);
END;
--> statement-breakpoint
CREATE TRIGGER `search_problems_au` AFTER UPDATE OF text, report_id ON `problems`
WHEN old.text IS NOT new.text OR old.report_id IS NOT new.report_id BEGIN
	DELETE FROM search_problems WHERE rowid = old.id;
	INSERT INTO search_problems(rowid, body, report_id) VALUES (new.id, new.text, new.report_id);
END;
--> statement-breakpoint
CREATE TRIGGER `search_problems_ad` AFTER DELETE ON `problems` BEGIN
	DELETE FROM search_problems WHERE rowid = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_events_ai` AFTER INSERT ON `task_events` WHEN new.text <> '' AND new.kind NOT IN ('created', 'imported') BEGIN
	INSERT INTO search_events(rowid, body, task_id) VALUES (new.id, new.text, new.task_id);
END;
--> statement-breakpoint
CREATE TRIGGER `search_events_au` AFTER UPDATE OF text ON `task_events` WHEN old.text IS NOT new.text BEGIN
	DELETE FROM search_events WHERE rowid = old.id;
	INSERT INTO search_events(rowid, body, task_id) SELECT new.id, new.text, new.task_id WHERE new.text <> '' AND new.kind NOT IN ('created', 'imported');
END;
--> statement-breakpoint
CREATE TRIGGER `search_events_ad` AFTER DELETE ON `task_events` BEGIN
	DELETE FROM search_events WHERE rowid = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_reports_ai` AFTER INSERT ON `reports` BEGIN
	INSERT INTO search_reports(rowid, title) VALUES (new.id, new.title);
END;
--> statement-breakpoint
CREATE TRIGGER `search_reports_au` AFTER UPDATE OF title ON `reports` WHEN old.title IS NOT new.title BEGIN
	DELETE FROM search_reports WHERE rowid = old.id;
	INSERT INTO search_reports(rowid, title) VALUES (new.id, new.title);
END;
--> statement-breakpoint
CREATE TRIGGER `search_reports_ad` AFTER DELETE ON `reports` BEGIN
	DELETE FROM search_reports WHERE rowid = old.id;
END;
--> statement-breakpoint
INSERT INTO search_tasks(rowid, title, body) SELECT id, title, measures FROM tasks;
--> statement-breakpoint
INSERT INTO search_problems(rowid, body, report_id) SELECT id, text, report_id FROM problems;
--> statement-breakpoint
INSERT INTO search_events(rowid, body, task_id) SELECT id, text, task_id FROM task_events WHERE text <> '' AND kind NOT IN ('created', 'imported');
--> statement-breakpoint
INSERT INTO search_reports(rowid, title) SELECT id, title FROM reports;
