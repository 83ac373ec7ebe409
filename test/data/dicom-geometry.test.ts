// DICOM series geometry and contour rasterisation on hand-made headers, with hand-computed answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DicomHeader, ImageAttributes } from '../../src/data/dicom/file.js';
import { seriesGeometry } from '../../src/data/dicom/series.js';
import { rasterizeContours } from '../../src/data/dicom/rasterize.js';
import type { Contour } from '../../src/data/dicom/rtstruct.js';

/** An axial slice (rows along +P, columns along +L: LPS identity orientation), 4 rows × 5 columns. */
function slice(z: number, opts: Partial<ImageAttributes> = {}, x = -20): DicomHeader {
  return {
    path: `s${z}.dcm`,
    transferSyntax: '1.2.840.10008.1.2.1',
    sopClassUid: '1.2.840.10008.5.1.4.1.1.4',
    sopInstanceUid: `sop-${z}`,
    modality: 'MR',
    patientId: 'P',
    studyInstanceUid: 'study',
    studyDate: '20200101',
    studyTime: '',
    seriesInstanceUid: 'series',
    seriesDescription: 't2_test',
    frameOfReferenceUid: '',
    image: {
      position: [x, -30, z],
      orientation: [1, 0, 0, 0, 1, 0],
      pixelSpacing: [0.5, 0.4],
      rows: 4,
      columns: 5,
      bitsAllocated: 16,
      bitsStored: 16,
      pixelRepresentation: 1,
      samplesPerPixel: 1,
      numberOfFrames: 1,
      rescaleSlope: 1,
      rescaleIntercept: 0,
      instanceNumber: NaN,
      ...opts,
    },
  };
}

test('series geometry: slices by position (not by input order), spacing, LPS → RAS affine', () => {
  const g = seriesGeometry([slice(13), slice(10), slice(11.5)], 'test');
  assert.deepEqual(
    g.slices.map((h) => h.path),
    ['s10.dcm', 's11.5.dcm', 's13.dcm'],
  );
  assert.deepEqual(g.shape, [3, 4, 5]);
  assert.deepEqual(g.spacing, [1.5, 0.5, 0.4]);
  // i (column) steps 0.4 mm along L = −R; j (row) 0.5 mm along P = −A; k 1.5 mm along S; origin (20, 30, 10) RAS.
  assert.deepEqual(
    g.affine.map((v) => v + 0),
    [-0.4, 0, 0, 20, 0, -0.5, 0, 30, 0, 0, 1.5, 10, 0, 0, 0, 1],
  );
  // A sagittal stack: row cosine +P (along a row, columns run posterior), column cosine −S (rows run
  // inferior); the normal (0,1,0) × (0,0,−1) = (−1,0,0), so the slice at x = 5 comes first, then 4, 3.
  const sag = [3, 5, 4].map((x) => ({
    ...slice(0, { orientation: [0, 1, 0, 0, 0, -1], position: [x, -30, 0] }),
    path: `x${x}`,
  }));
  const gs = seriesGeometry(sag, 'sagittal');
  assert.deepEqual(
    gs.slices.map((h) => h.path),
    ['x5', 'x4', 'x3'],
  );
  assert.deepEqual(
    gs.affine.map((v) => v + 0),
    [0, 0, 1, -5, -0.4, 0, 0, 30, 0, -0.5, 0, 0, 0, 0, 0, 1],
  );
});

