// Real headless Chromium (Debian's /usr/bin/chromium through playwright-core) against a test app
// listening on a free loopback port. Browser tests skip with a clear message where it is absent.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";
import type { TestContext } from "node:test";
import { PASSWORD, type TestApp } from "./app.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS = join(process.cwd(), "test-results");
/** `skip` option for a browser test */
export const NO_BROWSER = existsSync(CHROMIUM) ? false : `未找到 ${CHROMIUM}：跳过浏览器测试（apt-get install chromium）`;

/** Starts the app on a free port with today's real date (the browser's date inputs agree) and a browser. */
type SignIn = (email: string, viewport?: { width: number; height: number }, setup?: (ctx: BrowserContext) => Promise<void>, options?: BrowserContextOptions) => Promise<Page>;

export async function browse(t: TestContext, ta: TestApp): Promise<{ base: string; browser: Browser; as: SignIn }> {
  ta.clock.now = new Date();
  await ta.app.listen({ port: 0, host: "127.0.0.1" });
  const base = `http://127.0.0.1:${(ta.app.server.address() as { port: number }).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  t.after(() => browser.close());
  mkdirSync(ARTIFACTS, { recursive: true });
  /** a signed-in page of its own browser context */
  /** options: more for the context, e.g. { javaScriptEnabled: false } or { bypassCSP: true } (to inject axe-core) */
  const as: SignIn = async (email, viewport = { width: 1280, height: 900 }, setup, options = {}) => {
    const ctx = await browser.newContext({ viewport, locale: "zh-CN", acceptDownloads: true, ...options });
    if (setup) await setup(ctx);
    const page = await ctx.newPage();
    await page.goto(`${base}/login`);
    await page.fill("input[name=email]", email);
    await page.fill("input[name=password]", PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForURL((u) => !u.pathname.startsWith("/login"));
    return page;
  };
  return { base, browser, as };
}
