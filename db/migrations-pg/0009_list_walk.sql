-- SQLite's 0021_list_walk: the list's order index carries the scopes' columns (unit, owner,
-- leader) for listTasks' walk, here as INCLUDE columns (an index-only walk where the visibility
-- map allows); 我的任务 in the list's order from an index of its own. The ORDER BY of LIST_ORDER
-- (server/features/tasks/service.ts) must match these exactly, NULLS FIRST included.
DROP INDEX IF EXISTS "tasks_list_order_idx";
--> statement-breakpoint
CREATE INDEX "tasks_list_order_idx" ON "tasks" (("state" = 'done'), ("deadline" IS NULL), "deadline" NULLS FIRST, "id") INCLUDE ("unit_id", "owner_id", "leader_id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "tasks_owner_order_idx" ON "tasks" ("owner_id", ("state" = 'done'), ("deadline" IS NULL), "deadline" NULLS FIRST, "id");
