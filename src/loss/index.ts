/** Losses: cross-entropy, soft Dice, Boundary Distance Loss, deep supervision, and their sums. */
export * from './cross-entropy.js';
export * from './dice.js';
export * from './boundary-distance.js';
export * from './deep-supervision.js';
export * from './compound.js';
