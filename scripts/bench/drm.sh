#!/bin/sh
# drm.sh -- sv-drm beside its peers:
#   encryption of a package: sv-drm encrypt --scheme cenc and cbcs against
#   `cp -r` of the same package (the ceiling for a rewrite on disk) and
#   ffmpeg's own -encryption_scheme cenc-aes-ctr remux of the same media;
#   licenses: `sv-drm serve` ClearKey requests per second and p99 with wrk;
#   the same with the licence ledger on (--ledger: a record fdatasync'd
#   before each answer, group-committed) against off.
# Goals (issue 6): at least half of cp's speed, 3x ffmpeg's, 20,000
# licenses/s on two cores with p99 under 5 ms; (issue 17) the ledger costs
# at most 10% of the licences per second.
#   LEDGER_ONLY=1 skips the encryption part (no media made); LEDGER_RUNS
#   (3) alternating off/on runs at LEDGER_CONNS (256) connections.
#   BUILD=build DURATION=600 SIZE=1920x1080 scripts/bench/drm.sh
set -eu
BUILD=${BUILD:-build}
DURATION=${DURATION:-600}
SIZE=${SIZE:-1920x1080}
WRK_SECONDS=${WRK_SECONDS:-10}
WRK_CONNS=${WRK_CONNS:-32}
# the ledger's figure under real load: many clients at once (its group
# commit is as wide as the requests waiting on a sync)
LEDGER_CONNS=${LEDGER_CONNS:-256}
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/$BUILD/bin
work=$(mktemp -d "${TMPDIR:-/tmp}/sv-drm-bench.XXXXXX")
server=
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", a / b }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { print a / b }'; }

cd "$work"
if [ "${LEDGER_ONLY:-0}" = 1 ]; then
    "$bin/sv-drm" keygen > key.json
    kid=$(jq -r '.keys[0].kid' key.json)
else
echo "making ${DURATION}s of ${SIZE} H.264/AAC (once)..." >&2
ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=$SIZE:rate=30" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$DURATION" \
    -c:v libx264 -preset ultrafast -g 60 -pix_fmt yuv420p -b:v 6M \
    -c:a aac -b:a 128k src.mp4
"$bin/sv-package" src.mp4 -o clear -q
bytes=$(du -sb clear | cut -f1)
"$bin/sv-drm" keygen > key.json
key=$(jq -r '.keys[0].key' key.json)
kid=$(jq -r '.keys[0].kid' key.json)
for c in cenc cbcs; do cp -r clear "pkg-$c"; done
sync

t0=$(now); cp -r clear copy; sync; t1=$(now)
cp_s=$(secs "$t0" "$t1")
t0=$(now); "$bin/sv-drm" encrypt --scheme cenc --key key.json pkg-cenc \
    >/dev/null; sync; t1=$(now)
cenc_s=$(secs "$t0" "$t1")
t0=$(now); "$bin/sv-drm" encrypt --scheme cbcs --key key.json pkg-cbcs \
    >/dev/null; sync; t1=$(now)
cbcs_s=$(secs "$t0" "$t1")
t0=$(now)
ffmpeg -nostdin -v error -i src.mp4 -c copy -encryption_scheme cenc-aes-ctr \
    -encryption_key "$key" -encryption_kid "$kid" -movflags frag_keyframe \
    -f mp4 ffmpeg-cenc.mp4
sync; t1=$(now)
ff_s=$(secs "$t0" "$t1")

mb=$(div "$bytes" 1048576)
printf 'package: %.0f MiB, %s s of %s\n' "$mb" "$DURATION" "$SIZE"
printf '%-28s %8s %10s\n' tool seconds MiB/s
printf '%-28s %8.2f %10.0f\n' "cp -r" "$cp_s" "$(div "$mb" "$cp_s")"
printf '%-28s %8.2f %10.0f\n' "sv-drm encrypt cenc" "$cenc_s" \
    "$(div "$mb" "$cenc_s")"
printf '%-28s %8.2f %10.0f\n' "sv-drm encrypt cbcs" "$cbcs_s" \
    "$(div "$mb" "$cbcs_s")"
printf '%-28s %8.2f %10.0f\n' "ffmpeg cenc-aes-ctr remux" "$ff_s" \
    "$(div "$mb" "$ff_s")"
echo "cenc vs cp: $(ratio "$cp_s" "$cenc_s")x of cp's speed (goal >= 0.5)"
echo "cbcs vs cp: $(ratio "$cp_s" "$cbcs_s")x of cp's speed (goal >= 0.5)"
echo "cenc vs ffmpeg: $(ratio "$ff_s" "$cenc_s")x ffmpeg's speed (goal >= 3)"

# the cipher's ceiling on one core: openssl speed, 16 KiB blocks
for c in aes-128-ctr aes-128-cbc; do
    kbs=$(openssl speed -evp "$c" -seconds 1 -bytes 16384 2>/dev/null |
        awk -v c="$c" 'tolower($1) == c { v = $NF } END { sub(/k$/, "", v); print v }')
    [ -n "$kbs" ] && printf 'openssl speed %s: %.0f MiB/s on one core (ceiling)\n' \
        "$c" "$(div "$kbs" 1024)"
