"""Peer of bench/edt.ts: times scipy.ndimage.distance_transform_edt(~mask, sampling=spacing).

Usage: /usr/bin/python3 bench/peers/edt_scipy.py MASK.raw Z Y X SZ SY SX REPEATS OUT.raw
MASK.raw is uint8, C order [z, y, x]. Writes the float32 distances of the last run to OUT.raw and
prints one JSON line: {"scipy": version, "numpy": version, "times_ms": [...], "best_ms": ...,
"reuse_times_ms": [...], "reuse_best_ms": ...} (reuse: into a preallocated `distances=` array).
"""
import json
import sys
import time

import numpy as np
import scipy
from scipy import ndimage

path, z, y, x, sz, sy, sx, repeats, out = sys.argv[1:10]
shape = (int(z), int(y), int(x))
sampling = (float(sz), float(sy), float(sx))
mask = np.fromfile(path, dtype=np.uint8).reshape(shape).astype(bool)
inv = ~mask
ndimage.distance_transform_edt(inv, sampling=sampling)  # warm-up
times = []
for _ in range(int(repeats)):
    t0 = time.perf_counter()
    dist = ndimage.distance_transform_edt(inv, sampling=sampling)
    times.append((time.perf_counter() - t0) * 1000)
dist.astype(np.float32).tofile(out)
# The same into a preallocated output (distances=), as meatus's `out` option.
reused = np.empty(shape, dtype=np.float64)
reuse_times = []
for _ in range(int(repeats)):
    t0 = time.perf_counter()
    ndimage.distance_transform_edt(inv, sampling=sampling, distances=reused)
    reuse_times.append((time.perf_counter() - t0) * 1000)
assert np.array_equal(reused, dist)
print(json.dumps({'scipy': scipy.__version__, 'numpy': np.__version__, 'times_ms': times, 'best_ms': min(times),
                  'reuse_times_ms': reuse_times, 'reuse_best_ms': min(reuse_times)}))
