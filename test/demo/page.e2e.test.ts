// The live page at `/` in headless Chromium (Debian's, through playwright): it polls /stats
// without a console error, and its chart draws both axes with their ticks and values, the time
// axis, and the latest values beside the chart. Skipped without Chromium, with the reason in the
// closing summary, except in CI, where it is installed and a missing one must fail.
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Document } from '../../demo/corpus.js';
import { SearchIndex } from '../../demo/search-index.js';
import { type Demo, startDemo } from '../../demo/server.js';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import { skipWith } from '../shared/skip.js';
import { http } from './helpers.js';

const inCi = process.env.CI === 'true' || process.env.CI === '1';
const skip = !existsSync(chromiumPath) && !inCi && `no Chromium at ${chromiumPath}`;

const docs: Document[] = Array.from({ length: 20 }, (_, id) => ({
  id,
  title: `Document ${id}`,
  text: `alpha ${id % 2 ? 'beta' : 'gamma'} words`,
}));

describe('the live page in headless Chromium', skipWith(skip), () => {
  let demo: Demo;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    demo = await startDemo({ index: SearchIndex.build(docs), port: 0 });
    for (const q of ['alpha', 'alpha', 'beta', 'alpha']) await http(`${demo.url}/search?q=${q}`);
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    // record what the chart writes: its labels are canvas text, not DOM
    await page.addInitScript(() => {
      const texts: string[] = [];
      (window as unknown as { chartTexts: string[] }).chartTexts = texts;
      const fillText = CanvasRenderingContext2D.prototype.fillText;
      CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
        texts.push(text);
        return fillText.call(this, text, ...rest);
      };
    });
    await page.goto(demo.url);
    // the first poll of /stats has been drawn
    await page.waitForFunction(() => document.getElementById('nowHit')?.textContent !== '–');
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('shows the latest hit ratio and requests/s beside the chart', async () => {
    expect(await page.textContent('#nowHit')).toBe('50.0 %'); // 2 hits of 4
    expect(await page.textContent('#legend')).toMatch(/requests\/s \(right axis\): [\d.]+/);
  });

  it('draws both value axes with ticks, the time axis, and their titles', async () => {
    const texts = await page.evaluate(
      () => (window as unknown as { chartTexts: string[] }).chartTexts,
    );
    expect(texts).toEqual(expect.arrayContaining(['0 %', '25 %', '50 %', '75 %', '100 %']));
    expect(texts).toEqual(expect.arrayContaining(['−120 s', '−90 s', '−60 s', '−30 s', 'now']));
    expect(texts).toEqual(expect.arrayContaining(['hit ratio', 'requests/s', '0']));
    const box = await page.locator('#chart').boundingBox();
    expect(box?.height).toBeGreaterThanOrEqual(150);
  });

  it('has no console errors', () => {
    expect(errors).toEqual([]);
  });
});
