// End to end in real headless Chromium: a leader pastes the news item of a 巡察反馈 meeting
// (copied from a web page, with its ##…## markers and site lines), and the review screen shows the
// narrative problems highlighted and numbered in 原文, the report's own measures marked, no markers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeApp } from "../helpers/app.ts";
import { browse, ARTIFACTS, NO_BROWSER } from "../helpers/browser.ts";

const NEWS = `当前位置：首页 > 工作动态
##paidbegin##
县委巡察组向县农业农村局党组反馈巡察情况
发布日期：2025-07-17　　来源：县委巡察办

7月16日，县委第二巡察组向县农业农村局党组反馈巡察情况。

反馈指出，巡察发现县农业农村局党组存在以下主要问题。一是落实乡村振兴决策部署有偏差，部分产业项目重申报轻管理。主要表现在2个扶持项目建成后闲置。二是惠农资金监管不严，个别乡镇存在虚报冒领现象。三是干部队伍建设有短板，专业技术人才流失较多。##paidend##

巡察组提出整改意见建议：要建立产业项目建后管护机制，盘活闲置项目；要开展惠农资金发放专项自查；要制定专业技术人才培养和激励办法。

县农业农村局党组书记表示，坚决拥护、全盘接受巡察组反馈意见，切实履行整改主体责任。
【打印本页】【关闭窗口】`;

test("a pasted meeting news item: narrative problems highlighted in 原文 on the review screen", { timeout: 120_000, skip: NO_BROWSER }, async (t) => {
  const ta = await makeApp();
  t.after(ta.close);
  const { base, as } = await browse(t, ta);
  const page = await as("leader@t.cn");
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.setViewportSize({ width: 1280, height: 900 });

  await page.goto(`${base}/reports/import`);
  await page.fill("textarea[name=pasted]", NEWS);
  await page.click("button:has-text('上传并识别问题')");
  await page.waitForURL(/\/reports\/drafts\/\d+$/);

  const items = page.locator("li.draft-item");
  assert.equal(await items.count(), 3, "the three problems told in one paragraph");
  const marks = page.locator("mark.problem-mark");
  assert.equal(await marks.count(), 3, "each is highlighted in 原文");
  for (let i = 0; i < 3; i++) {
    const text = await items.nth(i).locator("textarea[name=text]").inputValue();
    const mark = (await marks.nth(i).innerText()).replace(/^\d+/, "");
    assert.equal(mark.replace(/\s+/g, ""), text.replace(/\s+/g, ""), `problem ${i + 1}: the highlight is its text`);
  }
  assert.match(await items.nth(0).locator("textarea[name=text]").inputValue(), /^落实乡村振兴决策部署有偏差.*主要表现在/);
  assert.equal(await page.locator("mark.measure-mark").count(), 3, "the 要…；要… clauses are the report's measures");
  const source = await page.locator(".source-text").innerText();
  assert.doesNotMatch(source, /paidbegin|paidend|##/, "no copy markers in 原文");
  assert.match(await items.nth(1).locator("textarea[name=measures]").inputValue(), /惠农资金发放专项自查/);
  await page.screenshot({ path: join(ARTIFACTS, "import-review-narrative.png"), fullPage: false });
  await page.locator("#src-p2").scrollIntoViewIfNeeded();
  await page.locator(".source").screenshot({ path: join(ARTIFACTS, "import-review-narrative-source.png") });
  assert.deepEqual(errors, []);
});
