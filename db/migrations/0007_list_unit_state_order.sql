-- The task list filtered by a unit and a state (a branch's 整改中, the commonest list) reads its
-- page in order from this index instead of sorting every matching task. The expressions must stay
-- those of LIST_ORDER_ONE_STATE in server/features/tasks/service.ts.
CREATE INDEX `tasks_unit_state_order_idx` ON `tasks` (`unit_id`, `state`, `deadline` IS NULL, `deadline`);
