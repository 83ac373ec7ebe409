// Screenshots of a meatus HTML report in Debian's headless chromium (playwright-core), for the README:
//   node scripts/screenshot-report.mjs REPORT.html OUT.png [CSS selector] [max height px]
// waits for the NiiVue viewer when the page has one, and shoots the selected element (default: the page top).
import { chromium } from 'playwright-core';
import { resolve } from 'node:path';

const [html, out, selector, maxHeight = '900'] = process.argv.slice(2);
if (!html || !out) {
  console.error('usage: node scripts/screenshot-report.mjs REPORT.html OUT.png [selector] [max height px]');
  process.exit(2);
}
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  const page = await browser.newPage({ viewport: { width: 1160, height: Number(maxHeight) } });
  await page.goto(`file://${resolve(html)}`);
  await page.waitForFunction(() => !document.getElementById('meatus-viewer') || window.meatusViewer?.ready || window.meatusViewer?.errors.length, null, { timeout: 120000 });
  if (selector) {
    const el = await page.$(selector);
    if (!el) throw new Error(`${html}: no element matches ${selector}`);
    await el.scrollIntoViewIfNeeded();
    const box = await el.boundingBox();
    await page.screenshot({ path: out, clip: { x: box.x, y: box.y, width: box.width, height: Math.min(box.height, Number(maxHeight)) } });
  } else {
    await page.screenshot({ path: out });
  }
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
