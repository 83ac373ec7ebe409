"""Peer of bench/metrics.ts: Dice, ASSD and HD95 of one class as medpy 0.5.2's medpy.metric.binary
computes them (loli/medpy tag 0.5.2, commit 3fbdf6c9608ebba9734e7a32a4d0642f022f0815: `dc`, `assd`,
`hd95`, `__surface_distances`, transcribed onto scipy because medpy is not installed here; see
test/fixtures/evaluate/make_fixtures.py).

Usage: /usr/bin/python3 bench/peers/metrics_scipy.py PRED.raw REF.raw Z Y X SZ SY SX REPEATS
PRED.raw and REF.raw are uint8 binary masks, C order [z, y, x]. Times dc + assd + hd95 together
(best of REPEATS; no warm-up, nothing here is compiled at run time; assd and hd95 each compute their own surface distances, as
calling medpy's dc, assd and hd95 does) and prints one JSON line:
{"scipy", "numpy", "times_ms", "best_ms", "dice", "assd", "hd95"}.
"""
import json
import sys
import time

import numpy as np
import scipy
from scipy.ndimage import binary_erosion, distance_transform_edt, generate_binary_structure


def surface_distances(result, reference, voxelspacing, connectivity=1):
    footprint = generate_binary_structure(result.ndim, connectivity)
    result_border = result ^ binary_erosion(result, structure=footprint, iterations=1)
    reference_border = reference ^ binary_erosion(reference, structure=footprint, iterations=1)
    dt = distance_transform_edt(~reference_border, sampling=voxelspacing)
    return dt[result_border]


def dc(result, reference):
    return 2.0 * np.count_nonzero(result & reference) / float(np.count_nonzero(result) + np.count_nonzero(reference))


def assd(result, reference, voxelspacing):
    return np.concatenate([surface_distances(result, reference, voxelspacing),
                           surface_distances(reference, result, voxelspacing)]).mean()


def hd95(result, reference, voxelspacing):
    hd1 = surface_distances(result, reference, voxelspacing)
    hd2 = surface_distances(reference, result, voxelspacing)
    return np.percentile(np.hstack((hd1, hd2)), 95)


pred_path, ref_path, z, y, x, sz, sy, sx, repeats = sys.argv[1:10]
shape = (int(z), int(y), int(x))
spacing = (float(sz), float(sy), float(sx))
pred = np.fromfile(pred_path, dtype=np.uint8).reshape(shape).astype(bool)
ref = np.fromfile(ref_path, dtype=np.uint8).reshape(shape).astype(bool)


def run():
    return dc(pred, ref), assd(pred, ref, spacing), hd95(pred, ref, spacing)


times = []
for _ in range(int(repeats)):
    t0 = time.perf_counter()
    values = run()
    times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({'scipy': scipy.__version__, 'numpy': np.__version__, 'times_ms': times, 'best_ms': min(times),
                  'dice': float(values[0]), 'assd': float(values[1]), 'hd95': float(values[2])}))
