CREATE TABLE `import_drafts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`unit_id` integer NOT NULL,
	`title` text NOT NULL,
	`original_name` text,
	`format` text NOT NULL,
	`stored_file` text,
	`sha256` text,
	`full_text` text NOT NULL,
	`sections_json` text DEFAULT '[]' NOT NULL,
	`measures_json` text DEFAULT '[]' NOT NULL,
	`items_json` text DEFAULT '[]' NOT NULL,
	`notice` text,
	`status` text DEFAULT 'open' NOT NULL,
	`report_id` integer,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`report_id`) REFERENCES `reports`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `import_drafts_user_idx` ON `import_drafts` (`user_id`,`status`);