#!/usr/bin/env bash
# `npm run demo:growth`: a phantom patient scanned three times, its extrameatal part growing 30 % in
# volume per year (scans 9 months apart; dates in dates.csv), and the growth report of its label
# maps: demo-growth/VS_p001_growth.html, growth.json, growth.csv. The labels are the phantom's
# truth, so the report can be read against the set growth; `meatus growth demo-growth/data
# --segment --out …` segments the scans with the built-in model first instead (its dates.csv goes
# with it; seconds a scan on 2 CPU cores).
set -euo pipefail
cd "$(dirname "$0")/.."
node bin/meatus.js phantom --cases 3 --patients 1 --koos 3 --seed 4 --growth 30 --interval-months 9 \
  --out demo-growth/data --overwrite --jobs 1
node bin/meatus.js growth demo-growth/data --out demo-growth --overwrite
echo "open demo-growth/VS_p001_growth.html in a browser"
