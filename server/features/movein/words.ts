// What an office's spreadsheets say in words, read into the app's values: deadlines
// (2026年6月底前, 12月底, 立行立改, 长期坚持), 完成情况 (已销号, 正在整改 …), unit kinds, ratings,
// roles from 职务, and units' names in their short forms. Pure.
import type { Role } from "../auth/permissions.ts";
import type { Rating, UnitKind } from "../../lib/labels.ts";

const pad = (n: number) => String(n).padStart(2, "0");
const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
const validDay = (y: number, m: number, d: number) => y >= 1990 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= lastDay(y, m);
const iso = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`;

/** An Excel serial day (a date typed as a number) as YYYY-MM-DD. */
export function serialDay(n: number): string | null {
  if (!Number.isFinite(n) || n < 20000 || n > 80000) return null;
  const ms = Date.UTC(1899, 11, 30) + Math.floor(n) * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** A cell naming one day (2026-06-30, 2026/6/30, 2026.6.30, 2026年6月30日, a serial number); null otherwise. */
export function readDay(text: string): string | null {
  const s = text.trim().replace(/\s+/g, "");
  if (/^\d{5}(\.\d+)?$/.test(s)) return serialDay(Number(s));
  const m = s.match(/^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(前|之前)?(\d{1,2}:\d{2}(:\d{2})?)?$/) ?? s.match(/^(\d{4})(\d{2})(\d{2})$/);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return validDay(y, mo, d) ? iso(y, mo, d) : null;
}

export type DeadlineReading = {
  kind: "immediate" | "dated" | "ongoing" | null;
  deadline: string | null;
  /** read with the ledger's year or otherwise a guess: shown for confirmation */
  ambiguous: boolean;
  /** why it is ambiguous, or why it could not be read */
  note: string;
};

/**
 * A 整改时限 in words, read with the ledger's year: `2026年6月底前` → 2026-06-30; `12月底` →
 * year-12-31 (ambiguous: the year is the ledger's); `立行立改` → immediate on `immediateDay`;
 * `长期坚持` → ongoing.
 */
export function readDeadline(text: string, year: number, immediateDay: string): DeadlineReading {
  const s = text.trim().replace(/\s+/g, "").replace(/（.*?）|\(.*?\)/g, "");
  if (!s) return { kind: null, deadline: null, ambiguous: true, note: "未填整改时限" };
  if (/长期坚持|持续推进|长期|常态化|持续整改|持续开展/.test(s) && !/\d/.test(s)) return { kind: "ongoing", deadline: null, ambiguous: false, note: "" };
  if (/立行立改|立即整改|即知即改|立查立改|立改/.test(s)) return { kind: "immediate", deadline: immediateDay, ambiguous: false, note: "" };
  const day = readDay(s.replace(/(前|之前|以前)$/, ""));
  if (day) return { kind: "dated", deadline: day, ambiguous: false, note: "" };
  let m = s.match(/^(\d{4})年(\d{1,2})月(底|末|中旬|上旬|下旬)?(前|之前|以前)?$/);
  if (m) {
    const [y, mo] = [Number(m[1]), Number(m[2])];
    if (!validDay(y, mo, 1)) return unread(s);
    const d = m[3] === "上旬" ? 10 : m[3] === "中旬" ? 20 : lastDay(y, mo);
    return { kind: "dated", deadline: iso(y, mo, d), ambiguous: false, note: "" };
  }
  m = s.match(/^(\d{4})年(年底|底|年末|末|上半年|下半年|全年)(前|之前|以前)?$/);
  if (m) {
    const y = Number(m[1]);
    return { kind: "dated", deadline: m[2] === "上半年" ? iso(y, 6, 30) : iso(y, 12, 31), ambiguous: false, note: "" };
  }
  m = s.match(/^(\d{1,2})月(\d{1,2})日(前|之前|以前)?$/);
  if (m && validDay(year, Number(m[1]), Number(m[2]))) return { kind: "dated", deadline: iso(year, Number(m[1]), Number(m[2])), ambiguous: true, note: `未写年份，按台账年度 ${year} 年理解` };
  m = s.match(/^(\d{1,2})月(底|末|中旬|上旬|下旬)?(前|之前|以前)?$/);
  if (m && validDay(year, Number(m[1]), 1)) {
    const mo = Number(m[1]);
    const d = m[2] === "上旬" ? 10 : m[2] === "中旬" ? 20 : lastDay(year, mo);
    return { kind: "dated", deadline: iso(year, mo, d), ambiguous: true, note: `未写年份，按台账年度 ${year} 年理解` };
  }
  if (/^(年底|年末|年内|本年底|今年底|年底前)(前|之前|以前)?$/.test(s)) return { kind: "dated", deadline: iso(year, 12, 31), ambiguous: true, note: `按台账年度 ${year} 年年底理解` };
  if (/^(上半年)(前|之前|以前)?$/.test(s)) return { kind: "dated", deadline: iso(year, 6, 30), ambiguous: true, note: `按台账年度 ${year} 年理解` };
  if (/^(下半年)(前|之前|以前)?$/.test(s)) return { kind: "dated", deadline: iso(year, 12, 31), ambiguous: true, note: `按台账年度 ${year} 年理解` };
  return unread(s);
}
const unread = (s: string): DeadlineReading => ({ kind: null, deadline: null, ambiguous: true, note: `无法识别的时限“${s}”` });

/** The ledger's year: from 截至…, a title's year, else the year of `today`. */
export function ledgerYear(lines: string[], today: string): number {
  const joined = lines.join(" ");
  const asOf = joined.match(/截[至止][:：]?\s*(\d{4})\s*[年.\-/]/);
  if (asOf) return Number(asOf[1]);
  const any = joined.match(/(20\d{2})\s*年/);
  if (any) return Number(any[1]);
  return Number(today.slice(0, 4));
}

/** The ledger's 截至 day, when a subtitle says it. */
export function ledgerAsOf(lines: string[]): string | null {
  const m = lines.join(" ").match(/截[至止][:：]?\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2})/);
  return m ? readDay(m[1].replace(/\s+/g, "")) : null;
}

export type LedgerState = { state: "todo" | "doing" | "done"; ongoing: boolean };

/** 完成情况 in words → a state. Progress text makes an open item 整改中. */
export function readStatus(status: string, progress: string): LedgerState {
  const s = status.replace(/\s+/g, "");
  if (/未完成|未整改|未销号|未办结|尚未/.test(s)) return { state: progress.trim() ? "doing" : "todo", ongoing: false };
  if (/已销号|已完成|已整改|完成整改|整改完成|已办结|办结|^完成$|^是$|^√$/.test(s)) return { state: "done", ongoing: false };
  if (/长期坚持|持续推进|持续整改|常态化/.test(s)) return { state: "doing", ongoing: true };
  if (/正在整改|整改中|推进中|进行中|持续|正在|基本完成|部分完成/.test(s)) return { state: "doing", ongoing: false };
  return { state: progress.trim() ? "doing" : "todo", ongoing: false };
}

/** 类型 in words (or, when empty, the end of the unit's name) → a unit kind. */
export function readKind(text: string, name: string): UnitKind | null {
  const s = (text.trim() || name).replace(/\s+/g, "");
  if (/党总支|总支/.test(s)) return "general_branch";
  if (/党组/.test(s)) return "group";
  if (/支部/.test(s)) return "branch";
  if (/党委|委员会|党工委|工委/.test(s)) return "committee";
  return null;
}

/** 分类定级 in words → a rating; "" → null; unknown → undefined. */
export function readRating(text: string): Rating | null | undefined {
  const s = text.replace(/\s+|\d{4}年?度?/g, "");
  if (!s) return null;
  if (/软弱涣散/.test(s)) return "weak";
  if (/后进|较差|差/.test(s)) return "backward";
  if (/先进|好|五星|优秀/.test(s)) return "advanced";
  if (/一般|中间|较好|合格/.test(s)) return "average";
  return undefined;
}

/** A year written in a rating's cell or header: `2025年度分类定级`. */
export function yearIn(text: string): number | null {
  const m = text.match(/(20\d{2})/);
  return m ? Number(m[1]) : null;
}

/** 职务 / 角色 → the account's role; null when it cannot be told. */
export function readRole(text: string): Role | null {
  const s = text.replace(/\s+/g, "");
  if (!s) return null;
  if (/^(admin|leader|staff)$/i.test(s)) return s.toLowerCase() as Role;
  if (/系统管理员|^管理员$/.test(s)) return "admin";
  if (/书记|领导|部长|局长|处长|主任|主席|厅长|院长|校长|所长|负责人|主管/.test(s) && !/委员$|干事|科员/.test(s)) return "leader";
  if (/委员|干事|干部|经办人|工作人员|联络员|科员|党员|专员|组织员|秘书|职员|员工|普通用户/.test(s)) return "staff";
  return null;
}

/** A unit's names as people write them: full, without 中共/中国共产党, 委员会 ↔ 党委, spaces gone. */
export function unitKeys(name: string): string[] {
  const n = name.replace(/[\s\u3000]/g, "").replace(/（/g, "(").replace(/）/g, ")");
  const out = new Set<string>([n]);
  const bare = n.replace(/^(中国共产党|中共)/, "");
  out.add(bare);
  for (const b of [n, bare]) {
    if (b.endsWith("委员会")) {
      out.add(b.slice(0, -3) + "党委");
      out.add(b.slice(0, -3));
    }
    if (b.endsWith("党委") && b.length > 2) out.add(b.slice(0, -2));
    if (b.endsWith("党组") && b.length > 2) out.add(b.slice(0, -2));
  }
  return [...out].filter(Boolean);
}

/** The several units one cell names (`组织部牵头，宣传部、办公室配合`): the lead first. */
export function splitUnits(text: string): { lead: string; others: string[] } {
  const parts = text
    .replace(/[\s\u3000]/g, "")
    .split(/[、，,；;\/／|]|(?<=牵头)|(?<=配合)|(?<=协助)/)
    .map((p) => p.replace(/^(牵头单位|配合单位|牵头|配合)[:：]?/, "").replace(/(牵头|配合|协助)$/, ""))
    .filter(Boolean);
  const leadIdx = Math.max(0, text.split(/[、，,；;\/／|]/).findIndex((p) => p.includes("牵头")));
  const lead = parts[leadIdx] ?? parts[0] ?? "";
  return { lead, others: parts.filter((_, i) => i !== leadIdx) };
}

/** The ways a person's name is written in a cell: as is, and without a title after it (`王书记` → 王). */
export function nameForms(name: string): string[] {
  const bare = name.replace(/(书记|副书记|主任|部长|局长|处长|科长|同志)$/, "");
  return bare && bare !== name ? [name, bare] : [name];
}

/** People's names in a cell (`张三、李四`): the first is the one responsible. */
export function splitNames(text: string): string[] {
  return text
    .replace(/[\u3000]/g, " ")
    .split(/[、，,；;\/／\s]+/)
    .map((s) => s.replace(/同志$/, "").trim())
    .filter(Boolean);
}
