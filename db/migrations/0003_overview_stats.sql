-- 首页 figures (issue 7): a change counter that the database bumps, by trigger, in the same
-- transaction as any write that can change an overview figure (a task's state, deadline, unit,
-- sign-off or problem; a problem's category; the unit tree or a unit's rating). The overview
-- keeps its roll-up as a snapshot keyed by (this counter, today) and recomputes only when
-- either moves, so a page read costs one tiny SELECT, and a write from any process (the CLI,
-- another server) is seen at once.
CREATE TABLE `stats_version` (
	`id` integer PRIMARY KEY NOT NULL CHECK (`id` = 1),
	`n` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `stats_version` (`id`, `n`) VALUES (1, 0);
--> statement-breakpoint
CREATE TRIGGER `stats_tasks_ai` AFTER INSERT ON `tasks` BEGIN
	UPDATE stats_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `stats_tasks_au` AFTER UPDATE ON `tasks`
WHEN old.state IS NOT new.state OR old.deadline IS NOT new.deadline OR old.deadline_kind IS NOT new.deadline_kind
	OR old.unit_id IS NOT new.unit_id OR old.signed_off_at IS NOT new.signed_off_at OR old.problem_id IS NOT new.problem_id
	OR old.created_at IS NOT new.created_at BEGIN
	UPDATE stats_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `stats_tasks_ad` AFTER DELETE ON `tasks` BEGIN
	UPDATE stats_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `stats_problems_au` AFTER UPDATE OF category ON `problems` WHEN old.category IS NOT new.category BEGIN
	UPDATE stats_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `stats_units_ai` AFTER INSERT ON `units` BEGIN
	UPDATE stats_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `stats_units_au` AFTER UPDATE ON `units`
WHEN old.path IS NOT new.path OR old.parent_id IS NOT new.parent_id OR old.name IS NOT new.name OR old.rating IS NOT new.rating BEGIN
	UPDATE stats_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `stats_units_ad` AFTER DELETE ON `units` BEGIN
	UPDATE stats_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
-- the overview's weekly chart reads sign-off moments by range
CREATE INDEX `tasks_signed_off_at_idx` ON `tasks` (`signed_off_at`) WHERE `signed_off_at` IS NOT NULL;
