// The columns of the three files an office has, by the names offices give them.
import type { FieldSpec } from "./sheet.ts";

export const UNIT_FIELDS: FieldSpec[] = [
  { key: "seq", label: "序号", aliases: ["序号", "编号", "层级"] },
  { key: "code", label: "单位代码", aliases: ["单位代码", "组织代码", "党组织代码", "代码", "编码", "组织编码"] },
  { key: "name", label: "单位名称", aliases: ["单位名称", "党组织名称", "组织名称", "党组织全称", "单位全称", "名称", "党组织"], required: true },
  { key: "shortName", label: "简称", aliases: ["简称", "单位简称", "党组织简称"] },
  { key: "parent", label: "上级单位", aliases: ["上级单位", "上级党组织", "上级组织", "所属党委", "上级党委", "隶属党组织", "上级"] },
  { key: "kind", label: "类型", aliases: ["类型", "组织类型", "党组织类型", "单位类型", "组织类别"] },
  { key: "secretary", label: "书记", aliases: ["书记", "党组织书记", "支部书记", "书记姓名"] },
  { key: "overseer", label: "联系领导", aliases: ["联系领导", "分管领导", "联系点领导", "包联领导"] },
  { key: "members", label: "党员人数", aliases: ["党员人数", "党员数"] },
  { key: "rating", label: "分类定级", aliases: ["分类定级", "定级", "评定等次", "定级结果", "星级评定"] },
  { key: "ratingYear", label: "定级年度", aliases: ["定级年度", "评定年度", "年度"] },
];

export const PEOPLE_FIELDS: FieldSpec[] = [
  { key: "seq", label: "序号", aliases: ["序号", "编号"] },
  { key: "name", label: "姓名", aliases: ["姓名", "名字", "人员姓名"], required: true },
  { key: "unit", label: "单位", aliases: ["单位", "所在单位", "所在支部", "所在党组织", "所属单位", "部门", "所在部门", "党组织", "单位名称"], required: true },
  { key: "title", label: "职务/角色", aliases: ["职务", "角色", "职务角色", "党内职务", "岗位", "身份", "职务/角色"], required: true },
  { key: "phone", label: "手机", aliases: ["手机", "手机号", "手机号码", "联系电话", "电话", "联系方式"] },
  { key: "email", label: "邮箱", aliases: ["邮箱", "电子邮箱", "电子邮件", "Email", "E-mail", "邮件", "邮箱地址"] },
];

export const LEDGER_FIELDS: FieldSpec[] = [
  { key: "seq", label: "序号", aliases: ["序号", "编号"] },
  { key: "category", label: "问题类别", aliases: ["问题类别", "问题类型", "类别", "问题来源", "来源", "方面"] },
  { key: "problem", label: "问题描述", aliases: ["问题描述", "存在问题", "存在的问题", "问题", "问题表现", "主要问题", "问题清单", "反馈问题"], required: true },
  { key: "goal", label: "整改目标", aliases: ["整改目标", "完成标准", "整改标准", "目标"] },
  { key: "measures", label: "整改措施", aliases: ["整改措施", "措施", "具体措施", "整改举措"] },
  { key: "leader", label: "责任领导", aliases: ["责任领导", "牵头领导", "分管领导", "领导"] },
  { key: "unit", label: "责任单位", aliases: ["责任单位", "牵头单位", "责任部门", "责任支部", "牵头部门"] },
  { key: "coUnits", label: "配合单位", aliases: ["配合单位", "协办单位", "配合部门"] },
  { key: "owner", label: "责任人", aliases: ["责任人", "具体责任人", "经办人", "联系人"] },
  { key: "deadline", label: "整改时限", aliases: ["整改时限", "完成时限", "整改期限", "时限", "完成期限", "时间节点"] },
  { key: "progress", label: "整改进展", aliases: ["整改进展", "进展情况", "整改进度", "进展", "落实情况", "整改落实情况", "整改情况"] },
  { key: "status", label: "完成情况", aliases: ["完成情况", "是否完成", "整改状态", "状态", "办结情况", "是否销号"] },
  { key: "closedOn", label: "销号时间", aliases: ["销号时间", "销号日期", "完成时间", "完成日期", "办结时间"] },
  { key: "checker", label: "验收人", aliases: ["验收人", "审核人"] },
  { key: "evidence", label: "佐证材料", aliases: ["佐证材料", "整改痕迹"] },
  { key: "note", label: "备注", aliases: ["备注", "说明"] },
];
