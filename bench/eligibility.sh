#!/usr/bin/env bash
# Benchmark: `aspire eligibility --rules tlif-2017 --as-of 2017-09-01 --format csv` on the
# imported national data (whole process), beside the peers of ../shared/bench/peers doing the
# same selection from the CSV files (Python csv, pandas, polars), all in one hyperfine run.
#
# Needs: a release build, hyperfine and GNU time, pandas 3.1.1 and polars 2.1.0
# (pip install -r ../shared/bench/peers/requirements.txt).
# Usage: bench/eligibility.sh [runs]     (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
bin="$PWD/target/release/aspire"
d="$(cd ../shared/data && pwd)"
peer="$(cd ../shared/bench/peers && pwd)/task1_eligibility.py"
out="bench/results"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db="sqlite:$tmp/national.db"
# The eight national files, the ONS lookups and the DfE LA names, imported once.
"$bin" --database-url "$db" import \
  "$d"/schools_england_2018_waiky8/*.csv \
  "$d/ks2_england_2019_waiky8/england_ks2_2018-2019_with_ofsted_latlong.csv" \
  "$d/gias_links_england_2025/links_edubasealldata20250422.csv" \
  "$d"/ons_lad_lookups/*.csv \
  "$d/ks2_hampshire_surrey_2017_2019/la_and_region_codes_meta_2018-2019.csv" > /dev/null
echo "imported; deciding for $("$bin" --database-url "$db" eligibility --rules tlif-2017 --as-of 2017-09-01 --format csv | tail -n +2 | wc -l) schools"

hyperfine --warmup 2 --runs "$runs" --export-json "$out/eligibility.json" --export-markdown "$out/eligibility.md" \
  --command-name "aspire eligibility (every school, CSV, all decisions)" \
  "$bin --database-url $db eligibility --rules tlif-2017 --as-of 2017-09-01 --format csv > $tmp/aspire.csv" \
  --command-name "aspire eligibility (eligible schools, CSV)" \
  "$bin --database-url $db eligibility --rules tlif-2017 --as-of 2017-09-01 --format csv --only eligible > $tmp/aspire-eligible.csv" \
  --command-name "peer: Python csv" "python3 $peer --tool csv --out $tmp/csv.csv" \
  --command-name "peer: pandas" "python3 $peer --tool pandas --out $tmp/pandas.csv" \
  --command-name "peer: polars" "python3 $peer --tool polars --out $tmp/polars.csv"

echo
python3 - "$out/eligibility.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"  median {r['median'] * 1000:7.1f} ms  min {r['min'] * 1000:7.1f}  max {r['max'] * 1000:7.1f}  {r['command']}")
PY
echo
echo "peak resident memory (GNU time, one run each):"
/usr/bin/time -v "$bin" --database-url "$db" eligibility --rules tlif-2017 --as-of 2017-09-01 --format csv >/dev/null 2>"$tmp/t1"
echo "  aspire eligibility: $(grep 'Maximum resident' "$tmp/t1" | awk '{print $NF}') KB"
/usr/bin/time -v python3 "$peer" --tool pandas --out "$tmp/pandas.csv" >/dev/null 2>"$tmp/t2"
echo "  pandas peer:        $(grep 'Maximum resident' "$tmp/t2" | awk '{print $NF}') KB"
