-- Lists at a province's scale (issue 18). A list filtered by one state with no unit (全部单位的
-- 待整改, 待我销号) reads its page in order from this index instead of sorting every task in that
-- state; the expressions must stay those of LIST_ORDER_ONE_STATE in server/features/tasks/service.ts.
CREATE INDEX `tasks_state_order_idx` ON `tasks` (`state`, `deadline` IS NULL, `deadline`);
--> statement-breakpoint
-- The list's count (共 N 项) is kept per filter until stats_version moves (listTasks), so
-- stats_version must also move when a task's owner, leader or sign-off requester changes: the
-- scopes, 我的任务, the owner filter and 待我销号 read those. They change seldom (a reassignment,
-- a request for sign-off, which moves the state too).
DROP TRIGGER `stats_tasks_au`;
--> statement-breakpoint
CREATE TRIGGER `stats_tasks_au` AFTER UPDATE ON `tasks`
WHEN old.state IS NOT new.state OR old.deadline IS NOT new.deadline OR old.deadline_kind IS NOT new.deadline_kind
	OR old.unit_id IS NOT new.unit_id OR old.signed_off_at IS NOT new.signed_off_at OR old.problem_id IS NOT new.problem_id
	OR old.created_at IS NOT new.created_at
	OR old.owner_id IS NOT new.owner_id OR old.leader_id IS NOT new.leader_id OR old.signoff_requested_by IS NOT new.signoff_requested_by BEGIN
	UPDATE stats_version SET n = n + 1 WHERE id = 1;
END;
