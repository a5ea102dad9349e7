-- 全文检索 (issue 7): one FTS5 table with the trigram tokenizer (works for Chinese: every
-- three-character run is a token) over task titles and measures, problem texts, progress
-- notes (task_events.text, except the 'created'/'imported' rows, whose text only repeats the
-- report title) and report titles. Triggers keep it in step inside the very
-- transaction that writes the data. rowid = kind * 2^40 + source id (0 task, 1 problem,
-- 2 event, 3 report): an update or delete finds its row by rowid, never by a scan, and each
-- kind is one rowid range, so a search can rank within a kind's newest matches.
CREATE VIRTUAL TABLE `search_index` USING fts5(
	title, body, kind UNINDEXED, task_id UNINDEXED, report_id UNINDEXED,
	tokenize = 'trigram'
);
--> statement-breakpoint
CREATE TRIGGER `search_tasks_ai` AFTER INSERT ON `tasks` BEGIN
	INSERT INTO search_index(rowid, title, body, kind, task_id, report_id) VALUES (new.id, new.title, new.measures, 'task', new.id, NULL);
END;
--> statement-breakpoint
CREATE TRIGGER `search_tasks_au` AFTER UPDATE OF title, measures ON `tasks`
WHEN old.title IS NOT new.title OR old.measures IS NOT new.measures BEGIN
	DELETE FROM search_index WHERE rowid = old.id;
	INSERT INTO search_index(rowid, title, body, kind, task_id, report_id) VALUES (new.id, new.title, new.measures, 'task', new.id, NULL);
END;
--> statement-breakpoint
CREATE TRIGGER `search_tasks_ad` AFTER DELETE ON `tasks` BEGIN
	DELETE FROM search_index WHERE rowid = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_problems_ai` AFTER INSERT ON `problems` BEGIN
	INSERT INTO search_index(rowid, title, body, kind, task_id, report_id) VALUES (1099511627776 + new.id, '', new.text, 'problem', NULL, new.report_id);
END;
--> statement-breakpoint
CREATE TRIGGER `search_problems_au` AFTER UPDATE OF text, report_id ON `problems`
WHEN old.text IS NOT new.text OR old.report_id IS NOT new.report_id BEGIN
	DELETE FROM search_index WHERE rowid = 1099511627776 + old.id;
	INSERT INTO search_index(rowid, title, body, kind, task_id, report_id) VALUES (1099511627776 + new.id, '', new.text, 'problem', NULL, new.report_id);
END;
--> statement-breakpoint
CREATE TRIGGER `search_problems_ad` AFTER DELETE ON `problems` BEGIN
	DELETE FROM search_index WHERE rowid = 1099511627776 + old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_events_ai` AFTER INSERT ON `task_events` WHEN new.text <> '' AND new.kind NOT IN ('created', 'imported') BEGIN
	INSERT INTO search_index(rowid, title, body, kind, task_id, report_id) VALUES (2199023255552 + new.id, '', new.text, 'event', new.task_id, NULL);
END;
--> statement-breakpoint
CREATE TRIGGER `search_events_au` AFTER UPDATE OF text ON `task_events` WHEN old.text IS NOT new.text BEGIN
	DELETE FROM search_index WHERE rowid = 2199023255552 + old.id;
	INSERT INTO search_index(rowid, title, body, kind, task_id, report_id) SELECT 2199023255552 + new.id, '', new.text, 'event', new.task_id, NULL WHERE new.text <> '' AND new.kind NOT IN ('created', 'imported');
END;
--> statement-breakpoint
CREATE TRIGGER `search_events_ad` AFTER DELETE ON `task_events` BEGIN
	DELETE FROM search_index WHERE rowid = 2199023255552 + old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_reports_ai` AFTER INSERT ON `reports` BEGIN
	INSERT INTO search_index(rowid, title, body, kind, task_id, report_id) VALUES (3298534883328 + new.id, new.title, '', 'report', NULL, new.id);
END;
--> statement-breakpoint
CREATE TRIGGER `search_reports_au` AFTER UPDATE OF title ON `reports` WHEN old.title IS NOT new.title BEGIN
	DELETE FROM search_index WHERE rowid = 3298534883328 + old.id;
	INSERT INTO search_index(rowid, title, body, kind, task_id, report_id) VALUES (3298534883328 + new.id, new.title, '', 'report', NULL, new.id);
END;
--> statement-breakpoint
CREATE TRIGGER `search_reports_ad` AFTER DELETE ON `reports` BEGIN
	DELETE FROM search_index WHERE rowid = 3298534883328 + old.id;
END;
--> statement-breakpoint
-- what is already in the database
INSERT INTO search_index(rowid, title, body, kind, task_id, report_id) SELECT id, title, measures, 'task', id, NULL FROM tasks;
--> statement-breakpoint
INSERT INTO search_index(rowid, title, body, kind, task_id, report_id) SELECT 1099511627776 + id, '', text, 'problem', NULL, report_id FROM problems;
--> statement-breakpoint
INSERT INTO search_index(rowid, title, body, kind, task_id, report_id) SELECT 2199023255552 + id, '', text, 'event', task_id, NULL FROM task_events WHERE text <> '' AND kind NOT IN ('created', 'imported');
--> statement-breakpoint
INSERT INTO search_index(rowid, title, body, kind, task_id, report_id) SELECT 3298534883328 + id, title, '', 'report', NULL, id FROM reports;
