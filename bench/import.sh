#!/usr/bin/env bash
# Benchmark: `aspire import` of the eight national files (about 210,000 rows) into a fresh
# database, whole process, SQLite then PostgreSQL, with the pandas peer (reading and filtering
# the same files, ../shared/bench/peers/task1_eligibility.py) measured in the same run.
#
# Needs: a release build (cargo build --release), hyperfine and GNU time (apt-get install
# hyperfine time), pandas 3.1.1 (pip install -r ../shared/bench/peers/requirements.txt), and
# PostgreSQL on 127.0.0.1:5432 with trust auth (the PostgreSQL part is skipped otherwise).
# Usage: bench/import.sh [runs]        (default 7 runs each; medians are reported)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-7}"
bin="$PWD/target/release/aspire"
d="$(cd ../shared/data && pwd)"
peer="$(cd ../shared/bench/peers && pwd)/task1_eligibility.py"
files=(
  "$d/schools_england_2018_waiky8/england_spine_2017-2018.csv"
  "$d/schools_england_2018_waiky8/school_details_2017-2018.csv"
  "$d/schools_england_2018_waiky8/ofsted_inspection_history_scraped_c2020.csv"
  "$d/schools_england_2018_waiky8/ks2_perf_2015-2016.csv"
  "$d/schools_england_2018_waiky8/ks2_perf_2016-2017.csv"
  "$d/schools_england_2018_waiky8/ks2_perf_2017-2018.csv"
  "$d/ks2_england_2019_waiky8/england_ks2_2018-2019_with_ofsted_latlong.csv"
  "$d/gias_links_england_2025/links_edubasealldata20250422.csv"
)
out="bench/results"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rows=$(for f in "${files[@]}"; do tail -n +2 "$f" | wc -l; done | paste -sd+ | bc)
echo "files: ${#files[@]}, data rows: $rows"

pg_url="postgres://postgres@127.0.0.1:5432/aspire_bench"
pg_prepare="psql -q -h 127.0.0.1 -U postgres -d postgres -c 'DROP DATABASE IF EXISTS aspire_bench' -c 'CREATE DATABASE aspire_bench'"
have_pg=0
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then have_pg=1; fi

cmds=(--command-name "aspire import -> SQLite" --prepare "rm -f $tmp/bench.db $tmp/bench.db-wal $tmp/bench.db-shm"
      "$bin --database-url sqlite:$tmp/bench.db import ${files[*]}")
if [ "$have_pg" = 1 ]; then
  cmds+=(--command-name "aspire import -> PostgreSQL" --prepare "$pg_prepare"
         "$bin --database-url $pg_url import ${files[*]}")
fi
cmds+=(--command-name "pandas peer (read + filter, task1)" --prepare "true"
       "python3 $peer --tool pandas --out $tmp/pandas.csv")
hyperfine --warmup 1 --runs "$runs" --export-json "$out/import.json" --export-markdown "$out/import.md" "${cmds[@]}"

echo
echo "peak resident memory (GNU time, one run each):"
rm -f "$tmp"/bench.db*
/usr/bin/time -v "$bin" --database-url "sqlite:$tmp/bench.db" import "${files[@]}" >/dev/null 2>"$tmp/time-sqlite.txt"
echo "  aspire import -> SQLite:     $(grep 'Maximum resident' "$tmp/time-sqlite.txt" | awk '{print $NF}') KB"
if [ "$have_pg" = 1 ]; then
  eval "$pg_prepare"
  /usr/bin/time -v "$bin" --database-url "$pg_url" import "${files[@]}" >/dev/null 2>"$tmp/time-pg.txt"
  echo "  aspire import -> PostgreSQL: $(grep 'Maximum resident' "$tmp/time-pg.txt" | awk '{print $NF}') KB"
fi
/usr/bin/time -v python3 "$peer" --tool pandas --out "$tmp/pandas.csv" >/dev/null 2>"$tmp/time-pandas.txt"
echo "  pandas peer:                 $(grep 'Maximum resident' "$tmp/time-pandas.txt" | awk '{print $NF}') KB"
