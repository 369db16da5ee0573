#!/usr/bin/env bash
# Load on the web pages, on the national register, on SQLite and on PostgreSQL, beside a ceiling
# (the same connection loop answering a fixed page without a database), with wrk on this machine;
# then the server's peak memory under two attacks (96 bodies of 16 MB sent at once to a page that
# does not exist; 3 spreadsheets at once that unpack to 400 MB each, uploaded as staff lists).
#
# Usage: bench/web-load.sh [SECONDS per run, default 10] [sqlite|postgres|both, default both]
# Needs: the release build (made here), wrk (installed here from Debian if missing), python3,
# and for PostgreSQL a server at 127.0.0.1:5432 with trust authentication (as in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
which="${2:-both}"
pg_admin="${ASPIRE_BENCH_POSTGRES_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}"
pg_url="${ASPIRE_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/aspire_bench}"

if ! command -v wrk >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
fi
cargo build --release -q --bin aspire
cargo build --release -q -p aspire-web --example ceiling
bin=target/release/aspire
ceiling=target/release/examples/ceiling

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
)
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# 400 primary schools in one part of England (for the programme page), and every fifth school of
# the register (for school pages that are not all the same one).
python3 - "$d" "$tmp" <<'PY'
import csv, sys
d, tmp = sys.argv[1], sys.argv[2]
rows = csv.DictReader(open(f"{d}/ks2_england_2019_waiky8/england_ks2_2018-2019_with_ofsted_latlong.csv"))
north = [r["URN"] for r in rows if r["RECTYPE"] == "1" and 53.3 < float(r["LATITUDE"]) < 54.2 and -2.5 < float(r["LONGITUDE"]) < -0.8][:400]
open(f"{tmp}/programme.txt", "w").write(" ".join(north))
spine = [r["URN"] for r in csv.DictReader(open(f"{d}/schools_england_2018_waiky8/england_spine_2017-2018.csv"))][::5]
open(f"{tmp}/urns.lua", "w").write(
    "urns={" + ",".join(spine) + "}\ncounter=0\nrequest=function()\n counter=counter+1\n"
    " return wrk.format(\"GET\", \"/schools/\" .. urns[(counter % #urns) + 1])\nend\n")
PY

wait_for() {
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://$1/healthz" && return 0; sleep 0.1; done
  echo "the server at $1 did not start" >&2; exit 1
}

# Imports the national files, makes a programme of 400 schools in 100 networks and an
# administrator, starts a server on port $2, signs in and writes the session cookie to $3.
setup() {
  local url="$1" port="$2" cookie_file="$3"
  "$bin" --database-url "$url" import "${files[@]}" > "$tmp/import.txt"
  "$bin" --database-url "$url" programme create --template tlif-2017 --starts 2017-11-01 "TLIF North" > /dev/null
  # shellcheck disable=SC2046
  "$bin" --database-url "$url" programme enrol 1 $(cat "$tmp/programme.txt") > /dev/null
  "$bin" --database-url "$url" networks form --programme 1 --save --out "$tmp/networks.csv" > /dev/null
  local link
  link=$("$bin" --database-url "$url" user add --role admin --name "Load Test" load@example.org | grep '/invitation/' | head -1 | tr -d ' ')
  "$bin" --database-url "$url" serve --addr "127.0.0.1:$port" > "$tmp/serve-$port.log" 2>&1 &
  pids+=($!)
  wait_for "127.0.0.1:$port"
  local path="${link#http://*/}" jar="$tmp/jar-$port"
  curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$port/$path" -o /dev/null
  local csrf
  csrf=$(awk '/aspire_csrf/ {print $7}' "$jar")
  curl -s -o /dev/null -c "$jar" -b "$jar" \
    -d "password=correct+horse+battery+staple&confirm=correct+horse+battery+staple&csrf=$csrf" "http://127.0.0.1:$port/$path"
  curl -s -o /dev/null -c "$jar" -b "$jar" \
    -d "email=load%40example.org&password=correct+horse+battery+staple&csrf=$csrf" "http://127.0.0.1:$port/sign-in"
  awk '/aspire_session/ {print $6 "=" $7}' "$jar" > "$cookie_file"
  [ -s "$cookie_file" ] || { echo "signing in failed" >&2; exit 1; }
}

# One wrk run: prints "| what | connections | requests/s | p50 | p99 | non-2xx |".
measure() {
  local label="$1" url="$2" conns="$3" cookie="$4" script="${5:-}"
  local args=(-t1 -c"$conns" -d"${secs}s" --latency)
  [ -n "$cookie" ] && args+=(-H "Cookie: $cookie")
  [ -n "$script" ] && args+=(-s "$script")
  # Warm up (the first request of a register generation builds the directory index).
  curl -s -o /dev/null ${cookie:+-H "Cookie: $cookie"} "$url"
  local out
  out=$(wrk "${args[@]}" "$url")
  local rps p50 p99 bad
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  bad=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  echo "| $label | $conns | $rps | $p50 | $p99 | ${bad:-0} |"
}

