-- The overview's snapshot brought up to date by unit (issue 18): the units whose figures a
-- write changes, noted by triggers in the writing transaction beside stats_version's (0003).
-- A snapshot remembers the last seq it has taken in and, when stats_version moves, reads again
-- only the units noted since; unit_id 0 says the unit tree itself changed (everything again).
-- The nightly maintenance keeps the newest 200,000 rows.
CREATE TABLE `stats_changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`unit_id` integer NOT NULL
);
--> statement-breakpoint
CREATE TRIGGER `changes_tasks_ai` AFTER INSERT ON `tasks` BEGIN
	INSERT INTO stats_changes (unit_id) VALUES (new.unit_id);
END;
--> statement-breakpoint
CREATE TRIGGER `changes_tasks_au` AFTER UPDATE ON `tasks`
WHEN old.state IS NOT new.state OR old.deadline IS NOT new.deadline OR old.deadline_kind IS NOT new.deadline_kind
	OR old.unit_id IS NOT new.unit_id OR old.signed_off_at IS NOT new.signed_off_at OR old.problem_id IS NOT new.problem_id
	OR old.created_at IS NOT new.created_at BEGIN
	INSERT INTO stats_changes (unit_id) VALUES (new.unit_id);
	INSERT INTO stats_changes (unit_id) SELECT old.unit_id WHERE old.unit_id <> new.unit_id;
END;
--> statement-breakpoint
CREATE TRIGGER `changes_tasks_ad` AFTER DELETE ON `tasks` BEGIN
	INSERT INTO stats_changes (unit_id) VALUES (old.unit_id);
END;
--> statement-breakpoint
CREATE TRIGGER `changes_problems_au` AFTER UPDATE ON `problems` WHEN old.category IS NOT new.category BEGIN
	INSERT INTO stats_changes (unit_id) SELECT unit_id FROM tasks WHERE problem_id = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `changes_units_ai` AFTER INSERT ON `units` BEGIN
	INSERT INTO stats_changes (unit_id) VALUES (0);
END;
--> statement-breakpoint
CREATE TRIGGER `changes_units_au` AFTER UPDATE ON `units`
WHEN old.path IS NOT new.path OR old.parent_id IS NOT new.parent_id OR old.name IS NOT new.name OR old.rating IS NOT new.rating BEGIN
	INSERT INTO stats_changes (unit_id) VALUES (0);
END;
--> statement-breakpoint
CREATE TRIGGER `changes_units_ad` AFTER DELETE ON `units` BEGIN
	INSERT INTO stats_changes (unit_id) VALUES (0);
END;
--> statement-breakpoint
-- the settings (黄灯天数, 整改期截止) are kept in memory under directory_version (admin/settings.ts):
-- any change of them moves it, however it is written
CREATE TRIGGER `directory_settings_ai` AFTER INSERT ON `settings` BEGIN
	UPDATE directory_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `directory_settings_au` AFTER UPDATE ON `settings` BEGIN
	UPDATE directory_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `directory_settings_ad` AFTER DELETE ON `settings` BEGIN
	UPDATE directory_version SET n = n + 1 WHERE id = 1;
END;
