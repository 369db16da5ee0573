#!/usr/bin/env bash
# How long a refused sign-in takes, for an address with an account and one without, while the
# client may still try and once it must wait: if the answers took different times, the timing
# would say which addresses have accounts. Each case is N requests over HTTP (curl's
# time_total), from clients that the server reads from X-Forwarded-For behind a trusted proxy
# (this machine), so that the per-client limit of 20 attempts a minute never answers instead.
#
# Usage: bench/sign-in-timing.sh [N, default 40]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-40}"
cargo build --release -q --bin aspire
bin=target/release/aspire
tmp=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server"; rm -rf "$tmp"' EXIT
url="sqlite:$tmp/timing.db"
link=$("$bin" --database-url "$url" user add --role admin --name "Timing" real@example.org | grep '/invitation/' | tr -d ' ')
"$bin" --database-url "$url" serve --addr 127.0.0.1:18095 --trust-proxy 127.0.0.1 > "$tmp/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:18095/healthz && break; sleep 0.1; done
jar="$tmp/jar"
path="${link#http://*/}"
curl -s -c "$jar" -b "$jar" "http://127.0.0.1:18095/$path" -o /dev/null
csrf=$(awk '/aspire_csrf/ {print $7}' "$jar")
curl -s -o /dev/null -c "$jar" -b "$jar" \
  -d "password=correct+horse+battery+staple&confirm=correct+horse+battery+staple&csrf=$csrf" "http://127.0.0.1:18095/$path"

# attempt EMAIL CLIENT: one wrong password; prints "status seconds".
attempt() {
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -c "$jar" -b "$jar" -H "X-Forwarded-For: $2" \
    -d "email=$1&password=not+the+password+at+all&csrf=$csrf" http://127.0.0.1:18095/sign-in
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

: > "$tmp/first"; : > "$tmp/waiting"
for who in real unknown; do
  for i in $(seq 1 "$n"); do
    client="10.$([ "$who" = real ] && echo 1 || echo 2).$((i / 200)).$((i % 200))"
    # Four attempts from a new client: the first is answered "wrong", and by the fifth the
    # client must wait ("too many attempts").
    # An unknown address differs each time; the real one signs in rightly after, which clears
    # that client's count, so that the failures never add up to an attack (which would lock).
    email=$([ "$who" = real ] && echo "real%40example.org" || echo "unknown$i%40example.org")
    first=$(attempt "$email" "$client")
    for _ in 2 3 4; do attempt "$email" "$client" > /dev/null; done
    waiting=$(attempt "$email" "$client")
    if [ "$who" = real ]; then
      sleep 2.1
      curl -s -o /dev/null -c "$tmp/jar-ok" -b "$jar" -H "X-Forwarded-For: $client" \
        -d "email=real%40example.org&password=correct+horse+battery+staple&csrf=$csrf" http://127.0.0.1:18095/sign-in
    fi
    echo "$who $first" >> "$tmp/first"
    echo "$who $waiting" >> "$tmp/waiting"
  done
done
echo "## Refused sign-ins, $(date -u +%Y-%m-%d), $(nproc) cores, $n of each (median of curl's time_total)"
echo
echo "| address | answer | status | median |"
echo "|---|---|---|---|"
for who in real unknown; do
  for f in first waiting; do
    status=$(awk -v w="$who" '$1 == w {print $2}' "$tmp/$f" | sort | uniq -c | awk '{printf "%s×%s ", $1, $2}')
    t=$(awk -v w="$who" '$1 == w {print $3 * 1000}' "$tmp/$f" | median)
    label=$([ "$f" = first ] && echo "wrong password" || echo "must wait")
    echo "| $who | $label | $status| ${t} ms |"
  done
done
