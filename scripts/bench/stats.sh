#!/usr/bin/env bash
# stats.sh -- `sv-stats logs` against GoAccess on the same combined log.
#
#   scripts/bench/stats.sh            (BUILD=build LINES=1000000 BIG=10000000)
#
# 1. LINES lines of a generated combined log (CMCD in the query, 50,000
#    viewers, three renditions of ten titles): lines per second of sv-stats
#    and of GoAccess (--log-format=COMBINED, JSON output; it is single-threaded), each
#    on one core (taskset), the ratio sv-stats/GoAccess (goal: >= 10), and
#    the peak resident memory of both (/usr/bin/time);
# 2. sv-stats's peak memory on BIG lines (set BIG=0 to skip): flat in the
#    number of lines when it is close to the figure of 1.
# GoAccess computes its default panels (visitors, requests, static files,
# 404s, hosts, OS, browsers, time distribution, status codes); sv-stats its
# whole report (sessions, QoE, series, shares).  Files live in
# $BUILD/bench-stats.  Not part of `make check`.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
LINES=${LINES:-1000000}
BIG=${BIG:-10000000}
SV=$PWD/$BUILD/bin/sv-stats
DIR=$PWD/$BUILD/bench-stats
[ -x "$SV" ] || { echo "stats.sh: build sv-stats first (make)" >&2; exit 1; }
command -v goaccess > /dev/null || { echo "stats.sh: goaccess is missing" >&2; exit 1; }
mkdir -p "$DIR"

gen() {     # gen N FILE
    python3 - "$1" > "$2" <<'PY'
import sys, time
n = int(sys.argv[1])
t0 = 1796212800
rend = [('1080p', 6000), ('720p', 3000), ('360p', 800)]
out = sys.stdout
for i in range(n):
    v = (i * 7919) % 50000
    r = rend[(i // 97) % 3]
    t = time.strftime('%d/%b/%Y:%H:%M:%S +0000', time.gmtime(t0 + i // 50))
    out.write('10.%d.%d.%d - - [%s] "GET /vod/t%d/%s/seg-%d.m4s?CMCD=br%%3D%d'
              '%%2Cot%%3Dv%%2Csid%%3D%%22s%d%%22 HTTP/1.1" %d %d '
              '"-" "Mozilla/5.0 (X11; Linux x86_64) player/%d"\n'
              % (v >> 16, (v >> 8) & 255, v & 255, t, v % 10, r[0], i % 900,
                 r[1], v, 404 if i % 1000 == 999 else 200, 100000 + i % 5000,
                 v % 7))
PY
}

# run NAME CMD...: seconds and peak KiB of CMD on one core
measure() {
    local out
    out=$( { /usr/bin/time -f '%e %M' taskset -c 0 "$@" > /dev/null; } 2>&1 |
        tail -1)
    echo "$out"
}

[ -s "$DIR/access-$LINES.log" ] || gen "$LINES" "$DIR/access-$LINES.log"
log=$DIR/access-$LINES.log
read -r st sm <<< "$(measure "$SV" logs "$log")"
read -r gt gm <<< "$(measure goaccess "$log" --log-format=COMBINED \
    --no-global-config -o "$DIR/goaccess.json")"
echo "sv-stats logs vs $(goaccess -V | head -1), $LINES lines, one core"
printf '%-10s %10s %14s %12s\n' tool seconds lines/s "peak RSS"
printf '%-10s %10.2f %14.0f %9d KiB\n' sv-stats "$st" \
    "$(echo "$LINES / $st" | bc -l)" "$sm"
printf '%-10s %10.2f %14.0f %9d KiB\n' goaccess "$gt" \
    "$(echo "$LINES / $gt" | bc -l)" "$gm"
printf 'ratio sv-stats/goaccess lines/s: %.2fx (goal >= 10)\n' \
    "$(echo "$gt / $st" | bc -l)"

if [ "$BIG" -gt 0 ]; then
    [ -s "$DIR/access-$BIG.log" ] || gen "$BIG" "$DIR/access-$BIG.log"
    read -r bt bm <<< "$(measure "$SV" logs "$DIR/access-$BIG.log")"
    printf 'sv-stats on %d lines: %.2f s, peak %d KiB (%.2fx the %d-line peak)\n' \
        "$BIG" "$bt" "$bm" "$(echo "$bm / $sm" | bc -l)" "$LINES"
fi