test('series geometry refuses a missing slice, uneven spacing, one position twice, a tilt, mixed orientation, one slice', () => {
  const geo =
    (zs: number[], f = (z: number) => slice(z)) =>
    () =>
      seriesGeometry(zs.map(f), 'S');
  assert.throws(
    geo([10, 11.5, 14.5, 16]),
    /S: missing slice: a gap of 3\.000 mm between s11\.5\.dcm and s14\.5\.dcm .*slice spacing 1\.500 mm \(about 1 slice absent\)/,
  );
  assert.throws(
    geo([10, 11.5, 13.2, 14.7]),
    /S: inconsistent slice spacing: 1\.700 mm between s11\.5\.dcm and s13\.2\.dcm, 1\.500 mm elsewhere/,
  );
  assert.throws(geo([10, 11.5, 11.5, 13]), /lie at the same position \(11\.500 mm along the normal\)/);
  assert.throws(
    geo([10, 11.5, 13], (z) => slice(z, {}, -20 + (z - 10) / 3)),
    /is shifted 0\.\d+ mm within the slice plane \(gantry tilt/,
  );
  assert.throws(
    geo([10, 11.5], (z) => slice(z, z > 10 ? { orientation: [1, 0, 0, 0, 0.8, 0.6] } : {})),
    /has Image Orientation 1\\0\\0\\0\\0\.8\\0\.6, the series 1\\0\\0\\0\\1\\0/,
  );
  assert.throws(geo([10]), /S: 1 slice; a 3-D volume needs at least 2/);
});

/** A contour through the given (column, row) voxel coordinates of slice k of the geometry above. */
function contour(pts: [number, number][], k: number, sop?: string): Contour {
  return {
    type: 'CLOSED_PLANAR',
    points: pts.flatMap(([i, j]) => [-20 + 0.4 * i, -30 + 0.5 * j, 10 + 1.5 * k]),
    referencedSops: sop ? [sop] : [],
  };
}

function voxels(mask: Uint8Array): string[] {
  return [...mask].flatMap((v, n) => (v ? [`${n % 5},${Math.floor(n / 5) % 4},${Math.floor(n / 20)}`] : []));
}

test('rasterisation: even-odd at voxel centres, holes, centres on edges, and refusals', () => {
  const g = seriesGeometry([slice(10), slice(11.5), slice(13)], 'S');
  const square: [number, number][] = [
    [0.5, 0.5],
    [3.5, 0.5],
    [3.5, 2.5],
    [0.5, 2.5],
  ];
  // Voxel centres strictly inside the square: columns 1–3, rows 1–2, on slice 1 (whose image it names).
  assert.deepEqual(voxels(rasterizeContours([contour(square, 1, 'sop-11.5')], g, 'T')), [
    '1,1,1',
    '2,1,1',
    '3,1,1',
    '1,2,1',
    '2,2,1',
    '3,2,1',
  ]);
  // A contour inside another is a hole (the inner one written the same way round: it is the rule, not the direction).
  const hole = contour(
    [
      [1.5, 1.5],
      [2.5, 1.5],
      [2.5, 2.5],
      [1.5, 2.5],
    ],
    1,
  );
  assert.deepEqual(voxels(rasterizeContours([contour(square, 1), hole], g, 'T')), [
    '1,1,1',
    '2,1,1',
    '3,1,1',
    '1,2,1',
    '3,2,1',
  ]);
  // Corners on voxel centres: the left and lower edges are in, the right and upper ones out.
  assert.deepEqual(
    voxels(
      rasterizeContours(
        [
          contour(
            [
              [1, 1],
              [3, 1],
              [3, 2],
              [1, 2],
            ],
            2,
          ),
        ],
        g,
        'T',
      ),
    ),
    ['1,1,2', '2,1,2'],
  );
  // Points and open contours carry no area.
  assert.deepEqual(voxels(rasterizeContours([{ ...contour(square, 0), type: 'POINT' }], g, 'T')), []);
  const off = contour(square, 1);
  off.points[5] += 0.5; // a third of a slice off the plane
  assert.throws(
    () => rasterizeContours([off], g, 'T'),
    /T: contour 1 point 2 .* lies at slice 1\.33, not on the slice plane/,
  );
  assert.throws(
    () => rasterizeContours([contour(square, 1, 'sop-x')], g, 'T'),
    /T: contour 1 references SOP instance sop-x, which is not an image of the series/,
  );
  assert.throws(
    () => rasterizeContours([contour(square, 1, 'sop-10')], g, 'T'),
    /T: contour 1 lies on slice 1 but references the image of slice 0 \(sop-10\)/,
  );
  assert.throws(
    () =>
      rasterizeContours(
        [
          contour(
            [
              [0, 0],
              [9, 0],
              [9, 2],
            ],
            0,
          ),
        ],
        g,
        'T',
      ),
    /T: contour 1 point 2 lies at column 9\.00, row 0\.00, outside the 5 × 4 image/,
  );
  assert.throws(
    () => rasterizeContours([contour(square, 5)], g, 'T'),
    /lies at slice 5, outside the series' 3 slices/,
  );
});
