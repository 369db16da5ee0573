#!/usr/bin/env bash
# Benchmark: networks of four (sum of pairwise haversine km within networks) on the three bench
# instances of ../shared/bench/instances (200, 1,764 and 15,608 schools): objective, lower bound
# and gap of `aspire networks form` with its default time limit, its wall time under hyperfine,
# and beside it the peer script ../shared/bench/peers/task2_networks.py (k-means-constrained,
# OR-tools CP-SAT) on instances b (200) and a (1,764), run once each (its own timings inside).
#
# Needs: a release build, hyperfine, GNU time; for the peer, its Python packages
# (pip install -r ../shared/bench/peers/requirements.txt; PYTHON=path/to/venv/bin/python).
# Usage: bench/networks.sh [runs]     (default 10; the 15,608-school instance runs 3 times)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
bin="$PWD/target/release/aspire"
py="${PYTHON:-python3}"
inst="$(cd ../shared/bench/instances && pwd)"
peers="$(cd ../shared/bench/peers && pwd)"
data="$(cd ../shared/data && pwd)"
out="bench/results"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for name in ri_inad_first200 ri_inad_1764 rectype1_15608; do
  echo "== $name"
  /usr/bin/time -f "wall %e s, peak RSS %M KB" "$bin" networks form --input "$inst/$name.csv" --out "$tmp/$name.csv" 2>&1 \
    | grep -v '^  '
  "$bin" networks score --input "$inst/$name.csv" "$tmp/$name.csv" | grep objective
done
echo "== peers' partitions, re-scored"
for f in "$inst"/solutions/*.csv; do
  base=$(basename "$f" .csv)
  printf '%s: ' "$base"
  "$bin" networks score --input "$inst/${base%%__*}.csv" "$f" | grep objective
done

form() { echo "$bin networks form --input $inst/$1.csv --out $tmp/h_$1.csv"; }
hyperfine --warmup 1 --runs "$runs" --export-json "$out/networks.json" --export-markdown "$out/networks.md" \
  --command-name "aspire networks form, 200 schools" "$(form ri_inad_first200)" \
  --command-name "aspire networks form, 1,764 schools" "$(form ri_inad_1764)"
hyperfine --runs 3 --export-json "$out/networks_15608.json" --export-markdown "$out/networks_15608.md" \
  --command-name "aspire networks form, 15,608 schools" "$(form rectype1_15608)"

# The peer rebuilds its instances and writes its results beside itself: run it from a copy.
if "$py" -c "import k_means_constrained, ortools" 2>/dev/null; then
  mkdir -p "$tmp/bench/instances"
  cp -r "$peers" "$tmp/bench/peers"
  ln -s "$data" "$tmp/data"
  for only in b a; do
    echo "== peer: task2_networks.py --only $only"
    /usr/bin/time -f "wall %e s, peak RSS %M KB" "$py" "$tmp/bench/peers/task2_networks.py" --only "$only" 2>&1 \
      | grep -E '^(==|  |wall)'
  done
else
  echo "peer packages not importable with $py: see ../shared/bench/peers/RESULTS.md for their figures"
fi
