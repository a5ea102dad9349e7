// The word lists that decide how a narrative text (a meeting's news item, minutes, commentary) is
// read. Data in one place; each entry has its own test (test/features/reports/extract/words.test.ts).
// All entries are written in the folded view (simplified script, half-width punctuation).

/** Nouns that name faults: a sentence that announces them opens a list of problems. */
export const FAULT_NOUNS = ["问题", "不足", "差距", "短板", "弱项", "薄弱环节"] as const;

/** Verbs that report finding faults: 反馈指出 / 发现了一些问题 / 查摆了…差距 / 作了剖析. */
export const FAULT_VERBS = ["指出", "发现", "查摆", "查找", "检视", "剖析", "通报", "反馈", "梳理", "暴露", "存在"] as const;

/**
 * Words that make a sentence about faults a lead-in to measures instead ("针对查摆出的问题，提出
 * 整改措施：", "要把查摆出的问题作为整改重点：").
 */
export const ADVICE_WORDS = ["措施", "建议", "要求", "部署", "计划", "打算", "意见", "整改", "举措", "对策"] as const;

/**
 * Verbs that open measures addressed to someone: "巡察组提出四点整改要求：", "会议对下半年工作作出
 * 部署：", "会议强调，…：", "督导组要求镇党委：", "对此，我们建议：".
 */
export const ADVICE_VERBS = ["提出", "作出", "做出", "强调", "要求", "部署", "建议"] as const;

/** Subjects that start a fault of their own after a comma: "…年龄偏大，部分村党员档案管理混乱". */
export const PART_SUBJECTS = ["部分", "个别", "少数", "有的", "一些"] as const;

/** Words that join a further fault on as a sentence of its own: "。同时，党员教育培训内容单一". */
export const FURTHER_WORDS = ["同时", "此外", "另外", "还有"] as const;

/** Verbs of a speaker's pledge (表态), no measure: "王某某表示，…坚决…、切实…". */
export const PLEDGE_VERBS = ["表示", "表态", "说"] as const;

/**
 * Lines a text copied from a web page or a document site carries, which no report has: site
 * furniture, share and print links, the publishing notes, a site's disclaimer.
 */
export const SITE_NOISE: readonly RegExp[] = [
  /^[ ]*(?:首页|当前位置|您的位置|您现在的位置)[ ]*(?:[:>›»][^\n]{0,60})?$/,
  /^[ ]*(?:来源|发布时间|发布日期|发布者|作者|浏览次数|阅读次数|点击数|访问量|字号|字体)[ ]*:[^\n]{0,80}$/,
  /^[ ]*(?:分享到|打印本页|关闭窗口|【[^\n]{1,8}】)[^\n]{0,60}$/,
  /^[ ]*\(?(?:责任编辑|编辑|审核|校对|供稿)[ ]*:[^\n。]{1,20}\)?[ ]*$/,
  /^[ ]*(?:主办单位|承办单位|网站标识码|版权所有|技术支持)[ ]*:?[^\n]{0,80}$|ICP备\d+号/,
  /^[ ]*(?:本文档由用户上传|本文档仅供参考|下载后请在|文档来源于网络|本文来源于网络)[^\n]{0,60}$/,
];

const alt = (words: readonly string[]) => words.join("|");
const NOT_ADVICE = `(?:(?!${alt(ADVICE_WORDS)})[^。;:!?\\n])`;

/**
 * A phrase that announces a list of faults: a fault verb, a fault noun, and then a colon, or a
 * full stop right before 一是 / 第一 / 首先 ("对支部班子存在的不足作了深入剖析。一是…"). Between
 * them no word that makes it a lead-in to measures.
 */
export const FAULT_ANNOUNCE = new RegExp(
  `(?:${alt(FAULT_VERBS)})(?:了|出|出了)?${NOT_ADVICE}{0,24}?(?:${alt(FAULT_NOUNS)})${NOT_ADVICE}{0,14}?(?::|。(?=\\s*(?:一是|第一|首先|其一)))` +
    `|(?:${alt(FAULT_NOUNS)})(?:主要)?(?:有|是|为|如下)[一二三四五六七八九十\\d]?[:]`,
);

/** A sentence that opens measures addressed to someone, ending in a colon (or 提出…意见建议。). */
export const ADVICE_LEAD = new RegExp(
  `^[^。;:!?\\n]{0,40}?(?<!对照|按照|根据|按|上级)(?:${alt(ADVICE_VERBS)})[^。;!?\\n]{0,40}?:|^[^。;:!?\\n]{0,24}提出[^。;:!?\\n]{0,12}(?:意见建议|整改意见|整改要求|要求|建议)。`,
);

/** A speaker's pledge: "XX表示，…" / "XX表态，…" (no measure, however firm). */
export const PLEDGE = new RegExp(`^[^。;:,]{1,24}(?:${alt(PLEDGE_VERBS)})[,:]`);

/** An item's first sentence that finds fault: "…不到位", "…流于形式", "缺乏…". */
export const FAULT_PREDICATE = /不(?:够|足|到位|强|高|严|深|实|细|精|规范|及时|明显|完善|健全|平衡|充分|全|力|清|畅|均|紧|经常|主动|扎实|理想|突出|广|好|新|活|准|牢|完整|一致|落实|严格)|未(?:能|按|及时|建立|落实|开展|参加|达到)|偏少|偏低|偏弱|偏多|偏软|偏宽|较少|较弱|较低|较差|打折扣|走样|差距|缺乏|缺失|欠缺|缺少|薄弱|滞后|单一|流于形式|走过场|松懈|淡化|弱化|虚化|有待(?:提高|加强|提升|改进)|存在[^。;]{0,12}(?:问题|漏洞|隐患|现象|短板)/;
