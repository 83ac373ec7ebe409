#!/usr/bin/env bash
# Idempotent set-up, run by `npm run demo` and `npm test`: the toolchain and libtorch (Debian's
# libtorch-dev when no libtorch is found), npm dependencies (`npm ci` when package-lock.json changed),
# the WebAssembly kernels (when their source changed) and the native addon (incremental CMake
# build). TypeScript runs from src/ through tsx.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  echo "meatus setup: installing $* with apt"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
command -v cmake >/dev/null || missing+=(cmake)
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
node scripts/find-libtorch.mjs >/dev/null 2>&1 || apt_install libtorch-dev
# Debian's libtorch has c10d (ProcessGroupGloo, TCPStore) but gloo's headers come apart; without
# them the addon builds without distributed training.
case "$(node scripts/find-libtorch.mjs 2>/dev/null)" in
  /usr/*) [ -f /usr/include/gloo/context.h ] || apt_install libgloo-dev ||
    echo "meatus setup: libgloo-dev not installed; building without distributed training" ;;
esac
# Figures are SVG rendered to PNG by resvg, which needs one system font.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || apt_install fonts-dejavu-core
# `npm test` (setup.sh --test) also drives the reports' NiiVue viewer in Debian's headless chromium,
# and checks meatus against its peers where they run at test time: nibabel (NIfTI headers), pydicom
# and dcm2niix (the DICOM import's fixtures and geometry). Python is never a runtime dependency.
if [ "${1:-}" = --test ]; then
  peers=()
  [ -x /usr/bin/chromium ] || peers+=(chromium)
  command -v dcm2niix >/dev/null || peers+=(dcm2niix)
  /usr/bin/python3 -c 'import nibabel' 2>/dev/null || peers+=(python3-nibabel)
  /usr/bin/python3 -c 'import pydicom' 2>/dev/null || peers+=(python3-pydicom)
  [ ${#peers[@]} -eq 0 ] || apt_install "${peers[@]}"
fi

stamp=node_modules/.meatus-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  # onnxruntime-node ships its CPU binaries; its install script would only fetch CUDA ones.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

node scripts/build-wasm.mjs
bash scripts/build-native.sh


# `meatus` on the PATH: bin/meatus.js linked into npm's global bin folder, as `npm link` would
# (without npm reinstalling anything). MEATUS_NO_LINK=1 skips it; an unrelated `meatus` is kept.
if [ "${MEATUS_NO_LINK:-}" != 1 ]; then
  bindir="$(npm prefix -g)/bin"
  target="$PWD/bin/meatus.js"
  if [ -w "$bindir" ] && { [ ! -e "$bindir/meatus" ] || readlink "$bindir/meatus" | grep -q 'bin/meatus\.js$'; }; then
    ln -sfn "$target" "$bindir/meatus"
    echo "meatus setup: $bindir/meatus -> $target"
  elif [ "$(readlink -f "$bindir/meatus" 2>/dev/null)" != "$target" ]; then
    echo "meatus setup: $bindir is not writable; to run meatus from anywhere: alias meatus='node $target'"
  fi
fi
