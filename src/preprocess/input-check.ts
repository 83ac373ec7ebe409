/**
 * The checks every image passes before meatus spends time on it (planning, preprocessing,
 * training, segmentation): non-finite voxels are refused (or, when asked, replaced by the image's
 * finite minimum), and constant or near-constant images are refused — an all-zero file otherwise
 * z-scores to noise and "segments" to a large tumour, and one NaN turns the whole case into NaN.
 * nnU-Net's integrity check refuses NaN in the same way. And an image thinner than a model can use
 * is refused with the minimum it needs ({@link thinImageReason}).
 */
import { canonicalReorientation, reorientVec3 } from '../volume/reorient.js';
import { resampledShape } from '../volume/resample.js';
import { degenerateImage, describeNonFinite, voxelStats } from '../volume/voxel-stats.js';
import type { Vec3, Volume } from '../volume/volume.js';
import { nonzeroBox } from './fingerprint.js';
import type { Plan } from './types.js';

/** What to do with NaN and ±Infinity voxels: refuse the image (default) or replace them by its finite minimum. */
export type NonfinitePolicy = 'refuse' | 'replace-with-minimum';

/** The policies, for option parsing. */
export const NONFINITE_POLICIES: readonly NonfinitePolicy[] = ['refuse', 'replace-with-minimum'];

/**
 * Checks an image's voxels (see the module comment).
 * @param file named in messages (a path).
 * @returns the image itself, or with `replace-with-minimum` a copy whose non-finite voxels hold
 *   the smallest finite value.
 * @throws Error naming the file, what was found and what to do: non-finite voxels (count, first
 *   voxel) under `refuse`; a constant or near-constant image under either policy.
 * @example const t2 = checkInputImage(await readNifti(path), path);
 */
export function checkInputImage<V extends Volume>(vol: V, file: string, policy: NonfinitePolicy = 'refuse'): V {
  if (!NONFINITE_POLICIES.includes(policy)) {
    throw new Error(`checkInputImage: policy '${String(policy)}', expected one of ${NONFINITE_POLICIES.join(', ')}`);
  }
  const stats = voxelStats(vol.data);
  const nonFinite = describeNonFinite(stats, vol.shape);
  if (nonFinite && policy === 'refuse') {
    throw new Error(
      `${file}: ${nonFinite}; expected finite intensities — fix the file, or pass --nonfinite replace-with-minimum ` +
        `to replace them by the image's smallest finite value (${stats.min})`,
    );
  }
  const degenerate = degenerateImage(stats);
  if (degenerate) {
    throw new Error(`${file}: ${degenerate}; this is not a scan meatus can segment — check that the right file was exported`);
  }
  if (!nonFinite) return vol;
  const data = vol.data.slice();
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) data[i] = stats.min;
  return { ...vol, data };
}

/** The images' shape once oriented (RAS), cropped to non-zero and resampled to the plan's spacing. */
function planShape(images: Volume[], plan: Pick<Plan, 'spacing'>): Vec3 {
  const r = canonicalReorientation(images[0].affine);
  const box = nonzeroBox(images);
  const size = reorientVec3(box.end.map((e, a) => e - box.start[a]) as Vec3, r);
  return resampledShape(size, reorientVec3(images[0].spacing, r), plan.spacing);
}

/**
 * Whether the images fit in one patch of the plan along every axis once oriented, cropped to
 * non-zero and resampled to its spacing: one tile covers them (a localiser adds nothing there —
 * the scan is a crop already).
 * @example fitsOnePatch([crop48x63x63mm], localiserPlan) // true for a 64 × 96 × 96 mm patch
 */
export function fitsOnePatch(images: Volume[], plan: Pick<Plan, 'spacing' | 'patchSize'>): boolean {
  return planShape(images, plan).every((n, a) => n <= plan.patchSize[a]);
}

/**
 * Why an image is too thin for a model — fewer voxels than half the model's patch along some axis
 * once oriented, cropped to non-zero and resampled to the plan's spacing — or null when it is
 * thick enough. Thinner inputs are padded (as nnU-Net pads to the patch size), but below half a
 * patch the network sees mostly padding it never saw in training: a single 2-D slice padded to a
 * 3-D patch comes out as "no tumour". Refusing says so instead.
 * @example thinImageReason(singleSlice, plan) // 'is 1 voxel along z (S–I) at 1.2 mm …'
 */
export function thinImageReason(images: Volume[], plan: Pick<Plan, 'spacing' | 'patchSize'>): string | null {
  const shape = planShape(images, plan);
  const names = ['z (S–I)', 'y (A–P)', 'x (R–L)'];
  for (let a = 0; a < 3; a++) {
    const need = Math.ceil(plan.patchSize[a] / 2);
    if (shape[a] < need) {
      const mm = (v: number) => +(v * plan.spacing[a]).toFixed(1);
      return (
        `is ${shape[a]} voxel${shape[a] === 1 ? '' : 's'} along ${names[a]} at the model's ${plan.spacing[a]} mm (${mm(shape[a])} mm of non-zero image); ` +
        `the model needs at least ${need} (${mm(need)} mm, half its patch of ${plan.patchSize[a]}) along every axis — ` +
        'a 2-D slice or a thin slab cannot be segmented in 3-D'
      );
    }
  }
  return null;
}
