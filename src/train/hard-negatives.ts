/**
 * Hard negatives for training: places in the training scans where there is no tumour but a model
 * is likely to find one — in a head, the normal internal auditory canal. `meatus train
 * --hard-negatives FILE` centres a share of the patches that nnU-Net would place at random on
 * them instead (`BatchStreamOptions.hardNegatives`), as MONAI's `RandCropByPosNegLabeld` chooses
 * patch centres from given locations. Not in nnU-Net, whose non-foreground patches are uniform.
 *
 * The file (JSON), in world coordinates so that it does not depend on a plan:
 *
 * ```json
 * { "coordinates": "RAS", "cases": { "VS_p001_t01": [[27.3, 0.9, -0.1], [-37.1, -1.2, -4.5]] } }
 * ```
 *
 * Points are mm in the scan's world space: RAS+ as NIfTI's sform/qform give it (`"coordinates":
 * "RAS"`), or DICOM's LPS+ (`"LPS"`, x and y negated; 3D Slicer's markups files default to it).
 * `meatus phantom` writes one for its datasets, `hard-negatives.json`: the middle of every normal
 * canal inside each scan. For real scans, a list of a model's false-positive components is one way
 * to make one.
 */

import { readFile } from 'node:fs/promises';
import { FieldChecker } from '../preprocess/plan.js';
import { readCaseGrid } from '../preprocess/preprocess.js';
import { nearestVoxel } from '../volume/orientation.js';
import type { Vec3 } from '../volume/volume.js';

/** The world coordinate systems a hard-negatives file may use. */
export const HARD_NEGATIVE_COORDINATES = ['RAS', 'LPS'] as const;

/** The default share of the samples not forced to hold foreground that go to a hard negative: about nnU-Net's foreground share. */
export const DEFAULT_HARD_NEGATIVE_SHARE = 0.33;

/** A hard-negatives file as written: world points (mm) by case id. */
export interface HardNegativeFile {
  coordinates: (typeof HARD_NEGATIVE_COORDINATES)[number];
  cases: Record<string, [number, number, number][]>;
}

/** Hard-negative voxels `[z, y, x]` of the preprocessed grid, by case id. */
export type HardNegativePoints = Record<string, Vec3[]>;

/** What {@link readHardNegatives} found. */
export interface HardNegatives {
  points: HardNegativePoints;
  /** Training cases with at least one point. */
  cases: number;
  /** Points over those cases. */
  total: number;
  /** Points of the file's other cases (validation cases, or ids not in the training list), not used. */
  skipped: number;
}

/**
 * Reads and checks a hard-negatives file (see the module comment) without looking at any case:
 * the check a command makes before planning or preprocessing.
 * @throws Error naming `file` and the field: unreadable or malformed JSON, unknown `coordinates`,
 *   a point that is not three finite numbers, or no point at all.
 */
export async function readHardNegativeFile(file: string): Promise<HardNegativeFile> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read hard negatives (${(e as Error).message})`);
  }
  const c = new FieldChecker(file);
  const o = c.object(json, '', ['coordinates', 'cases']);
  if (!HARD_NEGATIVE_COORDINATES.includes(o.coordinates as never)) c.fail('coordinates', `${HARD_NEGATIVE_COORDINATES.map((s) => `"${s}"`).join(' or ')}`, o.coordinates);
  if (typeof o.cases !== 'object' || o.cases === null || Array.isArray(o.cases)) c.fail('cases', 'an object: case id → list of points', o.cases);
  const cases: HardNegativeFile['cases'] = {};
  for (const [id, list] of Object.entries(o.cases as Record<string, unknown>)) {
    cases[id] = c.list(list, `cases.${id}`, (p, f) => {
      if (!Array.isArray(p) || p.length !== 3) c.fail(f, 'a point [x, y, z] in mm', p);
      return (p as unknown[]).map((v, a) => c.num(v, `${f}[${a}]`, 'finite')) as [number, number, number];
    });
  }
  if (!Object.values(cases).some((l) => l.length > 0)) c.fail('cases', 'at least one point (every case\'s list is empty: nothing to sample)', o.cases);
  return { coordinates: o.coordinates as HardNegativeFile['coordinates'], cases };
}

/**
 * Reads a hard-negatives file ({@link readHardNegativeFile}) and maps each point of a training case
 * to the nearest voxel `[z, y, x]` of that case's preprocessed grid (via the `affine` of
 * `<dataDir>/<id>.json`). Cases of the file that are not training cases (validation cases, cases
 * not preprocessed) are skipped; training cases absent from it get none.
 * @throws Error naming `file` and the field: what {@link readHardNegativeFile} throws, a point
 *   outside its case's preprocessed grid (wrong coordinates or another scan), or no training case
 *   in the file at all; and what `readCaseGrid` throws for a case's JSON.
 */
export async function readHardNegatives(file: string, dataDir: string, trainCases: readonly string[]): Promise<HardNegatives> {
  const f = await readHardNegativeFile(file);
  const c = new FieldChecker(file);
  const training = new Set(trainCases);
  const points: HardNegativePoints = {};
  let total = 0;
  let skipped = 0;
  for (const [id, world] of Object.entries(f.cases)) {
    if (!training.has(id)) skipped += world.length;
    if (!training.has(id) || world.length === 0) continue;
    const grid = await readCaseGrid(dataDir, id);
    const [nz, ny, nx] = grid.shape;
    points[id] = world.map((p, i) => {
      const ras: [number, number, number] = f.coordinates === 'LPS' ? [-p[0], -p[1], p[2]] : p;
      const { voxel, inside } = nearestVoxel(grid.affine, grid.shape, ras);
      const [x, y, z] = voxel;
      if (!inside) {
        c.fail(`cases.${id}[${i}]`, `a point inside the case's preprocessed grid (${f.coordinates} mm of its own scan; voxel [x, y, z] within [${nx}, ${ny}, ${nz}], here [${x}, ${y}, ${z}])`, p);
      }
      return [z, y, x] as Vec3;
    });
    total += points[id].length;
  }
  const n = Object.keys(points).length;
  if (n === 0) {
    const ids = Object.keys(f.cases).filter((id) => f.cases[id].length > 0);
    const shown = ids.slice(0, 3).map((id) => `'${id}'`).join(', ') + (ids.length > 3 ? ', …' : '');
    throw new Error(
      `${file}: no point belongs to a training case of ${dataDir}: the cases with points (${shown}) are validation cases or not in the dataset; ` +
        `ids are case names as in the dataset (e.g. '${trainCases[0]}', without _0000 or .nii.gz)`,
    );
  }
  return { points, cases: n, total, skipped };
}
