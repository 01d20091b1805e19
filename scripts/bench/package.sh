#!/usr/bin/env bash
# package.sh -- remux-only packaging throughput and memory: sv-package
# against ffmpeg's hls (fMP4) and dash muxers with -c copy, on the same
# MPEG-TS input, side by side.  Prints MB/s, peak RSS and the ratios.
#   scripts/bench/package.sh [SECONDS...]     (default: 20 600)
# Inputs (1080p30 H.264 ultrafast + AAC) are generated once and cached
# under build/bench/.  Not part of `make check`.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
bin=$PWD/$BUILD/bin/sv-package
cache=$PWD/$BUILD/bench
runs=${RUNS:-3}
mkdir -p "$cache"
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

# run NAME CMD...: best wall time of $runs runs, and the peak RSS (KiB)
run() {
    local name=$1 best= rss=0 t r i
    shift
    for i in $(seq "$runs"); do
        rm -rf "$cache/out" && mkdir -p "$cache/out"
        /usr/bin/time -f '%e %M' -o "$cache/time" "$@" >/dev/null 2>&1 ||
            { echo "package.sh: $name failed" >&2; exit 1; }
        read -r t r < "$cache/time"
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
        [ "$r" -gt "$rss" ] && rss=$r
    done
    echo "$best $rss"
}

for s in ${@:-20 600}; do
    in=$(input "$s")
    mb=$(awk -v b="$(stat -c %s "$in")" 'BEGIN{printf "%.1f", b/1048576}')
    read -r t_sv r_sv < <(run sv-package "$bin" -q -o "$cache/out" "$in")
    read -r t_hls r_hls < <(run ffmpeg-hls ffmpeg -nostdin -loglevel error \
        -i "$in" -map 0 -c copy -bsf:a aac_adtstoasc -f hls -hls_segment_type fmp4 -hls_time 4 \
        -hls_playlist_type vod -hls_segment_filename "$cache/out/s%d.m4s" \
        "$cache/out/index.m3u8")
    read -r t_dash r_dash < <(run ffmpeg-dash ffmpeg -nostdin -loglevel error \
        -i "$in" -map 0 -c copy -tag:v avc1 -tag:a mp4a -bsf:a aac_adtstoasc -f dash -seg_duration 4 \
        "$cache/out/manifest.mpd")
    rate() { awk -v m="$mb" -v t="$1" 'BEGIN{printf "%.0f", (t > 0) ? m / t : 0}'; }
    printf '\n%s s of 1080p input, %s MiB (best of %d runs)\n' "$s" "$mb" "$runs"
    printf '  %-12s %8s MiB/s  %8s MiB peak RSS\n' \
        sv-package "$(rate "$t_sv")" "$((r_sv / 1024))" \
        ffmpeg-hls "$(rate "$t_hls")" "$((r_hls / 1024))" \
        ffmpeg-dash "$(rate "$t_dash")" "$((r_dash / 1024))"
    printf '  sv-package vs ffmpeg hls: %sx   vs ffmpeg dash: %sx\n' \
        "$(awk -v a="$t_hls" -v b="$t_sv" 'BEGIN{printf "%.2f", a/b}')" \
        "$(awk -v a="$t_dash" -v b="$t_sv" 'BEGIN{printf "%.2f", a/b}')"
done
rm -rf "$cache/out" "$cache/time"
