/**
 * meatus — the library. Each layer is also importable on its own (`meatus/volume`, …).
 */
export * from './volume/volume.js';
