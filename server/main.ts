// npm start: migrate, seed the demo on an empty database, listen, close gracefully.
import { loadConfig, ConfigError } from "./config.ts";
import { openDb, migrateDb } from "../db/client.ts";
import { checkSharedDataDir } from "./lib/data-dir.ts";
import { seedDemo, DEMO_ACCOUNTS, DEMO_PASSWORD } from "../db/seed.ts";
import { ROLE_LABEL } from "./features/auth/permissions.ts";
import { buildApp } from "./app.ts";
import { createMailer } from "./features/reminders/mailer.ts";
import { startReminderSchedule } from "./features/reminders/schedule.ts";
import { startMaintenanceSchedule } from "./lib/maintenance.ts";
import { startOverviewWarmer } from "./features/dashboard/warm.ts";

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const started = Date.now();
  checkSharedDataDir(config);
  const db = await openDb(config.database);
  await migrateDb(db);
  let seeded = false;
  if (config.seedDemo) seeded = await seedDemo(db, config);
  const app = await buildApp({ config, db });
  await app.listen({ port: config.port, host: config.host });
  const lines = [`整改台账已启动：${config.baseUrl}（数据库 ${config.databaseLabel}，用时 ${Date.now() - started} ms）`];
  if (seeded) {
    lines.push("已载入演示数据。演示账号（密码均为 " + DEMO_PASSWORD + "）：");
    for (const a of DEMO_ACCOUNTS) lines.push(`  ${a.email.padEnd(22)} ${a.name}（${ROLE_LABEL[a.role]}）`);
  } else if (!config.seedDemo) {
    lines.push("未载入演示数据（SEED_DEMO=0）。创建第一个管理员：npm run cli -- user add --email E --name N --role admin --unit UNIT --password P");
  }
  const mailer = createMailer(config);
  const schedule = config.remindCron === "off" ? null : startReminderSchedule({ db, config, mailer, log: app.log });
  lines.push(
    schedule
      ? `提醒邮件：${config.smtpUrl ? "经 SMTP 发送" : `写入发件箱 ${config.outboxDir}`}，下次运行 ${schedule.next()?.toLocaleString("zh-CN", { timeZone: config.timeZone }) ?? "—"}（${config.timeZone}）`
      : "提醒邮件：服务器内不定时发送（REMIND_CRON=off），请用 npm run cli -- remind 由系统定时任务运行",
  );
  const maintenance = config.maintenanceCron === "off" ? null : startMaintenanceSchedule({ db, config, log: app.log });
  // 首页's figures made at start and after each midnight, off the request path (on SQLite's reader thread)
  const warmer = startOverviewWarmer({ db, timeZone: config.timeZone, log: app.log });
  if (!maintenance) lines.push("数据库维护：服务器内不定时运行（MAINTENANCE_CRON=off），请用 npm run cli -- optimize 由系统定时任务每晚运行");
  console.log(lines.join("\n"));

  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, "closing");
    try {
      schedule?.stop();
      maintenance?.stop();
      warmer.stop();
      await app.close();
    } finally {
      mailer.close();
      await db.close();
      process.exit(0);
    }
  };
  process.on("SIGINT", () => void close("SIGINT"));
  process.on("SIGTERM", () => void close("SIGTERM"));
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error("启动失败：", err);
  process.exit(1);
});
