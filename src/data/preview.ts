/**
 * Preview images of cases: a grid of axial slices (one row per case) with the label overlaid,
 * extrameatal red and intrameatal green, semi-transparent.
 *
 * Display convention (radiological): the axial axis is found from the affine (`axialAxis`),
 * patient right is on the image's left and anterior at the top, whatever the storage order.
 * Slices are chosen through the tumour (its 25th, 50th and 75th percentile slice), or around the
 * middle of the volume when the label is empty. Grey values are windowed between the 1st and
 * 99.5th percentile of the volume.
 */

import { axialAxis, axisCodes } from '../volume/orientation.js';
import { encodePng } from '../volume/png.js';
import type { Volume } from '../volume/volume.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** One case to show. */
export interface PreviewCase {
  image: Volume;
  label?: Volume;
}

/** Options of {@link renderPreview}. */
export interface PreviewOptions {
  /** Slices per case (default 3). */
  slices?: number;
  /** Size of the longer side of a tile, pixels (default 160). */
  tile?: number;
  /** Overlay opacity (default 0.4). */
  alpha?: number;
}

/** An RGB raster, top row first. */
export interface Raster {
  width: number;
  height: number;
  rgb: Uint8Array;
}

const COLOURS: Record<number, [number, number, number]> = { 1: [255, 40, 40], 2: [40, 230, 40] };

function window(v: Volume): [number, number] {
  const d = v.data;
  const step = Math.max(1, Math.floor(d.length / 200000));
  const s: number[] = [];
  for (let i = 0; i < d.length; i += step) s.push(d[i]);
  s.sort((a, b) => a - b);
  const lo = s[Math.floor(0.01 * (s.length - 1))];
  const hi = s[Math.floor(0.995 * (s.length - 1))];
  return [lo, hi > lo ? hi : lo + 1];
}

function pickSlices(label: Volume | undefined, axis: number, n: number, count: number): number[] {
  const perSlice = new Float64Array(n);
  let total = 0;
  if (label) {
    const [nz, ny, nx] = label.shape;
    let v = 0;
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++, v++) {
          if (label.data[v] > 0) {
            perSlice[axis === 0 ? k : axis === 1 ? j : i]++;
            total++;
          }
        }
      }
    }
  }
  const out: number[] = [];
  for (let q = 1; q <= count; q++) {
    const f = q / (count + 1);
    if (total === 0) {
      out.push(Math.min(n - 1, Math.round(n / 2 + (f - 0.5) * n * 0.3)));
      continue;
    }
    let acc = 0;
    let s = 0;
    while (s < n - 1 && acc + perSlice[s] < f * total) acc += perSlice[s++];
    out.push(s);
  }
  return out;
}

function drawTile(c: PreviewCase, slice: number, axis: number, win: [number, number], tile: number, alpha: number): Raster {
  const { image, label } = c;
  const codes = axisCodes(image.affine);
  const others = [0, 1, 2].filter((a) => a !== axis);
  const colAxis = others.find((a) => codes[a] === 'R' || codes[a] === 'L') ?? others[1];
  const rowAxis = others.find((a) => a !== colAxis)!;
  const flipCol = codes[colAxis] === 'R';
  const flipRow = codes[rowAxis] === 'A';
  const [, ny, nx] = image.shape;
  const nCol = image.shape[colAxis];
  const nRow = image.shape[rowAxis];
  const mmW = nCol * image.spacing[colAxis];
  const mmH = nRow * image.spacing[rowAxis];
  const scale = tile / Math.max(mmW, mmH);
  const width = Math.max(1, Math.round(mmW * scale));
  const height = Math.max(1, Math.round(mmH * scale));
  const rgb = new Uint8Array(width * height * 3);
  const strides = [nx * ny, nx, 1];
  for (let y = 0; y < height; y++) {
    let r = Math.min(nRow - 1, Math.floor((y / height) * nRow));
    if (flipRow) r = nRow - 1 - r;
    for (let x = 0; x < width; x++) {
      let col = Math.min(nCol - 1, Math.floor((x / width) * nCol));
      if (flipCol) col = nCol - 1 - col;
      const v = slice * strides[axis] + r * strides[rowAxis] + col * strides[colAxis];
      const g = Math.max(0, Math.min(1, (image.data[v] - win[0]) / (win[1] - win[0]))) * 255;
      let px: [number, number, number] = [g, g, g];
      const l = label?.data[v] ?? 0;
      const colour = COLOURS[l];
      if (colour) px = px.map((p, i) => (1 - alpha) * p + alpha * colour[i]) as [number, number, number];
      rgb.set(px.map(Math.round), (y * width + x) * 3);
    }
  }
  return { width, height, rgb };
}

/**
 * Renders the preview grid: one row per case, `slices` axial slices per row.
 * @throws Error if there are no cases or a label's shape differs from its image's.
 */
export function renderPreview(cases: PreviewCase[], opts: PreviewOptions = {}): Raster {
  if (cases.length === 0) throw new Error('renderPreview: cases: expected at least one case');
  const nSlices = opts.slices ?? 3;
  const tile = opts.tile ?? 160;
  const alpha = opts.alpha ?? 0.4;
  const pad = 2;
  const rows: Raster[][] = cases.map((c, ci) => {
    if (c.label && c.label.shape.some((s, i) => s !== c.image.shape[i])) {
      throw new Error(`renderPreview: case ${ci}: label shape ${c.label.shape.join('×')} differs from image shape ${c.image.shape.join('×')}`);
    }
    const axis = axialAxis(c.image.affine);
    const win = window(c.image);
    return pickSlices(c.label, axis, c.image.shape[axis], nSlices).map((s) => drawTile(c, s, axis, win, tile, alpha));
  });
  const width = pad + nSlices * (tile + pad);
  const rowH = rows.map((r) => Math.max(...r.map((t) => t.height)));
  const height = pad + rowH.reduce((a, h) => a + h + pad, 0);
  const rgb = new Uint8Array(width * height * 3);
  let y0 = pad;
  rows.forEach((r, ri) => {
    r.forEach((t, si) => {
      const x0 = pad + si * (tile + pad) + Math.floor((tile - t.width) / 2);
      for (let y = 0; y < t.height; y++) rgb.set(t.rgb.subarray(y * t.width * 3, (y + 1) * t.width * 3), ((y0 + y) * width + x0) * 3);
    });
    y0 += rowH[ri] + pad;
  });
  return { width, height, rgb };
}

/** Renders a preview and writes it as PNG, atomically. */
export async function writePreviewPng(path: string, cases: PreviewCase[], opts: PreviewOptions = {}): Promise<Raster> {
  const r = renderPreview(cases, opts);
  await writeFileAtomic(path, encodePng(r.width, r.height, r.rgb));
  return r;
}
