// One command line: npm run cli -- <command>. Errors are clear and exit non-zero.
import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadConfig, ConfigError, type Config } from "./config.ts";
import { openDb, migrateDb, isPostgresUrl, type Db } from "../db/client.ts";
import { seedDemo, DEMO_ACCOUNTS, DEMO_PASSWORD } from "../db/seed.ts";
import { createUser, unitByCode, createUnit } from "./features/admin/service.ts";
import { DomainError } from "./lib/errors.ts";
import { isIsoDay } from "./lib/dates.ts";
import { checkSharedDataDir } from "./lib/data-dir.ts";

const USAGE = `用法：npm run cli -- <命令>
  migrate                              应用数据库迁移
  seed-demo                            在空数据库中载入演示数据
  user add --email E --name N --role admin|leader|staff --unit UNIT --password P
                                       新增账号（UNIT 为单位代码；数据库中还没有单位时，
                                       --unit 会新建这个顶层单位，--unit-name 可给出名称）
  backup FILE                          在线备份正在使用的 SQLite 数据库到 FILE（PostgreSQL 请用 pg_dump，本命令会给出命令行）
  copy-to-postgres --to URL            把本机 SQLite 数据库的全部数据复制到一个空的 PostgreSQL 数据库，
                                       两边逐表核对行数后才报告完成
  optimize                             数据库维护：合并全文搜索索引的分段、更新查询统计（服务器每晚按 MAINTENANCE_CRON 自动运行，批量导入后也可手动运行）
  extract FILE                         解析自查报告（.docx/.doc/.txt），输出 JSON
  remind [--dry-run] [--date YYYY-MM-DD]
                                       发送今天（或给定日期）的提醒邮件；--dry-run 只列出将发送的邮件
  channel add --unit CODE --kind wecom|dingtalk|feishu|webhook --url URL [--secret S]
              [--kinds owner,escalation,digest] [--subunits]
                                       为单位添加群机器人（企业微信、钉钉、飞书或通用 Webhook）；地址须为
                                       https:// 公网地址（CHANNEL_ALLOW_PRIVATE=1 时也允许本机或内网地址）
  channel list                         列出群机器人（地址隐去密钥部分，密钥不显示）
  channel test ID                      向群机器人发送一条测试消息，显示平台的回答
  export ledger [--report ID | --unit CODE] [--as-of YYYY-MM-DD] --out F.xlsx
                                       导出整改台账（不给 --report/--unit 时为全部任务）
  export report --report ID [--as-of YYYY-MM-DD] [--to 主送机关] [--original] --out F.docx
                                       导出整改情况报告（公文格式；--to 设定并记住主送机关，
                                       --original 导出整改措施已更新的自查报告原文）
  import units FILE [--dry-run] [--skip-bad]
  import people FILE [--dry-run] [--skip-bad]
  import ledger FILE --unit CODE [--report ID] [--dry-run] [--skip-bad]
                                       迁入导入组织架构、人员名单、在办整改台账（.xlsx/.xls/.et/.csv）：
                                       打印新增/更新/未变/不能导入及原因；有不能导入的行时退出码为 1
                                       且不写入（--skip-bad 只导入其余各行）；--dry-run 不写入
  recheck start (--report ID | --unit CODE) --due YYYY-MM-DD [--as-of YYYY-MM-DD]
                                       开展一轮回头看：报告（或单位及其下级单位）中在截至日期（默认今天）
                                       之前已销号的任务，须在 --due 之前完成回头看（以第一个系统管理员的名义）`;

class CliError extends Error {}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

async function open(config: Config): Promise<Db> {
  if (!config.databaseUrl && config.databaseFile !== ":memory:" && !existsSync(config.databaseFile) && NEEDS_DATA.has(currentCmd)) throw new CliError(`数据库不存在：${config.databaseFile}`);
  checkSharedDataDir(config);
  const db = await openDb(config.database);
  await migrateDb(db);
  return db;
}

/** commands that read an installation's data: on SQLite the file must exist (no empty one is made) */
const NEEDS_DATA = new Set(["export", "backup"]);
let currentCmd = "";

