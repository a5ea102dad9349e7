// One small report per shape the parser must read (see DOMAIN.md, "The shapes reports come in").
import { test } from "node:test";
import assert from "node:assert/strict";
import { extractReport } from "../../../../server/features/reports/extract/index.ts";
import { missedKeys, squash } from "./helpers.ts";

type Case = {
  name: string;
  text: string;
  problems: (string | [category: string | null, key: string])[];
  measures?: string[];
  causes?: string[];
};

const CASES: Case[] = [
  {
    name: "problems in their own section, 1. 2. 3.; measures section with (一)(二)",
    text: "XX支部自查报告\n一、工作开展情况\n全年召开支委会12次。\n二、存在的问题\n1.理论学习不深入。学习形式单一。\n2.组织生活不规范。\n3.党费收缴不及时。\n三、整改措施\n（一）加强理论学习。\n（二）规范组织生活。",
    problems: ["理论学习不深入", "组织生活不规范", "党费收缴不及时"],
    measures: ["加强理论学习", "规范组织生活"],
  },
  {
    name: "group heading shares its paragraph with its first item; a group without sub-items is one problem",
    text: "二、存在问题及原因分析\n（一）学习教育有差距。一是学习不系统；二是研讨不深入。\n（二）制度执行不严格。三会一课记录不全，党费公示不及时。\n三、下一步工作计划\n1.加强学习。\n2.严格制度。",
    problems: [["学习教育有差距", "学习不系统"], ["学习教育有差距", "研讨不深入"], "三会一课记录不全"],
    measures: ["加强学习", "严格制度"],
  },
  {
    name: "(一)存在问题 / (二)原因分析: causes are kept apart",
    text: "二、存在问题及原因\n（一）存在问题\n一是党员教育管理不严。\n二是发展党员程序不规范。\n（二）原因分析\n一是思想认识不到位。\n二是制度执行不严格。\n三、下一步工作打算\n一是加强教育。\n二是规范程序。",
    problems: ["党员教育管理不严", "发展党员程序不规范"],
    causes: ["思想认识不到位", "制度执行不严格"],
    measures: ["加强教育", "规范程序"],
  },
  {
    name: "problems and plans in one section (存在问题及下一步工作计划) told apart by their lead-ins",
    text: "三、存在问题及下一步工作计划\n虽然取得了一定成效，但仍存在一些问题：一是理论学习不够深入；二是党员活动阵地不足。\n下一步，我们将从以下方面改进：一是完善学习制度；二是建设党员活动室。",
    problems: ["理论学习不够深入", "党员活动阵地不足"],
    measures: ["完善学习制度", "建设党员活动室"],
  },
  {
    name: "special self-check: headings ending in 方面 are the problem areas",
    text: "关于专项治理的自查报告\n一、自查情况\n（一）理论学习不深不实方面。\n一是制定了学习计划。二是开展了专题研讨。\n（二）组织生活不严肃方面。\n按时召开组织生活会。\n二、下一步工作计划\n（一）深化学习。\n（二）严肃组织生活。",
    problems: ["理论学习不深不实", "组织生活不严肃"],
    measures: ["深化学习", "严肃组织生活"],
  },
  {
    name: "problems inline in one closing paragraph",
    text: "XX支部年度总结\n一、主要工作\n开展主题党日12次。\n二、下步打算\n总体看成效明显，但也存在一些问题，一是学习不够深入;二是活动形式单一;三是阵地建设滞后。",
    problems: ["学习不够深入", "活动形式单一", "阵地建设滞后"],
  },
  {
    name: "half-width punctuation, placeholders and noise",
    text: "XX党支部自查报告\n##paidbegin##\n一、基本情况\n**党支部有党员X名。\n二、存在问题\n(一)XX同志履职不到位:未按时参加支委会。\n(二)党员档案管理不规范:**份档案缺失。\n三、整改措施\n(一)约谈提醒。\n(二)补齐档案。\n本文档编辑密码:1234\n##paidend##",
    problems: ["XX同志履职不到位", "党员档案管理不规范"],
    measures: ["约谈提醒", "补齐档案"],
  },
  {
    name: "traditional script",
    text: "黨支部自查報告\n一、存在問題\n1.黨員學習不夠深入。\n2.黨費收繳不及時。\n二、整改措施\n1.加強學習。\n2.按月收繳黨費。",
    problems: ["黨員學習不夠深入", "黨費收繳不及時"],
    measures: ["加強學習", "按月收繳黨費"],
  },
  {
    name: "line breaks lost",
    text: "XX支部自查报告一、基本情况支部有党员20名。二、存在问题1.学习不深入。2.制度落实不到位。三、整改措施1.加强学习。2.落实制度。",
    problems: ["学习不深入", "制度落实不到位"],
    measures: ["加强学习", "落实制度"],
  },
  {
    name: "line breaks put mid-sentence",
    text: "二、存在的问题\n1.部分党员理论学习不够深入，满足于读文件、记笔\n记，联系实际不够。\n2.支部组织生活质量不高，主题党日活动内容单\n一，党员参与积极性不高。\n三、整改措施\n1.建立学习督\n促机制。\n2.丰富主题党日活动内容。",
    problems: ["部分党员理论学习不够深入", "支部组织生活质量不高"],
    measures: ["建立学习督促机制", "丰富主题党日活动内容"],
  },
  {
    name: "problems separated only by semicolons",
    text: "二、存在问题\n党员学习积极性不高；支部活动形式单一；党费收缴不够及时。\n三、整改措施\n健全学习制度；创新活动形式。",
    problems: ["党员学习积极性不高", "支部活动形式单一", "党费收缴不够及时"],
    measures: ["健全学习制度", "创新活动形式"],
  },
  {
    name: "labels: 问题1：, 問題清單：, 主要问题是：",
    text: "整改清单\n問題清單：\n问题1：支委会议题准备不充分。\n问题2：谈心谈话覆盖不全。\n整改措施：\n1.提前一周征集议题。\n2.每半年谈心谈话全覆盖。",
    problems: ["支委会议题准备不充分", "谈心谈话覆盖不全"],
    measures: ["提前一周征集议题", "每半年谈心谈话全覆盖"],
  },
  {
    name: "主要问题是： label before semicolons",
    text: "一、基本情况\n支部共有党员15名。\n二、存在的不足\n主要问题是：学习计划执行不严；发展党员工作滞后。",
    problems: ["学习计划执行不严", "发展党员工作滞后"],
  },
  {
    name: "a summary sentence names the problems before listing them",
    text: "二、存在问题\n主要存在以下三个方面问题：学习不深入、制度不落实、管理不严格。具体如下：\n1.学习不深入。集中学习多，交流研讨少。\n2.制度不落实。三会一课记录不全。\n3.管理不严格。流动党员联系不紧密。",
    problems: ["学习不深入", "制度不落实", "管理不严格"],
  },
  {
    name: "巡察反馈意见: a 、-list of problems; a 、-list of methods is no problem list",
    text: "巡察反馈意见\n巡察组通过个别谈话、调阅资料、实地走访等方式了解情况。\n一、发现的主要问题\n（一）党的建设方面\n党支部存在学习制度执行不严、组织生活质量不高、党员管理松散等问题。\n二、整改要求\n一是要强化学习；二是要严格组织生活。",
    problems: ["学习制度执行不严", "组织生活质量不高", "党员管理松散"],
    measures: ["强化学习", "严格组织生活"],
  },
  {
    name: "ordinals 第一，第二，",
    text: "一、巡察发现的问题\n第一，政治理论学习不深入；第二，落实民主集中制不到位；第三，廉政风险防控不力。\n二、整改意见\n第一，健全学习制度；第二，完善议事规则。",
    problems: ["政治理论学习不深入", "落实民主集中制不到位", "廉政风险防控不力"],
    measures: ["健全学习制度", "完善议事规则"],
  },
  {
    name: "首先…其次…再次…此外",
    text: "二、存在问题\n首先，学习教育抓得不实；其次，组织生活不够规范；再次，党员管理不够严格；此外，阵地建设存在短板。\n三、整改措施\n1.抓实学习。",
    problems: ["学习教育抓得不实", "组织生活不够规范", "党员管理不够严格", "阵地建设存在短板"],
    measures: ["抓实学习"],
  },
  {
    name: "parallel clauses 有的党员…；有的党员…",
    text: "一、存在的问题\n有的党员理想信念淡化；有的党员不按时交纳党费；有的党员长期不参加组织生活。\n二、整改措施\n开展党员集中教育。",
    problems: ["有的党员理想信念淡化", "有的党员不按时交纳党费", "有的党员长期不参加组织生活"],
    measures: ["开展党员集中教育"],
  },
  {
    name: "measures as unmarked 要…；要… after 会议要求：",
    text: "一、存在问题\n1.学习不深入。\n2.作风不扎实。\n二、整改要求\n会议要求：要深入学习党的理论；要切实转变工作作风；要建立整改台账。",
    problems: ["学习不深入", "作风不扎实"],
    measures: ["深入学习党的理论", "切实转变工作作风", "建立整改台账"],
  },
  {
    name: "measures paired with each problem",
    text: "三、问题及整改措施\n（一）理论学习不够深入。\n整改措施：制定学习计划，每月集中学习一次。\n（二）党员教育管理不严。\n整改措施：建立党员积分管理制度。",
    problems: ["理论学习不够深入", "党员教育管理不严"],
    measures: ["制定学习计划", "建立党员积分管理制度"],
  },
  {
    name: "measures under other names: 工作建议, 对策",
    text: "二、存在的主要问题\n1.基层党组织覆盖不全。\n2.党务干部力量薄弱。\n三、对策建议\n1.扩大组织覆盖。\n2.充实党务干部。",
    problems: ["基层党组织覆盖不全", "党务干部力量薄弱"],
    measures: ["扩大组织覆盖", "充实党务干部"],
  },
  {
    name: "problems named 问题和不足 with ① items and causes after 究其原因",
    text: "二、问题和不足\n①党员发展把关不严；②党费管理不规范。究其原因，一是思想上不够重视；二是制度执行不严。\n三、整改情况\n①已重新审核发展材料；②已补缴党费。",
    problems: ["党员发展把关不严", "党费管理不规范"],
    causes: ["思想上不够重视", "制度执行不严"],
    measures: ["已重新审核发展材料", "已补缴党费"],
  },
  {
    name: "work section mentions problems that are not problems",
    text: "一、工作开展情况\n对照问题清单逐一查找，查摆问题5个，已全部整改到位。\n二、存在问题\n1.学习不深入。\n三、整改措施\n1.加强学习。",
    problems: ["学习不深入"],
    measures: ["加强学习"],
  },
  {
    name: "a first paragraph that sums up the unnumbered paragraphs after it is no problem",
    text: "二、存在问题\n经过自查，主要存在以下三个方面问题：学习不深入、制度不落实、管理不严格。\n学习不深入。集中学习多，交流研讨少。\n制度不落实。三会一课记录不全。\n管理不严格。流动党员联系不紧密。",
    problems: ["学习不深入", "制度不落实", "管理不严格"],
  },
  {
    name: "a passing remark about problems in a work section makes no problem",
    text: "一、工作情况\n全年开展主题党日12次，虽然取得一定成效，但仍存在问题，需要进一步加强。\n二、存在问题\n1.学习不深入。\n三、整改措施\n1.加强学习。",
    problems: ["学习不深入"],
    measures: ["加强学习"],
  },
  {
    name: "会议要求： in a 工作要求 section beside a measures section",
    text: "一、发现的问题\n1.学习不深入。\n二、整改建议\n1.加强学习。\n三、工作要求\n会议要求：要压实整改责任；要按期报送整改报告。",
    problems: ["学习不深入"],
    measures: ["加强学习", "压实整改责任", "按期报送整改报告"],
  },
  {
    name: "a 整改情况报告: each problem with its 整改情况：",
    text: "二、问题整改落实情况\n（一）关于“学习不深入”的问题\n整改情况：制定学习计划，已完成整改。\n（二）关于“党费收缴不及时”的问题\n整改情况：补缴党费，已完成整改。",
    problems: ["学习不深入", "党费收缴不及时"],
    measures: ["制定学习计划", "补缴党费"],
  },
  {
    name: "unnumbered heading lines: 存在问题 / 整改措施",
    text: "XX支部自查报告\n一、基本情况\n支部有党员12名。\n存在问题\n1.组织生活不规范。\n2.党员管理不严格。\n整改措施\n1.规范组织生活。\n2.严格党员管理。",
    problems: ["组织生活不规范", "党员管理不严格"],
    measures: ["规范组织生活", "严格党员管理"],
  },
  {
    name: "第一部分 / 第二部分 headings",
    text: "第一部分 基本情况\n支部有党员9名。\n第二部分 存在问题\n1.学习不深入。\n2.活动不经常。\n第三部分 整改措施\n1.加强学习。",
    problems: ["学习不深入", "活动不经常"],
    measures: ["加强学习"],
  },
  {
    name: "measures grouped under headings that name the problem",
    text: "二、存在问题\n1.学习不深入。\n2.党费收缴不及时。\n三、整改措施\n（一）针对学习不深入的问题\n1.制定学习计划。\n2.开展专题研讨。\n（二）针对党费收缴不及时的问题\n1.按月收缴党费。",
    problems: ["学习不深入", "党费收缴不及时"],
    measures: ["制定学习计划", "开展专题研讨", "按月收缴党费"],
  },
  {
    name: "a cause and a measure labelled inside each problem",
    text: "二、存在的问题及原因\n1.理论学习不够深入。原因：思想上重视不够。措施：制定学习计划。\n2.组织生活不够规范。原因：制度执行不严。措施：严格执行三会一课制度。",
    problems: ["理论学习不够深入", "组织生活不够规范"],
    causes: ["思想上重视不够", "制度执行不严"],
    measures: ["制定学习计划", "严格执行三会一课制度"],
  },
  {
    name: "对照检查材料: '对照检查情况' opens the problems; '在…方面。' groups share a paragraph with 一是/二是",
    text: "XX局党组班子对照检查材料\n一、对照检查情况\n（一）在理论武装方面。一是学习不够系统，满足于读原文；二是学用结合不紧。\n（二）在作风建设方面。调查研究不够深入，到基层蹲点少。\n二、问题产生的原因\n（一）思想认识有偏差。对理论学习重视不够。\n三、下一步整改措施\n（一）强化理论武装。制定学习计划。\n（二）改进工作作风。每季度蹲点调研一次。",
    problems: [["在理论武装方面", "学习不够系统"], ["在理论武装方面", "学用结合不紧"], "调查研究不够深入"],
    causes: ["对理论学习重视不够"],
    measures: ["强化理论武装", "改进工作作风"],
  },
  {
    name: "'检视剖析' and '查摆的问题' headings open the problems; last year's measures are not this report's",
    text: "班子成员个人对照检查材料\n一、上一年度整改措施落实情况\n去年查摆的问题已整改到位。一是建立了学习台账；二是落实了谈心谈话制度。\n二、检视剖析\n1.政治理论学习有差距，学习笔记记得少。\n2.联系群众不够紧密，下基层次数少。\n三、努力方向和整改措施\n1.坚持每周自学。\n2.每月下基层调研。",
    problems: ["政治理论学习有差距", "联系群众不够紧密"],
    measures: ["坚持每周自学", "每月下基层调研"],
  },
  {
    name: "a '上年度…整改落实情况：' label lists done work, neither problems nor measures",
    text: "XX支部组织生活会对照检查材料\n一、查摆的问题\n1.三会一课落实不严格。\n2.党员教育管理偏松。\n二、整改措施\n1.严格落实三会一课。\n2.加强党员日常管理。\n三、其他情况\n上年度整改措施落实情况：一是补齐了会议记录；二是完成了党员信息采集。",
    problems: ["三会一课落实不严格", "党员教育管理偏松"],
    measures: ["严格落实三会一课", "加强党员日常管理"],
  },
  {
    name: "closing paragraph: problems, then '2025年，…将重点做好以下工作：(1)…' are measures",
    text: "XX中学党总支2024年工作总结\n一、主要工作\n全年组织集中学习12次。\n二、工作成效\n一是完成支部换届；二是发展党员2名。\n回顾全年，也存在一些不足，一是党建与业务融合不深；二是青年教师入党积极性不高。2025年，党总支将重点做好以下工作：（1）打造党建特色项目；（2）加强青年教师政治引领。",
    problems: ["党建与业务融合不深", "青年教师入党积极性不高"],
    measures: ["打造党建特色项目", "加强青年教师政治引领"],
  },
  {
    name: "'明年，支部将着力抓好以下几项工作：一是…' opens measures after inline problems",
    text: "XX社区党支部年度总结\n一、工作开展情况\n全年开展志愿服务30次。\n二、不足与打算\n工作中还存在一些问题：一是党员参与率不高；二是阵地利用不充分。\n明年，支部将着力抓好以下几项工作：一是开展党员积分管理；二是盘活党群服务阵地。",
    problems: ["党员参与率不高", "阵地利用不充分"],
    measures: ["开展党员积分管理", "盘活党群服务阵地"],
  },
  {
    name: "a table flattened to tab-separated rows: problem column → problems, measures column → measures",
    text: "关于巡察反馈问题的整改方案\n一、总体要求\n坚持问题导向，制定问题清单，逐项整改销号。\n二、问题清单\n序号\t问题类别\t问题描述\t整改措施\t责任人\t整改时限\n1\t政治建设\t第一议题制度落实不到位\t党组会先学习再研究\t张XX\t立行立改\n2\t组织建设\t支部换届不及时\t①摸排到期支部；②年内完成换届\t李XX\t2024年12月底\n三、工作要求\n（一）加强领导。主要负责同志亲自抓。\n（二）严格督查。每月调度一次。",
    problems: [["政治建设", "第一议题制度落实不到位"], ["组织建设", "支部换届不及时"]],
    measures: ["党组会先学习再研究", "摸排到期支部", "年内完成换届"],
  },
  {
    name: "a Word table pasted as one cell per line",
    text: "XX局整改台账\n序号\n存在问题\n整改措施\n责任单位\n完成时限\n1\n干部档案管理不规范，个别材料缺失\n开展档案专项审核，补齐材料\n人事科\n2024年9月底\n2\n食堂采购台账不规范\n建立采购日检查制度\n办公室\n2024年7月底\n二、工作要求\n各科室要高度重视。",
    problems: ["干部档案管理不规范", "食堂采购台账不规范"],
    measures: ["开展档案专项审核", "建立采购日检查制度"],
  },
  {
    name: "the closing block (附件 list, signature, date, 抄送) and em-dash page numbers give no items",
    text: "XX党支部自查报告\n一、存在问题\n1.学习不深入。\n2.党费收缴不及时。\n二、整改措施\n1.加强集中学习。\n— 2 —\n2.按月收缴党费。\n\n附件：1.自查表\n      2.党费收缴统计表\n\n中共XX党支部委员会\n2024年**月**日\n抄送：机关党委。",
    problems: ["学习不深入", "党费收缴不及时"],
    measures: ["加强集中学习", "按月收缴党费"],
  },
  {
    name: "'主要表现在：(1)…(2)…' details one problem rather than listing new ones",
    text: "XX支部自查报告\n一、存在的主要问题\n1、党员档案管理不规范。主要表现在：（1）入党材料缺少政审材料；（2）档案未专柜存放。\n2、支部书记培训不到位。新任书记未参加轮训。\n二、整改措施\n1．规范档案管理。\n2．加强书记培训。",
    problems: ["党员档案管理不规范", "支部书记培训不到位"],
    measures: ["规范档案管理", "加强书记培训"],
  },
  {
    name: "a markdown-style ledger table: bracketed notes in column names, a separator row, columns of other names",
    text: "XX支部整改台账\n一、问题清单\n| 序号 | 问题类别（来源） | 问题描述 | 整改目标（完成标准） | 整改措施 | 责任人 | 整改时限 | 佐证材料 |\n|---|---|---|---|---|---|---|---|\n| 1 | 巡察反馈 | 党费收缴不及时 | 按月足额收缴 | 建立党费收缴提醒制度 | 张XX | 2024年10月 | 收缴台账 |\n| 2 | 自查发现 | 会议记录不规范 | 记录要素齐全 | 统一印发记录本 | 李XX | 长期坚持 | 记录本 |\n二、工作要求\n各支部要抓好落实。",
    problems: [["巡察反馈", "党费收缴不及时"], ["自查发现", "会议记录不规范"]],
    measures: ["建立党费收缴提醒制度", "统一印发记录本"],
  },
  {
    name: "a last item that reads like a signature ('…活动中心') is kept when no date or 抄送 follows",
    text: "XX支部自查报告\n一、存在问题\n1.阵地建设滞后。\n2.活动场所不足。\n二、整改措施\n1.改造党员活动室\n2.建设党群服务中心",
    problems: ["阵地建设滞后", "活动场所不足"],
    measures: ["改造党员活动室", "建设党群服务中心"],
  },
  {
    name: "unnumbered problems split by semicolons, then a '2025年工作思路：' label with 一是… measures",
    text: "XX村党支部2024年度工作总结\n一、工作开展情况\n全年召开党员大会4次。\n二、存在的不足\n虽然取得一定成绩，但仍存在以下不足：党员老龄化严重，年轻党员少；村集体经济收入来源单一；党员活动阵地设施陈旧。\n2025年工作思路：一是加大从返乡青年中发展党员力度；二是发展特色种植增加集体收入；三是改造提升党员活动室。",
    problems: ["党员老龄化严重", "村集体经济收入来源单一", "党员活动阵地设施陈旧"],
    measures: ["加大从返乡青年中发展党员力度", "发展特色种植增加集体收入", "改造提升党员活动室"],
  },
  {
    name: "a tab-separated table without a 序号 column",
    text: "关于巡察反馈问题的整改方案\n一、问题及整改措施\n问题\t整改措施\t责任人\t时限\n党支部换届不及时\t年内完成换届选举\t张XX\t2024年12月\n党费收缴不规范\t建立按月收缴台账\t李XX\t立行立改\n二、工作要求\n严格按时完成。",
    problems: ["党支部换届不及时", "党费收缴不规范"],
    measures: ["年内完成换届选举", "建立按月收缴台账"],
  },
  {
    name: "a section of \"关于“…”的问题\" lines under a measures heading: each line a problem, 整改情况：/整改进展： below it its measure",
    text: "XX局党组关于巡察反馈意见整改情况的报告\n一、整改工作总体情况\n召开专题会议4次，反馈的3个问题已整改完成2个。\n二、反馈意见逐项整改情况\n1.关于“理论学习不深入”的问题\n整改情况：修订学习制度；举办读书班1期。\n2.关于“公车管理不规范”的问题\n整改进展：安装定位系统，计划12月底前完成。\n3.关于“档案管理混乱”的问题\n整改情况：聘请专业人员整理档案。",
    problems: ["理论学习不深入", "公车管理不规范", "档案管理混乱"],
    measures: ["修订学习制度；举办读书班1期", "安装定位系统", "聘请专业人员整理档案"],
  },
  {
    name: "problem lines under a heading that names no kind, their answers unlabelled; 整改进展 after 整改措施 is a status",
    text: "XX公司党委整改报告\n一、逐项整改\n（一）关于“三重一大”执行不严的问题\n修订决策制度实施办法。\n（二）关于选人用人不规范的问题\n整改措施：严格执行选任程序。\n整改进展：已完成。\n二、下步打算\n（一）巩固整改成果。",
    problems: ["三重一大”执行不严", "选人用人不规范"],
    measures: ["修订决策制度实施办法", "严格执行选任程序", "巩固整改成果"],
  },
  {
    name: "headings with neither 问题 nor 措施: 主要表现 / 整改清单 / 努力方向 / 短板",
    text: "XX村党支部软弱涣散整顿自查报告\n一、软弱涣散主要表现\n1.书记带头作用不强。\n2.班子不够团结。\n二、整改清单\n1.调整充实班子。（责任人：李XX；时限：立行立改）\n2.建立联席会议制度。（责任人：王XX；时限：2024年10月底）\n三、今后的努力方向\n一是壮大集体经济；二是规范组织生活。",
    problems: ["书记带头作用不强", "班子不够团结"],
    measures: ["调整充实班子", "建立联席会议制度", "壮大集体经济", "规范组织生活"],
  },
  {
    name: "a heading that says nothing: its items decide (fault-finding → problems; imperative after them → measures)",
    text: "XX村党支部自查报告\n一、基本情况\n有党员22名。\n二、对照检查发现\n1.阵地建设薄弱，办公用房不足。\n2.党员教育管理不够严格。\n三、重点抓好的几项工作\n1.争取支持完成村部改扩建。\n2.严格落实党员积分管理制度。",
    problems: ["阵地建设薄弱", "党员教育管理不够严格"],
    measures: ["争取支持完成村部改扩建", "严格落实党员积分管理制度"],
  },
  {
    name: "last year's rectification (2023年度…问题整改情况 in a 2024 report) is neither problems nor measures",
    text: "XX学院党委2024年度党建工作自查报告\n一、2023年度查摆问题整改情况\n上年度3个问题已全部整改：1.针对“双带头人培育不足”的问题，选拔3名带头人任书记；2.针对“发展质量不高”的问题，实行结业考试。\n二、存在的问题\n（一）课程思政推进不平衡。部分课程融入生硬。\n（二）校企共建实效不强。合作成果不多。\n三、整改措施\n1.制定课程思政实施方案。\n2.修订校企共建协议。",
    problems: ["课程思政推进不平衡", "校企共建实效不强"],
    measures: ["制定课程思政实施方案", "修订校企共建协议"],
  },
  {
    name: "spaces inside numbering markers: 二 、 1 . 3 ． （ 一 ）",
    text: "XX村党支部自查报告\n一 、基本情况\n有党员41名。\n二 、存在的问题\n经查摆，主要存在以下几个方面的问题:\n1 . 党员队伍老化,后继乏人 ;\n2、 “四议两公开”执行不规范 ;\n3 ．村务公开不及时 ;\n三 、改进措施\n（ 一 ）实施青年人才回引计划。\n（ 二 ）严格四议两公开程序。",
    problems: ["党员队伍老化", "四议两公开”执行不规范", "村务公开不及时"],
    measures: ["实施青年人才回引计划", "严格四议两公开程序"],
  },
  {
    name: "章节式 numbering: 2.1 …方面 are categories of the 2.1.x problems",
    text: "XX所党总支自查报告\n1 基本情况\n1.1 组织设置。下设3个支部。\n2 存在的问题\n2.1 思想建设方面\n2.1.1 理论学习与科研结合不够。\n2.1.2 思想动态掌握不及时。\n2.2 组织建设方面\n2.2.1 支部设置与团队匹配度不高。\n3 原因分析\n3.1 融合研究不深。\n4 整改措施\n4.1 建立双融合机制。\n4.2 优化支部设置。",
    problems: [["思想建设方面", "理论学习与科研结合不够"], ["思想建设方面", "思想动态掌握不及时"], ["组织建设方面", "支部设置与团队匹配度不高"]],
    causes: ["融合研究不深"],
    measures: ["建立双融合机制", "优化支部设置"],
  },
  {
    name: "text after the items: a lead-in ending in a colon, a closing pledge, a ledger appended after the signature",
    text: "XX局党组整改报告\n一、查摆出的差距\n总的看，与上级要求相比还有差距，突出表现在三个方面：\n——支部作用发挥不够充分。\n——党员教育针对性不强。\n二、整改措施\n1.建立考核制度。\n2.推行微党课。\n三、下一步工作\n局党组将以此次整改为契机，持续压实责任，确保整改到位。\n\n中共XX局党组\n2024年11月5日\n\n附件\nXX局问题整改台账\n（截至2024年11月5日）\n序号\t问题描述\t整改措施\t责任人\n1\t支部作用发挥不够充分\t建立考核制度\t张XX\n2\t党员教育针对性不强\t推行微党课\t李XX",
    problems: ["支部作用发挥不够充分", "党员教育针对性不强"],
    measures: ["建立考核制度", "推行微党课"],
  },
  {
    name: "a ledger after the signature counts when the body names no problems",
    text: "XX支部整改情况报告\n一、总体情况\n支部对照反馈意见逐项整改，具体问题见附件。\n\nXX党支部\n2024年11月5日\n\n附件\n序号\t问题描述\t整改措施\t责任人\n1\t党费收缴不及时\t按月收缴\t张XX\n2\t会议记录不规范\t统一记录本\t李XX",
    problems: ["党费收缴不及时", "会议记录不规范"],
    measures: ["按月收缴", "统一记录本"],
  },
  {
    name: "problems listed in a section of their own, then answered one by one: the answers are measures, the problem lines no second problem",
    text: "XX局党组整改情况的报告\n一、反馈的主要问题\n1.理论学习不深入。\n2.公车管理不规范。\n二、逐项整改情况\n1.关于“理论学习不深入”的问题\n修订学习制度，举办读书班1期。\n2.关于“公车管理不规范”的问题\n整改情况：安装定位系统。",
    problems: ["理论学习不深入", "公车管理不规范"],
    measures: ["修订学习制度", "安装定位系统"],
  },
  {
    name: "a past-year section's own \"关于…的问题\" items and 整改情况 labels stay out",
    text: "XX中学党总支2024年度党建工作自查报告\n一、2023年度巡察反馈问题整改情况\n1.关于“第一议题制度不到位”的问题\n整改情况：修订议事规则。\n2.关于“发展党员工作薄弱”的问题\n整改情况：建立培养台账。\n二、存在的问题\n（一）党建与教学融合不够。\n（二）组织生活形式单一。\n三、整改措施\n（一）开展党员示范课评选。\n（二）丰富主题党日形式。",
    problems: ["党建与教学融合不够", "组织生活形式单一"],
    measures: ["开展党员示范课评选", "丰富主题党日形式"],
  },
  {
    name: "problem lines without 关于 count when 整改情况： follows them; under 问题整改情况 an unlabelled answer is a measure",
    text: "XX支部整改报告\n一、反馈意见整改情况\n（一）“三会一课”制度落实不到位的问题\n整改情况：制定组织生活计划。\n（二）党员发展程序不规范的问题\n整改情况：复查发展党员档案。\n二、其他问题整改情况\n1.关于“学习不深入”的问题\n修订学习制度。\n2.关于“档案混乱”的问题\n整理档案。",
    problems: ["三会一课”制度落实不到位", "党员发展程序不规范", "学习不深入", "档案混乱"],
    measures: ["制定组织生活计划", "复查发展党员档案", "修订学习制度", "整理档案"],
  },
  {
    name: "一是…（责任人：…，时限）；二是…: the responsibility note ends one measure, not the list",
    text: "XX支部自查报告\n一、此次自查发现的不足\n具体来说，存在以下不足：一是议题临时确定；二是党课质量不高。\n二、整改清单\n一是会前一周征集议题（责任人：组织委员，立行立改）；二是实行党课试讲制度（责任人：支部书记，2024年12月底）；三是建立缺席报告制度（责任人：组织委员，长期坚持）。",
    problems: ["议题临时确定", "党课质量不高"],
    measures: ["会前一周征集议题", "实行党课试讲制度", "建立缺席报告制度"],
  },
  {
    name: "closing promises are no items: 对于以上问题…将认真整改 after problems, 针对上述问题…确保整改到位 after measures, 以此次…为契机",
    text: "XX支部自查报告\n一、存在的问题\n理论学习不够深入，学用结合不紧。\n组织生活不够规范，会议记录不全。\n对于以上问题，支部将认真加以整改。\n二、整改措施\n1.加强学习。\n2.规范组织生活。\n针对上述问题，我们将坚持立行立改，确保整改到位。\n三、下一步打算\n支部将以此次自查为契机，推动党建工作再上新台阶。",
    problems: ["理论学习不够深入", "组织生活不够规范"],
    measures: ["加强学习", "规范组织生活"],
  },
  {
    name: "an answered problem line followed by 一是…二是…: the line is the problem, the list its measures",
    text: "XX局整改报告\n一、整改工作总体情况\n召开会议4次。\n二、反馈意见逐项整改情况\n1.关于“理论学习不深入”的问题\n一是修订学习制度；二是举办读书班1期。\n2.关于“公车管理不规范”的问题\n整改情况：一是安装定位系统；二是实行一车一档。",
    problems: ["理论学习不深入", "公车管理不规范"],
    measures: ["修订学习制度", "举办读书班1期", "安装定位系统", "实行一车一档"],
  },
  {
    name: "a one-cell-per-line ledger after a signature with its date on the same line, opened by 附件：title",
    text: "XX局整改报告\n一、存在的问题\n1.预算编制不够精细。\n2.采购验收走过场。\n二、整改措施\n1.修订预算编制规程。\n2.开展采购验收专项检查。\n\nXX局党组 2024年11月5日\n\n附件：XX局问题整改台账\n序号\n问题描述\n整改措施\n责任人\n1\n预算编制不够精细\n修订预算编制规程\n张XX\n2\n采购验收走过场\n开展采购验收专项检查\n李XX",
    problems: ["预算编制不够精细", "采购验收走过场"],
    measures: ["修订预算编制规程", "开展采购验收专项检查"],
  },
  {
    name: "untyped headings read by their items: problems under 在…方面 titles, measures as 针对…问题，做… and as one 一是…二是… paragraph",
    text: "XX局机关党支部班子对照检查材料\n一、对照检查发现\n（一）在理论学习方面。学习的系统性不强，研讨联系实际不够。\n（二）在执行制度方面。落实制度有时打折扣。\n二、重点抓好的几项工作\n（一）针对学习不系统的问题，制定年度学习计划。\n（二）针对制度打折扣的问题，统一印发支部工作记录本。\n三、几项重点工作\n一是巩固整改成果；二是建立长效机制。",
    problems: ["学习的系统性不强", "落实制度有时打折扣"],
    measures: ["制定年度学习计划", "统一印发支部工作记录本", "巩固整改成果", "建立长效机制"],
  },
  {
    name: "a past-year heading in Chinese numerals, the report's year from its date line (二〇二四年)",
    text: "XX支部自查报告\n一、二〇二三年度问题整改落实情况\n1.关于“学习不深入”的问题\n整改情况：制定学习计划。\n2.关于“记录不规范”的问题\n整改情况：统一记录本。\n二、存在的问题\n1.党员活动阵地不足。\n2.志愿服务参与率低。\n三、整改措施\n1.改造活动室。\n2.建立志愿服务积分。\n\nXX党支部\n二〇二四年十二月二十日",
    problems: ["党员活动阵地不足", "志愿服务参与率低"],
    measures: ["改造活动室", "建立志愿服务积分"],
  },
  // ── narrative shapes: meeting news, minutes, commentary (issue 15) ──
  {
    name: "narrative: 一是…。主要表现在…。二是… in one paragraph after 作了剖析; each 主要表现在 belongs to its item",
    text: "第二党支部召开组织生活会\n会上，支部书记对支部班子存在的不足作了深入剖析。一是理论学习不够深入。主要表现在学用脱节。二是组织生活质量不高。主要表现在形式单一。三是联系群众不够经常。\n随后，党员逐一发言。",
    problems: ["理论学习不够深入。主要表现在学用脱节", "组织生活质量不高", "联系群众不够经常"],
    measures: [],
  },
  {
    name: "narrative: 存在A、B、C等问题 in a meeting sentence; a 、-list of methods or agenda items is none",
    text: "督导组到某村检查\n督导组通过个别谈话、查阅资料、实地察看等方式开展检查，听取了村党组织书记、包村干部的汇报。经排查，村党支部主要存在班子凝聚力不强、组织生活不规范、集体经济薄弱等问题。",
    problems: ["班子凝聚力不强", "组织生活不规范", "集体经济薄弱"],
  },
  {
    name: "narrative: 主要是A、B等八个方面 names only some: those named are taken",
    text: "座谈会上，大家指出了支部存在的问题，主要是学习教育针对性不强、党员管理不够严格、制度执行打折扣等八个方面。",
    problems: ["学习教育针对性不强", "党员管理不够严格", "制度执行打折扣"],
  },
  {
    name: "narrative: 反馈指出…发现一些问题：A；B。 then unmarked 要…；要… after 提出意见建议：, the 表态 paragraph no measure",
    text: "巡察组反馈巡察情况\n反馈指出，局党组做了大量工作，但巡察也发现一些问题：党组主体责任落实有差距，对下属单位监督偏软；工程项目管理不规范。\n巡察组就抓好整改提出意见建议：要压实整改责任；要健全工程项目管理制度。\n局党组书记表示，将坚决扛起整改责任、切实做到立行立改。",
    problems: ["党组主体责任落实有差距", "工程项目管理不规范"],
    measures: ["压实整改责任", "健全工程项目管理制度"],
  },
  {
    name: "narrative: measures for two addressees (对X：要…；要…。对Y：要…), each 要 clause one measure",
    text: "反馈指出，巡察发现存在以下问题。一是惠农资金监管不严。二是人才流失较多。\n巡察组提出整改意见建议。对局党组：要切实扛起整改主体责任；要开展惠农资金专项自查。对局属各单位：要制定人才激励办法。",
    problems: ["惠农资金监管不严", "人才流失较多"],
    measures: ["切实扛起整改主体责任", "开展惠农资金专项自查", "制定人才激励办法"],
  },
  {
    name: "narrative: a comma before another subject's fault (部分/个别…) splits; 同时，… adds a fault",
    text: "自查情况\n自查发现：三会一课记录不完整，部分党员学习笔记内容空泛；发展党员工作滞后。同时，党建经费使用不规范。",
    problems: ["三会一课记录不完整", "部分党员学习笔记内容空泛", "发展党员工作滞后", "党建经费使用不规范"],
  },
  {
    name: "narrative: 第四季度工作计划 with 一是…二是… after problems told after 存在的不足：",
    text: "社区党委第三季度工作总结\n同时也要看到存在的不足：网格党建作用发挥不充分；积分兑现不及时。\n第四季度工作计划\n一是优化网格设置。二是完善积分兑换办法。",
    problems: ["网格党建作用发挥不充分", "积分兑现不及时"],
    measures: ["优化网格设置", "完善积分兑换办法"],
  },
];

