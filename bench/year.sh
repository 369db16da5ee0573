#!/usr/bin/env bash
# Benchmark: planning a national programme year, and a person's calendar feed in it.
#
# The programme: 1,600 primary schools spread over England (every school of the 2019 KS2 file
# with coordinates, taken in turn across it), in 400 networks of four formed by
# `aspire networks form --programme 1 --save`, 100 Achievement Advisers with four networks each
# (`aspire networks advisers`), and term dates entered per LA (three half-term patterns, so that
# networks mixing LAs have fewer common days), starting 2017-09-04: three terms, 12,000 days.
# (Starting on 1 November instead, the planner says no plan exists: an adviser cannot fit 40
# days for four networks into the seven weeks left of the autumn term at four days a week.)
#
# Measured with hyperfine: `aspire calendar plan --programme 1` as a whole process on SQLite
# (reading, planning, checking every hard constraint again, saving), each run on a fresh copy of
# the prepared database (hyperfine --prepare); the same with --dry-run (nothing saved); and the
# ceiling of a process that opens the same database and does nothing (`aspire calendar terms
# --urn U`). Then one saved plan is checked again independently here (bench/year_check.py: no
# school on a day it is closed, no adviser in two places, every Development Day after its
# Network Days) and a person's calendar (`aspire calendar ics --person`, what their feed serves)
# is timed as a whole process beside the same ceiling, as is the year in figures per network
# (`aspire attendance figures --by network`: every school's staff, reach and the rolls read, in
# one query each, and summed).
#
# Needs: the release build (made here), hyperfine, python3, ../shared/data.
# Usage: bench/year.sh [runs]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
cargo build --release -q --bin aspire
bin="$PWD/target/release/aspire"
d=../shared/data
out=bench/results
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
keep="${KEEP:-}"; [ -n "$keep" ] && trap - EXIT
db="sqlite:$tmp/base.db"

python3 - "$d" "$tmp" <<'PY'
import csv, sys
d, tmp = sys.argv[1], sys.argv[2]
la = {r["URN"]: r["LA"] for r in csv.DictReader(open(f"{d}/schools_england_2018_waiky8/england_spine_2017-2018.csv"))}
rows = [r for r in csv.DictReader(open(f"{d}/ks2_england_2019_waiky8/england_ks2_2018-2019_with_ofsted_latlong.csv"))
        if r["RECTYPE"] == "1" and r["LATITUDE"] and r["URN"] in la]
step = len(rows) // 1600
chosen = rows[::step][:1600]
assert len(chosen) == 1600, len(chosen)
open(f"{tmp}/schools.txt", "w").write(" ".join(r["URN"] for r in chosen))
# Every 16th school is an adviser's home (100 of them).
open(f"{tmp}/homes.txt", "w").write("".join(r["URN"] + "\n" for r in chosen[::16]))
# Three half-term patterns, by LA.
terms = {
    0: [("autumn", "05/09/2017", "20/12/2017", "23/10/2017", "27/10/2017"),
        ("spring", "03/01/2018", "29/03/2018", "12/02/2018", "16/02/2018"),
        ("summer", "16/04/2018", "20/07/2018", "28/05/2018", "01/06/2018")],
    1: [("autumn", "04/09/2017", "21/12/2017", "30/10/2017", "03/11/2017"),
        ("spring", "04/01/2018", "28/03/2018", "19/02/2018", "23/02/2018"),
        ("summer", "16/04/2018", "24/07/2018", "04/06/2018", "08/06/2018")],
    2: [("autumn", "06/09/2017", "19/12/2017", "06/11/2017", "10/11/2017"),
        ("spring", "08/01/2018", "29/03/2018", "26/02/2018", "02/03/2018"),
        ("summer", "17/04/2018", "19/07/2018", "21/05/2018", "25/05/2018")],
}
with open(f"{tmp}/terms.csv", "w") as f:
    f.write("la_code,academic_year,term,starts,ends,half_term_starts,half_term_ends\n")
    for code in sorted({la[r["URN"]] for r in chosen}):
        for t in terms[int(code) % 3]:
            f.write(f"{code},2017/18,{','.join(t)}\n")
PY

echo "== preparing the programme (import, 400 networks, 100 advisers, term dates)"
"$bin" --database-url "$db" import "$d/schools_england_2018_waiky8/england_spine_2017-2018.csv" \
  "$d/ks2_england_2019_waiky8/england_ks2_2018-2019_with_ofsted_latlong.csv" > /dev/null
