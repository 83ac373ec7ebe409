#!/usr/bin/env bash
# Checks meatus on a CUDA machine that has a CUDA PyTorch (python3 -c 'import torch') but no Node.js
# and no internet. Run from the repository root there, with .gpu/ (made here by scripts/gpu-pack.sh)
# carried along with the working tree:
#   1. unpacks node, the Node-API headers and the needed node_modules into place
#   2. builds the addon against python3's torch into native/build-cuda (LIBTORCH = torch's folder)
#   3. checks with ldd that libtorch_cuda is linked and that the addon sees the GPU
#   4. runs the CUDA tests (node scripts/run-tests.mjs torch/cuda)
#   5. runs the engine benchmark on CUDA, fp32 and fp16 autocast, against the same PyTorch
# Everything it prints, and the benchmark's JSON, go to $OUT (default .gpu/out). Exit status is
# non-zero if any stage failed; later stages still run when the addon built.
#
# Usage: bash scripts/gpu-check.sh [--dry-run] [--skip-bench] [--skip-tests] [--run CMD]
#   --run CMD  afterwards, run CMD with node and the CUDA addon (MEATUS_NATIVE) set up, e.g. a training
#   --dry-run  for a machine without CUDA (this one): stages 1–3 into a temporary build folder with
#              the libtorch that scripts/find-libtorch.mjs finds (LIBTORCH as given), no CUDA checks,
#              then the CUDA tests (they must skip cleanly); no benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."

dry=0 bench=1 tests=1 extra=""
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) dry=1 ;;
    --skip-bench) bench=0 ;;
    --skip-tests) tests=0 ;;
    --run) shift; extra=$1 ;;
    *) echo "gpu-check: unknown option '$1' (--dry-run, --skip-bench, --skip-tests, --run CMD)" >&2; exit 2 ;;
  esac
  shift
done
[ $dry = 1 ] && bench=0

out=${OUT:-$PWD/.gpu/out}
mkdir -p "$out"
exec > >(tee "$out/gpu-check.log") 2>&1
start=$SECONDS
failures=()
stage() { echo; echo "===== [$((SECONDS - start))s] $*"; }
fail() { echo "gpu-check: FAILED: $*"; failures+=("$*"); }
die() { echo "gpu-check: FATAL: $*"; exit 1; }

for f in .gpu/node.xz .gpu/node-include.tar.xz .gpu/node_modules.tar.xz; do
  [ -f "$f" ] || die "$f is missing: run 'bash scripts/gpu-pack.sh' on a machine with Node.js and carry .gpu"
done

stage "1. node: unpack node, Node-API headers and node_modules"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
xz -dc .gpu/node.xz >"$work/bin/node"
chmod +x "$work/bin/node"
# Headers beside the binary (<prefix>/include/node), where scripts/build-native.sh looks first.
xz -dc .gpu/node-include.tar.xz | tar -C "$work" -xf -
export PATH="$work/bin:$PATH" NODE_INCLUDE_DIR="$work/include/node"
if [ -f node_modules/tsx/package.json ] && [ -f node_modules/node-addon-api/package.json ]; then
  echo "node_modules/ already has tsx and node-addon-api: keeping it"
else
  xz -dc .gpu/node_modules.tar.xz | tar -xf -
fi
echo "node $(node --version) at $(command -v node); headers $NODE_INCLUDE_DIR"
[ -f "$NODE_INCLUDE_DIR/node_api.h" ] || die "node_api.h missing after unpacking"

stage "2. environment"
if [ $dry = 1 ]; then
  echo "dry run: LIBTORCH=${LIBTORCH:-<unset>}, libtorch from scripts/find-libtorch.mjs"
  build=$work/build
