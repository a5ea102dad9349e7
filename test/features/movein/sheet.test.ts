// The sheet reader and the words of an office's spreadsheets, on real files made here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readSheets, readTables, records, remap, unknownColumns, missingFields, SheetError, MAX_ROWS } from "../../../server/features/movein/sheet.ts";
import { LEDGER_FIELDS, PEOPLE_FIELDS, UNIT_FIELDS } from "../../../server/features/movein/fields.ts";
import { readDeadline, readStatus, readRole, readKind, readRating, unitKeys, splitUnits, ledgerYear, ledgerAsOf, readDay } from "../../../server/features/movein/words.ts";
import { xlsx, xls, csvGb18030, csvUtf8Bom, UNIT_ROWS, PEOPLE_ROWS } from "./files.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/movein/${name}`, import.meta.url));

test("an .xlsx with a title row, a two-row merged header and a category merged down its rows", async () => {
  const file = await xlsx([
    {
      rows: [
        ["《第一党支部巡察整改台账》"],
        ["截至2026年11月22日"],
        ["序号", "问题类别", "存在问题", "整改措施", "责任分工", "", "", "整改时限", "整改情况", ""],
        ["", "", "", "", "责任领导", "责任单位", "责任人", "", "进展情况", "是否完成"],
        ["一、思想政治方面"],
        [1, "学习", "理论学习不深入", "制定计划", "王书记", "第一党支部", "李干事", "2026年6月底前", "已制定计划", "已完成"],
        [2, "", "党费收缴不及时", "建立台账", "王书记", "第一党支部", "李干事", "12月底", "", "整改中"],
      ],
      merges: [
        [1, 1, 1, 10],
        [3, 5, 3, 7],
        [3, 9, 3, 10],
        [3, 1, 4, 1],
        [6, 2, 7, 2],
        [5, 1, 5, 10],
      ],
    },
  ]);
  const [t] = readTables(file, "台账.xlsx", LEDGER_FIELDS);
  assert.deepEqual(t.above, ["《第一党支部巡察整改台账》", "截至2026年11月22日"]);
  assert.deepEqual(t.mapping, ["seq", "category", "problem", "measures", "leader", "unit", "owner", "deadline", "progress", "status"]);
  const recs = records(t);
  assert.equal(recs.length, 3);
  assert.equal(recs[0].cells.seq, "一、思想政治方面");
  assert.equal(recs[2].cells.category, "学习", "the merged category cell is filled down");
  assert.equal(recs[2].row, 7);
  assert.equal(recs[1].cells.status, "已完成");
});

test(".xls and .et (BIFF8) are read, with merges; CSV in UTF-8 with BOM and in GB18030", () => {
  const rows = PEOPLE_ROWS;
  for (const [name, data] of [
    ["名单.xls", xls(rows)],
    ["名单.et", xls(rows)],
    ["名单.csv", csvUtf8Bom(rows)],
    ["名单-gbk.csv", csvGb18030(rows)],
  ] as const) {
    const [t] = readTables(data, name, PEOPLE_FIELDS);
    assert.deepEqual(t.mapping.slice(0, 5), ["name", "unit", "title", "phone", "email"], name);
    const recs = records(t);
    assert.equal(recs[0].cells.name, "周书记", name);
    assert.equal(recs[0].cells.phone, "13800000001", name);
    assert.equal(recs.length, 6, name);
  }
  const merged = xls([["标题"], ["单位名称", "类型"], ["甲", "党支部"]], [{ s: { r: 0, c: 0 }, e: { r: 0, c: 1 } }]);
  assert.deepEqual(readSheets(merged, "a.xls")[0].rows[0], ["标题", "标题"]);
});

