// A report file → the JSON the command line prints: title, problems, causes, measures.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { extractReport } from "./index.ts";
import { readReportFile } from "./read-file.ts";

export async function extractFileToJson(path: string): Promise<object> {
  const buf = await readFile(path);
  const { text } = await readReportFile(buf, basename(path));
  const r = extractReport(text);
  return {
    title: r.title,
    problems: r.problems.map((p) => ({ category: p.category, text: p.text })),
    causes: r.causes.map((c) => ({ category: c.category, text: c.text })),
    measures: r.measures.map((m) => ({ text: m.text })),
    ...(r.notice ? { notice: r.notice } : {}),
  };
}