else
  command -v nvidia-smi >/dev/null && nvidia-smi -L || echo "(no nvidia-smi)"
  py=${PYTHON:-python3}
  LIBTORCH=$("$py" -c 'import torch, os; print(os.path.dirname(torch.__file__))') ||
    die "$py cannot import torch"
  export LIBTORCH
  "$py" -c 'import torch; print("python torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")'
  # Torch's CMake config looks for the CUDA toolkit; point it at nvcc if it is not on PATH.
  if ! command -v nvcc >/dev/null; then
    for d in /usr/local/cuda/bin /opt/cuda/bin; do [ -x "$d/nvcc" ] && export PATH="$PATH:$d" && break; done
  fi
  if command -v nvcc >/dev/null; then
    export CUDACXX=${CUDACXX:-$(command -v nvcc)}
    export CUDA_HOME=${CUDA_HOME:-$(dirname "$(dirname "$(readlink -f "$CUDACXX")")")}
    echo "nvcc: $CUDACXX ($(nvcc --version | tail -1)); CUDA_HOME=$CUDA_HOME"
  else
    echo "(no nvcc found: the CMake configure may fail to find the CUDA toolkit)"
  fi
  build=native/build-cuda
fi
echo "LIBTORCH=${LIBTORCH:-<unset>}; Torch_DIR=$(node scripts/find-libtorch.mjs)"
cmake --version | head -1
echo "cores: $(nproc)"

stage "3. build the addon into $build"
t0=$SECONDS
BUILD_DIR=$build bash scripts/build-native.sh || {
  [ -f "$build.cmake.log" ] && cp "$build.cmake.log" "$out/cmake-configure.log"
  die "native build failed (configure log: $out/cmake-configure.log)"
}
addon=$build/meatus_torch.node
echo "built $addon in $((SECONDS - t0))s"
ldd "$addon" | grep -E 'torch|c10|cuda|not found' || true
if ldd "$addon" | grep -q 'not found'; then fail "ldd: unresolved libraries"; fi
if [ $dry = 0 ]; then
  ldd "$addon" | grep -q 'libtorch_cuda' || fail "ldd: libtorch_cuda is not linked"
fi
export MEATUS_NATIVE=$addon
node --import tsx --input-type=module -e "
  const { torch } = await import('./src/torch/index.ts');
  const i = torch.buildInfo();
  console.log(JSON.stringify({ version: i.version, cudaCompiled: i.cudaCompiled, cudaAvailable: i.cudaAvailable, devices: i.cudaDeviceCount, threads: i.numThreads, cxx11Abi: i.cxx11Abi }));
  if (${dry} === 0 && !(i.cudaCompiled && i.cudaAvailable)) { console.error('the addon does not see CUDA'); process.exit(1); }
" || fail "addon load / CUDA availability"

if [ $tests = 1 ]; then
  stage "4. CUDA tests: node scripts/run-tests.mjs torch/cuda"
  if ls test/torch/cuda*.test.ts >/dev/null 2>&1; then
    set -o pipefail
    timeout 300 node scripts/run-tests.mjs torch/cuda 2>&1 | tee "$out/cuda-tests.log" || fail "CUDA tests"
  else
    fail "no test/torch/cuda*.test.ts in this working tree"
  fi
fi

if [ $bench = 1 ]; then
  stage "5. engine benchmark on CUDA (fp32 and fp16 autocast) vs python3's PyTorch"
  timeout 420 node --import tsx bench/engine.ts --device cuda --sizes h100 --python "${PYTHON:-python3}" \
    --amp fp32,fp16 --rounds "${ROUNDS:-3}" --out "$out/engine-cuda.json" 2>&1 | tee "$out/engine-cuda.log" ||
    fail "engine benchmark"
fi

if [ -n "$extra" ]; then
  stage "6. --run: $extra"
  bash -c "$extra" || fail "--run command"
fi

stage "done in $((SECONDS - start))s"
if [ ${#failures[@]} -gt 0 ]; then
  printf 'gpu-check: %d stage(s) failed:\n' "${#failures[@]}"
  printf '  - %s\n' "${failures[@]}"
  exit 1
fi
echo "gpu-check: all stages passed; outputs in $out"