test("the fixture files of this folder are read", () => {
  const [u] = readTables(fixture("units.csv"), "units.csv", UNIT_FIELDS);
  assert.ok(records(u).some((r) => r.cells.name === "机关第一党支部"));
  const [p] = readTables(fixture("people-gb18030.csv"), "people-gb18030.csv", PEOPLE_FIELDS);
  assert.ok(records(p).some((r) => r.cells.name === "周书记"));
  const [ux] = readTables(fixture("units.xls"), "units.xls", UNIT_FIELDS);
  assert.deepEqual(ux.above, ["测试党委党组织设置情况表"], "the merged title row, once");
  assert.equal(records(ux).length, 3);
  const [pe] = readTables(fixture("people.et"), "people.et", PEOPLE_FIELDS);
  assert.deepEqual(records(pe).map((r) => r.cells.email), ["zhou@t.cn", "wu@t.cn"]);
  const [l] = readTables(fixture("ledger.xlsx"), "ledger.xlsx", LEDGER_FIELDS);
  assert.ok(records(l).length >= 3);
});

test("dates as numbers and as text, formulas by their value", async () => {
  const file = await xlsx([
    {
      rows: [
        ["存在问题", "整改时限", "销号时间", "序号"],
        ["甲", new Date(Date.UTC(2026, 5, 30)), "2026/7/1", 1],
        ["乙", 46203, "2026年7月2日", 2],
      ],
      formulas: [{ cell: "D3", formula: "D2+1", result: 2 }],
    },
  ]);
  const recs = records(readTables(file, "x.xlsx", LEDGER_FIELDS)[0]);
  assert.equal(recs[0].cells.deadline, "2026-06-30");
  assert.equal(readDay(recs[0].cells.closedOn), "2026-07-01");
  assert.equal(readDay(recs[1].cells.deadline), "2026-06-30", "a serial day typed as a number");
  assert.equal(readDay(recs[1].cells.closedOn), "2026-07-02");
  assert.equal(recs[1].cells.seq, "2", "a formula's computed value");
});

test("bad files: not a spreadsheet, empty, no recognisable header, too many rows", async () => {
  assert.throws(() => readTables(Buffer.from("%PDF-1.4 hello"), "a.xlsx", UNIT_FIELDS), (e: Error) => e instanceof SheetError && /不是可识别的表格/.test(e.message));
  assert.throws(() => readTables(Buffer.from("hello"), "a.docx", UNIT_FIELDS), /只能导入/);
  assert.throws(() => readTables(Buffer.alloc(0), "a.csv", UNIT_FIELDS), /空的/);
  assert.throws(() => readTables(csvUtf8Bom([[""], [""]]), "a.csv", UNIT_FIELDS), /没有内容/);
  assert.throws(() => readTables(csvUtf8Bom([["a", "b"], ["1", "2"]]), "a.csv", UNIT_FIELDS), /没有找到可识别的表头.*单位名称/);
  const big = Buffer.from("姓名,单位,职务\n" + "张三,甲,干事\n".repeat(MAX_ROWS + 1));
  assert.throws(() => readTables(big, "big.csv", PEOPLE_FIELDS), /超过 100,000 行/);
});

test("an unknown column is offered for mapping; a missing required field is named", () => {
  const [t] = readTables(csvUtf8Bom([["姓名", "所属机构", "职务", "微信号"], ["张三", "甲", "干事", "zs"]]), "a.csv", PEOPLE_FIELDS);
  assert.deepEqual(unknownColumns(t).map((c) => c.header), ["所属机构", "微信号"]);
  assert.deepEqual(missingFields(t, PEOPLE_FIELDS).map((f) => f.key), ["unit"]);
  const t2 = remap(t, 1, "unit");
  assert.deepEqual(missingFields(t2, PEOPLE_FIELDS), []);
  assert.equal(records(t2)[0].cells.unit, "甲");
});

