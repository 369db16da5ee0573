#!/usr/bin/env bash
# Imports the national files of ../shared/data (and the Hampshire/Surrey GIAS and KS2 files)
# into a fresh SQLite database twice, and fails unless the second import reports no new and no
# changed rows. Usage: bench/national-import-check.sh [path/to/aspire]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/release/aspire}"
d=../shared/data
files=(
  "$d/schools_england_2018_waiky8/england_spine_2017-2018.csv"
  "$d/schools_england_2018_waiky8/school_details_2017-2018.csv"
  "$d/schools_england_2018_waiky8/ofsted_inspection_history_scraped_c2020.csv"
  "$d/schools_england_2018_waiky8/ks2_perf_2015-2016.csv"
  "$d/schools_england_2018_waiky8/ks2_perf_2016-2017.csv"
  "$d/schools_england_2018_waiky8/ks2_perf_2017-2018.csv"
  "$d/ks2_england_2019_waiky8/england_ks2_2018-2019_with_ofsted_latlong.csv"
  "$d/gias_links_england_2025/links_edubasealldata20250422.csv"
  "$d/gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv"
  "$d"/ks2_hampshire_surrey_2017_2019/ks2final_*.csv
  "$d/ks2_hampshire_surrey_2017_2019/la_and_region_codes_meta_2018-2019.csv"
  "$d"/ons_lad_lookups/*.csv
  "$d/reference/opportunity_areas_2017_transcribed.csv"
)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db="sqlite:$tmp/national.db"
"$bin" --database-url "$db" import "${files[@]}" > "$tmp/first.txt"
grep -c '^✓' "$tmp/first.txt" | xargs -I{} echo "first import: {} files written"
"$bin" --database-url "$db" import "${files[@]}" > "$tmp/second.txt"
if grep '^✓' "$tmp/second.txt" | grep -E ' new| changed'; then
  echo "FAIL: the second import changed rows (above)"
  exit 1
fi
echo "second import: $(grep -c '^✓' "$tmp/second.txt") files, no new and no changed rows"
