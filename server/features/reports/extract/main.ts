// node --import tsx server/features/reports/extract/main.ts FILE
// Prints the problems, causes and measures of a report file as JSON.
import { extractFileToJson } from "./file.ts";
import { ReportFileError } from "./read-file.ts";

const file = process.argv[2];
if (!file) {
  process.stderr.write("用法: main.ts 文件\n");
  process.exit(2);
}
try {
  process.stdout.write(JSON.stringify(await extractFileToJson(file), null, 2) + "\n");
} catch (e) {
  if (e instanceof ReportFileError) {
    process.stderr.write(e.message + "\n");
    process.exit(1);
  }
  throw e;
}
