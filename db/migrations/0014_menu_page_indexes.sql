CREATE INDEX `reminder_created_idx` ON `reminder_log` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `reports_imported_idx` ON `reports` (`imported_at`,`id`);