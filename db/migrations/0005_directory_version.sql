-- People as pages show them (name, role, unit, active) join the things stats_version counts, so
-- the in-memory directory (server/lib/directory.ts) is rebuilt after any such change, made by
-- this process or another. Sign-ins, password changes and reminder preferences do not count.
-- (A unit's rating year and sign-off check join the unit changes counted at the end of this file.)
CREATE TRIGGER `stats_users_ai` AFTER INSERT ON `users` BEGIN
	UPDATE stats_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `stats_users_au` AFTER UPDATE ON `users`
WHEN old.name IS NOT new.name OR old.role IS NOT new.role OR old.unit_id IS NOT new.unit_id OR old.active IS NOT new.active BEGIN
	UPDATE stats_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `stats_users_ad` AFTER DELETE ON `users` BEGIN
	UPDATE stats_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
-- the directory also carries a unit's rating year (the task page shows it) and whether its
-- sign-offs need a check (the task page's verbs read it): count their changes too
DROP TRIGGER `stats_units_au`;
--> statement-breakpoint
CREATE TRIGGER `stats_units_au` AFTER UPDATE ON `units`
WHEN old.path IS NOT new.path OR old.parent_id IS NOT new.parent_id OR old.name IS NOT new.name OR old.rating IS NOT new.rating
	OR old.rating_year IS NOT new.rating_year OR old.require_signoff_check IS NOT new.require_signoff_check BEGIN
	UPDATE stats_version SET n = n + 1 WHERE id = 1;
END;
