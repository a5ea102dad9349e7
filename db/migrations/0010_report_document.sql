ALTER TABLE `reports` ADD `doc_title` text;--> statement-breakpoint
ALTER TABLE `reports` ADD `doc_addressee` text;--> statement-breakpoint
ALTER TABLE `units` ADD `report_addressee` text;