for (const c of CASES) {
  test(c.name, () => {
    const r = extractReport(c.text);
    const problems = c.problems.map((p) => (typeof p === "string" ? { key: p } : { key: p[1], category: p[0] }));
    const show = (xs: { category: string | null; text: string }[]) => xs.map((x) => `${x.category ?? "-"} | ${x.text}`).join("\n");
    assert.deepEqual(missedKeys(problems, r.problems), [], `problems:\n${show(r.problems)}`);
    assert.equal(r.problems.length, problems.length, `problems:\n${show(r.problems)}`);
    problems.forEach((p, i) => {
      if (p.category !== undefined) assert.equal(squash(r.problems[i].category), squash(p.category));
    });
    if (c.measures) {
      const ms = r.measures.map((m) => ({ text: m.text }));
      assert.deepEqual(missedKeys(c.measures.map((key) => ({ key })), ms), [], `measures:\n${show(r.measures)}`);
      assert.equal(r.measures.length, c.measures.length, `measures:\n${show(r.measures)}`);
    }
    if (c.causes) {
      assert.deepEqual(missedKeys(c.causes.map((key) => ({ key })), r.causes), [], `causes:\n${show(r.causes)}`);
      assert.equal(r.causes.length, c.causes.length, `causes:\n${show(r.causes)}`);
    }
    assert.equal(r.notice, undefined);
  });
}