done
fi

# ---- licenses ----
command -v wrk >/dev/null || { echo "wrk not installed: no license figures"; exit 0; }
export SV_DRM_JWT_SECRET=bench-secret-bench-secret-bench-secret-42
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin/sv-drm" serve --key key.json --listen "127.0.0.1:$port" --rate 0 \
    --workers 2 --events /dev/null 2>/dev/null &
server=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/"; do
    i=$((i + 1)); [ $i -lt 50 ] || { echo "server did not start"; exit 1; }
    sleep 0.1
done
tok=$("$bin/sv-drm" token sign --kid "$kid" --ttl 1h)
kid64=$(python3 -c 'import base64, sys
print(base64.urlsafe_b64encode(bytes.fromhex(sys.argv[1])).decode().rstrip("="))' "$kid")
cat > post.lua <<LUA
wrk.method = "POST"
wrk.body = '{"kids":["$kid64"],"type":"temporary"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $tok"
LUA
curl -s -X POST -H "Authorization: Bearer $tok" \
    -d "{\"kids\":[\"$kid64\"]}" "http://127.0.0.1:$port/license" |
    grep -q '"kty":"oct"' || { echo "license request failed"; exit 1; }
wrk -t2 -c"$WRK_CONNS" -d"${WRK_SECONDS}s" --latency -s post.lua \
    "http://127.0.0.1:$port/license" > wrk.txt
rps=$(awk '/^Requests\/sec/ { print $2 }' wrk.txt)
p99=$(awk '$1 == "99%" { print $2 }' wrk.txt)
echo "licenses: $rps requests/s, p99 $p99 (wrk -t2 -c$WRK_CONNS, goal >= 20000/s, p99 < 5ms)"
kill "$server"; wait "$server" 2>/dev/null || true; server=

# ---- the ledger: the same load from a keystore, ledger off then on ----
export SV_DRM_MASTER_KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
"$bin/sv-drm" keygen --store ks --content-id bench > ks.json
kid=$(jq -r '.keys[0].kid' ks.json)
tok=$("$bin/sv-drm" token sign --kid "$kid" --ttl 1h)
kid64=$(python3 -c 'import base64, sys
print(base64.urlsafe_b64encode(bytes.fromhex(sys.argv[1])).decode().rstrip("="))' "$kid")
cat > post-ks.lua <<LUA
wrk.method = "POST"
wrk.body = '{"kids":["$kid64"],"type":"temporary"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $tok"
LUA
# run_ledger NAME ARGS...: licences/s of one server (printed), p99 in $p99
run_ledger() {
    name=$1; shift
    "$bin/sv-drm" serve --store ks --listen "127.0.0.1:$port" --rate 0 \
        --workers 2 --events /dev/null "$@" 2>/dev/null &
    server=$!
    i=0
    until curl -s -o /dev/null "http://127.0.0.1:$port/"; do
        i=$((i + 1)); [ $i -lt 50 ] || { echo "server did not start" >&2; exit 1; }
        sleep 0.1
    done
    wrk -t2 -c"$LEDGER_CONNS" -d"${WRK_SECONDS}s" --latency -s post-ks.lua \
        "http://127.0.0.1:$port/license" > "wrk-$name.txt"
    kill "$server"; wait "$server" 2>/dev/null || true; server=
    awk '/^Requests\/sec/ { print $2 }' "wrk-$name.txt"
}
# alternating off/on runs (the host's load drifts), the median of each
runs=${LEDGER_RUNS:-3}
offs='' ons='' r=0
while [ "$r" -lt "$runs" ]; do
    r=$((r + 1))
    offs="$offs $(run_ledger "off$r")"
    rm -f "$work/ledger.jsonl"
    ons="$ons $(run_ledger "on$r" --ledger "$work/ledger.jsonl")"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# shellcheck disable=SC2086 # word lists
off=$(median $offs)
# shellcheck disable=SC2086
on=$(median $ons)
p99_off=$(awk '$1 == "99%" { print $2 }' wrk-off1.txt)
p99_on=$(awk '$1 == "99%" { print $2 }' wrk-on1.txt)
"$bin/sv-drm" ledger verify "$work/ledger.jsonl" > verify.json ||
    { echo "the bench ledger does not verify"; exit 1; }
issued=$(grep -c '"type":"issued"' "$work/ledger.jsonl")
echo "ledger off:$offs licences/s (median $off), p99 $p99_off (run 1)"
echo "ledger on: $ons licences/s (median $on), p99 $p99_on (run 1; last run $issued records, verified; $(df -T "$work" | awk 'NR == 2 { print $2 }') at $work)"
echo "ledger on vs off: $(ratio "$on" "$off")x (wrk -t2 -c$LEDGER_CONNS, medians of $runs alternating runs; goal >= 0.90)"
