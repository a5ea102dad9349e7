-- 搜索按权限走索引 (issue 18): the bigram indexes of 0013 gain a `scope` column: who may see
-- the row, as tokens (scopeTokens, server/features/search/grams.ts, by the SQL function
-- search_scope that openDb registers): the task's unit and its ancestors (s<id>), the unit itself
-- (u<id>), owner (o<id>) and leader (l<id>); a note carries its task's; a problem or report the
-- s tokens of its report's unit. A leader's or staff member's search then asks the index for
-- the matches in their scope (scopeMatch) instead of walking everyone's newest matches: at a
-- ninth of the tasks in scope, 200 ranked hits took a walk of 1,800 matches a kind.
-- Kept in step by the same transactions as the texts: a task's re-index when its unit, owner or
-- leader changes (with its notes), a report's when its unit changes (with its problems), and
-- every row of a unit when the unit moves (its path changes; a subtree's move updates each of
-- its units' paths, so each unit's rows are re-indexed by its own trigger).
DROP TRIGGER IF EXISTS `search_tasks_bi_ai`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `search_tasks_bi_au`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `search_problems_bi_ai`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `search_problems_bi_au`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `search_events_bi_ai`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `search_events_bi_au`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `search_reports_bi_ai`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `search_reports_bi_au`;
--> statement-breakpoint
DROP TABLE `search_tasks_bi`;
--> statement-breakpoint
DROP TABLE `search_problems_bi`;
--> statement-breakpoint
DROP TABLE `search_events_bi`;
--> statement-breakpoint
DROP TABLE `search_reports_bi`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_tasks_bi` USING fts5(title, body, scope, content = '', contentless_delete = 1, tokenize = 'ascii', prefix = '6');
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_problems_bi` USING fts5(body, scope, content = '', contentless_delete = 1, tokenize = 'ascii', prefix = '6');
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_events_bi` USING fts5(body, scope, content = '', contentless_delete = 1, tokenize = 'ascii', prefix = '6');
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_reports_bi` USING fts5(title, scope, content = '', contentless_delete = 1, tokenize = 'ascii', prefix = '6');
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
	INSERT INTO search_tasks_bi(rowid, title, body, scope) SELECT new.id, search_grams(new.title), search_grams(new.measures), search_scope(u.path, new.unit_id, new.owner_id, new.leader_id) FROM units u WHERE u.id = new.unit_id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_tasks_bi_au` AFTER UPDATE OF title, measures, unit_id, owner_id, leader_id ON `tasks`
WHEN old.title IS NOT new.title OR old.measures IS NOT new.measures OR old.unit_id IS NOT new.unit_id OR old.owner_id IS NOT new.owner_id OR old.leader_id IS NOT new.leader_id BEGIN
	DELETE FROM search_tasks_bi WHERE rowid = old.id;
	INSERT INTO search_tasks_bi(rowid, title, body, scope) SELECT new.id, search_grams(new.title), search_grams(new.measures), search_scope(u.path, new.unit_id, new.owner_id, new.leader_id) FROM units u WHERE u.id = new.unit_id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_tasks_bi_scope_au` AFTER UPDATE OF unit_id, owner_id, leader_id ON `tasks`
WHEN old.unit_id IS NOT new.unit_id OR old.owner_id IS NOT new.owner_id OR old.leader_id IS NOT new.leader_id BEGIN
	DELETE FROM search_events_bi WHERE rowid IN (SELECT e.id FROM task_events e WHERE e.task_id = new.id AND e.text <> '' AND e.kind NOT IN ('created', 'imported'));
	INSERT INTO search_events_bi(rowid, body, scope) SELECT e.id, search_grams(e.text), search_scope(u.path, new.unit_id, new.owner_id, new.leader_id) FROM task_events e JOIN units u ON u.id = new.unit_id WHERE e.task_id = new.id AND e.text <> '' AND e.kind NOT IN ('created', 'imported');