test("a title on two lines (…第三党支部 / 2025年度党建工作自查报告): both lines are the title", () => {
  const r = extractReport("中共某县自然资源局机关第三党支部\n2025年度党建工作自查报告\n\n一、存在的问题\n一是学习不深入。二是阵地建设滞后。");
  assert.equal(r.title, "中共某县自然资源局机关第三党支部2025年度党建工作自查报告");
  assert.equal(r.problems.length, 2);
  // a first line that names no organisation keeps its own line
  assert.equal(extractReport("关于整改情况的报告\n2025年度党建工作自查报告\n一、存在的问题\n1.学习不深入。").title, "关于整改情况的报告");
});

test("lines of the web page a text was copied from are no part of it: breadcrumbs, publishing notes, print links, 责任编辑", () => {
  const text = "当前位置：首页 > 工作动态\n县教育局党组召开民主生活会\n发布日期：2025-09-18　来源：县教育局\n\n会上通报了巡察反馈问题：一是经费监管不严；二是师德师风建设存在薄弱环节。\n\n【打印本页】【关闭窗口】\n（责任编辑：张某）";
  const r = extractReport(text);
  assert.equal(r.title, "县教育局党组召开民主生活会");
  assert.deepEqual(r.problems.map((p) => p.text), ["经费监管不严", "师德师风建设存在薄弱环节。"]);
  assert.deepEqual(r.measures, []);
  for (const p of r.problems) assert.equal(text.slice(p.start, p.end), p.text);
});

test("no problems found: the notice asks for manual entry", () => {
  const r = extractReport("XX党支部工作总结\n一、主要做法\n全年开展主题党日12次。\n二、工作成效\n党员队伍建设得到加强。");
  assert.deepEqual(r.problems, []);
  assert.equal(r.notice, "未识别到存在问题，请手工添加");
});

test("positions point into the original text, for the review screen", () => {
  const text = "二、存在问题\r\n　　1.学习不深入。\r\n　　2.党费收缴不及时。\r\n三、整改措施\r\n　　1.加强学习。";
  const r = extractReport(text);
  assert.equal(r.problems.length, 2);
  for (const p of r.problems) assert.equal(text.slice(p.start, p.end), p.text);
  assert.equal(text.slice(r.problems[1].start, r.problems[1].end), "党费收缴不及时。");
  assert.deepEqual(r.sections.map((s) => s.kind), ["problems", "measures"]);
});
