-- The people and units pages show on every request (names, paths, ratings, who is active) are
-- kept in memory (server/lib/directory.ts) until this counter moves. Triggers bump it in the
-- writing transaction, from this process or another, on any change to the unit tree or to a
-- person's name, role, unit or active flag. Sign-ins, password changes, reminder preferences and
-- every change to tasks leave it alone (stats_version, which tasks move all day, is another counter).
CREATE TABLE `directory_version` (
	`id` integer PRIMARY KEY NOT NULL CHECK (`id` = 1),
	`n` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `directory_version` (`id`, `n`) VALUES (1, 0);
--> statement-breakpoint
CREATE TRIGGER `dir_users_ai` AFTER INSERT ON `users` BEGIN
	UPDATE directory_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `dir_users_au` AFTER UPDATE ON `users`
WHEN old.name IS NOT new.name OR old.role IS NOT new.role OR old.unit_id IS NOT new.unit_id OR old.active IS NOT new.active BEGIN
	UPDATE directory_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `dir_users_ad` AFTER DELETE ON `users` BEGIN
	UPDATE directory_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `dir_units_ai` AFTER INSERT ON `units` BEGIN
	UPDATE directory_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `dir_units_au` AFTER UPDATE ON `units`
WHEN old.path IS NOT new.path OR old.parent_id IS NOT new.parent_id OR old.name IS NOT new.name OR old.rating IS NOT new.rating
	OR old.rating_year IS NOT new.rating_year OR old.require_signoff_check IS NOT new.require_signoff_check BEGIN
	UPDATE directory_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `dir_units_ad` AFTER DELETE ON `units` BEGIN
	UPDATE directory_version SET n = n + 1 WHERE id = 1;
END;
