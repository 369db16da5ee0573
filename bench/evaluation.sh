#!/usr/bin/env bash
# Benchmark: the task-3 evaluation (READPROG, WRITPROG, MATPROG; baseline 2015/16-2016/17,
# follow-up 2017/18-2018/19; two-way fixed-effects DiD with CR1 errors and 1,000 bootstrap
# resamples each) on the imported national data, whole process, beside
# ../shared/bench/peers/task3_did.py (statsmodels, linearmodels, numpy) in the same hyperfine run.
#
# Needs: a release build, hyperfine and GNU time, and the peer's Python packages
# (pip install -r ../shared/bench/peers/requirements.txt).
# Usage: bench/evaluation.sh [runs]     (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
bin="$PWD/target/release/aspire"
d="$(cd ../shared/data && pwd)"
peers="$(cd ../shared/bench/peers && pwd)"
cohort="$(cd ../shared/bench/instances && pwd)/eligible_2017-09-01.csv"
out="bench/results"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db="sqlite:$tmp/national.db"
"$bin" --database-url "$db" import "$d"/schools_england_2018_waiky8/ks2_perf_*.csv \
  "$d/ks2_england_2019_waiky8/england_ks2_2018-2019_with_ofsted_latlong.csv" \
  "$d/gias_links_england_2025/links_edubasealldata20250422.csv" > /dev/null
cmd="$bin --database-url $db evaluate attainment --cohort $cohort --baseline 2015/16,2016/17 --followup 2017/18,2018/19 --measures READPROG,WRITPROG,MATPROG --format json"
$cmd | python3 -c "
import json, sys
r = json.load(sys.stdin)
for m in r['measures']:
    d = m['comparisons'][0]['did']; b = m['comparisons'][0]['bootstrap']
    print(f\"{m['code']}: beta {d['estimate']:.6f} SE {d['se']:.6f} (n {d['n_obs']}, {d['n_schools']} schools); bootstrap SE {b['se']:.4f}\")
"
# The peer writes its results beside itself: run it from a copy so the shared folder is untouched.
mkdir -p "$tmp/bench"
cp -r "$peers" "$tmp/bench/peers"
ln -s "$d" "$tmp/data"
ln -s "$(dirname "$cohort")" "$tmp/bench/instances"
hyperfine --warmup 1 --runs "$runs" --export-json "$out/evaluation.json" --export-markdown "$out/evaluation.md" \
  --command-name "aspire evaluate attainment (3 outcomes, DiD + 1,000 bootstrap each)" "$cmd > /dev/null" \
  --command-name "peer: task3_did.py (statsmodels + linearmodels + numpy bootstrap)" "python3 $tmp/bench/peers/task3_did.py > /dev/null"
echo
/usr/bin/time -v $cmd >/dev/null 2>"$tmp/t1"
echo "peak RSS, aspire: $(grep 'Maximum resident' "$tmp/t1" | awk '{print $NF}') KB"
/usr/bin/time -v python3 "$tmp/bench/peers/task3_did.py" >/dev/null 2>"$tmp/t2"
echo "peak RSS, peer:   $(grep 'Maximum resident' "$tmp/t2" | awk '{print $NF}') KB"
