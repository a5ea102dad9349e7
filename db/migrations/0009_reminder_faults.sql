ALTER TABLE `reminder_log` ADD `claimed_at` text;--> statement-breakpoint
ALTER TABLE `reminder_log` ADD `retry_at` text;--> statement-breakpoint
ALTER TABLE `reminder_log` ADD `sent_to` text;--> statement-breakpoint
ALTER TABLE `reminder_log` ADD `acknowledged_at` text;--> statement-breakpoint
ALTER TABLE `reminder_log` ADD `acknowledged_by` integer REFERENCES users(id);