"$bin" --database-url "$db" programme create --template tlif-2017 --starts 2017-09-04 "National year" > /dev/null
# shellcheck disable=SC2046
"$bin" --database-url "$db" programme enrol 1 $(cat "$tmp/schools.txt") > /dev/null
"$bin" --database-url "$db" networks form --programme 1 --save --out "$tmp/networks.csv" > /dev/null
advisers=()
i=0
while read -r home; do
  i=$((i + 1))
  "$bin" --database-url "$db" user add --role achievement-adviser --programme 1 --network 1 \
    --name "Adviser $i" "adviser$i@bench.example" > /dev/null
  advisers+=(--adviser "adviser$i@bench.example,4,$home")
done < "$tmp/homes.txt"
"$bin" --database-url "$db" networks advisers --programme 1 --replace "${advisers[@]}" > /dev/null
"$bin" --database-url "$db" calendar import-terms "$tmp/terms.csv"
"$bin" --database-url "$db" programme list
first=$(cut -d' ' -f1 "$tmp/schools.txt")

echo "== one plan first, to see it can be made"
cp "$tmp/base.db" "$tmp/first.db"
"$bin" --database-url "sqlite:$tmp/first.db" calendar plan --programme 1 | tail -3

echo "== the whole process, on a fresh copy of the database each run"
hyperfine --warmup 1 --runs "$runs" --export-json "$out/year.json" --export-markdown "$out/year.md" \
  --prepare "cp $tmp/base.db $tmp/run.db; rm -f $tmp/run.db-wal $tmp/run.db-shm" \
  --command-name "aspire calendar plan (saved)" "$bin --database-url sqlite:$tmp/run.db calendar plan --programme 1" \
  --command-name "aspire calendar plan --dry-run" "$bin --database-url sqlite:$tmp/base.db calendar plan --programme 1 --dry-run" \
  --command-name "ceiling: open the database, read one school's terms" "$bin --database-url sqlite:$tmp/base.db calendar terms --urn $first"

echo "== one saved plan, checked independently"
cp "$tmp/base.db" "$tmp/check.db"
/usr/bin/time -f "wall %e s, peak RSS %M KB" "$bin" --database-url "sqlite:$tmp/check.db" calendar plan --programme 1
python3 bench/year_check.py "$tmp/check.db" "$tmp/terms.csv" "$d/schools_england_2018_waiky8/england_spine_2017-2018.csv"

echo "== a person's calendar (an adviser's 120 days), whole process, beside the same ceiling"
hyperfine --warmup 3 --runs $((runs * 5)) --export-json "$out/year_feed.json" --export-markdown "$out/year_feed.md" \
  --command-name "aspire calendar ics --person (an adviser)" \
  "$bin --database-url sqlite:$tmp/check.db calendar ics --programme 1 --person adviser1@bench.example" \
  --command-name "ceiling: open the database, read one school's terms" "$bin --database-url sqlite:$tmp/check.db calendar terms --urn $first"
"$bin" --database-url "sqlite:$tmp/check.db" calendar ics --programme 1 --person adviser1@bench.example | grep -c BEGIN:VEVENT | sed 's/^/events in the calendar: /'

echo "== the year in figures (attendance and reach per network and term, 400 networks), whole process, beside the same ceiling"
hyperfine --warmup 3 --runs $((runs * 2)) --export-json "$out/year_figures.json" --export-markdown "$out/year_figures.md" \
  --command-name "aspire attendance figures --by network" \
  "$bin --database-url sqlite:$tmp/check.db attendance figures --programme 1 --by network --format csv" \
  --command-name "ceiling: open the database, read one school's terms" "$bin --database-url sqlite:$tmp/check.db calendar terms --urn $first"
"$bin" --database-url "sqlite:$tmp/check.db" attendance figures --programme 1 --by network --format csv | tail -n +2 | wc -l | sed 's/^/rows (network, term): /'

echo "== the same person's feed through the web server (GET /calendar/{token}.ics), beside /healthz (wrk -t1 -c1, 10 s)"
command -v wrk > /dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 1; }
feed=$("$bin" --database-url "sqlite:$tmp/check.db" calendar feed --programme 1 --person adviser1@bench.example)
"$bin" --database-url "sqlite:$tmp/check.db" serve --addr 127.0.0.1:18231 > "$tmp/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; [ -n "$keep" ] || rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:18231/healthz && break; sleep 0.1; done
curl -s "http://127.0.0.1:18231$feed" | grep -c BEGIN:VEVENT | sed 's/^/events in the feed: /'
for url in "$feed" /healthz; do
  label=$([ "$url" = /healthz ] && echo "/healthz (ceiling)" || echo "a person's feed")
  wrk -t1 -c1 -d10s --latency "http://127.0.0.1:18231$url" | awk -v u="$label" '$1 == "50%" || $1 == "99%" {printf "%s: %s %s\n", u, $1, $2} /Requests\/sec/ {printf "%s: %s requests/s\n", u, $2}'
done
