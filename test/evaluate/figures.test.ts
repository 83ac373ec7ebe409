import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxPlot, boxStats, mostDifferentCases, panelPng, panelSvg } from '../../src/evaluate/figures.js';
import { svgToPng } from '../../src/util/svg.js';
import { fakeCase as mk, METHODS, syntheticImage, syntheticReference } from './fake-methods.js';

/** Width and height from a PNG's signature and IHDR; throws if it is not a PNG. */
function pngSize(png: Uint8Array): [number, number] {
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
  assert.equal(String.fromCharCode(...png.subarray(12, 16)), 'IHDR');
  const v = new DataView(png.buffer, png.byteOffset);
  return [v.getUint32(16), v.getUint32(20)];
}

test('boxStats: numpy-linear quartiles, 1.5 IQR whiskers, outliers, inf/NaN counted', () => {
  const s = boxStats([1, 2, 3, 4, 5, 6, 7, 8, 100, Infinity, NaN]);
  assert.deepEqual(
    { q1: s.q1, median: s.median, q3: s.q3, lo: s.lo, hi: s.hi, outliers: s.outliers, n: s.n, inf: s.infCount, nan: s.nanCount },
    { q1: 3, median: 5, q3: 7, lo: 1, hi: 8, outliers: [100], n: 9, inf: 1, nan: 1 },
  );
  assert.equal(boxStats([NaN, Infinity]).n, 0);
});

const methods = [
  { name: 'baseline', cases: [mk('a', { extrameatal: [0.7, 1] }), mk('b', { extrameatal: [0.8, Infinity] }), mk('c', { extrameatal: [0.9, 2] })] },
  { name: 'γ = 0.5', cases: [mk('a', { extrameatal: [0.8, 1] }), mk('b', { extrameatal: [0.85, Infinity] }), mk('c', { extrameatal: [0.9, Infinity] })] },
  { name: 'shifted', cases: [mk('a', { intrameatal: [0.2, 3] }), mk('b', {}), mk('c', {})] },
];

test('boxPlot: one box per method × class, legend, inf counts annotated above the axis', () => {
  const svg = boxPlot({ title: 'ASSD', yLabel: 'ASSD (mm)', methods, metric: 'assd' });
  const boxes = [...svg.matchAll(/<g class="box" data-method="([^"]*)" data-class="(\w+)">/g)].map((m) => `${m[1]}/${m[2]}`);
  assert.equal(boxes.length, 3 * 3);
  assert.deepEqual(new Set(boxes).size, 9);
  assert.ok(boxes.includes('γ = 0.5/wholeTumour'));
  const inf = [...svg.matchAll(/<text class="inf-count"[^>]*>∞×(\d+)<\/text>/g)].map((m) => Number(m[1]));
  assert.deepEqual(inf, [1, 2]);
  assert.match(svg, /∞ ×k: k infinite values, not plotted/);
  for (const name of ['baseline', 'γ = 0.5', 'shifted']) assert.ok(svg.includes(`>${name}</text>`), `legend ${name}`);
  for (const label of ['>EM<', '>IM<', '>WT<']) assert.ok(svg.includes(label));
  const [w, h] = pngSize(svgToPng(svg));
  assert.ok(w >= 560 && h === 400, `${w}×${h}`);
  const dice = boxPlot({ title: 'Dice', yLabel: 'Dice', methods, metric: 'dice' });
  assert.doesNotMatch(dice, /inf-count/);
  assert.match(dice, />0\.2<\/text>/); // y ticks of [0, 1]
});

test('mostDifferentCases: largest spread of WT or IM Dice across methods', () => {
  const m = [
    { name: 'x', cases: [mk('a', { wholeTumour: [0.9, 0] }), mk('b', { intrameatal: [0.2, 0] }), mk('c', {}), mk('d', {})] },
    { name: 'y', cases: [mk('a', { wholeTumour: [0.5, 0] }), mk('b', { intrameatal: [0.9, 0] }), mk('c', { wholeTumour: [NaN, 0] })] },
  ];
  assert.deepEqual(mostDifferentCases(m, 2), ['b', 'a']);
  assert.deepEqual(mostDifferentCases(m, 5), ['b', 'a', 'c']); // d is missing from y
});

test('panelSvg/panelPng: tiles with titles and embedded PNG slices, a valid PNG', () => {
  const ref = syntheticReference(1);
  const image = syntheticImage(ref);
  const tiles = [
    { title: 'T2', subtitle: 'case 1' },
    { title: 'shifted', subtitle: 'Dice EM 0.812 · IM 0.700', label: METHODS.shifted(ref, 1) },
    { title: 'reference', label: ref },
  ];
  const svg = panelSvg({ heading: 'case 1', image, reference: ref, tiles, tile: 120 });
  assert.equal((svg.match(/<image [^>]*href="data:image\/png;base64,/g) ?? []).length, 3);
  assert.ok(svg.includes('>Dice EM 0.812 · IM 0.700</text>'));
  assert.match(svg, /axial slice 6\/10/); // the tumour centre, z = 5
  const [w, h] = pngSize(panelPng({ heading: 'case 1', image, reference: ref, tiles, tile: 120 }));
  assert.ok(w > 3 * 120 && h > 120, `${w}×${h}`);
  const bad = { ...ref, shape: [10, 20, 12] as [number, number, number], data: new Uint8Array(2400) };
  assert.throws(() => panelSvg({ heading: 'c', image, reference: ref, tiles: [{ title: 'm', label: bad }] }), /c: label of 'm': shape 10×20×12 differs from the image's 10×20×24/);
});
