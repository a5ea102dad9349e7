// An existing 整改台账 read into rows the review edits, pure: group rows (一、思想政治方面) become
// categories, each problem row a row with its state (已销号 / 整改中 / 待整改), its deadline read
// with the ledger's year, and its units and people matched to the tree, never guessed: what does
// not match is listed for the leader to choose. Then the checks 确认导入 makes.
import { records, type Table } from "./sheet.ts";
import { nameIndex, lookup } from "./org.ts";
import { nameForms, readDay, readDeadline, readStatus, splitNames, splitUnits } from "./words.ts";

export type DeadlineKind = "immediate" | "dated" | "ongoing";
export type LedgerRow = {
  key: string;
  sheet: string;
  row: number;
  seq: string;
  category: string;
  title: string;
  goal: string;
  measures: string;
  unitText: string;
  /** set on the row itself (matched, or chosen for this row); else the choice for unitText */
  unitId: number | null;
  coUnits: string;
  ownerText: string;
  ownerId: number | null;
  leaderText: string;
  leaderId: number | null;
  deadlineText: string;
  deadlineKind: DeadlineKind | null;
  deadline: string | null;
  deadlineNote: string;
  deadlineConfirmed: boolean;
  state: "todo" | "doing" | "done";
  statusText: string;
  progress: string;
  closedOn: string | null;
  note: string;
  skip: boolean;
};

export type Choices = { unit: Record<string, number>; owner: Record<string, number>; leader: Record<string, number> };
export type UnitRef = { id: number; name: string; path: string; secretaryId: number | null };
export type PersonRef = { id: number; name: string; role: string; unitId: number; unitPath: string; active: boolean };

const GROUP = /^([一二三四五六七八九十百]+[、.．]|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|第[一二三四五六七八九十]+[部分类方面]*[、：:])/;

/** A group row (`一、思想政治方面`, merged across): the category of the rows below it. */
export function groupOf(cells: Record<string, string>): string | null {
  const vals = Object.values(cells).filter((v) => v.trim());
  if (!vals.length) return null;
  const distinct = new Set(vals);
  const first = (cells.seq || cells.category || cells.problem || vals[0]).trim();
  if (GROUP.test(first) && (distinct.size === 1 || !cells.problem || cells.problem === first)) return first.replace(GROUP, "").replace(/[。：:]$/, "").trim() || first;
  return null;
}

/** The rows of the ledger's tables. `immediateDay`: the day 立行立改 stands for (the ledger's 截至 day, else today). */
export function buildRows(tables: Table[], o: { year: number; immediateDay: string; units: UnitRef[]; people: PersonRef[] }): LedgerRow[] {
  const out: LedgerRow[] = [];
  const unitIdx = nameIndex(o.units.map((u) => ({ name: u.name, value: u.id })));
  for (const t of tables) {
    let group = "";
    for (const r of records(t)) {
      const c = r.cells;
      const g = groupOf(c);
      if (g) {
        group = g;
        continue;
      }
      const title = (c.problem ?? "").replace(/\s+/g, " ").trim();
      if (!title) continue; // 填表人、合计 and other lines without a problem
      const status = readStatus(c.status ?? "", c.progress ?? "");
      const dl = status.ongoing && !(c.deadline ?? "").trim() ? readDeadline("长期坚持", o.year, o.immediateDay) : readDeadline(c.deadline ?? "", o.year, o.immediateDay);
      const { lead, others } = splitUnits(c.unit ?? "");
      const unitId = lead ? (lookup(unitIdx, lead) ?? null) : null;
      const owners = splitNames(c.owner ?? "");
      const leaders = splitNames(c.leader ?? "");
      const row: LedgerRow = {
        key: `r${out.length + 1}`,
        sheet: t.sheet,
        row: r.row,
        seq: (c.seq ?? "").trim(),
        category: (c.category ?? "").trim() || group,
        title,
        goal: (c.goal ?? "").trim(),
        measures: (c.measures ?? "").trim(),
        unitText: lead,
        unitId,
        coUnits: [...others, (c.coUnits ?? "").trim()].filter(Boolean).join("、"),
        ownerText: owners[0] ?? "",
        ownerId: null,
        leaderText: leaders[0] ?? "",
        leaderId: null,
        deadlineText: (c.deadline ?? "").trim(),
        deadlineKind: status.ongoing ? "ongoing" : dl.kind,
        deadline: status.ongoing ? null : dl.deadline,
        deadlineNote: status.ongoing ? "" : dl.note,
        deadlineConfirmed: status.ongoing || !dl.ambiguous,
        state: status.state,
        statusText: (c.status ?? "").trim(),
        progress: (c.progress ?? "").trim(),
        closedOn: readDay(c.closedOn ?? ""),
        note: [(c.note ?? "").trim(), owners.length > 1 ? `责任人：${owners.join("、")}` : ""].filter(Boolean).join("；"),
        skip: false,
      };
      out.push(row);
    }
  }
  return out;
}

