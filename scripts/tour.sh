#!/usr/bin/env bash
# Runs the README's "A tour of the command line" exactly as written, in order, in a fresh folder,
# with this checkout's `meatus` first on the PATH. CI runs it after the tests (.ci/run); on 2 CPU
# cores it takes a few minutes. Usage: bash scripts/tour.sh [FOLDER]  (default: a temporary folder,
# removed afterwards). Fails on the first command that fails.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-}"
if [ -z "$work" ]; then
  work="$(mktemp -d -t meatus-tour-XXXXXX)"
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/.bin"
ln -sf "$repo/bin/meatus.js" "$work/.bin/meatus"
# The tour uses the example config of the checkout (experiments/…): reachable from the folder.
[ -e "$work/experiments" ] || ln -s "$repo/experiments" "$work/experiments"
export PATH="$work/.bin:$PATH"
export MEATUS_QUIET=1

# The tour: the first ```sh block after the heading, continuation lines joined.
script="$(awk '/^## A tour of the command line/{t=1} t&&/^```sh/{b=1;next} b&&/^```/{exit} b{print}' "$repo/README.md")"
[ -n "$script" ] || { echo "tour.sh: no tour found in README.md" >&2; exit 1; }
cd "$work"
n=0
while IFS= read -r line; do
  n=$((n + 1))
  echo "tour $n: $line" | cut -c1-160
  start=$(date +%s)
  bash -euo pipefail -c "$line" >"$work/.tour-$n.log" 2>&1 || {
    echo "tour.sh: this step of the README's tour failed (exit $?); its output:" >&2
    cat "$work/.tour-$n.log" >&2
    exit 1
  }
  echo "        ok ($(($(date +%s) - start)) s)"
done < <(printf '%s\n' "$script" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta')
echo "tour.sh: all $n commands of the README's tour ran"
