// The report's NiiVue viewer in headless Chromium (Debian's chromium through playwright-core):
// the page opens from disk without console errors or network requests, the viewer draws the T2
// with the overlay, the slice moves with the mouse wheel, a screenshot has overlay pixels where the
// tumour is, and the colour-blind palette changes them. Skips with a message without chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure } from '../../src/measure/measure.js';
import { renderReport } from '../../src/measure/report.js';
import { diagonalAffine, type Volume } from '../../src/volume/volume.js';
import { makeLabel } from './shapes.js';
import { readPng } from './png-read.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no ${CHROMIUM}: install Debian's chromium (npm test's setup does) to run the viewer test`;

/** 16 × 64 × 64 voxels of 1 × 0.5 × 0.5 mm: an EM box x 10–29, y 20–43, z 5–10 and an IM box x 30–45, y 28–35, z 6–9. */
function scan(): { t2: Volume<Float32Array>; label: Volume<Uint8Array> } {
  const label = makeLabel([16, 64, 64], diagonalAffine([1, 0.5, 0.5]), (x, y, z) => {
    if (x >= 10 && x <= 29 && y >= 20 && y <= 43 && z >= 5 && z <= 10) return 1;
    if (x >= 30 && x <= 45 && y >= 28 && y <= 35 && z >= 6 && z <= 9) return 2;
    return 0;
  });
  const data = new Float32Array(label.data.length);
  for (let i = 0; i < data.length; i++) data[i] = 100 + (i % 64) + (label.data[i] ? 300 : 0);
  return { t2: { ...label, data }, label };
}

test('viewer: loads from disk without errors, draws the overlay, moves the slice, switches palette', { skip, timeout: 180_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'meatus-viewer-'));
  const { t2, label } = scan();
  const m = measure(label);
  const html = renderReport({ t2, label, measurements: m, model: { name: 'm', version: '1', trainedOn: 'phantoms', tasks: 't', builtIn: true }, source: 'VS_p001_t01_0000.nii.gz', viewer: true });
  writeFileSync(join(dir, 'report.html'), html);
  // Software WebGL (SwiftShader) without a GPU: --disable-gpu alone is enough for Debian's chromium.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on('console', (msg) => void (msg.type() === 'error' && problems.push(`console: ${msg.text()}`)));
    page.on('pageerror', (e) => void problems.push(`page error: ${e.message}`));
    page.on('request', (r) => void (!/^(file|data|blob):/.test(r.url()) && problems.push(`network request: ${r.url()}`)));
    await page.goto(`file://${join(dir, 'report.html')}`);
    await page.waitForFunction(() => (globalThis as unknown as { meatusViewer?: { ready: boolean; errors: string[] } }).meatusViewer?.ready || (globalThis as unknown as { meatusViewer?: { errors: string[] } }).meatusViewer?.errors.length, null, { timeout: 120_000 });
    const state = () =>
      page.evaluate(() => {
        const v = (globalThis as unknown as { meatusViewer: { ready: boolean; errors: string[]; nv: { scene: { crosshairPos: number[] }; volumes: unknown[]; document: { completedMeasurements: unknown[] } } } }).meatusViewer;
        return { ready: v.ready, errors: v.errors, z: v.nv.scene.crosshairPos[2], volumes: v.nv.volumes.length, lines: v.nv.document.completedMeasurements.length };
      });
    const s0 = await state();
    assert.deepEqual([s0.ready, s0.errors, s0.volumes], [true, [], 2]);
    assert.equal(s0.lines, 6, 'reported size, WT diameter, interface, EM ∥, EM ⊥, IM ∥');
    // An axis-aligned scan: the lines are drawn at their true length, so NiiVue's labels are kept.
    assert.equal(await page.evaluate(() => (globalThis as unknown as { meatusViewer: { lineLabels(): boolean } }).meatusViewer.lineLabels()), true);
    // The canvas position of a point inside the EM box away from the drawn lines (voxel 14, 40 on the
    // slice of the reported diameter) and of a far corner.
    const where = (mm: number[]) =>
      page.evaluate((p) => {
        const nv = (globalThis as unknown as { meatusViewer: { nv: { mm2frac(m: number[]): number[]; frac2canvasPosWithTile(f: number[], t: number): { pos: number[] } | null; uiData: { dpr: number } } } }).meatusViewer.nv;
        const r = nv.frac2canvasPosWithTile(nv.mm2frac(p), 0);
        return r ? [r.pos[0] / (nv.uiData.dpr || 1), r.pos[1] / (nv.uiData.dpr || 1)] : null;
      }, mm);
    const z = m.guideline.reportedSize.diameter!.sliceIndex;
    const centre = (await where([14 * 0.5, 40 * 0.5, z]))!;
    const corner = (await where([60 * 0.5, 60 * 0.5, z]))!;
    const canvas = (await page.$('#meatus-viewer-canvas'))!;
    await canvas.scrollIntoViewIfNeeded();
    const shoot = async () => readPng(await canvas.screenshot());
    const px = (img: { width: number; data: Uint8Array }, [x, y]: number[]) => {
      const i = 4 * (Math.round(y) * img.width + Math.round(x));
      return [img.data[i], img.data[i + 1], img.data[i + 2]];
    };
    const reddish = ([r, g, b]: number[]) => r - Math.max(g, b) > 60;
    const img = await shoot();
    assert.ok(reddish(px(img, centre)), `overlay at the tumour: ${px(img, centre)}`);
    assert.ok(!reddish(px(img, corner)), `no overlay away from it: ${px(img, corner)}`);
    let red = 0;
    for (let i = 0; i < img.data.length; i += 4) if (reddish([img.data[i], img.data[i + 1], img.data[i + 2]])) red++;
    assert.ok(red > 500, `${red} overlay pixels`);
    // Scrolling over the axial tile moves the slice.
    await page.mouse.move((await canvas.boundingBox())!.x + corner[0], (await canvas.boundingBox())!.y + corner[1]);
    await page.mouse.wheel(0, 300);
    await page.waitForTimeout(300);
    const s1 = await state();
    assert.notEqual(s1.z, s0.z, 'the axial slice moved');
    // The colour-blind palette: EM orange (no longer red-dominant over green by as much, blue low).
    await page.evaluate(() => (globalThis as unknown as { meatusViewer: { show(i: number): Promise<void> } }).meatusViewer.show(0));
    await page.selectOption('#meatus-viewer-palette', 'colour-blind');
    await page.waitForTimeout(300);
    const [r, g, b] = px(await shoot(), centre);
    assert.ok(r > b + 40 && g > b + 20, `orange-ish EM overlay with the colour-blind palette: ${[r, g, b]}`);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