/** People by name, within a unit's tree: the one person, or null. */
function personIn(people: PersonRef[], name: string, underPath: string | null, leaderOnly: boolean): number | null {
  for (const form of nameForms(name)) {
    const found = people.filter((p) => p.active && p.name === form && p.role !== "admin" && (!leaderOnly || p.role !== "staff") && (!underPath || p.unitPath.startsWith(underPath)));
    if (found.length) return found.length === 1 ? found[0].id : null;
  }
  return null;
}

export type Resolved = { unitId: number | null; ownerId: number | null; leaderId: number | null };

/** A row's unit, owner and leader: the row's own, else the leader's choice for its text, else matched by name. */
export function resolve(r: LedgerRow, ch: Choices, units: UnitRef[], people: PersonRef[]): Resolved {
  const unitId = r.unitId ?? (r.unitText ? (ch.unit[r.unitText] ?? null) : null);
  const unit = units.find((u) => u.id === unitId) ?? null;
  let ownerId = r.ownerId ?? (r.ownerText ? (ch.owner[r.ownerText] ?? null) : null);
  if (!ownerId && r.ownerText) ownerId = personIn(people, r.ownerText, unit?.path ?? null, false);
  if (!ownerId && !r.ownerText && unit?.secretaryId && people.some((p) => p.id === unit.secretaryId)) ownerId = unit.secretaryId;
  let leaderId = r.leaderId ?? (r.leaderText ? (ch.leader[r.leaderText] ?? null) : null);
  if (!leaderId && r.leaderText) leaderId = personIn(people, r.leaderText, null, true);
  return { unitId, ownerId, leaderId };
}

export type Unmatched = { kind: "unit" | "owner" | "leader"; text: string; rows: number };

/** The names in cells that match nothing: listed once each for the leader to choose. */
export function unmatched(rows: LedgerRow[], ch: Choices, units: UnitRef[], people: PersonRef[]): Unmatched[] {
  const m = new Map<string, Unmatched>();
  const add = (kind: Unmatched["kind"], text: string) => {
    const k = `${kind}|${text}`;
    const e = m.get(k) ?? { kind, text, rows: 0 };
    e.rows++;
    m.set(k, e);
  };
  for (const r of rows) {
    if (r.skip) continue;
    const x = resolve(r, ch, units, people);
    if (!x.unitId && r.unitText) add("unit", r.unitText);
    if (!x.ownerId && r.ownerText) add("owner", r.ownerText);
    if (!x.leaderId && r.leaderText) add("leader", r.leaderText);
  }
  return [...m.values()];
}

/** What keeps a row from becoming a task; empty when it can. */
export function rowProblems(r: LedgerRow, x: Resolved, units: UnitRef[], people: PersonRef[]): string[] {
  if (r.skip) return [];
  const out: string[] = [];
  const unit = units.find((u) => u.id === x.unitId);
  if (!unit) out.push(r.unitText ? `责任单位“${r.unitText}”未匹配，请选择` : "未填责任单位，请选择");
  const owner = people.find((p) => p.id === x.ownerId);
  if (!owner) out.push(r.ownerText ? `责任人“${r.ownerText}”未匹配，请选择` : "未填责任人，请选择");
  else if (unit && !owner.unitPath.startsWith(unit.path)) out.push(`责任人须为${unit.name}（含下级单位）的人员`);
  if (r.leaderText && !x.leaderId) out.push(`责任领导“${r.leaderText}”未匹配，请选择或清除`);
  if (!r.deadlineKind || (r.deadlineKind !== "ongoing" && !r.deadline)) out.push(r.deadlineNote || "请填写整改时限");
  else if (!r.deadlineConfirmed) out.push(`整改时限待确认：${r.deadlineNote}`);
  return out;
}

/** The history line a task made from a ledger row starts with. */
export function importedText(fileName: string, r: LedgerRow, cnDate: (d: string) => string): string {
  const from = `由台账《${fileName}》导入`;
  if (r.state === "done") return r.closedOn ? `${from}，原记录已销号于${cnDate(r.closedOn)}` : `${from}，导入时已完成`;
  if (r.state === "doing") return `${from}，导入时整改中${r.deadlineKind === "ongoing" ? "（长期坚持）" : ""}`;
  return `${from}，导入时待整改`;
}
