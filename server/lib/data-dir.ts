// Evidence, report files and the outbox live in DATA_DIR. On PostgreSQL several servers share
// one database, so they must share DATA_DIR too (NFS, a shared volume): a file uploaded through
// one server is served by another. A server that cannot write there refuses to start rather
// than accept uploads that the others will never find.
import { accessSync, constants, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, type Config } from "../config.ts";

export function checkSharedDataDir(config: Pick<Config, "databaseUrl" | "dataDir">): void {
  if (!config.databaseUrl) return; // SQLite: the folder is made beside the database file as needed
  try {
    mkdirSync(config.dataDir, { recursive: true });
    accessSync(config.dataDir, constants.W_OK);
    const probe = join(config.dataDir, `.write-check-${process.pid}`);
    writeFileSync(probe, "");
    rmSync(probe);
  } catch (err) {
    throw new ConfigError(
      `数据目录不可写：${config.dataDir}（${(err as NodeJS.ErrnoException).code ?? String(err)}）。使用 PostgreSQL（DATABASE_URL）时，各服务器的 DATA_DIR 须指向同一个可写的共享目录（证据材料、报告文件都存放在这里）。`,
    );
  }
}
