// This year's report of unit a, whose first problem repeats last year's 党费收缴不及时 (the
// recurrence route test and the browser test).
export const LATER = `第一党支部2026年度自查报告
二、存在问题
1.党费收缴登记不及时，存在补记现象。
2.干部选拔任用程序不规范，动议环节记录不全。
三、整改措施
1.建立党费收缴登记台账。
2.规范选拔任用程序。
`;
