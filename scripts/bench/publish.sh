#!/bin/sh
# publish.sh -- sv-publish beside rclone, to the same radosgw on 127.0.0.1:
#   a package (DURATION seconds of SIZE H.264/AAC, sv-package's output) and
#   one BIG file of random bytes, each uploaded by both tools with the same
#   parallelism and part size; throughput as a ratio to rclone's, and the
#   peak RSS of each (GNU time, or /proc when it is missing).
# AWS_CA_BUNDLE is dropped for rclone: its SDK refuses a plain-HTTP
# endpoint with one set.  RUNS rounds, each sv-publish then rclone on the
# package and then on the big file, fresh prefixes, removed (untimed) after
# the round; the medians of the ratios come last.  DATA=DIR keeps the
# package and the big file there and reuses them on the next run.
# Goal (issue 12): at least rclone's throughput with flat memory.
#   BUILD=build DURATION=600 SIZE=1920x1080 BIG=1G JOBS=4 RUNS=3 \
#       flock /work/notes/bench.lock scripts/bench/publish.sh
set -eu
BUILD=${BUILD:-build}
DURATION=${DURATION:-600}
SIZE=${SIZE:-1920x1080}
BIG=${BIG:-1G}
JOBS=${JOBS:-4}
PART=${PART:-8M}
RUNS=${RUNS:-3}
DATA=${DATA:-}
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/$BUILD/bin
work=$(mktemp -d "${TMPDIR:-/tmp}/sv-publish-bench.XXXXXX")
cleanup() {
    sh "$top/tests/s3/stop-rgw.sh" "$work/rgw" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

for c in radosgw ceph-mon ceph-osd rclone; do
    command -v "$c" >/dev/null || { echo "publish.sh: needs $c (scripts/setup)" >&2; exit 1; }
done

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", a / b }'; }
mibs() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f\n", b / 1048576 / s }'; }

# peak RSS (KiB) of a command: GNU time's -f %M
peak() {
    out=$1
    shift
    /usr/bin/time -f %M -o "$out" "$@"
}

cd "$work"
data=${DATA:-$work/data}
mkdir -p "$data"
if [ ! -f "$data/done-$DURATION-$SIZE-$BIG" ]; then
    echo "making ${DURATION}s of ${SIZE} H.264/AAC and a $BIG file (once)..." >&2
    rm -rf "$data/pkg" "$data/big" "$data"/done-*
    nice -n 10 ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=$SIZE:rate=30" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$DURATION" \
        -c:v libx264 -preset ultrafast -g 60 -pix_fmt yuv420p -b:v 6M \
        -c:a aac -b:a 128k "$data/src.mp4"
    nice -n 10 "$bin/sv-package" -q -o "$data/pkg" "$data/src.mp4"
    rm "$data/src.mp4"
    mkdir "$data/big"
    head -c "$BIG" /dev/urandom > "$data/big/big.bin"
    touch "$data/done-$DURATION-$SIZE-$BIG"
fi
ln -s "$data/pkg" pkg
ln -s "$data/big" big
pkg_bytes=$(du -sbL pkg | cut -f1)
big_bytes=$(du -sbL big | cut -f1)

echo "starting radosgw..." >&2
# two copies of each live at once; a round's are removed after it
SV_RGW_BYTES=$((4 * big_bytes + 4 * pkg_bytes + 536870912))
export SV_RGW_BYTES
port=$(sh "$top/tests/s3/start-rgw.sh" "$work/rgw" | sed -n 's/^RGW_PORT=//p')
ep=http://127.0.0.1:$port
export AWS_ACCESS_KEY_ID=accessKey1 AWS_SECRET_ACCESS_KEY=verySecretKey1
curl -sS --fail --aws-sigv4 aws:amz:us-east-1:s3 --user accessKey1:verySecretKey1 \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -X PUT "$ep/bench" -o /dev/null
export RCLONE_CONFIG_RGW_TYPE=s3 RCLONE_CONFIG_RGW_PROVIDER=Ceph \
    RCLONE_CONFIG_RGW_ENDPOINT="$ep" RCLONE_CONFIG_RGW_ACCESS_KEY_ID=accessKey1 \
    RCLONE_CONFIG_RGW_SECRET_ACCESS_KEY=verySecretKey1
rclone_opts="--transfers $JOBS --s3-upload-concurrency $JOBS --s3-chunk-size $PART --s3-upload-cutoff $PART --checkers $JOBS -q"

run() {  # run NAME DIR BYTES K: both tools, fresh prefixes; prints one line
    name=$1 dir=$2 bytes=$3 k=$4
    t0=$(now)
    peak sv.rss "$bin/sv-publish" -q --events /dev/null --endpoint "$ep" \
        -j "$JOBS" --part-size "$PART" "s3://bench/sv-$name-$k" "$dir/"
    t1=$(now)
    # shellcheck disable=SC2086 # word splitting of the options is meant
    peak rc.rss env -u AWS_CA_BUNDLE rclone copy $rclone_opts "$dir/" "rgw:bench/rc-$name-$k"
    t2=$(now)
    sv_s=$(secs "$t0" "$t1")
    rc_s=$(secs "$t1" "$t2")
    r=$(ratio "$rc_s" "$sv_s")
    echo "$name $r $(awk '{ printf "%.1f", $1 / 1024 }' sv.rss) $(awk '{ printf "%.1f", $1 / 1024 }' rc.rss)" >> ratios
    printf '%-8s %8s MiB  sv-publish %6.2f s %7s MiB/s %7s MiB RSS   rclone %6.2f s %7s MiB/s %7s MiB RSS   throughput ratio %s\n' \
        "$name" "$(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1048576 }')" \
        "$sv_s" "$(mibs "$bytes" "$sv_s")" "$(awk '{ printf "%.1f", $1 / 1024 }' sv.rss)" \
        "$rc_s" "$(mibs "$bytes" "$rc_s")" "$(awk '{ printf "%.1f", $1 / 1024 }' rc.rss)" \
        "$r"
}

# the first writes to a fresh radosgw make its data pools: not timed
head -c 1048576 /dev/urandom > warm.bin
curl -sS --fail --aws-sigv4 aws:amz:us-east-1:s3 --user accessKey1:verySecretKey1 \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T warm.bin "$ep/bench/warm" -o /dev/null
echo "uploading (jobs $JOBS, parts $PART, $RUNS rounds; load: $(uptime | sed 's/.*load average: //'))..." >&2
: > ratios
k=1
while [ "$k" -le "$RUNS" ]; do
    run package pkg "$pkg_bytes" "$k"
    run big big "$big_bytes" "$k"
    for pre in sv-package rc-package sv-big rc-big; do
        env -u AWS_CA_BUNDLE rclone purge -q "rgw:bench/$pre-$k"
    done
    sleep 12   # radosgw's gc (5 s min wait, 5 s period) gives the memory back
    k=$((k + 1))
done
for name in package big; do
    awk -v n="$name" '$1 == n { print $2, $3, $4 }' ratios | sort -n |
        awk -v n="$name" '{ r[NR] = $1; if ($2 > s) s = $2; if ($3 > c) c = $3 }
            END { printf "%-8s median throughput ratio %s over %d runs, peak RSS sv-publish %s MiB, rclone %s MiB\n",
                  n, r[int((NR + 1) / 2)], NR, s, c }'
done
echo "load average at the end: $(uptime | sed 's/.*load average: //')"