pages() {
  local name="$1" port="$2" cookie
  cookie=$(cat "$tmp/cookie-$port")
  echo
  echo "### $name, signed in as an administrator (wrk -t1, ${secs} s per run)"
  echo
  echo "| page | connections | requests/s | p50 | p99 | non-2xx |"
  echo "|---|---|---|---|---|---|"
  for c in 10 100; do
    measure "directory /schools" "http://127.0.0.1:$port/schools" "$c" "$cookie"
    measure "search /schools?q=Bradford" "http://127.0.0.1:$port/schools?q=Bradford" "$c" "$cookie"
    measure "school page /schools/140128" "http://127.0.0.1:$port/schools/140128" "$c" "$cookie"
    measure "school pages, 5,216 URNs in turn" "http://127.0.0.1:$port" "$c" "$cookie" "$tmp/urns.lua"
    measure "programme page /programmes/1 (400 schools)" "http://127.0.0.1:$port/programmes/1" "$c" "$cookie"
  done
}

# Peak memory (VmHWM) of a fresh server under each attack.
attacks() {
  local url="$1" port="$2"
  "$bin" --database-url "$url" serve --addr "127.0.0.1:$port" > "$tmp/attack-$port.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  wait_for "127.0.0.1:$port"
  local cookie
  cookie=$(cat "$tmp/cookie-$((port - 1))")
  curl -s -o /dev/null -H "Cookie: $cookie" "http://127.0.0.1:$port/schools"
  local before
  before=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  head -c $((16 * 1024 * 1024)) /dev/zero > "$tmp/16mb"
  local codes="$tmp/codes-$port"
  : > "$codes"
  local senders=()
  for _ in $(seq 1 96); do
    curl -s -o /dev/null -w '%{http_code}\n' -H "Cookie: $cookie" -H 'Content-Type: application/x-www-form-urlencoded' \
      --data-binary @"$tmp/16mb" "http://127.0.0.1:$port/no-such-page" >> "$codes" &
    senders+=($!)
  done
  wait "${senders[@]}" || true
  local after_bodies
  after_bodies=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  local answers
  answers=$(sort "$codes" | uniq -c | awk '{printf "%s×%s ", $1, $2}')
  # The spreadsheet bomb: sharedStrings.xml of 400 MB of one repeated character.
  python3 - "$tmp/bomb.xlsx" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
    z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="s" sheetId="1"/></sheets></workbook>')
    with z.open("xl/sharedStrings.xml", "w") as f:
        f.write(b'<?xml version="1.0"?><sst><si><t>')
        chunk = b"a" * (1 << 20)
        for _ in range(400):
            f.write(chunk)
        f.write(b"</t></si></sst>")
PY
  local csrf
  csrf=$(curl -s -H "Cookie: $cookie" "http://127.0.0.1:$port/people" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | grep -o '[0-9a-f]\{64\}')
  : > "$codes"
  senders=()
  for _ in 1 2 3; do
    curl -s -o /dev/null -w '%{http_code}\n' -H "Cookie: $cookie" -F "file=@$tmp/bomb.xlsx" \
      "http://127.0.0.1:$port/people/import?csrf=$csrf" >> "$codes" &
    senders+=($!)
  done
  wait "${senders[@]}" || true
  local after_bomb bomb_answers
  after_bomb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  bomb_answers=$(sort "$codes" | uniq -c | awk '{printf "%s×%s ", $1, $2}')
  echo
  echo "Peak memory of a fresh server ($(du -k "$tmp/bomb.xlsx" | cut -f1) KB spreadsheet bomb):"
  echo
  echo "| moment | peak RSS (VmHWM) | answers |"
  echo "|---|---|---|"
  echo "| after the first directory page | $((before / 1024)) MB | |"
  echo "| after 96 bodies of 16 MB at once | $((after_bodies / 1024)) MB | $answers |"
  echo "| after 3 spreadsheet bombs at once | $((after_bomb / 1024)) MB | $bomb_answers |"
  kill "$pid"
}

echo "## Web load, $(date -u +%Y-%m-%d), $(nproc) cores"
if [ "$which" != postgres ]; then
  setup "sqlite:$tmp/national.db" 18081 "$tmp/cookie-18081"
  pages "SQLite" 18081
  attacks "sqlite:$tmp/national.db" 18082
fi
if [ "$which" != sqlite ]; then
  psql "$pg_admin" -q -c "DROP DATABASE IF EXISTS aspire_bench" -c "CREATE DATABASE aspire_bench" > /dev/null
  setup "$pg_url" 18083 "$tmp/cookie-18083"
  pages "PostgreSQL" 18083
  attacks "$pg_url" 18084
fi
"$ceiling" 127.0.0.1:18089 > /dev/null 2>&1 &
pids+=($!)
wait_for 127.0.0.1:18089
echo
echo "### Ceiling: the same connection loop, a fixed page, no database"
echo
echo "| page | connections | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|---|"
for c in 10 100; do measure "fixed page" "http://127.0.0.1:18089/" "$c" ""; done
