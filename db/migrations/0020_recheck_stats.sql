-- 回头看 figures on the overview (issue 19) are kept with the overview's snapshot under
-- stats_version: a 巩固 or a 反弹 moves no task counter, so recheck_items moves it itself.
CREATE TRIGGER `stats_recheck_items_ai` AFTER INSERT ON `recheck_items` BEGIN
	UPDATE stats_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `stats_recheck_items_au` AFTER UPDATE ON `recheck_items` BEGIN
	UPDATE stats_version SET n = n + 1 WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `stats_recheck_items_ad` AFTER DELETE ON `recheck_items` BEGIN
	UPDATE stats_version SET n = n + 1 WHERE id = 1;
END;
