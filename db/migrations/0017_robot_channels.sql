CREATE TABLE `robot_channels` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`unit_id` integer NOT NULL,
	`kind` text NOT NULL,
	`url_sealed` text NOT NULL,
	`url_hint` text NOT NULL,
	`secret_sealed` text,
	`message_kinds` text DEFAULT 'owner,escalation,digest' NOT NULL,
	`include_subunits` integer DEFAULT false NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`last_sent_at` text,
	`broken_at` text,
	`created_by` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `robot_channels_unit_idx` ON `robot_channels` (`unit_id`);--> statement-breakpoint
ALTER TABLE `reminder_log` ADD `channel_id` integer REFERENCES robot_channels(id);--> statement-breakpoint
ALTER TABLE `reminder_log` ADD `error_code` text;--> statement-breakpoint
CREATE INDEX `reminder_channel_idx` ON `reminder_log` (`channel_id`,`sent_at`);--> statement-breakpoint
ALTER TABLE `users` ADD `mobile` text;