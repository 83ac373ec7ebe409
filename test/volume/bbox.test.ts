// Bounding boxes: hand-computed cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundingBox, expandBox } from '../../src/volume/bbox.js';
import type { Vec3 } from '../../src/volume/volume.js';

/** A mask of `shape` with the given `[z, y, x]` voxels set. */
function maskWith(shape: Vec3, voxels: Vec3[]): Uint8Array {
  const m = new Uint8Array(shape[0] * shape[1] * shape[2]);
  for (const [z, y, x] of voxels) m[(z * shape[1] + y) * shape[2] + x] = 1;
  return m;
}

test('boundingBox: table of hand-computed cases', () => {
  const shape: Vec3 = [4, 5, 6];
  const cases: [Vec3[], { start: Vec3; end: Vec3 } | null][] = [
    [[], null],
    [[[2, 3, 4]], { start: [2, 3, 4], end: [3, 4, 5] }],
    [
      [
        [0, 4, 1],
        [3, 0, 5],
      ],
      { start: [0, 0, 1], end: [4, 5, 6] },
    ],
    [
      [
        [1, 2, 5],
        [1, 1, 0],
        [2, 2, 3],
      ],
      { start: [1, 1, 0], end: [3, 3, 6] },
    ],
    [
      [
        [0, 0, 0],
        [3, 4, 5],
      ],
      { start: [0, 0, 0], end: [4, 5, 6] },
    ],
  ];
  for (const [voxels, expected] of cases) {
    assert.deepEqual(boundingBox(maskWith(shape, voxels), shape), expected, JSON.stringify(voxels));
  }
});

test('boundingBox: any non-zero value is set, and a full mask spans the volume', () => {
  assert.deepEqual(boundingBox(new Uint8Array([0, 0, 0, 9]), [1, 2, 2]), {
    start: [0, 1, 1],
    end: [1, 2, 2],
  });
  assert.deepEqual(boundingBox(new Int16Array(24).fill(-1), [2, 3, 4]), { start: [0, 0, 0], end: [2, 3, 4] });
});

test('expandBox grows by the margin and clamps to the volume', () => {
  const shape: Vec3 = [10, 20, 30];
  assert.deepEqual(expandBox({ start: [4, 5, 6], end: [6, 8, 9] }, [1, 2, 3], shape), {
    start: [3, 3, 3],
    end: [7, 10, 12],
  });
  assert.deepEqual(expandBox({ start: [1, 0, 28], end: [9, 3, 30] }, [2, 2, 2], shape), {
    start: [0, 0, 26],
    end: [10, 5, 30],
  });
  const box = { start: [1, 1, 1] as Vec3, end: [2, 2, 2] as Vec3 };
  assert.deepEqual(expandBox(box, [0, 0, 0], shape), box);
  assert.notEqual(expandBox(box, [0, 0, 0], shape).start, box.start, 'returns a new box');
});

test('bbox functions reject bad arguments with clear errors', () => {
  assert.throws(
    () => boundingBox(new Uint8Array(5), [1, 2, 2]),
    /boundingBox: mask has 5 voxels, expected 4/,
  );
  const box = { start: [0, 0, 0] as Vec3, end: [1, 1, 1] as Vec3 };
  assert.throws(
    () => expandBox(box, [1, -1, 0], [2, 2, 2]),
    /expandBox: margin must be three non-negative integers/,
  );
  assert.throws(() => expandBox(box, [1, 1.5, 0], [2, 2, 2]), /expandBox: margin/);
  assert.throws(
    () => expandBox({ start: [0, 2, 0], end: [1, 1, 1] }, [1, 1, 1], [2, 2, 2]),
    /expandBox: box must satisfy/,
  );
  assert.throws(
    () => expandBox({ start: [0, 0, 0], end: [3, 1, 1] }, [1, 1, 1], [2, 2, 2]),
    /expandBox: box/,
  );
  assert.throws(
    () => expandBox(box, [1, 1, 1], [2, 0, 2]),
    /expandBox: shape must be three positive integers/,
  );
});
