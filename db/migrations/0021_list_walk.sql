-- Lists at a province's scale (issue 18). The list's order index now carries the columns of the
-- scopes and the unit filter (unit, owner, leader), so a list whose matches are many (a leader's
-- ninth of a million tasks, 后进支部, 逾期 in a leader's scope) is read by walking it and keeping
-- the matching entries, without a row read per entry (listTasks' walk); id named, so ties need no
-- sort. The expressions must stay those of LIST_ORDER in server/features/tasks/service.ts. (IF EXISTS /
-- IF NOT EXISTS: the statements can run again on a database that has them, should the migration be renumbered.)
DROP INDEX IF EXISTS `tasks_list_order_idx`;
--> statement-breakpoint
CREATE INDEX `tasks_list_order_idx` ON `tasks` (`state` = 'done', `deadline` IS NULL, `deadline`, `id`, `unit_id`, `owner_id`, `leader_id`);
--> statement-breakpoint
-- 我的任务 (and the owner filter) in the list's order: the page read in order, not 30,000 of one
-- owner's tasks sorted.
CREATE INDEX IF NOT EXISTS `tasks_owner_order_idx` ON `tasks` (`owner_id`, `state` = 'done', `deadline` IS NULL, `deadline`);
