-- 安全审计: audit_log is append-only, enforced by the database itself, not by the app's good
-- manners. No row is ever updated; a row may be deleted only once it is older than 180 days (the
-- least retention a review accepts), which is what the nightly purge does (AUDIT_RETENTION_DAYS,
-- at least 180). Dropping these triggers takes a schema change, which only a migration makes.
CREATE TRIGGER `audit_log_no_update` BEFORE UPDATE ON `audit_log` BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_log_no_early_delete` BEFORE DELETE ON `audit_log`
WHEN old.at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-180 days') BEGIN
	SELECT RAISE(ABORT, 'audit_log rows are kept at least 180 days');
END;