END;
--> statement-breakpoint
CREATE TRIGGER `search_problems_bi_ai` AFTER INSERT ON `problems` BEGIN
	INSERT INTO search_problems_bi(rowid, body, scope) SELECT new.id, search_grams(new.text), search_scope(u.path, NULL, NULL, NULL) FROM reports r JOIN units u ON u.id = r.unit_id WHERE r.id = new.report_id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_problems_bi_au` AFTER UPDATE OF text, report_id ON `problems` WHEN old.text IS NOT new.text OR old.report_id IS NOT new.report_id BEGIN
	DELETE FROM search_problems_bi WHERE rowid = old.id;
	INSERT INTO search_problems_bi(rowid, body, scope) SELECT new.id, search_grams(new.text), search_scope(u.path, NULL, NULL, NULL) FROM reports r JOIN units u ON u.id = r.unit_id WHERE r.id = new.report_id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_events_bi_ai` AFTER INSERT ON `task_events` WHEN new.text <> '' AND new.kind NOT IN ('created', 'imported') BEGIN
	INSERT INTO search_events_bi(rowid, body, scope) SELECT new.id, search_grams(new.text), search_scope(u.path, t.unit_id, t.owner_id, t.leader_id) FROM tasks t JOIN units u ON u.id = t.unit_id WHERE t.id = new.task_id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_events_bi_au` AFTER UPDATE OF text, kind, task_id ON `task_events` WHEN old.text IS NOT new.text OR old.kind IS NOT new.kind OR old.task_id IS NOT new.task_id BEGIN
	DELETE FROM search_events_bi WHERE rowid = old.id;
	INSERT INTO search_events_bi(rowid, body, scope) SELECT new.id, search_grams(new.text), search_scope(u.path, t.unit_id, t.owner_id, t.leader_id) FROM tasks t JOIN units u ON u.id = t.unit_id WHERE t.id = new.task_id AND new.text <> '' AND new.kind NOT IN ('created', 'imported');
END;
--> statement-breakpoint
CREATE TRIGGER `search_reports_bi_ai` AFTER INSERT ON `reports` BEGIN
	INSERT INTO search_reports_bi(rowid, title, scope) SELECT new.id, search_grams(new.title), search_scope(u.path, NULL, NULL, NULL) FROM units u WHERE u.id = new.unit_id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_reports_bi_au` AFTER UPDATE OF title, unit_id ON `reports` WHEN old.title IS NOT new.title OR old.unit_id IS NOT new.unit_id BEGIN
	DELETE FROM search_reports_bi WHERE rowid = old.id;
	INSERT INTO search_reports_bi(rowid, title, scope) SELECT new.id, search_grams(new.title), search_scope(u.path, NULL, NULL, NULL) FROM units u WHERE u.id = new.unit_id;
	DELETE FROM search_problems_bi WHERE old.unit_id IS NOT new.unit_id AND rowid IN (SELECT p.id FROM problems p WHERE p.report_id = new.id);
	INSERT INTO search_problems_bi(rowid, body, scope) SELECT p.id, search_grams(p.text), search_scope(u.path, NULL, NULL, NULL) FROM problems p JOIN units u ON u.id = new.unit_id WHERE old.unit_id IS NOT new.unit_id AND p.report_id = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `search_units_scope_au` AFTER UPDATE OF path ON `units` WHEN old.path IS NOT new.path BEGIN
	DELETE FROM search_tasks_bi WHERE rowid IN (SELECT t.id FROM tasks t WHERE t.unit_id = new.id);
	INSERT INTO search_tasks_bi(rowid, title, body, scope) SELECT t.id, search_grams(t.title), search_grams(t.measures), search_scope(new.path, t.unit_id, t.owner_id, t.leader_id) FROM tasks t WHERE t.unit_id = new.id;
	DELETE FROM search_events_bi WHERE rowid IN (SELECT e.id FROM tasks t JOIN task_events e ON e.task_id = t.id WHERE t.unit_id = new.id AND e.text <> '' AND e.kind NOT IN ('created', 'imported'));
	INSERT INTO search_events_bi(rowid, body, scope) SELECT e.id, search_grams(e.text), search_scope(new.path, t.unit_id, t.owner_id, t.leader_id) FROM tasks t JOIN task_events e ON e.task_id = t.id WHERE t.unit_id = new.id AND e.text <> '' AND e.kind NOT IN ('created', 'imported');
	DELETE FROM search_reports_bi WHERE rowid IN (SELECT r.id FROM reports r WHERE r.unit_id = new.id);
	INSERT INTO search_reports_bi(rowid, title, scope) SELECT r.id, search_grams(r.title), search_scope(new.path, NULL, NULL, NULL) FROM reports r WHERE r.unit_id = new.id;
	DELETE FROM search_problems_bi WHERE rowid IN (SELECT p.id FROM reports r JOIN problems p ON p.report_id = r.id WHERE r.unit_id = new.id);
	INSERT INTO search_problems_bi(rowid, body, scope) SELECT p.id, search_grams(p.text), search_scope(new.path, NULL, NULL, NULL) FROM reports r JOIN problems p ON p.report_id = r.id WHERE r.unit_id = new.id;
END;
--> statement-breakpoint
INSERT INTO search_tasks_bi(rowid, title, body, scope) SELECT t.id, search_grams(t.title), search_grams(t.measures), search_scope(u.path, t.unit_id, t.owner_id, t.leader_id) FROM tasks t CROSS JOIN units u ON u.id = t.unit_id;
--> statement-breakpoint
INSERT INTO search_problems_bi(rowid, body, scope) SELECT p.id, search_grams(p.text), search_scope(u.path, NULL, NULL, NULL) FROM problems p CROSS JOIN reports r ON r.id = p.report_id CROSS JOIN units u ON u.id = r.unit_id;
--> statement-breakpoint
INSERT INTO search_events_bi(rowid, body, scope) SELECT e.id, search_grams(e.text), search_scope(u.path, t.unit_id, t.owner_id, t.leader_id) FROM task_events e CROSS JOIN tasks t ON t.id = e.task_id CROSS JOIN units u ON u.id = t.unit_id WHERE e.text <> '' AND e.kind NOT IN ('created', 'imported');
--> statement-breakpoint
INSERT INTO search_reports_bi(rowid, title, scope) SELECT r.id, search_grams(r.title), search_scope(u.path, NULL, NULL, NULL) FROM reports r CROSS JOIN units u ON u.id = r.unit_id;
