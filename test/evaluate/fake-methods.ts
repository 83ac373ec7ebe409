/**
 * Fake segmentation "methods" made from reference label maps, for the evaluation tests and the
 * README's comparison example: shifted, eroded, dilated, or with the IM/EM boundary moved.
 *
 * As a script: `node --import tsx test/evaluate/fake-methods.ts LABELS_DIR OUT_DIR` writes
 * OUT_DIR/<method>/<id>.nii.gz for every <id>.nii.gz in LABELS_DIR and every method in METHODS.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dilate, erode } from '../../src/volume/morphology.js';
import { readNifti, writeNifti } from '../../src/volume/nifti-file.js';
import { CLASSES, type CaseMetrics, type ClassMetrics, type ClassName } from '../../src/evaluate/metrics.js';
import { diagonalAffine, type Vec3, type Volume } from '../../src/volume/volume.js';

/** Per-label morphology: each label's mask eroded or dilated, IM drawn over EM. */
function perLabel(v: Volume, op: 'erode' | 'dilate', iterations: number): Volume {
  const out = new Uint8Array(v.data.length);
  for (const l of [1, 2]) {
    const mask = Uint8Array.from(v.data, (x) => (x === l ? 1 : 0));
    const m = (op === 'erode' ? erode : dilate)(mask, v.shape, 6, { iterations });
    for (let i = 0; i < out.length; i++) if (m[i]) out[i] = l;
  }
  return { ...v, data: out };
}

/** The labels moved by `d` voxels along x (array axis 2), zeros shifted in. */
export function shift(v: Volume, d: number): Volume {
  const [nz, ny, nx] = v.shape;
  const out = new Uint8Array(v.data.length);
  for (let zy = 0; zy < nz * ny; zy++) {
    for (let x = 0; x < nx; x++) {
      const sx = x - d;
      if (sx >= 0 && sx < nx) out[zy * nx + x] = v.data[zy * nx + sx];
    }
  }
  return { ...v, data: out };
}

/** Moves the IM/EM boundary: `n` layers of IM next to EM become EM (or EM next to IM become IM, n < 0). */
export function moveBoundary(v: Volume, n: number): Volume {
  let cur = Uint8Array.from(v.data);
  const [from, to] = n > 0 ? [2, 1] : [1, 2];
  for (let it = 0; it < Math.abs(n); it++) {
    const grown = dilate(Uint8Array.from(cur, (x) => (x === to ? 1 : 0)), v.shape, 6);
    cur = Uint8Array.from(cur, (x, i) => (x === from && grown[i] ? to : x));
  }
  return { ...v, data: cur };
}

/** All tumour labelled IM: the split missed (EM ASSD infinite when the reference has EM). */
export function mergeAll(v: Volume): Volume {
  return { ...v, data: Uint8Array.from(v.data, (x) => (x > 0 ? 2 : 0)) };
}

/** The fake methods: name → transform of case `i`'s reference. */
export const METHODS: Record<string, (v: Volume, i: number) => Volume> = {
  shifted: (v, i) => shift(v, 1 + (i % 2)),
  eroded: (v, i) => perLabel(v, 'erode', 1 + (i % 3 === 0 ? 1 : 0)),
  dilated: (v) => perLabel(v, 'dilate', 1),
  boundary: (v, i) => (i % 4 === 0 ? mergeAll(v) : moveBoundary(v, i % 2 === 0 ? 1 : -1)),
};

/**
 * A small synthetic reference: an ellipsoid tumour, IM (2) where x < `split`, EM (1) beyond.
 * Shape `[10, 20, 24]`, spacing `[1.5, 0.6, 0.6]` mm.
 */
export function syntheticReference(seed: number): Volume {
  const shape: Vec3 = [10, 20, 24];
  const spacing: Vec3 = [1.5, 0.6, 0.6];
  const [nz, ny, nx] = shape;
  const data = new Uint8Array(nz * ny * nx);
  const c = [5, 10, 11 + (seed % 3)];
  const r = [3 + (seed % 2), 6, 7 + (seed % 2)];
  const split = 8 + (seed % 4);
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        const q = ((z - c[0]) / r[0]) ** 2 + ((y - c[1]) / r[1]) ** 2 + ((x - c[2]) / r[2]) ** 2;
        if (q <= 1) data[i] = x < split ? 2 : 1;
      }
    }
  }
  return { data, shape, spacing, affine: diagonalAffine(spacing) };
}

/** A T2-like image for a label map: bright tumour on a smooth background. */
export function syntheticImage(label: Volume): Volume {
  const data = Float32Array.from(label.data, (l, i) => (l > 0 ? 800 : 200) + ((i * 7919) % 97));
  return { ...label, data };
}

/** A case from per-class [dice, assd] pairs (hd95 = 2·assd); missing classes get [1, 0]. */
export function fakeCase(id: string, v: Partial<Record<ClassName, [number, number]>>, boundary = 0.5): CaseMetrics {
  const classes = {} as Record<ClassName, ClassMetrics>;
  for (const c of CLASSES) {
    const [dice, assd] = v[c] ?? [1, 0];
    classes[c] = { dice, assd, hd95: 2 * assd };
  }
  return { id, classes, boundaryAssd: boundary };
}

async function main(labels: string, out: string): Promise<void> {
  const names = readdirSync(labels).filter((n) => n.endsWith('.nii.gz')).sort();
  for (const method of Object.keys(METHODS)) mkdirSync(join(out, method), { recursive: true });
  for (const [i, name] of names.entries()) {
    const ref = await readNifti(join(labels, name));
    for (const [method, f] of Object.entries(METHODS)) {
      await writeNifti(join(out, method, name), f(ref, i), { datatype: 'uint8', reference: ref });
    }
  }
  console.log(`wrote ${Object.keys(METHODS).length} methods × ${names.length} cases to ${out}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [labels, out] = process.argv.slice(2);
  if (!labels || !out) {
    console.error('usage: node --import tsx test/evaluate/fake-methods.ts LABELS_DIR OUT_DIR');
    process.exit(2);
  }
  await main(labels, out);
}
