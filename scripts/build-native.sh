#!/usr/bin/env bash
# Builds the libtorch addon native/build/meatus_torch.node with CMake (incremental).
# libtorch comes from scripts/find-libtorch.mjs; BUILD_DIR overrides the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
torch_dir=$(node scripts/find-libtorch.mjs)
build=${BUILD_DIR:-native/build}
node_inc=$(node -p "require('path').join(require('path').dirname(process.execPath), '..', 'include', 'node')")
[ -f "$node_inc/node_api.h" ] || node_inc=${NODE_INCLUDE_DIR:-/usr/include/node}
addon_inc=$(node -p "require('node-addon-api').include_dir")
cmake -S native -B "$build" -DCMAKE_BUILD_TYPE=Release -DTorch_DIR="$torch_dir" \
  -DNODE_INCLUDE_DIR="$node_inc" -DNODE_ADDON_API_DIR="$(realpath "$addon_inc")" >"$build.cmake.log" 2>&1 ||
  { cat "$build.cmake.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" 2>&1 | grep -vE '^\[ *[0-9]+%\]|^-- ' || true
test -f "$build/meatus_torch.node" || { echo "meatus: native build failed" >&2; exit 1; }
