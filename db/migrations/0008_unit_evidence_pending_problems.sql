ALTER TABLE `problems` ADD `pending_json` text;--> statement-breakpoint
CREATE INDEX `problems_pending_idx` ON `problems` (`report_id`) WHERE pending_json IS NOT NULL;--> statement-breakpoint
ALTER TABLE `units` ADD `require_evidence` integer DEFAULT true NOT NULL;--> statement-breakpoint
-- The directory (server/lib/directory.ts) carries require_evidence: a change of it must renew the
-- directory like the other columns it reads (0005's trigger, rewritten with the new column).
DROP TRIGGER IF EXISTS `dir_units_au`;
--> statement-breakpoint
CREATE TRIGGER `dir_units_au` AFTER UPDATE ON `units`
WHEN old.path IS NOT new.path OR old.parent_id IS NOT new.parent_id OR old.name IS NOT new.name OR old.rating IS NOT new.rating
	OR old.rating_year IS NOT new.rating_year OR old.require_signoff_check IS NOT new.require_signoff_check
	OR old.require_evidence IS NOT new.require_evidence BEGIN
	UPDATE directory_version SET n = n + 1 WHERE id = 1;
END;
