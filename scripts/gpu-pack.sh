#!/usr/bin/env bash
# Prepares, on a machine with Node.js, what scripts/gpu-check.sh needs on a GPU machine that has no
# Node.js and no internet. Writes to .gpu/ (git-ignored; carry it to the GPU machine):
#   node.xz               the node binary (xz -9), unpacked there to <tmp>/bin/node
#   node-include.tar.xz   the Node-API headers (include/node/...), unpacked beside it, so that
#                         scripts/build-native.sh finds them as the node binary's sibling include/
#   node_modules.tar.xz   only the packages the check needs (tsx and esbuild, node-addon-api, fflate, resvg),
#                         because the whole node_modules/ is larger than the 64 MiB carry budget
# Usage: bash scripts/gpu-pack.sh           (NODE=/path/to/node overrides the binary)
set -euo pipefail
cd "$(dirname "$0")/.."

node_bin=${NODE:-$(command -v node)}
node_inc=$(dirname "$(readlink -f "$node_bin")")/../include/node
[ -f "$node_inc/node_api.h" ] || node_inc=${NODE_INCLUDE_DIR:-/usr/include/node}
[ -f "$node_inc/node_api.h" ] || { echo "gpu-pack: no node_api.h in $node_inc (set NODE_INCLUDE_DIR)" >&2; exit 1; }
budget=$((64 * 1024 * 1024))

# Packages the GPU check loads: tsx (with its esbuild binary) runs the TypeScript, node-addon-api is
# needed by the native build, fflate by src/. Each must exist here.
packages=(tsx esbuild "@esbuild/linux-x64" node-addon-api fflate "@resvg/resvg-js" "@resvg/resvg-js-linux-x64-gnu")
for p in "${packages[@]}"; do
  [ -f "node_modules/$p/package.json" ] || { echo "gpu-pack: node_modules/$p is missing; run npm ci first" >&2; exit 1; }
done

mkdir -p .gpu
echo "== gpu-pack: node $("$node_bin" --version) from $node_bin"
xz -T2 -9 -c "$node_bin" >.gpu/node.xz.tmp && mv .gpu/node.xz.tmp .gpu/node.xz

echo "== gpu-pack: Node-API headers from $node_inc"
# Only the Node-API C headers: the addon uses N-API alone (no V8/libuv/OpenSSL headers needed).
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/include/node"
cp "$node_inc"/node_api.h "$node_inc"/node_api_types.h "$node_inc"/js_native_api.h \
  "$node_inc"/js_native_api_types.h "$node_inc"/node_version.h "$stage/include/node/"
tar -C "$stage" -cf - include | xz -T2 -9 >.gpu/node-include.tar.xz

echo "== gpu-pack: node_modules subset: ${packages[*]}"
tar -cf - "${packages[@]/#/node_modules/}" | xz -T2 -9 >.gpu/node_modules.tar.xz

ls -l .gpu
total=$(du -cb .gpu/node.xz .gpu/node-include.tar.xz .gpu/node_modules.tar.xz | tail -1 | cut -f1)
echo "== gpu-pack: $((total / 1024 / 1024)) MiB in .gpu/ (carry budget 64 MiB, shared with the working tree)"
[ "$total" -lt "$budget" ] || { echo "gpu-pack: .gpu/ is over the 64 MiB carry budget" >&2; exit 1; }
