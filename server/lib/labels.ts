// Chinese labels for the codes stored in the database.
export const UNIT_KINDS = ["committee", "group", "general_branch", "branch"] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];
export const UNIT_KIND_LABEL: Record<UnitKind, string> = { committee: "党委", group: "党组", general_branch: "党总支", branch: "党支部" };

export const RATINGS = ["advanced", "average", "backward", "weak"] as const;
export type Rating = (typeof RATINGS)[number];
export const RATING_LABEL: Record<Rating, string> = { advanced: "先进", average: "一般", backward: "后进", weak: "软弱涣散" };
/** ratings that make the branch itself a problem to fix (整顿转化) */
export const RATINGS_TO_RECTIFY: readonly Rating[] = ["backward", "weak"];

export const EVENT_LABEL: Record<string, string> = {
  created: "创建任务",
  imported: "导入",
  edited: "修改任务",
  progress: "填报进展",
  requestSignOff: "申请销号",
  closedByOwner: "销号",
  signOff: "审核销号",
  sendBack: "退回",
  reopen: "重新打开",
  extensionRequested: "延期申请",
  extensionApproved: "同意延期",
  extensionRefused: "不同意延期",
  extensionWithdrawn: "延期申请关闭",
  recheckHeld: "回头看：巩固",
  rebound: "回头看：反弹",
  recheckSet: "设置回头看",
  recurrence: "重复出现（反弹）",
  recurred: "问题再次出现",
};
