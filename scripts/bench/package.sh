#!/usr/bin/env bash
# package.sh -- remux-only packaging throughput and memory: sv-package
# against ffmpeg's hls (fMP4) and dash muxers with -c copy, on the same
# MPEG-TS input, side by side.  Prints MB/s, peak RSS and the ratios.
#   scripts/bench/package.sh [SECONDS...]     (default: 20 600)
# Inputs (1080p30 H.264 ultrafast + AAC) are generated once and cached
# under build/bench/.  Packages are written to BENCH_OUT (default: a
# directory in /dev/shm, so the figures measure the packagers rather than
# the disk; set BENCH_OUT=build/bench/out to include the disk).  Not part
# of `make check`.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
bin=$PWD/$BUILD/bin/sv-package
cache=$PWD/$BUILD/bench
runs=${RUNS:-3}
out=${BENCH_OUT:-}
if [ -z "$out" ]; then
    if [ -d /dev/shm ] && [ -w /dev/shm ]; then
        out=/dev/shm/sv-package-bench.$$
    else
        out=$cache/out
    fi
fi
mkdir -p "$cache" "$out"
trap 'rm -rf "$out" "$cache/time"' EXIT
[ -x "$bin" ] || { echo "package.sh: build first (make)" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "package.sh: needs GNU time" >&2; exit 1; }

input() {
    local s=$1 f=$cache/in_1080p_$1s.ts
    if [ ! -s "$f" ]; then
        echo "generating $s s of 1080p input (cached in $f)..." >&2
        ffmpeg -nostdin -hide_banner -loglevel error -y \
            -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=$s" \
            -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$s" \
            -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
            -force_key_frames 'expr:gte(t,n_forced*2)' -sc_threshold 0 \
            -c:a aac -b:a 128k -f mpegts "$f.tmp" && mv "$f.tmp" "$f"
    fi
    echo "$f"
}

# run NAME CMD...: the best wall time and the best CPU time (user + sys)
# of $runs runs, and the peak RSS (KiB).  On a shared machine the CPU time
# is the steadier measure of a packager's work.
run() {
    local name=$1 best='' cpu='' rss=0 t u s r c _
    shift
    for _ in $(seq "$runs"); do
        rm -rf "$out" && mkdir -p "$out"
        /usr/bin/time -f '%e %U %S %M' -o "$cache/time" "$@" >/dev/null 2>&1 ||
            { echo "package.sh: $name failed" >&2; exit 1; }
        read -r t u s r < "$cache/time"
        c=$(awk -v u="$u" -v s="$s" 'BEGIN{print u + s}')
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
        if [ -z "$cpu" ] || awk "BEGIN{exit !($c < $cpu)}"; then cpu=$c; fi
        [ "$r" -gt "$rss" ] && rss=$r
    done
    echo "$best $cpu $rss"
}

[ $# -gt 0 ] || set -- 20 600
for s in "$@"; do
    in=$(input "$s")
    mb=$(awk -v b="$(stat -c %s "$in")" 'BEGIN{printf "%.1f", b/1048576}')
    read -r t_sv c_sv r_sv < <(run sv-package "$bin" -q -o "$out" "$in")
    read -r t_hls c_hls r_hls < <(run ffmpeg-hls ffmpeg -nostdin \
        -loglevel error -i "$in" -map 0 -c copy -bsf:a aac_adtstoasc -f hls \
        -hls_segment_type fmp4 -hls_time 4 -hls_playlist_type vod \
        -hls_segment_filename "$out/s%d.m4s" "$out/index.m3u8")
    read -r t_dash c_dash r_dash < <(run ffmpeg-dash ffmpeg -nostdin \
        -loglevel error -i "$in" -map 0 -c copy -tag:v avc1 -tag:a mp4a \
        -bsf:a aac_adtstoasc -f dash -seg_duration 4 "$out/manifest.mpd")
    rate() { awk -v m="$mb" -v t="$1" 'BEGIN{printf "%.0f", (t > 0) ? m / t : 0}'; }
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", (b > 0) ? a / b : 0}'; }
    printf '\n%s s of 1080p input, %s MiB (best of %d runs, output in %s)\n' \
        "$s" "$mb" "$runs" "$out"
    printf '  %-12s %8s %12s %14s\n' "" "MiB/s" "MiB/CPU-s" "peak RSS MiB"
    printf '  %-12s %8s %12s %14s\n' \
        sv-package "$(rate "$t_sv")" "$(rate "$c_sv")" "$((r_sv / 1024))" \
        ffmpeg-hls "$(rate "$t_hls")" "$(rate "$c_hls")" "$((r_hls / 1024))" \
        ffmpeg-dash "$(rate "$t_dash")" "$(rate "$c_dash")" "$((r_dash / 1024))"
    printf '  sv-package vs ffmpeg hls:  %sx wall, %sx CPU\n' \
        "$(ratio "$t_hls" "$t_sv")" "$(ratio "$c_hls" "$c_sv")"
    printf '  sv-package vs ffmpeg dash: %sx wall, %sx CPU\n' \
        "$(ratio "$t_dash" "$t_sv")" "$(ratio "$c_dash" "$c_sv")"
done
