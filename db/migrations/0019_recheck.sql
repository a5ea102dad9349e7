CREATE TABLE `recheck_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`task_id` integer NOT NULL,
	`round_id` integer,
	`due` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`note` text DEFAULT '' NOT NULL,
	`decided_by` integer,
	`decided_at` text,
	`event_id` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`task_id`) REFERENCES `tasks`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`round_id`) REFERENCES `recheck_rounds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`event_id`) REFERENCES `task_events`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `recheck_one_open_uq` ON `recheck_items` (`task_id`) WHERE status = 'open';--> statement-breakpoint
CREATE INDEX `recheck_items_task_idx` ON `recheck_items` (`task_id`,`id`);--> statement-breakpoint
CREATE INDEX `recheck_items_status_due_idx` ON `recheck_items` (`status`,`due`);--> statement-breakpoint
CREATE INDEX `recheck_items_round_idx` ON `recheck_items` (`round_id`,`status`);--> statement-breakpoint
CREATE TABLE `recheck_rounds` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`title` text NOT NULL,
	`unit_id` integer NOT NULL,
	`report_id` integer,
	`as_of` text NOT NULL,
	`due` text NOT NULL,
	`created_by` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`report_id`) REFERENCES `reports`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `recheck_rounds_unit_idx` ON `recheck_rounds` (`unit_id`,`id`);--> statement-breakpoint
ALTER TABLE `tasks` ADD `effect` text;--> statement-breakpoint
ALTER TABLE `tasks` ADD `rebound_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tasks` ADD `recurs_of_task_id` integer REFERENCES tasks(id);--> statement-breakpoint
ALTER TABLE `units` ADD `recheck_months` integer;--> statement-breakpoint
ALTER TABLE `units` ADD `recheck_ongoing_months` integer;