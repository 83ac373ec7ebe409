/**
 * Clinical measurements of a vestibular schwannoma label map (0 background, 1 extrameatal,
 * 2 intrameatal): volumes (mm³, mL), the largest extrameatal axial diameter (mm) and the
 * intrameatal extent along the canal (mm). Plain TypeScript over TypedArrays: runs in Node and
 * in a browser. Start with {@link measure}.
 */
export * from './measure.js';
export * from './volumes.js';
export * from './diameter.js';
export * from './canal.js';
export * from './hull.js';
export * from './eigen.js';
export { voxelToRas, type Xyz } from './geometry.js';
export * from './guideline.js';
export * from './interface-line.js';
export * from './diameter-3d.js';
export { slicePlane, type SlicePlane } from './slice-plane.js';
export * from './growth.js';
export * from './quality.js';
export { obliquityDeg, SPACING_TOLERANCE, INTENSITY_SPREAD_FACTOR, MAX_OBLIQUITY_DEG } from './quality-input.js';