async function run(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "help" || cmd === "--help") {
    console.log(USAGE);
    return;
  }
  if (cmd === "extract") {
    const file = rest[0];
    if (!file) throw new CliError("请给出要解析的文件：npm run cli -- extract FILE");
    if (!existsSync(file)) throw new CliError(`文件不存在：${file}`);
    const { extractFileToJson } = await import("./features/reports/extract/file.ts");
    process.stdout.write(JSON.stringify(await extractFileToJson(file), null, 2) + "\n");
    return;
  }
  const config = loadConfig();
  currentCmd = cmd;
  switch (cmd) {
    case "migrate": {
      const db = await open(config);
      await db.close();
      console.log(`数据库已是最新：${config.databaseLabel}`);
      return;
    }
    case "seed-demo": {
      const db = await open(config);
      const done = await seedDemo(db, config);
      await db.close();
      if (!done) throw new CliError("数据库中已有账号，未载入演示数据（演示数据只载入空数据库）");
      console.log(`已载入演示数据。演示账号密码均为 ${DEMO_PASSWORD}：${DEMO_ACCOUNTS.map((a) => a.email).join("、")}`);
      return;
    }
    case "user": {
      const [sub, ...args] = rest;
      if (sub !== "add") throw new CliError("未知的 user 子命令。用法：user add --email E --name N --role R --unit UNIT --password P");
      const { values } = parseArgs({ args, options: { email: { type: "string" }, name: { type: "string" }, role: { type: "string" }, unit: { type: "string" }, "unit-name": { type: "string" }, password: { type: "string" } }, strict: true });
      for (const k of ["email", "name", "role", "unit", "password"] as const) if (!values[k]) throw new CliError(`缺少 --${k}`);
      const db = await open(config);
      try {
        let unit = await unitByCode(db, values.unit!);
        if (!unit) {
          const units = (await db.value<number>("SELECT count(*) FROM units"))!;
          if (units > 0) throw new CliError(`单位代码不存在：${values.unit}`);
          const id = await createUnit(db, { code: values.unit!, name: values["unit-name"] ?? values.unit!, kind: "committee", parentId: null });
          unit = (await unitByCode(db, values.unit!))!;
          console.log(`已新建顶层单位 ${unit.name}（${unit.code}，#${id}）`);
        }
        const id = await createUser(db, { email: values.email!, name: values.name!, role: values.role!, unitId: unit.id, password: values.password! });
        console.log(`已新增账号 #${id} ${values.email}（${values.role}，${unit.name}）`);
      } finally {
        await db.close();
      }
      return;
    }
    case "backup": {
      const target = rest[0];
      if (!target) throw new CliError("请给出备份文件：npm run cli -- backup FILE");
      if (config.databaseUrl) {
        // PostgreSQL keeps its own backups: pg_dump (or the database's replicas and PITR)
        console.log(
          [
            "当前使用 PostgreSQL（DATABASE_URL），请用 PostgreSQL 自带的 pg_dump 备份，例如：",
            `  pg_dump --format=custom --file=${shellQuote(target)} ${shellQuote(config.databaseLabel)}`,
            "（连接串中的密码请经 PGPASSWORD 或 ~/.pgpass 提供；恢复用 pg_restore。）",
            `证据材料与报告文件在数据目录 ${config.dataDir}，请一并备份该目录。`,
          ].join("\n"),
        );
        return;
      }
      if (existsSync(target)) throw new CliError(`备份文件已存在，不会覆盖：${target}`);
      if (!existsSync(config.databaseFile)) throw new CliError(`数据库不存在：${config.databaseFile}`);
      const db = await openDb(config.databaseFile);
      try {
        await db.backup(resolve(target));
      } finally {
        await db.close();
      }
      console.log(`已备份到 ${resolve(target)}（证据文件在 ${config.evidenceDir}，请一并备份该目录）`);
      return;
    }
    case "optimize": {
      const { maintain } = await import("./lib/maintenance.ts");
      const db = await open(config);
      try {
        const t0 = Date.now();
        const steps = await maintain(db, { auditRetentionDays: config.auditRetentionDays });
        const { SEARCH_TABLES } = await import("./features/search/service.ts");
        const indexes = steps.filter((s) => SEARCH_TABLES.includes(s)).length;
        console.log(`已完成数据库维护：合并全文搜索索引（${indexes} 个索引），更新查询统计，清理超过 ${config.auditRetentionDays} 天的审计日志和总览的旧变更记录，用时 ${Date.now() - t0} ms`);
      } finally {
        await db.close();
      }
      return;
    }
    case "copy-to-postgres": {
      const { values } = parseArgs({ args: rest, options: { to: { type: "string" } }, strict: true });
      if (!values.to) throw new CliError("缺少 --to（目标 PostgreSQL 连接串，如 postgres://rectify@db.example.org/rectify）");
      if (!isPostgresUrl(values.to)) throw new CliError(`--to 应为 postgres:// 连接串：${values.to}`);
      if (config.databaseUrl) throw new CliError("copy-to-postgres 从 SQLite 数据库复制：请去掉 DATABASE_URL，用 DATABASE_FILE 指向要复制的 SQLite 文件");
      if (!existsSync(config.databaseFile)) throw new CliError(`数据库不存在：${config.databaseFile}`);
      const { copyToPostgres } = await import("../db/copy.ts");
      const lines = await copyToPostgres(config.databaseFile, values.to, (line) => console.log(line));
      console.log(lines);
      return;
    }
    case "remind": {
      const { values } = parseArgs({ args: rest, options: { "dry-run": { type: "boolean" }, date: { type: "string" } }, strict: true });
      if (values.date !== undefined && !isIsoDay(values.date)) throw new CliError(`日期无效：${values.date}（应为 YYYY-MM-DD，如 2026-11-23）`);
      const { runReminders } = await import("./features/reminders/send.ts");
      const { createMailer } = await import("./features/reminders/mailer.ts");
      const { summarize } = await import("./features/reminders/summary.ts");
      const db = await open(config);
      const mailer = createMailer(config);
      try {
        const dry = !!values["dry-run"];
        const report = await runReminders({ db, config, mailer, now: new Date(), today: values.date, dryRun: dry });
        const where = mailer.kind === "smtp" ? "经 SMTP 发送" : `写入发件箱 ${config.outboxDir}`;
        const { lines, exitCode } = summarize(report, { dryRun: dry, where, timeZone: config.timeZone });
        console.log(lines.join("\n"));
        if (exitCode) process.exitCode = exitCode;
      } finally {
        mailer.close();
        await db.close();
      }
      return;
    }
    case "channel": {
      const [sub, ...args] = rest;
      const { runChannelCommand } = await import("./features/channels/cli.ts");
      const db = await open(config);
      try {
        const out = await runChannelCommand(db, config, sub, args);
        console.log(out.lines.join("\n"));
        if (out.exitCode) process.exitCode = out.exitCode;
      } finally {
        await db.close();
      }
      return;
    }
    case "export": {
      const [sub, ...args] = rest;
      if (sub !== "ledger" && sub !== "report") throw new CliError("未知的 export 子命令。用法：export ledger … 或 export report …");
      const { values } = parseArgs({ args, options: { report: { type: "string" }, unit: { type: "string" }, "as-of": { type: "string" }, out: { type: "string" }, to: { type: "string" }, original: { type: "boolean" } }, strict: true });
      if (!values.out) throw new CliError(`缺少 --out（输出文件，如 ${sub === "ledger" ? "台账.xlsx" : "整改情况报告.docx"}）`);
      const want = sub === "ledger" ? ".xlsx" : ".docx";
      if (!values.out.toLowerCase().endsWith(want)) throw new CliError(`--out 应为 ${want} 文件：${values.out}`);
      if (values.report !== undefined && !/^[1-9]\d*$/.test(values.report)) throw new CliError(`报告编号无效：${values.report}`);
      if (sub === "report" && !values.report) throw new CliError("缺少 --report（报告编号）");
      if (sub === "report" && values.unit) throw new CliError("export report 不接受 --unit");
      if (values.report && values.unit) throw new CliError("--report 与 --unit 只能给出一个");
      if (sub === "ledger" && (values.to !== undefined || values.original)) throw new CliError("export ledger 不接受 --to 或 --original");
      if (values.original && values.to !== undefined) throw new CliError("--original 导出的是自查报告原文，没有主送机关，不接受 --to");
      const { exportLedgerFile, exportReportFile } = await import("./features/ledger/export.ts");
      const db = await open(config);
      try {
        const r =
          sub === "ledger"
            ? await exportLedgerFile(db, config, { report: values.report ? Number(values.report) : undefined, unitCode: values.unit, asOf: values["as-of"], out: values.out })
            : await exportReportFile(db, config, { report: Number(values.report), asOf: values["as-of"], out: values.out, original: values.original, to: values.to });
        console.log(r);
      } finally {
        await db.close();
      }
      return;
    }
    case "import": {
      const [sub, file, ...args] = rest;
      if (sub !== "units" && sub !== "people" && sub !== "ledger") throw new CliError("未知的 import 子命令。用法：import units FILE、import people FILE 或 import ledger FILE --unit CODE");
      if (!file || file.startsWith("--")) throw new CliError(`请给出要导入的文件：npm run cli -- import ${sub} FILE`);
      const { values } = parseArgs({ args, options: { "dry-run": { type: "boolean" }, "skip-bad": { type: "boolean" }, unit: { type: "string" }, report: { type: "string" } }, strict: true });
      if (sub !== "ledger" && (values.unit !== undefined || values.report !== undefined)) throw new CliError(`import ${sub} 不接受 --unit 或 --report`);
      if (values.report !== undefined && !/^[1-9]\d*$/.test(values.report)) throw new CliError(`报告编号无效：${values.report}`);
      const { importCommand, ImportCliError } = await import("./features/movein/cli.ts");
      const db = await open(config);
      try {
        const r = await importCommand(db, config, { kind: sub, file, unit: values.unit, report: values.report ? Number(values.report) : undefined, dryRun: !!values["dry-run"], skipBad: !!values["skip-bad"] });
        console.log(r.lines.join("\n"));
        if (r.exitCode) process.exitCode = r.exitCode;
      } catch (e) {
        if (e instanceof ImportCliError) throw new CliError(e.message);
        throw e;
      } finally {
        await db.close();
      }
      return;
    }
    case "recheck": {
      const [sub, ...args] = rest;
      if (sub !== "start") throw new CliError("未知的 recheck 子命令。用法：recheck start (--report ID | --unit CODE) --due YYYY-MM-DD");
      const { values } = parseArgs({ args, options: { report: { type: "string" }, unit: { type: "string" }, due: { type: "string" }, "as-of": { type: "string" } }, strict: true });
      if (!values.report === !values.unit) throw new CliError("请给出 --report（报告编号）或 --unit（单位代码）中的一个");
      if (values.report !== undefined && !/^[1-9]\d*$/.test(values.report)) throw new CliError(`报告编号无效：${values.report}`);
      if (!values.due || !isIsoDay(values.due)) throw new CliError(`--due 应为完成期限 YYYY-MM-DD，如 2027-03-31${values.due ? `（收到：${values.due}）` : ""}`);
      if (values["as-of"] !== undefined && !isIsoDay(values["as-of"])) throw new CliError(`--as-of 日期无效：${values["as-of"]}`);
      const { startRound } = await import("./features/recheck/service.ts");
      const { dayIn, cnDate } = await import("./lib/dates.ts");
      const db = await open(config);
      try {
        // the round is started in the name of the first active 系统管理员
        const admin = await db.get<{ id: number; unitId: number; path: string }>(`SELECT users.id, users.unit_id AS "unitId", units.path FROM users JOIN units ON units.id = users.unit_id WHERE users.role = 'admin' AND users.active = 1 ORDER BY users.id LIMIT 1`);
        if (!admin) throw new CliError("没有在用的系统管理员账号，请先用 user add 新增一个");
        const now = new Date();
        const c = { db, actor: { id: admin.id, role: "admin" as const, unitId: admin.unitId, unitPath: admin.path }, now, today: dayIn(config.timeZone, now) };
        const r = await startRound(c, values.report ? { reportId: Number(values.report) } : { unitCode: values.unit }, values.due, values["as-of"]);
        console.log(`已开展回头看（第 ${r.roundId} 轮）：${r.count} 项已销号任务，须在${cnDate(values.due)}前完成回头看`);
      } finally {
        await db.close();
      }
      return;
    }
    default:
      throw new CliError(`未知命令：${cmd}\n${USAGE}`);
  }
}

run(process.argv.slice(2)).then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    // a refused file or a bad value: its Chinese message alone, no stack (ReportFileError is loaded lazily, so by name)
    if (err instanceof CliError || err instanceof ConfigError || err instanceof DomainError || err?.name === "ReportFileError") console.error("错误：" + err.message);
    else if (err?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" || err?.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") console.error("错误：" + err.message + "\n" + USAGE);
    else console.error("错误：", err);
    process.exit(1);
  },
);
