-- SQLite's 0024_review_count: 待我销号 (its page in the list's order for one state, and its count)
-- from one index over the tasks waiting for sign-off alone, the filter's and scopes' columns INCLUDEd.
CREATE INDEX IF NOT EXISTS "tasks_review_idx" ON "tasks" ("state", ("deadline" IS NULL), "deadline" NULLS FIRST, "id") INCLUDE ("signoff_requested_by", "unit_id", "owner_id", "leader_id") WHERE "state" = 'review';