test("deadlines in words, read with the ledger's year", () => {
  assert.deepEqual(readDeadline("2026年6月底前", 2025, "2026-01-01"), { kind: "dated", deadline: "2026-06-30", ambiguous: false, note: "" });
  const dec = readDeadline("12月底", 2026, "2026-01-01");
  assert.equal(dec.deadline, "2026-12-31");
  assert.equal(dec.ambiguous, true);
  assert.equal(readDeadline("立行立改", 2026, "2026-11-22").kind, "immediate");
  assert.equal(readDeadline("立行立改", 2026, "2026-11-22").deadline, "2026-11-22");
  assert.equal(readDeadline("长期坚持", 2026, "x").kind, "ongoing");
  assert.equal(readDeadline("2027年底前", 2026, "x").deadline, "2027-12-31");
  assert.equal(readDeadline("年底前", 2026, "x").ambiguous, true);
  assert.equal(readDeadline("2026.3.15", 2026, "x").deadline, "2026-03-15");
  assert.equal(readDeadline("2月30日", 2026, "x").kind, null);
  assert.equal(readDeadline("尽快", 2026, "x").kind, null);
  assert.equal(ledgerYear(["《台账》", "截至2026年11月22日"], "2027-01-01"), 2026);
  assert.equal(ledgerAsOf(["填报单位：甲 截至2026年11月22日"]), "2026-11-22");
});

test("完成情况, 类型, 分类定级, 职务 and units' short names in words", () => {
  assert.equal(readStatus("已销号", "").state, "done");
  assert.equal(readStatus("已完成", "").state, "done");
  assert.equal(readStatus("未完成", "").state, "todo");
  assert.equal(readStatus("正在整改", "").state, "doing");
  assert.deepEqual(readStatus("长期坚持", ""), { state: "doing", ongoing: true });
  assert.equal(readStatus("", "已开会部署").state, "doing");
  assert.equal(readKind("", "机关第一党支部"), "branch");
  assert.equal(readKind("党总支", "x"), "general_branch");
  assert.equal(readKind("", "中共某某局委员会"), "committee");
  assert.equal(readKind("", "某某局"), null);
  assert.equal(readRating("先进"), "advanced");
  assert.equal(readRating("软弱涣散"), "weak");
  assert.equal(readRating("三等"), undefined);
  assert.equal(readRole("支部书记"), "leader");
  assert.equal(readRole("党务干事"), "staff");
  assert.equal(readRole("组织委员"), "staff");
  assert.equal(readRole("厨师"), null);
  assert.ok(unitKeys("中共某某局委员会").includes("某某局党委"));
  assert.ok(unitKeys("中共某某局委员会").includes("某某局"));
  assert.deepEqual(splitUnits("组织部牵头，宣传部、办公室配合"), { lead: "组织部", others: ["宣传部", "办公室"] });
  assert.deepEqual(splitUnits("第一党支部"), { lead: "第一党支部", others: [] });
});

test("an organisation list that shows its tree by indentation or by 序号 1.1", async () => {
  const { planUnits } = await import("../../../server/features/movein/org.ts");
  const existing = [{ id: 1, code: "root", name: "测试党委", kind: "committee" as const, parentId: null, rating: null, ratingYear: null, secretaryId: null, overseerId: null }];
  const byIndent = readTables(await xlsx([{ rows: [["单位名称", "类型"], ["机关党总支", "党总支"], ["　　机关第一党支部", "党支部"], ["  机关第二党支部", "党支部"], ["后勤党总支", "党总支"], ["　　后勤党支部", ""]] }]), "a.xlsx", UNIT_FIELDS)[0];
  const plans = planUnits(records(byIndent), existing, []);
  assert.deepEqual(plans.map((p) => [p.name, p.parent && "row" in p.parent ? plans[p.parent.row].name : null]), [
    ["机关党总支", null],
    ["机关第一党支部", "机关党总支"],
    ["机关第二党支部", "机关党总支"],
    ["后勤党总支", null],
    ["后勤党支部", "后勤党总支"],
  ]);
  const bySeq = readTables(csvUtf8Bom([["序号", "单位名称"], ["1", "机关党总支"], ["1.1", "机关第一党支部"], ["2", "后勤党总支"], ["2.1", "后勤党支部"]]), "b.csv", UNIT_FIELDS)[0];
  const p2 = planUnits(records(bySeq), existing, []);
  assert.equal(p2[3].parent && "row" in p2[3].parent ? p2[p2[3].parent.row].name : null, "后勤党总支");
});
